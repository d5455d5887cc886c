package docgen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"slices"
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

// fence opens a block of REPL commands to run; the words after it are
// its options. shellFence opens a block of kplay command lines.
const (
	fence      = "```kplay-transcript"
	shellFence = "```kplay-shell"
)

// Shell runs kplay's command line with args (without the program's name)
// in the repository's root, as a shell there would, and returns what it
// wrote on stdout and stderr and its exit status.
type Shell func(args []string) (stdout, stderr string, status int)

// Generated is the first line of a generated file: an HTML comment, so it
// does not show when the Markdown is rendered.
func Generated(source string) string {
	return "<!-- Generated from " + source + " by `make docs`: edit that file, not this one. -->\n"
}

// Tutorial expands every kplay-transcript and kplay-shell block of the
// Markdown src (see the package doc) into its transcript; shell runs the
// command lines of kplay-shell blocks. file names src in errors, which
// are FILE:LINE: message.
func Tutorial(src []byte, file string, shell Shell) ([]byte, error) {
	var out bytes.Buffer
	out.WriteString(Generated(file))
	var (
		s     *repl.Session
		open  string // the fence of the block being read; "" outside one
		opts  map[string]bool
		lines []string
		start int
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
		case open == "" && (isFence(line, fence) || isFence(line, shellFence)):
			open, lines, start = fence, nil, n
			allowed, want := []string{"boot", "continue", "errors"}, "boot, continue or errors"
			if isFence(line, shellFence) {
				open, allowed, want = shellFence, []string{"errors"}, "errors"
			}
			opts = map[string]bool{}
			for _, w := range strings.Fields(strings.TrimPrefix(line, open)) {
				if !slices.Contains(allowed, w) {
					return nil, fmt.Errorf("%s:%d: unknown option %q (want %s)", file, n, w, want)
				}
				opts[w] = true
			}
		case open != "" && strings.TrimSpace(line) == "```":
			var text string
			var err error
			if open == shellFence {
				if shell == nil {
					return nil, fmt.Errorf("%s:%d: a %s block and no shell to run it", file, start, shellFence)
				}
				text, err = shellTranscript(shell, lines, opts["errors"], file, start)
			} else {
				if s, err = blockSession(s, opts, file, start); err != nil {
					return nil, err
				}
				text, err = transcript(s, lines, opts["errors"], file, start)
			}
			if err != nil {
				return nil, err
			}
			open = ""
			out.WriteString("```\n" + text + "```\n")
		case open != "":
			lines = append(lines, line)
		default:
			out.WriteString(line)
			out.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if open != "" {
		return nil, fmt.Errorf("%s:%d: %s block never closed", file, start, open)
	}
	return out.Bytes(), nil
}

// isFence reports whether line opens a block of fence f.
func isFence(line, f string) bool {
	return line == f || strings.HasPrefix(line, f+" ")
}

// blockSession returns the session a kplay-transcript block with opts
// runs in: s for continue, else a freshly booted one (s is closed).
func blockSession(s *repl.Session, opts map[string]bool, file string, start int) (*repl.Session, error) {
	if opts["continue"] {
		if s == nil {
			return nil, fmt.Errorf("%s:%d: continue with no block before it", file, start)
		}
		if opts["boot"] {
			return s, fmt.Errorf("%s:%d: boot and continue exclude each other", file, start)
		}
		return s, nil
	}
	if s != nil {
		s.Close()
	}
	s, err := newSession(!opts["boot"])
	if err != nil {
		return nil, fmt.Errorf("%s:%d: boot: %w", file, start, err)
	}
	return s, nil
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
	err := runLines(lines, file, first, func(at, line string) (string, error) {
		if s.Quit() {
			return "", fmt.Errorf("%s: a command after quit", at)
		}
		var out bytes.Buffer
		s.SetOutput(&out)
		err := s.Exec(line)
		b.WriteString(Prompt + line + "\n")
		b.WriteString(out.String())
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
		return out.String(), nil
	})
	s.SetOutput(&bytes.Buffer{}) // a continued block starts with nothing pending
	if err != nil {
		return "", err
	}
	return strings.ReplaceAll(b.String(), runtime.Version(), GoVersion), nil
}

// shellTranscript runs each line of a kplay-shell block, `kplay ARGS`
// with ARGS split at spaces (no quoting), and returns each after "$ ",
// then what it printed on stdout and then on stderr (not interleaved),
// with the toolchain's version as GoVersion. Expectations work as in
// transcript; a command that fails fails the generation unless errorsOK.
func shellTranscript(shell Shell, lines []string, errorsOK bool, file string, first int) (string, error) {
	var b strings.Builder
	err := runLines(lines, file, first, func(at, line string) (string, error) {
		args := strings.Fields(line)
		if args[0] != "kplay" {
			return "", fmt.Errorf("%s: %q: a %s line is a kplay command line", at, line, shellFence)
		}
		stdout, stderr, status := shell(args[1:])
		if status != 0 && !errorsOK {
			return "", fmt.Errorf("%s: %s: exit status %d\n%s%s(a block whose commands may fail says so: %s errors)", at, line, status, stdout, stderr, shellFence)
		}
		b.WriteString("$ " + line + "\n" + stdout + stderr)
		return stdout + stderr, nil
	})
	return strings.ReplaceAll(b.String(), runtime.Version(), GoVersion), err
}

// runLines goes through a block's lines (first is the line of its fence,
// for errors FILE:LINE): blank lines are skipped, `expect REGEX` and
// `expect-not REGEX` check the output of the command before them, and
// every other line is a command, which run executes and returns what it
// printed.
func runLines(lines []string, file string, first int, run func(at, line string) (string, error)) error {
	last, lastCmd := "", ""
	for i, line := range lines {
		at := fmt.Sprintf("%s:%d", file, first+1+i)
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if word, re, ok := strings.Cut(line, " "); ok && (word == "expect" || word == "expect-not") {
			if err := check(word, strings.TrimSpace(re), lastCmd, last); err != nil {
				return fmt.Errorf("%s: %w", at, err)
			}
			continue
		}
		out, err := run(at, line)
		if err != nil {
			return err
		}
		last, lastCmd = out, line
	}
	return nil
}

// check tests an expectation (word is expect or expect-not) against out,
// what the command cmd printed.
func check(word, pattern, cmd, out string) error {
	if cmd == "" {
		return fmt.Errorf("%s before any command", word)
	}
	re, err := repl.CompileExpect(pattern)
	if err != nil {
		return fmt.Errorf("%s: %w", word, err)
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
