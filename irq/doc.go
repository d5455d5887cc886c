// Package irq holds kplay's interrupt descriptors and bottom halves: the
// data structures of Linux's kernel/irq and kernel/softirq.c, without the
// code that decides when they run (that is the kernel's, see DESIGN.md §3.3).
//
// An interrupt line has a descriptor (struct irq_desc): the chip it hangs
// off, its trigger type, a chain of actions (struct irqaction, one per
// request_irq; several when the line is shared), a disable depth and the
// per-CPU count shown in /proc/interrupts.
//
// Raising a line only sets its bit in the pending bitmap; Raise is the one
// operation that is safe from any goroutine, so a host timer can raise IRQ 0
// while the CPU is busy. The kernel takes the bitmap at its delivery points
// and calls Handle for each bit, lowest number first (IRQ 0 has the highest
// priority, as on the 8259).
//
// Handle is handle_edge_irq: a line disabled with disable_irq is remembered
// as pending and replayed by enable_irq (Linux's lazy disable and
// check_irq_resend); a line with no action is counted and reported as a bad
// IRQ (handle_bad_irq, whose x86 ack_bad_irq prints
// "unexpected IRQ trap at vector NN").
//
// Softirqs are the ten vectors of Linux, in Linux's order and with its names.
// DoSoftirq is __do_softirq: it runs the pending vectors and restarts while
// new ones are raised, at most MaxSoftirqRestart times, then reports that
// ksoftirqd must take over. Tasklets are run by the TASKLET and HI vectors.
package irq
