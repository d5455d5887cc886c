package kernel

// The expected lines in this file follow strace 6.1 (Debian 12, Linux
// 6.18 x86-64), checked against it on small static C programs that make
// the same raw system calls (syscall(SYS_fork), syscall(SYS_nanosleep),
// syscall(SYS_wait4, -1, &st, 0, NULL), syscall(SYS_kill, ...)) run as
// strace -f ./prog and strace -c ./prog. What was checked there:
//
//	fork()                                  = 29052
//	strace: Process 29052 attached
//	[pid 28515] nanosleep({tv_sec=0, tv_nsec=20000000},  <unfinished ...>
//	[pid 27783] <... nanosleep resumed>NULL) = 0
//	[pid 27783] getpid()                    = 27783
//	[pid 27783] exit_group(0)               = ?
//	[pid 27783] +++ exited with 0 +++
//	[pid 28515] wait4(-1,  <unfinished ...>
//	<... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 27783
//	--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=27783, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---
//	[pid 28515] <... fork resumed>)         = 28516
//	[pid 28516] <... nanosleep resumed> <unfinished ...>) = ?
//	[pid 28516] +++ killed by SIGKILL +++
//	[pid 28522] <... nanosleep resumed>NULL) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)
//	[pid 28522] --- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=28521, si_uid=0} ---
//	[pid 28522] +++ killed by SIGTERM +++
//	[pid 29052] --- stopped by SIGSTOP ---
//	--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_STOPPED, si_pid=29052, si_uid=0, si_status=SIGSTOP, si_utime=0, si_stime=0} ---
//	--- SIGALRM {si_signo=SIGALRM, si_code=SI_KERNEL} ---
//	restart_syscall(<... resuming interrupted read ...>) = 0   (strace -p on a sleeper)
//	strace: Process 29283 detached
//
// so: the "[pid %5u] " prefix once two processes are traced, counted in
// the column of "= " (40); two spaces before " <unfinished ...>" after an
// argument list cut at ", "; no space between "resumed>" and the rest;
// after "+++ exited +++" of the last other process the prefix goes.
// strace's source agrees (printleader in src/strace.c, syscall_exiting_trace
// in src/syscall.c). Two things kplay prints more tidily than the real
// one, which writes "strace: Process N attached" the moment it sees the
// child, often inside the parent's open fork( line; kplay holds the
// message until that line ends, an order the real strace also prints.
// And on attaching to a sleeper Linux reports the call it interrupted
// oddly (read, above); kplay names the call (nanosleep).

import (
	"bytes"
	"strings"
	"testing"

	"kplay/kernel/abi"
)

// straceRun boots a kernel, spawns each program, traces them with o and
// runs for ns; it returns what strace printed.
func straceRun(t *testing.T, o StraceOptions, ns int64, progs ...string) string {
	t.Helper()
	var st bytes.Buffer
	k, _ := boot(t, Config{Strace: &st})
	var pids []int
	for _, p := range progs {
		pid, err := k.Spawn(p, SpawnOptions{Name: "p"})
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	if _, err := k.Strace(pids, o); err != nil {
		t.Fatal(err)
	}
	k.Run(Stop{For: ns})
	return st.String()
}

func wantLines(t *testing.T, got, want string) {
	t.Helper()
	want = strings.TrimPrefix(want, "\n")
	if got != want {
		t.Fatalf("strace printed\n%s\nwant\n%s", got, want)
	}
}

func TestStraceFollowForksPrefixesLinesOnceTwoAreTraced(t *testing.T) {
	got := straceRun(t, StraceOptions{Follow: true}, 100e6,
		`syscall write 1 "hi\n" 3; fork { sleep 10ms; syscall getpid }; wait; syscall getpid; exit 0`)
	wantLines(t, got, `
strace: Process 6 attached
write(1, "hi\n", 3)                     = 3
fork()                                  = 7
strace: Process 7 attached
[pid     6] wait4(-1,  <unfinished ...>
[pid     7] nanosleep({tv_sec=0, tv_nsec=10000000}, NULL) = 0
[pid     7] getpid()                    = 7
[pid     7] exit_group(0)               = ?
[pid     7] +++ exited with 0 +++
<... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 7
--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=7, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---
getpid()                                = 6
exit_group(0)                           = ?
+++ exited with 0 +++
`)
}

func TestStraceCutsASleepWhileAnotherTracedTaskPrints(t *testing.T) {
	// One strace traces two processes (strace -p 6 -p 7): 7 (which CFS
	// runs first, the newest task) goes to sleep, then 6 does and cuts
	// 7's line; 7 wakes first and prints while 6 sleeps on. Once 7 has
	// exited, one process is left and the prefix goes.
	got := straceRun(t, StraceOptions{}, 100e6,
		`sleep 20ms; syscall getpid`,
		`sleep 5ms; syscall getppid; syscall gettid`)
	wantLines(t, got, `
strace: Process 6 attached
strace: Process 7 attached
[pid     7] nanosleep({tv_sec=0, tv_nsec=5000000},  <unfinished ...>
[pid     6] nanosleep({tv_sec=0, tv_nsec=20000000},  <unfinished ...>
[pid     7] <... nanosleep resumed>NULL) = 0
[pid     7] getppid()                   = 1
[pid     7] gettid()                    = 7
[pid     7] exit_group(0)               = ?
[pid     7] +++ exited with 0 +++
<... nanosleep resumed>NULL)            = 0
getpid()                                = 6
exit_group(0)                           = ?
+++ exited with 0 +++
`)
}

func TestStraceKilledTasks(t *testing.T) {
	// SIGTERM: the sleep ends (ERESTART_RESTARTBLOCK, which only a tracer
	// sees), the signal is delivered, the task dies. SIGKILL: no exit
	// stop and no signal stop, the call ends with the task, "= ?".
	got := straceRun(t, StraceOptions{Follow: true}, 300e6,
		`fork { sleep 100ms }; sleep 20ms; syscall kill 7 15; wait; fork { sleep 100ms }; sleep 20ms; syscall kill 8 9; wait; exit 3`)
	wantLines(t, got, `
strace: Process 6 attached
fork()                                  = 7
strace: Process 7 attached
[pid     6] nanosleep({tv_sec=0, tv_nsec=20000000},  <unfinished ...>
[pid     7] nanosleep({tv_sec=0, tv_nsec=100000000},  <unfinished ...>
[pid     6] <... nanosleep resumed>NULL) = 0
[pid     6] kill(7, SIGTERM)            = 0
[pid     6] wait4(-1,  <unfinished ...>
[pid     7] <... nanosleep resumed>NULL) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)
[pid     7] --- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=6, si_uid=0} ---
[pid     7] +++ killed by SIGTERM +++
<... wait4 resumed>[{WIFSIGNALED(s) && WTERMSIG(s) == SIGTERM}], 0, NULL) = 7
--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=7, si_uid=0, si_status=SIGTERM, si_utime=0, si_stime=0} ---
fork()                                  = 8
strace: Process 8 attached
[pid     6] nanosleep({tv_sec=0, tv_nsec=20000000},  <unfinished ...>
[pid     8] nanosleep({tv_sec=0, tv_nsec=100000000},  <unfinished ...>
[pid     6] <... nanosleep resumed>NULL) = 0
[pid     6] kill(8, SIGKILL)            = 0
[pid     6] wait4(-1,  <unfinished ...>
[pid     8] <... nanosleep resumed> <unfinished ...>) = ?
[pid     8] +++ killed by SIGKILL +++
<... wait4 resumed>[{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}], 0, NULL) = 8
--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=8, si_uid=0, si_status=SIGKILL, si_utime=0, si_stime=0} ---
exit_group(3)                           = ?
+++ exited with 3 +++
`)
}

func TestStraceStopAndContinue(t *testing.T) {
	got := straceRun(t, StraceOptions{Follow: true}, 300e6,
		`fork { sleep 100ms; syscall getpid }; sleep 20ms; syscall kill 7 19; sleep 20ms; syscall kill 7 18; wait`)
	wantLines(t, got, `
strace: Process 6 attached
fork()                                  = 7
strace: Process 7 attached
[pid     6] nanosleep({tv_sec=0, tv_nsec=20000000},  <unfinished ...>
[pid     7] nanosleep({tv_sec=0, tv_nsec=100000000},  <unfinished ...>
[pid     6] <... nanosleep resumed>NULL) = 0
[pid     6] kill(7, SIGSTOP)            = 0
[pid     6] nanosleep({tv_sec=0, tv_nsec=20000000},  <unfinished ...>
[pid     7] --- SIGSTOP {si_signo=SIGSTOP, si_code=SI_USER, si_pid=6, si_uid=0} ---
[pid     7] --- stopped by SIGSTOP ---
[pid     6] <... nanosleep resumed>NULL) = 0
[pid     6] --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_STOPPED, si_pid=7, si_uid=0, si_status=SIGSTOP, si_utime=0, si_stime=0} ---
[pid     6] kill(7, SIGCONT)            = 0
[pid     6] --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_CONTINUED, si_pid=7, si_uid=0, si_status=SIGCONT, si_utime=0, si_stime=0} ---
[pid     6] wait4(-1,  <unfinished ...>
[pid     7] <... nanosleep resumed>NULL) = 0
[pid     7] --- SIGCONT {si_signo=SIGCONT, si_code=SI_USER, si_pid=6, si_uid=0} ---
[pid     7] getpid()                    = 7
[pid     7] exit_group(0)               = ?
[pid     7] +++ exited with 0 +++
<... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 7
--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=7, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---
exit_group(0)                           = ?
+++ exited with 0 +++
`)
}

func TestStraceThreadsVforkAndAlarm(t *testing.T) {
	got := straceRun(t, StraceOptions{Follow: true}, 3e9,
		`thread { sleep 1s }; sleep 10ms; syscall vfork; syscall alarm 1; sleep 5s`)
	wantLines(t, got, `
strace: Process 6 attached
clone(child_stack=NULL, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM) = 7
strace: Process 7 attached
[pid     6] nanosleep({tv_sec=0, tv_nsec=10000000},  <unfinished ...>
[pid     7] nanosleep({tv_sec=1, tv_nsec=0},  <unfinished ...>
[pid     6] <... nanosleep resumed>NULL) = 0
[pid     6] vfork( <unfinished ...>
strace: Process 8 attached
[pid     8] exit_group(0)               = ?
[pid     8] +++ exited with 0 +++
[pid     6] <... vfork resumed>)        = 8
[pid     6] --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=8, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---
[pid     6] alarm(1)                    = 0
[pid     6] nanosleep({tv_sec=5, tv_nsec=0},  <unfinished ...>
[pid     7] <... nanosleep resumed>NULL) = 0
[pid     7] exit(0)                     = ?
[pid     7] +++ exited with 0 +++
<... nanosleep resumed>NULL)            = ? ERESTART_RESTARTBLOCK (Interrupted by signal)
--- SIGALRM {si_signo=SIGALRM, si_code=SI_KERNEL} ---
+++ killed by SIGALRM +++
`)
}

func TestStraceExitGroupEndsTheOtherThreadsWithItsStatus(t *testing.T) {
	// exit_group(0) from one thread: the others exit with 0 too, not
	// killed by SIGKILL (SIGNAL_GROUP_EXIT with group_exit_code 0). When
	// the first is gone one tracee is left, and its lines lose the
	// prefix.
	got := straceRun(t, StraceOptions{Follow: true}, 3e9, `thread { sleep 1s }; sleep 10ms; exit 0`)
	wantLines(t, got, `
strace: Process 6 attached
clone(child_stack=NULL, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM) = 7
strace: Process 7 attached
[pid     6] nanosleep({tv_sec=0, tv_nsec=10000000},  <unfinished ...>
[pid     7] nanosleep({tv_sec=1, tv_nsec=0},  <unfinished ...>
[pid     6] <... nanosleep resumed>NULL) = 0
[pid     6] exit_group(0)               = ?
[pid     6] +++ exited with 0 +++
<... nanosleep resumed> <unfinished ...>) = ?
+++ exited with 0 +++
`)
}

func TestStraceAttachToASleeperPrintsRestartSyscallAndParkingCutsTheLine(t *testing.T) {
	var st bytes.Buffer
	k, _ := boot(t, Config{Strace: &st})
	pid, _ := k.Spawn(`sleep 1s; syscall getpid; fork { syscall getpid }; wait`, SpawnOptions{Name: "m"})
	k.Run(Stop{For: 100e6})
	if _, err := k.Strace([]int{pid}, StraceOptions{}); err != nil {
		t.Fatal(err)
	}
	k.Run(Stop{For: 300e6}) // parks mid-sleep: the open line is ended
	st.WriteString("(the prompt)\n")
	k.Run(Stop{For: 1e9})
	wantLines(t, st.String(), `
strace: Process 6 attached
restart_syscall(<... resuming interrupted nanosleep ...> <unfinished ...>
(the prompt)
<... restart_syscall resumed>)          = 0
getpid()                                = 6
fork()                                  = 7
wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 7
--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=7, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---
exit_group(0)                           = ?
+++ exited with 0 +++
`)
	if len(k.Straces()) != 0 {
		t.Fatalf("the strace did not end with its last process: %+v", k.Straces())
	}
}

func TestStraceOffDetachesAndCountingPrintsTheTable(t *testing.T) {
	var st bytes.Buffer
	k, _ := boot(t, Config{Strace: &st})
	pid, _ := k.Spawn(`forever { syscall getpid; syscall write 9 "x" 1; sleep 10ms }`, SpawnOptions{Name: "c"})
	if _, err := k.Strace([]int{pid}, StraceOptions{Count: true}); err != nil {
		t.Fatal(err)
	}
	k.Run(Stop{For: 95e6})
	in, rows, err := k.StraceCounts(pid)
	if err != nil || in.ID != 1 || len(rows) != 3 || rows[0].Name != "write" || rows[0].Calls != 5 || rows[0].Errors != 5 {
		t.Fatalf("counts %+v %+v %v", in, rows, err)
	}
	if _, err := k.StraceOff(0); err != nil {
		t.Fatal(err)
	}
	// Every call costs the 100 ns of its trap: 14 calls (the fifth
	// nanosleep has not returned), 1.4 us; 500 ns prints as 0.000000, as
	// printf's %.6f rounds 5e-07 (a double a little under it) down.
	wantLines(t, st.String(), `
strace: Process 6 attached
strace: Process 6 detached
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 35.71    0.000000           0         5         5 write
 35.71    0.000000           0         5           getpid
 28.57    0.000000           0         4           nanosleep
------ ----------- ----------- --------- --------- ----------------
100.00    0.000001           0        14         5 total
`)
	if len(k.Straces()) != 0 {
		t.Fatal("strace off left a strace")
	}
	// The task runs on, untraced.
	st.Reset()
	k.Run(Stop{For: 50e6})
	if st.Len() != 0 {
		t.Fatalf("a detached task is still traced: %q", st.String())
	}
}

func TestStraceWallClockCountsTheSleep(t *testing.T) {
	// The sleeps end at the tick after their time (19.9999 and 29.9998
	// ms): 49999700 ns, 24999850 a call, which strace truncates to 24999
	// us.
	got := straceRun(t, StraceOptions{Count: true, Wall: true}, 100e6, `sleep 10ms; syscall getpid; sleep 20ms`)
	wantLines(t, got, `
strace: Process 6 attached
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
100.00    0.050000       24999         2           nanosleep
  0.00    0.000000           0         1           getpid
------ ----------- ----------- --------- --------- ----------------
100.00    0.050000       16666         3           total
`)
}

func TestStraceSummaryAlsoPrintsTheCalls(t *testing.T) {
	got := straceRun(t, StraceOptions{Summary: true}, 100e6, `syscall getpid`)
	wantLines(t, got, `
strace: Process 6 attached
getpid()                                = 6
exit_group(0)                           = ?
+++ exited with 0 +++
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
100.00    0.000000           0         1           getpid
------ ----------- ----------- --------- --------- ----------------
100.00    0.000000           0         1           total
`)
}

// TestStraceTableIsStraceCs feeds the table the sums of a real strace -f
// -c run of the fork program described at the top of this file and
// compares with what strace 6.1 printed for them.
func TestStraceTableIsStraceCs(t *testing.T) {
	rows := []StraceCount{
		{Nr: 1, Name: "write", Calls: 1, Ns: 26000},
		{Nr: 10, Name: "mprotect", Calls: 1, Ns: 21000},
		{Nr: 12, Name: "brk", Calls: 5, Ns: 42000},
		{Nr: 35, Name: "nanosleep", Calls: 1, Ns: 0},
		{Nr: 39, Name: "getpid", Calls: 2, Ns: 6000},
		{Nr: 57, Name: "fork", Calls: 1, Ns: 244000},
		{Nr: 59, Name: "execve", Calls: 1, Ns: 659000},
		{Nr: 61, Name: "wait4", Calls: 1, Ns: 116000},
		{Nr: 89, Name: "readlink", Calls: 1, Ns: 67000},
		{Nr: 158, Name: "arch_prctl", Calls: 1, Ns: 10000},
		{Nr: 218, Name: "set_tid_address", Calls: 1, Ns: 7000},
		{Nr: 273, Name: "set_robust_list", Calls: 1, Ns: 7000},
		{Nr: 302, Name: "prlimit64", Calls: 1, Ns: 9000},
		{Nr: 318, Name: "getrandom", Calls: 1, Ns: 14000},
		{Nr: 334, Name: "rseq", Calls: 1, Ns: 13000},
	}
	want := `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 53.10    0.000659         659         1           execve
 19.66    0.000244         244         1           fork
  9.35    0.000116         116         1           wait4
  5.40    0.000067          67         1           readlink
  3.38    0.000042           8         5           brk
  2.10    0.000026          26         1           write
  1.69    0.000021          21         1           mprotect
  1.13    0.000014          14         1           getrandom
  1.05    0.000013          13         1           rseq
  0.81    0.000010          10         1           arch_prctl
  0.73    0.000009           9         1           prlimit64
  0.56    0.000007           7         1           set_tid_address
  0.56    0.000007           7         1           set_robust_list
  0.48    0.000006           3         2           getpid
  0.00    0.000000           0         1           nanosleep
------ ----------- ----------- --------- --------- ----------------
100.00    0.001241          62        20           total
`
	if got := StraceTable(rows); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	// Columns widen for big values and long names; errors show.
	wide := StraceTable([]StraceCount{
		{Nr: 146, Name: "sched_get_priority_max", Calls: 12345678901, Errors: 12345678901, Ns: 123456789012345},
	})
	wantWide := `% time       seconds  usecs/call       calls      errors syscall
------ ------------- ----------- ----------- ----------- -----------------------
100.00 123456.789012          10 12345678901 12345678901 sched_get_priority_max
------ ------------- ----------- ----------- ----------- -----------------------
100.00 123456.789012          10 12345678901 12345678901 total
`
	if wide != wantWide {
		t.Fatalf("got\n%s\nwant\n%s", wide, wantWide)
	}
}

func TestStraceRefusesWhatPtraceRefuses(t *testing.T) {
	k, _ := boot(t, Config{})
	pid, _ := k.Spawn(`sleep 1s`, SpawnOptions{})
	if _, err := k.Strace([]int{pid}, StraceOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		pids []int
		o    StraceOptions
		want string
	}{
		{[]int{0}, StraceOptions{}, "strace: Invalid process id: '0'"},
		{[]int{2}, StraceOptions{}, "strace: attach: ptrace(PTRACE_SEIZE, 2): Operation not permitted"},
		{[]int{999}, StraceOptions{}, "strace: attach: ptrace(PTRACE_SEIZE, 999): No such process"},
		{[]int{pid}, StraceOptions{}, "strace: attach: ptrace(PTRACE_SEIZE, 6): Operation not permitted (strace 1 traces it)"},
		{[]int{1, 999}, StraceOptions{}, "strace: attach: ptrace(PTRACE_SEIZE, 999): No such process"},
		{[]int{1}, StraceOptions{Wall: true}, "strace: -w/--summary-wall-clock must be given with (-c/--summary-only or -C/--summary)"},
		{[]int{1}, StraceOptions{Count: true, Summary: true}, "strace: -c/--summary-only and -C/--summary are mutually exclusive"},
		{nil, StraceOptions{}, "strace: must have PROG [ARGS] or -p PID"},
	} {
		if _, err := k.Strace(c.pids, c.o); err == nil || err.Error() != c.want {
			t.Errorf("Strace(%v, %+v): %v, want %s", c.pids, c.o, err, c.want)
		}
	}
	if got := k.Straces(); len(got) != 1 || got[0].PIDs[0] != pid {
		t.Fatalf("a refused attach left a strace: %+v", got)
	}
	if _, err := k.StraceOff(1); err == nil || err.Error() != "strace: process 1 is not traced" {
		t.Fatalf("StraceOff(1): %v", err)
	}
}

func TestStraceOfInitShowsTheREPLsCalls(t *testing.T) {
	var st bytes.Buffer
	k, _ := boot(t, Config{Strace: &st})
	if _, err := k.Strace([]int{1}, StraceOptions{Follow: true}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := k.SyscallAs(1, nr("getppid")); err != nil {
		t.Fatal(err)
	}
	// The shell's jobs are its children: strace -f follows them.
	if _, err := k.Spawn("syscall gettid", SpawnOptions{Name: "job"}); err != nil {
		t.Fatal(err)
	}
	k.Run(Stop{For: 10e6})
	wantLines(t, st.String(), `
strace: Process 1 attached
getppid()                               = 0
strace: Process 6 attached
[pid     6] gettid()                    = 6
[pid     6] exit_group(0)               = ?
[pid     6] +++ exited with 0 +++
`)
}

// straceArgv spawns argv as the REPL's spawn PATH ARG... does, traces it
// with o and runs for ns; it returns what strace printed.
func straceArgv(t *testing.T, o StraceOptions, ns int64, argv ...string) string {
	t.Helper()
	var st bytes.Buffer
	k, _ := boot(t, Config{Strace: &st})
	pid, err := k.Spawn("", SpawnOptions{Argv: argv})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Strace([]int{pid}, o); err != nil {
		t.Fatal(err)
	}
	k.Run(Stop{For: ns})
	return st.String()
}

// The lines strace -f prints for dash -c 'cat FILE' on Linux, less the
// dynamic loader's and libc's calls, which kplay's programs do not make:
// the buffers read prints at exit, the failing openat with its errno, and
// the shell's wait4 cut by its child's lines.
func TestStraceFollowsTheShellThroughForkExecAndCat(t *testing.T) {
	got := straceArgv(t, StraceOptions{Follow: true}, 50e6, "/bin/sh", "-c", "cat /etc/hostname /nope; exit 3")
	wantLines(t, got, `
strace: Process 6 attached
execve("/bin/sh", ["sh", "-c", "cat /etc/hostname /nope; exit 3"], NULL) = 0
fork()                                  = 7
strace: Process 7 attached
[pid     6] wait4(7,  <unfinished ...>
[pid     7] execve("/bin/cat", ["cat", "/etc/hostname", "/nope"], NULL) = 0
[pid     7] openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 3
[pid     7] read(3, "kplay\n", 4096)    = 6
[pid     7] write(1, "kplay\n", 6)      = 6
[pid     7] read(3, "", 4096)           = 0
[pid     7] close(3)                    = 0
[pid     7] openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)
[pid     7] write(2, "cat: /nope: No such file or dire"..., 38) = 38
[pid     7] exit_group(1)               = ?
[pid     7] +++ exited with 1 +++
<... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 1}], 0, NULL) = 7
--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=7, si_uid=0, si_status=1, si_utime=0, si_stime=0} ---
exit_group(3)                           = ?
+++ exited with 3 +++
`)
}

// Without -f the child is not traced: the parent's wait4 prints whole,
// as no other line comes between its entry and its exit.
func TestStraceWithoutFollowTracesTheShellAlone(t *testing.T) {
	got := straceArgv(t, StraceOptions{}, 50e6, "/bin/sh", "-c", "true")
	wantLines(t, got, `
strace: Process 6 attached
execve("/bin/sh", ["sh", "-c", "true"], NULL) = 0
fork()                                  = 7
wait4(7, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 7
--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=7, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---
exit_group(0)                           = ?
+++ exited with 0 +++
`)
}

// A call strace decodes at exit (read's buffer, fstat's struct, wait4's
// status) is split there when its line is cut: what comes before prints
// at entry.
func TestStraceSplitsACallAtTheFirstArgumentItFills(t *testing.T) {
	for name, want := range map[string]int{"read": 1, "fstat": 1, "wait4": 1, "getcwd": 0, "write": 3, "openat": 4, "nanosleep": 1, "uname": 0} {
		nr, _ := abi.SyscallNumber(name)
		def, ok := lookupSyscall(nr)
		if !ok {
			t.Fatalf("%s: not in the table", name)
		}
		if got := straceSplit(def, true, len(def.args)); got != want {
			t.Errorf("%s: split at %d, want %d", name, got, want)
		}
	}
}

// strace -c -f of the shell: exit_group never returns, so it is not
// counted, as strace does not.
func TestStraceCountsTheShellAndItsChild(t *testing.T) {
	got := straceArgv(t, StraceOptions{Follow: true, Count: true}, 50e6, "/bin/sh", "-c", "cat /etc/hostname /nope")
	wantLines(t, got, `
strace: Process 6 attached
strace: Process 7 attached
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 18.18    0.000000           0         2           read
 18.18    0.000000           0         2           write
 18.18    0.000000           0         2           execve
 18.18    0.000000           0         2         1 openat
  9.09    0.000000           0         1           close
  9.09    0.000000           0         1           fork
  9.09    0.000000           0         1           wait4
------ ----------- ----------- --------- --------- ----------------
100.00    0.000001           0        11         1 total
`)
}

// strace off PID detaches that process alone: its strace goes on with
// the others, and with one process left its lines lose the prefix.
func TestStraceOffOnePIDLeavesTheOthersTraced(t *testing.T) {
	var st bytes.Buffer
	k, _ := boot(t, Config{Strace: &st})
	pid, _ := k.Spawn(`fork { sleep 10ms; syscall getpid }; wait; syscall getppid`, SpawnOptions{Name: "p"})
	if _, err := k.Strace([]int{pid}, StraceOptions{Follow: true}); err != nil {
		t.Fatal(err)
	}
	k.Run(Stop{For: 5e6})
	if _, err := k.StraceOff(pid + 1); err != nil {
		t.Fatal(err)
	}
	if in := k.Straces(); len(in) != 1 || len(in[0].PIDs) != 1 || in[0].PIDs[0] != pid {
		t.Fatalf("after strace off %d: %+v", pid+1, in)
	}
	k.Run(Stop{For: 50e6})
	wantLines(t, st.String(), `
strace: Process 6 attached
fork()                                  = 7
strace: Process 7 attached
[pid     6] wait4(-1,  <unfinished ...>
[pid     7] nanosleep({tv_sec=0, tv_nsec=10000000},  <unfinished ...>
strace: Process 7 detached
<... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 7
--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=7, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---
getppid()                               = 1
exit_group(0)                           = ?
+++ exited with 0 +++
`)
}
