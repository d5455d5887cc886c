package repl

import (
	"fmt"
	"strconv"

	"github.com/spf13/pflag"

	"kplay/kernel"
)

var stepCmd = &Command{
	Names:   []string{"step", "s"},
	Group:   "Time and stepping",
	Usage:   "step [switch|irq|syscall|tick|timer|cascade] [N] [--for DURATION] [--json]",
	Summary: "Run until the N-th next event of a kind and print it.",
	Help: `
Hands the CPU to the kernel until the N-th next context switch (the
default), interrupt, system call or tick, then parks it there and prints
each event it stopped at. A switch shows prev -> next, why, and the
control-semaphore hand-off of switch_to: up(next); down(prev).

step timer stops when the TIMER softirq is about to run a timer's
function; step cascade stops when a slot of tv2..tv5 of the timer wheel is emptied
into the lower vectors (every 256 jiffies for tv2, when timers are there).

Stepping waits at most --for of simulated time (60s by default). An idle
machine still wakes once a second for vmstat_update, so step switch
always finds one.`,
	SeeAlso: []string{"run", "events", "status"},
	MaxArgs: 2,
	Flags: func(fs *pflag.FlagSet) {
		fs.String("for", "60s", "give up after this much simulated time")
		jsonFlag(fs)
	},
	Words: func(_ *Session, prev []string) []string {
		if len(prev) == 0 {
			return []string{"switch", "irq", "syscall", "tick", "timer", "cascade"}
		}
		return nil
	},
	Run: func(s *Session, inv *Invocation) error {
		if err := s.requireRunning(); err != nil {
			return err
		}
		kind, n := kernel.EvSwitch, 1
		args := inv.Args
		if len(args) > 0 {
			if _, err := strconv.Atoi(args[0].Text); err != nil {
				switch k := kernel.EventKind(args[0].Text); k {
				case kernel.EvSwitch, kernel.EvIRQ, kernel.EvSyscall, kernel.EvTick, kernel.EvTimer, kernel.EvCascade:
					kind = k
				default:
					return usagef("step: %q: want switch, irq, syscall, tick, timer or cascade", args[0].Text)
				}
				args = args[1:]
			}
		}
		if len(args) == 1 {
			v, err := strconv.Atoi(args[0].Text)
			if err != nil || v < 1 || v > 100000 {
				return usagef("step: N %q: want 1-100000", args[0].Text)
			}
			n = v
		} else if len(args) > 1 {
			return usagef("usage: %s", inv.Cmd.Usage)
		}
		budget, err := durationFlag(s, inv.Flags, "for")
		if err != nil {
			return err
		}
		res := s.K.Run(kernel.Stop{Until: kind, Count: n, For: budget, Breakpoints: true})
		if inv.wantJSON() {
			return printJSON(inv.Out, res)
		}
		for _, e := range res.Hits {
			if res.Reason != kernel.StopBreakpoint {
				fmt.Fprintln(inv.Out, s.eventLine(e))
			}
		}
		s.reportStop(inv, res, fmt.Sprintf("no %s within %s s of simulated time", kind, secs(res.ElapsedNs)))
		return nil
	},
}

// durationFlag reads a duration flag in simulated time, bounded by maxRun.
func durationFlag(s *Session, fs *pflag.FlagSet, name string) (int64, error) {
	v, _ := fs.GetString(name)
	d, err := parseDuration(v, s.K.Config().HZ)
	if err != nil {
		return 0, usagef("--%s: %v", name, err)
	}
	if d > maxRun {
		return 0, usagef("--%s %s: at most 24h at a time", name, v)
	}
	return d, nil
}

// reportStop says why a run ended when it is not the expected reason.
func (s *Session) reportStop(inv *Invocation, res kernel.RunResult, budgetMsg string) {
	switch res.Reason {
	case kernel.StopBudget:
		fmt.Fprintln(inv.Out, budgetMsg)
	case kernel.StopInterrupted:
		fmt.Fprintln(inv.Out, "interrupted")
	case kernel.StopHalted:
		_, why := s.K.Halted()
		fmt.Fprintln(inv.Out, s.red.Sprintf("kernel halted: %s (type reboot)", why))
	case kernel.StopStalled:
		fmt.Fprintln(inv.Out, "the machine is idle with no timer armed: nothing will happen")
	case kernel.StopBreakpoint:
		// gdb's "Breakpoint N, where": the event that hit it.
		e := res.Hits[len(res.Hits)-1]
		fmt.Fprintf(inv.Out, "%s %d, %s\n", s.red.Sprint("Breakpoint"), res.Breakpoint, s.eventLine(e))
	}
}

var runCmd = &Command{
	Names:   []string{"run"},
	Group:   "Time and stepping",
	Usage:   "run [--json] DURATION",
	Summary: "Let the machine run for DURATION of simulated time (100ms, 2s, 5t ticks).",
	Help: `
Under the virtual clock time passes only while the kernel runs: an idle
CPU stops its tick (NO_HZ) and jumps straight to the next timer. run
prints what happened: the time, jiffies, context switches and interrupts.
Under --clock real the same time passes on the wall clock. Ctrl-C stops a
run early.`,
	SeeAlso: []string{"step", "status", "jiffies"},
	MinArgs: 1, MaxArgs: 1,
	Flags: jsonFlag,
	Run: func(s *Session, inv *Invocation) error {
		if err := s.requireRunning(); err != nil {
			return err
		}
		d, err := parseDuration(inv.Args[0].Text, s.K.Config().HZ)
		if err != nil {
			return usagef("run: %v", err)
		}
		if d > maxRun {
			return usagef("run: %s is more than 24h at a time", inv.Args[0].Text)
		}
		j0 := s.K.Jiffies()
		res := s.K.Run(kernel.Stop{For: d, Breakpoints: true})
		if inv.wantJSON() {
			return printJSON(inv.Out, res)
		}
		st := s.K.Status()
		fmt.Fprintf(inv.Out, "ran %s s: uptime %s s, jiffies %d (+%d), %d context switches, %d interrupts\n",
			secs(res.ElapsedNs), secs(st.UptimeNs), st.Jiffies, st.Jiffies-j0, res.Switches, res.IRQs)
		if res.Reason != kernel.StopBudget {
			s.reportStop(inv, res, "")
		}
		return nil
	},
}
