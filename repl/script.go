package repl

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"regexp/syntax"
	"strings"
)

// ScriptError is a failure in a script, at FILE:LINE.
type ScriptError struct {
	File string
	Line int
	Msg  string
	// Output is what the command before a failed expectation printed.
	Output string
}

func (e *ScriptError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// RunScript runs a script of REPL commands from r, printing to the
// session's output. Besides commands, a line may be blank, a # comment,
// `expect REGEX` or `expect-not REGEX`: a regular expression (Go syntax,
// multi-line mode) that the output of the command before it must, or
// must not, match. It stops at the first error or failed expectation.
func RunScript(s *Session, r io.Reader, file string) error {
	out := s.Output()
	defer s.SetOutput(out)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var last bytes.Buffer
	lastCmd := ""
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		word, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		if word == "expect" || word == "expect-not" {
			if lastCmd == "" {
				return &ScriptError{File: file, Line: n, Msg: word + " before any command"}
			}
			if rest == "" {
				return &ScriptError{File: file, Line: n, Msg: word + " needs a regular expression"}
			}
			re, err := CompileExpect(rest)
			if err != nil {
				return &ScriptError{File: file, Line: n, Msg: word + ": " + err.Error()}
			}
			matched := re.Match(last.Bytes())
			if word == "expect" && !matched {
				return &ScriptError{File: file, Line: n, Msg: fmt.Sprintf("expect %s: no match in the output of %q", rest, lastCmd), Output: last.String()}
			}
			if word == "expect-not" && matched {
				return &ScriptError{File: file, Line: n, Msg: fmt.Sprintf("expect-not %s: matched %q in the output of %q", rest, re.Find(last.Bytes()), lastCmd), Output: last.String()}
			}
			continue
		}
		last.Reset()
		lastCmd = line
		s.SetOutput(io.MultiWriter(out, &last))
		err := s.Exec(line)
		s.SetOutput(out)
		if err != nil {
			// An internal error is one line too: its Go stack stays in
			// InternalError.Stack for tests, never on the user's terminal.
			return &ScriptError{File: file, Line: n, Msg: err.Error()}
		}
		if s.Quit() {
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		return &ScriptError{File: file, Line: 0, Msg: err.Error()}
	}
	return nil
}

// CompileExpect compiles an expectation's regular expression as scripts
// and labs match it: Go's syntax, in multi-line mode (^ and $ at each
// line). Its error names the expression as written, what is wrong and,
// when it is a part, where: bad regular expression `(`: missing closing ),
// bad regular expression `a\q`: invalid escape sequence `\q`.
func CompileExpect(pattern string) (*regexp.Regexp, error) {
	re, err := regexp.Compile("(?m)" + pattern)
	if err != nil {
		var se *syntax.Error
		if errors.As(err, &se) {
			msg := fmt.Sprintf("bad regular expression `%s`: %s", pattern, se.Code)
			if part := strings.TrimPrefix(se.Expr, "(?m)"); part != pattern {
				msg += " `" + part + "`"
			}
			return nil, errors.New(msg)
		}
		return nil, fmt.Errorf("bad regular expression `%s`: %v", pattern, err)
	}
	return re, nil
}
