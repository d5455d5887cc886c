package sched

// Entity is a task's scheduling state (struct sched_entity).
type Entity struct {
	// Owner is the task this entity belongs to.
	Owner any

	// SumExecRuntime is the CPU time the entity has used, in ns.
	SumExecRuntime int64
	// ExecStart is when the entity last got the CPU, in ns.
	ExecStart int64

	onRQ      bool
	timeslice int // ticks left (p->rt.time_slice)
}

// OnRQ reports whether the entity is on the run queue (p->on_rq).
func (e *Entity) OnRQ() bool { return e.onRQ }

// Timeslice is the number of ticks left in the entity's slice.
func (e *Entity) Timeslice() int { return e.timeslice }

// RunQueue is the one CPU's run queue (struct rq).
type RunQueue struct {
	// TimesliceTicks is the round-robin slice (RR_TIMESLICE, 100 ms).
	TimesliceTicks int

	queue []*Entity
	idle  *Entity
}

// NewRunQueue returns a run queue with a 100 ms slice at hz ticks a second.
func NewRunQueue(hz int, idle *Entity) *RunQueue {
	slice := 100 * hz / 1000
	if slice < 1 {
		slice = 1
	}
	return &RunQueue{TimesliceTicks: slice, idle: idle}
}

// NrRunning is the number of queued entities (rq->nr_running).
func (rq *RunQueue) NrRunning() int { return len(rq.queue) }

// Idle is the idle entity.
func (rq *RunQueue) Idle() *Entity { return rq.idle }

// Enqueue appends a runnable entity (enqueue_task). It reports whether the
// running entity curr should be preempted: only the idle entity is.
func (rq *RunQueue) Enqueue(e, curr *Entity) (preempt bool) {
	if e.onRQ || e == rq.idle {
		return false
	}
	e.onRQ = true
	if e.timeslice <= 0 {
		e.timeslice = rq.TimesliceTicks
	}
	rq.queue = append(rq.queue, e)
	return curr == rq.idle
}

// Dequeue removes an entity that stops being runnable (dequeue_task).
func (rq *RunQueue) Dequeue(e *Entity) {
	if !e.onRQ {
		return
	}
	e.onRQ = false
	for i, x := range rq.queue {
		if x == e {
			rq.queue = append(rq.queue[:i], rq.queue[i+1:]...)
			return
		}
	}
}

// PickNext returns the entity to run next (pick_next_task): the head of
// the queue, or idle.
func (rq *RunQueue) PickNext() *Entity {
	if len(rq.queue) == 0 {
		return rq.idle
	}
	return rq.queue[0]
}

// Tick charges one tick to the running entity (task_tick_rt) and reports
// whether it must be preempted.
func (rq *RunQueue) Tick(curr *Entity) (resched bool) {
	if curr == rq.idle || !curr.onRQ {
		return false
	}
	curr.timeslice--
	if curr.timeslice > 0 {
		return false
	}
	curr.timeslice = rq.TimesliceTicks
	return rq.requeue(curr)
}

// Yield moves the running entity behind every other runnable one
// (yield_task) and reports whether another entity now comes first.
func (rq *RunQueue) Yield(curr *Entity) bool {
	if curr == rq.idle || !curr.onRQ {
		return false
	}
	return rq.requeue(curr)
}

// requeue moves e to the tail; it reports whether e is no longer first.
func (rq *RunQueue) requeue(e *Entity) bool {
	if len(rq.queue) < 2 {
		return false
	}
	rq.Dequeue(e)
	e.onRQ = true
	rq.queue = append(rq.queue, e)
	return rq.queue[0] != e
}

// Queue returns the queued entities in run order.
func (rq *RunQueue) Queue() []*Entity { return append([]*Entity(nil), rq.queue...) }
