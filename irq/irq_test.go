package irq

import (
	"errors"
	"reflect"
	"sync"
	"testing"
)

func counter(n *int, ret Return) Handler {
	return func(int, any) Return { *n++; return ret }
}

func TestSharedLineRunsEveryActionInRequestOrder(t *testing.T) {
	tb := NewTable("XT-PIC")
	var order []string
	mk := func(name string) Handler {
		return func(int, any) Return { order = append(order, name); return IRQHandled }
	}
	if err := tb.RequestIRQ(5, mk("eth0"), IRQFShared, "eth0", "dev-a"); err != nil {
		t.Fatal(err)
	}
	if err := tb.RequestIRQ(5, mk("snd"), IRQFShared, "snd", "dev-b"); err != nil {
		t.Fatal(err)
	}
	if got := tb.Handle(5); got != Handled {
		t.Fatalf("Handle = %v", got)
	}
	if !reflect.DeepEqual(order, []string{"eth0", "snd"}) {
		t.Fatalf("order %v", order)
	}
	info := tb.Info(false)
	if len(info) != 1 || info[0].Count != 1 || !reflect.DeepEqual(info[0].Actions, []string{"eth0", "snd"}) {
		t.Fatalf("info %+v", info)
	}
}

func TestRequestIRQRefusesUnsharedAndDuplicateDevID(t *testing.T) {
	tb := NewTable("XT-PIC")
	var n int
	if err := tb.RequestIRQ(0, counter(&n, IRQHandled), 0, "timer", nil); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		irq   int
		flags uint
		dev   any
		want  error
	}{
		{0, IRQFShared, "x", ErrBusy}, // the timer did not ask to share
		{32, 0, nil, ErrInvalid},      // beyond NR_IRQS
		{-1, 0, nil, ErrInvalid},
		{7, IRQFShared, nil, ErrInvalid}, // shared needs a dev_id
	}
	for _, c := range cases {
		if err := tb.RequestIRQ(c.irq, counter(&n, IRQHandled), c.flags, "demo", c.dev); !errors.Is(err, c.want) {
			t.Errorf("RequestIRQ(%d, %#x): %v, want %v", c.irq, c.flags, err, c.want)
		}
	}
	err := tb.RequestIRQ(0, counter(&n, IRQHandled), IRQFShared, "demo", "x")
	if want := "Flags mismatch irq 0. 00000080 (demo) vs. 00000000 (timer): line busy"; err == nil || err.Error() != want {
		t.Errorf("mismatch message %q, want %q", err, want)
	}
	tb.RequestIRQ(7, counter(&n, IRQHandled), IRQFShared, "a", "same")
	if err := tb.RequestIRQ(7, counter(&n, IRQHandled), IRQFShared, "b", "same"); !errors.Is(err, ErrBusy) {
		t.Errorf("duplicate dev_id: %v", err)
	}
}

func TestFreeIRQRemovesOnlyThatDevice(t *testing.T) {
	tb := NewTable("XT-PIC")
	var a, b int
	tb.RequestIRQ(9, counter(&a, IRQHandled), IRQFShared, "a", "a")
	tb.RequestIRQ(9, counter(&b, IRQHandled), IRQFShared, "b", "b")
	if err := tb.FreeIRQ(9, "a"); err != nil {
		t.Fatal(err)
	}
	if err := tb.FreeIRQ(9, "a"); !errors.Is(err, ErrNoEnt) || err.Error() != "Trying to free already-free IRQ 9: no such action" {
		t.Fatalf("second free: %v", err)
	}
	tb.Handle(9)
	if a != 0 || b != 1 {
		t.Fatalf("a=%d b=%d", a, b)
	}
}

func TestLineWithoutHandlerIsCountedAsBad(t *testing.T) {
	tb := NewTable("XT-PIC")
	if got := tb.Handle(5); got != Bad {
		t.Fatalf("Handle = %v", got)
	}
	if tb.ErrCount() != 0 {
		t.Fatalf("ERR = %d: handle_bad_irq does not touch irq_err_count", tb.ErrCount())
	}
	info := tb.Info(false)
	if len(info) != 1 || info[0].IRQ != 5 || info[0].Count != 1 {
		t.Fatalf("an unhandled line with a count must be listed: %+v", info)
	}
}

func TestUnclaimedInterruptIsUnhandled(t *testing.T) {
	tb := NewTable("XT-PIC")
	var n int
	tb.RequestIRQ(3, counter(&n, IRQNone), 0, "quiet", nil)
	if got := tb.Handle(3); got != Unhandled || tb.Info(false)[0].Unhandled != 1 {
		t.Fatalf("Handle = %v", got)
	}
}

func TestDisabledLineReplaysOnEnable(t *testing.T) {
	tb := NewTable("XT-PIC")
	var n int
	tb.RequestIRQ(4, counter(&n, IRQHandled), 0, "kcon0", nil)
	tb.Disable(4)
	tb.Disable(4) // nested
	if got := tb.Handle(4); got != Masked || n != 0 {
		t.Fatalf("disabled line ran: %v, n=%d", got, n)
	}
	if resent, err := tb.Enable(4); resent || err != nil {
		t.Fatalf("first enable of two: resent=%v err=%v", resent, err)
	}
	if resent, err := tb.Enable(4); !resent || err != nil {
		t.Fatalf("last enable must resend: %v %v", resent, err)
	}
	if tb.TakePending() != 1<<4 {
		t.Fatal("resend did not raise the line")
	}
	if _, err := tb.Enable(4); err == nil || err.Error() != "Unbalanced enable for IRQ 4: invalid argument" {
		t.Fatalf("unbalanced enable: %v", err)
	}
}

func TestRaiseIsSafeFromManyGoroutines(t *testing.T) {
	tb := NewTable("XT-PIC")
	var wg sync.WaitGroup
	for i := 0; i < NrIRQs; i++ {
		wg.Add(1)
		go func(i int) { defer wg.Done(); tb.Raise(i) }(i)
	}
	wg.Wait()
	tb.Raise(99) // ignored
	if got := tb.TakePending(); got != 1<<NrIRQs-1 {
		t.Fatalf("pending %#x", got)
	}
	if tb.Pending() != 0 {
		t.Fatal("TakePending did not clear")
	}
}

func TestSoftirqsRunInVectorOrder(t *testing.T) {
	s := NewSoftirqs()
	var order []string
	for _, nr := range []int{TimerSoftirq, RCUSoftirq, NetRxSoftirq} {
		nr := nr
		s.Open(nr, func() { order = append(order, SoftirqNames[nr]) })
	}
	s.Raise(RCUSoftirq)
	s.Raise(TimerSoftirq)
	s.Raise(NetRxSoftirq)
	if s.DoSoftirq() {
		t.Fatal("leftover")
	}
	if !reflect.DeepEqual(order, []string{"TIMER", "NET_RX", "RCU"}) {
		t.Fatalf("order %v", order)
	}
	if c := s.Counts(); c[TimerSoftirq] != 1 || c[HISoftirq] != 0 {
		t.Fatalf("counts %v", c)
	}
}

func TestSoftirqThatKeepsRaisingItselfIsHandedToKsoftirqd(t *testing.T) {
	s := NewSoftirqs()
	runs := 0
	s.Open(NetRxSoftirq, func() { runs++; s.Raise(NetRxSoftirq) })
	s.Raise(NetRxSoftirq)
	if !s.DoSoftirq() {
		t.Fatal("a self-raising softirq must be left for ksoftirqd")
	}
	if runs != MaxSoftirqRestart {
		t.Fatalf("runs %d, want %d", runs, MaxSoftirqRestart)
	}
	if s.Pending()&(1<<NetRxSoftirq) == 0 {
		t.Fatal("the vector must stay pending")
	}
}

func TestTaskletRunsOnceAndMayReschedule(t *testing.T) {
	s := NewSoftirqs()
	var tl *Tasklet
	tl = &Tasklet{Name: "demo", Func: func() {
		if tl.Runs == 1 {
			s.TaskletSchedule(tl) // reschedule from inside itself
		}
	}}
	s.TaskletSchedule(tl)
	s.TaskletSchedule(tl) // already scheduled: no second run
	s.DoSoftirq()
	if tl.Runs != 2 {
		t.Fatalf("runs %d, want 2 (once, then the reschedule)", tl.Runs)
	}
	hi := &Tasklet{Name: "hi", Func: func() {}}
	s.TaskletHiSchedule(hi)
	if s.Pending() != 1<<HISoftirq {
		t.Fatalf("pending %#x", s.Pending())
	}
	s.DoSoftirq()
	if hi.Runs != 1 {
		t.Fatal("hi tasklet did not run")
	}
}
