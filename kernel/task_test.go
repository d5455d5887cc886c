package kernel

import (
	"math"
	"strings"
	"testing"

	"kplay/kernel/abi"
	"kplay/sched"
)

func spawn(t *testing.T, k *Kernel, src string, o SpawnOptions) int {
	t.Helper()
	pid, err := k.Spawn(src, o)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func cpu(k *Kernel, pid int) int64 {
	ti, _ := k.Task(pid)
	return ti.SumExecNs
}

func TestCFSSharesFollowNice(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	a := spawn(t, k, "forever { compute 1s }", SpawnOptions{})
	b := spawn(t, k, "forever { compute 1s }", SpawnOptions{Nice: 5})
	k.Run(Stop{For: 60e9})
	got := float64(cpu(k, a)) / float64(cpu(k, b))
	if want := 1024.0 / 335; math.Abs(got-want)/want > 0.02 {
		t.Fatalf("nice 0 : nice 5 CPU = %.4f, want %.4f ± 2%%", got, want)
	}
	t.Logf("nice 0 : nice 5 = %.4f (weights %.4f)", got, 1024.0/335)

	k, _ = boot(t, Config{Quiet: true})
	var pids []int
	for i := 0; i < 3; i++ {
		pids = append(pids, spawn(t, k, "cpu-hog", SpawnOptions{}))
	}
	k.Run(Stop{For: 60e9})
	var total int64
	for _, p := range pids {
		total += cpu(k, p)
	}
	for _, p := range pids {
		share := float64(cpu(k, p)) / float64(total)
		if math.Abs(share-1.0/3) > 0.01/3 {
			t.Errorf("pid %d: share %.4f, want 1/3 ± 1%%", p, share)
		}
		t.Logf("three at nice 0: pid %d share %.5f", p, share)
	}
}

func TestFIFORunsByPriorityThenArrivalAndPreemptsFair(t *testing.T) {
	k, out := boot(t, Config{Quiet: true})
	spawn(t, k, "cpu-hog", SpawnOptions{Nice: -20})
	k.Run(Stop{For: 100e6})
	out.Reset()
	spawn(t, k, `compute 30ms; syscall write 1 "lo1 " 4`, SpawnOptions{Policy: sched.FIFO, RTPrio: 10})
	spawn(t, k, `compute 30ms; syscall write 1 "hi " 3`, SpawnOptions{Policy: sched.FIFO, RTPrio: 50})
	spawn(t, k, `compute 30ms; syscall write 1 "lo2 " 4`, SpawnOptions{Policy: sched.FIFO, RTPrio: 10})
	start := k.clockNs()
	k.Run(Stop{For: 200e6})
	if out.String() != "hi lo1 lo2 " {
		t.Fatalf("output %q, want priority then arrival order", out.String())
	}
	// The rt tasks ran back to back: the fair hog got nothing meanwhile.
	for _, e := range k.Events() {
		if e.Kind == EvSwitch && e.TimeNs > start && e.TimeNs < start+90e6 && e.Switch.Next.Comm == "cpu-hog" {
			t.Fatalf("the fair hog ran at %d ns while rt tasks were runnable", e.TimeNs)
		}
	}
}

func TestRRRotatesEveryTimeslice(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	if c, err := k.SetSysctl("kernel.sched_rr_timeslice_ms", "30"); err != nil || c.Value != "30" {
		t.Fatalf("sysctl: %+v %v", c, err)
	}
	a := spawn(t, k, "cpu-hog", SpawnOptions{Name: "a", Policy: sched.RR, RTPrio: 5})
	b := spawn(t, k, "cpu-hog", SpawnOptions{Name: "b", Policy: sched.RR, RTPrio: 5})
	k.Run(Stop{For: 600e6})
	var seq []string
	var last int64
	for _, e := range k.Events() {
		if e.Kind == EvSwitch && (e.Switch.Next.PID == a || e.Switch.Next.PID == b) && (e.Switch.Prev.PID == a || e.Switch.Prev.PID == b) {
			if last != 0 && e.TimeNs-last != 30e6 {
				t.Fatalf("switch after %d ns, want every 30 ms", e.TimeNs-last)
			}
			last = e.TimeNs
			seq = append(seq, e.Switch.Next.Comm)
		}
	}
	if len(seq) < 10 || strings.Contains(strings.Join(seq, ""), "aa") || strings.Contains(strings.Join(seq, ""), "bb") {
		t.Fatalf("switches %v: want a and b alternating", seq)
	}
	if d := cpu(k, a) - cpu(k, b); d < -30e6 || d > 30e6 {
		t.Fatalf("a %d ns, b %d ns: RR must share within one slice", cpu(k, a), cpu(k, b))
	}
}

func TestWokenSleeperPreemptsHogAtOnce(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	spawn(t, k, "cpu-hog", SpawnOptions{})
	s := spawn(t, k, "forever { compute 1ms; sleep 50ms }", SpawnOptions{Name: "sleeper"})
	k.Run(Stop{For: 2e9})
	wakes := 0
	evs := k.Events()
	for i, e := range evs {
		if e.Kind == EvSwitch && e.Switch.Next.PID == s && e.Switch.Prev.Comm == "cpu-hog" {
			wakes++
			if !strings.HasPrefix(e.Switch.Why, "wakeup preemption") {
				t.Fatalf("sleeper got the CPU because %q", e.Switch.Why)
			}
			// The tick whose timer woke it came at the same instant.
			if prevTick := evs[i-1]; prevTick.TimeNs != e.TimeNs {
				t.Fatalf("switch at %d, %d ns after the wakeup", e.TimeNs, e.TimeNs-prevTick.TimeNs)
			}
		}
	}
	if wakes < 5 {
		t.Fatalf("only %d wakeup preemptions in the trace", wakes)
	}
}

func TestZombiesAreReapedAndOrphansGoToInit(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	p := spawn(t, k, "fork { exit 3 }; sleep 1s; wait; sleep 1s", SpawnOptions{Name: "parent"})
	k.Run(Stop{For: 500e6})
	var child TaskInfo
	for _, ti := range k.Tasks() {
		if ti.PPID == p {
			child = ti
		}
	}
	if child.State != "Z" {
		t.Fatalf("the exited child is %q, want a zombie until its parent waits", child.State)
	}
	k.Run(Stop{For: 1e9})
	if _, ok := k.Task(child.PID); ok {
		t.Fatal("wait4 must reap the zombie")
	}
	var rec *SyscallRecord
	for _, e := range k.Events() {
		if e.Kind == EvSyscall && e.Syscall.Name == "wait4" {
			rec = e.Syscall
		}
	}
	if rec == nil || !strings.Contains(rec.String(), "[{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = ") {
		t.Fatalf("wait4 record %v", rec)
	}

	o := spawn(t, k, "orphan", SpawnOptions{})
	k.Run(Stop{For: 100e6})
	var orphan TaskInfo
	for _, ti := range k.Tasks() {
		if ti.Comm == "orphan" && ti.PID != o {
			orphan = ti
		}
	}
	if orphan.PID == 0 || orphan.PPID != 1 {
		t.Fatalf("orphan %+v: its parent exited, so init must adopt it", orphan)
	}
	k.Run(Stop{For: 2e9})
	if _, ok := k.Task(orphan.PID); ok {
		t.Fatal("init must reap the orphan when it exits")
	}
}

func TestSignalsStopContinueAndKill(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	h := spawn(t, k, "cpu-hog", SpawnOptions{})
	sl := spawn(t, k, "sleep 100s", SpawnOptions{})
	k.Run(Stop{For: 100e6})
	k.Kill(h, 19) // SIGSTOP
	k.Run(Stop{For: 100e6})
	if ti, _ := k.Task(h); ti.State != "T" {
		t.Fatalf("after SIGSTOP: %s", ti.State)
	}
	before := cpu(k, h)
	k.Run(Stop{For: 100e6})
	if cpu(k, h) != before {
		t.Fatal("a stopped task must not run")
	}
	k.Kill(h, 18) // SIGCONT
	k.Run(Stop{For: 100e6})
	if ti, _ := k.Task(h); ti.State != "R" || cpu(k, h) == before {
		t.Fatalf("after SIGCONT: %s, ran %d ns", ti.State, cpu(k, h)-before)
	}
	k.Kill(sl, 15) // a sleeper is woken by a fatal signal
	k.Kill(h, 9)
	k.Run(Stop{For: 10e6})
	for _, p := range []int{h, sl} {
		if _, ok := k.Task(p); ok {
			t.Fatalf("pid %d survived its fatal signal", p)
		}
	}
	if err := k.Kill(1, 9); err != nil || k.halted {
		t.Fatal("init ignores SIGKILL")
	}
}

func TestSetpriorityChangesShareAtOnce(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	a := spawn(t, k, "cpu-hog", SpawnOptions{})
	b := spawn(t, k, "cpu-hog", SpawnOptions{})
	if err := k.SetScheduler(b, sched.Normal, 19, 0); err != nil {
		t.Fatal(err)
	}
	k.Run(Stop{For: 10e9})
	got := float64(cpu(k, a)) / float64(cpu(k, b))
	if want := 1024.0 / 15; math.Abs(got-want)/want > 0.05 {
		t.Fatalf("nice 0 : nice 19 = %.1f, want %.1f", got, want)
	}
}

func TestProgramsAreDeterministic(t *testing.T) {
	run := func() string {
		k, _ := boot(t, Config{Quiet: true})
		spawn(t, k, "pingpong", SpawnOptions{})
		spawn(t, k, "forker", SpawnOptions{Nice: 3})
		spawn(t, k, "sleeper", SpawnOptions{})
		k.Run(Stop{For: 3e9})
		var b strings.Builder
		for _, e := range k.Events() {
			b.WriteString(string(e.Kind))
			if e.Switch != nil {
				b.WriteString(e.Switch.Prev.Comm + e.Switch.Next.Comm + e.Switch.Why + e.Switch.Pick.String())
			}
		}
		for _, ti := range k.Tasks() {
			b.WriteString(ti.Comm + ti.State)
		}
		return b.String()
	}
	if a, b := run(), run(); a != b {
		t.Fatal("two runs of the same programs differ")
	}
}

func TestSpawnRejectsBadInput(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	for src, want := range map[string]string{
		"compute 10":         "program 1:9: expected a duration",
		"syscall frobnicate": `program 1:1: unknown system call "frobnicate"`,
	} {
		if _, err := k.Spawn(src, SpawnOptions{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", src, err, want)
		}
	}
	for _, o := range []SpawnOptions{{Policy: sched.FIFO}, {Policy: sched.Normal, RTPrio: 3}, {Nice: 20}, {Policy: 6}} {
		if _, err := k.Spawn("yield", o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

func TestForkBombHitsThreadsMax(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true, MemBytes: 4 << 20})
	spawn(t, k, "forever { fork { sleep 100s } }", SpawnOptions{})
	k.Run(Stop{For: 1e9})
	if n := len(k.Tasks()); n > k.maxThreads()+1 {
		t.Fatalf("%d tasks, threads-max %d", n, k.maxThreads())
	}
	var sawEAGAIN bool
	for _, e := range k.Events() {
		if e.Kind == EvSyscall && e.Syscall.Name == "fork" && strings.Contains(e.Syscall.String(), "EAGAIN") {
			sawEAGAIN = true
		}
	}
	if !sawEAGAIN {
		t.Fatal("fork beyond threads-max must fail with EAGAIN")
	}
}

func TestExitGroupEndsEveryThreadAndSignalsReachAZombieLeadersThreads(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	p := spawn(t, k, "thread { forever { compute 10ms } }; thread { sleep 10s }; compute 30ms; exit 5", SpawnOptions{Name: "mt"})
	k.Run(Stop{For: 400e6})
	for _, ti := range k.Tasks() {
		if ti.TGID == p {
			t.Fatalf("exit_group left %+v", ti)
		}
	}
	// A leader that exits with exit(2) stays a zombie while its threads
	// run; a signal to its pid still reaches them.
	q := spawn(t, k, "thread { forever { compute 10ms } }; compute 5ms; syscall exit 0", SpawnOptions{Name: "lead"})
	k.Run(Stop{For: 100e6})
	if ti, _ := k.Task(q); ti.State != "Z" {
		t.Fatalf("leader: %+v", ti)
	}
	if err := k.Kill(q, 9); err != nil {
		t.Fatal(err)
	}
	k.Run(Stop{For: 100e6})
	for _, ti := range k.Tasks() {
		if ti.TGID == q {
			t.Fatalf("SIGKILL to the zombie leader left %+v", ti)
		}
	}
}

func TestSleepWithAFatalSignalPendingReturnsAtOnce(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	p := spawn(t, k, "sleep 10s", SpawnOptions{})
	nr, _ := abi.SyscallNumber("nanosleep")
	k.AddBreakpoint(Breakpoint{Kind: EvSyscall, Syscall: nr, PID: p})
	if res := k.Run(Stop{For: 1e9, Breakpoints: true}); res.Reason != StopBreakpoint {
		t.Fatalf("%+v", res)
	}
	k.Kill(p, 9) // pending before the sleep begins
	k.Run(Stop{For: 1e6})
	if _, ok := k.Task(p); ok {
		t.Fatal("the task slept with SIGKILL pending")
	}
}
