package commands

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"kplay/lab"
	"kplay/repl"
)

// mixedLab passes two tests, fails one, and skips two: one that depends
// on the failure and one that depends on that skipped test.
const mixedLab = `lab mixed
description A lab with every outcome.
let n = rand 100 999

test "getpid" points 2
syscall getpid
expect = 1$

test "wrong answer" points 3
syscall getppid
expect = 42$

test "needs the wrong answer" points 4 after "wrong answer"
syscall getpid

test "needs the skipped one" after "needs the wrong answer" "getpid"
syscall getpid

test "a # and a \\ in a name" points 5 after "getpid"
syscall close ${n}
expect ^close\(${n}\) += -1 EBADF
syscall nosuch
expect-error neither a Linux system call
`

func writeLab(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckTextReportsEachTest(t *testing.T) {
	p := writeLab(t, "mixed.kp", mixedLab)
	out, stderr, err := kplay(t, "", "check", p)
	if err == nil {
		t.Fatal("a failed test must fail the check")
	}
	if stderr != "" {
		t.Fatalf("stderr %q", stderr)
	}
	want := fmt.Sprintf(`lab mixed (%[1]s), seed 1, kplay %[2]s, n=%[3]s
  PASS  getpid (2/2 points)
  FAIL  wrong answer (0/3 points)
        %[1]s:11: expect = 42$: no match in the output of "syscall getppid"
        saw instead:
        | getppid()                               = 0
  SKIP  needs the wrong answer (0/4 points)
        depends on "wrong answer", which failed
  SKIP  needs the skipped one (0/1 points)
        depends on "needs the wrong answer", which was skipped
  PASS  a # and a \ in a name (5/5 points)
score 7/15: 2 passed, 2 failed... `, p, repl.Version, letN(t, p, 1))
	want = want[:strings.Index(want, "score")] + "score 7/15: 2 passed, 1 failed, 2 skipped\n"
	if out != want {
		t.Fatalf("got\n%s\nwant\n%s", out, want)
	}
}

// letN is the value of the mixed lab's n for seed.
func letN(t *testing.T, p string, seed uint64) string {
	src, _ := os.ReadFile(p)
	in, err := lab.Load(p, src, seed)
	if err != nil {
		t.Fatal(err)
	}
	return in.Params[0].Value
}

func TestCheckSeedVariesLetsAndIsDeterministic(t *testing.T) {
	p := writeLab(t, "mixed.kp", mixedLab)
	for _, format := range lab.Formats {
		a, _, _ := kplay(t, "", "check", "--format", format, "--seed", "7", p)
		b, _, _ := kplay(t, "", "check", "--format", format, "--seed", "7", p)
		c, _, _ := kplay(t, "", "check", "--format", format, "--seed", "8", p)
		if a != b {
			t.Fatalf("%s: the same seed gave different bytes:\n%s\n%s", format, a, b)
		}
		if a == c {
			t.Fatalf("%s: seeds 7 and 8 gave the same report", format)
		}
		if !strings.Contains(a, "seed") || !strings.Contains(a, repl.Version) {
			t.Fatalf("%s: the report must record the seed and the version:\n%s", format, a)
		}
	}
	if letN(t, p, 7) == letN(t, p, 8) {
		t.Fatal("seeds 7 and 8 drew the same n")
	}
	if d, _, _ := kplay(t, "", "check", p); !strings.Contains(d, ", seed 1, ") {
		t.Fatalf("the default seed is 1:\n%s", d)
	}
}

// tapLine is one line of TAP version 14 as this strict reader accepts it.
var (
	tapTest  = regexp.MustCompile(`^(ok|not ok) ([1-9][0-9]*) - ((?:[^#\\]|\\[#\\])+?)(?: # (SKIP|TODO)(?: (.*))?)?$`)
	tapPlan  = regexp.MustCompile(`^1\.\.([0-9]+)$`)
	tapYAMLk = regexp.MustCompile(`^  [a-z]+: (".*"|[0-9]+)$`)
)

type tapPoint struct {
	ok        bool
	num       int
	name      string
	directive string
	yaml      map[string]string
}

// parseTAP14 reads a TAP 14 document strictly: the version line first,
// one plan, test points numbered from 1 in order, YAML blocks between
// "  ---" and "  ..." right after a test point (each value a JSON-quoted
// string or a number), comments; anything else is an error.
func parseTAP14(doc string) ([]tapPoint, error) {
	lines := strings.Split(doc, "\n")
	if lines[len(lines)-1] != "" {
		return nil, fmt.Errorf("no newline at the end")
	}
	lines = lines[:len(lines)-1]
	if len(lines) == 0 || lines[0] != "TAP version 14" {
		return nil, fmt.Errorf("line 1 must be TAP version 14")
	}
	plan := -1
	var pts []tapPoint
	for i := 1; i < len(lines); i++ {
		l := lines[i]
		switch {
		case tapPlan.MatchString(l):
			if plan >= 0 {
				return nil, fmt.Errorf("line %d: a second plan", i+1)
			}
			plan, _ = strconv.Atoi(tapPlan.FindStringSubmatch(l)[1])
		case strings.HasPrefix(l, "#"):
		case tapTest.MatchString(l):
			m := tapTest.FindStringSubmatch(l)
			n, _ := strconv.Atoi(m[2])
			if n != len(pts)+1 {
				return nil, fmt.Errorf("line %d: test %d out of order", i+1, n)
			}
			pts = append(pts, tapPoint{ok: m[1] == "ok", num: n, name: m[3], directive: m[4]})
		case l == "  ---":
			if len(pts) == 0 || !strings.HasPrefix(lines[i-1], "ok") && !strings.HasPrefix(lines[i-1], "not ok") {
				return nil, fmt.Errorf("line %d: a YAML block must follow a test point", i+1)
			}
			y := map[string]string{}
			for i++; i < len(lines) && lines[i] != "  ..."; i++ {
				if !tapYAMLk.MatchString(lines[i]) {
					return nil, fmt.Errorf("line %d: not a YAML key: value line: %q", i+1, lines[i])
				}
				k, v, _ := strings.Cut(strings.TrimSpace(lines[i]), ": ")
				if strings.HasPrefix(v, `"`) {
					var s string
					if err := json.Unmarshal([]byte(v), &s); err != nil {
						return nil, fmt.Errorf("line %d: %v", i+1, err)
					}
					v = s
				}
				y[k] = v
			}
			if i == len(lines) {
				return nil, fmt.Errorf("a YAML block is not closed by   ...")
			}
			pts[len(pts)-1].yaml = y
		default:
			return nil, fmt.Errorf("line %d: not TAP: %q", i+1, l)
		}
	}
	if plan != len(pts) {
		return nil, fmt.Errorf("plan 1..%d for %d tests", plan, len(pts))
	}
	return pts, nil
}

func TestCheckTAP14(t *testing.T) {
	p := writeLab(t, "mixed.kp", mixedLab)
	out, _, err := kplay(t, "", "check", "--format=tap", p)
	if err == nil {
		t.Fatal("want a failure")
	}
	pts, perr := parseTAP14(out)
	if perr != nil {
		t.Fatalf("%v\n%s", perr, out)
	}
	var got []string
	for _, pt := range pts {
		got = append(got, fmt.Sprintf("%v %d %s %s", pt.ok, pt.num, pt.name, pt.directive))
	}
	want := []string{"true 1 getpid ", "false 2 wrong answer ", "true 3 needs the wrong answer SKIP",
		"true 4 needs the skipped one SKIP", `true 5 a \# and a \\ in a name `}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("test points\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	y := pts[1].yaml
	if y["at"] != p+":11" || y["seed"] != "1" || y["kplay"] != repl.Version || y["seen"] != "getppid()                               = 0\n" ||
		y["message"] != `expect = 42$: no match in the output of "syscall getppid"` {
		t.Fatalf("YAML block %q", y)
	}
	// The reader is strict: it refuses what TAP 14 does not allow.
	for _, bad := range []string{"TAP version 13\n1..0\n", "TAP version 14\n1..2\nok 1 - a\n", "TAP version 14\n1..1\nok 2 - a\n",
		"TAP version 14\n1..1\nok 1 - a\n  ---\n  x: 1\n", "TAP version 14\n1..1\nok 1 - a # b\n"} {
		if _, err := parseTAP14(bad); err == nil {
			t.Errorf("the strict reader accepted %q", bad)
		}
	}
}

func TestCheckJUnitXML(t *testing.T) {
	p := writeLab(t, "mixed.kp", mixedLab)
	// Control characters are not XML: they must not break the document.
	ok := writeLab(t, "ok.kp", "syscall write 1 \"\\x1b[1m<&>\\x01\\n\" 8\nps\nexpect init\n")
	outPath := filepath.Join(t.TempDir(), "junit.xml")
	if out, _, err := kplay(t, "", "check", "--format", "junit", "--out", outPath, p, ok); err == nil || out != "" {
		t.Fatalf("want a failure and nothing on stdout with --out: %v %q", err, out)
	}
	b, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name       string `xml:"name,attr"`
			Tests      int    `xml:"tests,attr"`
			Failures   int    `xml:"failures,attr"`
			Skipped    int    `xml:"skipped,attr"`
			Properties []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"properties>property"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Body    string `xml:",chardata"`
				} `xml:"failure"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
				SystemOut string `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("not well-formed: %v\n%s", err, b)
	}
	if doc.Tests != 6 || doc.Failures != 1 || doc.Skipped != 2 || len(doc.Suites) != 2 {
		t.Fatalf("counts %d/%d/%d in %d suites", doc.Tests, doc.Failures, doc.Skipped, len(doc.Suites))
	}
	s := doc.Suites[0]
	if s.Name != "mixed" || s.Tests != 5 || s.Failures != 1 || s.Skipped != 2 || doc.Suites[1].Tests != 1 || doc.Suites[1].Failures != 0 {
		t.Fatalf("suite counts %+v", s)
	}
	// The counts agree with the elements.
	f, k := 0, 0
	for _, c := range s.Cases {
		if c.Failure != nil {
			f++
		}
		if c.Skipped != nil {
			k++
		}
	}
	if f != s.Failures || k != s.Skipped || len(s.Cases) != s.Tests {
		t.Fatalf("elements %d failures, %d skipped, %d cases", f, k, len(s.Cases))
	}
	if len(s.Properties) != 5 || s.Properties[0].Name != "seed" || s.Properties[0].Value != "1" || s.Properties[1].Value != repl.Version ||
		s.Properties[2].Name+"="+s.Properties[2].Value != "score=7" || s.Properties[3].Name+"="+s.Properties[3].Value != "max_score=15" || s.Properties[4].Name != "let.n" {
		t.Fatalf("properties %+v", s.Properties)
	}
	c := s.Cases[1]
	if c.Failure.Message != p+`:11: expect = 42$: no match in the output of "syscall getppid"` || c.Failure.Body != "getppid()                               = 0\n" ||
		c.SystemOut != "kplay> syscall getppid\ngetppid()                               = 0\n" {
		t.Fatalf("failure %+v", c)
	}
	if s.Cases[2].Skipped.Message != `depends on "wrong answer", which failed` {
		t.Fatalf("skipped %+v", s.Cases[2])
	}
}

func TestCheckGradescopeJSON(t *testing.T) {
	p := writeLab(t, "mixed.kp", mixedLab)
	out, _, _ := kplay(t, "", "check", "--format", "gradescope", p)
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, ok := doc["execution_time"]; ok {
		t.Fatal("no wall clock: execution_time is left out")
	}
	tests := doc["tests"].([]any)
	sum, max := 0.0, 0.0
	var status []string
	for _, x := range tests {
		tc := x.(map[string]any)
		for _, k := range []string{"name", "score", "max_score", "status", "output", "visibility"} {
			if _, ok := tc[k]; !ok {
				t.Fatalf("test %v has no %s", tc, k)
			}
		}
		if tc["visibility"] != "visible" || !strings.HasPrefix(tc["output"].(string), "seed 1, kplay "+repl.Version+"\n") {
			t.Fatalf("test %v", tc)
		}
		sum += tc["score"].(float64)
		max += tc["max_score"].(float64)
		status = append(status, tc["status"].(string))
	}
	if doc["score"] != sum || doc["max_score"] != max || sum != 7 || max != 15 {
		t.Fatalf("score %v/%v, tests sum to %v/%v", doc["score"], doc["max_score"], sum, max)
	}
	if strings.Join(status, " ") != "passed failed failed failed passed" {
		t.Fatalf("statuses %v", status)
	}
	if o := tests[2].(map[string]any)["output"].(string); !strings.Contains(o, `skipped: depends on "wrong answer", which failed`) {
		t.Fatalf("a skipped test says why: %q", o)
	}
}

// TestCheckStopsOnAnyMistakeBeforeRunning: one bad file in the list and
// nothing runs, with FILE:LINE:COL for each mistake.
func TestCheckStopsOnAnyMistakeBeforeRunning(t *testing.T) {
	good := writeLab(t, "good.kp", "ps\n")
	bad := writeLab(t, "bad.kp", "ps\ntest \"a\" points many\nps\nexpect (\n")
	out, stderr, err := kplay(t, "", "check", good, bad)
	if err == nil || out != "" {
		t.Fatalf("nothing may run: %v\n%s", err, out)
	}
	if stderr != bad+":2:17: points \"many\": want a whole number from 0\n" {
		t.Fatalf("stderr %q", stderr)
	}
	if _, stderr, _ := kplay(t, "", "run", bad); stderr != bad+":2:17: points \"many\": want a whole number from 0\n" {
		t.Fatalf("run reads the file first too: %q", stderr)
	}
	if _, _, err := kplay(t, "", "check", "--format", "xml", good); err == nil || !strings.Contains(err.Error(), "want text, tap, junit or gradescope") {
		t.Fatalf("--format xml: %v", err)
	}
}

// TestWrongAnswerFailsWithAUsefulMessage: a lab with a wrong expected
// answer says which line, what it wanted and what it saw.
func TestWrongAnswerFailsWithAUsefulMessage(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "scripts", "labs", "syscalls.kp"))
	if err != nil {
		t.Fatal(err)
	}
	wrong := strings.Replace(string(src), `expect-json .ret == -9`, `expect-json .ret == -2`, 1)
	wrong = strings.Replace(wrong, `expect-json .ret == -14`, `expect-json .ret == -13`, 1)
	wrong = strings.Replace(wrong, "fork()                                  = 7", "fork()                                  = 8", 1)
	p := writeLab(t, "syscalls.kp", wrong)
	out, _, err := kplay(t, "", "check", p)
	if err == nil {
		t.Fatal("a wrong answer must fail")
	}
	for _, want := range []string{
		"  FAIL  close a descriptor never opened (0/2 points)\n        " + p + ":40: expect-json .ret == -2: .ret is -9, in the output of \"syscall --json close 54\"\n  FAIL  write",
		"  FAIL  write from an address nobody mapped (0/2 points)\n        " + p + ":50: expect-json .ret == -13: .ret is -14, in the output of \"syscall --json write 1 0x10 3\"\n",
		"  FAIL  strace -f follows the fork (0/3 points)\n        " + p + ":79: expect-block: no line is \"fork()                                  = 8\" in the output of \"run 50ms\"\n",
		"  SKIP  strace -c counts calls and errors (0/2 points)\n",
		"score 7/16: 5 passed, 3 failed, 1 skipped\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks\n%s\nin\n%s", want, out)
		}
	}
}

func TestCheckExpectErrorAndBlock(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"syscall getpid\nexpect-error x\n", `expect-error x: "syscall getpid" did not fail`},
		{"syscall nosuch\nexpect-error ^usage\n", `expect-error ^usage: "syscall nosuch" failed with another message`},
		{"syscall nosuch\nexpect x\n", `syscall: "nosuch" is neither a Linux system call name nor a number`},
		{"syscall getpid\nexpect-block\ngetpid()\nend\n", `expect-block: no line is "getpid()" in the output of "syscall getpid"`},
		{"syscall write 1 \"a\\nb\\n\" 4\nexpect-block\na\nc\nend\n", `expect-block: block line 2: want "c", got "b" in the output of`},
		{"syscall write 1 \"a\\nb\\n\" 4\nexpect-block\na\nb\nend\n", ""},
		{"ps --json\nexpect-json '.[1].pid' == \"1\"\n", `expect-json '.[1].pid' == "1": .[1].pid is 1 (a number; the check wants a string), in the output of "ps --json"`},
		{"ps --json\nexpect-json .pid == 1\n", `expect-json .pid == 1: . is an array, not an object, in the output of "ps --json"`},
		{"syscall getpid\nexpect-json . == 1\n", `expect-json . == 1: the output of "syscall getpid" is not JSON: no line starts with { or [`},
		{"syscall getpid\nquit\nsyscall nosuch\n", ""},
	} {
		p := writeLab(t, "x.kp", c.src)
		out, _, err := kplay(t, "", "check", p)
		if c.want == "" {
			if err != nil {
				t.Errorf("%q: %v\n%s", c.src, err, out)
			}
			continue
		}
		if err == nil || !strings.Contains(out, c.want) {
			t.Errorf("%q: want %q in\n%s", c.src, c.want, out)
		}
	}
}

// TestAuthoringGuideExample: the guide's complete example is
// docs/labs/errno.kp, and its report is the one the guide shows.
func TestAuthoringGuideExample(t *testing.T) {
	guide, err := os.ReadFile(filepath.Join("..", "docs", "labs", "authoring.md"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join("..", "docs", "labs", "errno.kp"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(guide), "\n```\n"+string(src)+"```\n") {
		t.Fatal("the guide's example differs from docs/labs/errno.kp")
	}
	guideShows(t, string(guide), "check", "docs/labs/errno.kp")
}

// guideShows runs kplay with args (paths as the guide writes them, from
// the top of the repository) and fails unless the guide shows the
// command, "$ kplay ARGS", and exactly its output.
func guideShows(t *testing.T, guide string, args ...string) {
	t.Helper()
	run := make([]string, len(args))
	for i, a := range args {
		run[i] = strings.Replace(a, "docs/", "../docs/", 1)
	}
	out, stderr, err := kplay(t, "", run...)
	if err != nil {
		t.Fatalf("%v %s\n%s", err, stderr, out)
	}
	out = strings.ReplaceAll(out, "../docs", "docs")
	out = strings.ReplaceAll(out, "kplay "+repl.Version, "kplay 0.1.0-dev")
	if !strings.Contains(guide, "$ kplay "+strings.Join(args, " ")+"\n"+out+"```\n") {
		t.Fatalf("the guide does not show the output of kplay %s:\n%s", strings.Join(args, " "), out)
	}
}

// TestTAPReadByProve feeds a report to a real TAP consumer, Perl's prove
// (Test::Harness), where the machine has it. Test::Harness stops at TAP
// version 13, so the version line is given as 13 (version 14 only adds
// to 13: subtests, which kplay's reports do not use).
func TestTAPReadByProve(t *testing.T) {
	prove, err := exec.LookPath("prove")
	if err != nil {
		t.Skip("no prove here")
	}
	p := writeLab(t, "mixed.kp", "lab mixed\ntest \"one\" points 1\nsyscall getpid\nexpect = 1$\n"+
		"test \"two\" points 2\nsyscall getpid\nexpect = 2$\ntest \"three\" after \"two\"\nsyscall getpid\n"+
		"test \"four\"\nsyscall write 1 \"a\\nnot ok 9\\n# b\\n\" 15\nexpect = 15$\n")
	out, _, _ := kplay(t, "", "check", "--format", "tap", p)
	if !strings.HasPrefix(out, "TAP version 14\n") {
		t.Fatalf("not TAP 14:\n%s", out)
	}
	tap := filepath.Join(t.TempDir(), "r.tap")
	if err := os.WriteFile(tap, []byte(strings.Replace(out, "TAP version 14", "TAP version 13", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := exec.Command(prove, "--exec", "cat", tap).CombinedOutput()
	if err == nil {
		t.Fatalf("prove passed a failing report:\n%s", got)
	}
	for _, want := range []string{"Failed 1/4 subtests", "less 1 skipped subtest: 2 okay", "Failed test:  2\n", "Tests: 4 Failed: 1"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("prove's summary lacks %q:\n%s", want, got)
		}
	}
}

// TestJUnitSetupFailureIsTyped: when the lines before the first test
// fail, every test fails with type "setup", not "expectation".
func TestJUnitSetupFailureIsTyped(t *testing.T) {
	p := writeLab(t, "setup.kp", "syscall getpid\nexpect = 2$\ntest \"a\"\nps\ntest \"b\"\nps\n")
	out, _, err := kplay(t, "", "check", "--format", "junit", p)
	if err == nil || strings.Count(out, `<failure message="`+p+`:2: the setup before the first test failed: expect = 2$`) != 2 ||
		strings.Count(out, `type="setup"`) != 2 || strings.Contains(out, `type="expectation"`) {
		t.Fatalf("%v\n%s", err, out)
	}
}
