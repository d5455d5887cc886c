package consoledrv

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Level is a printk log level (KERN_EMERG ... KERN_DEBUG).
type Level int

// Log levels, as include/linux/kern_levels.h.
const (
	Emerg Level = iota
	Alert
	Crit
	Err
	Warning
	Notice
	Info
	Debug
)

// levelNames are util-linux dmesg's names for the levels.
var levelNames = [...]string{"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"}

func (l Level) String() string {
	if l < Emerg || l > Debug {
		return strconv.Itoa(int(l))
	}
	return levelNames[l]
}

// ParseLevel accepts a dmesg level name (emerg ... debug) or a number 0-7.
func ParseLevel(s string) (Level, error) {
	for i, n := range levelNames {
		if strings.EqualFold(s, n) {
			return Level(i), nil
		}
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 7 {
		return Level(n), nil
	}
	return 0, fmt.Errorf("unknown level %q (want emerg, alert, crit, err, warn, notice, info, debug or 0-7)", s)
}

// Default console log levels (CONSOLE_LOGLEVEL_DEFAULT, CONSOLE_LOGLEVEL_QUIET).
const (
	DefaultConsoleLoglevel Level = 7
	QuietConsoleLoglevel   Level = 4
)

// DefaultLogBufLen is the log buffer size, 1 << CONFIG_LOG_BUF_SHIFT (17).
const DefaultLogBufLen = 1 << 17

// Record is one message in the log buffer.
type Record struct {
	Seq    uint64 `json:"seq"`
	TimeNs int64  `json:"time_ns"`
	Level  Level  `json:"level"`
	Text   string `json:"text"`
}

// size is what a record costs in the buffer: the 16-byte header of the
// classic struct printk_log plus the text, rounded up to 8 bytes.
func (r Record) size() int { return (16 + len(r.Text) + 7) &^ 7 }

// FormatTime is printk's time prefix, "[%5lu.%06lu]".
func FormatTime(ns int64) string {
	return fmt.Sprintf("[%5d.%06d]", ns/1e9, (ns%1e9)/1e3)
}

// String is the record as dmesg prints it by default.
func (r Record) String() string { return FormatTime(r.TimeNs) + " " + r.Text }

// LogBuf is the kernel log ring buffer.
type LogBuf struct {
	capBytes int
	used     int
	records  []Record // oldest first
	nextSeq  uint64
	clearSeq uint64 // dmesg -C: records before this are hidden
	dropped  uint64
}

// NewLogBuf returns an empty log of capBytes bytes.
func NewLogBuf(capBytes int) *LogBuf {
	if capBytes < 64 {
		capBytes = 64
	}
	return &LogBuf{capBytes: capBytes}
}

// Append stores a message, dropping the oldest records to make room. A
// message longer than the whole buffer is truncated.
func (b *LogBuf) Append(ts int64, level Level, text string) Record {
	if max := b.capBytes - 16; len(text) > max {
		text = text[:max]
	}
	r := Record{Seq: b.nextSeq, TimeNs: ts, Level: level, Text: text}
	b.nextSeq++
	for b.used+r.size() > b.capBytes {
		b.used -= b.records[0].size()
		b.records = b.records[1:]
		b.dropped++
	}
	b.used += r.size()
	b.records = append(b.records, r)
	return r
}

// Records returns the records since the last Clear, oldest first.
func (b *LogBuf) Records() []Record {
	var out []Record
	for _, r := range b.records {
		if r.Seq >= b.clearSeq {
			out = append(out, r)
		}
	}
	return out
}

// Clear hides every record logged so far from Records (dmesg -C).
func (b *LogBuf) Clear() { b.clearSeq = b.nextSeq }

// Dropped is the number of records lost to wrap-around.
func (b *LogBuf) Dropped() uint64 { return b.dropped }

// Console is a registered console (struct console).
type Console struct {
	Name  string // "kcon"
	Index int    // 0, making kcon0
	// PrintBuffer replays the log buffer at registration (CON_PRINTBUFFER).
	PrintBuffer bool

	out io.Writer
}

// FullName is the name with its index, as in "printk: console [kcon0] enabled".
func (c *Console) FullName() string { return c.Name + strconv.Itoa(c.Index) }

// SetOutput changes where the console's text goes (the terminal behind it).
func (c *Console) SetOutput(w io.Writer) { c.out = w }

// Output is where the console's text goes.
func (c *Console) Output() io.Writer { return c.out }

// Driver is printk with its log buffer and consoles. It is owned by the CPU
// holder.
type Driver struct {
	Log *LogBuf
	// Loglevel is console_loglevel: messages with a level below it are
	// printed on the consoles.
	Loglevel Level
	// Now returns the kernel time in ns for the record timestamps.
	Now func() int64

	consoles []*Console
}

// NewDriver returns a driver with an empty log of logBufLen bytes.
func NewDriver(logBufLen int, loglevel Level, now func() int64) *Driver {
	return &Driver{Log: NewLogBuf(logBufLen), Loglevel: loglevel, Now: now}
}

// Printk logs a message; text may hold several lines, each one record.
func (d *Driver) Printk(level Level, text string) {
	text = strings.TrimSuffix(text, "\n")
	ts := d.Now()
	for _, line := range strings.Split(text, "\n") {
		r := d.Log.Append(ts, level, line)
		if level < d.Loglevel {
			d.emit(r)
		}
	}
}

func (d *Driver) emit(r Record) {
	for _, c := range d.consoles {
		if c.out != nil {
			io.WriteString(c.out, r.String()+"\n")
		}
	}
}

// Register adds a console (register_console), replaying the buffer to it if
// it asks to, and announces it.
func (d *Driver) Register(c *Console, out io.Writer) {
	c.out = out
	if c.PrintBuffer && out != nil {
		for _, r := range d.Log.Records() {
			if r.Level < d.Loglevel {
				io.WriteString(out, r.String()+"\n")
			}
		}
	}
	d.consoles = append(d.consoles, c)
	d.Printk(Info, fmt.Sprintf("printk: console [%s] enabled", c.FullName()))
}

// Consoles returns the registered consoles.
func (d *Driver) Consoles() []*Console { return append([]*Console(nil), d.consoles...) }

// Write sends bytes to every console as they are (a tty write). It returns
// len(p): a console never refuses output.
func (d *Driver) Write(p []byte) int {
	for _, c := range d.consoles {
		if c.out != nil {
			c.out.Write(p)
		}
	}
	return len(p)
}
