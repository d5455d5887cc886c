package repl

import (
	"strings"
	"testing"
)

// explain takes apart the last event printed; under the virtual clock every
// number below is exact.
func TestExplainLastEvent(t *testing.T) {
	cases := []struct {
		name  string
		lines []string
		want  string
	}{
		{"a CFS switch: the leftmost vruntime beats the runner-up",
			[]string{"spawn --name hog0 cpu-hog", "spawn --name hog5 --nice 5 cpu-hog", "step switch 2", "explain"}, `[    0.010000] switch hog5[7] (R) -> hog0[6]
  prev: hog5[7] stays runnable (state R), on the run queue; why it left the CPU:
        preempted: timeslice used up (tick)
  pick: __schedule asks the classes highest first, rt then fair then idle;
        rt had nothing runnable, so fair (CFS) chose, by pick_next_entity:
        hog0[6] is the leftmost of the red-black tree, the smallest vruntime,
        14.999994 ms, of the 2 runnable fair entities
        (the runner-up has 44.088129 ms: 29.088135 ms more)
  switch_to: up(hog0.sem) lets hog0's thread run; down(hog5.sem) parks hog5's
        until a switch back to it (LKL's semaphore hand-off)
see: runq, task 6, help switch_to, help cfs
`},
		{"an RT switch: the highest priority list",
			[]string{"spawn --name fair cpu-hog", "spawn --name rt --policy fifo --rtprio 50 cpu-hog", "step switch", "explain"}, `[    0.000000] switch swapper/0[0] (R) -> rt[7]
  prev: swapper/0[0], the idle task, had the CPU; why it gives it up:
        rt[7] is runnable and the CPU was idle
  pick: __schedule asks the classes highest first, rt then fair then idle;
        rt chose rt[7]: prio 49 (rt_priority 50 = 99 - prio) is the first set bit
        of its priority bitmap, and rt[7] heads that list of 1 (FIFO order;
        SCHED_RR moves a task to the tail when its timeslice ends)
  switch_to: up(rt.sem) lets rt's thread run; down(swapper/0.sem) parks swapper/0's
        until a switch back to it (LKL's semaphore hand-off)
see: runq, task 7, help switch_to, help rt
`},
		{"a timer 10 jiffies away sits in tv1",
			[]string{"timer add 100ms", "explain"}, `timer1 expires at jiffies 4294937306; the wheel's timer_jiffies is 4294937296
idx = expires - timer_jiffies = 10 jiffies
> tv1  idx < 2^8  = 256       bits 0-7   slot = expires & 255 = 218
  tv2  idx < 2^14 = 16384     bits 8-13  slot = (expires >> 8) & 63
  tv3  idx < 2^20 = 1048576   bits 14-19 slot = (expires >> 14) & 63
  tv4  idx < 2^26 = 67108864  bits 20-25 slot = (expires >> 20) & 63
  tv5  idx < 2^32             bits 26-31 slot = (expires >> 26) & 63
so internal_add_timer put timer1 in tv1 slot 218 (TVR_BITS 8, TVN_BITS 6).
At jiffies 4294937306 the TIMER softirq runs it from tv1 slot 218.
see: timers, timers -v, step cascade, help timer-wheel
`},
		{"a timer 20000 jiffies away sits in tv3 and cascades twice",
			[]string{"timer add 200s", "explain"}, `timer1 expires at jiffies 4294957296; the wheel's timer_jiffies is 4294937296
idx = expires - timer_jiffies = 20000 jiffies
  tv1  idx < 2^8  = 256       bits 0-7   slot = expires & 255
  tv2  idx < 2^14 = 16384     bits 8-13  slot = (expires >> 8) & 63
> tv3  idx < 2^20 = 1048576   bits 14-19 slot = (expires >> 14) & 63 = 63
  tv4  idx < 2^26 = 67108864  bits 20-25 slot = (expires >> 20) & 63
  tv5  idx < 2^32             bits 26-31 slot = (expires >> 26) & 63
so internal_add_timer put timer1 in tv3 slot 63 (TVR_BITS 8, TVN_BITS 6).
It comes down by cascades, each when the vectors below wrap to its slot:
  at jiffies 4294950912 tv3 slot 63 cascades: re-added to tv2 slot 24
  at jiffies 4294957056 tv2 slot 24 cascades: re-added to tv1 slot 240
At jiffies 4294957296 the TIMER softirq runs it from tv1 slot 240.
see: timers, timers -v, step cascade, help timer-wheel
`},
		{"a failed system call on the task path",
			[]string{`syscall open "/nonexistent" 0`, "explain"}, `[    0.000000] syscall open("/nonexistent", O_RDONLY) = -1 ENOENT (No such file or directory) by init[1] on the task path
  task path: init[1] held the CPU and trapped in (syscall, entry_SYSCALL_64,
  do_syscall_64); the call ran in its process context as sys_call_table[2].
  It returned -2: ENOENT (No such file or directory); the C library returns -1
  and sets errno to ENOENT.
  ENOENT: a component of the path does not exist (the dentry lookup found a negative dentry)
see: strace, sysent, help syscall-paths
`},
		{"a system call on the application path",
			[]string{"syscall --app getpid", "explain"}, `[    0.000000] syscall getpid() = 5 by ksyscalld/0[5] on the app path
  application path: the caller, outside the kernel, queued the request and raised
  IRQ_SYSCALL (16); its handler woke ksyscalld/0[5], a kernel thread that ran
  the call in its own task context while the caller slept on a completion
  semaphore (LKL's lkl_syscall).
  It returned 5: success (a value from 0 up; -4095..-1 would be an -errno).
see: strace, sysent, help syscall-paths
`},
		{"an interrupt and its handler chain",
			[]string{"irq request 5 demo", "irq request 5 other", "irq raise 5", "step irq", "explain"}, `[    0.000000] irq 5 (demo) handled, interrupted swapper/0[0]
  do_IRQ ran on swapper/0[0]'s stack in hardirq context (chip kplay-pic);
  handle_irq_event called the line's 2 action(s) in the order request_irq added them:
    1. demo
    2. other
  handled: at least one handler returned IRQ_HANDLED (on a shared line, each
  handler checks whether its device raised it and returns IRQ_NONE if not).
  On irq_exit, the softirqs its handlers raised run (do_softirq): the bottom half.
see: irq list, softirqs, help softirq
`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, out := newSession(t)
			if got := run(t, s, out, c.lines...); got != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
}

// explain N counts back through the event ring: explain 1 is the last line
// events prints, explain 2 the one above it.
func TestExplainNCountsBackFromTheNewestEvent(t *testing.T) {
	s, out := newSession(t)
	run(t, s, out, "syscall --app getpid")
	two := strings.Split(run(t, s, out, "events 2"), "\n")
	newest := run(t, s, out, "explain")
	if got := run(t, s, out, "explain 1"); got != newest {
		t.Errorf("explain 1:\n%s\nexplain after events:\n%s", got, newest)
	}
	// Both headers start with the event's timestamp and kind.
	got := run(t, s, out, "explain 2")
	if len(two[0]) < 20 || !strings.HasPrefix(got, two[0][:20]) || got == newest {
		t.Errorf("explain 2:\n%s\nevents 2 begins %q", got, two[0])
	}
}

func TestExplainErrorsAreOneLine(t *testing.T) {
	s, _ := newSession(t)
	for line, want := range map[string]string{
		"explain":      "explain: nothing to explain yet: step, events, syscall or timer add prints an event first",
		"explain 0":    `explain: N must be a positive number, not "0"`,
		"explain x":    `explain: N must be a positive number, not "x"`,
		"explain 9999": "explain: there are only ",
	} {
		err := s.Exec(line)
		if err == nil || len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
			t.Errorf("%s: %v, want %q", line, err, want)
		}
	}
	// A reboot forgets what was printed: the events belonged to the old kernel.
	if err := s.Exec("syscall getpid"); err != nil {
		t.Fatal(err)
	}
	if err := s.Exec("reboot"); err != nil {
		t.Fatal(err)
	}
	if err := s.Exec("explain"); err == nil {
		t.Error("explain after reboot explained the old kernel's event")
	}
}
