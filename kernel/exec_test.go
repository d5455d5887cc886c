package kernel

import (
	"strings"
	"testing"
)

// syscallLines returns the strace lines of pid's calls among the recent
// events, in order.
func syscallLines(k *Kernel, pid int) []string {
	var out []string
	for _, e := range k.Events() {
		if e.Kind == EvSyscall && e.Syscall.Task.PID == pid {
			out = append(out, e.Syscall.String())
		}
	}
	return out
}

// runArgv spawns argv[0] with its arguments as the REPL's spawn does and
// runs the machine for 100 ms; it returns the pid and what reached the
// console.
func runArgv(t *testing.T, argv ...string) (*Kernel, int, string) {
	t.Helper()
	k, out := boot(t, Config{Quiet: true})
	out.Reset()
	pid := spawn(t, k, "", SpawnOptions{Argv: argv})
	k.Run(Stop{For: 100e6})
	return k, pid, out.String()
}

func TestSpawnArgvExecsTheFileWithItsArguments(t *testing.T) {
	k, pid, out := runArgv(t, "/bin/echo", "hello;", "two  words")
	if out != "hello; two  words\n" {
		t.Fatalf("console %q", out)
	}
	lines := syscallLines(k, pid)
	if len(lines) == 0 || lines[0] != `execve("/bin/echo", ["echo", "hello;", "two  words"], NULL) = 0` {
		t.Fatalf("first call %q", lines)
	}
}

func TestSpawnOfAMissingOrNonExecutableFileFailsAtOnce(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	for path, want := range map[string]string{
		"/bin/nope":   "/bin/nope: No such file or directory",
		"/etc/motd":   "/etc/motd: Permission denied",
		"/bin":        "/bin: Permission denied",
		"/etc/motd/x": "/etc/motd/x: Not a directory",
	} {
		if _, err := k.Spawn(path, SpawnOptions{}); err == nil || err.Error() != want {
			t.Errorf("spawn %s: %v, want %q", path, err, want)
		}
	}
}

func TestExecveErrnos(t *testing.T) {
	k, out := boot(t, Config{Quiet: true})
	if err := k.WriteFile("/tmp/script", []byte("echo hi\n"), false); err != nil {
		t.Fatal(err)
	}
	if err := k.WriteFile("/tmp/prog", []byte("#!kplay prog\ncompute 1s\nexit 7\n"), false); err != nil {
		t.Fatal(err)
	}
	// chmod +x both, as init.
	for _, p := range []string{"/tmp/script", "/tmp/prog"} {
		addr, _ := k.PushUserData(1, append([]byte(p), 0))
		if rec, _, _ := k.SyscallAs(1, nr("chmod"), addr, 0o755); rec.Ret != 0 {
			t.Fatal(rec)
		}
	}
	out.Reset()
	pid := spawn(t, k, `syscall execve "/nope" 0 0; syscall execve "/etc/motd" 0 0; syscall execve "/dev/null" 0 0; `+
		`syscall execve "/tmp/script" 0 0; syscall execve "/bin/echo" 1 0; syscall execve "/bin/echo/x" 0 0; `+
		`syscall execve "" 0 0; syscall execve 0 0 0; syscall execve "/tmp/prog" 0 0`, SpawnOptions{})
	k.Run(Stop{For: 100e6})
	want := []string{
		`execve("/nope", NULL, NULL)             = -1 ENOENT (No such file or directory)`,
		`execve("/etc/motd", NULL, NULL)         = -1 EACCES (Permission denied)`,
		`execve("/dev/null", NULL, NULL)         = -1 EACCES (Permission denied)`,
		`execve("/tmp/script", NULL, NULL)       = -1 ENOEXEC (Exec format error)`,
		`execve("/bin/echo", 0x1, NULL)          = -1 EFAULT (Bad address)`,
		`execve("/bin/echo/x", NULL, NULL)       = -1 ENOTDIR (Not a directory)`,
		`execve("", NULL, NULL)                  = -1 ENOENT (No such file or directory)`,
		`execve(NULL, NULL, NULL)                = -1 EFAULT (Bad address)`,
		`execve("/tmp/prog", NULL, NULL)         = 0`,
	}
	got := syscallLines(k, pid)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	ti, _ := k.Task(pid)
	if ti.Comm != "prog" {
		t.Errorf("comm after exec of /tmp/prog: %q", ti.Comm)
	}
}

func TestExecClosesCloseOnExecDescriptors(t *testing.T) {
	for _, c := range []struct {
		flags string
		want  string
	}{
		{"0", "0\n1\n2\n3\n4\n"},   // /etc/motd stays open as 3; ls's own directory is 4
		{"524288", "0\n1\n2\n3\n"}, // O_CLOEXEC: 3 is gone; ls's directory takes it
	} {
		k, out := boot(t, Config{Quiet: true})
		out.Reset()
		spawn(t, k, `syscall open "/etc/motd" `+c.flags+`; exec /bin/ls /proc/self/fd`, SpawnOptions{})
		k.Run(Stop{For: 100e6})
		if out.String() != c.want {
			t.Errorf("open flags %s: ls /proc/self/fd printed %q, want %q", c.flags, out.String(), c.want)
		}
	}
}

func TestExecReplacesTheNameAndTheProgram(t *testing.T) {
	k, out := boot(t, Config{Quiet: true})
	out.Reset()
	pid := spawn(t, k, `exec /bin/sleep 1; compute 1s`, SpawnOptions{})
	k.Run(Stop{For: 100e6})
	ti, _ := k.Task(pid)
	if ti.Comm != "sleep" || ti.State != "S" {
		t.Fatalf("after exec: comm %q state %s", ti.Comm, ti.State)
	}
	k.Run(Stop{For: 2e9})
	if _, ok := k.Task(pid); ok {
		t.Errorf("sleep 1 still there after 2 s (the old program's compute 1s ran?)")
	}
}

// shRun runs /bin/sh -c script and returns the console output.
func shRun(t *testing.T, script string) (*Kernel, string) {
	t.Helper()
	k, _, out := runArgv(t, "/bin/sh", "-c", script)
	return k, out
}

func TestShellRunsCommandsRedirectionsAndStatus(t *testing.T) {
	for _, c := range []struct{ script, want string }{
		{`echo a > /tmp/f; echo b >> /tmp/f; cat < /tmp/f`, "a\nb\n"},
		{`echo 'one  two' "three $?"; false; echo $?; true; echo $?`, "one  two three 0\n1\n0\n"},
		{`nope; echo $?`, "sh: 1: nope: not found\n127\n"},
		{`cat /nope; echo $?`, "cat: /nope: No such file or directory\n1\n"},
		{`cat /nope 2> /tmp/err; cat /tmp/err`, "cat: /nope: No such file or directory\n"},
		{`echo x > /no/f`, "sh: 1: cannot create /no/f: Directory nonexistent\n"},
		{`cat < /no/f`, "sh: 1: cannot open /no/f: No such file\n"},
		{`echo 'x`, "sh: 1: Syntax error: Unterminated quoted string\n"},
		{"echo a\necho b # comment\n", "a\nb\n"},
		{`cd /etc; cat hostname; cd /nope`, "kplay\nsh: 1: cd: can't cd to /nope\n"},
		{`exit 3; echo not reached`, ""},
		{`ls /bin`, "cat\necho\nfalse\nid\nls\nsh\nsleep\ntrue\nyes\n"},
		{`ls -l /dev/null /etc/hostname`, "crw-rw-rw- 1 0 0 1, 3 /dev/null\n-rw-r--r-- 1 0 0 6 /etc/hostname\n"},
		{`ls /nope /root /tmp`, "ls: cannot access '/nope': No such file or directory\n/root:\n\n/tmp:\n"},
		{`ls /nope`, "ls: cannot access '/nope': No such file or directory\n"},
		{`sleep; sleep x`, "sleep: missing operand\nsleep: invalid time interval 'x'\n"},
		{`echo -n a; echo b`, "ab\n"},
		{`ls /nope 2>&1 | cat`, "ls: cannot access '/nope': No such file or directory\n"},
		{`cat /nope 2>&1 > /tmp/o; cat /tmp/o`, "cat: /nope: No such file or directory\n"},
		{`echo a >&2`, "a\n"},
		{`echo hi >; echo after`, "sh: 1: Syntax error: \";\" unexpected\n"},
		{`echo x 2>&z`, "sh: 1: Syntax error: Bad fd number\n"},
		{`& echo`, "sh: 1: Syntax error: \"&\" unexpected\n"},
		{`exit abc`, "sh: 1: exit: Illegal number: abc\n"},
		{`echo "|" x '>' y`, "| x > y\n"},
		{`sleep 1 & echo bg $?`, "bg 0\n"},
		{`/etc/hostname; echo $?; /etc; echo $?; /etc/hostname/x; echo $?`,
			"sh: 1: /etc/hostname: Permission denied\n126\nsh: 1: /etc: Permission denied\n126\nsh: 1: /etc/hostname/x: not found\n127\n"},
	} {
		if _, got := shRun(t, c.script); got != c.want {
			t.Errorf("sh -c %q:\n got %q\nwant %q", c.script, got, c.want)
		}
	}
}

func TestShellRunsAnExecutableWithNoFormatAsAScript(t *testing.T) {
	k, out := boot(t, Config{Quiet: true})
	if err := k.WriteFile("/tmp/s", []byte("echo in script $?\ncat /etc/hostname\nexit 4\n"), false); err != nil {
		t.Fatal(err)
	}
	addr, _ := k.PushUserData(1, []byte("/tmp/s\x00"))
	if rec, _, _ := k.SyscallAs(1, nr("chmod"), addr, 0o755); rec.Ret != 0 {
		t.Fatal(rec)
	}
	out.Reset()
	spawn(t, k, "", SpawnOptions{Argv: []string{"/bin/sh", "-c", "/tmp/s; echo $?"}})
	k.Run(Stop{For: 100e6})
	if want := "in script 0\nkplay\n4\n"; out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
}

// /proc/PID/fd/N, cwd and root are magic links: following one reaches the
// open file itself (proc_fd_link), so an unlinked file can still be read,
// and the link's mode says how the file is open.
func TestProcFdLinksReachTheOpenFileItself(t *testing.T) {
	k, out := boot(t, Config{Quiet: true})
	if err := k.WriteFile("/tmp/s", []byte("secret\n"), false); err != nil {
		t.Fatal(err)
	}
	fsCall(t, k, "open", "/tmp/s", 0)
	fsCall(t, k, "unlink", "/tmp/s")
	if got, err := k.ReadFile("/proc/1/fd/3"); err != nil || string(got) != "secret\n" {
		t.Fatalf("cat /proc/1/fd/3 of an unlinked file: %q %v", got, err)
	}
	e, err := k.Lstat("/proc/1/fd/3")
	if err != nil || modeString(e.Mode) != "lr-x------" || e.Size != 64 || e.Target != "/tmp/s (deleted)" {
		t.Fatalf("lstat /proc/1/fd/3: %+v %v", e, err)
	}
	out.Reset()
	spawn(t, k, "", SpawnOptions{Argv: []string{"/bin/sh", "-c", "cd /etc; echo hi > /proc/self/fd/2; cat /proc/self/cwd/hostname; ls -l /proc/self/fd/"}})
	k.Run(Stop{For: 100e6})
	want := "hi\nkplay\nlrwx------ 1 0 0 64 0 -> /dev/console\nlrwx------ 1 0 0 64 1 -> /dev/console\nlrwx------ 1 0 0 64 2 -> /dev/console\n" +
		"lr-x------ 1 0 0 64 3 -> /tmp/s (deleted)\nlr-x------ 1 0 0 64 4 -> /proc/9/fd\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}
