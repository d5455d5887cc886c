package repl

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"kplay/consoledrv"
)

var dmesgCmd = &Command{
	Names:   []string{"dmesg"},
	Group:   "Inspection",
	Usage:   "dmesg [-l LEVEL[,LEVEL...]] [-c] [-C] [-n LEVEL] [--json]",
	Summary: "Print the kernel log ring buffer, as util-linux dmesg does.",
	Help: `
Each line is [seconds.microseconds] message, in kernel time. Levels are
emerg, alert, crit, err, warn, notice, info, debug (or 0-7).

  -l LEVELS   only these levels
  -c          print, then clear the buffer
  -C          clear without printing
  -n LEVEL    set the console loglevel: messages with a level below it are
              also printed on the console as they happen (dmesg -n 1 keeps
              only emerg; the default is 7, and --quiet boots with 4)`,
	SeeAlso: []string{"lkdtm", "status"},
	MaxArgs: 0,
	Flags: func(fs *pflag.FlagSet) {
		fs.StringP("level", "l", "", "restrict output to these levels (comma separated)")
		fs.BoolP("read-clear", "c", false, "clear the ring buffer after printing")
		fs.BoolP("clear", "C", false, "clear the ring buffer")
		fs.StringP("console-level", "n", "", "set the level of messages printed to the console")
		jsonFlag(fs)
	},
	Run: func(s *Session, inv *Invocation) error {
		if lv, _ := inv.Flags.GetString("console-level"); lv != "" {
			l, err := consoledrv.ParseLevel(lv)
			if err != nil {
				return usagef("dmesg -n: %v", err)
			}
			// util-linux passes a name as level+1 and a number as is.
			n := int(l) + 1
			if _, numErr := fmt.Sscanf(lv, "%d", new(int)); numErr == nil {
				n = int(l)
				if n == 0 {
					return usagef("dmesg -n: level 0 would silence every message; want 1-7 or a name")
				}
			}
			return s.K.SetConsoleLoglevel(n)
		}
		if clr, _ := inv.Flags.GetBool("clear"); clr {
			s.K.DmesgClear()
			return nil
		}
		var keep map[consoledrv.Level]bool
		if lv, _ := inv.Flags.GetString("level"); lv != "" {
			keep = map[consoledrv.Level]bool{}
			for _, name := range strings.Split(lv, ",") {
				l, err := consoledrv.ParseLevel(strings.TrimSpace(name))
				if err != nil {
					return usagef("dmesg -l: %v", err)
				}
				keep[l] = true
			}
		}
		var recs []consoledrv.Record
		for _, r := range s.K.Dmesg() {
			if keep == nil || keep[r.Level] {
				recs = append(recs, r)
			}
		}
		if inv.wantJSON() {
			if recs == nil {
				recs = []consoledrv.Record{}
			}
			if err := printJSON(inv.Out, recs); err != nil {
				return err
			}
		} else {
			for _, r := range recs {
				line := r.String()
				switch {
				case r.Level <= consoledrv.Err:
					line = s.red.Sprint(line)
				case r.Level == consoledrv.Warning:
					line = s.yellow.Sprint(line)
				}
				fmt.Fprintln(inv.Out, line)
			}
		}
		if rc, _ := inv.Flags.GetBool("read-clear"); rc {
			s.K.DmesgClear()
		}
		return nil
	},
}
