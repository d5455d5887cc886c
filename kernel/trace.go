package kernel

// The trace buffer: ftrace's event tracing, reduced to what kplay has.
//
// Linux's tracepoints (include/trace/events/*.h) record a fixed set of
// fields into a per-CPU ring buffer at the instant something happens;
// /sys/kernel/tracing/trace prints them later with TP_printk's format
// behind a context prefix: the task, the CPU, the latency flags and the
// timestamp. kplay records the same events at the same sites (schedule,
// try_to_wake_up, wake_up_new_task, kernel_clone, do_exit, do_wait, the
// irq flow handler, __do_softirq and call_timer_fn) and prints them as
// Linux 6.6 does, which is the release uname reports. (6.16 added
// group_dead= to sched_process_exit; 6.6 prints comm, pid and prio only.)
//
// Terms:
//   - entries-written counts every event recorded since the last clear;
//     entries-in-buffer is how many the ring still holds. The ring is in
//     overwrite mode, as ftrace's default: once full, the oldest entry
//     goes, so the newest are always kept.
//   - The latency flags are the five characters after [CPU#]: irqs off
//     (d), need-resched (N), hard/soft irq context (h, s, H for both),
//     preempt depth (a hex digit or .) and migrate-disable (always . on
//     one CPU). Each site passes the spinlocks and preempt_disable
//     sections Linux holds there, added to the spinlocks kplay's code
//     holds (preempt_count), and
//     the hardirq and softirq nesting and need_resched are the kernel's.
//
// Rejected: recording rendered text (the timeline and --json need the
// fields), and reusing the event ring of step/events, which keeps 256
// events of kplay's own kinds for stepping, not Linux's tracepoints.

import (
	"fmt"
	"strings"

	"kplay/irq"
	"kplay/timers"
)

// TraceBufEntries bounds the trace ring (buffer_size_kb, counted in
// entries).
const TraceBufEntries = 64 << 10

// TraceSwitch holds sched_switch's fields, for front ends that draw who
// ran when.
type TraceSwitch struct {
	PrevComm  string `json:"prev_comm"`
	PrevPID   int    `json:"prev_pid"`
	PrevPrio  int    `json:"prev_prio"`
	PrevState string `json:"prev_state"`
	NextComm  string `json:"next_comm"`
	NextPID   int    `json:"next_pid"`
	NextPrio  int    `json:"next_prio"`
}

// TraceEntry is one recorded event (a ring buffer event with its
// trace_entry header).
type TraceEntry struct {
	TimeNs int64  `json:"time_ns"`
	PID    int    `json:"pid"`  // common_pid: the task on the CPU
	Comm   string `json:"comm"` // its comm, as saved_cmdlines keeps it
	CPU    int    `json:"cpu"`
	// The latency-format context (common_flags, common_preempt_count).
	IRQsOff      bool `json:"irqs_off"`
	NeedResched  bool `json:"need_resched"`
	HardIRQ      bool `json:"hardirq"`
	SoftIRQ      bool `json:"softirq"`
	PreemptDepth int  `json:"preempt_depth"`
	// Event is the tracepoint's name; Args its fields as TP_printk
	// prints them.
	Event  string       `json:"event"`
	Args   string       `json:"args"`
	Switch *TraceSwitch `json:"switch,omitempty"`
}

// Flags renders the latency columns as trace_print_lat_fmt does.
func (e TraceEntry) Flags() string {
	b := []byte(".....")
	if e.IRQsOff {
		b[0] = 'd'
	}
	if e.NeedResched {
		b[1] = 'N' // TIF_NEED_RESCHED and PREEMPT_NEED_RESCHED together
	}
	switch {
	case e.HardIRQ && e.SoftIRQ:
		b[2] = 'H'
	case e.HardIRQ:
		b[2] = 'h'
	case e.SoftIRQ:
		b[2] = 's'
	}
	if d := min(e.PreemptDepth, 0xf); d > 0 {
		b[3] = "0123456789abcdef"[d]
	}
	return string(b)
}

// String renders the entry as one line of /sys/kernel/tracing/trace
// (trace_print_context, then the event's output).
func (e TraceEntry) String() string {
	comm := e.Comm
	if e.PID == 0 {
		comm = "<idle>" // trace_find_cmdline
	}
	return fmt.Sprintf("%16s-%-7d [%03d] %s %5d.%06d: %s: %s",
		comm, e.PID, e.CPU, e.Flags(), e.TimeNs/1e9, e.TimeNs%1e9/1e3, e.Event, e.Args)
}

// TraceInfo is the trace buffer as plain values.
type TraceInfo struct {
	Enabled bool   `json:"tracing_on"`
	Written uint64 `json:"entries_written"`
	// EndNs ends the traced span: now while tracing is on, else the time
	// it was turned off.
	EndNs   int64        `json:"end_ns"`
	Entries []TraceEntry `json:"entries"` // oldest first
}

// TraceHeader is the header of /sys/kernel/tracing/trace for the nop
// tracer on one CPU (print_event_info and print_func_help_header_irq).
func TraceHeader(inBuffer int, written uint64) string {
	return "# tracer: nop\n" +
		"#\n" +
		fmt.Sprintf("# entries-in-buffer/entries-written: %d/%d   #P:1\n", inBuffer, written) +
		"#\n" +
		"#                                _-----=> irqs-off/BH-disabled\n" +
		"#                               / _----=> need-resched\n" +
		"#                              | / _---=> hardirq/softirq\n" +
		"#                              || / _--=> preempt-depth\n" +
		"#                              ||| / _-=> migrate-disable\n" +
		"#                              |||| /     delay\n" +
		"#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n" +
		"#              | |         |   |||||     |         |\n"
}

// Text renders the whole buffer as /sys/kernel/tracing/trace.
func (ti TraceInfo) Text() string {
	var b strings.Builder
	b.WriteString(TraceHeader(len(ti.Entries), ti.Written))
	for _, e := range ti.Entries {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// traceBuffer is the ring (struct trace_buffer of the global instance).
// It is owned by the CPU holder.
type traceBuffer struct {
	on      bool
	offNs   int64 // when TraceOff was called
	size    int
	ring    []TraceEntry
	written uint64
	// enabled is each event's enable file, indexed as traceEvents.
	enabled [len(traceEvents)]bool
}

// TraceEvent is an event kplay can record, as available_events names it
// (system:event), and whether it is enabled.
type TraceEvent struct {
	System  string `json:"system"`
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
}

// traceEvents are the events kplay records, by system. The sched, irq
// and timer events are enabled at boot; raw_syscalls, which records two
// entries for every system call, is not.
var traceEvents = [...]struct {
	system, name string
	off          bool // disabled at boot
}{
	{"sched", "sched_switch", false},
	{"sched", "sched_wakeup", false},
	{"sched", "sched_wakeup_new", false},
	{"sched", "sched_process_fork", false},
	{"sched", "sched_process_exit", false},
	{"sched", "sched_process_wait", false},
	{"irq", "irq_handler_entry", false},
	{"irq", "irq_handler_exit", false},
	{"irq", "softirq_entry", false},
	{"irq", "softirq_exit", false},
	{"timer", "timer_expire_entry", false},
	{"timer", "timer_expire_exit", false},
	{"raw_syscalls", "sys_enter", true},
	{"raw_syscalls", "sys_exit", true},
}

// traceEventIndex finds an event's enable flag by name.
var traceEventIndex = func() map[string]int {
	m := map[string]int{}
	for i, e := range traceEvents {
		m[e.name] = i
	}
	return m
}()

// Indexes of the events the system call path checks before it formats.
var (
	evSysEnter = traceEventIndex["sys_enter"]
	evSysExit  = traceEventIndex["sys_exit"]
)

// newTraceBuffer is the buffer at boot: empty, off, the default events
// enabled.
func newTraceBuffer() traceBuffer {
	tb := traceBuffer{size: TraceBufEntries}
	for i, e := range traceEvents {
		tb.enabled[i] = !e.off
	}
	return tb
}

// AvailableTraceEvents lists the events kplay has (available_events),
// each with its state at boot. It reads no kernel, so a front end may
// call it while the kernel runs.
func AvailableTraceEvents() []TraceEvent {
	var out []TraceEvent
	for _, e := range traceEvents {
		out = append(out, TraceEvent{System: e.system, Name: e.name, Enabled: !e.off})
	}
	return out
}

// TraceEvents lists the events in available_events order with their
// enable state.
func (k *Kernel) TraceEvents() []TraceEvent {
	var out []TraceEvent
	for i, e := range traceEvents {
		out = append(out, TraceEvent{System: e.system, Name: e.name, Enabled: k.tr.enabled[i]})
	}
	return out
}

// SetTraceEvent enables or disables the events spec names, with
// set_event's syntax: "system:event", "system:*", "*:event", or one word
// that is a system's or an event's name ("raw_syscalls", "sys_enter");
// "all" and "*:*" name every event. It returns the events it matched.
func (k *Kernel) SetTraceEvent(spec string, on bool) ([]TraceEvent, error) {
	sys, ev, colon := strings.Cut(spec, ":")
	if spec == "all" {
		sys, ev, colon = "*", "*", true
	}
	var out []TraceEvent
	for i, e := range traceEvents {
		var match bool
		if colon {
			match = (sys == "*" || sys == "" || sys == e.system) && (ev == "*" || ev == "" || ev == e.name)
		} else {
			match = spec == e.system || spec == e.name
		}
		if match {
			k.tr.enabled[i] = on
			out = append(out, TraceEvent{System: e.system, Name: e.name, Enabled: on})
		}
	}
	if len(out) == 0 {
		return nil, errInvalid("no trace event %q (want system:event, system, event or all; trace events lists them)", spec)
	}
	return out, nil
}

// TraceOn starts recording (echo 1 > tracing_on) the enabled events.
func (k *Kernel) TraceOn() { k.tr.on = true }

// TraceOff stops recording; the buffer keeps what it has.
func (k *Kernel) TraceOff() {
	if k.tr.on {
		k.tr.on, k.tr.offNs = false, k.clockNs()
	}
}

// TraceClear empties the buffer and zeroes entries-written (echo >
// trace).
func (k *Kernel) TraceClear() {
	k.tr.ring = nil
	k.tr.written = 0
}

// Trace returns the buffer, oldest entry first.
func (k *Kernel) Trace() TraceInfo {
	ti := TraceInfo{Enabled: k.tr.on, Written: k.tr.written, EndNs: k.tr.offNs}
	if k.tr.on {
		ti.EndNs = k.clockNs()
	}
	r := k.tr.ring
	if len(r) < k.tr.size {
		ti.Entries = append([]TraceEntry(nil), r...)
	} else {
		start := int(k.tr.written % uint64(k.tr.size)) // the oldest slot
		ti.Entries = append(append([]TraceEntry(nil), r[start:]...), r[:start]...)
	}
	return ti
}

// TraceText is the content of /sys/kernel/tracing/trace.
func (k *Kernel) TraceText() string { return k.Trace().Text() }

// TraceSetEventText is the content of /sys/kernel/tracing/set_event: the
// enabled events, one "system:event" a line.
func (k *Kernel) TraceSetEventText() string { return traceEventLines(k.TraceEvents(), true) }

// TraceAvailableEventsText is the content of
// /sys/kernel/tracing/available_events: every event, enabled or not.
func (k *Kernel) TraceAvailableEventsText() string { return traceEventLines(k.TraceEvents(), false) }

func traceEventLines(evs []TraceEvent, enabledOnly bool) string {
	var b strings.Builder
	for _, e := range evs {
		if e.Enabled || !enabledOnly {
			b.WriteString(e.System + ":" + e.Name + "\n")
		}
	}
	return b.String()
}

// held is what a tracepoint's caller holds besides the kernel's own
// context: spinlocks and preempt_disable sections (each one level of
// preempt depth), and whether it has disabled interrupts.
type held struct {
	preempt int
	irqsOff bool
}

// trace records an event in the current context if tracing is on.
func (k *Kernel) trace(h held, event, args string, sw *TraceSwitch) {
	if !k.tr.on {
		return
	}
	if i, ok := traceEventIndex[event]; ok && !k.tr.enabled[i] {
		return
	}
	cur := k.current
	e := TraceEntry{
		TimeNs: k.clockNs(), PID: cur.PID, Comm: cur.Comm,
		IRQsOff:     h.irqsOff || k.hardirq > 0 || k.irqsOff > 0,
		NeedResched: k.needResched,
		HardIRQ:     k.hardirq > 0, SoftIRQ: k.softirqNest > 0,
		PreemptDepth: h.preempt + k.preemptCount,
		Event:        event, Args: args, Switch: sw,
	}
	if len(k.tr.ring) < k.tr.size {
		k.tr.ring = append(k.tr.ring, e)
	} else {
		k.tr.ring[k.tr.written%uint64(k.tr.size)] = e
	}
	k.tr.written++
}

// Lock sets at the sites, as Linux 6.6 holds them.
var (
	// __schedule: preempt_disable in schedule, rq_lock with irqs off.
	heldSchedule = held{preempt: 2, irqsOff: true}
	// try_to_wake_up: guard(preempt), p->pi_lock irqsave, rq lock.
	heldWakeup = held{preempt: 3, irqsOff: true}
	// wake_up_new_task: p->pi_lock irqsave, rq lock.
	heldWakeupNew = held{preempt: 2, irqsOff: true}
)

// traceSchedSwitch records sched_switch; preempt marks a preemption of
// prev in the kernel (prev_state "R+"), as opposed to a task that blocked
// or was rescheduled on its way back to user mode.
func (k *Kernel) traceSchedSwitch(prev, next *Task, preempt bool) {
	if !k.tr.on {
		return
	}
	state := prev.State.Letter()
	if preempt {
		state = "R+" // TASK_REPORT_MAX
	}
	sw := &TraceSwitch{
		PrevComm: prev.Comm, PrevPID: prev.PID, PrevPrio: prev.se.Prio, PrevState: state,
		NextComm: next.Comm, NextPID: next.PID, NextPrio: next.se.Prio,
	}
	k.trace(heldSchedule, "sched_switch", fmt.Sprintf(
		"prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s ==> next_comm=%s next_pid=%d next_prio=%d",
		sw.PrevComm, sw.PrevPID, sw.PrevPrio, sw.PrevState, sw.NextComm, sw.NextPID, sw.NextPrio), sw)
}

// traceWakeup records sched_wakeup or sched_wakeup_new (the
// sched_wakeup_template class).
func (k *Kernel) traceWakeup(h held, event string, t *Task) {
	if k.tr.on {
		k.trace(h, event, fmt.Sprintf("comm=%s pid=%d prio=%d target_cpu=000", t.Comm, t.PID, t.se.Prio), nil)
	}
}

// traceFork records sched_process_fork.
func (k *Kernel) traceFork(parent, child *Task) {
	if k.tr.on {
		k.trace(held{}, "sched_process_fork", fmt.Sprintf("comm=%s pid=%d child_comm=%s child_pid=%d",
			parent.Comm, parent.PID, child.Comm, child.PID), nil)
	}
}

// traceProcess records an event of the sched_process_template class
// (sched_process_exit) or sched_process_wait, which print alike.
func (k *Kernel) traceProcess(event, comm string, pid, prio int) {
	if k.tr.on {
		k.trace(held{}, event, fmt.Sprintf("comm=%s pid=%d prio=%d", comm, pid, prio), nil)
	}
}

// traceHooks connects the irq, softirq and timer tracepoints.
func (k *Kernel) traceHooks() {
	k.irqs.OnHandlerEntry = func(n int, name string) {
		if k.tr.on {
			k.trace(held{}, "irq_handler_entry", fmt.Sprintf("irq=%d name=%s", n, name), nil)
		}
	}
	k.irqs.OnHandlerExit = func(n int, ret irq.Return) {
		if k.tr.on {
			res := "unhandled"
			if ret != irq.IRQNone {
				res = "handled"
			}
			k.trace(held{}, "irq_handler_exit", fmt.Sprintf("irq=%d ret=%s", n, res), nil)
		}
	}
	softirq := func(event string) func(nr int) {
		return func(nr int) {
			if k.tr.on {
				k.trace(held{}, event, fmt.Sprintf("vec=%d [action=%s]", nr, irq.SoftirqNames[nr]), nil)
			}
		}
	}
	k.softirqs.OnEntry, k.softirqs.OnExit = softirq("softirq_entry"), softirq("softirq_exit")
}

// traceTimerExpire records timer_expire_entry; baseclk is the jiffy the
// wheel is processing.
func (k *Kernel) traceTimerExpire(t *timers.TimerList, baseclk uint64) {
	if k.tr.on {
		k.trace(held{}, "timer_expire_entry", fmt.Sprintf("timer=%s function=%s now=%d baseclk=%d",
			hashPtr(t.Addr()), t.Name, k.jiffies, baseclk), nil)
	}
}

// traceTimerExpired records timer_expire_exit.
func (k *Kernel) traceTimerExpired(t *timers.TimerList) {
	if k.tr.on {
		k.trace(held{}, "timer_expire_exit", "timer="+hashPtr(t.Addr()), nil)
	}
}

// hashPtr prints an address as %p does once pointer hashing is seeded: 16
// hex digits, of which a 64-bit kernel fills the low 32 bits with a keyed
// hash (ptr_to_id). kplay's key is fixed, so the same timer prints the
// same in every run.
func hashPtr(addr uint64) string {
	x := addr*0x9e3779b97f4a7c15 + 0x7f4a7c159e3779b9
	x ^= x >> 31
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 29
	return fmt.Sprintf("%016x", x&0xffffffff)
}
