package repl

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kplay/kernel"
)

func TestTraceIsItsOwnCommandNotAnAliasOfEvents(t *testing.T) {
	if c := Lookup("trace"); c != traceCmd {
		t.Fatalf("trace is %v", c.Names)
	}
	if len(eventsCmd.Names) != 1 {
		t.Fatalf("events still has aliases %v", eventsCmd.Names)
	}
	s, _ := newSession(t)
	if got := strings.Join(Complete(s, "trace "), " "); got != "clear disable enable events off on save show timeline" {
		t.Fatalf("completion: %q", got)
	}
	if got := strings.Join(Complete(s, "cat /sys"), " "); got != "/sys/ /sys/kernel/tracing/available_events /sys/kernel/tracing/set_event /sys/kernel/tracing/trace" {
		t.Fatalf("cat completion: %q", got)
	}
}

func TestTraceBadInputIsOneLine(t *testing.T) {
	s, out := newSession(t)
	bad := filepath.Join(t.TempDir(), "no", "such", "dir", "trace.txt")
	cases := map[string]string{
		"trace frob":                 `trace: unknown subcommand "frob" (want on, off, show, clear, save, timeline, events, enable or disable)`,
		"trace enable":               "usage: trace enable EVENT... (trace events lists them)",
		"trace disable sched:nope":   `trace disable: no trace event "sched:nope" (want system:event, system, event or all; trace events lists them)`,
		"trace events now":           "usage: trace events [--json]",
		"trace show x":               `trace show: N must be a positive number, not "x"`,
		"trace show 0":               `trace show: N must be a positive number, not "0"`,
		"trace on now":               "usage: trace on",
		"trace save":                 "usage: trace save FILE",
		"trace save " + bad:          "trace save: open " + bad + ": no such file or directory",
		"trace --json on":            "trace on: --json goes with trace show and trace events",
		"trace show --width 9":       "trace show: --width goes with trace timeline",
		"trace timeline --width 5":   "trace timeline: --width 5: want 10-1000 columns",
		"trace timeline --width x":   `trace: invalid argument "x" for "--width" flag: strconv.ParseInt: parsing "x": invalid syntax (usage: trace [on|off|show [N]|clear|save FILE|timeline|events|enable EVENT...|disable EVENT...] ...)`,
		"trace timeline --width 1e9": `trace: invalid argument "1e9" for "--width" flag: strconv.ParseInt: parsing "1e9": invalid syntax (usage: trace [on|off|show [N]|clear|save FILE|timeline|events|enable EVENT...|disable EVENT...] ...)`,
	}
	wantUsageErrors(t, s, out, cases)
}

func TestTraceSaveWritesWhatShowPrints(t *testing.T) {
	s, out := newSession(t)
	run(t, s, out, "trace on", "spawn cpu-hog", "spawn sleeper", "run 30ms")
	shown := run(t, s, out, "trace show")
	path := filepath.Join(t.TempDir(), "trace.txt")
	if got := run(t, s, out, "trace save "+path); !strings.HasPrefix(got, "saved ") {
		t.Fatalf("save: %q", got)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != shown || string(b) != s.K.TraceText() {
		t.Fatalf("saved file differs from trace show")
	}
	if got := run(t, s, out, "trace show --json 1"); !strings.Contains(got, `"event": "sched_switch"`) && !strings.Contains(got, `"event": "softirq_exit"`) {
		t.Fatalf("json: %s", got)
	}
}

// timelineOf builds a chart from hand-made switches: a runs 0-10 ms, b
// 10-11 ms, a again 11-20 ms.
func timelineOf(width int) *timeline {
	sw := func(ns int64, prev, next int) kernel.TraceEntry {
		name := map[int]string{0: "swapper/0", 5: "a", 6: "b"}
		return kernel.TraceEntry{TimeNs: ns, PID: prev, Comm: name[prev], Event: "sched_switch",
			Switch: &kernel.TraceSwitch{PrevPID: prev, PrevComm: name[prev], NextPID: next, NextComm: name[next]}}
	}
	ti := kernel.TraceInfo{EndNs: 20_000_000, Entries: []kernel.TraceEntry{
		sw(0, 0, 5), sw(10_000_000, 5, 6), sw(11_000_000, 6, 5),
	}}
	return buildTimeline(ti, width)
}

func TestTimelineMarksWhoRanMostOfEachColumn(t *testing.T) {
	var b bytes.Buffer
	timelineOf(20).render(&b, false)
	want := `who ran when, 0.000000 to 0.020000 s, 20 columns of 1.000 ms (upper case: ran most of the column, lower case: ran in it)
a-5 |AAAAAAAAAA AAAAAAAAA|
b-6 |          B         |
    +--------------------+
    0.000000      0.020000
  A a-5 ran 19.000 ms (95.0%)
  B b-6 ran 1.000 ms (5.0%)
`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	timelineOf(10).render(&b, false) // 2 ms columns: b's 1 ms loses to a
	if !strings.Contains(b.String(), "a-5 |AAAAAAAAAA|\nb-6 |     b    |\n") {
		t.Fatalf("narrow:\n%s", b.String())
	}
}

func TestTimelineColorIsDeterministicAndOptional(t *testing.T) {
	var a, b, plain bytes.Buffer
	timelineOf(30).render(&a, true)
	timelineOf(30).render(&b, true)
	timelineOf(30).render(&plain, false)
	if a.String() != b.String() || !strings.Contains(a.String(), "\x1b[") || !strings.Contains(a.String(), "█") {
		t.Fatalf("color:\n%q", a.String())
	}
	if strings.Contains(plain.String(), "\x1b[") || strings.Contains(plain.String(), "█") {
		t.Fatalf("plain has color or blocks:\n%s", plain.String())
	}
}

func TestTimelineOfAVeryLongSpanDoesNotOverflow(t *testing.T) {
	const year = int64(365 * 24 * 3600 * 1e9)
	ti := kernel.TraceInfo{EndNs: 3 * year, Entries: []kernel.TraceEntry{
		{TimeNs: 0, PID: 5, Comm: "a"},
		{TimeNs: year, PID: 5, Comm: "a", Switch: &kernel.TraceSwitch{PrevPID: 5, PrevComm: "a", NextPID: 6, NextComm: "b"}},
	}}
	var b bytes.Buffer
	buildTimeline(ti, 999).render(&b, false)
	if !strings.Contains(b.String(), "a-5 |"+strings.Repeat("A", 333)+strings.Repeat(" ", 666)+"|") {
		t.Fatalf("%s", b.String())
	}
}
