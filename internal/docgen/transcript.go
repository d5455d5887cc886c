package docgen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"

	"kplay/kernel"
	"kplay/repl"
)

// Prompt is the REPL's prompt as a transcript shows it.
const Prompt = "kplay> "

// GoVersion stands in a transcript where the Go toolchain's version was
// printed (the boot log's first line, /proc/version, uname -v), so that a
// tutorial regenerates the same under every toolchain.
const GoVersion = "goX.Y.Z"

// fence opens a block to run; the words after it are its options.
const fence = "```kplay-transcript"

// Generated is the first line of a generated file: an HTML comment, so it
// does not show when the Markdown is rendered.
func Generated(source string) string {
	return "<!-- Generated from " + source + " by `make docs`: edit that file, not this one. -->\n"
}

// Tutorial expands every kplay-transcript block of the Markdown src (see
// the package doc) into its transcript. file names src in errors, which
// are FILE:LINE: message.
func Tutorial(src []byte, file string) ([]byte, error) {
	var out bytes.Buffer
	out.WriteString(Generated(file))
	var (
		s       *repl.Session
		inBlock bool
		opts    map[string]bool
		lines   []string
		start   int
	)
	defer func() {
		if s != nil {
			s.Close()
		}
	}()
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case !inBlock && (line == fence || strings.HasPrefix(line, fence+" ")):
			inBlock, lines, start = true, nil, n
			opts = map[string]bool{}
			for _, w := range strings.Fields(strings.TrimPrefix(line, fence)) {
				if w != "boot" && w != "continue" && w != "errors" {
					return nil, fmt.Errorf("%s:%d: unknown option %q (want boot, continue or errors)", file, n, w)
				}
				opts[w] = true
			}
		case inBlock && strings.TrimSpace(line) == "```":
			inBlock = false
			if !opts["continue"] || s == nil {
				if opts["continue"] {
					return nil, fmt.Errorf("%s:%d: continue with no block before it", file, start)
				}
				if s != nil {
					s.Close()
				}
				var err error
				if s, err = newSession(!opts["boot"]); err != nil {
					return nil, fmt.Errorf("%s:%d: boot: %w", file, start, err)
				}
			} else if opts["boot"] {
				return nil, fmt.Errorf("%s:%d: boot and continue exclude each other", file, start)
			}
			text, err := transcript(s, lines, opts["errors"], file, start)
			if err != nil {
				return nil, err
			}
			out.WriteString("```\n")
			out.WriteString(text)
			out.WriteString("```\n")
		case inBlock:
			lines = append(lines, line)
		default:
			out.WriteString(line)
			out.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if inBlock {
		return nil, fmt.Errorf("%s:%d: %s block never closed", file, start, fence)
	}
	return out.Bytes(), nil
}

// newSession boots a kernel as `kplay --color never` does (the CLI's
// defaults are kernel.Config's zero values), quiet unless the boot log is
// wanted. The boot log waits in the session's output, a buffer, for
// transcript to take it.
func newSession(quiet bool) (*repl.Session, error) {
	return repl.NewSession(repl.Options{Kernel: kernel.Config{Quiet: quiet}}, &bytes.Buffer{})
}

// transcript runs lines in s and returns the prompt, command and output
// of each, as a terminal shows them. Each line is a command, blank, or an
// expectation on the output of the command before it, as in a script:
// `expect REGEX` or `expect-not REGEX` (Go syntax, multi-line mode). An
// expectation is checked and not shown, so that what the tutorial's prose
// says about a transcript is tested too. A command that fails fails the
// generation unless errors allows it, when its message shows as the REPL
// prints it; a kplay bug (an internal error) always fails. first is the
// line of the block's fence, for errors.
func transcript(s *repl.Session, lines []string, errorsOK bool, file string, first int) (string, error) {
	var b strings.Builder
	if boot, ok := s.Output().(*bytes.Buffer); ok {
		b.WriteString(boot.String()) // the boot log, empty when quiet
		boot.Reset()
	}
	var last bytes.Buffer // the output of the last command
	lastCmd := ""
	for i, line := range lines {
		at := fmt.Sprintf("%s:%d", file, first+1+i)
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if word, re, ok := strings.Cut(line, " "); ok && (word == "expect" || word == "expect-not") {
			if err := check(word, strings.TrimSpace(re), lastCmd, last.String()); err != nil {
				return "", fmt.Errorf("%s: %w", at, err)
			}
			continue
		}
		if s.Quit() {
			return "", fmt.Errorf("%s: a command after quit", at)
		}
		last.Reset()
		lastCmd = line
		s.SetOutput(&last)
		err := s.Exec(line)
		b.WriteString(Prompt + line + "\n")
		b.WriteString(last.String())
		if err != nil {
			var ie *repl.InternalError
			if errors.As(err, &ie) {
				return "", fmt.Errorf("%s: %s: %v\n%s", at, line, err, ie.Stack)
			}
			if !errorsOK {
				return "", fmt.Errorf("%s: %s: %v (a block whose commands may fail says so: %s errors)", at, line, err, fence)
			}
			b.WriteString(err.Error() + "\n")
		}
	}
	s.SetOutput(&bytes.Buffer{}) // a continued block starts with nothing pending
	return strings.ReplaceAll(b.String(), runtime.Version(), GoVersion), nil
}

// check tests an expectation (word is expect or expect-not) against out,
// what the command cmd printed.
func check(word, pattern, cmd, out string) error {
	if cmd == "" {
		return fmt.Errorf("%s before any command", word)
	}
	re, err := regexp.Compile("(?m)" + pattern)
	if err != nil {
		return fmt.Errorf("%s: bad regular expression: %v", word, err)
	}
	loc := re.FindStringIndex(out)
	switch {
	case word == "expect" && loc == nil:
		return fmt.Errorf("expect %s: no match in the output of %q:\n%s", pattern, cmd, out)
	case word == "expect-not" && loc != nil:
		return fmt.Errorf("expect-not %s: matched %q in the output of %q", pattern, out[loc[0]:loc[1]], cmd)
	}
	return nil
}
