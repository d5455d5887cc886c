package sched

import (
	"math"
	"math/rand"
	"sort"
	"testing"
)

// checkRB verifies the red-black invariants of the left-leaning tree and
// returns its black height.
func checkRB(t *testing.T, h *rbNode, parentRed bool) int {
	t.Helper()
	if h == nil {
		return 1
	}
	if h.red && parentRed {
		t.Fatal("two red links in a row")
	}
	if isRed(h.right) {
		t.Fatal("a right-leaning red link")
	}
	if h.left != nil && !before(h.left.e, h.e) || h.right != nil && !before(h.e, h.right.e) {
		t.Fatal("order violated")
	}
	l, r := checkRB(t, h.left, h.red), checkRB(t, h.right, h.red)
	if l != r {
		t.Fatalf("black heights differ: %d vs %d", l, r)
	}
	if h.red {
		return l
	}
	return l + 1
}

// TestTimelineAgainstSortedList drives the tree and a sorted slice with the
// same random inserts and removes (many equal vruntimes) and compares
// order, leftmost and successor after every operation.
func TestTimelineAgainstSortedList(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	var tl timeline
	var model []*Entity
	for op := 0; op < 20000; op++ {
		if len(model) == 0 || r.Intn(3) > 0 && len(model) < 300 {
			e := &Entity{Vruntime: int64(r.Intn(50))}
			tl.insert(e)
			model = append(model, e)
			sort.SliceStable(model, func(i, j int) bool { return model[i].Vruntime < model[j].Vruntime })
		} else {
			i := r.Intn(len(model))
			tl.remove(model[i])
			model = append(model[:i], model[i+1:]...)
		}
		if op%97 == 0 {
			checkRB(t, tl.root, false)
		}
		if tl.n != len(model) {
			t.Fatalf("op %d: size %d, model %d", op, tl.n, len(model))
		}
		if len(model) > 0 && tl.first() != model[0] {
			t.Fatalf("op %d: leftmost differs", op)
		}
		if len(model) > 1 {
			i := r.Intn(len(model) - 1)
			if tl.next(model[i]) != model[i+1] {
				t.Fatalf("op %d: next of %d differs", op, i)
			}
		}
	}
	got := []*Entity{}
	tl.walk(func(e *Entity) { got = append(got, e) })
	for i := range got {
		if got[i] != model[i] {
			t.Fatalf("in-order walk differs at %d", i)
		}
	}
}

func TestWmultIsTheInverseOfWeight(t *testing.T) {
	for i, w := range PrioToWeight {
		want := uint32((1 << 32) / w)
		if d := int64(PrioToWmult[i]) - int64(want); d < -1 || d > 1 {
			t.Errorf("nice %d: wmult %d, 2^32/%d = %d", i-20, PrioToWmult[i], w, want)
		}
	}
	for i := 1; i < 40; i++ {
		if r := float64(PrioToWeight[i-1]) / float64(PrioToWeight[i]); r < 1.2 || r > 1.3 {
			t.Errorf("nice %d→%d: weight ratio %.3f, want ~1.25", i-21, i-20, r)
		}
	}
}

func TestCalcDeltaFairScalesByWeight(t *testing.T) {
	for _, nice := range []int{-20, -5, 0, 1, 5, 19} {
		e := &Entity{}
		rq := newTestRQ(t)
		rq.Init(e, Normal, nice, 0)
		got := calcDeltaFair(10_000_000, e)
		want := 10_000_000 * 1024 / float64(e.Weight)
		if math.Abs(float64(got)-want) > want*1e-6+1 {
			t.Errorf("nice %d: %d ns of vruntime for 10 ms, want %.0f", nice, got, want)
		}
	}
}

func newTestRQ(t *testing.T) *RunQueue {
	t.Helper()
	rq, err := NewRunQueue(100, &Entity{Owner: "idle"}, "cfs")
	if err != nil {
		t.Fatal(err)
	}
	return rq
}

// sim runs the run queue tick by tick, as the kernel's tick does, and
// returns CPU time per entity.
type sim struct {
	rq     *RunQueue
	now    int64
	tickNs int64
}

func (s *sim) spawn(name string, policy, nice, rtprio int) *Entity {
	e := &Entity{Owner: name}
	s.rq.Init(e, policy, nice, rtprio)
	s.rq.Update(s.now)
	if s.rq.WakeUpNew(e) {
		s.resched()
	}
	return e
}

func (s *sim) resched() *Entity {
	next, _ := s.rq.Schedule(s.rq.Curr)
	return next
}

func (s *sim) run(ns int64) {
	for end := s.now + ns; s.now < end; {
		s.now += s.tickNs
		s.rq.Update(s.now)
		if s.rq.Tick() {
			s.resched()
		}
	}
}

func newSim(t *testing.T) *sim {
	s := &sim{rq: newTestRQ(t), tickNs: 10_000_000}
	return s
}

func TestCFSSharesFollowWeights(t *testing.T) {
	s := newSim(t)
	a := s.spawn("a", Normal, 0, 0)
	b := s.spawn("b", Normal, 5, 0)
	s.resched()
	s.run(60e9)
	got := float64(a.SumExecRuntime) / float64(b.SumExecRuntime)
	want := 1024.0 / 335
	if math.Abs(got-want)/want > 0.02 {
		t.Fatalf("nice 0 : nice 5 = %.3f, want %.3f ± 2%%", got, want)
	}
	s = newSim(t)
	es := []*Entity{s.spawn("a", Normal, 0, 0), s.spawn("b", Normal, 0, 0), s.spawn("c", Normal, 0, 0)}
	s.resched()
	s.run(60e9)
	for _, e := range es {
		if share := float64(e.SumExecRuntime) / 60e9; math.Abs(share-1.0/3)*3 > 0.01 {
			t.Errorf("%s: share %.4f, want 1/3 ± 1%%", e.Owner, share)
		}
	}
}

func TestNewTaskIsPlacedAfterMinVruntime(t *testing.T) {
	s := newSim(t)
	a := s.spawn("a", Normal, 0, 0)
	s.resched()
	s.run(100e6)
	f := s.rq.Fair.(*Fair)
	b := s.spawn("b", Normal, 0, 0)
	// START_DEBIT: one vslice (the 6 ms period split over two) after a.
	if want := a.Vruntime + calcDelta(6_000_000, 1024, 2048, 0); b.Vruntime != want {
		t.Fatalf("child vruntime %d, want %d (min_vruntime %d + vslice)", b.Vruntime, want, f.MinVruntime)
	}
}

func TestWokenSleeperPreemptsHog(t *testing.T) {
	s := newSim(t)
	hog := s.spawn("hog", Normal, 0, 0)
	s.run(10e6)
	sl := s.spawn("sleeper", Normal, 0, 0)
	if s.rq.Curr != hog {
		t.Fatalf("running %v", s.rq.Curr.Owner)
	}
	s.rq.Dequeue(sl, DequeueSleep)
	s.run(1e9)
	s.rq.Update(s.now + 1)
	if !s.rq.Enqueue(sl, EnqueueWakeup) {
		t.Fatal("a sleeper woken after 1 s must preempt the hog")
	}
	// It is credited half a latency below min_vruntime.
	if want := hog.Vruntime - 3_000_000; sl.Vruntime != want {
		t.Fatalf("sleeper vruntime %d, want %d", sl.Vruntime, want)
	}
	if next := s.resched(); next != sl {
		t.Fatalf("picked %v", next.Owner)
	}
}

func TestYieldLetsTheOtherRun(t *testing.T) {
	s := newSim(t)
	a := s.spawn("a", Normal, 0, 0)
	b := s.spawn("b", Normal, 0, 0)
	s.resched()
	first := s.rq.Curr
	s.rq.Yield()
	if next := s.resched(); next == first {
		t.Fatalf("yield picked %v again", next.Owner)
	}
	_, _ = a, b
}

func TestFIFORunsByPriorityThenArrival(t *testing.T) {
	s := newSim(t)
	// RT throttling would hand the fair task 50 ms a second; it has its
	// own test (kernel's TestRTThrottlingLeavesTheFairClassFivePercent).
	s.rq.RT.SetBandwidth(-1, DefaultRTPeriodNs)
	s.spawn("fair", Normal, -20, 0)
	if s.spawn("lo1", FIFO, 0, 10); s.rq.Curr.Owner != "lo1" {
		t.Fatal("an rt task preempts a fair one at once")
	}
	if s.spawn("hi", FIFO, 0, 50); s.rq.Curr.Owner != "hi" {
		t.Fatal("a better rt priority preempts at once")
	}
	if s.spawn("lo2", FIFO, 0, 10); s.rq.Curr.Owner != "hi" {
		t.Fatal("a worse rt priority does not preempt")
	}
	got := ""
	for i := 0; i < 4; i++ {
		e := s.rq.Curr
		got += e.Owner.(string) + " "
		s.run(1e9) // FIFO is never preempted by the tick
		if s.rq.Curr != e {
			t.Fatalf("%v lost the CPU to %v", e.Owner, s.rq.Curr.Owner)
		}
		if e.Owner != "fair" {
			s.rq.Dequeue(e, DequeueSleep)
			s.resched()
		}
	}
	if want := "hi lo1 lo2 fair "; got != want {
		t.Fatalf("run order %q, want %q", got, want)
	}
}

func TestRRRotatesEveryTimeslice(t *testing.T) {
	s := newSim(t)
	s.rq.SetRRTimeslice(30)
	a := s.spawn("a", RR, 0, 5)
	b := s.spawn("b", RR, 0, 5)
	s.resched()
	var runs []any
	for i := 0; i < 12; i++ {
		runs = append(runs, s.rq.Curr.Owner)
		s.run(10e6)
	}
	want := "aaabbbaaabbb"
	got := ""
	for _, r := range runs {
		got += r.(string)
	}
	if got != want {
		t.Fatalf("per-tick runner %s, want %s", got, want)
	}
	if s.rq.RT.RRInterval(s.rq, a) != 30e6 || s.rq.RT.RRInterval(s.rq, b) != 30e6 {
		t.Fatal("sched_rr_get_interval must report the 30 ms slice")
	}
}

func TestRTPreemptsFairAtOnce(t *testing.T) {
	s := newSim(t)
	s.spawn("fair", Normal, -20, 0)
	s.resched()
	if !s.rq.WakeUpNew(func() *Entity { e := &Entity{Owner: "rt"}; s.rq.Init(e, FIFO, 0, 1); return e }()) {
		t.Fatal("a new rt task must preempt a fair one")
	}
}

func TestRRTimesliceSysctlRoundsToTicks(t *testing.T) {
	rq := newTestRQ(t)
	if rq.Tun.RRTimesliceMs != 100 || rq.RRTimesliceTicks() != 10 {
		t.Fatalf("default %d ms, %d ticks", rq.Tun.RRTimesliceMs, rq.RRTimesliceTicks())
	}
	rq.SetRRTimeslice(25)
	if rq.RRTimesliceTicks() != 3 {
		t.Fatalf("25 ms at HZ=100 is %d ticks, want 3", rq.RRTimesliceTicks())
	}
	rq.SetRRTimeslice(0)
	if rq.Tun.RRTimesliceMs != 100 {
		t.Fatal("0 restores the default")
	}
	rq300, _ := NewRunQueue(300, &Entity{}, "cfs")
	if rq300.Tun.RRTimesliceMs != 90 {
		t.Fatalf("HZ=300: %d ms, Linux shows 90", rq300.Tun.RRTimesliceMs)
	}
}

func TestSetSchedulerMovesBetweenClasses(t *testing.T) {
	s := newSim(t)
	a := s.spawn("a", Normal, 0, 0)
	b := s.spawn("b", Normal, 0, 0)
	s.resched()
	other := b
	if s.rq.Curr == b {
		other = a
	}
	if !s.rq.SetScheduler(other, FIFO, 0, 10) {
		t.Fatal("making a queued task rt must preempt the fair one")
	}
	if next := s.resched(); next != other || other.Prio != 89 || other.Class().Name() != "rt" {
		t.Fatalf("next %v prio %d class %s", next.Owner, other.Prio, other.Class().Name())
	}
	if !s.rq.SetScheduler(other, Normal, 0, 0) {
		t.Fatal("dropping the running task to fair must reschedule")
	}
	s.resched()
	s.run(1e9)
	if s.rq.Fair.NrRunning() != 2 || s.rq.RT.NrRunning() != 0 {
		t.Fatalf("fair %d rt %d", s.rq.Fair.NrRunning(), s.rq.RT.NrRunning())
	}
}

// sched_setparam with the same parameters does not move an RT task; a
// lowered priority puts it at the head of its new list.
func TestSetSchedulerKeepsAnUnchangedRTTasksPlace(t *testing.T) {
	s := newSim(t)
	a := s.spawn("a", FIFO, 0, 10)
	b := s.spawn("b", FIFO, 0, 10)
	s.resched()
	if s.rq.Curr != a || s.rq.SetScheduler(a, FIFO, 0, 10) || s.rq.RT.Queue(a.Prio)[0] != a {
		t.Fatalf("unchanged: queue %v", s.rq.RT.Queue(a.Prio))
	}
	c := s.spawn("c", FIFO, 0, 20)
	s.resched()
	// c drops to b's priority: it goes to the head, ahead of a and b.
	s.rq.SetScheduler(c, FIFO, 0, 10)
	if q := s.rq.RT.Queue(b.Prio); q[0] != c {
		t.Fatalf("lowered: queue %v, want c first", q)
	}
}
