package kernel

import (
	"strings"
	"testing"

	"kplay/kernel/abi"
)

func TestBreakpointsParkWhereTheyHit(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	spawn(t, k, "cpu-hog", SpawnOptions{Name: "hog"})
	sl := spawn(t, k, "forever { compute 2ms; sleep 20ms }", SpawnOptions{Name: "sl"})
	nr, _ := abi.SyscallNumber("nanosleep")
	bp, err := k.AddBreakpoint(Breakpoint{Kind: EvSyscall, Syscall: nr, PID: sl})
	if err != nil {
		t.Fatal(err)
	}
	res := k.Run(Stop{For: 1e9, Breakpoints: true})
	if res.Reason != StopBreakpoint || res.Breakpoint != bp.ID {
		t.Fatalf("run: %+v", res)
	}
	e := res.Hits[len(res.Hits)-1]
	if !e.Syscall.Entering || !strings.HasPrefix(e.Syscall.String(), "nanosleep({tv_sec=0, tv_nsec=20000000}, NULL <unfinished ...>") {
		t.Fatalf("hit %q", e.Syscall.String())
	}
	// Parked at the entry: the caller is on the CPU, in the call, not asleep.
	if cur := k.Current(); cur.PID != sl || frames(t, k, sl) != "__x64_sys_nanosleep <- do_syscall_64 <- entry_SYSCALL_64_after_hwframe" {
		t.Fatalf("current %+v, stack %s", cur, frames(t, k, sl))
	}
	// The next hit is the next call: the 20 ms sleep ends at the third
	// tick (2 jiffies + 1, at HZ=100), then 2 ms of compute, a loop
	// iteration and the syscall's cost.
	res = k.Run(Stop{For: 1e9, Breakpoints: true})
	if d := res.Hits[len(res.Hits)-1].TimeNs - e.TimeNs; res.Reason != StopBreakpoint || d < 30e6 || d > 30e6+1000 {
		t.Fatalf("second hit at %d, first at %d", res.Hits[len(res.Hits)-1].TimeNs, e.TimeNs)
	}
	// A run that does not honour breakpoints, and a deleted one, go past.
	if res := k.Run(Stop{For: 100e6}); res.Reason != StopBudget {
		t.Fatalf("plain run stopped: %+v", res)
	}
	if err := k.DeleteBreakpoint(bp.ID); err != nil {
		t.Fatal(err)
	}
	if err := k.DeleteBreakpoint(bp.ID); err == nil {
		t.Fatal("deleting twice must fail")
	}
	sw, _ := k.AddBreakpoint(Breakpoint{Kind: EvSwitch, Comm: "sl"})
	res = k.Run(Stop{For: 1e9, Breakpoints: true})
	h := res.Hits[len(res.Hits)-1].Switch
	if res.Breakpoint != sw.ID || (h.Prev.Comm != "sl" && h.Next.Comm != "sl") {
		t.Fatalf("switch hit %+v", h)
	}
	k.DeleteBreakpoint(sw.ID)
	tm, _ := k.AddBreakpoint(Breakpoint{Kind: EvTimer, Timer: "process_timeout"})
	res = k.Run(Stop{For: 1e9, Breakpoints: true})
	if res.Breakpoint != tm.ID || res.Hits[len(res.Hits)-1].Timer.Function != "process_timeout" {
		t.Fatalf("timer hit %+v", res)
	}
	k.DeleteBreakpoint(tm.ID)
	irqBP, _ := k.AddBreakpoint(Breakpoint{Kind: EvIRQ, IRQ: 0})
	res = k.Run(Stop{For: 1e9, Breakpoints: true})
	if res.Breakpoint != irqBP.ID || res.Hits[len(res.Hits)-1].IRQ.IRQ != 0 {
		t.Fatalf("irq hit %+v", res)
	}
	if bs := k.Breakpoints(); len(bs) != 1 || bs[0].Hits != 1 {
		t.Fatalf("breakpoints %+v", bs)
	}
}

func TestBreakOopsParksTheDyingTask(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	k.AddBreakpoint(Breakpoint{Kind: EvOops})
	res, err := k.Provoke("BUG")
	if err != nil || res.Reason != StopBreakpoint {
		t.Fatalf("%+v %v", res, err)
	}
	cur := k.Current()
	if cur.Comm != "lkdtm" || !strings.HasPrefix(frames(t, k, cur.PID), "lkdtm_BUG <- lkdtm_do_action") {
		t.Fatalf("parked in %+v: %s", cur, frames(t, k, cur.PID))
	}
	k.Run(Stop{For: 10e6})
	if _, ok := k.Task(cur.PID); ok {
		t.Fatal("the task must die once the machine runs on")
	}
}

func TestBadBreakpointsAreRefused(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	for _, b := range []Breakpoint{
		{Kind: "nope"}, {Kind: EvIRQ, IRQ: 32}, {Kind: EvIRQ, IRQ: -1}, {Kind: EvSyscall, Syscall: 100000}, {Kind: EvSwitch, PID: -3},
	} {
		if _, err := k.AddBreakpoint(b); err == nil {
			t.Errorf("%+v accepted", b)
		}
	}
}

// The ring reuses its payload slots; a step's hits must keep their own.
func TestStepHitsSurviveTheRingWrapping(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true, HZ: 1000})
	spawn(t, k, "cpu-hog", SpawnOptions{Name: "a"})
	spawn(t, k, "forever { compute 100us; yield }", SpawnOptions{Name: "b"})
	res := k.Run(Stop{Until: EvSwitch, Count: 3 * maxEvents})
	if len(res.Hits) != 3*maxEvents {
		t.Fatalf("%d hits", len(res.Hits))
	}
	for i, h := range res.Hits {
		if h.Switch == nil || h.Switch.Prev.PID == h.Switch.Next.PID {
			t.Fatalf("hit %d: %+v", i, h.Switch)
		}
		if i > 0 && (h.Seq <= res.Hits[i-1].Seq || h.Switch.Prev.PID != res.Hits[i-1].Switch.Next.PID) {
			t.Fatalf("hit %d (%+v) does not follow hit %d (%+v)", i, h.Switch, i-1, res.Hits[i-1].Switch)
		}
	}
}

// TestStepSwitchOntoABreakpointListsTheSwitchOnce: a step to the next
// switch that a switch breakpoint also stops lists that switch once.
func TestStepSwitchOntoABreakpointListsTheSwitchOnce(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	spawn(t, k, "cpu-hog", SpawnOptions{Name: "a"})
	spawn(t, k, "cpu-hog", SpawnOptions{Name: "b"})
	bp, err := k.AddBreakpoint(Breakpoint{Kind: EvSwitch})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		res := k.Run(Stop{Until: EvSwitch, Count: 1, Breakpoints: true})
		if res.Breakpoint != bp.ID || len(res.Hits) != 1 || res.Hits[0].Switch == nil {
			t.Fatalf("step %d: breakpoint %d, hits %+v", i, res.Breakpoint, res.Hits)
		}
	}
	// Two steps: the breakpoint stops the first, which is listed once.
	if res := k.Run(Stop{Until: EvSwitch, Count: 2, Breakpoints: true}); len(res.Hits) != 1 || res.Reason != StopBreakpoint {
		t.Fatalf("two steps: %+v", res)
	}
}
