package repl

import (
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/pflag"

	"kplay/kernel"
)

// traceSubs are trace's subcommands, in help order.
var traceSubs = []string{"on", "off", "show", "clear", "save", "timeline"}

var traceCmd = &Command{
	Names:   []string{"trace"},
	Group:   "Inspection",
	Usage:   "trace [on|off|show [N]|clear|save FILE|timeline] ...",
	Summary: "Record scheduler, IRQ, softirq and timer events as ftrace does, and chart who ran when.",
	Help: `
  trace                         whether tracing is on, and how full the buffer is
  trace on                      start recording (tracing_on)
  trace off                     stop recording; the buffer keeps what it has
  trace show [--json] [N]       the buffer as /sys/kernel/tracing/trace (the last N entries)
  trace clear                   empty the buffer
  trace save FILE               write what trace show prints to a file on the host
  trace timeline [--width W]    a Gantt chart of who held the CPU, from sched_switch

The events are Linux 6.6's, recorded where Linux records them:
sched_switch, sched_wakeup, sched_wakeup_new, sched_process_fork,
sched_process_exit, sched_process_wait, irq_handler_entry/exit,
softirq_entry/exit and timer_expire_entry/exit. Each line reads

  TASK-PID  [CPU]  FLAGS  SECONDS.MICROS: EVENT: FIELDS

where FLAGS are irqs off (d), need-resched (N), hard/soft irq context
(h, s), the preempt depth and migrate-disable. Times are the kernel's
uptime, so a script traces the same lines every run. The buffer keeps
the newest 65536 entries; the header says how many were written in all.
Timer addresses print as hashed pointers do: stable for a timer, the same
every run. /sys/kernel/tracing/trace can also be read with cat.`,
	SeeAlso: []string{"events", "step", "cat", "ps"},
	MaxArgs: 2,
	Flags: func(fs *pflag.FlagSet) {
		jsonFlag(fs)
		fs.Int("width", 72, "timeline: columns of time across")
	},
	Words: func(_ *Session, prev []string) []string {
		if len(prev) == 0 {
			return traceSubs
		}
		return nil
	},
	Run: runTrace,
}

func runTrace(s *Session, inv *Invocation) error {
	if len(inv.Args) == 0 {
		ti := s.K.Trace()
		state := "off"
		if ti.Enabled {
			state = "on"
		}
		fmt.Fprintf(inv.Out, "tracing is %s: %d entries in the buffer, %d written\n", state, len(ti.Entries), ti.Written)
		return nil
	}
	sub, args := inv.Args[0].Text, inv.Args[1:]
	want := func(n int, usage string) error {
		if len(args) != n {
			return usagef("usage: trace %s", usage)
		}
		return nil
	}
	if inv.wantJSON() && sub != "show" {
		return usagef("trace %s: --json goes with trace show", sub)
	}
	if inv.Flags.Changed("width") && sub != "timeline" {
		return usagef("trace %s: --width goes with trace timeline", sub)
	}
	switch sub {
	case "on", "off", "clear":
		if err := want(0, sub); err != nil {
			return err
		}
		switch sub {
		case "on":
			s.K.TraceOn()
		case "off":
			s.K.TraceOff()
		default:
			s.K.TraceClear()
		}
		return nil
	case "show":
		return traceShow(s, inv, args)
	case "save":
		if err := want(1, "save FILE"); err != nil {
			return err
		}
		ti := s.K.Trace()
		text := ti.Text()
		if err := os.WriteFile(args[0].Text, []byte(text), 0o644); err != nil {
			return usagef("trace save: %v", err)
		}
		fmt.Fprintf(inv.Out, "saved %d entries (%d bytes) to %s\n", len(ti.Entries), len(text), args[0].Text)
		return nil
	case "timeline":
		if err := want(0, "timeline [--width W]"); err != nil {
			return err
		}
		w, _ := inv.Flags.GetInt("width")
		if w < 10 || w > 1000 {
			return usagef("trace timeline: --width %d: want 10-1000 columns", w)
		}
		tl := buildTimeline(s.K.Trace(), w)
		if tl == nil {
			fmt.Fprintln(inv.Out, "the trace buffer is empty: type trace on, then run")
			return nil
		}
		tl.render(inv.Out, s.opts.Color)
		return nil
	}
	return usagef("trace: unknown subcommand %q (want on, off, show, clear, save or timeline)", sub)
}

// traceShow prints the buffer, or its last n entries under the header of
// the whole buffer.
func traceShow(s *Session, inv *Invocation, args []Token) error {
	ti := s.K.Trace()
	switch len(args) {
	case 0:
	case 1:
		n, err := strconv.Atoi(args[0].Text)
		if err != nil || n <= 0 {
			return usagef("trace show: N must be a positive number, not %q", args[0].Text)
		}
		if len(ti.Entries) > n {
			ti.Entries = ti.Entries[len(ti.Entries)-n:]
		}
	default:
		return usagef("usage: trace show [--json] [N]")
	}
	if inv.wantJSON() {
		if ti.Entries == nil {
			ti.Entries = []kernel.TraceEntry{}
		}
		return printJSON(inv.Out, ti)
	}
	all := s.K.Trace()
	fmt.Fprint(inv.Out, kernel.TraceHeader(len(all.Entries), all.Written))
	for _, e := range ti.Entries {
		fmt.Fprintln(inv.Out, e.String())
	}
	return nil
}
