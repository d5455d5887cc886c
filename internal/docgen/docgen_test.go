package docgen

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"kplay/commands"
	"kplay/repl"
)

var update = flag.Bool("update", false, "rewrite docs/tutorial.md, README.md and docs/man from their sources")

const manDir = "docs/man"

// transcribed lists the pages whose transcripts are generated: each
// source (.md.in) and the page made from it.
var transcribed = []struct{ src, out string }{
	{"docs/tutorial.md.in", "docs/tutorial.md"},
	{"README.md.in", "README.md"},
}

func repoPath(p string) string { return filepath.Join("..", "..", filepath.FromSlash(p)) }

// TestTutorialDoc regenerates the transcripts of the tutorial and the
// README and fails when a committed page differs: the transcripts are
// real and current, and the virtual clock makes them the same bytes every
// run.
func TestTutorialDoc(t *testing.T) {
	for _, p := range transcribed {
		src, err := os.ReadFile(repoPath(p.src))
		if err != nil {
			t.Fatal(err)
		}
		want, err := Tutorial(src, p.src, kplayShell)
		if err != nil {
			t.Fatal(err)
		}
		again, err := Tutorial(src, p.src, kplayShell)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want, again) {
			t.Fatalf("two generations of %s differ: its transcripts are not deterministic", p.out)
		}
		if *update {
			if err := os.WriteFile(repoPath(p.out), want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(repoPath(p.out))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s is out of date with %s or with kplay's output; run: make docs\n%s", p.out, p.src, firstDiff(string(got), string(want)))
		}
		if bytes.Contains(want, []byte(fence)) || bytes.Contains(want, []byte(shellFence)) {
			t.Fatalf("%s: a transcript block was left unexpanded", p.out)
		}
	}
}

// kplayShell runs kplay's command line in the repository's root, as
// `kplay ARGS` typed there would. It changes the process's directory for
// the call, so no test of this package may run in parallel.
func kplayShell(args []string) (string, string, int) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err.Error(), 1
	}
	if err := os.Chdir(repoPath(".")); err != nil {
		return "", err.Error(), 1
	}
	defer os.Chdir(wd)
	var out, errb bytes.Buffer
	status := commands.Run(io.NopCloser(strings.NewReader("")), &out, &errb, args)
	return out.String(), errb.String(), status
}

// firstDiff shows the first line where got and want part.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n  committed:   %s\n  regenerated: %s", i+1, a, b)
		}
	}
	return ""
}

func TestTranscriptShowsPromptCommandAndOutput(t *testing.T) {
	src := "intro\n```kplay-transcript errors\nsyscall getpid\nexpect = 1$\n\nsyscall nosuch\nexpect-not .\n```\ntext\n```kplay-transcript continue\nsyscall getppid\n```\n"
	got, err := Tutorial([]byte(src), "t.md.in", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Generated("t.md.in") + "intro\n```\n" +
		"kplay> syscall getpid\ngetpid()                                = 1\n" +
		"kplay> syscall nosuch\nsyscall: \"nosuch\" is neither a Linux system call name nor a number\n" +
		"```\ntext\n```\n" +
		"kplay> syscall getppid\ngetppid()                               = 0\n" +
		"```\n"
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestTranscriptBootShowsTheBootLogWithoutTheToolchainVersion(t *testing.T) {
	got, err := Tutorial([]byte("```kplay-transcript boot\nversion\n```\n"), "t", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := string(got)
	if !strings.Contains(s, "\n[    0.000000] Linux version ") || !strings.Contains(s, "("+GoVersion+")") {
		t.Fatalf("no boot log with %s in it:\n%s", GoVersion, s)
	}
	if strings.Contains(s, "go1.") {
		t.Fatalf("the toolchain's version leaked:\n%s", s)
	}
}

func TestTranscriptErrors(t *testing.T) {
	cases := map[string]string{
		"```kplay-transcript\nps\n":                                                  "t:1: ```kplay-transcript block never closed",
		"```kplay-transcript fresh\nps\n```\n":                                       "t:1: unknown option \"fresh\" (want boot, continue or errors)",
		"```kplay-transcript\nsyscall nosuch\nps\n```\n":                             "t:2: syscall nosuch: syscall: \"nosuch\" is neither a Linux system call name nor a number (a block whose commands may fail says so: ```kplay-transcript errors)",
		"```kplay-transcript\nexpect x\n```\n":                                       "t:2: expect before any command",
		"```kplay-transcript\nsyscall getpid\nexpect-not = 1$\n```\n":                "t:3: expect-not = 1$: matched \"= 1\" in the output of \"syscall getpid\"",
		"```kplay-transcript\nsyscall getpid\nexpect = 2$\n```\n":                    "t:3: expect = 2$: no match in the output of \"syscall getpid\":\ngetpid()                                = 1\n",
		"```kplay-transcript\nsyscall getpid\nexpect (\n```\n":                       "t:3: expect: bad regular expression `(`: missing closing )",
		"x\n```kplay-transcript continue\nps\n```\n":                                 "t:2: continue with no block before it",
		"```kplay-transcript\nquit\nps\n```\n":                                       "t:3: a command after quit",
		"```kplay-transcript\nps\n```\n```kplay-transcript boot continue\nps\n```\n": "t:4: boot and continue exclude each other",
	}
	for src, want := range cases {
		_, err := Tutorial([]byte(src), "t", nil)
		if err == nil || err.Error() != want {
			t.Errorf("%q: error %v, want %s", src, err, want)
		}
	}
}

// TestShellBlocksRunKplaysCommandLine: a kplay-shell block shows each
// command line after "$ " with what it printed, stdout and stderr, in the
// repository's root; a failing command needs the errors option.
func TestShellBlocksRunKplaysCommandLine(t *testing.T) {
	src := "```kplay-shell errors\nkplay version\nexpect ^kplay \nkplay check scripts/labs/none.kp\nexpect no such file\n```\n"
	got, err := Tutorial([]byte(src), "t", kplayShell)
	if err != nil {
		t.Fatal(err)
	}
	want := Generated("t") + "```\n$ kplay version\nkplay " + repl.Version + " (kernel 6.6.0-kplay, " + GoVersion + ")\n"
	if !strings.HasPrefix(string(got), want) || !strings.Contains(string(got), "\n$ kplay check scripts/labs/none.kp\n") {
		t.Fatalf("got\n%s", got)
	}
	for src, want := range map[string]string{
		"```kplay-shell\nkplay check scripts/labs/none.kp\n```\n": "t:2: kplay check scripts/labs/none.kp: exit status 1\n",
		"```kplay-shell\nls\n```\n":                               "t:2: \"ls\": a ```kplay-shell line is a kplay command line",
		"```kplay-shell boot\n```\n":                              "t:1: unknown option \"boot\" (want errors)",
		"```kplay-shell\nkplay version\n":                         "t:1: ```kplay-shell block never closed",
	} {
		_, err := Tutorial([]byte(src), "t", kplayShell)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: error %v, want %s", src, err, want)
		}
	}
	if _, err := Tutorial([]byte("```kplay-shell\nkplay version\n```\n"), "t", nil); err == nil || err.Error() != "t:1: a ```kplay-shell block and no shell to run it" {
		t.Errorf("no shell: %v", err)
	}
}

func newRoot() *cobra.Command {
	return commands.NewRoot(io.NopCloser(strings.NewReader("")), io.Discard, io.Discard)
}

// TestManPages regenerates the man pages and fails when docs/man differs;
// each page must have the sections a man page has.
func TestManPages(t *testing.T) {
	dir := t.TempDir()
	if err := ManPages(newRoot(), dir); err != nil {
		t.Fatal(err)
	}
	again := t.TempDir()
	if err := ManPages(newRoot(), again); err != nil {
		t.Fatal(err)
	}
	gen := readPages(t, dir)
	if !maps.Equal(gen, readPages(t, again)) {
		t.Fatal("two generations of the man pages differ")
	}
	names := slices.Sorted(maps.Keys(gen))
	for _, want := range []string{"kplay.1", "kplay-run.1", "kplay-check.1", "kplay-lab.1", "kplay-lab-show.1", "kplay-lab-list.1", "kplay-bench.1", "kplay-version.1", "kplay-completion.1", "kplay-completion-bash.1", "kplay-completion-zsh.1", "kplay-completion-fish.1", "kplay-completion-powershell.1"} {
		if _, ok := gen[want]; !ok {
			t.Errorf("no man page %s among %v", want, names)
		}
	}
	for name, page := range gen {
		if !strings.HasPrefix(page, ".nh\n.TH \"KPLAY\" \"1\" \"Nov 2026\" \"kplay ") {
			t.Errorf("%s: header %q", name, strings.SplitN(page, "\n", 3)[:2])
		}
		for _, sec := range []string{".SH NAME\n", ".SH SYNOPSIS\n", ".SH DESCRIPTION\n"} {
			if !strings.Contains(page, sec) {
				t.Errorf("%s lacks %s", name, strings.TrimSpace(sec))
			}
		}
		if strings.Contains(page, "Auto generated") {
			t.Errorf("%s carries cobra's auto-generated tag (and its date)", name)
		}
	}
	if *update {
		old, _ := filepath.Glob(filepath.Join(repoPath(manDir), "*.1"))
		for _, p := range old {
			os.Remove(p)
		}
		if err := os.MkdirAll(repoPath(manDir), 0o755); err != nil {
			t.Fatal(err)
		}
		for name, page := range gen {
			if err := os.WriteFile(filepath.Join(repoPath(manDir), name), []byte(page), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !maps.Equal(readPages(t, repoPath(manDir)), gen) {
		t.Fatalf("%s is out of date with the command tree; run: make man", manDir)
	}
}

func readPages(t *testing.T, dir string) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.1"))
	if err != nil {
		t.Fatal(err)
	}
	pages := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		pages[filepath.Base(p)] = string(b)
	}
	return pages
}

// TestTranscriptIsWhatTheCLIPrints: a transcript's outputs, without the
// prompt lines, are what `kplay --quiet --color never` prints for the same
// commands read from its standard input.
func TestTranscriptIsWhatTheCLIPrints(t *testing.T) {
	cmds := "syscall getpid\nspawn /bin/sh -c \"echo hi | cat\"\nstrace -f sh\nrun 20ms\nps\nbuddyinfo\n"
	got, err := Tutorial([]byte("```kplay-transcript\n"+cmds+"```\n"), "t", nil)
	if err != nil {
		t.Fatal(err)
	}
	var outputs strings.Builder
	body := strings.TrimSuffix(strings.SplitN(string(got), "```\n", 2)[1], "```\n")
	for _, l := range strings.SplitAfter(body, "\n") {
		if !strings.HasPrefix(l, Prompt) {
			outputs.WriteString(l)
		}
	}
	var cli, stderr bytes.Buffer
	root := commands.NewRoot(io.NopCloser(strings.NewReader(cmds)), &cli, &stderr)
	root.SetArgs([]string{"--quiet", "--color", "never"})
	if err := root.Execute(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	if outputs.String() != cli.String() {
		t.Fatalf("transcript outputs\n%s\nCLI\n%s", outputs.String(), cli.String())
	}
	if !strings.Contains(cli.String(), "[pid     8] write(1, \"hi\\n\", 3)") {
		t.Fatalf("the pipeline did not run:\n%s", cli.String())
	}
}
