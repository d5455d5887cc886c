package repl

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"kplay/kernel"
	"kplay/kernel/abi"
)

var breakCmd = &Command{
	Names:   []string{"break", "b"},
	Group:   "Time and stepping",
	Usage:   "break switch|syscall NAME|irq N|timer [NAME]|oops [pid=N] [comm=X]",
	Summary: "Set a breakpoint: run, step and continue park the kernel where it hits.",
	Help: `
  break switch [pid=N|comm=X]   a context switch to or from the task
  break syscall NAME            a system call's entry, before it runs
                                (NAME or number; pid=/comm= for the caller)
  break irq N                   interrupt N is serviced
  break timer [NAME]            the TIMER softirq runs a timer: any, or the
                                one whose function or owner is NAME
  break oops                    a task Oopses, before it dies

A switch, a syscall or an Oops parks the kernel at the hit, in the task
where it happened: bt shows the task inside the call, ps and runq the state
of the moment. An interrupt or a timer runs in interrupt context, where
nothing can park: the kernel parks at the next safe point, once the
handler or the TIMER softirq is done (a task it woke is runnable by then).
Breakpoints stop run, step, continue and lkdtm, not the REPL's own
syscall command. HITS counts every match, also those while the kernel was
already on its way to park. continue runs on to the next hit; info break
lists the breakpoints with their hit counts; delete removes them.`,
	SeeAlso: []string{"continue", "info", "delete", "step", "bt"},
	MinArgs: 1, MaxArgs: 4,
	Words: func(_ *Session, prev []string) []string {
		if len(prev) == 0 {
			return []string{"irq", "oops", "switch", "syscall", "timer"}
		}
		if len(prev) == 1 && prev[0] == "syscall" {
			return abi.SyscallNames()
		}
		return nil
	},
	Run: func(s *Session, inv *Invocation) error {
		b := kernel.Breakpoint{Kind: kernel.EventKind(inv.Args[0].Text)}
		rest := inv.Args[1:]
		// The positional argument of syscall, irq and timer.
		if len(rest) > 0 && !strings.Contains(rest[0].Text, "=") {
			arg := rest[0].Text
			rest = rest[1:]
			switch b.Kind {
			case kernel.EvSyscall:
				nr, ok := abi.SyscallNumber(arg)
				if !ok {
					n, err := strconv.Atoi(arg)
					if err != nil {
						return usagef("break syscall: %q is not a system call name or number", arg)
					}
					nr = n
				}
				b.Syscall = nr
			case kernel.EvIRQ:
				n, err := strconv.Atoi(arg)
				if err != nil {
					return usagef("break irq: %q is not an IRQ number", arg)
				}
				b.IRQ = n
			case kernel.EvTimer:
				b.Timer = arg
			default:
				return usagef("break %s takes no %q (only pid=N or comm=X)", b.Kind, arg)
			}
		} else if b.Kind == kernel.EvSyscall || b.Kind == kernel.EvIRQ {
			return usagef("break %s: which one? (break syscall nanosleep, break irq 4)", b.Kind)
		}
		for _, a := range rest {
			k, v, ok := strings.Cut(a.Text, "=")
			switch {
			case ok && k == "pid":
				n, err := strconv.Atoi(v)
				if err == nil && n == 0 {
					return usagef("break: pid=0 means any task here; for swapper/0 write comm=swapper/0")
				}
				if err != nil || n < 0 {
					return usagef("break: pid=%q: want a pid", v)
				}
				b.PID = n
			case ok && k == "comm":
				b.Comm = v
			default:
				return usagef("break: %q: want pid=N or comm=X", a.Text)
			}
		}
		if b.Kind == kernel.EvTimer && (b.PID != 0 || b.Comm != "") {
			return usagef("break timer: timers run in softirq context; name the timer's function or owner instead of pid=/comm=")
		}
		got, err := s.K.AddBreakpoint(b)
		if err != nil {
			return usagef("%v", err)
		}
		fmt.Fprintf(inv.Out, "Breakpoint %d: %s\n", got.ID, got.Where())
		return nil
	},
}

var continueCmd = &Command{
	Names:   []string{"continue", "c"},
	Group:   "Time and stepping",
	Usage:   "continue [--for DURATION]",
	Summary: "Run until the next breakpoint hit (at most --for of simulated time).",
	SeeAlso: []string{"break", "step", "run"},
	MaxArgs: 0,
	Flags: func(fs *pflag.FlagSet) {
		fs.String("for", "60s", "give up after this much simulated time")
	},
	Run: func(s *Session, inv *Invocation) error {
		if err := s.requireRunning(); err != nil {
			return err
		}
		if len(s.K.Breakpoints()) == 0 {
			return usagef("continue: no breakpoints set (break switch, break syscall NAME, ...); use run to let time pass")
		}
		budget, err := durationFlag(s, inv.Flags, "for")
		if err != nil {
			return err
		}
		res := s.K.Run(kernel.Stop{For: budget, Breakpoints: true})
		s.reportStop(inv, res, fmt.Sprintf("no breakpoint hit within %s s of simulated time", secs(res.ElapsedNs)))
		return nil
	},
}

var infoCmd = &Command{
	Names:   []string{"info"},
	Group:   "Time and stepping",
	Usage:   "info break [--json]",
	Summary: "List the breakpoints and how often each was hit (gdb's info break).",
	SeeAlso: []string{"break", "delete"},
	MinArgs: 1, MaxArgs: 1,
	Flags: jsonFlag,
	Words: func(*Session, []string) []string { return []string{"break"} },
	Run: func(s *Session, inv *Invocation) error {
		switch inv.Args[0].Text {
		case "break", "breakpoints", "b":
		default:
			return usagef("info: %q: kplay has info break", inv.Args[0].Text)
		}
		bs := s.K.Breakpoints()
		if inv.wantJSON() {
			return printJSON(inv.Out, bs)
		}
		if len(bs) == 0 {
			fmt.Fprintln(inv.Out, "No breakpoints.")
			return nil
		}
		var rows [][]string
		for _, b := range bs {
			rows = append(rows, []string{strconv.Itoa(b.ID), b.Where(), strconv.FormatUint(b.Hits, 10)})
		}
		return RenderTable(inv.Out, []string{"NUM", "WHAT", "HITS"}, rows, 0, 2)
	},
}

var deleteCmd = &Command{
	Names:   []string{"delete", "d"},
	Group:   "Time and stepping",
	Usage:   "delete [N...]",
	Summary: "Delete breakpoints by number, or all of them.",
	SeeAlso: []string{"break", "info"},
	MaxArgs: -1,
	Run: func(s *Session, inv *Invocation) error {
		if len(inv.Args) == 0 {
			for _, b := range s.K.Breakpoints() {
				s.K.DeleteBreakpoint(b.ID)
			}
			return nil
		}
		for _, a := range inv.Args {
			n, err := strconv.Atoi(a.Text)
			if err != nil {
				return usagef("delete: %q is not a breakpoint number", a.Text)
			}
			if err := s.K.DeleteBreakpoint(n); err != nil {
				return usagef("delete: %v", err)
			}
		}
		return nil
	},
}
