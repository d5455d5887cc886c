package sched

// Fair is the CFS class (kernel/sched/fair.c, as of Linux 6.5, before
// EEVDF): runnable entities sit in a red-black tree keyed by vruntime, the
// leftmost runs next, and vruntime advances by delta × NICE_0_LOAD / weight,
// so a task's share of the CPU is its weight over the total.
type Fair struct {
	tl          timeline
	curr        *Entity // cfs_rq->curr: running, and out of the tree
	nr          int     // cfs_rq->nr_running, curr included
	load        int64   // cfs_rq->load.weight, curr included
	MinVruntime int64   // cfs_rq->min_vruntime: never goes backwards

	// Buddies (cfs_rq->next, last, skip).
	next, last, skip *Entity

	// StartDebit places a new task one virtual slice after min_vruntime
	// (the START_DEBIT feature); GentleFairSleepers halves the credit of a
	// waking sleeper (GENTLE_FAIR_SLEEPERS). Both default to true.
	StartDebit, GentleFairSleepers bool
}

// NewFair returns an empty CFS class with Linux's default features.
func NewFair() *Fair {
	return &Fair{StartDebit: true, GentleFairSleepers: true}
}

// Name implements Class.
func (f *Fair) Name() string { return "fair" }

// NrRunning implements Class.
func (f *Fair) NrRunning() int { return f.nr }

// Load is the total weight of the runnable fair entities.
func (f *Fair) Load() int64 { return f.load }

// Leftmost is the first entity of the tree, or nil.
func (f *Fair) Leftmost() *Entity { return f.tl.first() }

// Timeline returns the queued entities in vruntime order; the running one
// is not in the tree.
func (f *Fair) Timeline() []*Entity {
	out := make([]*Entity, 0, f.tl.n)
	f.tl.walk(func(e *Entity) { out = append(out, e) })
	return out
}

// Curr is the running fair entity (cfs_rq->curr), or nil.
func (f *Fair) Curr() *Entity { return f.curr }

// calcDeltaFair is calc_delta_fair: delta scaled by NICE_0_LOAD / weight.
func calcDeltaFair(delta int64, e *Entity) int64 {
	if e.Weight != NiceZeroLoad {
		delta = calcDelta(delta, NiceZeroLoad, e.Weight, e.invWeight)
	}
	return delta
}

// period is __sched_period: sched_latency, stretched to min_granularity
// per task beyond sched_nr_latency tasks.
func (f *Fair) period(rq *RunQueue, nr int) int64 {
	if int64(nr) > rq.Tun.NrLatency() {
		return int64(nr) * rq.Tun.MinGranularityNs
	}
	return rq.Tun.LatencyNs
}

// Slice is sched_slice: e's share of the period, by weight, and at least
// min_granularity (BASE_SLICE).
func (f *Fair) Slice(rq *RunQueue, e *Entity) int64 {
	nr, load := f.nr, f.load
	if !e.onRQ {
		nr++
		load += e.Weight
	}
	slice := calcDelta(f.period(rq, nr), e.Weight, load, 0)
	return max(slice, rq.Tun.MinGranularityNs)
}

// vslice is sched_vslice: the slice in virtual time.
func (f *Fair) vslice(rq *RunQueue, e *Entity) int64 { return calcDeltaFair(f.Slice(rq, e), e) }

// UpdateCurr implements Class (update_curr).
func (f *Fair) UpdateCurr(rq *RunQueue, e *Entity) {
	delta := rq.Clock - e.ExecStart
	if delta <= 0 {
		return
	}
	e.ExecStart = rq.Clock
	e.SumExecRuntime += delta
	e.Vruntime += calcDeltaFair(delta, e)
	f.updateMinVruntime()
}

// updateMinVruntime is update_min_vruntime: the smaller of curr's and the
// leftmost's vruntime, but never less than before.
func (f *Fair) updateMinVruntime() {
	v := f.MinVruntime
	curr := f.curr
	if curr != nil {
		if curr.onRQ {
			v = curr.Vruntime
		} else {
			curr = nil
		}
	}
	if left := f.tl.first(); left != nil {
		if curr == nil || left.Vruntime-v < 0 {
			v = left.Vruntime
		}
	}
	if v-f.MinVruntime > 0 {
		f.MinVruntime = v
	}
}

// place is place_entity: a new task starts one vslice after min_vruntime
// (START_DEBIT), so forking cannot buy CPU time; a waking sleeper gets at
// most half a latency of credit (GENTLE_FAIR_SLEEPERS), and nobody gains
// by being placed backwards.
func (f *Fair) place(rq *RunQueue, e *Entity, initial bool) {
	v := f.MinVruntime
	if initial && f.StartDebit {
		v += f.vslice(rq, e)
	}
	if !initial {
		thresh := rq.Tun.LatencyNs
		if e.Policy == Idle {
			thresh = rq.Tun.MinGranularityNs
		}
		if f.GentleFairSleepers {
			thresh >>= 1
		}
		v -= thresh
	}
	if v-e.Vruntime > 0 {
		e.Vruntime = v
	}
}

// TaskFork is task_fork_fair: the child starts from its parent's vruntime
// (the running entity's) and is placed with START_DEBIT; the result is
// kept relative to min_vruntime until it is enqueued.
func (f *Fair) TaskFork(rq *RunQueue, e *Entity) {
	if f.curr != nil {
		f.UpdateCurr(rq, f.curr)
		e.Vruntime = f.curr.Vruntime
	}
	f.place(rq, e, true)
	e.Vruntime -= f.MinVruntime
}

// Enqueue implements Class (enqueue_entity).
func (f *Fair) Enqueue(rq *RunQueue, e *Entity, flags int) {
	renorm := flags&EnqueueWakeup == 0
	if f.curr != nil {
		f.UpdateCurr(rq, f.curr)
	}
	if renorm {
		e.Vruntime += f.MinVruntime
	}
	f.nr++
	f.load += e.Weight
	if flags&EnqueueWakeup != 0 {
		f.place(rq, e, false)
	}
	if e != f.curr {
		f.tl.insert(e)
	}
}

// Dequeue implements Class (dequeue_entity). An entity that does not go
// to sleep keeps its vruntime relative to min_vruntime, as for a move.
func (f *Fair) Dequeue(rq *RunQueue, e *Entity, flags int) {
	if f.curr != nil {
		f.UpdateCurr(rq, f.curr)
	}
	f.clearBuddies(e)
	if e != f.curr {
		f.tl.remove(e)
	}
	f.nr--
	f.load -= e.Weight
	if flags&DequeueSleep == 0 {
		e.Vruntime -= f.MinVruntime
	}
	e.onRQ = false
	f.updateMinVruntime()
}

func (f *Fair) clearBuddies(e *Entity) {
	if f.next == e {
		f.next = nil
	}
	if f.last == e {
		f.last = nil
	}
	if f.skip == e {
		f.skip = nil
	}
}

// PutPrev implements Class (put_prev_entity): a still runnable entity goes
// back into the tree.
func (f *Fair) PutPrev(rq *RunQueue, e *Entity) {
	if e.onRQ {
		f.UpdateCurr(rq, e)
		if e == f.curr {
			f.tl.insert(e)
		}
	}
	f.curr = nil
}

// SetNext takes e out of the tree to run it (set_next_entity).
func (f *Fair) SetNext(rq *RunQueue, e *Entity) {
	if e.onRQ && e != f.curr {
		f.tl.remove(e)
	}
	f.curr = e
	e.PrevSumExecRuntime = e.SumExecRuntime
}

// wakeupGran is wakeup_gran: the wakeup granularity in e's virtual time.
func wakeupGran(rq *RunQueue, e *Entity) int64 {
	return calcDeltaFair(rq.Tun.WakeupGranularity, e)
}

// wakeupPreemptEntity is wakeup_preempt_entity: 1 when curr has run more
// than a wakeup granularity of virtual time ahead of se, -1 when it is not
// ahead at all.
func wakeupPreemptEntity(rq *RunQueue, curr, se *Entity) int {
	vdiff := curr.Vruntime - se.Vruntime
	if vdiff <= 0 {
		return -1
	}
	if vdiff > wakeupGran(rq, se) {
		return 1
	}
	return 0
}

// pickEntity is pick_next_entity: the leftmost, unless it yielded (the skip
// buddy) and the second is within a wakeup granularity of it; a next or
// last buddy within the granularity wins.
func (f *Fair) pickEntity(rq *RunQueue) (*Entity, Pick) {
	left := f.tl.first()
	se, kind := left, PickLeftmost
	if f.skip != nil && f.skip == se {
		if second := f.tl.next(se); second != nil && wakeupPreemptEntity(rq, second, left) < 1 {
			se = second
			kind = PickYieldSkip
		}
	}
	if f.next != nil && wakeupPreemptEntity(rq, f.next, left) < 1 {
		se = f.next
		kind = PickNextBuddy
	} else if f.last != nil && wakeupPreemptEntity(rq, f.last, left) < 1 {
		se = f.last
		kind = PickLastBuddy
	}
	f.clearBuddies(se)
	p := Pick{Kind: kind, Vruntime: se.Vruntime, Nr: f.nr}
	if kind != PickLeftmost {
		p.Runner, p.HasRunner = left.Vruntime, true
	} else if second := f.tl.next(left); second != nil {
		p.Runner, p.HasRunner = second.Vruntime, true
	}
	return se, p
}

// PickNext implements Class (pick_next_task_fair).
func (f *Fair) PickNext(rq *RunQueue) (*Entity, Pick) {
	if f.tl.n == 0 {
		return nil, Pick{}
	}
	se, why := f.pickEntity(rq)
	f.SetNext(rq, se)
	return se, why
}

// TaskTick implements Class (entity_tick + check_preempt_tick): preempt
// once the slice is used, or once curr is a slice of virtual time ahead of
// the leftmost.
func (f *Fair) TaskTick(rq *RunQueue, curr *Entity) bool {
	f.UpdateCurr(rq, curr)
	if f.nr <= 1 {
		return false
	}
	// Many light tasks can stretch a slice past the latency: cap it.
	ideal := min(f.Slice(rq, curr), rq.Tun.LatencyNs)
	delta := curr.SumExecRuntime - curr.PrevSumExecRuntime
	if delta > ideal {
		f.clearBuddies(curr)
		return true
	}
	if delta < rq.Tun.MinGranularityNs {
		return false
	}
	left := f.tl.first()
	if left == nil {
		return false
	}
	d := curr.Vruntime - left.Vruntime
	return d > ideal
}

// CheckPreempt implements Class (check_preempt_wakeup).
func (f *Fair) CheckPreempt(rq *RunQueue, p *Entity, wakeFlags int) bool {
	curr := rq.Curr
	if curr == p {
		return false
	}
	// SCHED_IDLE tasks are preempted by anything else.
	if curr.Policy == Idle && p.Policy != Idle {
		f.setLast(rq, curr)
		return true
	}
	// Batch and idle tasks do not preempt on wakeup: the tick does it.
	if p.Policy != Normal {
		return false
	}
	f.UpdateCurr(rq, curr)
	if wakeupPreemptEntity(rq, curr, p) == 1 {
		if p.Policy != Idle {
			f.next = p
		}
		f.setLast(rq, curr)
		return true
	}
	return false
}

// setLast marks the preempted entity as the last buddy once the queue is
// long enough for the latency to be scaled (LAST_BUDDY).
func (f *Fair) setLast(rq *RunQueue, curr *Entity) {
	if !curr.onRQ || int64(f.nr) < rq.Tun.NrLatency() {
		return
	}
	if curr.Policy != Idle {
		f.last = curr
	}
}

// Yield implements Class (yield_task_fair): the running entity becomes
// the skip buddy.
func (f *Fair) Yield(rq *RunQueue) {
	if rq.NrRunning() == 1 || f.curr == nil {
		return
	}
	f.clearBuddies(f.curr)
	if f.curr.Policy != Batch {
		f.UpdateCurr(rq, f.curr)
	}
	f.skip = f.curr
}

// RRInterval implements Class: a fair task's slice in whole ticks, as ns
// (get_rr_interval_fair; NS_TO_JIFFIES truncates, so a slice shorter
// than a tick reads 0).
func (f *Fair) RRInterval(rq *RunQueue, e *Entity) int64 {
	if f.load == 0 {
		return 0
	}
	tick := int64(1_000_000_000 / rq.HZ)
	return f.Slice(rq, e) / tick * tick
}
