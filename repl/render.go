package repl

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"kplay/consoledrv"
	"kplay/kernel"
)

// RenderTable renders rows as a borderless, left-aligned table (ps style), with
// the columns in right listed right-aligned. Trailing blanks are trimmed so
// output is stable in golden files.
func RenderTable(w io.Writer, header []string, rows [][]string, right ...int) error {
	align := make([]tw.Align, len(header))
	for i := range align {
		align[i] = tw.AlignLeft
	}
	for _, r := range right {
		align[r] = tw.AlignRight
	}
	var buf bytes.Buffer
	t := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenRows: tw.Off, BetweenColumns: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off},
			},
		})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: align}),
		tablewriter.WithTrimSpace(tw.Off),
	)
	t.Header(header)
	if err := t.Bulk(rows); err != nil {
		return err
	}
	if err := t.Render(); err != nil {
		return err
	}
	for _, line := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		fmt.Fprintln(w, strings.TrimRight(strings.TrimPrefix(line, " "), " "))
	}
	return nil
}

// secs renders ns as printk's seconds.microseconds.
func secs(ns int64) string { return fmt.Sprintf("%d.%06d", ns/1e9, (ns%1e9)/1e3) }

// taskName is the task as ps prints it: kernel threads in brackets.
func taskName(comm string, kthread bool) string {
	if kthread {
		return "[" + comm + "]"
	}
	return comm
}

// eventLine renders one kernel event, dmesg-style timestamp first.
func (s *Session) eventLine(e kernel.Event) string {
	s.remember(e) // what is printed is what explain explains
	ts := consoledrv.FormatTime(e.TimeNs)
	ref := func(r kernel.TaskRef) string { return fmt.Sprintf("%s[%d]", r.Comm, r.PID) }
	switch e.Kind {
	case kernel.EvSwitch:
		sw := e.Switch
		pad := strings.Repeat(" ", len(ts))
		return fmt.Sprintf("%s %s %s (%s) -> %s: %s\n%s   pick: %s\n%s   switch_to: up(%s.sem); down(%s.sem)",
			ts, s.cyan.Sprint("switch"), ref(sw.Prev), sw.PrevState, ref(sw.Next), sw.Why,
			pad, sw.Pick, pad, sw.Next.Comm, sw.Prev.Comm)
	case kernel.EvIRQ:
		q := e.IRQ
		name := q.Name
		if name == "" {
			name = "no handler"
		}
		return fmt.Sprintf("%s %s IRQ %d (%s) %s, interrupted %s", ts, s.yellow.Sprint("irq"), q.IRQ, name, q.Outcome, ref(q.On))
	case kernel.EvSyscall:
		r := e.Syscall
		return fmt.Sprintf("%s %s %s %s path: %s", ts, s.green.Sprint("syscall"), ref(r.Task), r.Path, strings.Join(strings.Fields(r.String()), " "))
	case kernel.EvTimer:
		tm := e.Timer
		return fmt.Sprintf("%s %s <%s> %s expires %d, run at jiffy %d", ts, s.cyan.Sprint("timer"), tm.Function, tm.Owner, tm.Expires, tm.Jiffies)
	case kernel.EvCascade:
		c := e.Cascade
		return fmt.Sprintf("%s %s tv%d slot %d: %d timer(s) re-added to lower vectors at jiffy %d", ts, s.cyan.Sprint("cascade"), c.Vector, c.Slot, c.Timers, c.Jiffies)
	case kernel.EvOops:
		return fmt.Sprintf("%s %s in %s (the task dies when the machine runs on)", ts, s.red.Sprint("oops"), ref(*e.Oops))
	case kernel.EvTick:
		t := e.Tick
		return fmt.Sprintf("%s %s jiffies %d (+%d, %d skipped by NO_HZ)", ts, s.cyan.Sprint("tick"), t.Jiffies, t.Ticks, t.Skipped)
	}
	return ts + " " + string(e.Kind)
}

// parseDuration reads a simulated duration: Go units (100ms, 500us, 2s,
// 1m) or ticks (5t).
func parseDuration(s string, hz int) (int64, error) {
	return parseDelay(s, hz, false)
}

// parseDelay is parseDuration that also accepts zero (a timer may be
// armed for the current jiffy).
func parseDelay(s string, hz int, zeroOK bool) (int64, error) {
	if zeroOK && (s == "0" || s == "0t") {
		return 0, nil
	}
	if strings.HasSuffix(s, "t") && !strings.HasSuffix(s, "ns") {
		var n int64
		if _, err := fmt.Sscanf(s, "%dt", &n); err != nil || fmt.Sprintf("%dt", n) != s || n <= 0 {
			return 0, fmt.Errorf("duration %q: want a positive tick count like 5t", s)
		}
		return n * (1e9 / int64(hz)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("duration %q: want a positive duration like 100ms, 500us, 2s or 5t (ticks)", s)
	}
	return int64(d), nil
}

// maxRun bounds one run or step: a day of simulated time.
const maxRun = int64(24 * time.Hour)
