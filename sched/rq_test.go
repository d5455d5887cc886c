package sched

import (
	"math/rand"
	"testing"
)

func names(es []*Entity) string {
	s := ""
	for _, e := range es {
		s += e.Owner.(string)
	}
	return s
}

func TestWakeupPreemptsOnlyIdle(t *testing.T) {
	idle := &Entity{Owner: "i"}
	rq := NewRunQueue(100, idle)
	a, b := &Entity{Owner: "a"}, &Entity{Owner: "b"}
	if !rq.Enqueue(a, idle) {
		t.Fatal("a wakeup must preempt the idle task")
	}
	if rq.Enqueue(b, a) {
		t.Fatal("round robin does not preempt a running task on wakeup")
	}
	if rq.PickNext() != a || rq.NrRunning() != 2 {
		t.Fatalf("pick %v", rq.PickNext().Owner)
	}
	rq.Dequeue(a)
	rq.Dequeue(b)
	if rq.PickNext() != idle {
		t.Fatal("an empty queue runs idle")
	}
}

func TestTimesliceIs100msOfTicks(t *testing.T) {
	for hz, want := range map[int]int{100: 10, 250: 25, 1000: 100} {
		if got := NewRunQueue(hz, nil).TimesliceTicks; got != want {
			t.Errorf("HZ=%d: slice %d ticks, want %d", hz, got, want)
		}
	}
}

func TestTickRotatesAfterTheSliceIsUsed(t *testing.T) {
	idle := &Entity{Owner: "i"}
	rq := NewRunQueue(100, idle)
	a, b, c := &Entity{Owner: "a"}, &Entity{Owner: "b"}, &Entity{Owner: "c"}
	for _, e := range []*Entity{a, b, c} {
		rq.Enqueue(e, idle)
	}
	for i := 1; i < 10; i++ {
		if rq.Tick(a) {
			t.Fatalf("preempted after %d ticks", i)
		}
	}
	if !rq.Tick(a) {
		t.Fatal("not preempted after 10 ticks (100 ms at HZ=100)")
	}
	if names(rq.Queue()) != "bca" || a.Timeslice() != 10 {
		t.Fatalf("queue %s, slice %d", names(rq.Queue()), a.Timeslice())
	}
	if !rq.Yield(b) || names(rq.Queue()) != "cab" {
		t.Fatalf("after yield %s", names(rq.Queue()))
	}
}

func TestAloneTaskIsNeverPreempted(t *testing.T) {
	idle := &Entity{Owner: "i"}
	rq := NewRunQueue(100, idle)
	a := &Entity{Owner: "a"}
	rq.Enqueue(a, idle)
	for i := 0; i < 100; i++ {
		if rq.Tick(a) || rq.Yield(a) {
			t.Fatal("a lone task was asked to reschedule")
		}
	}
	if rq.Tick(idle) {
		t.Fatal("idle is never ticked off the CPU")
	}
}

// TestRoundRobinIsFair: with n always-runnable entities ticked for a long
// time, each runs within one slice of every other (the model: a FIFO).
func TestRoundRobinIsFair(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for round := 0; round < 20; round++ {
		n := 2 + rng.Intn(6)
		idle := &Entity{Owner: "i"}
		rq := NewRunQueue(100, idle)
		ran := map[*Entity]int{}
		for i := 0; i < n; i++ {
			rq.Enqueue(&Entity{Owner: string(rune('a' + i))}, idle)
		}
		ticks := rq.TimesliceTicks * n * (10 + rng.Intn(10))
		for i := 0; i < ticks; i++ {
			cur := rq.PickNext()
			ran[cur]++
			rq.Tick(cur)
		}
		for e, r := range ran {
			if r != ticks/n {
				t.Fatalf("round %d: %s ran %d of %d ticks with %d tasks", round, e.Owner, r, ticks, n)
			}
		}
	}
}
