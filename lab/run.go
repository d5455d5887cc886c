package lab

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"kplay/repl"
)

// Status is a test's outcome.
type Status string

// The outcomes, named as Gradescope names the first two.
const (
	Passed  Status = "passed"
	Failed  Status = "failed"
	Skipped Status = "skipped"
)

// Failure is the first expectation a test did not meet.
type Failure struct {
	File string
	Line int
	// Message says which expectation failed and how:
	// `expect = 2$: no match in the output of "syscall getpid"`.
	Message string
	// Seen is what the command printed (or the error it returned), the
	// thing the expectation was checked against.
	Seen string
}

func (f *Failure) Error() string { return fmt.Sprintf("%s:%d: %s", f.File, f.Line, f.Message) }

// TestResult is one test's outcome.
type TestResult struct {
	Name          string
	Points, Score int
	Status        Status
	Failure       *Failure // when Failed
	SkipReason    string   // when Skipped
	// Output is the test's transcript: each command after "kplay> ",
	// then what it printed.
	Output string
	// Answers are the test's commands, each with what in its output met
	// the test's expectations: the answer key of kplay lab show
	// --answers. When the test failed, they stop at the failing command.
	Answers []Answer
}

// Answer is one command of a test and what met the expectations on its
// output.
type Answer struct {
	Command string
	// Lines are the output lines that expect and expect-block matched,
	// in output order, each once, trailing blanks removed; then the
	// message of a failure that expect-error wanted.
	Lines []string
	// Found are what the other expectations found, in their order:
	// "PATH = VALUE" for expect-json, "no match for REGEX" for
	// expect-not.
	Found []string
}

// Result is one lab's outcome for one seed.
type Result struct {
	File, Lab string
	Seed      uint64
	Version   string
	Params    []Binding
	// SetupOutput is the transcript of the commands before the first
	// test; SetupFailure is set when one of them failed (every test then
	// fails with it).
	SetupOutput  string
	SetupFailure *Failure
	Tests        []TestResult
}

// Score and MaxScore sum the points.
func (r *Result) Score() (score, max int) {
	for _, t := range r.Tests {
		score += t.Score
		max += t.Points
	}
	return score, max
}

// Counts returns how many tests passed, failed and were skipped.
func (r *Result) Counts() (passed, failed, skipped int) {
	for _, t := range r.Tests {
		switch t.Status {
		case Passed:
			passed++
		case Failed:
			failed++
		default:
			skipped++
		}
	}
	return
}

// Options change how Run runs a lab.
type Options struct {
	// Live, when set, receives everything the session prints as it
	// happens, without the "kplay> " echo (kplay run).
	Live io.Writer
	// StopAtFirstFailure ends the run at the first failed test; the
	// tests after it are skipped (kplay run).
	StopAtFirstFailure bool
}

// Run runs an instance in s, a freshly booted session, and returns the
// result. Run never panics on a lab's content: a command that panics
// comes back from the session as an internal error, which fails its test.
func Run(s *repl.Session, in *Instance, opts Options) *Result {
	res := &Result{File: in.Lab.File, Lab: in.Lab.Name, Seed: in.Seed, Version: repl.Version, Params: in.Params}
	out := s.Output()
	defer s.SetOutput(out)
	r := &runner{s: s, file: in.Lab.File, live: opts.Live}
	var setup bytes.Buffer
	res.SetupFailure = r.steps(in.Setup, &setup, nil)
	res.SetupOutput = setup.String()
	quitAt := r.quitLine
	stop := res.SetupFailure != nil && opts.StopAtFirstFailure
	status := map[string]Status{}
	for i, t := range in.Lab.Tests {
		tr := TestResult{Name: t.Name, Points: t.Points}
		switch {
		case res.SetupFailure != nil && !stop:
			tr.Status, tr.Failure = Failed, &Failure{File: res.SetupFailure.File, Line: res.SetupFailure.Line,
				Message: "the setup before the first test failed: " + res.SetupFailure.Message, Seen: res.SetupFailure.Seen}
		case stop:
			tr.Status, tr.SkipReason = Skipped, "not run: the run stopped at the first failure"
		case quitAt > 0:
			tr.Status, tr.SkipReason = Skipped, fmt.Sprintf("not run: the lab quit at %s:%d", in.Lab.File, quitAt)
		default:
			for _, dep := range t.After {
				if st := status[dep]; st != Passed {
					how := "failed"
					if st == Skipped {
						how = "was skipped"
					}
					tr.Status, tr.SkipReason = Skipped, fmt.Sprintf("depends on %q, which %s", dep, how)
					break
				}
			}
			if tr.Status == "" {
				var b bytes.Buffer
				tr.Failure = r.steps(in.Tests[i], &b, &tr.Answers)
				tr.Output = b.String()
				quitAt = r.quitLine
				if tr.Failure != nil {
					tr.Status = Failed
					stop = opts.StopAtFirstFailure
				} else {
					tr.Status, tr.Score = Passed, t.Points
				}
			}
		}
		status[t.Name] = tr.Status
		res.Tests = append(res.Tests, tr)
	}
	return res
}

type runner struct {
	s        *repl.Session
	file     string
	live     io.Writer
	quitLine int // the line of a quit command, once run
}

// steps runs a section's steps, writing its transcript to tr, and
// returns its first failure. When answers is not nil, each command and
// what met its expectations is appended to it.
func (r *runner) steps(steps []step, tr *bytes.Buffer, answers *[]Answer) *Failure {
	var last bytes.Buffer
	var lastErr error
	lastCmd := ""
	// met marks the lines of the last command's output that an
	// expectation matched; ans is its answer, flushed at the next command
	// and at the end.
	var met []bool
	var ans *Answer
	flush := func() {
		if ans == nil {
			return
		}
		lines := outputLines(last.String())
		var kept []string
		for i, m := range met {
			if m && i < len(lines) {
				kept = append(kept, lines[i])
			}
		}
		ans.Lines = append(kept, ans.Lines...)
		*answers = append(*answers, *ans)
		ans = nil
	}
	if answers != nil {
		defer flush()
	}
	mark := func(from, n int) {
		for i := from; i < from+n && i < len(met); i++ {
			met[i] = true
		}
	}
	fail := func(st step, msg, seen string) *Failure {
		return &Failure{File: r.file, Line: st.Line, Message: msg, Seen: clip(seen, maxSeenLines)}
	}
	for _, st := range steps {
		if r.quitLine > 0 {
			return nil
		}
		switch st.Kind {
		case Command:
			if answers != nil {
				flush()
			}
			last.Reset()
			lastCmd = st.Text
			base := io.Writer(tr)
			if r.live != nil {
				base = r.live
			} else {
				fmt.Fprintf(tr, "kplay> %s\n", st.Text)
			}
			r.s.SetOutput(io.MultiWriter(base, &last))
			lastErr = r.s.Exec(st.Text)
			r.s.SetOutput(base)
			if lastErr != nil {
				var ie *repl.InternalError
				if errors.As(lastErr, &ie) || !st.errorOK {
					return fail(st, lastErr.Error(), "")
				}
				if r.live == nil {
					fmt.Fprintln(tr, lastErr.Error())
				}
			}
			if r.s.Quit() {
				r.quitLine = st.Line
			}
			if answers != nil {
				ans = &Answer{Command: st.Text}
				met = make([]bool, len(outputLines(last.String())))
			}
		case Expect, ExpectNot:
			matched := st.re.Match(last.Bytes())
			if st.Kind == Expect && !matched {
				return fail(st, fmt.Sprintf("expect %s: no match in the output of %q", st.Text, lastCmd), last.String())
			}
			if st.Kind == ExpectNot && matched {
				return fail(st, fmt.Sprintf("expect-not %s: matched %q in the output of %q", st.Text, st.re.Find(last.Bytes()), lastCmd), last.String())
			}
			if ans != nil {
				if st.Kind == Expect {
					loc := st.re.FindIndex(last.Bytes())
					from := strings.Count(last.String()[:loc[0]], "\n")
					to := from + strings.Count(last.String()[loc[0]:loc[1]], "\n")
					if loc[1] > loc[0] && last.Bytes()[loc[1]-1] == '\n' {
						to-- // a match that ends with a newline ends on its line
					}
					mark(from, to-from+1)
				} else {
					ans.Found = append(ans.Found, "no match for "+st.Text)
				}
			}
		case ExpectError:
			if lastErr == nil {
				return fail(st, fmt.Sprintf("expect-error %s: %q did not fail", st.Text, lastCmd), last.String())
			}
			if !st.re.MatchString(lastErr.Error()) {
				return fail(st, fmt.Sprintf("expect-error %s: %q failed with another message", st.Text, lastCmd), lastErr.Error()+"\n")
			}
			if ans != nil && !slices.Contains(ans.Lines, lastErr.Error()) {
				ans.Lines = append(ans.Lines, lastErr.Error())
			}
		case ExpectBlock:
			at, msg := matchBlock(st.block, last.String())
			if msg != "" {
				return fail(st, fmt.Sprintf("expect-block: %s in the output of %q", msg, lastCmd), last.String())
			}
			mark(at, len(st.block))
		case ExpectJSON:
			c := st.json
			v, err := decodeOutput(last.String())
			if err != nil {
				return fail(st, fmt.Sprintf("expect-json %s: the output of %q is not JSON: %v", st.Text, lastCmd, err), last.String())
			}
			got, err := c.eval(v)
			if err != nil {
				return fail(st, fmt.Sprintf("expect-json %s: %v, in the output of %q", st.Text, err, lastCmd), last.String())
			}
			ok, err := c.compare(got)
			if err != nil {
				return fail(st, fmt.Sprintf("expect-json %s: %s is %s, %v", st.Text, c.path, render(got), err), last.String())
			}
			if !ok {
				// The message has the value; the whole document (170 lines
				// of ps --json) would bury it.
				kinds := ""
				if k, w := kindOf(got), kindOf(c.want); k != w {
					kinds = fmt.Sprintf(" (%s; the check wants %s)", k, w)
				}
				return fail(st, fmt.Sprintf("expect-json %s: %s is %s%s, in the output of %q", st.Text, c.path, render(got), kinds, lastCmd), "")
			}
			if ans != nil {
				ans.Found = append(ans.Found, c.path+" = "+render(got))
			}
		}
	}
	return nil
}

// outputLines splits a command's output into lines, trailing blanks
// removed.
func outputLines(out string) []string {
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " \t\r")
	}
	return lines
}

// matchBlock looks for want as consecutive whole lines of out (trailing
// blanks ignored on both sides) and returns the index of its first line;
// when it is not there, it says what differs: the line where the longest
// partial match broke off.
func matchBlock(want []string, out string) (int, string) {
	lines := outputLines(out)
	best, bestAt := 0, -1
	for start := range lines {
		n := 0
		for n < len(want) && start+n < len(lines) && lines[start+n] == want[n] {
			n++
		}
		if n == len(want) {
			return start, ""
		}
		if n > best {
			best, bestAt = n, start
		}
	}
	if bestAt < 0 {
		return 0, fmt.Sprintf("no line is %q", want[0])
	}
	got := "the end of the output"
	if bestAt+best < len(lines) {
		got = fmt.Sprintf("%q", lines[bestAt+best])
	}
	return 0, fmt.Sprintf("block line %d: want %q, got %s", best+1, want[best], got)
}

// maxSeenLines is how much of a command's output a failure keeps: enough
// for any expectation's context, not a whole /proc file in every report.
const maxSeenLines = 60

// clip keeps the first n lines of s and says how many it left out.
func clip(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) <= n {
		return s
	}
	return strings.Join(lines[:n], "") + "... (" + plural(len(lines)-n, "more line", "more lines") + ")\n"
}
