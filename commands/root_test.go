package commands

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kplay runs the CLI in-process and returns stdout, stderr and the error.
func kplay(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	root := NewRoot(io.NopCloser(strings.NewReader(stdin)), &out, &errb)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), errb.String(), err
}

// scripts lists every scripts/**/*.kp.
func scripts(t *testing.T) []string {
	var files []string
	filepath.WalkDir(filepath.Join("..", "scripts"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".kp") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Fatal("no scripts found")
	}
	return files
}

// TestEveryScriptPasses grades every script, plain ones and labs, with
// kplay check: every test must pass.
func TestEveryScriptPasses(t *testing.T) {
	for _, f := range scripts(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if out, stderr, err := kplay(t, "", "check", f); err != nil {
				t.Fatalf("%v\n%s%s", err, stderr, out)
			}
		})
	}
}

// TestScriptsAreDeterministic runs every script twice under the virtual
// clock: the output must be the same bytes.
func TestScriptsAreDeterministic(t *testing.T) {
	for _, f := range scripts(t) {
		a, _, errA := kplay(t, "", "run", "--color=never", f)
		b, _, errB := kplay(t, "", "run", "--color=never", f)
		if errA != nil || errB != nil {
			t.Fatalf("%s: %v %v", f, errA, errB)
		}
		if a != b {
			t.Fatalf("%s: two runs differ", f)
		}
		if len(a) < 100 {
			t.Fatalf("%s: suspiciously little output", f)
		}
	}
}

func TestFailingScriptReportsFileLineAndExitStatus(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bad.kp")
	os.WriteFile(p, []byte("# comment\nsyscall getpid\nexpect = 2$\n"), 0o644)
	_, stderr, err := kplay(t, "", "run", p)
	if err == nil {
		t.Fatal("a failed expectation must fail the run")
	}
	want := p + ":3: expect = 2$: no match in the output of \"syscall getpid\"\n    | getpid()                                = 1\n"
	if stderr != want {
		t.Fatalf("stderr\n%q\nwant\n%q", stderr, want)
	}
	os.WriteFile(p, []byte("ps\nsyscall nosuch\nps\n"), 0o644)
	if _, stderr, _ := kplay(t, "", "run", p); stderr != p+":2: syscall: \"nosuch\" is neither a Linux system call name nor a number\n" {
		t.Fatalf("stderr %q", stderr)
	}
	if _, _, err := kplay(t, "", "run", filepath.Join(dir, "missing.kp")); err == nil {
		t.Fatal("a missing script must fail")
	}
}

func TestStdinThatIsNotATerminalIsAScript(t *testing.T) {
	out, stderr, err := kplay(t, "syscall getpid\nexpect = 1$\njiffies\n")
	if err != nil {
		t.Fatalf("%v %s", err, stderr)
	}
	if strings.Contains(out, "kplay>") || strings.Contains(out, "\x1b[") {
		t.Fatalf("no prompt and no color when stdin is a script:\n%s", out)
	}
	if !strings.HasSuffix(out, "getpid()                                = 1\n4294937296\n") {
		t.Fatalf("output:\n%s", out)
	}
	_, stderr, err = kplay(t, "bogus\n")
	if err == nil || stderr != "<stdin>:1: unknown command \"bogus\" (type help for the list)\n" {
		t.Fatalf("%v %q", err, stderr)
	}
}

func TestGlobalFlags(t *testing.T) {
	out, _, err := kplay(t, "status\n", "--hz", "250", "--mem", "128M", "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "clock:        virtual, HZ=250") || strings.Contains(out, "Linux version") {
		t.Fatalf("output:\n%s", out)
	}
	out, _, _ = kplay(t, "dmesg -l info\n", "--mem", "1G")
	if !strings.Contains(out, "Memory: 1048576K/1048576K available") {
		t.Fatalf("--mem 1G:\n%s", out)
	}
	for _, bad := range [][]string{{"--clock", "sundial"}, {"--hz", "0"}, {"--mem", "lots"}, {"--color", "plaid"}} {
		if _, _, err := kplay(t, "", bad...); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	out, _, _ = kplay(t, "ps\n", "--color", "always")
	if !strings.Contains(out, "\x1b[32mR\x1b[0m") {
		t.Fatalf("--color always should color the R state:\n%s", out)
	}
}

func TestVersionAndCompletion(t *testing.T) {
	out, _, err := kplay(t, "", "version")
	if err != nil || !strings.HasPrefix(out, "kplay ") || !strings.Contains(out, "kernel 6.6.0-kplay") {
		t.Fatalf("%q %v", out, err)
	}
	out, _, err = kplay(t, "", "completion", "bash")
	if err != nil || !strings.Contains(out, "__start_kplay") {
		t.Fatalf("bash completion: %v", err)
	}
}

func TestBenchJSONRows(t *testing.T) {
	flag.Set("test.benchtime", "200x")
	out, _, err := kplay(t, "", "bench", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []BenchRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rows) != 13+4*3 {
		t.Fatalf("%d rows, want 13 kernel rows and 12 timer rows", len(rows))
	}
	names := map[string]BenchRow{}
	for _, r := range rows {
		names[r.Name] = r
		if r.NsPerOp <= 0 || r.Ratio <= 0 {
			t.Errorf("row %+v has no measurement", r)
		}
	}
	for name, base := range map[string]string{
		"getpid, task path": "host getpid", "getpid, application path": "host getpid",
		"kthread context switch": "host goroutine hand-off", "host getpid": "",
		"wheel add+del, 1M pending":     "runtime add+del, 1M pending",
		"wheel add+expire, 64K pending": "runtime add+expire, 64K pending",
	} {
		r, ok := names[name]
		if !ok || r.Baseline != base {
			t.Errorf("row %q: %+v", name, r)
		}
		if ok && base != "" && r.Ratio != r.NsPerOp/names[base].NsPerOp {
			t.Errorf("row %q: ratio %v is not ns/op over its baseline's", name, r.Ratio)
		}
	}
	if !strings.Contains(out, `"ns_per_op"`) {
		t.Fatal("JSON keys must be name, ns_per_op, baseline, ratio")
	}
}
