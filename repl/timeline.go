package repl

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/fatih/color"

	"kplay/kernel"
)

// The timeline is a Gantt chart of who held the CPU, drawn from the
// sched_switch events of the trace buffer: from one switch to the next, its
// next task ran. Time runs across in equal columns; in each column the task
// that ran most of it gets a full mark, and any other task that ran in it
// a light one, so that short runs (a sleeper waking for 1 ms in a 10 ms
// column) do not vanish.

// timelineRow is one task of the chart.
type timelineRow struct {
	PID   int
	Comm  string
	RunNs int64
	cells []int64 // ns run in each column
}

// label names a row as trace show does: comm-pid, <idle>-0.
func (r *timelineRow) label() string {
	if r.PID == 0 {
		return "<idle>-0"
	}
	return fmt.Sprintf("%s-%d", r.Comm, r.PID)
}

// timeline is a chart laid out in columns.
type timeline struct {
	StartNs, EndNs int64
	Width          int
	Rows           []*timelineRow // pid order
}

// buildTimeline lays the trace out in width columns; it returns nil for an
// empty buffer.
func buildTimeline(ti kernel.TraceInfo, width int) *timeline {
	es := ti.Entries
	if len(es) == 0 {
		return nil
	}
	tl := &timeline{StartNs: es[0].TimeNs, EndNs: max(ti.EndNs, es[len(es)-1].TimeNs), Width: width}
	if tl.EndNs <= tl.StartNs {
		tl.EndNs = tl.StartNs + 1
	}
	rows := map[int]*timelineRow{}
	row := func(pid int, comm string) *timelineRow {
		r := rows[pid]
		if r == nil {
			r = &timelineRow{PID: pid, cells: make([]int64, width)}
			rows[pid] = r
		}
		r.Comm = comm
		return r
	}
	// Before the first switch, its prev was running; with no switch at
	// all, the task every entry names.
	cur := row(es[0].PID, es[0].Comm)
	for _, e := range es {
		if e.Switch != nil {
			cur = row(e.Switch.PrevPID, e.Switch.PrevComm)
			break
		}
	}
	from := tl.StartNs
	for _, e := range es {
		if e.Switch == nil {
			continue
		}
		tl.add(cur, from, e.TimeNs)
		cur, from = row(e.Switch.NextPID, e.Switch.NextComm), e.TimeNs
	}
	tl.add(cur, from, tl.EndNs)
	for _, r := range rows {
		if r.RunNs > 0 {
			tl.Rows = append(tl.Rows, r)
		}
	}
	sort.Slice(tl.Rows, func(i, j int) bool { return tl.Rows[i].PID < tl.Rows[j].PID })
	return tl
}

// colStart is the time column c begins at.
func (tl *timeline) colStart(c int) int64 {
	// span*c/width without overflow: years of uptime times 1000 columns
	// would not fit in an int64.
	span, w := tl.EndNs-tl.StartNs, int64(tl.Width)
	return tl.StartNs + span/w*int64(c) + span%w*int64(c)/w
}

// add charges [from, to) to r, column by column.
func (tl *timeline) add(r *timelineRow, from, to int64) {
	if to <= from {
		return
	}
	r.RunNs += to - from
	c := int(float64(from-tl.StartNs) / float64(tl.EndNs-tl.StartNs) * float64(tl.Width))
	c = min(max(c, 0), tl.Width-1)
	for c > 0 && tl.colStart(c) > from {
		c--
	}
	for c < tl.Width-1 && tl.colStart(c+1) <= from {
		c++
	}
	for ; c < tl.Width && tl.colStart(c) < to; c++ {
		lo, hi := max(from, tl.colStart(c)), min(to, tl.colStart(c+1))
		if hi > lo {
			r.cells[c] += hi - lo
		}
	}
}

// most reports whether r ran most of column c: longer than any other row,
// the lower pid winning a tie.
func (tl *timeline) most(r *timelineRow, c int) bool {
	for _, o := range tl.Rows {
		if o.cells[c] > r.cells[c] || o.cells[c] == r.cells[c] && o.PID < r.PID {
			return false
		}
	}
	return true
}

// timelinePalette colors the rows in turn.
var timelinePalette = []color.Attribute{
	color.FgGreen, color.FgYellow, color.FgBlue, color.FgMagenta, color.FgCyan, color.FgRed,
	color.FgHiGreen, color.FgHiYellow, color.FgHiBlue, color.FgHiMagenta, color.FgHiCyan, color.FgHiRed,
}

// rowLetters mark the rows when there is no color.
const rowLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// render draws the chart. With color each row is a colored bar (█ where
// the task ran most of a column, ░ where it ran some); without, the row's
// letter in upper case and lower case.
func (tl *timeline) render(w io.Writer, useColor bool) {
	labelW := 0
	for _, r := range tl.Rows {
		labelW = max(labelW, len(r.label()))
	}
	colNs := (tl.EndNs - tl.StartNs) / int64(tl.Width)
	key := "upper case: ran most of the column, lower case: ran in it"
	if useColor {
		key = "█ ran most of the column, ░ ran in it"
	}
	fmt.Fprintf(w, "who ran when, %s to %s s, %d columns of %s ms (%s)\n",
		secs(tl.StartNs), secs(tl.EndNs), tl.Width, msecs(colNs), key)
	// Each row draws its runs of equal marks in its color.
	type style struct {
		c           *color.Color
		full, light string
	}
	styles := make([]style, len(tl.Rows))
	for i, r := range tl.Rows {
		st := style{c: color.New(timelinePalette[i%len(timelinePalette)]), full: "█", light: "░"}
		if r.PID == 0 {
			st.c = color.New(color.FgWhite)
		}
		if useColor {
			st.c.EnableColor()
		} else {
			st.c.DisableColor()
			st.full = rowLetters[i%len(rowLetters) : i%len(rowLetters)+1]
			st.light = strings.ToLower(st.full)
		}
		styles[i] = st
	}
	for i, r := range tl.Rows {
		var b, run strings.Builder
		flush := func() {
			if s := run.String(); strings.TrimSpace(s) == "" {
				b.WriteString(s)
			} else {
				b.WriteString(styles[i].c.Sprint(s))
			}
			run.Reset()
		}
		prev := ""
		for c := 0; c < tl.Width; c++ {
			m := " "
			switch {
			case r.cells[c] == 0:
			case tl.most(r, c):
				m = styles[i].full
			default:
				m = styles[i].light
			}
			if m != prev && (m == " " || prev == " ") {
				flush()
			}
			run.WriteString(m)
			prev = m
		}
		flush()
		fmt.Fprintf(w, "%*s |%s|\n", labelW, r.label(), b.String())
	}
	axis, labels := tl.axis()
	fmt.Fprintf(w, "%*s %s\n", labelW, "", axis)
	fmt.Fprintf(w, "%*s %s\n", labelW, "", strings.TrimRight(labels, " "))
	span := tl.EndNs - tl.StartNs
	for i, r := range tl.Rows {
		ran := msecs(r.RunNs) + " ms"
		if r.RunNs < 1000 {
			ran = fmt.Sprintf("%d ns", r.RunNs)
		}
		fmt.Fprintf(w, "  %s %-*s ran %s (%.1f%%)\n", styles[i].c.Sprint(styles[i].full), labelW, r.label(), ran, 100*float64(r.RunNs)/float64(span))
	}
}

// axis draws the time axis under the frame: a + at every tick (the frame's
// left edge is the start, its right edge the end), with the tick's time
// below it where there is room.
func (tl *timeline) axis() (string, string) {
	step := 18
	if tl.Width < 2*step {
		step = tl.Width
	}
	axis := []byte("+" + strings.Repeat("-", tl.Width) + "+")
	labels := []byte(strings.Repeat(" ", tl.Width+2))
	end := secs(tl.EndNs)
	if len(end) > len(labels) {
		labels = append(labels, strings.Repeat(" ", len(end)-len(labels))...)
	}
	endAt := len(labels) - len(end)
	copy(labels[endAt:], end)
	next := 0 // the first free column of the label line
	for c := 0; c+step/2 < tl.Width; c += step {
		axis[c] = '+'
		if l := secs(tl.colStart(c)); c >= next && c+len(l) < endAt {
			copy(labels[c:], l)
			next = c + len(l) + 1
		}
	}
	return string(axis), string(labels)
}

// msecs renders ns as milliseconds with three decimals.
func msecs(ns int64) string { return fmt.Sprintf("%d.%03d", ns/1e6, ns%1e6/1e3) }
