package repl

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"kplay/irq"
	"kplay/kernel"
)

var irqCmd = &Command{
	Names:   []string{"irq"},
	Group:   "Interrupts",
	Usage:   "irq [list|fire|raise|request|free|disable|enable] ...",
	Summary: "List interrupt lines, fire them, attach and detach handlers.",
	Help: `
  irq [list] [--all] [--json]   the lines, like /proc/interrupts
  irq fire N [TIMES]            raise line N (TIMES times) and run until serviced
  irq raise N                   raise line N without running: step irq services it
  irq request N NAME            attach a demo handler NAME (shared) to line N
  irq free N NAME               detach it
  irq disable N                 disable_irq: the line stays masked, nesting counts
  irq enable N                  enable_irq: an interrupt that came meanwhile is replayed

Lines 0-31 exist: 0 is the tick (timer), 4 the console (kcon0), 16 is
IRQ_SYSCALL. A demo handler logs each interrupt to dmesg and schedules a
tasklet, its bottom half, which runs in the TASKLET softirq. Firing a line
that has no handler counts it as spurious: "unexpected IRQ trap".`,
	SeeAlso: []string{"softirqs", "step irq", "dmesg"},
	MaxArgs: 3,
	Flags: func(fs *pflag.FlagSet) {
		fs.Bool("all", false, "list every line, not only those with handlers or counts")
		jsonFlag(fs)
	},
	Words: func(_ *Session, prev []string) []string {
		if len(prev) == 0 {
			return []string{"list", "fire", "raise", "request", "free", "disable", "enable"}
		}
		return nil
	},
	Run: runIRQ,
}

func runIRQ(s *Session, inv *Invocation) error {
	sub := "list"
	args := inv.Args
	if len(args) > 0 {
		sub, args = args[0].Text, args[1:]
	}
	line := func() (int, error) {
		if len(args) == 0 {
			return 0, usagef("irq %s: which line? (usage: irq %s N)", sub, sub)
		}
		n, err := strconv.Atoi(args[0].Text)
		if err != nil || n < 0 || n >= irq.NrIRQs {
			return 0, usagef("irq %s: line %q: want a number 0-%d", sub, args[0].Text, irq.NrIRQs-1)
		}
		return n, nil
	}
	want := func(n int, usage string) error {
		if len(args) != n {
			return usagef("usage: irq %s", usage)
		}
		return nil
	}
	switch sub {
	case "list":
		if err := want(0, "list [--all] [--json]"); err != nil {
			return err
		}
		return s.listIRQs(inv)
	case "fire", "raise":
		n, err := line()
		if err != nil {
			return err
		}
		times := 1
		if sub == "fire" && len(args) == 2 {
			times, err = strconv.Atoi(args[1].Text)
			if err != nil || times < 1 || times > 100000 {
				return usagef("irq fire: TIMES %q: want 1-100000", args[1].Text)
			}
		} else if err := want(1, sub+" N"); err != nil {
			return err
		}
		if err := s.requireRunning(); err != nil {
			return err
		}
		for i := 0; i < times; i++ {
			s.K.RaiseIRQ(n)
			if sub == "fire" {
				s.K.Run(kernel.Stop{})
			}
		}
		return nil
	case "request", "free":
		n, err := line()
		if err != nil {
			return err
		}
		if err := want(2, sub+" N NAME"); err != nil {
			return err
		}
		if sub == "request" {
			err = s.K.RequestDemoIRQ(n, args[1].Text)
		} else {
			err = s.K.FreeDemoIRQ(n, args[1].Text)
		}
		if err != nil {
			return usagef("irq %s: %v", sub, err)
		}
		return nil
	case "disable", "enable":
		n, err := line()
		if err != nil {
			return err
		}
		if err := want(1, sub+" N"); err != nil {
			return err
		}
		if sub == "disable" {
			return s.K.DisableIRQ(n)
		}
		resent, err := s.K.EnableIRQ(n)
		if err != nil {
			return usagef("irq enable: %v", err)
		}
		if resent {
			fmt.Fprintf(inv.Out, "irq %d: replaying the interrupt that arrived while disabled\n", n)
			s.K.Run(kernel.Stop{})
		}
		return nil
	}
	return usagef("irq: unknown subcommand %q (want list, fire, raise, request, free, disable or enable)", sub)
}

func (s *Session) listIRQs(inv *Invocation) error {
	all, _ := inv.Flags.GetBool("all")
	descs, errCount := s.K.IRQs(all)
	if inv.wantJSON() {
		return printJSON(inv.Out, struct {
			Lines []irq.DescInfo `json:"lines"`
			Err   uint64         `json:"err"`
		}{descs, errCount})
	}
	var rows [][]string
	for _, d := range descs {
		state := "enabled"
		if !d.Enabled {
			state = s.yellow.Sprintf("disabled(%d)", d.Depth)
		}
		if d.Replay {
			state += " replay-pending"
		}
		if d.Raised {
			state += " " + s.cyan.Sprint("raised")
		}
		actions := strings.Join(d.Actions, ", ")
		if actions == "" {
			actions = "-"
		}
		rows = append(rows, []string{
			strconv.Itoa(d.IRQ) + ":", strconv.FormatUint(d.Count, 10), d.Chip,
			fmt.Sprintf("%d-%s", d.IRQ, d.Type), actions, state,
		})
	}
	if err := RenderTable(inv.Out, []string{"IRQ", "CPU0", "CHIP", "TYPE", "HANDLERS", "STATE"}, rows, 0, 1); err != nil {
		return err
	}
	fmt.Fprintf(inv.Out, "ERR: %d\n", errCount)
	return nil
}

var softirqsCmd = &Command{
	Names:   []string{"softirqs"},
	Group:   "Interrupts",
	Usage:   "softirqs [--json]",
	Summary: "Show the softirq vectors and how often each ran, like /proc/softirqs.",
	Help: `
Softirqs are the deferred halves of interrupt work, in Linux's ten
vectors. They run on irq exit; when they keep being raised, ksoftirqd/0
takes over. A demo handler's tasklet runs in TASKLET; timers run in TIMER.`,
	SeeAlso: []string{"irq"},
	MaxArgs: 0,
	Flags:   jsonFlag,
	Run: func(s *Session, inv *Invocation) error {
		v := s.K.Softirqs()
		if inv.wantJSON() {
			return printJSON(inv.Out, v)
		}
		var rows [][]string
		for _, si := range v {
			mark := ""
			if si.Pending {
				mark = s.cyan.Sprint("pending")
			}
			rows = append(rows, []string{si.Name + ":", strconv.FormatUint(si.Count, 10), mark})
		}
		return RenderTable(inv.Out, []string{"SOFTIRQ", "CPU0", "STATE"}, rows, 0, 1)
	},
}
