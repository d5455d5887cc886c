package repl

import (
	"strings"
	"testing"
)

// strace prints as the machine runs: its lines come between the
// command's own output, in the order things happen.
func TestStraceFollowsASpawnedProgramAsItRuns(t *testing.T) {
	s, out := newSession(t)
	run(t, s, out, `spawn --name p -- 'fork { sleep 10ms; syscall getpid }; wait'`)
	if got := run(t, s, out, "strace -f p"); got != "strace: Process 6 attached\n" {
		t.Fatalf("attach: %q", got)
	}
	if got := run(t, s, out, "strace"); got != "strace 1: strace -f -p 6 (p)\n" {
		t.Fatalf("list: %q", got)
	}
	got := run(t, s, out, "run 5ms")
	want := `fork()                                  = 7
strace: Process 7 attached
[pid     6] wait4(-1,  <unfinished ...>
[pid     7] nanosleep({tv_sec=0, tv_nsec=10000000},  <unfinished ...>
ran 0.005000 s: uptime 0.005000 s, jiffies 4294937296 (+0), 3 context switches, 0 interrupts
`
	if got != want {
		t.Fatalf("run 5ms:\n%s\nwant\n%s", got, want)
	}
	got = run(t, s, out, "run 50ms")
	want = `[pid     7] <... nanosleep resumed>NULL) = 0
[pid     7] getpid()                    = 7
[pid     7] exit_group(0)               = ?
[pid     7] +++ exited with 0 +++
<... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 7
--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=7, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---
exit_group(0)                           = ?
+++ exited with 0 +++
ran 0.050000 s: uptime 0.055000 s, jiffies 4294937301 (+5), 3 context switches, 1 interrupts
`
	if got != want {
		t.Fatalf("run 50ms:\n%s\nwant\n%s", got, want)
	}
	if got := run(t, s, out, "strace"); got != "no strace is running (strace PID|COMM starts one)\n" {
		t.Fatalf("after the exit: %q", got)
	}
}

func TestStraceOfInitShowsTheSyscallCommand(t *testing.T) {
	s, out := newSession(t)
	run(t, s, out, "strace 1")
	got := run(t, s, out, `syscall write 1 "hi\n" 3`)
	// The console's write, the traced line, then the command's result.
	want := "hi\n" + `write(1, "hi\n", 3)                     = 3` + "\n" + `write(1, "hi\n", 3)                     = 3` + "\n"
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if got := run(t, s, out, "strace off init"); got != "strace: Process 1 detached\n" {
		t.Fatalf("off: %q", got)
	}
}

func TestStraceCountsAndPrintsTheTableAtOff(t *testing.T) {
	s, out := newSession(t)
	run(t, s, out, "spawn --name y -- 'forever { yield; syscall getpid }'", "strace -c y", "run 1ms")
	got := run(t, s, out, "strace summary y")
	if !strings.HasPrefix(got, "% time     seconds  usecs/call     calls    errors syscall\n------ ") || !strings.Contains(got, " sched_yield\n") || !strings.Contains(got, " total\n") {
		t.Fatalf("summary:\n%s", got)
	}
	got = run(t, s, out, "strace off")
	if !strings.HasPrefix(got, "strace: Process 6 detached\n% time ") || !strings.HasSuffix(got, " total\n") {
		t.Fatalf("off:\n%s", got)
	}
}

func TestStraceBadInputIsOneLine(t *testing.T) {
	s, out := newSession(t)
	run(t, s, out, "spawn --name y -- 'sleep 1s'", "strace y")
	cases := map[string]string{
		"strace 0":           "strace: Invalid process id: '0'",
		"strace 2":           "strace: attach: ptrace(PTRACE_SEIZE, 2): Operation not permitted",
		"strace 99":          "strace: attach: ptrace(PTRACE_SEIZE, 99): No such process",
		"strace y":           "strace: attach: ptrace(PTRACE_SEIZE, 6): Operation not permitted (strace 1 traces it)",
		"strace nosuch":      `strace: no process named "nosuch" (want a PID or a command name; ps lists them)`,
		"strace -w 1":        "strace: -w/--summary-wall-clock must be given with (-c/--summary-only or -C/--summary)",
		"strace -c -C 1":     "strace: -c/--summary-only and -C/--summary are mutually exclusive",
		"strace -f":          "strace: must have PID or COMM (usage: strace [-f] [-c|-C [-w]] PID|COMM... | strace off [PID|COMM] | strace summary [PID|COMM])",
		"strace off 1":       "strace: process 1 is not traced (strace lists what is)",
		"strace off init":    `strace: no traced process named "init" (want a PID or a command name; ps lists them)`,
		"strace off -f":      "strace off takes no -f, -c, -C, -w or -p (usage: strace off [PID|COMM])",
		"strace off 1 2":     "usage: strace off [PID|COMM]",
		"strace summary":     "strace summary: no strace counts calls (start one with strace -c PID)",
		"strace summary y":   "strace summary: strace 1 does not count calls (start one with -c or -C)",
		"strace --json 1":    "strace: --json goes with strace alone (the list)",
		"strace -p":          "strace: flag needs an argument: 'p' in -p (usage: strace [-f] [-c|-C [-w]] PID|COMM... | strace off [PID|COMM] | strace summary [PID|COMM])",
		"strace 99999999999": "strace: Invalid process id: '99999999999'",
		"strace -- -5":       "strace: Invalid process id: '-5'",
	}
	wantUsageErrors(t, s, out, cases)
	if got := run(t, s, out, "strace --json"); !strings.Contains(got, `"pids": [`) {
		t.Fatalf("json: %s", got)
	}
}
