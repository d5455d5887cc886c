package host

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestSemCountsUpsBeforeDowns(t *testing.T) {
	s := newSem(0)
	s.Up()
	s.Up()
	s.Down()
	s.Down() // both ups were banked; neither down blocks
	done := make(chan struct{})
	go func() { s.Down(); close(done) }()
	select {
	case <-done:
		t.Fatal("Down on a zero semaphore returned")
	case <-time.After(20 * time.Millisecond):
	}
	s.Up()
	<-done
}

func TestVirtualClockMovesOnlyInWait(t *testing.T) {
	v := NewVirtual(nil)
	if v.Time() != 0 {
		t.Fatalf("virtual clock starts at %d", v.Time())
	}
	if v.BootRealtime() != 1767225600*1e9 {
		t.Fatalf("virtual wall clock at boot %d, want 2026-01-01T00:00:00Z", v.BootRealtime())
	}
	if got := v.Wait(Forever); got != 0 {
		t.Fatalf("Wait(Forever) with nothing armed moved the clock to %d", got)
	}
	if got := v.Wait(5000); got != 5000 || v.Time() != 5000 {
		t.Fatalf("Wait(5000) = %d, Time = %d", got, v.Time())
	}
	if got := v.Wait(1000); got != 5000 {
		t.Fatalf("Wait into the past moved the clock back to %d", got)
	}
}

func TestVirtualTimersFireInExpiryOrderThenSetOrder(t *testing.T) {
	v := NewVirtual(nil)
	var fired []string
	mk := func(name string) *Timer { return v.TimerAlloc(func() { fired = append(fired, name) }) }
	a, b, c, d := mk("a"), mk("b"), mk("c"), mk("d")
	v.TimerSet(a, 300)
	v.TimerSet(b, 100)
	v.TimerSet(c, 100)
	v.TimerSet(d, 50)
	v.TimerSet(d, 400) // re-arming replaces the earlier expiry
	if v.NextTimer() != 100 {
		t.Fatalf("NextTimer = %d", v.NextTimer())
	}
	if now := v.Wait(Forever); now != 100 {
		t.Fatalf("Wait jumped to %d, want the first expiry 100", now)
	}
	if strings.Join(fired, ",") != "b,c" {
		t.Fatalf("fired %v at 100", fired)
	}
	if !v.TimerCancel(a) || v.TimerCancel(a) {
		t.Fatal("TimerCancel must report armed once")
	}
	v.Wait(1000)
	if strings.Join(fired, ",") != "b,c,d" {
		t.Fatalf("fired %v", fired)
	}
	if v.Time() != 400 {
		t.Fatalf("Wait(1000) should stop at the timer at 400, got %d", v.Time())
	}
}

func TestRealTimerKicksWait(t *testing.T) {
	r := NewReal(nil)
	fired := make(chan struct{}, 1)
	tm := r.TimerAlloc(func() { fired <- struct{}{} })
	r.TimerSet(tm, r.Time()+int64(time.Millisecond))
	start := r.Time()
	r.Wait(start + int64(10*time.Second))
	<-fired
	if el := time.Duration(r.Time() - start); el > 5*time.Second {
		t.Fatalf("Wait was not woken by the timer (%v)", el)
	}
	r.Kick()
	r.Wait(Forever) // a banked kick returns at once
}

func TestThreadSelfJoinAndHalt(t *testing.T) {
	var out bytes.Buffer
	v := NewVirtual(&out)
	if v.ThreadSelf() != nil {
		t.Fatal("the test goroutine is not a host thread")
	}
	var self *Thread
	th := v.ThreadCreate("worker", func() { self = v.ThreadSelf(); v.ThreadExit() })
	v.ThreadJoin(th)
	if self != th || self.Name != "worker" {
		t.Fatalf("ThreadSelf = %v", self)
	}
	v.Panic("Attempted to kill init! exitcode=0x00000009")
	halted, why := v.Halted()
	if !halted || !strings.Contains(why, "kill init") {
		t.Fatalf("Halted = %v %q", halted, why)
	}
	if out.String() != "---[ end Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000009 ]---\n" {
		t.Fatalf("panic printed %q", out.String())
	}
}

func TestMemAllocIsZeroedAndAccounted(t *testing.T) {
	v := NewVirtual(nil)
	b := v.MemAlloc(1 << 20)
	for _, x := range b[:4096] {
		if x != 0 {
			t.Fatal("MemAlloc not zeroed")
		}
	}
	if v.memBytes.Load() != 1<<20 {
		t.Fatalf("accounted %d", v.memBytes.Load())
	}
	v.MemFree(b)
	if v.memBytes.Load() != 0 {
		t.Fatalf("after free %d", v.memBytes.Load())
	}
}
