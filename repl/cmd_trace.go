package repl

import (
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/pflag"

	"kplay/kernel"
)

// traceSubs are trace's subcommands, in help order.
var traceSubs = []string{"on", "off", "show", "clear", "save", "timeline", "events", "enable", "disable"}

var traceCmd = &Command{
	Names:   []string{"trace"},
	Group:   "Inspection",
	Usage:   "trace [on|off|show [N]|clear|save FILE|timeline|events|enable EVENT...|disable EVENT...] ...",
	Summary: "Record scheduler, IRQ, timer and system call events as ftrace does, and chart who ran when.",
	Help: `
  trace                         whether tracing is on, and how full the buffer is
  trace on                      start recording (tracing_on)
  trace off                     stop recording; the buffer keeps what it has
  trace show [--json] [N]       the buffer as /sys/kernel/tracing/trace (the last N entries)
  trace clear                   empty the buffer
  trace save FILE               write what trace show prints to a file on the host
  trace timeline [--width W]    a Gantt chart of who held the CPU, from sched_switch
  trace events [--json]         every event and whether it is enabled
  trace enable EVENT...         record these events too (set_event)
  trace disable EVENT...        stop recording them

The events are Linux 6.6's, recorded where Linux records them:
sched_switch, sched_wakeup, sched_wakeup_new, sched_process_fork,
sched_process_exit, sched_process_wait, irq_handler_entry/exit,
softirq_entry/exit and timer_expire_entry/exit, which are enabled at boot,
and raw_syscalls' sys_enter and sys_exit, which are not: every system call
records "NR 1 (1, 7ffffffde000, 6, 0, 0, 0)" at entry (its number and six
argument registers in hex) and "NR 1 = 6" at exit. EVENT is written as
set_event takes it: raw_syscalls:sys_enter, raw_syscalls (a system),
sys_enter (an event), raw_syscalls:*, or all. Each line reads

  TASK-PID  [CPU]  FLAGS  SECONDS.MICROS: EVENT: FIELDS

where FLAGS are irqs off (d), need-resched (N), hard/soft irq context
(h, s), the preempt depth and migrate-disable. Times are the kernel's
uptime, so a script traces the same lines every run. The buffer keeps
the newest 65536 entries; the header says how many were written in all.
Timer addresses print as hashed pointers do: stable for a timer, the same
every run. /sys/kernel/tracing/trace, set_event (the enabled events) and
available_events can also be read with cat.`,
	SeeAlso: []string{"events", "step", "cat", "ps", "strace"},
	MaxArgs: -1,
	Flags: func(fs *pflag.FlagSet) {
		jsonFlag(fs)
		fs.Int("width", 72, "timeline: columns of time across")
	},
	Words: func(_ *Session, prev []string) []string {
		if len(prev) == 0 {
			return traceSubs
		}
		if prev[0] == "enable" || prev[0] == "disable" {
			return traceEventWords()
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
	if inv.wantJSON() && sub != "show" && sub != "events" {
		return usagef("trace %s: --json goes with trace show and trace events", sub)
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
	case "events":
		if err := want(0, "events [--json]"); err != nil {
			return err
		}
		evs := s.K.TraceEvents()
		if inv.wantJSON() {
			return printJSON(inv.Out, evs)
		}
		var rows [][]string
		for _, e := range evs {
			on := "no"
			if e.Enabled {
				on = "yes"
			}
			rows = append(rows, []string{e.System + ":" + e.Name, on})
		}
		return RenderTable(inv.Out, []string{"EVENT", "ENABLED"}, rows)
	case "enable", "disable":
		if len(args) == 0 {
			return usagef("usage: trace %s EVENT... (trace events lists them)", sub)
		}
		for _, a := range args {
			if _, err := s.K.SetTraceEvent(a.Text, sub == "enable"); err != nil {
				return usagef("trace %s: %v", sub, err)
			}
		}
		return nil
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
	return usagef("trace: unknown subcommand %q (want on, off, show, clear, save, timeline, events, enable or disable)", sub)
}

// traceEventWords complete trace enable and disable: the systems, then
// each event as system:event.
func traceEventWords() []string {
	out := []string{"all"}
	for _, e := range kernel.AvailableTraceEvents() {
		out = append(out, e.System, e.System+":"+e.Name)
	}
	return out
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
