package kernel

import (
	"strings"

	"kplay/irq"
)

// /proc/interrupts and /proc/softirqs, in Linux 6.6's formats, for one
// CPU.

// archIRQLines are the lines x86's arch_show_interrupts prints after the
// numbered ones with a count per CPU, for kplay's configuration:
// CONFIG_X86_LOCAL_APIC and CONFIG_SMP (every x86-64 distribution kernel),
// without the thermal vector, machine checks, a hypervisor callback or
// KVM's posted interrupts. kplay has no local APIC, NMIs or IPIs: its tick
// is IRQ 0, so these count nothing and stay 0.
var archIRQLines = []struct{ name, desc string }{
	{"NMI", "Non-maskable interrupts"},
	{"LOC", "Local timer interrupts"},
	{"SPU", "Spurious interrupts"},
	{"PMI", "Performance monitoring interrupts"},
	{"IWI", "IRQ work interrupts"},
	{"RTR", "APIC ICR read retries"},
	{"RES", "Rescheduling interrupts"},
	{"CAL", "Function call interrupts"},
	{"TLB", "TLB shootdowns"},
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

// ProcInterrupts renders /proc/interrupts (show_interrupts in
// kernel/irq/proc.c, arch_show_interrupts in arch/x86/kernel/irq.c, Linux
// 6.6): the header, prec+8 spaces then "CPU%-8d" per CPU; a line per IRQ
// that has an action or a count: "%*d: ", "%10u " per CPU, the chip as
// " %8s", the hwirq " %*lu" (kplay's lines are their own chip's domain,
// hwirq = irq), the flow handler's name "-%-8s", then "  " and the action
// names joined by ", "; then the arch lines "%*s: ", "%10u " per CPU and
// "  " and the description; last ERR (irq_err_count, raises of lines
// that do not exist) and MIS (irq_mis_count, IO-APIC mismatches: none) as
// "%*s: %10u".
func (k *Kernel) ProcInterrupts() string {
	prec := procIRQPrec()
	var b strings.Builder
	b.WriteString(sprintf("%*s", prec+8, ""))
	b.WriteString(sprintf("CPU%-8d", 0))
	b.WriteByte('\n')
	descs, errCount := k.IRQs(false)
	for _, d := range descs {
		if len(d.Actions) == 0 && d.Count == 0 {
			continue // listed by Info for its state, not by Linux
		}
		b.WriteString(sprintf("%*d: %10d ", prec, d.IRQ, d.Count))
		b.WriteString(sprintf(" %8s %*d-%-8s", d.Chip, prec, d.IRQ, d.Type))
		if len(d.Actions) > 0 {
			b.WriteString("  " + strings.Join(d.Actions, ", "))
		}
		b.WriteByte('\n')
	}
	for _, l := range archIRQLines {
		b.WriteString(sprintf("%*s: %10d   %s\n", prec, l.name, 0, l.desc))
	}
	b.WriteString(sprintf("%*s: %10d\n", prec, "ERR", errCount))
	b.WriteString(sprintf("%*s: %10d\n", prec, "MIS", 0))
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
