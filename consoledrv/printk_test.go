package consoledrv

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestFormatTimeIsPrintksPrefix(t *testing.T) {
	cases := map[int64]string{
		0:             "[    0.000000]",
		1_000_000:     "[    0.001000]",
		12_345_678_9:  "[    0.123456]",
		100_000_000_0: "[    1.000000]",
		123456 * 1e9:  "[123456.000000]",
	}
	for ns, want := range cases {
		if got := FormatTime(ns); got != want {
			t.Errorf("FormatTime(%d) = %q, want %q", ns, got, want)
		}
	}
}

func TestParseLevelAcceptsDmesgNamesAndNumbers(t *testing.T) {
	for i, n := range []string{"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"} {
		if l, err := ParseLevel(n); err != nil || l != Level(i) {
			t.Errorf("%s -> %v %v", n, l, err)
		}
		if l, err := ParseLevel(fmt.Sprint(i)); err != nil || l != Level(i) {
			t.Errorf("%d -> %v %v", i, l, err)
		}
	}
	for _, bad := range []string{"8", "-1", "warning", ""} {
		if _, err := ParseLevel(bad); err == nil {
			t.Errorf("ParseLevel(%q) accepted", bad)
		}
	}
}

func TestConsoleLoglevelFiltersWhatIsPrintedNotWhatIsLogged(t *testing.T) {
	var out bytes.Buffer
	d := NewDriver(DefaultLogBufLen, QuietConsoleLoglevel, func() int64 { return 0 })
	d.Register(&Console{Name: "kcon"}, &out)
	for l := Emerg; l <= Debug; l++ {
		d.Printk(l, "level "+l.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	// console [kcon0] enabled is info: hidden under quiet
	want := []string{"level emerg", "level alert", "level crit", "level err"}
	if len(lines) != len(want) {
		t.Fatalf("printed %q", out.String())
	}
	for i, w := range want {
		if lines[i] != "[    0.000000] "+w {
			t.Errorf("line %d = %q", i, lines[i])
		}
	}
	if n := len(d.Log.Records()); n != 9 {
		t.Fatalf("logged %d records, want all 9", n)
	}
}

func TestRegisterReplaysTheBootLog(t *testing.T) {
	var out bytes.Buffer
	now := int64(0)
	d := NewDriver(DefaultLogBufLen, DefaultConsoleLoglevel, func() int64 { return now })
	d.Printk(Notice, "Linux version 6.6.0-kplay")
	d.Printk(Debug, "hidden at loglevel 7")
	now = 1_000_000
	d.Register(&Console{Name: "kcon", PrintBuffer: true}, &out)
	want := "[    0.000000] Linux version 6.6.0-kplay\n[    0.001000] printk: console [kcon0] enabled\n"
	if out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
}

func TestLogBufWrapDropsOldestRecords(t *testing.T) {
	b := NewLogBuf(256) // each 8-char record costs 24 bytes: 10 fit
	for i := 0; i < 25; i++ {
		b.Append(int64(i), Info, fmt.Sprintf("msg %04d", i))
	}
	rs := b.Records()
	if len(rs) != 10 {
		t.Fatalf("kept %d records, want 10", len(rs))
	}
	if rs[0].Text != "msg 0015" || rs[9].Text != "msg 0024" || rs[0].Seq != 15 {
		t.Fatalf("kept %q..%q", rs[0].Text, rs[9].Text)
	}
	if b.Dropped() != 15 {
		t.Fatalf("dropped %d", b.Dropped())
	}
	b.Clear()
	if len(b.Records()) != 0 {
		t.Fatal("Clear left records")
	}
	b.Append(99, Info, "after")
	if rs := b.Records(); len(rs) != 1 || rs[0].Text != "after" {
		t.Fatalf("after clear: %v", rs)
	}
	long := strings.Repeat("x", 1000)
	if r := b.Append(0, Info, long); len(r.Text) != 240 {
		t.Fatalf("an oversized message must be truncated to fit, got %d", len(r.Text))
	}
}

func TestMultiLinePrintkIsOneRecordPerLine(t *testing.T) {
	d := NewDriver(DefaultLogBufLen, DefaultConsoleLoglevel, func() int64 { return 0 })
	d.Printk(Err, "a\nb\n")
	if rs := d.Log.Records(); len(rs) != 2 || rs[0].Text != "a" || rs[1].Text != "b" {
		t.Fatalf("%v", rs)
	}
}

func TestWriteGoesToConsolesVerbatim(t *testing.T) {
	var a, b bytes.Buffer
	d := NewDriver(DefaultLogBufLen, Emerg, func() int64 { return 0 })
	d.Register(&Console{Name: "kcon"}, &a)
	d.Register(&Console{Name: "kcon", Index: 1}, &b)
	if n := d.Write([]byte("hello\n")); n != 6 || a.String() != "hello\n" || b.String() != "hello\n" {
		t.Fatalf("n=%d a=%q b=%q", n, a.String(), b.String())
	}
	if len(d.Log.Records()) != 2 { // the two registrations only
		t.Fatal("a tty write must not enter the log")
	}
}
