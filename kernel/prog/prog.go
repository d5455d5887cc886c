// Package prog is the language of kplay's simulated user programs: what a
// spawned task does, as data. A program is a list of statements separated
// by ';' or newlines:
//
//	compute DUR           burn CPU time in user mode
//	sleep DUR             nanosleep
//	yield                 sched_yield
//	syscall NAME ARG...   any system call; ARG is an integer or "a string"
//	fork { ... }          the child runs the block, then exits 0
//	thread { ... }        a thread (CLONE_VM|CLONE_THREAD) runs the block
//	wait                  wait4(-1, &status, 0, NULL)
//	repeat N { ... }      the block N times
//	forever { ... }       the block until the task dies
//	exit CODE             exit_group(CODE)
//	alloc SIZE            mmap SIZE bytes of anonymous memory and write
//	                      every page (each write faults a page in)
//	exec PATH ARG...      execve(PATH, [PATH's name, ARG...], NULL); the
//	                      words may be bare (/bin/cat /etc/motd) or
//	                      "quoted"
//
// DUR is a number with a unit: ns, us, ms, s, or t (ticks); SIZE a number
// of bytes with an optional K, M or G. Comments run from '#' to the end
// of the line.
package prog

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Op is a statement's kind.
type Op string

// Statements.
const (
	Compute Op = "compute"
	Sleep   Op = "sleep"
	Yield   Op = "yield"
	Syscall Op = "syscall"
	Fork    Op = "fork"
	Thread  Op = "thread"
	Wait    Op = "wait"
	Repeat  Op = "repeat"
	Forever Op = "forever"
	Exit    Op = "exit"
	Alloc   Op = "alloc"
	Exec    Op = "exec"
)

// Dur is a duration in ns or in ticks.
type Dur struct {
	Ns    int64
	Ticks int64 // when the unit was t
}

func (d Dur) String() string {
	if d.Ticks > 0 {
		return fmt.Sprintf("%dt", d.Ticks)
	}
	return fmtNs(d.Ns)
}

func fmtNs(ns int64) string {
	switch {
	case ns%1e9 == 0:
		return fmt.Sprintf("%ds", ns/1e9)
	case ns%1e6 == 0:
		return fmt.Sprintf("%dms", ns/1e6)
	case ns%1e3 == 0:
		return fmt.Sprintf("%dus", ns/1e3)
	}
	return fmt.Sprintf("%dns", ns)
}

// Arg is a system call argument: an integer, or a string the task places
// in its memory and passes by address.
type Arg struct {
	Int   int64
	Str   string
	IsStr bool
}

func (a Arg) String() string {
	if a.IsStr {
		return quote(a.Str)
	}
	return strconv.FormatInt(a.Int, 10)
}

// Stmt is one statement.
type Stmt struct {
	Op   Op
	Dur  Dur    // compute, sleep
	N    int64  // repeat count, exit code
	Name string // syscall name
	Args []Arg  // syscall arguments
	Body []Stmt // fork, thread, repeat, forever
	Line int
	Col  int
}

// Program is a parsed program.
type Program struct {
	Source string
	Body   []Stmt
}

// Error is a parse error at a line and column (both from 1).
type Error struct {
	Line, Col int
	Msg       string
}

func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// Builtins are the named programs for labs. Each is ordinary source.
var Builtins = map[string]string{
	"cpu-hog": "forever { compute 1s }",
	"sleeper": "forever { compute 1ms; sleep 10ms }",
	"pingpong": "fork { forever { compute 100us; yield } }\n" +
		"forever { compute 100us; yield }",
	"forker":  "repeat 3 { fork { compute 5ms; exit 7 } }\nrepeat 3 { wait }",
	"zombie":  "fork { exit 3 }\nsleep 10s\nwait",
	"orphan":  "fork { sleep 1s; compute 1ms }\nexit 0",
	"yielder": "forever { compute 1ms; yield }",
	"ticker":  "forever { compute 10us; sleep 1t }",
	// memhog takes 1 MiB more every 10 ms until the OOM killer stops it.
	"memhog": "forever { alloc 1M; sleep 10ms }",
}

// BuiltinNames lists the built-in programs, sorted.
func BuiltinNames() []string {
	var n []string
	for k := range Builtins {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Parse reads a program, or a built-in's name.
func Parse(src string) (*Program, error) {
	if b, ok := Builtins[strings.TrimSpace(src)]; ok {
		src = b
	}
	p := &parser{src: src, line: 1, col: 1}
	body, err := p.stmts(false)
	if err != nil {
		return nil, err
	}
	if len(body) == 0 {
		return nil, &Error{Line: 1, Col: 1, Msg: "empty program: expected a statement such as compute 10ms"}
	}
	return &Program{Source: src, Body: body}, nil
}

// token is a word, a quoted string, or one of ; { } and newline.
type token struct {
	text      string
	quoted    bool
	line, col int
	eof       bool
}

type parser struct {
	src       string
	pos       int
	line, col int
	peeked    *token
}

func (p *parser) errAt(t token, format string, args ...any) error {
	return &Error{Line: t.line, Col: t.col, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) advance() byte {
	c := p.src[p.pos]
	p.pos++
	if c == '\n' {
		p.line++
		p.col = 1
	} else {
		p.col++
	}
	return c
}

func (p *parser) next() (token, error) {
	if p.peeked != nil {
		t := *p.peeked
		p.peeked = nil
		return t, nil
	}
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c == '#' {
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.advance()
			}
			continue
		}
		if c == ' ' || c == '\t' || c == '\r' {
			p.advance()
			continue
		}
		break
	}
	t := token{line: p.line, col: p.col}
	if p.pos >= len(p.src) {
		t.eof = true
		return t, nil
	}
	switch c := p.src[p.pos]; c {
	case ';', '{', '}', '\n':
		p.advance()
		t.text = string(c)
		return t, nil
	case '"':
		p.advance()
		var b strings.Builder
		for {
			if p.pos >= len(p.src) || p.src[p.pos] == '\n' {
				return t, p.errAt(t, "unterminated string")
			}
			c := p.advance()
			if c == '"' {
				break
			}
			if c == '\\' && p.pos < len(p.src) {
				switch e := p.advance(); e {
				case 'n':
					c = '\n'
				case 't':
					c = '\t'
				case '0':
					c = 0
				case 'x':
					if p.pos+2 > len(p.src) {
						return t, p.errAt(t, "bad \\x escape in string")
					}
					v, err := strconv.ParseUint(p.src[p.pos:p.pos+2], 16, 8)
					if err != nil {
						return t, p.errAt(t, "bad \\x escape in string")
					}
					p.advance()
					p.advance()
					c = byte(v)
				default:
					c = e
				}
			}
			b.WriteByte(c)
		}
		t.text, t.quoted = b.String(), true
		return t, nil
	}
	start := p.pos
	for p.pos < len(p.src) && !strings.ContainsRune(" \t\r\n;{}\"#", rune(p.src[p.pos])) {
		p.advance()
	}
	t.text = p.src[start:p.pos]
	return t, nil
}

func (p *parser) peek() (token, error) {
	if p.peeked == nil {
		t, err := p.next()
		if err != nil {
			return t, err
		}
		p.peeked = &t
	}
	return *p.peeked, nil
}

func isSep(t token) bool { return !t.quoted && (t.text == ";" || t.text == "\n") }

func describe(t token) string {
	switch {
	case t.eof:
		return "end of program"
	case t.text == "\n":
		return "end of line"
	case t.quoted:
		return strconv.Quote(t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

// stmts reads statements until the end, or until '}' when inBlock.
func (p *parser) stmts(inBlock bool) ([]Stmt, error) {
	var out []Stmt
	for {
		t, err := p.peek()
		if err != nil {
			return nil, err
		}
		switch {
		case t.eof:
			if inBlock {
				return nil, p.errAt(t, "missing '}' before end of program")
			}
			return out, nil
		case isSep(t):
			p.next()
			continue
		case t.text == "}" && !t.quoted:
			if !inBlock {
				return nil, p.errAt(t, "unexpected '}'")
			}
			return out, nil
		}
		s, err := p.stmt()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		// A statement ends at ';', a newline, '}' or the end.
		t, err = p.peek()
		if err != nil {
			return nil, err
		}
		if !t.eof && !isSep(t) && !(t.text == "}" && !t.quoted) {
			return nil, p.errAt(t, "expected ';' or a new line after %s, found %s", s.Op, describe(t))
		}
	}
}

func (p *parser) stmt() (Stmt, error) {
	t, _ := p.next()
	s := Stmt{Op: Op(t.text), Line: t.line, Col: t.col}
	if t.quoted {
		return s, p.errAt(t, "expected a statement, found %s", describe(t))
	}
	var err error
	switch s.Op {
	case Compute, Sleep:
		s.Dur, err = p.dur()
	case Yield, Wait:
	case Exit:
		s.N, err = p.int("an exit code")
		if err == nil && (s.N < 0 || s.N > 255) {
			err = &Error{Line: t.line, Col: t.col + 5, Msg: fmt.Sprintf("exit code %d: want 0-255", s.N)}
		}
	case Syscall:
		err = p.syscall(&s)
	case Exec:
		err = p.exec(&s)
	case Alloc:
		s.N, err = p.size()
	case Fork, Thread, Forever:
		s.Body, err = p.block()
	case Repeat:
		if s.N, err = p.int("a repeat count"); err == nil {
			if s.N < 0 {
				return s, p.errAt(t, "repeat %d: want a count >= 0", s.N)
			}
			s.Body, err = p.block()
		}
	default:
		return s, p.errAt(t, "unknown statement %s: want compute, sleep, yield, syscall, fork, thread, wait, repeat, forever, exit, alloc or exec", describe(t))
	}
	return s, err
}

func (p *parser) block() ([]Stmt, error) {
	t, err := p.next()
	if err != nil {
		return nil, err
	}
	if t.text != "{" || t.quoted {
		return nil, p.errAt(t, "expected '{', found %s", describe(t))
	}
	body, err := p.stmts(true)
	if err != nil {
		return nil, err
	}
	p.next() // the '}'
	return body, nil
}

func (p *parser) word(what string) (token, error) {
	t, err := p.next()
	if err != nil {
		return t, err
	}
	if t.eof || isSep(t) || (!t.quoted && (t.text == "{" || t.text == "}")) {
		return t, p.errAt(t, "expected %s, found %s", what, describe(t))
	}
	return t, nil
}

// size reads a byte count: 4096, 64K, 10M, 1G (at most 64G).
func (p *parser) size() (int64, error) {
	t, err := p.word("a size such as 64K or 10M")
	if err != nil {
		return 0, err
	}
	text, mult := strings.ToUpper(t.text), int64(1)
	if n := len(text); n > 0 {
		switch text[n-1] {
		case 'K':
			text, mult = text[:n-1], 1<<10
		case 'M':
			text, mult = text[:n-1], 1<<20
		case 'G':
			text, mult = text[:n-1], 1<<30
		}
	}
	n, perr := strconv.ParseInt(text, 10, 64)
	if perr != nil || t.quoted || n <= 0 || n > (64<<30)/mult {
		return 0, p.errAt(t, "expected a size such as 64K or 10M (1 byte to 64G), found %s", describe(t))
	}
	return n * mult, nil
}

func (p *parser) int(what string) (int64, error) {
	t, err := p.word(what)
	if err != nil {
		return 0, err
	}
	n, perr := parseInt(t.text)
	if perr != nil || t.quoted {
		return 0, p.errAt(t, "expected %s, found %s", what, describe(t))
	}
	return n, nil
}

// parseInt reads decimal, 0x hex or 0 octal, with an optional sign.
func parseInt(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 0, 64); err == nil {
		return n, nil
	}
	u, err := strconv.ParseUint(s, 0, 64)
	return int64(u), err
}

var units = []struct {
	suffix string
	ns     int64
}{{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}}

func (p *parser) dur() (Dur, error) {
	const want = "a duration such as 10ms, 500us, 2s or 3t"
	t, err := p.word(want)
	if err != nil {
		return Dur{}, err
	}
	bad := p.errAt(t, "expected %s, found %s", want, describe(t))
	if t.quoted {
		return Dur{}, bad
	}
	if num, ok := strings.CutSuffix(t.text, "t"); ok {
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n < 0 || n > 1<<40 {
			return Dur{}, bad
		}
		return Dur{Ticks: n}, nil
	}
	for _, u := range units {
		if num, ok := strings.CutSuffix(t.text, u.suffix); ok && num != "" && !strings.HasSuffix(num, "m") && !strings.HasSuffix(num, "u") && !strings.HasSuffix(num, "n") {
			n, err := strconv.ParseFloat(num, 64)
			if err != nil || n < 0 || n*float64(u.ns) > 1<<62 {
				return Dur{}, bad
			}
			return Dur{Ns: int64(n * float64(u.ns))}, nil
		}
	}
	return Dur{}, bad
}

func (p *parser) syscall(s *Stmt) error {
	t, err := p.word("a system call name")
	if err != nil {
		return err
	}
	if t.quoted {
		return p.errAt(t, "expected a system call name, found %s", describe(t))
	}
	s.Name = t.text
	return p.eachArg(func(t token) error {
		if len(s.Args) == 6 {
			return p.errAt(t, "%s: at most 6 arguments", s.Name)
		}
		if t.quoted {
			s.Args = append(s.Args, Arg{Str: t.text, IsStr: true})
			return nil
		}
		n, perr := parseInt(t.text)
		if perr != nil {
			return p.errAt(t, "expected an integer or a \"string\" argument, found %s", describe(t))
		}
		s.Args = append(s.Args, Arg{Int: n})
		return nil
	})
}

// eachArg calls fn with each token up to the end of the statement.
func (p *parser) eachArg(fn func(t token) error) error {
	for {
		t, err := p.peek()
		if err != nil {
			return err
		}
		if t.eof || isSep(t) || (!t.quoted && t.text == "}") {
			return nil
		}
		p.next()
		if err := fn(t); err != nil {
			return err
		}
	}
}

// exec reads exec's path and arguments: words, quoted or not.
func (p *parser) exec(s *Stmt) error {
	t, err := p.word("a program path such as /bin/cat")
	if err != nil {
		return err
	}
	s.Name = t.text
	return p.eachArg(func(t token) error {
		s.Args = append(s.Args, Arg{Str: t.text, IsStr: true})
		return nil
	})
}

// Format prints statements back as source, on one line.
func Format(body []Stmt) string {
	var parts []string
	for _, s := range body {
		var b strings.Builder
		b.WriteString(string(s.Op))
		switch s.Op {
		case Compute, Sleep:
			b.WriteString(" " + s.Dur.String())
		case Exit, Repeat, Alloc:
			fmt.Fprintf(&b, " %d", s.N)
		case Syscall, Exec:
			b.WriteString(" " + s.Name)
			for _, a := range s.Args {
				b.WriteString(" " + a.String())
			}
		}
		if s.Body != nil || s.Op == Fork || s.Op == Thread || s.Op == Forever || s.Op == Repeat {
			b.WriteString(" { " + Format(s.Body) + " }")
		}
		parts = append(parts, b.String())
	}
	return strings.Join(parts, "; ")
}

// quote writes a string in the language's own escapes.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
