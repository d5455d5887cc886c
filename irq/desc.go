package irq

import (
	"errors"
	"fmt"
	"sync/atomic"
)

// NrIRQs is the number of interrupt lines (NR_IRQS). Lines 0-15 are the
// legacy ISA lines; the rest are free for dynamic use.
const NrIRQs = 32

// Return is what a handler says about an interrupt (irqreturn_t).
type Return int

// Handler return values, as in include/linux/irqreturn.h.
const (
	IRQNone    Return = 0 // IRQ_NONE: not from this device
	IRQHandled Return = 1 // IRQ_HANDLED
)

// Request flags (IRQF_*).
const (
	IRQFShared = 0x00000080 // IRQF_SHARED: the line may have several actions
)

// Handler is an interrupt handler (irq_handler_t). It runs in interrupt
// context: it must not sleep.
type Handler func(irq int, devID any) Return

// Action is one request_irq on a line (struct irqaction).
type Action struct {
	Handler Handler
	Flags   uint
	Name    string
	DevID   any
}

// Desc is an interrupt descriptor (struct irq_desc).
type Desc struct {
	IRQ  int
	Chip string // irq_chip name, e.g. "XT-PIC"
	Type string // "edge" or "level"

	actions   []*Action
	depth     int    // disable_irq nesting; 0 means enabled
	count     uint64 // kstat_irqs for CPU0
	unhandled uint64 // irqs_unhandled: no action claimed it
	replay    bool   // IRQS_PENDING: fired while disabled
}

// Errors returned by RequestIRQ and friends; the kernel maps them to errno.
var (
	ErrInvalid = errors.New("invalid argument") // -EINVAL
	ErrBusy    = errors.New("line busy")        // -EBUSY
	ErrNoEnt   = errors.New("no such action")   // free of an absent action
)

// Table is the set of descriptors of the one CPU, with the pending bitmap.
//
// Raise and pending reads are safe from any goroutine; everything else is
// owned by the CPU holder.
type Table struct {
	descs    [NrIRQs]Desc
	pending  atomic.Uint64
	errCount uint64 // irq_err_count: raises of lines that do not exist (ERR:)

	// OnHandlerEntry and OnHandlerExit, if set, are told of each action
	// handler just before it runs and just after it returns, with what
	// it returned (the irq_handler_entry and irq_handler_exit
	// tracepoints of __handle_irq_event_percpu).
	OnHandlerEntry func(irq int, name string)
	OnHandlerExit  func(irq int, ret Return)
}

// NewTable returns a table of NrIRQs edge-triggered lines on chip.
func NewTable(chip string) *Table {
	t := &Table{}
	for i := range t.descs {
		t.descs[i] = Desc{IRQ: i, Chip: chip, Type: "edge"}
	}
	return t
}

func (t *Table) desc(irq int) (*Desc, error) {
	if irq < 0 || irq >= NrIRQs {
		return nil, fmt.Errorf("irq %d: %w (lines are 0-%d)", irq, ErrInvalid, NrIRQs-1)
	}
	return &t.descs[irq], nil
}

// RequestIRQ attaches a handler to a line (request_irq). A line that has an
// action already takes another only if both ask for IRQF_SHARED.
func (t *Table) RequestIRQ(irq int, h Handler, flags uint, name string, devID any) error {
	d, err := t.desc(irq)
	if err != nil {
		return err
	}
	if h == nil || name == "" {
		return fmt.Errorf("irq %d: %w: handler and name are required", irq, ErrInvalid)
	}
	if flags&IRQFShared != 0 && devID == nil {
		return fmt.Errorf("irq %d: %w: a shared handler needs a dev_id", irq, ErrInvalid)
	}
	for _, a := range d.actions {
		if a.Flags&flags&IRQFShared == 0 {
			// __setup_irq's pr_err, then -EBUSY.
			return fmt.Errorf("Flags mismatch irq %d. %08x (%s) vs. %08x (%s): %w", irq, flags, name, a.Flags, a.Name, ErrBusy)
		}
		if a.DevID == devID {
			return fmt.Errorf("irq %d: %w: dev_id already registered by %q", irq, ErrBusy, a.Name)
		}
	}
	d.actions = append(d.actions, &Action{Handler: h, Flags: flags, Name: name, DevID: devID})
	return nil
}

// FreeIRQ removes the action with devID from a line (free_irq).
func (t *Table) FreeIRQ(irq int, devID any) error {
	d, err := t.desc(irq)
	if err != nil {
		return err
	}
	for i, a := range d.actions {
		if a.DevID == devID {
			d.actions = append(d.actions[:i], d.actions[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("Trying to free already-free IRQ %d: %w", irq, ErrNoEnt)
}

// Disable increments the line's disable depth (disable_irq).
func (t *Table) Disable(irq int) error {
	d, err := t.desc(irq)
	if err != nil {
		return err
	}
	d.depth++
	return nil
}

// Enable decrements the disable depth (enable_irq). When the line becomes
// enabled and it fired while disabled, it is raised again (the resend). An
// enable without a matching disable is refused, as Linux WARNs
// "Unbalanced enable for IRQ %d".
func (t *Table) Enable(irq int) (resent bool, err error) {
	d, err := t.desc(irq)
	if err != nil {
		return false, err
	}
	if d.depth == 0 {
		return false, fmt.Errorf("Unbalanced enable for IRQ %d: %w", irq, ErrInvalid)
	}
	d.depth--
	if d.depth == 0 && d.replay {
		d.replay = false
		t.Raise(irq)
		return true, nil
	}
	return false, nil
}

// Raise marks a line pending (the interrupt controller latching it). Safe
// from any goroutine.
func (t *Table) Raise(irq int) {
	if irq < 0 || irq >= NrIRQs {
		return
	}
	bit := uint64(1) << irq
	for {
		old := t.pending.Load()
		if old&bit != 0 || t.pending.CompareAndSwap(old, old|bit) {
			return
		}
	}
}

// Pending is the bitmap of raised lines not yet taken.
func (t *Table) Pending() uint64 { return t.pending.Load() }

// TakePending returns the pending bitmap and clears it.
func (t *Table) TakePending() uint64 { return t.pending.Swap(0) }

// Outcome says what Handle did with an interrupt.
type Outcome int

// Outcomes of Handle.
const (
	Handled   Outcome = iota // some action returned IRQ_HANDLED
	Unhandled                // actions ran, none claimed it (note_interrupt)
	Bad                      // no action: handle_bad_irq, counted on the line
	Masked                   // line disabled: remembered for enable_irq
)

func (o Outcome) String() string {
	return [...]string{"handled", "unhandled", "no handler", "masked"}[o]
}

// Handle runs the flow handler of a line (handle_edge_irq): it counts the
// interrupt and calls every action in request order.
//
// Preconditions: the caller holds the CPU and is in interrupt context.
func (t *Table) Handle(irq int) Outcome {
	d, err := t.desc(irq)
	if err != nil {
		t.errCount++
		return Bad
	}
	if d.depth > 0 {
		d.replay = true
		return Masked
	}
	d.count++
	if len(d.actions) == 0 {
		// handle_bad_irq: counted on the line, then ack_bad_irq.
		return Bad
	}
	handled := false
	for _, a := range append([]*Action(nil), d.actions...) {
		if t.OnHandlerEntry != nil {
			t.OnHandlerEntry(irq, a.Name)
		}
		ret := a.Handler(irq, a.DevID)
		if t.OnHandlerExit != nil {
			t.OnHandlerExit(irq, ret)
		}
		if ret&IRQHandled != 0 {
			handled = true
		}
	}
	if !handled {
		d.unhandled++
		return Unhandled
	}
	return Handled
}

// ErrCount is irq_err_count, the ERR: row of /proc/interrupts.
func (t *Table) ErrCount() uint64 { return t.errCount }

// DescInfo is a descriptor as plain values, for inspection.
type DescInfo struct {
	IRQ       int      `json:"irq"`
	Count     uint64   `json:"count"`
	Chip      string   `json:"chip"`
	Type      string   `json:"type"`
	Actions   []string `json:"actions"`
	Enabled   bool     `json:"enabled"`
	Depth     int      `json:"depth"`
	Replay    bool     `json:"replay_pending"`
	Raised    bool     `json:"raised"`
	Unhandled uint64   `json:"unhandled"`
}

// Info returns the descriptors in IRQ order. With all false it returns,
// as /proc/interrupts does, only lines that have an action or a count.
func (t *Table) Info(all bool) []DescInfo {
	pend := t.Pending()
	var out []DescInfo
	for i := range t.descs {
		d := &t.descs[i]
		if !all && len(d.actions) == 0 && d.count == 0 && d.depth == 0 && pend&(1<<i) == 0 {
			continue
		}
		names := make([]string, len(d.actions))
		for j, a := range d.actions {
			names[j] = a.Name
		}
		out = append(out, DescInfo{
			IRQ: i, Count: d.count, Chip: d.Chip, Type: d.Type, Actions: names,
			Enabled: d.depth == 0, Depth: d.depth, Replay: d.replay,
			Raised: pend&(1<<i) != 0, Unhandled: d.unhandled,
		})
	}
	return out
}
