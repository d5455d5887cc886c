package kernel

import (
	"strconv"
	"strings"

	"kplay/irq"
	"kplay/kernel/abi"
)

// EvOops is an Oops, the event a break oops stops at (the task has not
// died yet).
const EvOops EventKind = "oops"

// StopBreakpoint: a run stopped at a breakpoint.
const StopBreakpoint = "breakpoint"

// Breakpoint stops a run where an event matches: a context switch (to or
// from a task), a system call's entry, an interrupt, a timer function, or
// an Oops. PID and Comm, when set, narrow it to a task: the switch's prev
// or next, the caller, the interrupted task or the dying one.
type Breakpoint struct {
	ID      int       `json:"id"`
	Kind    EventKind `json:"kind"`
	PID     int       `json:"pid,omitempty"` // 0: any
	Comm    string    `json:"comm,omitempty"`
	Syscall int       `json:"syscall,omitempty"` // the number, for syscall
	IRQ     int       `json:"irq,omitempty"`
	Timer   string    `json:"timer,omitempty"` // function or owner; "" any
	Hits    uint64    `json:"hits"`
}

// Where describes the breakpoint as info break lists it.
func (b Breakpoint) Where() string {
	var parts []string
	switch b.Kind {
	case EvSyscall:
		name, _ := abi.SyscallName(b.Syscall)
		parts = append(parts, "syscall "+name)
	case EvIRQ:
		parts = append(parts, "irq "+strconv.Itoa(b.IRQ))
	case EvTimer:
		parts = append(parts, strings.TrimSpace("timer "+b.Timer))
	default:
		parts = append(parts, string(b.Kind))
	}
	if b.PID != 0 {
		parts = append(parts, "pid="+strconv.Itoa(b.PID))
	}
	if b.Comm != "" {
		parts = append(parts, "comm="+b.Comm)
	}
	return strings.Join(parts, " ")
}

// AddBreakpoint sets a breakpoint; runs that honour breakpoints (Stop's
// Breakpoints) park where it hits.
func (k *Kernel) AddBreakpoint(b Breakpoint) (Breakpoint, error) {
	switch b.Kind {
	case EvSwitch, EvOops:
	case EvSyscall:
		if _, ok := abi.SyscallName(b.Syscall); !ok {
			return Breakpoint{}, errInvalid("break syscall: %d is not an x86-64 system call", b.Syscall)
		}
	case EvIRQ:
		if b.IRQ < 0 || b.IRQ >= irq.NrIRQs {
			return Breakpoint{}, errInvalid("break irq %d: want 0-%d", b.IRQ, irq.NrIRQs-1)
		}
	case EvTimer:
	default:
		return Breakpoint{}, errInvalid("break %q: want switch, syscall, irq, timer or oops", b.Kind)
	}
	if b.PID < 0 {
		return Breakpoint{}, errInvalid("pid=%d: want a pid", b.PID)
	}
	k.nextBreak++
	b.ID, b.Hits = k.nextBreak, 0
	k.breaks = append(k.breaks, &b)
	return b, nil
}

// Breakpoints lists the breakpoints in the order they were set.
func (k *Kernel) Breakpoints() []Breakpoint {
	out := make([]Breakpoint, 0, len(k.breaks))
	for _, b := range k.breaks {
		out = append(out, *b)
	}
	return out
}

// DeleteBreakpoint removes breakpoint id.
func (k *Kernel) DeleteBreakpoint(id int) error {
	for i, b := range k.breaks {
		if b.ID == id {
			k.breaks = append(k.breaks[:i], k.breaks[i+1:]...)
			return nil
		}
	}
	return errInvalid("no breakpoint number %d", id)
}

func (b *Breakpoint) task(r TaskRef) bool {
	return (b.PID == 0 || b.PID == r.PID) && (b.Comm == "" || b.Comm == r.Comm)
}

// matches reports whether event e hits b.
func (b *Breakpoint) matches(e *Event) bool {
	if b.Kind != e.Kind {
		return false
	}
	switch e.Kind {
	case EvSwitch:
		return b.task(e.Switch.Prev) || b.task(e.Switch.Next)
	case EvSyscall:
		return b.Syscall == e.Syscall.Nr && b.task(e.Syscall.Task)
	case EvIRQ:
		return b.IRQ == e.IRQ.IRQ && b.task(e.IRQ.On)
	case EvTimer:
		return (b.Timer == "" || b.Timer == e.Timer.Function || b.Timer == e.Timer.Owner) && b.PID == 0 && b.Comm == ""
	case EvOops:
		return b.task(*e.Oops)
	}
	return false
}

// checkBreak counts the breakpoints e hits and reports whether the run
// must park for it: the first hit of a run parks it, at once where the
// caller parks (a switch, a syscall entry, an Oops) or else at the next
// safe point (after an interrupt handler or the timer softirq).
func (k *Kernel) checkBreak(e *Event) bool {
	if !k.stop.breaks {
		return false
	}
	park := false
	for _, b := range k.breaks {
		if !b.matches(e) {
			continue
		}
		b.Hits++
		if k.stop.bpHit == 0 {
			k.stop.bpHit = b.ID
			k.result.Breakpoint = b.ID
			k.result.Hits = append(k.result.Hits, e.clone())
			park = true
		}
	}
	return park
}

// breakAtSyscallEntry parks t at a system call's entry when a breakpoint
// wants it: the arguments are decoded, the call has not run.
func (k *Kernel) breakAtSyscallEntry(t *Task, rec *SyscallRecord) {
	if !k.stop.breaks || len(k.breaks) == 0 {
		return
	}
	entry := *rec
	entry.Entering = true
	e := Event{Seq: k.evSeq, TimeNs: k.clockNs(), Kind: EvSyscall, Syscall: &entry}
	if k.checkBreak(&e) {
		k.maybePark()
	}
}

// breakAtOops parks a dying task before it exits when break oops is set.
func (k *Kernel) breakAtOops(t *Task) {
	if !k.stop.breaks || len(k.breaks) == 0 || k.hardirq > 0 || k.softirqNest > 0 {
		return
	}
	r := k.ref(t)
	e := Event{Seq: k.evSeq, TimeNs: k.clockNs(), Kind: EvOops, Oops: &r}
	if k.checkBreak(&e) {
		k.maybePark()
	}
}
