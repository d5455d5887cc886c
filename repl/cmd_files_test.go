package repl

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestFilesCommandsGoThroughTheSyscalls(t *testing.T) {
	s, out := newSession(t)
	run(t, s, out, "echo hello   world > /tmp/x", `echo "a > b" >> /tmp/x`)
	if got := run(t, s, out, "cat /tmp/x"); got != "hello world\na > b\n" {
		t.Fatalf("cat after echo: %q", got)
	}
	if got := run(t, s, out, "echo just text"); got != "just text\n" {
		t.Fatalf("echo: %q", got)
	}
	if got := run(t, s, out, "ls -l /tmp"); got != "-rw-r--r--  1    0    0       18 x\n" {
		t.Fatalf("ls -l /tmp: %q", got)
	}
	if got := run(t, s, out, "ls /dev"); got != "console\nfull\nnull\nrandom\ntty\nurandom\nzero\n" {
		t.Fatalf("ls /dev: %q", got)
	}
	if got := run(t, s, out, "ls -l /dev/null"); got != "crw-rw-rw-  1    0    0     1, 3 /dev/null\n" {
		t.Fatalf("ls -l /dev/null: %q", got)
	}
	if got := run(t, s, out, "ls -l /proc/self"); got != "lrwxrwxrwx  1    0    0        0 /proc/self -> 1\n" {
		t.Fatalf("ls -l /proc/self: %q", got)
	}
	var ents []struct {
		Name string `json:"name"`
		Type string `json:"type"`
		Size int64  `json:"size"`
	}
	if err := json.Unmarshal([]byte(run(t, s, out, "ls --json /tmp")), &ents); err != nil || len(ents) != 1 || ents[0].Name != "x" || ents[0].Type != "-" || ents[0].Size != 18 {
		t.Fatalf("ls --json /tmp: %+v %v", ents, err)
	}
	// The calls are init's, so they are in the event log as strace lines.
	for cmd, want := range map[string]string{
		"cat /etc/hostname": `openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 3`,
		"ls /etc":           `getdents64(3, 0x7fffffffe000 /* 6 entries */, 4096) = 168`,
		"ls -l /dev/null":   `lstat("/dev/null", {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}) = 0`,
		"echo x >> /tmp/x":  `openat(AT_FDCWD, "/tmp/x", O_WRONLY|O_CREAT|O_APPEND, 0666) = 3`,
	} {
		if ev := run(t, s, out, cmd, "events 40"); !strings.Contains(ev, want) {
			t.Errorf("%s: events lack %q:\n%s", cmd, want, ev)
		}
	}
}

func TestFilesCommandsBadInputIsOneLine(t *testing.T) {
	s, out := newSession(t)
	wantUsageErrors(t, s, out, map[string]string{
		"cat /nope":               "cat: /nope: No such file or directory",
		"cat /etc":                "cat: /etc: Is a directory",
		"cat":                     "usage: cat [--peek] PATH",
		"ls /nope":                "ls: cannot access '/nope': No such file or directory",
		"ls /etc/motd/x":          "ls: cannot access '/etc/motd/x': Not a directory",
		"echo x > /nope/f":        "echo: /nope/f: No such file or directory",
		"echo x > /proc/version":  "echo: /proc/version: Input/output error",
		"echo x > /etc":           "echo: /etc: Is a directory",
		"echo x > /tmp/a /tmp/b":  "echo: > takes one PATH, at the end of the line",
		"echo x >":                "echo: > takes one PATH, at the end of the line",
		"echo x >> /dev/null now": "echo: >> takes one PATH, at the end of the line",
		"echo x >/tmp/a>/tmp/b":   "echo: > takes one PATH, at the end of the line",
		"spawn cat /etc/motd":     `spawn: program 1:1: unknown statement "cat": want compute, sleep, yield, syscall, fork, thread, wait, repeat, forever, exit, alloc or exec (to run /bin/cat, give its path: spawn /bin/cat ...)`,
		"spawn /bin/nope":         "spawn: /bin/nope: No such file or directory",
		"spawn cpu-hog 5":         "spawn: cpu-hog is a built-in program and takes no arguments (a file in /bin does: spawn /bin/sleep 5)",
	})
	if err := s.Exec("cat --peek /etc/motd"); err == nil || err.Error() != "cat: /etc/motd: No such file or directory (not a generated /proc file; ls /proc lists them)" {
		t.Errorf("cat --peek of a file outside /proc: %v", err)
	}
	if got := run(t, s, out, "cat --peek /proc/self/comm"); got != "init\n" {
		t.Errorf("cat --peek /proc/self/comm: %q", got)
	}
	// The > may touch its neighbours, as in a shell.
	run(t, s, out, "echo hi>/tmp/y", "echo there >>/tmp/y", "echo more>> /tmp/y")
	if got := run(t, s, out, "cat /tmp/y"); got != "hi\nthere\nmore\n" {
		t.Errorf("attached redirections wrote %q", got)
	}
	// /dev/null swallows what is written, and a quoted > is text.
	if got := run(t, s, out, "echo x > /dev/null", `echo ">" x`); got != "> x\n" {
		t.Fatalf("quoted >: %q", got)
	}
}

func TestPathsCompleteFromTheDentryCacheWithoutRunning(t *testing.T) {
	s, out := newSession(t)
	before := run(t, s, out, "cat --peek /proc/slabinfo")
	jiffies := run(t, s, out, "jiffies")
	for line, want := range map[string]string{
		"cat /e":        "/etc/",
		"cat /etc/h":    "/etc/hostname",
		"ls /d":         "/dev/",
		"ls -l /dev/nu": "/dev/null",
		"echo x > /t":   "/tmp/",
		"spawn /bin/sl": "/bin/sleep",
		"cat /proc/ve":  "/proc/version",
		"ls /nope/":     "",
		"ls /etc/motd/": "",
		"cat etc":       "",
	} {
		if got := strings.Join(Complete(s, line), " "); got != want {
			t.Errorf("%q completes to %q, want %q", line, got, want)
		}
	}
	if after := run(t, s, out, "cat --peek /proc/slabinfo"); after != before {
		t.Errorf("completion changed the slab caches")
	}
	if run(t, s, out, "jiffies") != jiffies {
		t.Errorf("completion ran the machine")
	}
}

func TestAPendingCallSaysWhereInitSleepsAndAnotherPathWakesIt(t *testing.T) {
	s, out := newSession(t)
	run(t, s, out, "syscall pipe 0x7fffffffe000")
	got := run(t, s, out, "syscall read 3 0x7fffffffe100 10")
	if !strings.Contains(got, "init sleeps in pipe_read until something wakes it") {
		t.Fatalf("pending read: %q", got)
	}
	run(t, s, out, `syscall --app write 4 "hi" 2`)
	if got := run(t, s, out, "syscall getpid"); got != "getpid()                                = 1\n" {
		t.Fatalf("init still busy after the write woke it: %q", got)
	}
}

func TestCatOfAnEndlessDeviceStops(t *testing.T) {
	s, out := newSession(t)
	err := s.Exec("cat /dev/zero")
	if err == nil || err.Error() != "cat: /dev/zero: stopped after 1048576 bytes (a file without an end, such as /dev/zero?)" {
		t.Fatalf("cat /dev/zero: %v", err)
	}
	if out.Len() != 1<<20 || strings.Trim(out.String(), "\x00") != "" {
		t.Fatalf("cat /dev/zero printed %d bytes", out.Len())
	}
}
