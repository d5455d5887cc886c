package kernel

import (
	"strings"
	"testing"
)

func frames(t *testing.T, k *Kernel, pid int) string {
	t.Helper()
	bt, err := k.Backtrace(pid)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(bt.Frames, " <- ")
}

func TestBacktraceShowsWhereTasksBlock(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	sl := spawn(t, k, "sleep 1s", SpawnOptions{})
	w := spawn(t, k, "fork { sleep 1s }; wait", SpawnOptions{})
	hog := spawn(t, k, "cpu-hog", SpawnOptions{})
	hog2 := spawn(t, k, "cpu-hog", SpawnOptions{})
	k.Run(Stop{For: 105e6})
	cases := map[int]string{
		sl: "__schedule <- schedule <- schedule_timeout <- do_nanosleep <- __x64_sys_nanosleep <- do_syscall_64 <- entry_SYSCALL_64_after_hwframe",
		w:  "__schedule <- schedule <- do_wait <- kernel_wait4 <- __x64_sys_wait4 <- do_syscall_64 <- entry_SYSCALL_64_after_hwframe",
		3:  "__schedule <- schedule <- smpboot_thread_fn <- kthread <- ret_from_fork <- ret_from_fork_asm",
		1:  "__schedule <- schedule <- schedule_timeout <- wait_woken <- n_tty_read <- tty_read <- vfs_read <- ksys_read <- __x64_sys_read <- do_syscall_64 <- entry_SYSCALL_64_after_hwframe",
	}
	for pid, want := range cases {
		if got := frames(t, k, pid); got != want {
			t.Errorf("bt %d:\n got %s\nwant %s", pid, got, want)
		}
	}
	// Of the two hogs one runs and one was preempted on its way to user mode.
	preempted := "__schedule <- schedule <- exit_to_user_mode_loop <- irqentry_exit_to_user_mode <- asm_sysvec_apic_timer_interrupt"
	a, b := frames(t, k, hog), frames(t, k, hog2)
	if (a == preempted) == (b == preempted) {
		t.Errorf("hogs: %q and %q: want exactly one preempted", a, b)
	}
	// The waiting parent sits on its wait_chldexit queue.
	var names []string
	for _, l := range k.Locks() {
		if len(l.Waiters) > 0 {
			names = append(names, sprintf("%s:%d", l.Name, l.Waiters[0].PID))
		}
	}
	if got := strings.Join(names, " "); !strings.Contains(got, sprintf("wait_chldexit of prog[%d]:%d", w, w)) {
		t.Errorf("locks with waiters: %s", got)
	}
}

func TestMutexTortureSleepsWaitersInFIFOOrder(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	if err := k.LockTortureStart("mutex_lock", 3, 25e6); err != nil {
		t.Fatal(err)
	}
	sawWaiters := false
	for i := 0; i < 40; i++ {
		k.Run(Stop{For: 7e6})
		for _, l := range k.Locks() {
			if l.Name != "torture_mutex" {
				continue
			}
			for _, w := range l.Waiters {
				sawWaiters = true
				if ti, _ := k.Task(w.PID); ti.State != "D" {
					t.Fatalf("mutex waiter %d in %s, want D", w.PID, ti.State)
				}
				if !strings.Contains(frames(t, k, w.PID), "schedule_preempt_disabled <- __mutex_lock <- mutex_lock <- torture_mutex_lock") {
					t.Fatalf("waiter's stack: %s", frames(t, k, w.PID))
				}
			}
			if l.Holder != nil && len(l.Waiters) > 0 && l.Waiters[0].PID == l.Holder.PID {
				t.Fatal("the holder waits on its own lock")
			}
		}
	}
	line, err := k.LockTortureStop()
	if err != nil || !strings.HasPrefix(line, "mutex_lock-torture: Writes:  Total: ") || !strings.Contains(line, "Fail: 0 \n") {
		t.Fatalf("stats %q %v", line, err)
	}
	if !sawWaiters {
		t.Fatal("a 25 ms hold with the tick preempting the holder must leave waiters")
	}
	for _, l := range k.Locks() {
		if l.Name == "torture_mutex" && l.Contended == 0 {
			t.Fatalf("no contention: %+v", l)
		}
	}
	// stop waits for the writers, as rmmod does: none is left, and the
	// line counts every acquisition.
	for _, ti := range k.Tasks() {
		if ti.Comm == "lock_torture_wr" {
			t.Fatalf("writer %d still there after stop", ti.PID)
		}
	}
	for _, l := range k.Locks() {
		if l.Name == "torture_mutex" && !strings.Contains(line, sprintf("Total: %d ", l.Acquired)) {
			t.Fatalf("final line %q, but the mutex was taken %d times", line, l.Acquired)
		}
	}
}

func TestSpinlockHolderIsNeverPreempted(t *testing.T) {
	for _, typ := range []string{"spin_lock", "spin_lock_irq"} {
		k, _ := boot(t, Config{Quiet: true})
		spawn(t, k, "cpu-hog", SpawnOptions{})
		if err := k.LockTortureStart(typ, 2, 25e6); err != nil {
			t.Fatal(err)
		}
		k.Run(Stop{For: 1e9})
		for _, e := range k.Events() {
			if e.Kind == EvSwitch && e.Switch.Prev.Comm == "lock_torture_wr" && e.Switch.PrevState == "R" &&
				!strings.HasPrefix(e.Switch.Why, "preempted at spin_unlock (preempt_enable): ") {
				t.Fatalf("%s: a holder was switched out: %+v", typ, e.Switch)
			}
		}
		line, _ := k.LockTortureStats()
		for _, l := range k.Locks() {
			if l.Name == "torture_spinlock" && (l.Contended != 0 || l.Acquired == 0) {
				t.Fatalf("%s: %+v (%s)", typ, l, line)
			}
		}
		if !strings.Contains(line, "Fail: 0") {
			t.Fatalf("%s: %s", typ, line)
		}
	}
}

func TestSpinLockIrqsaveHoldsTheTickOff(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	if err := k.LockTortureStart("spin_lock_irq", 1, 35e6); err != nil {
		t.Fatal(err)
	}
	k.Run(Stop{For: 500e6})
	late := false
	for _, e := range k.Events() {
		if e.Kind == EvTick && e.Tick.Ticks > 1 && e.Tick.Skipped > 0 {
			late = true
		}
	}
	if !late {
		t.Fatal("a 35 ms irqsave section must delay the tick: some tick must advance jiffies by more than one")
	}
}

func TestSchedulingWithASpinlockHeldIsABug(t *testing.T) {
	k, out := boot(t, Config{Quiet: true})
	s := k.newSpinlock("test_lock")
	k.requestKthread("bad", func(self *Task) {
		k.spinLock(s)
		k.sleepNs(1e6, "sleeping with a spinlock")
	}, nil)
	k.Run(Stop{For: 50e6})
	if !strings.Contains(out.String(), "scheduling while atomic") {
		t.Fatalf("no BUG: %s", out.String())
	}
}

// A semaphore of count 1 lets one holder in; down sleeps in D, and
// down_interruptible is cut short by a fatal signal.
func TestSemaphoreDownUp(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	sem := k.newSemaphore("test_sem", 1)
	var order []string
	holder := func(name string, interruptible bool) func(*Task) {
		return func(self *Task) {
			if interruptible {
				if err := k.downInterruptible(sem); err != 0 {
					order = append(order, name+":EINTR")
					return
				}
			} else {
				k.down(sem)
			}
			order = append(order, name+":in")
			k.sleepNs(20e6, "holding the semaphore")
			order = append(order, name+":out")
			k.up(sem)
		}
	}
	k.requestKthread("a", holder("a", false), nil)
	k.requestKthread("b", holder("b", false), nil)
	k.Run(Stop{For: 5e6})
	first, second := "", ""
	for _, l := range k.Locks() {
		if l.Name != "test_sem" {
			continue
		}
		if l.Holder == nil || len(l.Waiters) != 1 || l.Holder.Comm == l.Waiters[0].Comm {
			t.Fatalf("one holds it, the other waits: %+v", l)
		}
		first, second = l.Holder.Comm, l.Waiters[0].Comm
	}
	if ti := findComm(k, second); ti.State != "D" {
		t.Fatalf("%s waits in %s, want D", second, ti.State)
	}
	k.Run(Stop{For: 100e6})
	if got, want := strings.Join(order, " "), first+":in "+first+":out "+second+":in "+second+":out"; got != want {
		t.Fatalf("order %s", got)
	}
	if sem.count != 1 || sem.contended != 1 || sem.acquired != 2 {
		t.Fatalf("count %d contended %d acquired %d", sem.count, sem.contended, sem.acquired)
	}
}

func findComm(k *Kernel, comm string) TaskInfo {
	for _, ti := range k.Tasks() {
		if ti.Comm == comm {
			return ti
		}
	}
	return TaskInfo{}
}
