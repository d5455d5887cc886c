package lab

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"kplay/repl"
)

// DefaultSeed is the seed kplay check and kplay run use without --seed.
const DefaultSeed = 1

// Binding is one let's value for a seed. Shown is true for the values a
// student is given: those the seed draws (rand, pick), and those derived
// from them (calc, item) that a question names or a command uses
// (${NAME}). The other derived values are often a test's answer: only
// --answers and JUnit's properties print them.
type Binding struct {
	Name, Value string
	Shown       bool
}

// Instance is a lab with its lets drawn for one seed, every ${NAME}
// substituted and every expectation compiled.
type Instance struct {
	Lab    *Lab
	Seed   uint64
	Params []Binding
	Setup  []step
	Tests  [][]step // parallel to Lab.Tests
}

// step is a Step ready to run.
type step struct {
	Step
	re    *regexp.Regexp
	json  *jsonCheck
	block []string
	// errorOK: a command followed by expect-error may fail.
	errorOK bool
}

// splitmix64 is the lab's random generator: Steele, Lea and Flood's
// SplitMix64, written out here so that a seed draws the same numbers on
// every Go version.
type splitmix64 struct{ s uint64 }

func (r *splitmix64) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// below returns a uniform integer in [0, n), n > 0, by rejection.
func (r *splitmix64) below(n uint64) uint64 {
	threshold := -n % n // 2^64 mod n
	for {
		if x := r.next(); x >= threshold {
			return x % n
		}
	}
}

// Instantiate draws the lab's lets from seed, in file order, and prepares
// every step. Errors (a regular expression that does not compile once
// substituted, rand with A > B) carry FILE:LINE:COL.
func (l *Lab) Instantiate(seed uint64) (*Instance, error) {
	in := &Instance{Lab: l, Seed: seed}
	rng := &splitmix64{s: seed}
	vals := map[string]string{}
	for _, let := range l.Lets {
		args := make([]string, len(let.Args))
		for i, a := range let.Args {
			args[i] = substitute(a, vals, false)
		}
		var v string
		switch let.Fn {
		case "rand":
			var lohi [2]int64
			for i := range lohi {
				n, err := strconv.ParseInt(args[i], 10, 64)
				if err != nil {
					return nil, &Error{File: l.File, Line: let.Line, Col: let.ArgCols[i], Msg: fmt.Sprintf("let %s = rand: %q is not an integer", let.Name, args[i])}
				}
				lohi[i] = n
			}
			lo, hi := lohi[0], lohi[1]
			if lo > hi || uint64(hi-lo) >= 1<<62 {
				return nil, &Error{File: l.File, Line: let.Line, Col: let.ArgCols[0], Msg: fmt.Sprintf("let %s = rand %d %d: want the lowest first, then the highest", let.Name, lo, hi)}
			}
			v = strconv.FormatInt(lo+int64(rng.below(uint64(hi-lo)+1)), 10)
		case "pick":
			v = args[rng.below(uint64(len(args)))]
		case "calc":
			n, err := calc(strings.Join(args, " "))
			if err != nil {
				return nil, &Error{File: l.File, Line: let.Line, Col: let.ArgCols[0], Msg: fmt.Sprintf("let %s = calc %s: %v", let.Name, strings.Join(args, " "), err)}
			}
			v = strconv.FormatInt(n, 10)
		case "item":
			w, err := item(args[0], args[1:])
			if err != nil {
				return nil, &Error{File: l.File, Line: let.Line, Col: let.ArgCols[0], Msg: fmt.Sprintf("let %s = item: %v", let.Name, err)}
			}
			v = w
		}
		vals[let.Name] = v
		drawn := let.Fn == "rand" || let.Fn == "pick"
		in.Params = append(in.Params, Binding{Name: let.Name, Value: v, Shown: drawn || l.gives(let.Name)})
	}
	var err error
	if in.Setup, err = prepare(l, l.Setup, vals); err != nil {
		return nil, err
	}
	for _, t := range l.Tests {
		steps, err := prepare(l, t.Steps, vals)
		if err != nil {
			return nil, err
		}
		in.Tests = append(in.Tests, steps)
	}
	return in, nil
}

func prepare(l *Lab, src []Step, vals map[string]string) ([]step, error) {
	out := make([]step, 0, len(src))
	for _, s := range src {
		st := step{Step: s}
		switch s.Kind {
		case Command:
			st.Text = substitute(s.Text, vals, false)
		case Expect, ExpectNot, ExpectError:
			st.Text = substitute(s.Text, vals, true)
			re, err := repl.CompileExpect(st.Text)
			if err != nil {
				return nil, &Error{File: l.File, Line: s.Line, Col: s.Col, Msg: s.Directive + ": " + err.Error()}
			}
			st.re = re
		case ExpectJSON:
			st.Text = substitute(s.Text, vals, false)
			c, err := parseJSONCheck(st.Text, s.Line, s.Col, l.File)
			if err != nil {
				return nil, err
			}
			st.json = c
		case ExpectBlock:
			for _, b := range s.Block {
				st.block = append(st.block, substitute(b, vals, false))
			}
		}
		out = append(out, st)
	}
	// A command may fail only when an expect-error follows it.
	for i := range out {
		if out[i].Kind != Command {
			continue
		}
		for j := i + 1; j < len(out) && out[j].Kind != Command; j++ {
			if out[j].Kind == ExpectError {
				out[i].errorOK = true
			}
		}
	}
	return out, nil
}

// gives reports whether the lab hands ${name} to the student: a
// question (a test's Doc) or a command line uses it.
func (l *Lab) gives(name string) bool {
	ref := "${" + name + "}"
	commands := func(steps []Step) bool {
		for _, s := range steps {
			if s.Kind == Command && strings.Contains(s.Text, ref) {
				return true
			}
		}
		return false
	}
	if commands(l.Setup) {
		return true
	}
	for _, t := range l.Tests {
		if commands(t.Steps) {
			return true
		}
		for _, d := range t.Doc {
			if strings.Contains(d, ref) {
				return true
			}
		}
	}
	return false
}

// substitute replaces ${NAME} for every let NAME drawn so far; any other
// ${...} stays as written. In a regular expression the value is quoted,
// so that it matches itself.
func substitute(s string, vals map[string]string, quoteMeta bool) string {
	if !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		name := s[i+2 : i+j]
		v, ok := vals[name]
		if !ok {
			b.WriteString(s[:i+j+1])
			s = s[i+j+1:]
			continue
		}
		if quoteMeta {
			v = regexp.QuoteMeta(v)
		}
		b.WriteString(s[:i])
		b.WriteString(v)
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

// Load parses a lab and instantiates it for seed.
func Load(file string, src []byte, seed uint64) (*Instance, error) {
	l, err := Parse(file, src)
	if err != nil {
		return nil, err
	}
	return l.Instantiate(seed)
}
