package kernel

import (
	"kplay/kernel/host"
	"kplay/sched"
)

// EventKind names what a step can stop at.
type EventKind string

// Event kinds.
const (
	EvSwitch  EventKind = "switch"
	EvIRQ     EventKind = "irq"
	EvSyscall EventKind = "syscall"
	EvTick    EventKind = "tick"
	EvCascade EventKind = "cascade"
	EvTimer   EventKind = "timer"
)

// TaskRef names a task in an event.
type TaskRef struct {
	PID  int    `json:"pid"`
	Comm string `json:"comm"`
}

func (k *Kernel) ref(t *Task) TaskRef { return TaskRef{PID: t.PID, Comm: t.Comm} }

// SwitchEvent is a context switch: prev hands the CPU to next with
// up(next's semaphore); down(prev's semaphore).
type SwitchEvent struct {
	Prev      TaskRef `json:"prev"`
	Next      TaskRef `json:"next"`
	PrevState string  `json:"prev_state"` // R: preempted or yielded; S, D: blocked; X: exited
	Why       string  `json:"why"`
	// Pick is the class's reason for choosing next.
	Pick sched.Pick `json:"pick"`
}

// IRQEvent is an interrupt serviced at a delivery point.
type IRQEvent struct {
	IRQ  int    `json:"irq"`
	Name string `json:"name"` // first action's name, "" if none
	// Actions is the line's handler chain at the time, in the order
	// handle_irq_event_percpu calls them (shared handlers each get a turn).
	Actions []string `json:"actions"`
	Chip    string   `json:"chip"`
	Outcome string   `json:"outcome"` // handled, unhandled, no handler, masked
	On      TaskRef  `json:"on"`      // the task it interrupted
}

// TickEvent is a timer tick (IRQ 0).
type TickEvent struct {
	Jiffies uint64 `json:"jiffies"`
	Ticks   uint64 `json:"ticks"`   // jiffies advanced by this tick
	Skipped uint64 `json:"skipped"` // of which skipped while NO_HZ idle
}

// CascadeEvent is a slot of tv2..tv5 emptied into the lower vectors.
type CascadeEvent struct {
	Vector  int    `json:"vector"` // 2-5
	Slot    int    `json:"slot"`
	Timers  int    `json:"timers"`
	Jiffies uint64 `json:"jiffies"` // the jiffy being processed
}

// TimerEvent is a timer whose function is about to run.
type TimerEvent struct {
	Function string `json:"function"`
	Owner    string `json:"owner"`
	Expires  uint64 `json:"expires"`
	Jiffies  uint64 `json:"jiffies"` // the jiffy the wheel is processing
}

// Event is one thing that happened, in order.
type Event struct {
	Seq     uint64         `json:"seq"`
	TimeNs  int64          `json:"time_ns"`
	Kind    EventKind      `json:"kind"`
	Switch  *SwitchEvent   `json:"switch,omitempty"`
	IRQ     *IRQEvent      `json:"irq,omitempty"`
	Syscall *SyscallRecord `json:"syscall,omitempty"`
	Tick    *TickEvent     `json:"tick,omitempty"`
	Cascade *CascadeEvent  `json:"cascade,omitempty"`
	Timer   *TimerEvent    `json:"timer,omitempty"`
	Oops    *TaskRef       `json:"oops,omitempty"` // the task the Oops kills
}

// maxEvents bounds the recent-event ring.
const maxEvents = 256

// eventSlots hold the payloads of the switches and system calls in the
// event ring, one per ring slot, so that the hot paths allocate nothing:
// an Event's Switch or Syscall points into its slot until the ring wraps.
type eventSlots struct {
	sw  [maxEvents]SwitchEvent
	sys [maxEvents]SyscallRecord
}

// emitSwitch records a context switch.
func (k *Kernel) emitSwitch(sw SwitchEvent) {
	i := k.evSeq % maxEvents // the slot emit will use
	k.slots.sw[i] = sw
	k.emit(Event{Kind: EvSwitch, Switch: &k.slots.sw[i]})
}

// emitSyscall records a finished system call; rec may be reused after.
func (k *Kernel) emitSyscall(rec *SyscallRecord) {
	i := k.evSeq % maxEvents
	k.slots.sys[i] = *rec
	k.emit(Event{Kind: EvSyscall, Syscall: &k.slots.sys[i]})
}

// clone copies an event's payload out of the ring's slots, for events
// kept past the next run (a step's or a breakpoint's hits).
func (e Event) clone() Event {
	if e.Switch != nil {
		sw := *e.Switch
		e.Switch = &sw
	}
	if e.Syscall != nil {
		r := *e.Syscall
		e.Syscall = &r
	}
	return e
}

// Clone copies an event's payload out of the ring, so that a front end
// can keep it while the machine runs on.
func (e Event) Clone() Event { return e.clone() }

// emit records an event and counts it toward the stop condition.
func (k *Kernel) emit(e Event) {
	k.evSeq++
	e.Seq, e.TimeNs = k.evSeq, k.clockNs()
	// A ring: once full, the oldest slot is overwritten in place.
	if len(k.events) < maxEvents {
		k.events = append(k.events, e)
	} else {
		k.events[(k.evSeq-1)%maxEvents] = e
	}
	if e.Kind != EvSyscall { // a syscall breakpoint stops at the entry
		k.checkBreak(&e)
	}
	k.result.Switches += boolInt(e.Kind == EvSwitch)
	k.result.IRQs += boolInt(e.Kind == EvIRQ)
	if k.stop.until == e.Kind && k.stop.remaining > 0 {
		// A breakpoint on this event has listed it already.
		if n := len(k.result.Hits); n == 0 || k.result.Hits[n-1].Seq != e.Seq || k.result.Hits[n-1].Kind != e.Kind {
			k.result.Hits = append(k.result.Hits, e.clone())
		}
		k.stop.remaining--
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Events returns the most recent events (at most maxEvents), oldest first.
// Their payloads are the ring's: read them before the machine runs again.
func (k *Kernel) Events() []Event {
	if len(k.events) < maxEvents {
		return append([]Event(nil), k.events...)
	}
	start := int(k.evSeq % maxEvents) // the oldest slot
	return append(append([]Event(nil), k.events[start:]...), k.events[:start]...)
}

// Stop says when a Run hands the CPU back to the front end.
//
//   - The zero Stop settles: run until the CPU is idle with nothing runnable
//     and nothing pending, without letting time pass.
//   - For lets simulated time pass: run until For ns from now.
//   - Until and Count stop at the Count-th next event of a kind; For (or
//     DefaultStepBudget) bounds the wait.
//   - Done stops once it reports true and the machine has settled; For
//     (or DefaultStepBudget) bounds the wait.
type Stop struct {
	For   int64
	Until EventKind
	Count int
	Done  func() bool
	// Breakpoints makes the run stop at the first breakpoint hit.
	Breakpoints bool
}

// DefaultStepBudget bounds a step that names no budget: 60 s of
// simulated time.
const DefaultStepBudget = 60_000_000_000

// Why a run stopped.
const (
	StopIdle        = "idle"        // settled: nothing runnable, nothing pending
	StopBudget      = "budget"      // the time budget was spent
	StopEvent       = "event"       // the awaited event happened
	StopInterrupted = "interrupted" // RequestPark (Ctrl-C, an inspection)
	StopHalted      = "halted"      // the kernel panicked or powered off
	StopStalled     = "stalled"     // nothing can ever happen: no timer armed
	StopReady       = "ready"       // the condition holds while user tasks still run
)

// RunResult reports a Run.
type RunResult struct {
	Reason    string  `json:"reason"`
	ElapsedNs int64   `json:"elapsed_ns"`
	Switches  int     `json:"switches"`
	IRQs      int     `json:"irqs"`
	Hits      []Event `json:"hits,omitempty"` // the events a step stopped at
	// Breakpoint is the number of the breakpoint the run stopped at.
	Breakpoint int `json:"breakpoint,omitempty"`
}

type stopState struct {
	deadline  int64
	settle    bool
	until     EventKind
	remaining int
	done      func() bool
	stalled   bool
	start     int64
	breaks    bool
	bpHit     int
}

// RequestPark asks the running kernel to hand the CPU back at its next safe
// point (Ctrl-C, or a front end that wants to inspect under the real
// clock). Safe from any goroutine.
func (k *Kernel) RequestPark() {
	k.parkReq.Store(true)
	k.host.Kick()
}

// Run hands the CPU to the kernel until the stop condition and returns when
// the kernel has parked.
//
// Preconditions: the caller holds the CPU (no other Run is in progress).
func (k *Kernel) Run(s Stop) RunResult {
	if k.halted {
		return RunResult{Reason: StopHalted}
	}
	now := k.host.Time()
	st := stopState{deadline: host.Forever, until: s.Until, remaining: s.Count, done: s.Done, start: now, breaks: s.Breakpoints}
	if s.Until != "" || s.Done != nil {
		if s.Until != "" && st.remaining <= 0 {
			st.remaining = 1
		}
		if s.For <= 0 {
			s.For = DefaultStepBudget
		}
	}
	switch {
	case s.For > 0:
		st.deadline = now + s.For
		if k.budgetTimer != nil && k.host.Name() == "real" {
			k.host.TimerSet(k.budgetTimer, st.deadline)
		}
	case s.Done == nil && s.Until == "":
		st.settle = true
	}
	k.stop = st
	k.result = RunResult{}
	// A RequestPark made before this Run began is honoured at once; the
	// request is consumed when the run ends.
	k.cpu.Resume()
	if k.stracing() {
		k.straceParked()
	}
	k.parkReq.Store(false)
	k.result.ElapsedNs = k.host.Time() - now
	if k.budgetTimer != nil {
		k.host.TimerCancel(k.budgetTimer)
	}
	k.stop = stopState{deadline: host.Forever}
	return k.result
}

// stopReason says whether the run must stop now, in thread context, and why.
func (k *Kernel) stopReason(idle bool) string {
	switch {
	case k.halted:
		return StopHalted
	case k.parkReq.Load():
		return StopInterrupted
	case k.stop.until != "" && k.stop.remaining == 0:
		return StopEvent
	case k.stop.bpHit != 0:
		return StopBreakpoint
	}
	if !idle || k.irqs.Pending() != 0 {
		return ""
	}
	now := k.host.Time()
	switch {
	case k.stop.done != nil && k.stop.done():
		return StopIdle
	case k.stop.settle:
		return StopIdle
	case now >= k.stop.deadline:
		return StopBudget
	case k.stop.stalled:
		return StopStalled
	}
	return ""
}

// maybePark parks at a safe point in process context if the stop
// condition holds.
func (k *Kernel) maybePark() {
	if k.hardirq > 0 || k.softirqNest > 0 {
		return
	}
	if r := k.stopReason(false); r != "" {
		k.parkFor(r)
	}
}

// idleMayPark reports whether the idle loop should park now.
func (k *Kernel) idleMayPark() bool {
	r := k.stopReason(true)
	if r == "" {
		return false
	}
	k.result.Reason = r
	return true
}

// park hands the CPU to the front end; the reason is already set.
func (k *Kernel) park() {
	if k.current == k.idle {
		k.nohzIdleExit()
	}
	k.cpu.Park(k.current.thread)
	k.stop.stalled = false
}

func (k *Kernel) parkFor(reason string) {
	k.result.Reason = reason
	k.park()
}
