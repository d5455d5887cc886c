package kernel

import (
	"strings"
	"testing"

	"kplay/sched"
)

// traceRun boots, turns tracing on, spawns the programs and runs for ns.
func traceRun(t *testing.T, ns int64, progs ...string) *Kernel {
	t.Helper()
	k, _ := boot(t, Config{})
	k.TraceOn()
	for _, p := range progs {
		spawn(t, k, p, SpawnOptions{})
	}
	k.Run(Stop{For: ns})
	return k
}

// traceLines returns the buffer's lines without the header.
func traceLines(k *Kernel) []string {
	var out []string
	for _, e := range k.Trace().Entries {
		out = append(out, e.String())
	}
	return out
}

func TestTraceHeaderIsFtracesForOneCPU(t *testing.T) {
	want := `# tracer: nop
#
# entries-in-buffer/entries-written: 3/7   #P:1
#
#                                _-----=> irqs-off/BH-disabled
#                               / _----=> need-resched
#                              | / _---=> hardirq/softirq
#                              || / _--=> preempt-depth
#                              ||| / _-=> migrate-disable
#                              |||| /     delay
#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
#              | |         |   |||||     |         |
`
	if got := TraceHeader(3, 7); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// Two hogs share the CPU by the tick while a third program sleeps 10 ms:
// the lines are Linux 6.6's, byte for byte.
func TestTraceLinesHaveLinuxFormats(t *testing.T) {
	k := traceRun(t, 30_000_000, "cpu-hog", "cpu-hog", "sleep 10ms")
	want := []string{
		`          <idle>-0       [000] .....     0.000000: sched_process_fork: comm=init pid=1 child_comm=cpu-hog child_pid=6`,
		`          <idle>-0       [000] d..2.     0.000000: sched_wakeup_new: comm=cpu-hog pid=6 prio=120 target_cpu=000`,
		`          <idle>-0       [000] .N...     0.000000: sched_process_fork: comm=init pid=1 child_comm=cpu-hog child_pid=7`,
		`          <idle>-0       [000] dN.2.     0.000000: sched_wakeup_new: comm=cpu-hog pid=7 prio=120 target_cpu=000`,
		`          <idle>-0       [000] .N...     0.000000: sched_process_fork: comm=init pid=1 child_comm=prog child_pid=8`,
		`          <idle>-0       [000] dN.2.     0.000000: sched_wakeup_new: comm=prog pid=8 prio=120 target_cpu=000`,
		`          <idle>-0       [000] d..2.     0.000000: sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=prog next_pid=8 next_prio=120`,
		`            prog-8       [000] d..2.     0.000000: sched_switch: prev_comm=prog prev_pid=8 prev_prio=120 prev_state=S ==> next_comm=cpu-hog next_pid=7 next_prio=120`,
		`         cpu-hog-7       [000] d.h..     0.010000: irq_handler_entry: irq=0 name=timer`,
		`         cpu-hog-7       [000] dNh..     0.010000: irq_handler_exit: irq=0 ret=handled`,
		`         cpu-hog-7       [000] .Ns..     0.010000: softirq_entry: vec=1 [action=TIMER]`,
		`         cpu-hog-7       [000] .Ns..     0.010000: softirq_exit: vec=1 [action=TIMER]`,
		`         cpu-hog-7       [000] d..2.     0.010000: sched_switch: prev_comm=cpu-hog prev_pid=7 prev_prio=120 prev_state=R ==> next_comm=cpu-hog next_pid=6 next_prio=120`,
		`         cpu-hog-6       [000] d.h..     0.020000: irq_handler_entry: irq=0 name=timer`,
		`         cpu-hog-6       [000] dNh..     0.020000: irq_handler_exit: irq=0 ret=handled`,
		`         cpu-hog-6       [000] .Ns..     0.020000: softirq_entry: vec=1 [action=TIMER]`,
		`         cpu-hog-6       [000] .Ns..     0.020000: timer_expire_entry: timer=0000000064b1d28b function=process_timeout now=4294937298 baseclk=4294937298`,
		`         cpu-hog-6       [000] dNs3.     0.020000: sched_wakeup: comm=prog pid=8 prio=120 target_cpu=000`,
		`         cpu-hog-6       [000] .Ns..     0.020000: timer_expire_exit: timer=0000000064b1d28b`,
		`         cpu-hog-6       [000] .Ns..     0.020000: softirq_exit: vec=1 [action=TIMER]`,
		`         cpu-hog-6       [000] d..2.     0.020000: sched_switch: prev_comm=cpu-hog prev_pid=6 prev_prio=120 prev_state=R ==> next_comm=prog next_pid=8 next_prio=120`,
		`            prog-8       [000] .....     0.020000: sched_process_exit: comm=prog pid=8 prio=120`,
		`            prog-8       [000] d..2.     0.020000: sched_switch: prev_comm=prog prev_pid=8 prev_prio=120 prev_state=X ==> next_comm=cpu-hog next_pid=7 next_prio=120`,
	}
	got := traceLines(k)
	if len(got) < len(want) {
		t.Fatalf("only %d lines:\n%s", len(got), strings.Join(got, "\n"))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}

// A parent forks and waits: fork, wakeup_new and wait come from process
// context, the child's exit wakes the parent, and a reaped zombie shows Z.
func TestTraceForkWaitExit(t *testing.T) {
	k, _ := boot(t, Config{})
	k.TraceOn()
	spawn(t, k, "fork { compute 1ms }; wait", SpawnOptions{Name: "parent"})
	k.Run(Stop{For: 10_000_000})
	text := strings.Join(traceLines(k), "\n")
	for _, want := range []string{
		"          parent-6       [000] .....     0.000000: sched_process_fork: comm=parent pid=6 child_comm=parent child_pid=7",
		"          parent-6       [000] .....     0.000000: sched_process_wait: comm=parent pid=0 prio=120",
		"          parent-7       [000] .....     0.001000: sched_process_exit: comm=parent pid=7 prio=120",
		"          parent-7       [000] dN.3.     0.001000: sched_wakeup: comm=parent pid=6 prio=120 target_cpu=000",
		"prev_comm=parent prev_pid=7 prev_prio=120 prev_state=Z ==> next_comm=parent next_pid=6 next_prio=120",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("trace lacks %q:\n%s", want, text)
		}
	}
}

func TestTraceSwitchStatesAndPriorities(t *testing.T) {
	k, _ := boot(t, Config{})
	k.TraceOn()
	k.traceSchedSwitch(k.kthrd, k.idle, true) // preempted in the kernel
	k.kthrd.State = TaskUninterruptible
	k.traceSchedSwitch(k.kthrd, k.idle, false)
	k.kthrd.State = TaskInterruptible
	got := traceLines(k)
	want := []string{
		"prev_comm=kthreadd prev_pid=2 prev_prio=120 prev_state=R+ ==> next_comm=swapper/0 next_pid=0 next_prio=120",
		"prev_comm=kthreadd prev_pid=2 prev_prio=120 prev_state=D ==> next_comm=swapper/0 next_pid=0 next_prio=120",
	}
	for i, w := range want {
		if !strings.HasSuffix(got[i], w) {
			t.Errorf("got %s\nwant ...%s", got[i], w)
		}
	}
	pid := spawn(t, k, "cpu-hog", SpawnOptions{Policy: sched.FIFO, RTPrio: 10}) // prio 99 - 10
	k.Run(Stop{For: 1_000_000})
	if text := k.TraceText(); !strings.Contains(text, sprintf("next_comm=cpu-hog next_pid=%d next_prio=89", pid)) {
		t.Errorf("rt task's prio:\n%s", text)
	}
}

func TestTraceFlags(t *testing.T) {
	cases := []struct {
		e    TraceEntry
		want string
	}{
		{TraceEntry{}, "....."},
		{TraceEntry{IRQsOff: true, PreemptDepth: 2}, "d..2."},
		{TraceEntry{NeedResched: true, SoftIRQ: true}, ".Ns.."},
		{TraceEntry{IRQsOff: true, HardIRQ: true, SoftIRQ: true, PreemptDepth: 20}, "d.Hf."},
	}
	for _, c := range cases {
		if got := c.e.Flags(); got != c.want {
			t.Errorf("%+v: got %q want %q", c.e, got, c.want)
		}
	}
}

func TestTraceOffStopsRecordingAndClearEmpties(t *testing.T) {
	k := traceRun(t, 50_000_000, "cpu-hog")
	n := len(k.Trace().Entries)
	if n == 0 {
		t.Fatal("nothing recorded")
	}
	k.TraceOff()
	k.Run(Stop{For: 50_000_000})
	if ti := k.Trace(); len(ti.Entries) != n || ti.Written != uint64(n) || ti.Enabled {
		t.Fatalf("recorded while off: %d -> %d entries, %d written", n, len(ti.Entries), ti.Written)
	}
	k.TraceClear()
	if ti := k.Trace(); len(ti.Entries) != 0 || ti.Written != 0 {
		t.Fatalf("after clear: %+v", ti)
	}
	if !strings.Contains(k.TraceText(), "# entries-in-buffer/entries-written: 0/0   #P:1\n") {
		t.Fatal(k.TraceText())
	}
}

func TestTraceRingKeepsTheNewestAndCountsWritten(t *testing.T) {
	k, _ := boot(t, Config{})
	k.tr.size = 8
	k.TraceOn()
	spawn(t, k, "cpu-hog", SpawnOptions{})
	spawn(t, k, "cpu-hog", SpawnOptions{})
	k.Run(Stop{For: 100_000_000})
	ti := k.Trace()
	if len(ti.Entries) != 8 || ti.Written <= 8 {
		t.Fatalf("%d in buffer, %d written", len(ti.Entries), ti.Written)
	}
	for i := 1; i < len(ti.Entries); i++ {
		if ti.Entries[i].TimeNs < ti.Entries[i-1].TimeNs {
			t.Fatalf("not oldest first at %d", i)
		}
	}
	if last := ti.Entries[7]; last.TimeNs < 90_000_000 {
		t.Fatalf("the newest entry was lost: last at %d ns", last.TimeNs)
	}
	if !strings.Contains(ti.Text(), sprintf("# entries-in-buffer/entries-written: 8/%d   #P:1\n", ti.Written)) {
		t.Fatal(ti.Text())
	}
}

func TestTraceIsDeterministic(t *testing.T) {
	a := traceRun(t, 200_000_000, "cpu-hog", "sleeper", "pingpong").TraceText()
	b := traceRun(t, 200_000_000, "cpu-hog", "sleeper", "pingpong").TraceText()
	if a != b {
		t.Fatal("two runs of the same programs traced differently")
	}
	if strings.Count(a, "\n") < 100 {
		t.Fatalf("too little traced:\n%s", a)
	}
}
