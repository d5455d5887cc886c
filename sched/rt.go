package sched

import (
	"math/bits"
)

// RTClass is the real-time class (kernel/sched/rt.c): 100 FIFO lists, one
// per priority, and a bitmap of the non-empty ones, so picking the next
// task is a find-first-bit. SCHED_FIFO runs until it blocks or yields;
// SCHED_RR also rotates among its priority every sched_rr_timeslice. The
// running entity stays at the head of its list.
type RTClass struct {
	queue  [MaxRTPrio][]*Entity
	bitmap [2]uint64
	nr     int
}

func newRT() *RTClass { return &RTClass{} }

// Name implements Class.
func (r *RTClass) Name() string { return "rt" }

// NrRunning implements Class.
func (r *RTClass) NrRunning() int { return r.nr }

// Queue returns the entities queued at prio, in run order.
func (r *RTClass) Queue(prio int) []*Entity { return append([]*Entity(nil), r.queue[prio]...) }

// Bitmap is the priority bitmap: bit p is set when queue p is not empty.
func (r *RTClass) Bitmap() [2]uint64 { return r.bitmap }

func (r *RTClass) setBit(p int)   { r.bitmap[p/64] |= 1 << (p % 64) }
func (r *RTClass) clearBit(p int) { r.bitmap[p/64] &^= 1 << (p % 64) }

// first is sched_find_first_bit: the best priority with a queued entity,
// or -1.
func (r *RTClass) first() int {
	for i, w := range r.bitmap {
		if w != 0 {
			return i*64 + bits.TrailingZeros64(w)
		}
	}
	return -1
}

// Enqueue implements Class (enqueue_task_rt).
func (r *RTClass) Enqueue(rq *RunQueue, e *Entity, flags int) {
	q := r.queue[e.Prio]
	if flags&EnqueueHead != 0 {
		q = append([]*Entity{e}, q...)
	} else {
		q = append(q, e)
	}
	r.queue[e.Prio] = q
	r.setBit(e.Prio)
	r.nr++
}

// Dequeue implements Class (dequeue_task_rt).
func (r *RTClass) Dequeue(rq *RunQueue, e *Entity, flags int) {
	if e == rq.Curr {
		r.UpdateCurr(rq, e)
	}
	r.remove(e)
	r.nr--
}

func (r *RTClass) remove(e *Entity) {
	q := r.queue[e.Prio]
	for i, x := range q {
		if x == e {
			r.queue[e.Prio] = append(q[:i:i], q[i+1:]...)
			break
		}
	}
	if len(r.queue[e.Prio]) == 0 {
		r.clearBit(e.Prio)
	}
}

// requeue moves e to the tail of its list (requeue_task_rt).
func (r *RTClass) requeue(e *Entity) {
	r.remove(e)
	r.queue[e.Prio] = append(r.queue[e.Prio], e)
	r.setBit(e.Prio)
}

// Yield implements Class (yield_task_rt).
func (r *RTClass) Yield(rq *RunQueue) {
	if rq.Curr.onRQ {
		r.requeue(rq.Curr)
	}
}

// CheckPreempt implements Class (check_preempt_curr_rt): a strictly
// better priority preempts.
func (r *RTClass) CheckPreempt(rq *RunQueue, p *Entity, wakeFlags int) bool {
	return p.Prio < rq.Curr.Prio
}

// PickNext implements Class (pick_next_task_rt).
func (r *RTClass) PickNext(rq *RunQueue) (*Entity, Pick) {
	p := r.first()
	if p < 0 {
		return nil, Pick{}
	}
	e := r.queue[p][0]
	return e, Pick{Kind: PickRT, Prio: p, RTPriority: e.RTPriority, Nr: len(r.queue[p])}
}

// PutPrev implements Class: the entity keeps its place in its list.
func (r *RTClass) PutPrev(rq *RunQueue, e *Entity) { r.UpdateCurr(rq, e) }

// UpdateCurr implements Class (update_curr_rt).
func (r *RTClass) UpdateCurr(rq *RunQueue, e *Entity) {
	if delta := rq.Clock - e.ExecStart; delta > 0 {
		e.SumExecRuntime += delta
		e.ExecStart = rq.Clock
	}
}

// TaskTick implements Class (task_tick_rt): an RR task whose slice runs
// out goes to the tail of its list, and is preempted if it is not alone
// there.
func (r *RTClass) TaskTick(rq *RunQueue, e *Entity) bool {
	r.UpdateCurr(rq, e)
	if e.Policy != RR {
		return false
	}
	e.TimeSlice--
	if e.TimeSlice > 0 {
		return false
	}
	e.TimeSlice = rq.rrTicks
	if len(r.queue[e.Prio]) > 1 {
		r.requeue(e)
		return true
	}
	return false
}

// RRInterval implements Class: the RR slice, 0 for FIFO
// (get_rr_interval_rt).
func (r *RTClass) RRInterval(rq *RunQueue, e *Entity) int64 {
	if e.Policy != RR {
		return 0
	}
	return int64(rq.rrTicks) * int64(1_000_000_000/rq.HZ)
}

// idleClass runs swapper when nothing else is runnable (idle_sched_class).
type idleClass struct{}

func (*idleClass) Name() string                              { return "idle" }
func (*idleClass) Enqueue(*RunQueue, *Entity, int)           {}
func (*idleClass) Dequeue(*RunQueue, *Entity, int)           {}
func (*idleClass) Yield(*RunQueue)                           {}
func (*idleClass) CheckPreempt(*RunQueue, *Entity, int) bool { return true }
func (*idleClass) PutPrev(*RunQueue, *Entity)                {}
func (*idleClass) TaskTick(*RunQueue, *Entity) bool          { return false }
func (*idleClass) UpdateCurr(*RunQueue, *Entity)             {}
func (*idleClass) RRInterval(*RunQueue, *Entity) int64       { return 0 }
func (*idleClass) NrRunning() int                            { return 0 }
func (*idleClass) PickNext(rq *RunQueue) (*Entity, Pick) {
	return rq.IdleEntity, Pick{Kind: PickIdle}
}
