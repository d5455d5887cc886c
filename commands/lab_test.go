package commands

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"kplay/repl"
)

// quizLab has a question with lets in it, every kind of expectation, a
// test that fails and one skipped after it. Of its derived lets, next is
// named by a question and third used by a command, so both are shown;
// twice is neither, so only --answers prints it.
const quizLab = `lab quiz
description A lab to show: every kind of expectation.
description Check it with: kplay check quiz.kp --seed N
let fd = rand 10 99
let word = pick alpha gamma delta
let next = calc ${fd} + 1
let twice = calc ${fd} * 2
let third = calc ${fd} + 2

syscall close ${third}

test "close" points 2
# What does close(${fd}) return,
# and which errno? And close(${next})?
syscall close ${fd}
expect ^close\(${fd}\) += -1 EBADF
syscall --json close ${fd}
expect-json .ret < 0
expect-json '.args[0]' == "${fd}"

test "lines" after "close"
# Which lines does the write print?
syscall write 1 "a\nb\n${word}\n" 10
expect ^a\nb$
expect-block
${word}
end
expect-not Oops

test "refused" points 0
syscall nosuch
expect-error neither

test "wrong" points 3
# Is "${word}" a pid?
syscall getpid
expect = 2$

test "after wrong" after "wrong" "close"
syscall getpid
`

// quizShow is what kplay lab show prints for quizLab at path, for a seed
// that draws fd and word; with answers, what --answers prints.
func quizShow(path, seed, fd, word string, answers bool) string {
	ans := func(s string) string {
		if !answers {
			return ""
		}
		return s
	}
	s := `lab quiz (PATH), seed SEED, kplay VERSION
A lab to show: every kind of expectation.
Check it with: kplay check quiz.kp --seed N
parameters: fd=FD, word=WORD, next=NEXT, third=THIRD
` + ans(`derived: twice=TWICE
`) + `
1. close (2 points)
   What does close(FD) return,
   and which errno? And close(NEXT)?
` + ans(`   answer:
     kplay> syscall close FD
     close(FD)                               = -1 EBADF (Bad file descriptor)
     kplay> syscall --json close FD
     .ret = -9
     .args[0] = "FD"
`) + `
2. lines (1 point; after 1)
   Which lines does the write print?
` + ans(`   answer:
     kplay> syscall write 1 "a\nb\nWORD\n" 10
     a
     b
     WORD
     no match for Oops
`) + `
3. refused (0 points)
` + ans(`   answer:
     kplay> syscall nosuch
     syscall: "nosuch" is neither a Linux system call name nor a number
`) + `
4. wrong (3 points)
   Is "WORD" a pid?
` + ans(`   no answer: this seed's run failed at PATH:37: expect = 2$: no match in the output of "syscall getpid"
     | getpid()                                = 1
`) + `
5. after wrong (1 point; after 4, 1)
` + ans(`   no answer: skipped, depends on "wrong", which failed
`) + `
5 tests, 7 points
`
	n, _ := strconv.Atoi(fd)
	return strings.NewReplacer("PATH", path, "SEED", seed, "VERSION", repl.Version, "FD", fd, "WORD", word,
		"NEXT", strconv.Itoa(n+1), "TWICE", strconv.Itoa(2*n), "THIRD", strconv.Itoa(n+2)).Replace(s)
}

var quizSeeds = []struct{ seed, fd, word string }{
	{"1", "15", "gamma"},
	{"2", "50", "delta"},
}

func TestLabShowPrintsTheQuestionsOfASeed(t *testing.T) {
	p := writeLab(t, "quiz.kp", quizLab)
	for _, c := range quizSeeds {
		out, stderr, err := kplay(t, "", "lab", "show", p, "--seed", c.seed)
		if err != nil || stderr != "" {
			t.Fatalf("seed %s: %v %q", c.seed, err, stderr)
		}
		if want := quizShow(p, c.seed, c.fd, c.word, false); out != want {
			t.Errorf("seed %s: got\n%s\nwant\n%s", c.seed, out, want)
		}
	}
}

// TestLabShowAnswers: --answers runs the lab and prints, under each test,
// its commands and what met its expectations; a test that fails for the
// seed says where, and the exit status is then 1. Two runs print the
// same bytes.
func TestLabShowAnswers(t *testing.T) {
	p := writeLab(t, "quiz.kp", quizLab)
	for _, c := range quizSeeds {
		out, stderr, err := kplay(t, "", "lab", "show", "--answers", "--seed", c.seed, p)
		if !errors.Is(err, errFailed) || stderr != "" {
			t.Fatalf("seed %s: want errFailed (a test fails), got %v %q", c.seed, err, stderr)
		}
		if want := quizShow(p, c.seed, c.fd, c.word, true); out != want {
			t.Errorf("seed %s: got\n%s\nwant\n%s", c.seed, out, want)
		}
		again, _, _ := kplay(t, "", "lab", "show", "--answers", "--seed", c.seed, p)
		if again != out {
			t.Errorf("seed %s: two runs differ", c.seed)
		}
	}
}

// TestLabShowFindsALabByName: a name is a file NAME.kp of the labs
// directory or the name on a file's lab line; without --labs the
// directory is scripts/labs here or in a parent (../scripts/labs from
// this package).
func TestLabShowFindsALabByName(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "q1.kp"), []byte(quizLab), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"q1", "quiz"} {
		out, _, err := kplay(t, "", "lab", "show", name, "--labs", dir)
		if err != nil || !strings.HasPrefix(out, "lab quiz ("+filepath.Join(dir, "q1.kp")+"), seed 1,") {
			t.Errorf("%s: %v\n%s", name, err, out)
		}
	}
	out, stderr, err := kplay(t, "", "lab", "show", "syscalls", "--seed", "7", "--answers")
	if err != nil {
		t.Fatalf("every test of syscalls passes for seed 7: %v %s\n%s", err, stderr, out)
	}
	if first := strings.SplitN(out, "\n", 2)[0]; first != "lab syscalls (../scripts/labs/syscalls.kp), seed 7, kplay "+repl.Version {
		t.Errorf("first line %q", first)
	}
	if strings.Contains(out, "no answer") || !strings.Contains(out, "   answer:\n     kplay> syscall getpid\n") {
		t.Errorf("answers missing:\n%s", out)
	}
}

func TestLabList(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{
		"b.kp":     quizLab,
		"a.kp":     "lab first\ndescription One line.\ntest \"x\" points 4\nsyscall getpid\n",
		"c.kp":     "test \"x\" points many\n",
		"notes.md": "not a lab",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, stderr, err := kplay(t, "", "lab", "list", "--labs", dir)
	want := "first: 1 test, 4 points (" + filepath.Join(dir, "a.kp") + ")\n" +
		"    One line.\n" +
		"quiz: 5 tests, 7 points (" + filepath.Join(dir, "b.kp") + ")\n" +
		"    A lab to show: every kind of expectation.\n" +
		"    Check it with: kplay check quiz.kp --seed N\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	if wantErr := filepath.Join(dir, "c.kp") + ":1:17: points \"many\": want a whole number from 0\n"; stderr != wantErr || !errors.Is(err, errFailed) {
		t.Errorf("a lab that does not parse: got %v %q, want %q", err, stderr, wantErr)
	}
	out, _, err = kplay(t, "", "lab", "list")
	if err != nil || !strings.Contains(out, "syscalls: ") {
		t.Errorf("the labs of ../scripts/labs: %v\n%s", err, out)
	}
}

// TestLabBadInput: each mistake is one line saying what is wrong, and
// nothing is printed on stdout.
func TestLabBadInput(t *testing.T) {
	p := writeLab(t, "quiz.kp", quizLab)
	bad := writeLab(t, "bad.kp", "let x = roll 1 6\n")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"lab", "show", "nosuch"}, `lab "nosuch": no such lab in ../scripts/labs (kplay lab list shows them) and no such file`},
		{[]string{"lab", "show", "nosuch", "--labs", t.TempDir()}, `no such lab in`},
		{[]string{"lab", "show", "missing.kp"}, `lab "missing.kp": no such file`},
		{[]string{"lab", "show", p, "--seed", "seven"}, `invalid argument "seven" for "--seed" flag: want a whole number from 0 to 18446744073709551615`},
		{[]string{"lab", "show", p, "--seed", "-1"}, `invalid argument "-1" for "--seed" flag: want a whole number`},
		{[]string{"check", p, "--seed", "abc"}, `invalid argument "abc" for "--seed" flag: want a whole number from 0 to 18446744073709551615`},
		{[]string{"run", p, "--seed", "1.5"}, `invalid argument "1.5" for "--seed" flag: want a whole number`},
		{[]string{"check"}, `check needs a lab file or more (usage: kplay check FILE... [flags])`},
		{[]string{"run"}, `run needs a script file or more (usage: kplay run FILE... [flags])`},
		{[]string{"version", "--color", "sometimes"}, `--color "sometimes": want auto, always or never`},
		{[]string{"check", p, "--mem", "65G"}, `mem 65G: want between 4M and 64G`},
		{[]string{"version", "--clock", "wall"}, `clock "wall": want virtual or real`},
		{[]string{"lab", "show", p, "--seed", "18446744073709551616"}, `want a whole number`},
		{[]string{"lab", "show"}, `lab show needs one LAB: a lab's name (kplay lab list) or a .kp file`},
		{[]string{"lab", "show", p, p}, `lab show needs one LAB`},
		{[]string{"lab", "list", "--labs", filepath.Join(t.TempDir(), "none")}, `not a directory`},
		{[]string{"lab", "nosuch"}, `unknown command "nosuch" for "kplay lab"`},
	} {
		out, stderr, err := kplay(t, "", c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") || out != "" || stderr != "" {
			t.Errorf("%q: got %v, stdout %q, stderr %q; want one line with %q", c.args, err, out, stderr, c.want)
		}
	}
	// A file that cannot be read is FILE: reason on stderr, as a mistake
	// in one is FILE:LINE:COL: message.
	missing := filepath.Join(t.TempDir(), "missing.kp")
	for _, args := range [][]string{{"check", missing}, {"run", missing}} {
		out, stderr, err := kplay(t, "", args...)
		if !errors.Is(err, errFailed) || out != "" || stderr != missing+": no such file or directory\n" {
			t.Errorf("%q: got %v, stdout %q, stderr %q", args, err, out, stderr)
		}
	}
	// A mistake in the lab is FILE:LINE:COL on stderr, as kplay check prints it.
	out, stderr, err := kplay(t, "", "lab", "show", bad, "--seed", "3")
	if !errors.Is(err, errFailed) || out != "" || stderr != bad+":1:9: let x: unknown generator \"roll\" (want rand, pick, calc or item)\n" {
		t.Errorf("got %v, stdout %q, stderr %q", err, out, stderr)
	}
}

// TestAuthoringGuideShowsAnswers: the guide's kplay lab show --answers
// transcript is what kplay prints for docs/labs/errno.kp today.
func TestAuthoringGuideShowsAnswers(t *testing.T) {
	guide, err := os.ReadFile(filepath.Join("..", "docs", "labs", "authoring.md"))
	if err != nil {
		t.Fatal(err)
	}
	guideShows(t, string(guide), "lab", "show", "docs/labs/errno.kp", "--seed", "2", "--answers")
}

// TestLabShowAnswersOfOddLabs: a plain script is one test; a failed
// setup leaves every test without an answer; after quit the rest is
// skipped.
func TestLabShowAnswersOfOddLabs(t *testing.T) {
	for _, c := range []struct {
		name, src, want string
		ok              bool
	}{
		{"plain.kp", "syscall getpid\nexpect = 1$\n", `lab plain (PATH), seed 1, kplay VERSION

1. plain (1 point)
   answer:
     kplay> syscall getpid
     getpid()                                = 1

1 test, 1 point
`, true},
		{"setup.kp", "lab s\nsyscall nosuch\ntest \"t\"\n# Why?\nsyscall getpid\n", `lab s (PATH), seed 1, kplay VERSION

1. t (1 point)
   Why?
   no answer: this seed's run failed at PATH:2: the setup before the first test failed: syscall: "nosuch" is neither a Linux system call name nor a number

1 test, 1 point
`, false},
		{"quit.kp", "test \"t\"\nsyscall getpid\nquit\ntest \"u\" points 2\nps\n", `lab quit (PATH), seed 1, kplay VERSION

1. t (1 point)
   answer:
     kplay> syscall getpid
     kplay> quit

2. u (2 points)
   no answer: skipped, not run: the lab quit at PATH:3

2 tests, 3 points
`, false},
	} {
		p := writeLab(t, c.name, c.src)
		out, _, err := kplay(t, "", "lab", "show", "--answers", p)
		if want := strings.NewReplacer("PATH", p, "VERSION", repl.Version).Replace(c.want); out != want || (err == nil) != c.ok {
			t.Errorf("%s: %v, got\n%s\nwant\n%s", c.name, err, out, want)
		}
	}
}
