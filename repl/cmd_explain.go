package repl

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"kplay/consoledrv"
	"kplay/kernel"
	"kplay/kernel/abi"
	"kplay/sched"
	"kplay/timers"
)

// explainable is the last thing the REPL printed that explain can take
// apart: a kernel event (a step's hit, a line of events, a system call the
// syscall command made) or a timer that timer add or timer mod armed.
type explainable struct {
	ev    *kernel.Event
	timer *armedTimer
}

// armedTimer is a timer as timer add or timer mod armed it.
type armedTimer struct {
	Name  string
	Place timers.Placement
}

// remember keeps e (a copy, out of the kernel's ring) for explain.
func (s *Session) remember(e kernel.Event) {
	c := e.Clone()
	s.last = &explainable{ev: &c}
}

var explainCmd = &Command{
	Names:   []string{"explain"},
	Group:   "Inspection",
	Usage:   "explain [N]",
	Summary: "Explain the last event printed (or the N-th most recent of events) in the lecture's terms.",
	Help: `
Takes apart the last event the REPL printed (step, continue, events, a
syscall, timer add or timer mod) and says why it happened, with the
kernel's own numbers:

  switch    why prev left the CPU, which class picked next and by what
            rule (the leftmost vruntime of CFS, the highest RT priority),
            and the switch_to hand-off up(next.sem); down(prev.sem)
  timer     for a timer just armed: its distance from timer_jiffies, the
            bit ranges of tv1..tv5 (TVR_BITS 8, TVN_BITS 6), the slot
            internal_add_timer chose and the cascades that bring it to tv1;
            for a timer that ran: the tv1 slot __run_timers took it from
  cascade   why that slot of tv2..tv5 was emptied at that jiffy
  syscall   the path it took (task or application) and what its errno means
  irq       the handler chain of the line and what the outcome means
  tick      jiffies and the ticks NO_HZ skipped

explain N explains the N-th most recent event of the kernel's event ring
(explain 1 is the last line events prints, explain 2 the one above it).`,
	SeeAlso: []string{"events", "step", "timer", "help TOPIC"},
	MaxArgs: 1,
	Run: func(s *Session, inv *Invocation) error {
		x := s.last
		if len(inv.Args) == 1 {
			evs := s.K.Events()
			n, err := strconv.Atoi(inv.Args[0].Text)
			if err != nil || n < 1 {
				return usagef("explain: N must be a positive number, not %q", inv.Args[0].Text)
			}
			if n > len(evs) {
				return usagef("explain: there are only %d recent events (events %d lists them)", len(evs), len(evs))
			}
			e := evs[len(evs)-n].Clone()
			x = &explainable{ev: &e}
		}
		if x == nil {
			return usagef("explain: nothing to explain yet: step, events, syscall or timer add prints an event first")
		}
		if x.timer != nil {
			explainArming(inv.Out, x.timer)
			return nil
		}
		s.explainEvent(inv.Out, *x.ev)
		return nil
	},
}

// explainEvent renders the explanation of one kernel event.
func (s *Session) explainEvent(w io.Writer, e kernel.Event) {
	ts := consoledrv.FormatTime(e.TimeNs)
	ref := func(r kernel.TaskRef) string { return fmt.Sprintf("%s[%d]", r.Comm, r.PID) }
	switch e.Kind {
	case kernel.EvSwitch:
		explainSwitch(w, ts, e.Switch, ref)
	case kernel.EvTimer:
		tm := e.Timer
		fmt.Fprintf(w, "%s timer <%s> %s ran at jiffy %d (expires %d)\n", ts, tm.Function, tm.Owner, tm.Jiffies, tm.Expires)
		fmt.Fprintf(w, "  __run_timers processed jiffy %d: it moved tv1 slot %d & 255 = %d\n", tm.Jiffies, tm.Jiffies, tm.Jiffies&255)
		fmt.Fprintln(w, "  onto its work_list (list_replace_init) and called each timer's function")
		fmt.Fprintln(w, "  through call_timer_fn, in the order they were added, from the TIMER softirq.")
		if timers.TimeBefore(tm.Expires, tm.Jiffies) {
			fmt.Fprintf(w, "  Its expiry %d was already processed when it was armed, so internal_add_timer\n", tm.Expires)
			fmt.Fprintln(w, "  put it in the slot processed next: it ran at the next tick.")
		} else {
			fmt.Fprintln(w, "  A timer armed 256 or more jiffies ahead reached tv1 by cascades: timer add, then")
			fmt.Fprintln(w, "  explain, shows the vector it starts in and each cascade on its way down.")
		}
		fmt.Fprintln(w, "see: timers -v, step timer, help timer-wheel")
	case kernel.EvCascade:
		c := e.Cascade
		shift := timers.VectorShift(c.Vector)
		fmt.Fprintf(w, "%s cascade of tv%d slot %d at jiffy %d: %d timer(s) re-added\n", ts, c.Vector, c.Slot, c.Jiffies, c.Timers)
		fmt.Fprintf(w, "  jiffy %d has its low %d bits zero (%d & %d = 0): tv1", c.Jiffies, shift, c.Jiffies, uint64(1)<<shift-1)
		for v := 2; v < c.Vector; v++ {
			fmt.Fprintf(w, " and tv%d", v)
		}
		fmt.Fprintf(w, " wrapped,\n  so __run_timers cascaded tv%d's slot for bits %d-%d of the jiffy: (%d >> %d) & 63 = %d.\n",
			c.Vector, shift, shift+5, c.Jiffies, shift, c.Slot)
		fmt.Fprintf(w, "  Each timer there expires less than 2^%d jiffies ahead now, so internal_add_timer\n", shift)
		fmt.Fprintf(w, "  puts it in tv%d or below. A cascade costs one pass over the slot, every %d jiffies.\n", c.Vector-1, uint64(1)<<shift)
		fmt.Fprintln(w, "see: timers, step cascade, help timer-wheel")
	case kernel.EvSyscall:
		explainSyscall(w, ts, e.Syscall, ref)
	case kernel.EvIRQ:
		explainIRQ(w, ts, e.IRQ, ref)
	case kernel.EvTick:
		t := e.Tick
		fmt.Fprintf(w, "%s tick: IRQ 0, jiffies %d (+%d)\n", ts, t.Jiffies, t.Ticks)
		fmt.Fprintln(w, "  The tick handler (tick_handle_periodic, do_timer) advances jiffies, charges the")
		fmt.Fprintln(w, "  running task its tick (update_process_times, scheduler_tick) and raises the")
		fmt.Fprintln(w, "  TIMER softirq when the wheel has a jiffy to process.")
		if t.Skipped > 0 {
			fmt.Fprintf(w, "  %d of the %d ticks were skipped: the CPU was idle and NO_HZ stopped the tick\n", t.Skipped, t.Ticks)
			fmt.Fprintln(w, "  until the next timer (tick_nohz_idle_enter); jiffies catch up in one step.")
		}
		fmt.Fprintln(w, "see: status, step tick, help nohz")
	case kernel.EvOops:
		fmt.Fprintf(w, "%s oops in %s\n", ts, ref(*e.Oops))
		fmt.Fprintln(w, "  Kernel code running for this task hit a BUG() or a bad access. die() printed an")
		fmt.Fprintln(w, "  Oops (the reason, the registers' stand-in, the call trace) and the task is killed")
		fmt.Fprintln(w, "  with do_exit; the kernel runs on, tainted (D). With panic_on_oops it would halt.")
		fmt.Fprintln(w, "see: dmesg, lkdtm, sysctl kernel.panic_on_oops")
	default:
		fmt.Fprintf(w, "%s %s: no explanation for this kind of event\n", ts, e.Kind)
	}
}

// explainSwitch says why prev left the CPU and why next was picked.
func explainSwitch(w io.Writer, ts string, sw *kernel.SwitchEvent, ref func(kernel.TaskRef) string) {
	prev, next := ref(sw.Prev), ref(sw.Next)
	fmt.Fprintf(w, "%s switch %s (%s) -> %s\n", ts, prev, sw.PrevState, next)
	switch {
	case sw.Prev.PID == 0:
		fmt.Fprintf(w, "  prev: %s, the idle task, had the CPU; why it gives it up:\n        %s\n", prev, sw.Why)
	case strings.HasPrefix(sw.PrevState, "R"):
		fmt.Fprintf(w, "  prev: %s stays runnable (state %s), on the run queue; why it left the CPU:\n        %s\n", prev, sw.PrevState, sw.Why)
	case sw.PrevState == "X" || sw.PrevState == "Z":
		fmt.Fprintf(w, "  prev: %s exited (state %s) and gives up the CPU for good:\n        %s\n", prev, sw.PrevState, sw.Why)
	default:
		fmt.Fprintf(w, "  prev: %s blocked (state %s) and left the run queue (dequeue_task):\n        %s\n", prev, sw.PrevState, sw.Why)
	}
	fmt.Fprintln(w, "  pick: __schedule asks the classes highest first, rt then fair then idle;")
	p := sw.Pick
	vr := sched.FormatNs(p.Vruntime)
	switch p.Kind {
	case sched.PickLeftmost:
		fmt.Fprintln(w, "        rt had nothing runnable, so fair (CFS) chose, by pick_next_entity:")
		fmt.Fprintf(w, "        %s is the leftmost of the red-black tree, the smallest vruntime,\n", next)
		fmt.Fprintf(w, "        %s ms, of the %d runnable fair entities\n", vr, p.Nr)
		if p.HasRunner {
			fmt.Fprintf(w, "        (the runner-up has %s ms: %s ms more)\n", sched.FormatNs(p.Runner), sched.FormatNs(p.Runner-p.Vruntime))
		}
	case sched.PickYieldSkip:
		fmt.Fprintln(w, "        rt had nothing runnable, so fair (CFS) chose, by pick_next_entity:")
		fmt.Fprintln(w, "        the leftmost had yielded (the skip buddy), so the next in the tree:")
		fmt.Fprintf(w, "        %s, vruntime %s ms, within the wakeup granularity of it\n", next, vr)
	case sched.PickNextBuddy:
		fmt.Fprintln(w, "        rt had nothing runnable, so fair (CFS) chose, by pick_next_entity:")
		fmt.Fprintf(w, "        %s, the next buddy (it woke and preempted), vruntime %s ms,\n", next, vr)
		fmt.Fprintln(w, "        not more than a wakeup granularity right of the leftmost")
	case sched.PickLastBuddy:
		fmt.Fprintln(w, "        rt had nothing runnable, so fair (CFS) chose, by pick_next_entity:")
		fmt.Fprintf(w, "        %s, the last buddy (a wakeup preempted it), vruntime %s ms,\n", next, vr)
		fmt.Fprintln(w, "        to give back the CPU to the task the wakeup took it from")
	case sched.PickRT:
		fmt.Fprintf(w, "        rt chose %s: prio %d (rt_priority %d = 99 - prio) is the first set bit\n", next, p.Prio, p.RTPriority)
		fmt.Fprintf(w, "        of its priority bitmap, and %s heads that list of %d (FIFO order;\n", next, p.Nr)
		fmt.Fprintln(w, "        SCHED_RR moves a task to the tail when its timeslice ends)")
	case sched.PickIdle:
		fmt.Fprintln(w, "        no class had a runnable task, so the idle class runs swapper/0, which")
		fmt.Fprintln(w, "        waits for the next interrupt (with NO_HZ the tick stops meanwhile)")
	default:
		fmt.Fprintf(w, "        %s\n", p)
	}
	if p.HasRunner && (p.Kind == sched.PickYieldSkip || p.Kind == sched.PickNextBuddy || p.Kind == sched.PickLastBuddy) {
		fmt.Fprintf(w, "        (the leftmost has %s ms: %s ms less)\n", sched.FormatNs(p.Runner), sched.FormatNs(p.Vruntime-p.Runner))
	}
	fmt.Fprintf(w, "  switch_to: up(%s.sem) lets %s's thread run; down(%s.sem) parks %s's\n", sw.Next.Comm, sw.Next.Comm, sw.Prev.Comm, sw.Prev.Comm)
	fmt.Fprintln(w, "        until a switch back to it (LKL's semaphore hand-off)")
	see := "see: runq, task " + strconv.Itoa(sw.Next.PID) + ", help switch_to"
	switch p.Kind {
	case sched.PickRT:
		see += ", help rt"
	case sched.PickIdle:
		see += ", help nohz"
	default:
		see += ", help cfs"
	}
	fmt.Fprintln(w, see)
}

// explainArming shows why internal_add_timer put a timer where it did.
func explainArming(w io.Writer, t *armedTimer) {
	p := t.Place
	fmt.Fprintf(w, "%s expires at jiffies %d; the wheel's timer_jiffies is %d\n", t.Name, p.Expires, p.TimerJiffies)
	if p.Overdue {
		fmt.Fprintf(w, "idx = expires - timer_jiffies = %d: already due, so internal_add_timer put it\n", p.Idx)
		fmt.Fprintf(w, "in the slot processed next, tv1 slot timer_jiffies & 255 = %d; it runs at the next tick.\n", p.Slot)
		fmt.Fprintln(w, "see: timers, help timer-wheel")
		return
	}
	fmt.Fprintf(w, "idx = expires - timer_jiffies = %d jiffies\n", p.Idx)
	rows := []struct{ limit, bits string }{
		{"idx < 2^8  = 256", "bits 0-7   slot = expires & 255"},
		{"idx < 2^14 = 16384", "bits 8-13  slot = (expires >> 8) & 63"},
		{"idx < 2^20 = 1048576", "bits 14-19 slot = (expires >> 14) & 63"},
		{"idx < 2^26 = 67108864", "bits 20-25 slot = (expires >> 20) & 63"},
		{"idx < 2^32", "bits 26-31 slot = (expires >> 26) & 63"},
	}
	for i, r := range rows {
		mark, val := " ", ""
		if i+1 == p.Vector {
			mark, val = ">", fmt.Sprintf(" = %d", p.Slot)
		}
		fmt.Fprintf(w, "%s tv%d  %-22s %s%s\n", mark, i+1, r.limit, r.bits, val)
	}
	if p.Capped {
		fmt.Fprintln(w, "(beyond 2^32-1 jiffies: internal_add_timer caps it at the maximum timeout)")
	}
	fmt.Fprintf(w, "so internal_add_timer put %s in tv%d slot %d (TVR_BITS 8, TVN_BITS 6).\n", t.Name, p.Vector, p.Slot)
	if cs := p.Cascades(); len(cs) > 0 {
		fmt.Fprintln(w, "It comes down by cascades, each when the vectors below wrap to its slot:")
		slot := p.Slot
		for _, c := range cs {
			fmt.Fprintf(w, "  at jiffies %d tv%d slot %d cascades: re-added to tv%d slot %d\n", c.At, c.From, slot, c.To, c.Slot)
			slot = c.Slot
		}
	}
	fmt.Fprintf(w, "At jiffies %d the TIMER softirq runs it from tv1 slot %d.\n", p.Expires, p.Expires&255)
	fmt.Fprintln(w, "see: timers, timers -v, step cascade, help timer-wheel")
}

// explainSyscall says which path a system call took and what it returned.
func explainSyscall(w io.Writer, ts string, r *kernel.SyscallRecord, ref func(kernel.TaskRef) string) {
	fmt.Fprintf(w, "%s syscall %s by %s on the %s path\n", ts, strings.Join(strings.Fields(r.String()), " "), ref(r.Task), r.Path)
	if r.Path == kernel.PathApp {
		fmt.Fprintln(w, "  application path: the caller, outside the kernel, queued the request and raised")
		fmt.Fprintf(w, "  IRQ_SYSCALL (%d); its handler woke %s, a kernel thread that ran\n", kernel.IRQSyscall, ref(r.Task))
		fmt.Fprintln(w, "  the call in its own task context while the caller slept on a completion")
		fmt.Fprintln(w, "  semaphore (LKL's lkl_syscall).")
	} else {
		fmt.Fprintf(w, "  task path: %s held the CPU and trapped in (syscall, entry_SYSCALL_64,\n", ref(r.Task))
		fmt.Fprintf(w, "  do_syscall_64); the call ran in its process context as sys_call_table[%d].\n", r.Nr)
	}
	switch e := r.Errno(); {
	case r.Entering:
		fmt.Fprintln(w, "  It has not returned yet: it stopped at its entry (a breakpoint).")
	case r.NoReturn:
		fmt.Fprintln(w, "  It does not return: the task is gone (exit) or its image replaced.")
	case e != 0:
		fmt.Fprintf(w, "  It returned -%d: %s (%s); the C library returns -1\n  and sets errno to %s.\n", int(e), e.Name(), e.Error(), e.Name())
		if h := errnoHint(e); h != "" {
			fmt.Fprintf(w, "  %s: %s\n", e.Name(), h)
		}
	case !r.Known:
		fmt.Fprintf(w, "  Linux has no system call %d.\n", r.Nr)
	default:
		fmt.Fprintf(w, "  It returned %d: success (a value from 0 up; -4095..-1 would be an -errno).\n", r.Ret)
	}
	fmt.Fprintln(w, "see: strace, sysent, help syscall-paths")
}

// errnoHint says, for the common errnos, where the kernel returns them.
func errnoHint(e abi.Errno) string {
	switch e.Name() {
	case "ENOENT":
		return "a component of the path does not exist (the dentry lookup found a negative dentry)"
	case "EFAULT":
		return "a pointer argument is outside the caller's mapped memory: copy_from_user/copy_to_user failed"
	case "EBADF":
		return "the file descriptor is not open (or not open for this access mode)"
	case "EINVAL":
		return "an argument is out of range or the combination of flags is not allowed"
	case "EPERM":
		return "the caller lacks the privilege (a capability, or the right uid) for this operation"
	case "EACCES":
		return "the permission bits (or an ACL) refuse this access (inode_permission)"
	case "ENOSYS":
		return "no such system call is implemented: sys_ni_syscall"
	case "EAGAIN":
		return "the call would block and O_NONBLOCK is set, or a resource is temporarily short"
	case "EINTR":
		return "a signal arrived while the call slept, and it is not restarted"
	case "ENOMEM":
		return "the kernel could not allocate memory (or the address space is full)"
	case "EPIPE":
		return "write to a pipe with no reader left; SIGPIPE is sent as well"
	case "ECHILD":
		return "the caller has no child to wait for"
	case "ESRCH":
		return "no process (or thread) with that id"
	case "EEXIST":
		return "the name exists already (O_CREAT|O_EXCL, mkdir, link)"
	case "ENOTDIR":
		return "a path component that must be a directory is not one"
	case "EISDIR":
		return "the file is a directory and the operation wants a regular file"
	case "EMFILE":
		return "the process has RLIMIT_NOFILE descriptors open already"
	}
	return ""
}

// explainIRQ shows the handler chain of the line an interrupt came on.
func explainIRQ(w io.Writer, ts string, q *kernel.IRQEvent, ref func(kernel.TaskRef) string) {
	name := q.Name
	if name == "" {
		name = "no handler"
	}
	fmt.Fprintf(w, "%s irq %d (%s) %s, interrupted %s\n", ts, q.IRQ, name, q.Outcome, ref(q.On))
	fmt.Fprintf(w, "  do_IRQ ran on %s's stack in hardirq context (chip %s);\n  handle_irq_event", ref(q.On), q.Chip)
	if len(q.Actions) == 0 {
		fmt.Fprintln(w, " found no action on the line: handle_bad_irq counted it, \"unexpected IRQ trap\".")
	} else {
		fmt.Fprintf(w, " called the line's %d action(s) in the order request_irq added them:\n", len(q.Actions))
		for i, a := range q.Actions {
			fmt.Fprintf(w, "    %d. %s\n", i+1, a)
		}
	}
	switch q.Outcome {
	case "handled":
		fmt.Fprintln(w, "  handled: at least one handler returned IRQ_HANDLED (on a shared line, each")
		fmt.Fprintln(w, "  handler checks whether its device raised it and returns IRQ_NONE if not).")
	case "unhandled":
		fmt.Fprintln(w, "  unhandled: every handler returned IRQ_NONE; note_interrupt counts it toward")
		fmt.Fprintln(w, "  the spurious-interrupt detector.")
	case "masked":
		fmt.Fprintln(w, "  masked: the line is disabled (disable_irq); the interrupt is flagged for")
		fmt.Fprintln(w, "  replay and runs when enable_irq unmasks the line.")
	}
	fmt.Fprintln(w, "  On irq_exit, the softirqs its handlers raised run (do_softirq): the bottom half.")
	fmt.Fprintln(w, "see: irq list, softirqs, help softirq")
}
