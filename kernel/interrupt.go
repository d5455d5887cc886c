package kernel

import (
	"errors"
	"math/bits"

	"kplay/consoledrv"
	"kplay/irq"
	"kplay/kernel/abi"
)

// irqInit sets up the lines the kernel itself owns (init_IRQ).
func (k *Kernel) irqInit() {
	k.must(k.irqs.RequestIRQ(IRQSyscall, k.syscallInterrupt, 0, "syscall", nil))
	k.softirqs.Open(irq.TimerSoftirq, k.runTimerSoftirq)
}

// must turns a boot-time setup error into a kernel panic.
func (k *Kernel) must(err error) {
	if err != nil {
		k.panic("boot: " + err.Error())
	}
}

// deliverIRQs is a delivery point: every pending line is handled, lowest
// number first, then softirqs run on irq exit (do_IRQ / irq_exit).
//
// Preconditions: process context (or the idle loop).
func (k *Kernel) deliverIRQs() {
	if k.irqsOff > 0 || k.irqs.Pending() == 0 {
		return // nothing raised, or local_irq_save holds it pending
	}
	for {
		p := k.irqs.TakePending()
		if p == 0 {
			return
		}
		for p != 0 {
			n := bits.TrailingZeros64(p)
			p &^= 1 << n
			k.doIRQ(n)
			if k.stop.until != "" && k.stop.remaining == 0 && p != 0 {
				// A step stops at this interrupt: the others stay
				// pending for the next run.
				for ; p != 0; p &= p - 1 {
					k.irqs.Raise(bits.TrailingZeros64(p))
				}
				return
			}
		}
	}
}

// doIRQ handles one interrupt on the current task's stack.
func (k *Kernel) doIRQ(n int) {
	interrupted := k.current
	k.hardirq++ // irq_enter
	out := k.irqs.Handle(n)
	if out == irq.Bad {
		// handle_bad_irq counted it on the line; x86's ack_bad_irq says so.
		k.printk(consoledrv.Err, "unexpected IRQ trap at vector %02x", n)
	}
	k.hardirq-- // irq_exit
	name := ""
	d := k.irqs.Info(true)[n]
	if len(d.Actions) > 0 {
		name = d.Actions[0]
	}
	k.emit(Event{Kind: EvIRQ, IRQ: &IRQEvent{IRQ: n, Name: name, Actions: d.Actions, Chip: d.Chip, Outcome: out.String(), On: k.ref(interrupted)}})
	if k.softirqs.Pending() != 0 {
		k.doSoftirq()
	}
}

// doSoftirq runs pending softirqs in softirq context (invoke_softirq) and
// wakes ksoftirqd/0 if they keep coming back.
func (k *Kernel) doSoftirq() {
	k.softirqNest++
	leftover := k.softirqs.DoSoftirq()
	k.softirqNest--
	if leftover && k.softd != nil {
		k.wakeUpProcess(k.softd)
	}
}

// ksoftirqd runs softirqs that irq exit left over (run_ksoftirqd).
func (k *Kernel) ksoftirqd(self *Task) {
	self.enter(kthreadFrames("smpboot_thread_fn")...)
	for {
		for k.softirqs.Pending() != 0 {
			k.doSoftirq()
			k.condResched()
		}
		k.sleepOn(TaskInterruptible, "no softirq pending")
	}
}

// RaiseIRQ raises a line from outside the kernel, as a device would. The
// interrupt is serviced the next time the machine runs. Safe from any
// goroutine.
func (k *Kernel) RaiseIRQ(n int) error {
	if n < 0 || n >= irq.NrIRQs {
		return errInvalid("irq %d: lines are 0-%d", n, irq.NrIRQs-1)
	}
	k.irqs.Raise(n)
	k.host.Kick()
	return nil
}

// IRQ action management for front ends.

// demoDev identifies a handler attached from the front end.
type demoDev struct{ name string }

// RequestDemoIRQ attaches a demonstration handler named name to line n: its
// top half counts and logs, and schedules a tasklet (its bottom half) that
// logs too. Lines are requested shared, so several demo handlers can share
// one, but not a line the kernel holds unshared (the timer, the console).
func (k *Kernel) RequestDemoIRQ(n int, name string) error {
	if name == "" {
		return errInvalid("a handler needs a name")
	}
	dev := &demoDev{name: name}
	count := 0
	tl := &irq.Tasklet{Name: name + "_tasklet"}
	tl.Func = func() {
		k.printk(consoledrv.Info, "%s: tasklet ran (bottom half of irq %d)", name, n)
	}
	h := func(line int, _ any) irq.Return {
		count++
		k.printk(consoledrv.Info, "%s: irq %d handled (%d so far)", name, line, count)
		k.softirqs.TaskletSchedule(tl)
		return irq.IRQHandled
	}
	for _, d := range k.irqs.Info(true)[n:min(n+1, irq.NrIRQs)] {
		for _, a := range d.Actions {
			if a == name {
				return errBusy("irq %d: a handler named %q is attached already", n, name)
			}
		}
	}
	if err := k.irqs.RequestIRQ(n, h, irq.IRQFShared, name, dev); err != nil {
		return irqErr(err)
	}
	k.demoDevs = append(k.demoDevs, demoEntry{n, dev})
	return nil
}

type demoEntry struct {
	irq int
	dev *demoDev
}

// FreeDemoIRQ detaches the demonstration handler name from line n.
func (k *Kernel) FreeDemoIRQ(n int, name string) error {
	for i, e := range k.demoDevs {
		if e.irq == n && e.dev.name == name {
			if err := k.irqs.FreeIRQ(n, e.dev); err != nil {
				return irqErr(err)
			}
			k.demoDevs = append(k.demoDevs[:i], k.demoDevs[i+1:]...)
			return nil
		}
	}
	if n < 0 || n >= irq.NrIRQs {
		return errInvalid("irq %d: lines are 0-%d", n, irq.NrIRQs-1)
	}
	// Checked here rather than letting free_irq WARN ("Trying to free
	// already-free IRQ"): a typo at the prompt must not taint the kernel.
	return errInvalid("irq %d: no handler named %q (only handlers attached with irq request can be freed)", n, name)
}

// DisableIRQ is disable_irq on line n.
func (k *Kernel) DisableIRQ(n int) error { return irqErr(k.irqs.Disable(n)) }

// EnableIRQ is enable_irq on line n; an interrupt that arrived while the
// line was disabled is raised again. An unbalanced enable is refused with
// Linux's message, without the WARN a driver would get.
func (k *Kernel) EnableIRQ(n int) (resent bool, err error) {
	resent, err = k.irqs.Enable(n)
	return resent, irqErr(err)
}

// irqErr maps an irq package error to an Error with an errno.
func irqErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, irq.ErrBusy):
		return &Error{Errno: abi.EBUSY, Msg: err.Error()}
	default:
		return &Error{Errno: abi.EINVAL, Msg: err.Error()}
	}
}

// consoleInit registers kcon0 and its input interrupt (console_init).
func (k *Kernel) consoleInit() {
	k.console = &consoledrv.Console{Name: "kcon", Index: 0, PrintBuffer: true}
	k.con.Register(k.console, k.cfg.Console)
	k.must(k.irqs.RequestIRQ(IRQConsole, k.consoleInterrupt, 0, "kcon0", nil))
}

// consoleInterrupt moves what was typed into the console to its read
// queue and wakes init, which reads it (the console's receive interrupt).
func (k *Kernel) consoleInterrupt(int, any) irq.Return {
	if len(k.consoleIn) == 0 {
		return irq.IRQNone
	}
	k.ttyQueue = append(k.ttyQueue, k.consoleIn...)
	k.consoleIn = nil
	if k.initTsk != nil {
		k.wakeUpProcess(k.initTsk)
	}
	return irq.IRQHandled
}
