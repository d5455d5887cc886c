package kernel

import (
	"strconv"
	"strings"

	"kplay/irq"
)

// /proc/interrupts and /proc/softirqs, in Linux 6.6's formats, for one
// CPU.

// InterruptLine is one line of /proc/interrupts with its columns as
// show_interrupts (kernel/irq/proc.c) fills them, and for a numbered line
// the descriptor it shows. The REPL's irq table and /proc/interrupts both
// render these.
type InterruptLine struct {
	// Label is the first column without its colon: the IRQ number, or an
	// architecture line's name ("ERR").
	Label string
	// Count is the CPU0 column (kstat_irqs_cpu), or the arch counter.
	Count uint64
	// Chip is the irq_chip's name; HWIRQ is the hardware IRQ number and
	// the flow handler's name (desc->name), "4-edge"; Actions are the
	// handlers' names, "mydev, other". All three are empty on arch lines.
	Chip, HWIRQ, Actions string
	// Desc is the descriptor of a numbered line; nil on arch lines.
	Desc *irq.DescInfo
}

// Interrupts returns the interrupt lines: with all false those
// irq.Table.Info lists (a handler, a count, or a state worth showing),
// with all true every line; then ERR, the count of spurious interrupts
// (irq_err_count), which x86's arch_show_interrupts prints last. kplay
// has no local APIC, NMIs or IPIs, so the other arch lines (NMI, LOC,
// RES, CAL...) do not appear.
func (k *Kernel) Interrupts(all bool) []InterruptLine {
	descs := k.irqs.Info(all)
	out := make([]InterruptLine, 0, len(descs)+1)
	for i := range descs {
		d := &descs[i]
		out = append(out, InterruptLine{
			Label: strconv.Itoa(d.IRQ), Count: d.Count, Chip: d.Chip,
			// Every kplay line is in the chip's domain, with hwirq = irq.
			HWIRQ:   strconv.Itoa(d.IRQ) + "-" + d.Type,
			Actions: strings.Join(d.Actions, ", "),
			Desc:    d,
		})
	}
	return append(out, InterruptLine{Label: "ERR", Count: k.irqs.ErrCount()})
}

// procIRQPrec is show_interrupts' width of the first column: 3 digits,
// one more for each power of ten up to nr_irqs.
func procIRQPrec() int {
	prec := 3
	for j := 1000; prec < 10 && j <= irq.NrIRQs; j *= 10 {
		prec++
	}
	return prec
}

// ProcInterrupts renders /proc/interrupts (show_interrupts, Linux 6.6):
// the header, "%*s" of prec+8 spaces then "CPU%-8d" per CPU; a line per
// IRQ that has a handler or a count, "%*d: ", "%10u " per CPU, the chip
// " %8s", the hwirq " %*lu", "-%-8s" the flow name, then "  " and the
// actions separated by ", "; then ERR as "%*s: %10u".
func (k *Kernel) ProcInterrupts() string {
	prec := procIRQPrec()
	var b strings.Builder
	b.WriteString(sprintf("%*s", prec+8, ""))
	b.WriteString(sprintf("CPU%-8d", 0))
	b.WriteByte('\n')
	for _, l := range k.Interrupts(false) {
		if l.Desc == nil {
			b.WriteString(sprintf("%*s: %10d\n", prec, l.Label, l.Count))
			continue
		}
		d := l.Desc
		if len(d.Actions) == 0 && d.Count == 0 {
			continue // Linux lists only lines with an action or a count
		}
		b.WriteString(sprintf("%*d: %10d ", prec, d.IRQ, d.Count))
		b.WriteString(sprintf(" %8s", d.Chip))
		b.WriteString(sprintf(" %*d-%-8s", prec, d.IRQ, d.Type))
		if l.Actions != "" {
			b.WriteString("  " + l.Actions)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// ProcSoftirqs renders /proc/softirqs (show_softirqs, Linux 6.6): twenty
// spaces and "CPU%-8d" per CPU, then each vector as "%12s:" and " %10u"
// per CPU, in softirq_to_name's order.
func (k *Kernel) ProcSoftirqs() string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", 20))
	b.WriteString(sprintf("CPU%-8d", 0))
	b.WriteByte('\n')
	for _, s := range k.Softirqs() {
		b.WriteString(sprintf("%12s: %10d\n", s.Name, s.Count))
	}
	return b.String()
}
