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

	// RT bandwidth (rt_bandwidth, sched_rt_runtime_us and
	// sched_rt_period_us): in each period the class may run RuntimeNs;
	// beyond it the class is throttled, and the fair tasks get the rest
	// of the period, until the period timer replenishes it. RuntimeNs < 0
	// is RUNTIME_INF: no limit.
	RuntimeNs, PeriodNs int64
	// RTTime is rt_rq->rt_time, the runtime used in this period;
	// Throttled is rt_rq->rt_throttled; Throttles counts how often it
	// happened.
	RTTime    int64
	Throttled bool
	Throttles uint64
	periodEnd int64
}

// Linux's defaults: 0.95 s of every second.
const (
	DefaultRTRuntimeNs = 950_000_000
	DefaultRTPeriodNs  = 1_000_000_000
)

func newRT() *RTClass {
	return &RTClass{RuntimeNs: DefaultRTRuntimeNs, PeriodNs: DefaultRTPeriodNs}
}

// PeriodEnd is when the current bandwidth period ends (the period timer's
// expiry), in run-queue clock ns; 0 before the class first ran.
func (r *RTClass) PeriodEnd() int64 { return r.periodEnd }

// replenish runs the period timer's work for every period that has ended
// by now (do_sched_rt_period_timer): each gives back one runtime, and the
// class is unthrottled once under its runtime. It reports whether it
// unthrottled the class.
func (r *RTClass) replenish(now int64) bool {
	if r.periodEnd == 0 || now < r.periodEnd {
		return false
	}
	overrun := (now-r.periodEnd)/r.PeriodNs + 1
	r.periodEnd += overrun * r.PeriodNs
	if r.RuntimeNs >= 0 {
		r.RTTime -= min(r.RTTime, overrun*r.RuntimeNs)
	} else {
		r.RTTime = 0
	}
	if r.Throttled && (r.RuntimeNs < 0 || r.RTTime < r.RuntimeNs) {
		r.Throttled = false
		return true
	}
	return false
}

// account charges delta of RT runtime (sched_rt_runtime_exceeded) and
// reports whether the class has just been throttled.
func (r *RTClass) account(now, delta int64) bool {
	if r.periodEnd == 0 {
		r.periodEnd = now + r.PeriodNs // the period timer starts
	}
	r.replenish(now)
	if r.RuntimeNs < 0 || r.RuntimeNs >= r.PeriodNs {
		return false
	}
	r.RTTime += delta
	if r.RTTime > r.RuntimeNs && !r.Throttled {
		r.Throttled = true
		r.Throttles++
		return true
	}
	return false
}

// SetBandwidth sets sched_rt_runtime_us and sched_rt_period_us (in ns);
// a runtime below zero means no limit.
func (r *RTClass) SetBandwidth(runtime, period int64) {
	r.RuntimeNs, r.PeriodNs = runtime, period
	if r.Throttled && (runtime < 0 || r.RTTime < runtime) {
		r.Throttled = false
	}
}

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
	if p < 0 || r.Throttled {
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
		r.account(rq.Clock, delta) // the next tick preempts a throttled task
	}
}

// TaskTick implements Class (task_tick_rt): an RR task whose slice runs
// out goes to the tail of its list, and is preempted if it is not alone
// there.
func (r *RTClass) TaskTick(rq *RunQueue, e *Entity) bool {
	r.UpdateCurr(rq, e)
	if r.Throttled {
		return true // throttled: the fair class gets the CPU
	}
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
