package kernel

import (
	"strings"
	"testing"
)

// The raw_syscalls lines are TP_printk's of include/trace/events/
// syscalls.h: "NR %ld (%lx, %lx, %lx, %lx, %lx, %lx)" and "NR %ld = %ld",
// recorded in process context with interrupts on and no lock held
// (.....). Only the enabled events are recorded; raw_syscalls is off at
// boot.
func TestRawSyscallsEventsHaveLinuxFormats(t *testing.T) {
	k, _ := boot(t, Config{})
	if _, err := k.SetTraceEvent("raw_syscalls", true); err != nil {
		t.Fatal(err)
	}
	if _, err := k.SetTraceEvent("sched", false); err != nil {
		t.Fatal(err)
	}
	k.TraceOn()
	spawn(t, k, `syscall write 1 "hi\n" 3; syscall write 99 "x" 1; syscall 1000; exit 2`, SpawnOptions{Name: "w"})
	k.Run(Stop{For: 1e6})
	want := []string{
		`               w-6       [000] .....     0.000000: sys_enter: NR 1 (1, 7fffffffeff8, 3, 0, 0, 0)`,
		`               w-6       [000] .....     0.000000: sys_exit: NR 1 = 3`,
		`               w-6       [000] .....     0.000000: sys_enter: NR 1 (63, 7fffffffeff8, 1, 0, 0, 0)`,
		`               w-6       [000] .....     0.000000: sys_exit: NR 1 = -9`,
		`               w-6       [000] .....     0.000000: sys_enter: NR 1000 (0, 0, 0, 0, 0, 0)`,
		`               w-6       [000] .....     0.000000: sys_exit: NR 1000 = -38`,
		`               w-6       [000] .....     0.000000: sys_enter: NR 231 (2, 0, 0, 0, 0, 0)`,
	}
	if got := traceLines(k); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestTraceEventsAreEnabledBySetEventsSyntax(t *testing.T) {
	k, _ := boot(t, Config{})
	// set_event lists the enabled events, one a line.
	enabled := func() string {
		s, err := k.ReadProc("/sys/kernel/tracing/set_event")
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(s), " ")
	}
	if got := enabled(); strings.Contains(got, "raw_syscalls") || !strings.Contains(got, "sched:sched_switch") {
		t.Fatalf("at boot: %s", got)
	}
	for _, c := range []struct {
		spec string
		on   bool
		want string
	}{
		{"all", false, ""},
		{"sys_enter", true, "raw_syscalls:sys_enter"},
		{"raw_syscalls:*", true, "raw_syscalls:sys_enter raw_syscalls:sys_exit"},
		{"*:sys_exit", false, "raw_syscalls:sys_enter"},
		{"irq:softirq_entry", true, "irq:softirq_entry raw_syscalls:sys_enter"},
		{"timer", true, "irq:softirq_entry timer:timer_expire_entry timer:timer_expire_exit raw_syscalls:sys_enter"},
	} {
		if _, err := k.SetTraceEvent(c.spec, c.on); err != nil {
			t.Fatalf("%s: %v", c.spec, err)
		}
		if got := enabled(); got != c.want {
			t.Fatalf("after %s %v: %s, want %s", c.spec, c.on, got, c.want)
		}
	}
	if s, _ := k.ReadProc("/sys/kernel/tracing/available_events"); !strings.HasSuffix(s, "\ntimer:timer_expire_exit\nraw_syscalls:sys_enter\nraw_syscalls:sys_exit\n") {
		t.Fatalf("available_events:\n%s", s)
	}
	if _, err := k.SetTraceEvent("sched:nosuch", true); err == nil || err.Error() != `no trace event "sched:nosuch" (want system:event, system, event or all; trace events lists them)` {
		t.Fatalf("bad event: %v", err)
	}
	// A disabled event records nothing while tracing is on.
	k.SetTraceEvent("all", false)
	k.TraceOn()
	spawn(t, k, "cpu-hog", SpawnOptions{})
	k.Run(Stop{For: 30e6})
	if ti := k.Trace(); ti.Written != 0 {
		t.Fatalf("%d entries with every event disabled", ti.Written)
	}
}
