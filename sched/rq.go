package sched

import (
	"fmt"
	"math/bits"
)

// Entity is a task's scheduling state: struct sched_entity (the fair
// class), struct sched_rt_entity (the rt class) and the priority fields of
// task_struct that choose between them.
type Entity struct {
	// Owner is the task this entity belongs to.
	Owner any

	Policy     int // SCHED_*
	Prio       int // effective priority (0-139, lower is more important)
	StaticPrio int // 120 + nice
	NormalPrio int // prio without priority inheritance
	RTPriority int // 1-99 for SCHED_FIFO and SCHED_RR, else 0

	// Weight is se.load.weight; invWeight its inverse (2^32 / weight).
	Weight    int64
	invWeight uint32

	Vruntime           int64 // ns of virtual time (fair)
	SumExecRuntime     int64 // ns on the CPU
	PrevSumExecRuntime int64 // SumExecRuntime when last picked
	ExecStart          int64 // rq clock when last accounted
	TimeSlice          int   // ticks left of an RR slice (rt.time_slice)

	// Schedstats (struct sched_info).
	RunDelay    int64  // ns spent runnable but waiting for the CPU
	Pcount      uint64 // times picked to run
	LastArrival int64  // rq clock when last picked
	lastQueued  int64

	class Class
	onRQ  bool
	rbSeq uint64 // insertion order, the tie-break in the timeline
}

// OnRQ reports whether the entity is runnable on the run queue (on_rq).
// The running entity is on the run queue too.
func (e *Entity) OnRQ() bool { return e.onRQ }

// Class is the entity's scheduling class.
func (e *Entity) Class() Class { return e.class }

// Nice is the entity's nice value.
func (e *Entity) Nice() int { return PrioToNice(e.StaticPrio) }

// Enqueue and dequeue flags.
const (
	EnqueueWakeup = 0x01 // ENQUEUE_WAKEUP: the task woke up (a sleeper)
	EnqueueHead   = 0x10 // ENQUEUE_HEAD: at the head of its rt list
	enqueueFork   = 0x40 // wake_up_new_task: placed by task_fork
	DequeueSleep  = 0x01 // DEQUEUE_SLEEP: the task blocks
	WFFork        = 0x04 // WF_FORK: check_preempt for a new task
)

// Class is a scheduling class (struct sched_class): the "abstract base
// class" of the course, with one implementation per policy family. The
// run queue asks its classes in order, highest first, for the next task.
type Class interface {
	// Name is the class's name: "stop", "rt", "fair", "idle".
	Name() string
	// Enqueue makes e runnable in this class (enqueue_task).
	Enqueue(rq *RunQueue, e *Entity, flags int)
	// Dequeue removes e (dequeue_task).
	Dequeue(rq *RunQueue, e *Entity, flags int)
	// Yield gives up the CPU for the running entity (yield_task).
	Yield(rq *RunQueue)
	// CheckPreempt reports whether p, of this class and just woken,
	// should preempt the running entity, also of this class
	// (check_preempt_curr).
	CheckPreempt(rq *RunQueue, p *Entity, wakeFlags int) bool
	// PickNext returns the entity to run and makes it current, or nil
	// when the class has nothing runnable (pick_next_task). The second
	// result says why it was chosen.
	PickNext(rq *RunQueue) (*Entity, Pick)
	// PutPrev takes the running entity off the CPU (put_prev_task).
	PutPrev(rq *RunQueue, e *Entity)
	// TaskTick charges a tick to the running entity and reports whether
	// it must be preempted (task_tick).
	TaskTick(rq *RunQueue, e *Entity) bool
	// UpdateCurr charges the time since ExecStart to the running entity
	// (update_curr).
	UpdateCurr(rq *RunQueue, e *Entity)
	// RRInterval is sched_rr_get_interval's answer for e, in ns.
	RRInterval(rq *RunQueue, e *Entity) int64
	// NrRunning is how many entities of the class are runnable.
	NrRunning() int
}

// Tunables are the scheduler's sysctls.
type Tunables struct {
	LatencyNs         int64 // sched_latency_ns (6 ms)
	MinGranularityNs  int64 // sched_min_granularity_ns (0.75 ms)
	WakeupGranularity int64 // sched_wakeup_granularity_ns (1 ms)
	RRTimesliceMs     int   // sched_rr_timeslice_ms (100 ms in ticks, as Linux rounds it)
}

// DefaultTunables are Linux's defaults for one CPU (no log2 scaling).
func DefaultTunables(hz int) Tunables {
	return Tunables{
		LatencyNs:         6_000_000,
		MinGranularityNs:  750_000,
		WakeupGranularity: 1_000_000,
		RRTimesliceMs:     (1000 / hz) * rrTimesliceTicks(hz),
	}
}

// NrLatency is sched_nr_latency, the number of tasks beyond which the
// period stretches: latency over min_granularity, rounded up as
// sched_update_scaling does.
func (t Tunables) NrLatency() int64 {
	return (t.LatencyNs + t.MinGranularityNs - 1) / t.MinGranularityNs
}

// rrTimesliceTicks is RR_TIMESLICE: 100 ms in jiffies.
func rrTimesliceTicks(hz int) int { return max(1, 100*hz/1000) }

// Schedulers are the choices of --sched: each builds the fair class of a
// run queue (the rt and idle classes are shared).
var Schedulers = map[string]func() Class{
	"cfs": func() Class { return NewFair() },
}

// RunQueue is the one CPU's run queue (struct rq).
type RunQueue struct {
	// Clock is the run queue's clock in ns (rq->clock); the kernel sets
	// it before each operation with Update.
	Clock int64
	// Curr is the running entity (rq->curr).
	Curr *Entity
	// IdleEntity is swapper's entity (rq->idle).
	IdleEntity *Entity
	// NrSwitches counts context switches (rq->nr_switches).
	NrSwitches uint64

	Tun Tunables
	HZ  int

	RT   *RTClass
	Fair Class
	idle idleClass

	classes []Class
	rrTicks int
}

// NewRunQueue returns a run queue whose idle entity is idle, at hz ticks a
// second, with the named scheduler ("cfs") as its fair class.
func NewRunQueue(hz int, idle *Entity, scheduler string) (*RunQueue, error) {
	mk, ok := Schedulers[scheduler]
	if !ok {
		return nil, fmt.Errorf("scheduler %q: want cfs", scheduler)
	}
	rq := &RunQueue{HZ: hz, IdleEntity: idle, Tun: DefaultTunables(hz), RT: newRT(), Fair: mk()}
	rq.rrTicks = rrTimesliceTicks(hz)
	rq.classes = []Class{rq.RT, rq.Fair, &rq.idle}
	idle.class = &rq.idle
	// init_task's priorities: prio = static_prio = normal_prio = 120.
	idle.Policy, idle.Prio, idle.StaticPrio, idle.NormalPrio = Normal, DefaultPrio, DefaultPrio, DefaultPrio
	rq.Curr = idle
	return rq, nil
}

// Classes are the run queue's classes, highest first.
func (rq *RunQueue) Classes() []Class { return rq.classes }

// NrRunning is the number of runnable entities (rq->nr_running).
func (rq *RunQueue) NrRunning() int { return rq.RT.NrRunning() + rq.Fair.NrRunning() }

// HasRunnable reports whether a class has an entity it would pick: the
// runnable entities less the RT ones while the class is throttled.
func (rq *RunQueue) HasRunnable() bool {
	return rq.Fair.NrRunning() > 0 || rq.RT.NrRunning() > 0 && !rq.RT.Throttled
}

// RTPeriodTimer is the RT bandwidth period timer's work at the run queue
// clock now: it reports whether the class was unthrottled with tasks to
// run, so that the running task must be preempted.
func (rq *RunQueue) RTPeriodTimer(now int64) bool {
	if now > rq.Clock {
		rq.Clock = now
	}
	return rq.RT.replenish(rq.Clock) && rq.RT.nr > 0 && rq.Curr.class != rq.RT
}

// SetRRTimeslice sets sched_rr_timeslice_ms as the sysctl handler does:
// a value <= 0 restores the default (100 ms in whole ticks).
func (rq *RunQueue) SetRRTimeslice(ms int) {
	if ms <= 0 {
		rq.rrTicks = rrTimesliceTicks(rq.HZ)
		rq.Tun.RRTimesliceMs = (1000 / rq.HZ) * rq.rrTicks
		return
	}
	rq.Tun.RRTimesliceMs = ms
	rq.rrTicks = max(1, (ms*rq.HZ+999)/1000) // msecs_to_jiffies rounds up
}

// RRTimesliceTicks is the RR slice in ticks (sched_rr_timeslice).
func (rq *RunQueue) RRTimesliceTicks() int { return rq.rrTicks }

// classOf is the class a policy belongs to.
func (rq *RunQueue) classOf(e *Entity) Class {
	if e == rq.IdleEntity {
		return &rq.idle
	}
	if RTPolicy(e.Policy) {
		return rq.RT
	}
	return rq.Fair
}

// above reports whether class a comes before class b (sched_class_above).
func (rq *RunQueue) above(a, b Class) bool {
	for _, c := range rq.classes {
		if c == a {
			return c != b
		}
		if c == b {
			return false
		}
	}
	return false
}

// Init sets a new entity's policy and priorities (sched_fork with
// __setscheduler_params and set_load_weight).
func (rq *RunQueue) Init(e *Entity, policy, nice, rtprio int) {
	e.Policy = policy
	e.StaticPrio = NiceToPrio(nice)
	e.RTPriority = rtprio
	e.NormalPrio = normalPrio(e)
	e.Prio = e.NormalPrio
	setLoadWeight(e)
	e.class = rq.classOf(e)
	e.TimeSlice = rq.rrTicks
}

// normalPrio is normal_prio: 99 - rt_priority for the rt policies, the
// static priority otherwise.
func normalPrio(e *Entity) int {
	if RTPolicy(e.Policy) {
		return MaxRTPrio - 1 - e.RTPriority
	}
	return e.StaticPrio
}

// setLoadWeight is set_load_weight.
func setLoadWeight(e *Entity) {
	if e.Policy == Idle {
		e.Weight, e.invWeight = WeightIdlePrio, WmultIdlePrio
		return
	}
	i := e.StaticPrio - MaxRTPrio
	e.Weight, e.invWeight = PrioToWeight[i], PrioToWmult[i]
}

// Update advances the run queue clock to now and charges the running
// entity (update_rq_clock + update_curr).
func (rq *RunQueue) Update(now int64) {
	if now > rq.Clock {
		rq.Clock = now
	}
	if rq.Curr != rq.IdleEntity {
		rq.Curr.class.UpdateCurr(rq, rq.Curr)
	} else {
		rq.Curr.ExecStart = rq.Clock
	}
}

// Enqueue makes e runnable (activate_task) and reports whether it should
// preempt the running entity (check_preempt_curr).
func (rq *RunQueue) Enqueue(e *Entity, flags int) (preempt bool) {
	if e.onRQ || e == rq.IdleEntity {
		return false
	}
	e.class.Enqueue(rq, e, flags)
	e.onRQ = true
	if e.lastQueued == 0 {
		e.lastQueued = rq.Clock // sched_info_enqueue
	}
	return rq.checkPreemptCurr(e, flags&enqueueFork)
}

// WakeUpNew makes a newly forked entity runnable (wake_up_new_task) and
// reports whether it should preempt the running entity.
func (rq *RunQueue) WakeUpNew(e *Entity) bool {
	if f, ok := e.class.(forker); ok {
		f.TaskFork(rq, e)
	}
	if e.onRQ {
		return false
	}
	e.class.Enqueue(rq, e, enqueueFork)
	e.onRQ = true
	e.lastQueued = rq.Clock
	return rq.checkPreemptCurr(e, WFFork)
}

// forker is a class that places a new entity itself (task_fork).
type forker interface {
	TaskFork(rq *RunQueue, e *Entity)
}

func (rq *RunQueue) checkPreemptCurr(p *Entity, wakeFlags int) bool {
	curr := rq.Curr
	if p.class == curr.class {
		return curr.class.CheckPreempt(rq, p, wakeFlags)
	}
	return rq.above(p.class, curr.class)
}

// Dequeue removes e from the run queue (deactivate_task); flags is
// DequeueSleep when the task blocks.
func (rq *RunQueue) Dequeue(e *Entity, flags int) {
	if !e.onRQ {
		return
	}
	e.class.Dequeue(rq, e, flags)
	e.onRQ = false
	e.lastQueued = 0
}

// Schedule takes prev off the CPU and picks the next entity
// (put_prev_task + pick_next_task), which becomes Curr. The Pick says why
// the class chose it.
func (rq *RunQueue) Schedule(prev *Entity) (*Entity, Pick) {
	prev.class.PutPrev(rq, prev)
	for _, c := range rq.classes {
		next, why := c.PickNext(rq)
		if next == nil {
			continue
		}
		rq.Curr = next
		next.ExecStart = rq.Clock
		next.PrevSumExecRuntime = next.SumExecRuntime
		if next != prev {
			rq.NrSwitches++
			if prev.onRQ && prev != rq.IdleEntity {
				prev.lastQueued = rq.Clock // preempted: waits again
			}
			if next.lastQueued != 0 { // sched_info_arrive
				next.RunDelay += rq.Clock - next.lastQueued
				next.lastQueued = 0
			}
			next.Pcount++
			next.LastArrival = rq.Clock
		}
		return next, why
	}
	panic("sched: the idle class had nothing to run")
}

// Tick charges a tick to the running entity (scheduler_tick) and reports
// whether it must be preempted.
func (rq *RunQueue) Tick() bool {
	curr := rq.Curr
	if rq.RTPeriodTimer(rq.Clock) {
		return true
	}
	if curr == rq.IdleEntity {
		return false
	}
	return curr.class.TaskTick(rq, curr)
}

// Yield gives up the CPU for the running entity (sched_yield).
func (rq *RunQueue) Yield() {
	if rq.Curr != rq.IdleEntity {
		rq.Curr.class.Yield(rq)
	}
}

// SetScheduler changes e's policy and priorities (__sched_setscheduler,
// set_user_nice), moving it between classes if need be, and reports
// whether the running entity must be rescheduled.
func (rq *RunQueue) SetScheduler(e *Entity, policy, nice, rtprio int) bool {
	// Nothing changes: nothing moves (an RT task keeps its place).
	if policy == e.Policy && NiceToPrio(nice) == e.StaticPrio && rtprio == e.RTPriority {
		return false
	}
	queued, running := e.onRQ, e == rq.Curr
	oldPrio, oldClass := e.Prio, e.class
	if running {
		rq.Update(rq.Clock)
	}
	if queued {
		rq.Dequeue(e, 0)
	}
	if running {
		e.class.PutPrev(rq, e)
	}
	e.Policy, e.StaticPrio, e.RTPriority = policy, NiceToPrio(nice), rtprio
	e.NormalPrio = normalPrio(e)
	e.Prio = e.NormalPrio
	setLoadWeight(e)
	e.class = rq.classOf(e)
	if e.class != oldClass {
		e.TimeSlice = rq.rrTicks
	}
	if queued {
		// A lowered priority goes to the head of its new list, a raised
		// one to the tail (user space's view).
		flags := 0
		if oldPrio < e.Prio {
			flags = EnqueueHead
		}
		e.class.Enqueue(rq, e, flags)
		e.onRQ = true
	}
	if running {
		if s, ok := e.class.(setNexter); ok {
			s.SetNext(rq, e)
		}
		// The running task lost priority or class: let the others in.
		return e.Prio > oldPrio || rq.above(oldClass, e.class)
	}
	if queued {
		if e.class != rq.Curr.class {
			return rq.above(e.class, rq.Curr.class)
		}
		return e.Prio < oldPrio && rq.checkPreemptCurr(e, 0)
	}
	return false
}

// setNexter is a class that tracks its running entity (set_next_task).
type setNexter interface {
	SetNext(rq *RunQueue, e *Entity)
}

// calcDelta is __calc_delta: delta * weight / lw, with lw's inverse
// weight, in Linux's fixed point, so the results match its to the ns.
func calcDelta(delta int64, weight int64, lwWeight int64, lwInv uint32) int64 {
	if lwInv == 0 {
		switch {
		case lwWeight >= wmultConst:
			lwInv = 1
		case lwWeight == 0:
			lwInv = wmultConst
		default:
			lwInv = uint32(wmultConst / lwWeight)
		}
	}
	fact := uint64(weight)
	shift := wmultShift
	if hi := uint32(fact >> 32); hi != 0 {
		fs := bits.Len32(hi)
		shift -= fs
		fact >>= fs
	}
	fact = uint64(uint32(fact)) * uint64(lwInv)
	if hi := uint32(fact >> 32); hi != 0 {
		fs := bits.Len32(hi)
		shift -= fs
		fact >>= fs
	}
	// mul_u64_u32_shr
	h, l := bits.Mul64(uint64(delta), fact)
	return int64(h<<(64-shift) | l>>shift)
}

// FormatNs renders ns as milliseconds with 6 decimals, as
// /proc/<pid>/sched prints them (SPLIT_NS).
func FormatNs(ns int64) string {
	sign := ""
	if ns < 0 {
		sign, ns = "-", -ns
	}
	return fmt.Sprintf("%s%d.%06d", sign, ns/1_000_000, ns%1_000_000)
}
