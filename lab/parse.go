package lab

import (
	"bufio"
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"kplay/repl"
)

// Error is a mistake in a lab file, at FILE:LINE:COL (1-based, COL in
// bytes). It is found before anything runs.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg) }

// Kind says what a step does.
type Kind int

const (
	// Command is a REPL command line.
	Command Kind = iota
	// Expect: a regular expression that must match the output.
	Expect
	// ExpectNot: a regular expression that must not match.
	ExpectNot
	// ExpectBlock: lines that must appear, consecutive and whole.
	ExpectBlock
	// ExpectJSON: a comparison on a value of the output read as JSON.
	ExpectJSON
	// ExpectError: the command must fail with a message matching a
	// regular expression.
	ExpectError
)

var kindNames = map[string]Kind{
	"expect": Expect, "expect-not": ExpectNot, "expect-block": ExpectBlock,
	"expect-json": ExpectJSON, "expect-error": ExpectError,
}

// Step is one command or expectation, as written (before substitution).
type Step struct {
	Kind      Kind
	Line, Col int // where the argument starts (the command itself for Command)
	// Text is the command line, or the regular expression, or for
	// ExpectJSON the rest of the line (PATH OP VALUE).
	Text string
	// Block holds the lines of an expect-block, trailing blanks removed.
	Block []string
	// Directive is the word that introduced an expectation ("expect").
	Directive string
}

// Let is a parameter drawn from the seed (`let NAME = rand A B`,
// `let NAME = pick WORD...`) or derived from earlier ones without drawing
// (`let NAME = calc EXPR`, `let NAME = item I WORD...`).
type Let struct {
	Name      string
	Line, Col int // of the name
	// Fn is "rand", "pick", "calc" or "item"; Args its words (A and B as written, so that
	// they may use earlier lets).
	Fn      string
	Args    []string
	ArgCols []int
}

// Test is a named test: its steps, its points and what it needs first.
type Test struct {
	Name   string
	Points int
	After  []string
	Line   int
	// Doc holds the comment lines right after the test line, without
	// their "# ": the question the test asks, for a handout.
	Doc   []string
	Steps []Step
}

// Lab is a parsed lab file.
type Lab struct {
	File string
	// Name is from `lab NAME`, or the file's base name without .kp.
	Name        string
	Description []string
	Lets        []Let
	// Setup holds the steps before the first test.
	Setup []Step
	// Tests are in file order. A file with no test line is one test
	// named after the lab, worth one point, holding every step.
	Tests []*Test
	// Implicit is true when the file has no test line.
	Implicit bool
}

// Parse reads a lab. Plain scripts parse too: the format only adds
// directives (lab, description, let, test, expect-*, end) that are not
// REPL commands.
func Parse(file string, src []byte) (*Lab, error) {
	p := &parser{lab: &Lab{File: file}}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		p.lines = append(p.lines, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, &Error{File: file, Line: len(p.lines) + 1, Col: 1, Msg: err.Error()}
	}
	if err := p.parse(); err != nil {
		return nil, err
	}
	l := p.lab
	if l.Name == "" {
		l.Name = strings.TrimSuffix(filepath.Base(file), ".kp")
	}
	if len(l.Tests) == 0 {
		l.Implicit = true
		l.Tests = []*Test{{Name: l.Name, Points: 1, Line: 1, Steps: l.Setup}}
		l.Setup = nil
	}
	return l, nil
}

type parser struct {
	lab   *Lab
	lines []string
	n     int // index of the current line
	// cur is the test being read, nil in the setup.
	cur *Test
	// haveCmd is whether the current section has a command yet (for
	// expectations), docOpen whether comments still go to the test's Doc.
	haveCmd, docOpen, body bool
}

func (p *parser) errf(line, col int, format string, args ...any) error {
	return &Error{File: p.lab.File, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) add(s Step) {
	if p.cur != nil {
		p.cur.Steps = append(p.cur.Steps, s)
	} else {
		p.lab.Setup = append(p.lab.Setup, s)
	}
}

func (p *parser) parse() error {
	for ; p.n < len(p.lines); p.n++ {
		raw := p.lines[p.n]
		line := p.n + 1
		trimmed := strings.TrimLeft(raw, " \t")
		indent := len(raw) - len(trimmed)
		trimmed = strings.TrimRight(trimmed, " \t")
		if trimmed == "" {
			p.docOpen = false
			continue
		}
		if strings.HasPrefix(trimmed, "#") {
			if p.docOpen {
				p.cur.Doc = append(p.cur.Doc, strings.TrimSpace(strings.TrimPrefix(trimmed, "#")))
			}
			continue
		}
		p.docOpen = false
		word, rest, found := strings.Cut(trimmed, " ")
		if w, r, ok := strings.Cut(trimmed, "\t"); ok && len(w) < len(word) {
			word, rest, found = w, r, true
		}
		// argCol is where the argument starts, or just after the word.
		argCol := indent + len(word) + 1
		if found {
			argCol += 1 + len(rest) - len(strings.TrimLeft(rest, " \t"))
		}
		rest = strings.TrimSpace(rest)
		var err error
		switch word {
		case "lab", "description":
			err = p.header(word, rest, line, indent+1, argCol)
		case "let":
			p.body = true
			err = p.let(rest, line, argCol)
		case "test":
			p.body = true
			err = p.test(rest, line, argCol)
		case "end":
			err = p.errf(line, indent+1, "end without expect-block")
		case "expect", "expect-not", "expect-block", "expect-json", "expect-error":
			p.body = true
			err = p.expect(word, rest, line, indent+1, argCol)
		default:
			// A REPL command; a misspelt directive (expct) is caught here,
			// before anything runs, rather than as an unknown command.
			// The REPL's word, as it tokenizes the line ('syscall' getpid
			// is syscall); a line it cannot tokenize fails when it runs.
			name := word
			if toks, err := repl.Tokenize(trimmed); err == nil && len(toks) > 0 {
				name = toks[0].Text
			}
			if repl.Lookup(name) == nil && !strings.Contains(name, "${") {
				return p.errf(line, indent+1, "%q is neither a directive nor a REPL command (kplay's help lists the commands)", name)
			}
			p.body = true
			p.haveCmd = true
			p.add(Step{Kind: Command, Line: line, Col: indent + 1, Text: trimmed})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) header(word, rest string, line, col, argCol int) error {
	if p.body {
		return p.errf(line, col, "%s belongs in the header, before any let, test or command", word)
	}
	if word == "lab" {
		if p.lab.Name != "" {
			return p.errf(line, col, "a second lab line (the lab is already named %q)", p.lab.Name)
		}
		if rest == "" {
			return p.errf(line, argCol, "lab needs a name: lab NAME")
		}
		p.lab.Name = rest
		return nil
	}
	if p.lab.Name == "" {
		return p.errf(line, col, "description before lab NAME")
	}
	p.lab.Description = append(p.lab.Description, rest)
	return nil
}

// isIdent reports whether s is a let name: a letter or _, then letters,
// digits and _.
func isIdent(s string) bool {
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

func (p *parser) let(rest string, line, col int) error {
	toks, err := tokens(rest, line, col, p)
	if err != nil {
		return err
	}
	const usage = "usage: let NAME = rand A B, pick WORD..., calc EXPR or item I WORD..."
	if len(toks) < 3 || toks[1].Text != "=" || toks[1].Quoted {
		c := col
		if len(toks) > 1 {
			c = toks[1].Col
		}
		return p.errf(line, c, "%s", usage)
	}
	name := toks[0]
	if !isIdent(name.Text) || name.Quoted {
		return p.errf(line, name.Col, "let: %q is not a name (letters, digits and _, not starting with a digit)", name.Text)
	}
	for _, l := range p.lab.Lets {
		if l.Name == name.Text {
			return p.errf(line, name.Col, "let %s: already defined at line %d", name.Text, l.Line)
		}
	}
	fn := toks[2]
	l := Let{Name: name.Text, Line: line, Col: name.Col, Fn: fn.Text}
	for _, t := range toks[3:] {
		l.Args = append(l.Args, t.Text)
		l.ArgCols = append(l.ArgCols, t.Col)
	}
	switch fn.Text {
	case "rand":
		if len(l.Args) != 2 {
			return p.errf(line, fn.Col, "let %s = rand: want two integers, the lowest and the highest (rand 2 6)", name.Text)
		}
		for i, a := range l.Args {
			if strings.Contains(a, "${") {
				continue // checked when drawn
			}
			if _, err := strconv.ParseInt(a, 10, 64); err != nil {
				return p.errf(line, l.ArgCols[i], "let %s = rand: %q is not an integer", name.Text, a)
			}
		}
	case "pick":
		if len(l.Args) == 0 {
			return p.errf(line, fn.Col, "let %s = pick: want at least one word to pick from", name.Text)
		}
	case "calc":
		if len(l.Args) == 0 {
			return p.errf(line, fn.Col, "let %s = calc: want an integer expression (calc ${n} * 10 + 1)", name.Text)
		}
		if expr := strings.Join(l.Args, " "); !strings.Contains(expr, "${") {
			if _, err := calc(expr); err != nil {
				return p.errf(line, l.ArgCols[0], "let %s = calc: %v", name.Text, err)
			}
		}
	case "item":
		if len(l.Args) < 2 {
			return p.errf(line, fn.Col, "let %s = item: want an index from 0 and the words to index (item ${i} 820 655 335)", name.Text)
		}
		if !strings.Contains(l.Args[0], "${") {
			if _, err := item(l.Args[0], l.Args[1:]); err != nil {
				return p.errf(line, l.ArgCols[0], "let %s = item: %v", name.Text, err)
			}
		}
	default:
		return p.errf(line, fn.Col, "let %s: unknown generator %q (want rand, pick, calc or item)", name.Text, fn.Text)
	}
	p.lab.Lets = append(p.lab.Lets, l)
	return nil
}

// tokens splits a directive's arguments as the REPL does, with columns
// counted from the start of the line.
func tokens(rest string, line, col int, p *parser) ([]repl.Token, error) {
	toks, err := repl.Tokenize(rest)
	if err != nil {
		c := col
		var n int
		if _, e := fmt.Sscanf(err.Error(), "column %d:", &n); e == nil {
			c = col + n - 1
		}
		msg := err.Error()
		if i := strings.Index(msg, ": "); strings.HasPrefix(msg, "column ") && i >= 0 {
			msg = msg[i+2:]
		}
		return nil, p.errf(line, c, "%s", msg)
	}
	for i := range toks {
		toks[i].Col += col - 1
	}
	return toks, nil
}

func (p *parser) test(rest string, line, col int) error {
	const usage = `usage: test "NAME" [points N] [after "NAME"...]`
	toks, err := tokens(rest, line, col, p)
	if err != nil {
		return err
	}
	if len(toks) == 0 {
		return p.errf(line, col, "test needs a name: %s", usage)
	}
	t := &Test{Name: toks[0].Text, Points: 1, Line: line}
	if t.Name == "" {
		return p.errf(line, toks[0].Col, "a test's name cannot be empty")
	}
	for _, o := range p.lab.Tests {
		if o.Name == t.Name {
			return p.errf(line, toks[0].Col, "test %q: already defined at line %d", t.Name, o.Line)
		}
	}
	seenPoints := false
	for i := 1; i < len(toks); i++ {
		switch tk := toks[i]; {
		case tk.Text == "points" && !tk.Quoted && !seenPoints:
			seenPoints = true
			if i+1 >= len(toks) {
				return p.errf(line, tk.Col, "points needs a number")
			}
			i++
			n, err := strconv.Atoi(toks[i].Text)
			if err != nil || n < 0 || n > 1000000 {
				return p.errf(line, toks[i].Col, "points %q: want a whole number from 0", toks[i].Text)
			}
			t.Points = n
		case tk.Text == "after" && !tk.Quoted:
			if i+1 >= len(toks) {
				return p.errf(line, tk.Col, "after needs the name of an earlier test")
			}
			for i+1 < len(toks) && !(toks[i+1].Text == "points" && !toks[i+1].Quoted) {
				i++
				dep := toks[i]
				if !p.hasTest(dep.Text) {
					return p.errf(line, dep.Col, "after %q: no earlier test has that name", dep.Text)
				}
				t.After = append(t.After, dep.Text)
			}
		default:
			return p.errf(line, tk.Col, "unexpected %q: %s", tk.Text, usage)
		}
	}
	p.lab.Tests = append(p.lab.Tests, t)
	p.cur = t
	p.haveCmd = false
	p.docOpen = true
	return nil
}

func (p *parser) hasTest(name string) bool {
	for _, t := range p.lab.Tests {
		if t.Name == name {
			return true
		}
	}
	return false
}

func (p *parser) expect(word, rest string, line, col, argCol int) error {
	if !p.haveCmd {
		if p.cur != nil {
			return p.errf(line, col, "%s before any command in test %q", word, p.cur.Name)
		}
		return p.errf(line, col, "%s before any command", word)
	}
	s := Step{Kind: kindNames[word], Line: line, Col: argCol, Text: rest, Directive: word}
	switch s.Kind {
	case Expect, ExpectNot, ExpectError:
		if rest == "" {
			return p.errf(line, argCol, "%s needs a regular expression", word)
		}
	case ExpectJSON:
		if rest == "" {
			return p.errf(line, argCol, `usage: expect-json PATH OP VALUE (expect-json '.[0].state' == "S")`)
		}
		if !strings.Contains(rest, "${") {
			if _, err := parseJSONCheck(rest, line, argCol, p.lab.File); err != nil {
				return err
			}
		}
	case ExpectBlock:
		if rest != "" {
			return p.errf(line, argCol, "expect-block takes no argument: the expected lines follow, then end")
		}
		for p.n++; ; p.n++ {
			if p.n >= len(p.lines) {
				return p.errf(line, col, "expect-block without end")
			}
			l := p.lines[p.n]
			if strings.TrimSpace(l) == "end" {
				break
			}
			s.Block = append(s.Block, strings.TrimRight(l, " \t"))
		}
		if len(s.Block) == 0 {
			return p.errf(line, col, "expect-block with no lines before end")
		}
	}
	p.add(s)
	return nil
}
