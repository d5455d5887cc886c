package kernel

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"kplay/kernel/abi"
)

func TestTaskPathGetpidIsInit(t *testing.T) {
	k, _ := boot(t, Config{})
	rec, res, err := k.SyscallAs(1, int(abi.SysGetpid))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Ret != 1 || rec.Path != PathTask || rec.String() != "getpid()"+strings.Repeat(" ", 32)+"= 1" {
		t.Fatalf("record %q ret %d path %s", rec.String(), rec.Ret, rec.Path)
	}
	// console IRQ wakes init (swapper->init), init sleeps again (init->swapper)
	if res.Switches != 2 || res.IRQs != 1 || res.Reason != StopIdle {
		t.Fatalf("run %+v", res)
	}
	if ti, _ := k.Task(1); ti.State != "S" || ti.Nvcsw == 0 {
		t.Fatalf("init after the call: %+v", ti)
	}
}

func TestApplicationPathRunsInKsyscalld(t *testing.T) {
	k, _ := boot(t, Config{})
	rec, res := k.Syscall(int(abi.SysGetpid))
	if rec.Path != PathApp || rec.Task.Comm != "ksyscalld/0" || rec.Ret != int64(rec.Task.PID) {
		t.Fatalf("record %+v", rec)
	}
	if res.Reason != StopIdle {
		t.Fatalf("run %+v", res)
	}
	ppid, _ := k.Syscall(int(abi.SysGetppid))
	if ppid.Ret != 2 {
		t.Fatalf("ksyscalld's parent is kthreadd (2), got %d", ppid.Ret)
	}
	pid, err := k.NewSyscallThread()
	if err != nil {
		t.Fatal(err)
	}
	if ti, ok := k.Task(pid); !ok || ti.Comm != "ksyscalld/1" || ti.PPID != 2 {
		t.Fatalf("new syscall thread %+v", ti)
	}
}

func TestWriteReachesTheConsoleOnBothPaths(t *testing.T) {
	k, out := boot(t, Config{})
	out.Reset()
	addr, err := k.PushUserData(1, []byte("hello\n"))
	if err != nil {
		t.Fatal(err)
	}
	rec, _, _ := k.SyscallAs(1, int(abi.SysWrite), 1, addr, 6)
	if out.String() != "hello\n" || rec.String() != `write(1, "hello\n", 6)                  = 6` {
		t.Fatalf("out %q rec %q", out.String(), rec.String())
	}
	rec, _ = k.Syscall(int(abi.SysWrite), 2, addr, 5)
	if rec.Ret != 5 || out.String() != "hello\nhello" {
		t.Fatalf("app path: %q, out %q", rec.String(), out.String())
	}
}

func TestBadArgumentsReturnErrnoNotCrash(t *testing.T) {
	k, _ := boot(t, Config{})
	cases := []struct {
		nr   int
		args []uint64
		want string
	}{
		{int(abi.SysWrite), []uint64{1, 0x1, 5}, "write(1, 0x1, 5)                        = -1 EFAULT (Bad address)"},
		{int(abi.SysWrite), []uint64{1, 0, 5}, "write(1, NULL, 5)                       = -1 EFAULT (Bad address)"},
		{int(abi.SysWrite), []uint64{7, 0, 5}, "write(7, NULL, 5)                       = -1 EBADF (Bad file descriptor)"},
		{int(abi.SysUname), []uint64{0x1}, "uname(0x1)                              = -1 EFAULT (Bad address)"},
		{41, []uint64{0x10, 0}, "socket(0x10, 0)                         = -1 ENOSYS (Function not implemented)"},
		{2, []uint64{0x10, 0}, "open(0x10, O_RDONLY)                    = -1 EFAULT (Bad address)"},
		{1000, nil, "syscall_0x3e8(0, 0, 0, 0, 0, 0)         = -1 ENOSYS (Function not implemented)"},
		{-1, nil, "syscall_0xffffffffffffffff(0, 0, 0, 0, 0, 0) = -1 ENOSYS (Function not implemented)"},
		// access_ok: a range past TASK_SIZE_MAX faults before anything is read.
		// (strace still shows the first 32 bytes, which are readable.)
		{int(abi.SysWrite), []uint64{1, 0x7fffffffe000, 99999999999}, `write(1, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"..., 99999999999) = -1 EFAULT (Bad address)`},
		{int(abi.SysWrite), []uint64{1, 0x7fffffffe000, ^uint64(0)}, `write(1, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"..., 18446744073709551615) = -1 EFAULT (Bad address)`},
	}
	for _, c := range cases {
		rec, _, err := k.SyscallAs(1, c.nr, c.args...)
		if err != nil || rec.String() != c.want {
			t.Errorf("nr %d: got %q, want %q (%v)", c.nr, rec.String(), c.want, err)
		}
	}
}

func TestUnameFillsTheCallersBuffer(t *testing.T) {
	k, _ := boot(t, Config{})
	addr, _ := k.PushUserData(1, make([]byte, 6*65))
	rec, _, _ := k.SyscallAs(1, int(abi.SysUname), addr)
	if rec.String() != `uname({sysname="Linux", nodename="kplay", ...}) = 0` {
		t.Fatalf("%q", rec.String())
	}
	b, _ := k.ReadUser(1, addr+2*65, 11)
	if string(b) != "6.6.0-kplay" {
		t.Fatalf("release field %q", b)
	}
}

func TestStepSwitchStopsAtTheNextSwitch(t *testing.T) {
	k, _ := boot(t, Config{})
	res := k.Run(Stop{Until: EvSwitch})
	if res.Reason != StopEvent || len(res.Hits) != 1 {
		t.Fatalf("run %+v", res)
	}
	sw := res.Hits[0].Switch
	// The idle machine's next switch is the vmstat kworker waking at the
	// next whole second of jiffies.
	if sw.Prev.Comm != "swapper/0" || sw.Next.Comm != "kworker/0:0" {
		t.Fatalf("switch %+v", sw)
	}
	if st := k.Status(); st.Current.Comm != "kworker/0:0" {
		t.Fatalf("parked in %s, want the task switched to", st.Current.Comm)
	}
	res = k.Run(Stop{Until: EvSwitch})
	if sw := res.Hits[0].Switch; sw.Prev.Comm != "kworker/0:0" || sw.PrevState != "S" || sw.Next.PID != 0 {
		t.Fatalf("second switch %+v", sw)
	}
}

func TestRunSkipsTicksWhileIdle(t *testing.T) {
	k, _ := boot(t, Config{})
	j0 := k.Jiffies()
	res := k.Run(Stop{For: 5_000_000_000})
	if res.Reason != StopBudget {
		t.Fatalf("reason %s", res.Reason)
	}
	if got := k.Jiffies() - j0; got != 500 {
		t.Fatalf("5 s at HZ=100 moved jiffies by %d", got)
	}
	st := k.Status()
	if st.UptimeNs != 5_000_000_000 {
		t.Fatalf("uptime %d", st.UptimeNs)
	}
	// vmstat wakes the CPU about once a second: a handful of real ticks,
	// the rest skipped.
	if st.NOHZ.TicksSkipped < 490 || st.NOHZ.IdleSleeps < 4 {
		t.Fatalf("nohz %+v", st.NOHZ)
	}
	irqs, _ := k.IRQs(false)
	if irqs[0].IRQ != 0 || irqs[0].Count < 4 || irqs[0].Count > 6 {
		t.Fatalf("timer irqs %+v", irqs[0])
	}
}

func TestIRQWithoutHandlerIsCountedAndReported(t *testing.T) {
	k, _ := boot(t, Config{})
	k.RaiseIRQ(5)
	k.Run(Stop{})
	irqs, _ := k.IRQs(false)
	found := false
	for _, d := range irqs {
		if d.IRQ == 5 && d.Count == 1 && len(d.Actions) == 0 {
			found = true
		}
	}
	if !found {
		t.Fatalf("irq 5 not counted: %+v", irqs)
	}
	d := k.Dmesg()
	if last := d[len(d)-1].Text; last != "unexpected IRQ trap at vector 05" {
		t.Fatalf("dmesg %q", last)
	}
}

func TestDemoHandlerRunsTopAndBottomHalf(t *testing.T) {
	k, _ := boot(t, Config{})
	if err := k.RequestDemoIRQ(5, "demo"); err != nil {
		t.Fatal(err)
	}
	if err := k.RequestDemoIRQ(0, "demo"); err == nil || !strings.Contains(err.Error(), "Flags mismatch irq 0") {
		t.Fatalf("sharing the timer: %v", err)
	}
	k.RaiseIRQ(5)
	k.Run(Stop{})
	var texts []string
	for _, r := range k.Dmesg() {
		texts = append(texts, r.Text)
	}
	all := strings.Join(texts, "\n")
	if !strings.Contains(all, "demo: irq 5 handled (1 so far)\ndemo: tasklet ran (bottom half of irq 5)") {
		t.Fatalf("dmesg:\n%s", all)
	}
	if si := k.Softirqs(); si[6].Name != "TASKLET" || si[6].Count != 1 {
		t.Fatalf("softirqs %+v", si)
	}
	if err := k.FreeDemoIRQ(5, "demo"); err != nil {
		t.Fatal(err)
	}
	if err := k.FreeDemoIRQ(5, "demo"); err == nil {
		t.Fatal("double free accepted")
	}
}

func TestDisabledIRQIsReplayedOnEnable(t *testing.T) {
	k, _ := boot(t, Config{})
	k.RequestDemoIRQ(7, "d")
	k.DisableIRQ(7)
	k.RaiseIRQ(7)
	k.Run(Stop{})
	if irqs, _ := k.IRQs(true); irqs[7].Count != 0 || !irqs[7].Replay {
		t.Fatalf("disabled line: %+v", irqs[7])
	}
	if resent, err := k.EnableIRQ(7); !resent || err != nil {
		t.Fatalf("enable: %v %v", resent, err)
	}
	k.Run(Stop{})
	if irqs, _ := k.IRQs(true); irqs[7].Count != 1 {
		t.Fatalf("replayed line: %+v", irqs[7])
	}
	if _, err := k.EnableIRQ(7); err == nil || !strings.Contains(err.Error(), "Unbalanced enable for IRQ 7") {
		t.Fatalf("unbalanced enable: %v", err)
	}
}

func TestOopsKillsOnlyTheFaultingThread(t *testing.T) {
	k, out := boot(t, Config{})
	for _, kind := range []string{"BUG", "EXCEPTION"} {
		if _, err := k.Provoke(kind); err != nil {
			t.Fatal(err)
		}
	}
	s := out.String()
	for _, want := range []string{
		"kernel BUG at kernel/lkdtm.go:",
		"invalid opcode: 0000 [#1]",
		"CPU: 0 PID: 6 Comm: lkdtm Not tainted 6.6.0-kplay #1",
		"Call Trace:\n",
		"BUG: kernel NULL pointer dereference, address: 0000000000000000",
		"Oops: 0000 [#2]",
		"CPU: 0 PID: 7 Comm: lkdtm Tainted: G      D" + strings.Repeat(" ", 11) + " 6.6.0-kplay #1",
		"---[ end trace 0000000000000000 ]---",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("oops output lacks %q", want)
		}
	}
	if halted, _ := k.Halted(); halted {
		t.Fatal("an Oops in a kthread halted the machine")
	}
	if _, ok := k.Task(6); ok {
		t.Fatal("the oopsed thread is still listed")
	}
	rec, _ := k.Syscall(int(abi.SysGetppid))
	if rec.Ret != 2 {
		t.Fatal("the kernel does not run on after an Oops")
	}
}

func TestKillingInitPanicsAndHalts(t *testing.T) {
	k, out := boot(t, Config{})
	rec, res, _ := k.SyscallAs(1, int(abi.SysExit), 3)
	if res.Reason != StopHalted || rec == nil || rec.String() != "exit(3)"+strings.Repeat(" ", 33)+"= ?" {
		t.Fatalf("res %+v rec %v", res, rec)
	}
	if !strings.Contains(out.String(), "Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000300") {
		t.Fatalf("output:\n%s", out.String())
	}
	if r := k.Run(Stop{For: 1e9}); r.Reason != StopHalted {
		t.Fatalf("a halted machine ran: %+v", r)
	}
}

func TestPanicOnOops(t *testing.T) {
	k, out := boot(t, Config{PanicOnOops: true})
	k.Provoke("BUG")
	if h, why := k.Halted(); !h || why != "Fatal exception" || !strings.Contains(out.String(), "Kernel panic - not syncing: Fatal exception") {
		t.Fatalf("halted %v %q", h, why)
	}
}

func TestShutdownLeaksNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	// Shut down from every place a thread can be parked: idle, after an
	// Oops, mid-step in another thread, in panic's loop, after init died.
	lastly := []func(k *Kernel){
		func(k *Kernel) {},
		func(k *Kernel) { k.Provoke("BUG") },
		func(k *Kernel) { k.Run(Stop{Until: EvSwitch}) },
		func(k *Kernel) { k.Queue(PathApp, int(abi.SysGetpid)); k.Run(Stop{Until: EvSwitch}) },
		func(k *Kernel) { k.Provoke("PANIC") },
		func(k *Kernel) { k.SyscallAs(1, int(abi.SysExit), 1) },
	}
	for _, f := range lastly {
		k, err := Boot(Config{})
		if err != nil {
			t.Fatal(err)
		}
		k.Syscall(int(abi.SysGetpid))
		f(k)
		k.Shutdown()
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines before, %d after five boots", before, n)
	}
}

func TestRealClockTicksInRealTime(t *testing.T) {
	if testing.Short() {
		t.Skip("real time")
	}
	k, _ := boot(t, Config{Clock: "real", HZ: 1000})
	j0 := k.Jiffies()
	res := k.Run(Stop{For: 50_000_000})
	if res.Reason != StopBudget {
		t.Fatalf("reason %s", res.Reason)
	}
	if d := k.Jiffies() - j0; d < 40 || d > 500 {
		t.Fatalf("50 ms at HZ=1000 moved jiffies by %d", d)
	}
	rec, _ := k.Syscall(int(abi.SysGetpid))
	if rec.Ret <= 0 {
		t.Fatalf("%v", rec)
	}
}

func TestBadConfigIsRefused(t *testing.T) {
	for _, c := range []Config{{Clock: "sundial"}, {HZ: 20000}, {HZ: -1}, {MemBytes: 1}} {
		if _, err := Boot(c); err == nil {
			t.Errorf("Boot(%+v) accepted", c)
		}
	}
}

func TestQueuedCallsKeepTheirStrings(t *testing.T) {
	k, out := boot(t, Config{})
	out.Reset()
	for _, s := range []string{"first\n", "second\n"} {
		k.ResetUserData(1)
		addr, _ := k.PushUserData(1, []byte(s))
		if _, err := k.Queue(PathTask, int(abi.SysWrite), 1, addr, uint64(len(s))); err != nil {
			t.Fatal(err)
		}
	}
	k.Run(Stop{})
	if out.String() != "first\nsecond\n" {
		t.Fatalf("queued writes printed %q", out.String())
	}
}

func TestApplicationPathSurvivesKsyscalldExiting(t *testing.T) {
	k, _ := boot(t, Config{})
	rec, _ := k.Syscall(int(abi.SysExit), 0)
	if rec == nil || !rec.NoReturn || rec.Task.Comm != "ksyscalld/0" {
		t.Fatalf("exit on the application path: %+v", rec)
	}
	rec, _ = k.Syscall(int(abi.SysGetpid))
	if rec == nil || rec.Task.Comm != "ksyscalld/1" || rec.Ret != int64(rec.Task.PID) {
		t.Fatalf("after the thread exited, a new one must serve: %+v", rec)
	}
}

func TestHZ300TicksAtTickNsec(t *testing.T) {
	k, _ := boot(t, Config{HZ: 300})
	j0 := k.Jiffies()
	k.Run(Stop{For: 1_000_000_000})
	// TICK_NSEC = 3333333 ns: one second is 300 whole ticks.
	if d := k.Jiffies() - j0; d != 300 {
		t.Fatalf("1 s at HZ=300 moved jiffies by %d", d)
	}
}

func TestStepIRQStopsAtOneInterrupt(t *testing.T) {
	k, _ := boot(t, Config{})
	k.RaiseIRQ(5)
	k.RaiseIRQ(6)
	res := k.Run(Stop{Until: EvIRQ})
	if len(res.Hits) != 1 || res.Hits[0].IRQ.IRQ != 5 {
		t.Fatalf("hits %+v", res.Hits)
	}
	if st := k.Status(); len(st.PendingIRQs) != 1 || st.PendingIRQs[0] != 6 {
		t.Fatalf("irq 6 must stay pending: %v", st.PendingIRQs)
	}
}

func TestQueuedAppCallsSurviveKsyscalldExiting(t *testing.T) {
	k, _ := boot(t, Config{})
	exit, _ := k.Queue(PathApp, int(abi.SysExit), 0)
	getpid, _ := k.Queue(PathApp, int(abi.SysGetpid))
	k.Run(Stop{For: 2_000_000_000})
	if !exit.Done || !getpid.Done || getpid.Record.Task.Comm != "ksyscalld/1" {
		t.Fatalf("exit %+v getpid %+v", exit.Record, getpid.Record)
	}
}

func TestRunWithDoneIsBounded(t *testing.T) {
	k, _ := boot(t, Config{})
	res := k.Run(Stop{Done: func() bool { return false }})
	if res.Reason != StopBudget || res.ElapsedNs != DefaultStepBudget {
		t.Fatalf("%+v", res)
	}
}

// TestTwoSleepersWakeInOrder: init sleeps 2 s on the task path while
// ksyscalld sleeps 1 s on the application path; both block in
// schedule_timeout on wheel timers (process_timeout) and wake in order.
func TestTwoSleepersWakeInOrder(t *testing.T) {
	k, _ := boot(t, Config{})
	long, _ := k.PushUserData(1, []byte{2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	short, _ := k.PushUserData(1, []byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	nanosleep := nr("nanosleep")
	a, _ := k.Queue(PathTask, nanosleep, long, 0)
	b, _ := k.Queue(PathApp, nanosleep, short, 0)
	k.Run(Stop{For: 100_000_000})
	var sleepers []string
	for _, tm := range k.timers.Timers() {
		if tm.Name == "process_timeout" {
			sleepers = append(sleepers, tm.Owner)
		}
	}
	if strings.Join(sleepers, " ") != "ksyscalld/0[5] init[1]" {
		t.Fatalf("the wheel must hold both sleepers, shortest first: %v", sleepers)
	}
	if ti, _ := k.Task(1); ti.State != "S" {
		t.Fatalf("init sleeping in nanosleep is %s", ti.State)
	}
	k.Run(Stop{Done: func() bool { return a.Done && b.Done }, For: 5_000_000_000})
	if !a.Done || !b.Done || a.Record.Ret != 0 || b.Record.Ret != 0 {
		t.Fatalf("sleeps did not complete: %+v %+v", a.Record, b.Record)
	}
	// 2.6's nanosleep sleeps timespec_to_jiffies + 1 ticks: 1.01 s, 2.01 s.
	var wake []string
	for _, e := range k.Events() {
		if e.Kind == EvSyscall && e.Syscall.Name == "nanosleep" {
			wake = append(wake, sprintf("%s@%d", e.Syscall.Task.Comm, e.TimeNs))
		}
	}
	if strings.Join(wake, " ") != "ksyscalld/0@1010000000 init@2010000000" {
		t.Fatalf("wake-ups %v, want ksyscalld at 1.01 s then init at 2.01 s", wake)
	}
}

func TestClocksAgreeWithUptimeAndTheVirtualEpoch(t *testing.T) {
	k, _ := boot(t, Config{})
	k.Run(Stop{For: 1_500_000_000})
	buf, _ := k.PushUserData(1, make([]byte, 16))
	for _, c := range []struct {
		id   uint64
		want string
	}{
		{0, "{tv_sec=1767225601, tv_nsec=500000000}"},
		{1, "{tv_sec=1, tv_nsec=500000000}"},
		{7, "{tv_sec=1, tv_nsec=500000000}"},
	} {
		rec, _, _ := k.SyscallAs(1, nr("clock_gettime"), c.id, buf)
		if rec.Ret != 0 || rec.ArgText[1] != c.want {
			t.Errorf("clock %d: %s", c.id, rec)
		}
	}
	rec, _, _ := k.SyscallAs(1, nr("clock_gettime"), 3, buf)
	if rec.Errno() != abi.EINVAL {
		t.Errorf("CLOCK_THREAD_CPUTIME_ID: %s", rec)
	}
}

func TestAlarmReturnsSecondsLeftAndFires(t *testing.T) {
	k, _ := boot(t, Config{})
	if rec, _, _ := k.SyscallAs(1, nr("alarm"), 3); rec.Ret != 0 {
		t.Fatalf("first alarm %d", rec.Ret)
	}
	k.Run(Stop{For: 1_000_000_000})
	if rec, _, _ := k.SyscallAs(1, nr("alarm"), 10); rec.Ret != 2 {
		t.Fatalf("alarm after 1 s of 3 returned %d, want 2", rec.Ret)
	}
	k.Run(Stop{For: 11_000_000_000})
	// init has no handler, so SIGALRM is ignored (SIGNAL_UNKILLABLE);
	// the timer's firing is logged.
	if !dmesgHas(k, "alarm: SIGALRM for init[1]") || k.initTsk.pendingSignals != 0 {
		t.Fatal("SIGALRM not sent when the alarm ran out, or queued on init")
	}
	pid, err := k.Spawn("syscall alarm 1; sleep 10s; exit 3", SpawnOptions{Name: "alarmed"})
	if err != nil {
		t.Fatal(err)
	}
	k.Run(Stop{For: 2_000_000_000})
	if _, alive := k.Task(pid); alive {
		t.Fatal("SIGALRM's default action must kill the process")
	}
}

func TestNanosleepIsNotCutShortByAnotherWakeup(t *testing.T) {
	k, _ := boot(t, Config{})
	ts, _ := k.PushUserData(1, []byte{3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	sleep, _ := k.Queue(PathTask, nr("nanosleep"), ts, 0)
	k.Run(Stop{For: 100_000_000})
	k.wakeUpProcess(k.initTsk) // a stray wakeup, as the console IRQ does
	k.Run(Stop{For: 100_000_000})
	if sleep.Done {
		t.Fatal("nanosleep returned after a stray wakeup")
	}
	k.Run(Stop{Done: func() bool { return sleep.Done }, For: 5_000_000_000})
	if !sleep.Done || k.clockNs() != 3_010_000_000 {
		t.Fatalf("done=%v at %d ns, want 3.01 s", sleep.Done, k.clockNs())
	}
}

func TestHugeSleepSaturates(t *testing.T) {
	k, _ := boot(t, Config{})
	ts, _ := k.PushUserData(1, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0})
	sleep, _ := k.Queue(PathTask, nr("nanosleep"), ts, 0)
	k.Run(Stop{For: 10_000_000_000})
	if sleep.Done {
		t.Fatal("nanosleep({INT64_MAX, 0}) returned at once")
	}
}

func TestEventRingKeepsTheLatestInOrder(t *testing.T) {
	k, _ := boot(t, Config{})
	for i := 0; i < 3*maxEvents; i++ {
		k.Syscall(int(abi.SysGetpid))
	}
	evs := k.Events()
	if len(evs) != maxEvents {
		t.Fatalf("%d events kept", len(evs))
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Seq != evs[i-1].Seq+1 {
			t.Fatalf("events out of order at %d: %d after %d", i, evs[i].Seq, evs[i-1].Seq)
		}
	}
	if evs[len(evs)-1].Seq != k.evSeq {
		t.Fatal("the newest event is missing")
	}
}

func dmesgHas(k *Kernel, text string) bool {
	for _, r := range k.Dmesg() {
		if strings.Contains(r.Text, text) {
			return true
		}
	}
	return false
}
