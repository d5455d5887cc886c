package kernel

// strace -c: calls, errors and time per system call, and the table strace
// prints when it ends (src/count.c, call_summary_pers).
//
// The time of a call is, as strace's default, the system CPU time the
// tracee spent in it: kplay charges every system call 100 ns for its trap
// and return (syscallCostNs), and adds whatever CPU time the task used
// inside the call. Sleeping is not CPU time, so nanosleep costs what
// getpid costs. With -w the time is the wall-clock time from entry to
// exit instead (strace -w, the call's latency), in which a sleep counts
// whole.

import (
	"fmt"
	"slices"
	"strings"

	"kplay/kernel/abi"
)

// callCount is one row's sums (struct call_counts).
type callCount struct {
	calls, errors uint64
	ns            int64
}

// StraceCount is one row of strace -c's table.
type StraceCount struct {
	Nr     int    `json:"nr"`
	Name   string `json:"name"`
	Calls  uint64 `json:"calls"`
	Errors uint64 `json:"errors"`
	Ns     int64  `json:"ns"` // time spent, in ns
}

// straceCount adds a finished call to te's strace's counts
// (count_syscall). Numbers Linux does not have are not counted, as strace
// counts only calls in its table.
func (k *Kernel) straceCount(te *tracee, rec *SyscallRecord) {
	if !rec.Known {
		return
	}
	tr := te.tr
	if tr.counts == nil {
		tr.counts = map[int]*callCount{}
	}
	cc := tr.counts[rec.Nr]
	if cc == nil {
		cc = &callCount{}
		tr.counts[rec.Nr] = cc
	}
	cc.calls++
	if rec.Errno() != 0 {
		cc.errors++
	}
	ns := k.taskSchedRuntime(te.t) - te.startRun
	if rec.Path == PathTask {
		ns += syscallCostNs
	}
	if tr.opts.Wall {
		ns = k.clockNs() - te.startNs
	}
	cc.ns += max(ns, 0)
}

// countRows are the tracer's counts in system call number order.
func (tr *tracer) countRows() []StraceCount {
	rows := []StraceCount{}
	for nr, cc := range tr.counts {
		rows = append(rows, StraceCount{Nr: nr, Name: sysName(nr), Calls: cc.calls, Errors: cc.errors, Ns: cc.ns})
	}
	slices.SortFunc(rows, func(a, b StraceCount) int { return a.Nr - b.Nr })
	return rows
}

func sysName(nr int) string {
	if name, ok := abi.SyscallName(nr); ok {
		return name
	}
	return abi.FormatUnknownSyscall(nr)
}

// tsFloat is strace's ts_float: a struct timespec as a double.
func tsFloat(ns int64) float64 { return float64(ns/1e9) + float64(ns%1e9)/1e9 }

// StraceTable renders rows as strace -c prints its summary: sorted by
// time, most first (ties in system call number order, as strace's sort
// leaves them), with the column widths and formats of strace's default
// columns:
//
//	% time     seconds  usecs/call     calls    errors syscall
//	------ ----------- ----------- --------- --------- ----------------
//	 66.67    0.000000           0         2           getpid
//	...
//	------ ----------- ----------- --------- --------- ----------------
//	100.00    0.000000           0         3           total
//
// Each column is at least its header's historical width and wider if a
// value needs it; errors prints nothing for zero (%.0 of 0).
func StraceTable(rows []StraceCount) string {
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, b StraceCount) int {
		switch {
		case a.Ns > b.Ns:
			return -1
		case a.Ns < b.Ns:
			return 1
		}
		return a.Nr - b.Nr
	})
	var cumNs int64
	var calls, errors uint64
	var avgMax int64
	nameMax := 0
	for _, r := range rows {
		cumNs += r.Ns
		calls += r.Calls
		errors += r.Errors
		if r.Calls > 0 {
			avgMax = max(avgMax, r.Ns/int64(r.Calls))
		}
		nameMax = max(nameMax, len(r.Name))
	}
	cum := tsFloat(cumNs)
	wTime := 6
	wSecs := max(11, len(fmt.Sprintf("%.6f", cum)))
	wAvg := max(11, len(fmt.Sprint(uint64(tsFloat(avgMax)*1e6))))
	wCalls := max(9, len(fmt.Sprint(calls)))
	wErrs := max(9, len(fmt.Sprint(errors)))
	wName := max(16, nameMax+1)
	var b strings.Builder
	fmt.Fprintf(&b, "%*s %*s %*s %*s %*s %s\n", wTime, "% time", wSecs, "seconds", wAvg, "usecs/call", wCalls, "calls", wErrs, "errors", "syscall")
	dashes := strings.Join([]string{strings.Repeat("-", wTime), strings.Repeat("-", wSecs),
		strings.Repeat("-", wAvg), strings.Repeat("-", wCalls), strings.Repeat("-", wErrs), strings.Repeat("-", wName)}, " ") + "\n"
	b.WriteString(dashes)
	errCol := func(n uint64) string {
		if n == 0 {
			return strings.Repeat(" ", wErrs) // %.0 prints no digit for 0
		}
		return fmt.Sprintf("%*d", wErrs, n)
	}
	for _, r := range rows {
		if r.Calls == 0 {
			continue
		}
		t := tsFloat(r.Ns)
		percent := 100.0 * t
		if percent != 0 {
			percent /= cum
		}
		avg := uint64(tsFloat(r.Ns/int64(r.Calls)) * 1e6)
		fmt.Fprintf(&b, "%*.2f %*.6f %*d %*d %s %s\n", wTime, percent, wSecs, t, wAvg, avg, wCalls, r.Calls, errCol(r.Errors), r.Name)
	}
	b.WriteString(dashes)
	var totalAvg uint64
	if calls > 0 {
		totalAvg = uint64(cum / float64(calls) * 1e6)
	}
	fmt.Fprintf(&b, "%*.2f %*.6f %*d %*d %s %s\n", wTime, 100.0, wSecs, cum, wAvg, totalAvg, wCalls, calls, errCol(errors), "total")
	return b.String()
}
