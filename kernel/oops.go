package kernel

import (
	"fmt"
	"runtime"
	"strings"

	"kplay/consoledrv"
	"kplay/kernel/abi"
)

// Taint flags (TAINT_*), in the order of kernel/panic.c's taint_flags
// table; print_tainted prints one character per flag in this order.
const (
	TaintDie  = 7 // D: an Oops happened
	TaintWarn = 9 // W: a WARN fired
)

// taintChars is taint_flags[].c_true for Linux 6.6 (19 flags).
const taintChars = "PFSRMBUDAWCIOELKXTN"

// Tainted is print_tainted(): "Not tainted", or "Tainted: " and a
// character per flag ('G' for a clear P flag, a space for other clear ones).
func (k *Kernel) Tainted() string {
	if k.taint == 0 {
		return "Not tainted"
	}
	var b strings.Builder
	b.WriteString("Tainted: ")
	for i, c := range taintChars {
		switch {
		case k.taint&(1<<i) != 0:
			b.WriteRune(c)
		case i == 0:
			b.WriteByte('G')
		default:
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// warnFrames is the stack of WARN()'s caller down to the task boundary.
func warnFrames() []runtime.Frame {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	var out []runtime.Frame
	for {
		f, more := frames.Next()
		if strings.HasSuffix(f.Function, "runTask") || strings.HasPrefix(f.Function, "runtime.") {
			break
		}
		out = append(out, f)
		if !more {
			break
		}
	}
	return out
}

// bugError is what BUG() panics with: the kernel's own assertion.
type bugError struct {
	file string
	line int
	msg  string
}

// bug is BUG(): the current task Oopses with "kernel BUG at file:line!".
func (k *Kernel) bug(msg string) {
	_, file, line, _ := runtime.Caller(1)
	panic(bugError{file: shortFile(file), line: line, msg: msg})
}

// shortFile turns a Go source path into a kernel-tree-like one
// ("kernel/lkdtm.go").
func shortFile(path string) string {
	if i := strings.Index(path, "/kplay/"); i >= 0 {
		return path[i+len("/kplay/"):]
	}
	parts := strings.Split(path, "/")
	if len(parts) >= 2 {
		return strings.Join(parts[len(parts)-2:], "/")
	}
	return path
}

// cpuLine is dump_stack_print_info's line (Linux 6.6 format).
func (k *Kernel) cpuLine(t *Task) string {
	return fmt.Sprintf("CPU: 0 PID: %d Comm: %.20s %s %s %s", t.PID, t.Comm, k.Tainted(), Release, Version)
}

// warn is WARN(): it prints a warning with a call trace, taints the kernel
// with W, and carries on.
func (k *Kernel) warn(format string, args ...any) {
	t := k.current
	_, file, line, _ := runtime.Caller(1)
	k.printk(consoledrv.Warning, "------------[ cut here ]------------")
	k.printk(consoledrv.Warning, format, args...)
	frames := warnFrames()
	where := "?"
	if len(frames) > 0 {
		where = symbol(frames[0])
	}
	k.printk(consoledrv.Warning, "WARNING: CPU: 0 PID: %d at %s:%d %s", t.PID, shortFile(file), line, where)
	k.printk(consoledrv.Warning, "Modules linked in:")
	k.printk(consoledrv.Warning, "%s", k.cpuLine(t))
	k.callTrace(frames)
	k.printk(consoledrv.Warning, "---[ end trace 0000000000000000 ]---")
	k.taint |= 1 << TaintWarn
}

// oops reports a fault of task t (a Go panic recovered at the task
// boundary) as die() does, then kills the task: the machine goes on unless
// panic_on_oops is set, the fault hit interrupt context, or the task is
// init or the idle task, as in Linux.
//
// Preconditions: called from runTask's deferred recover, on t's thread.
func (k *Kernel) oops(t *Task, r any) {
	frames := faultFrames(2)
	inIRQ := k.hardirq > 0 || k.softirqNest > 0
	k.hardirq, k.softirqNest = 0, 0
	k.oopses++
	const sig = 11 // make_task_dead(SIGSEGV), as die() does
	var header string
	switch e := r.(type) {
	case bugError:
		k.printk(consoledrv.Warning, "------------[ cut here ]------------")
		k.printk(consoledrv.Crit, "kernel BUG at %s:%d!", e.file, e.line)
		if e.msg != "" {
			k.printk(consoledrv.Crit, "BUG: %s", e.msg)
		}
		header = "invalid opcode: 0000"
	case runtime.Error:
		msg := e.Error()
		if strings.Contains(msg, "nil pointer dereference") {
			k.printk(consoledrv.Alert, "BUG: kernel NULL pointer dereference, address: 0000000000000000")
			k.printk(consoledrv.Alert, "#PF: supervisor read access in kernel mode")
			k.printk(consoledrv.Alert, "#PF: error_code(0x0000) - not-present page")
			header = "Oops: 0000"
		} else {
			k.printk(consoledrv.Alert, "BUG: %s", msg)
			header = "general protection fault: 0000"
		}
	default:
		k.printk(consoledrv.Alert, "BUG: %v", r)
		header = "general protection fault: 0000"
	}
	k.printk(consoledrv.Warning, "%s [#%d]", header, k.oopses)
	k.printk(consoledrv.Warning, "Modules linked in:")
	k.printk(consoledrv.Warning, "%s", k.cpuLine(t))
	rip := "?"
	if len(frames) > 0 {
		rip = symbol(frames[0])
	}
	k.printk(consoledrv.Warning, "RIP: 0010:%s", rip)
	k.callTrace(frames)
	k.printk(consoledrv.Warning, "---[ end trace 0000000000000000 ]---")
	k.taint |= 1 << TaintDie
	switch {
	case inIRQ:
		k.panic("Fatal exception in interrupt")
	case k.cfg.PanicOnOops:
		k.panic("Fatal exception")
	}
	k.breakAtOops(t)
	// make_task_dead: the task dies with whatever it held; interrupts and
	// preemption come back on, its locks stay taken.
	if k.irqsOff > 0 {
		k.printk(consoledrv.Info, "note: %s[%d] exited with irqs disabled", t.Comm, t.PID)
		k.irqsOff = 0
	}
	if k.preemptCount > 0 {
		k.printk(consoledrv.Info, "note: %s[%d] exited with preempt_count %d", t.Comm, t.PID, k.preemptCount)
		k.preemptCount = 0
	}
	k.doExit(t, sig)
}

// faultFrames returns the stack of a recovered panic from the faulting
// function down to (not including) the task boundary: the frames of the
// recover machinery and of Go's panic path are dropped, and so is BUG()
// itself, which Linux inlines into its caller.
func faultFrames(skip int) []runtime.Frame {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(skip+1, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	var all []runtime.Frame
	for {
		f, more := frames.Next()
		all = append(all, f)
		if !more {
			break
		}
	}
	start := 0
	for i, f := range all {
		if f.Function == "runtime.gopanic" {
			start = i + 1
			break
		}
	}
	var out []runtime.Frame
	for _, f := range all[start:] {
		name := frameName(f.Function)
		switch {
		case strings.HasPrefix(f.Function, "runtime."), name == "(*Kernel).bug", name == "(*Kernel).warn":
			continue
		case strings.HasSuffix(name, "runTask"):
			return out
		}
		out = append(out, f)
	}
	return out
}

// frameName renders a Go function as a kernel symbol: without the module
// and package path ("(*Kernel).sysWrite", "kernel.init.func1").
func frameName(fn string) string {
	if i := strings.LastIndex(fn, "/"); i >= 0 {
		fn = fn[i+1:]
	}
	if i := strings.Index(fn, "."); i >= 0 && strings.HasPrefix(fn[i+1:], "(") {
		fn = fn[i+1:]
	}
	return fn
}

func symbol(f runtime.Frame) string {
	return fmt.Sprintf("%s+0x%x", frameName(f.Function), f.PC-f.Entry)
}

// callTrace prints a Call Trace block.
func (k *Kernel) callTrace(frames []runtime.Frame) {
	k.printk(consoledrv.Warning, "Call Trace:")
	k.printk(consoledrv.Warning, " <TASK>")
	for _, f := range frames {
		k.printk(consoledrv.Warning, " %s", symbol(f))
	}
	k.printk(consoledrv.Warning, " </TASK>")
}

// panic is the kernel's panic(): it prints the message, halts the machine
// and parks the CPU for good. The front end survives; it can reboot.
func (k *Kernel) panic(msg string) {
	k.printk(consoledrv.Emerg, "Kernel panic - not syncing: %s", msg)
	k.printk(consoledrv.Emerg, "---[ end Kernel panic - not syncing: %s ]---", msg)
	k.halted, k.haltWhy = true, msg
	k.host.Halt("panic: " + msg)
	for {
		k.parkFor(StopHalted)
	}
}

// Halted reports whether the machine has stopped, and why.
func (k *Kernel) Halted() (bool, string) { return k.halted, k.haltWhy }

// Error is a kernel-side failure reported to a front end: an errno and a
// message that says what was wrong.
type Error struct {
	Errno abi.Errno
	Msg   string
}

func (e *Error) Error() string { return e.Msg }

func errInvalid(format string, args ...any) error {
	return &Error{Errno: abi.EINVAL, Msg: fmt.Sprintf(format, args...)}
}

func errBusy(format string, args ...any) error {
	return &Error{Errno: abi.EBUSY, Msg: fmt.Sprintf(format, args...)}
}
