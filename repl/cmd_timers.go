package repl

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

var timersCmd = &Command{
	Names:   []string{"timers"},
	Group:   "Time and stepping",
	Usage:   "timers [-v] [--json]",
	Summary: "Show the cascading timer wheel; -v lists every pending timer.",
	Help: `
The wheel of Linux 2.6: tv1 has 256 slots, one per jiffy; tv2..tv5 have 64
slots each, of 256, 2^14, 2^20 and 2^26 jiffies. The diagram shows
timer_jiffies (the next jiffy the TIMER softirq processes), tv1's index,
and for each vector its non-empty slots (slot:timers) and the slot that
cascades next into the vectors below.

-v lists every pending timer in expiry order, as crash's timer command
does: EXPIRES, TTE (jiffies to expiry), the timer function and its owner
(process_timeout for sleeping tasks, delayed_work_timer_fn for work,
kplay_timer_fn for timers added with timer add).`,
	SeeAlso: []string{"timer", "step cascade", "step timer", "jiffies"},
	MaxArgs: 0,
	Flags: func(fs *pflag.FlagSet) {
		fs.BoolP("verbose", "v", false, "list every pending timer")
		jsonFlag(fs)
	},
	Run: func(s *Session, inv *Invocation) error {
		w := s.K.Wheel()
		if inv.wantJSON() {
			return printJSON(inv.Out, w)
		}
		if v, _ := inv.Flags.GetBool("verbose"); v {
			fmt.Fprintf(inv.Out, "JIFFIES\n%d\n", w.Jiffies)
			var rows [][]string
			for _, t := range w.Timers {
				rows = append(rows, []string{strconv.FormatUint(t.Expires, 10), strconv.FormatInt(t.TTE, 10), "<" + t.Function + ">", t.Owner})
			}
			return RenderTable(inv.Out, []string{"EXPIRES", "TTE", "FUNCTION", "OWNER"}, rows, 0, 1)
		}
		fmt.Fprintf(inv.Out, "jiffies %d, timer_jiffies %d, %d timers pending\n", w.Jiffies, w.TimerJiffies, w.Pending)
		var rows [][]string
		for i, v := range w.Vectors {
			slots := make([]int, 0, len(v.Used))
			for sl := range v.Used {
				slots = append(slots, sl)
			}
			sort.Ints(slots)
			var used []string
			for _, sl := range slots {
				used = append(used, fmt.Sprintf("%d:%d", sl, v.Used[sl]))
			}
			if len(used) == 0 {
				used = []string{"-"}
			}
			next, casc := "index "+strconv.Itoa(v.Index), "-"
			if i > 0 {
				next = "cascades " + strconv.Itoa(v.Index)
				casc = strconv.FormatUint(w.Cascades[i-1], 10)
			}
			rows = append(rows, []string{v.Name, fmt.Sprintf("%d", v.Slots), next, casc, strings.Join(used, " ")})
		}
		return RenderTable(inv.Out, []string{"VECTOR", "SLOTS", "NEXT", "CASCADES", "USED SLOTS (slot:timers)"}, rows, 1)
	},
}

var timerCmd = &Command{
	Names:   []string{"timer"},
	Group:   "Time and stepping",
	Usage:   "timer add DELAY [NAME] [--periodic] | timer mod NAME DELAY | timer del NAME",
	Summary: "Add, modify or delete a kernel timer that logs to dmesg when it runs.",
	Help: `
  timer add DELAY [NAME] [--periodic]   add_timer, DELAY from now (100ms, 2s, 300t)
  timer mod NAME DELAY                  mod_timer: re-arm, says whether it was pending
  timer del NAME                        del_timer_sync

DELAY is rounded up to whole jiffies. The timer's function (kplay_timer_fn)
logs "timer NAME: expired at jiffies J" when the TIMER softirq runs it; a
periodic timer re-arms itself. NAME defaults to timer1, timer2, ...`,
	SeeAlso: []string{"timers", "step timer", "dmesg"},
	MinArgs: 1, MaxArgs: 3,
	Flags: func(fs *pflag.FlagSet) { fs.Bool("periodic", false, "re-arm after each expiry") },
	Words: func(_ *Session, prev []string) []string {
		if len(prev) == 0 {
			return []string{"add", "mod", "del"}
		}
		return nil
	},
	Run: runTimer,
}

func runTimer(s *Session, inv *Invocation) error {
	sub, args := inv.Args[0].Text, inv.Args[1:]
	delay := func(text string) (uint64, error) {
		ns, err := parseDelay(text, s.K.Config().HZ, true)
		if err != nil {
			return 0, usagef("timer %s: %v", sub, err)
		}
		if ns > maxRun*365 {
			return 0, usagef("timer %s: %s is more than a year", sub, text)
		}
		return s.K.NsToJiffies(ns), nil
	}
	switch sub {
	case "add":
		if len(args) < 1 || len(args) > 2 {
			return usagef("usage: timer add DELAY [NAME] [--periodic]")
		}
		d, err := delay(args[0].Text)
		if err != nil {
			return err
		}
		name := ""
		if len(args) == 2 {
			name = args[1].Text
		} else {
			for i := 1; name == ""; i++ {
				if !s.timerExists(fmt.Sprintf("timer%d", i)) {
					name = fmt.Sprintf("timer%d", i)
				}
			}
		}
		periodic, _ := inv.Flags.GetBool("periodic")
		if err := s.K.AddTimer(name, d, periodic); err != nil {
			return usagef("timer add: %v", err)
		}
		s.rememberTimer(name)
		fmt.Fprintf(inv.Out, "%s expires at jiffies %d (in %d jiffies)\n", name, s.K.Jiffies()+d, d)
		return nil
	case "mod":
		if len(args) != 2 {
			return usagef("usage: timer mod NAME DELAY")
		}
		d, err := delay(args[1].Text)
		if err != nil {
			return err
		}
		was, err := s.K.ModTimer(args[0].Text, d)
		if err != nil {
			return usagef("timer mod: %v", err)
		}
		s.rememberTimer(args[0].Text)
		fmt.Fprintf(inv.Out, "mod_timer(%s) = %d: expires at jiffies %d\n", args[0].Text, boolInt(was), s.K.Jiffies()+d)
		return nil
	case "del":
		if len(args) != 1 {
			return usagef("usage: timer del NAME")
		}
		was, err := s.K.DelTimer(args[0].Text)
		if err != nil {
			return usagef("timer del: %v", err)
		}
		fmt.Fprintf(inv.Out, "del_timer_sync(%s) = %d\n", args[0].Text, boolInt(was))
		return nil
	}
	return usagef("timer: unknown subcommand %q (want add, mod or del)", sub)
}

// rememberTimer keeps where the timer just armed went, for explain.
func (s *Session) rememberTimer(name string) {
	if p, ok := s.K.TimerArmed(name); ok {
		s.last = &explainable{timer: &armedTimer{Name: name, Place: p}}
	}
}

func (s *Session) timerExists(name string) bool { return s.K.HasTimer(name) }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
