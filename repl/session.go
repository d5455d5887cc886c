package repl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/fatih/color"
	"github.com/spf13/pflag"

	"kplay/kernel"
)

// Options configure a session.
type Options struct {
	Kernel kernel.Config
	// Color enables colored output (decided by the caller from --color,
	// NO_COLOR and whether stdout is a terminal).
	Color bool
}

// Session is one REPL session: a booted kernel and the commands' state.
type Session struct {
	opts       Options
	K          *kernel.Kernel
	out        io.Writer
	consoleOut redirect
	quit       bool
	// procFiles is the /proc listing Tab completion offers under the real
	// clock, taken while the kernel was parked (snapshotCompletion).
	procFiles []string
	// last is what explain explains: the last event printed.
	last *explainable

	// Shared palette; every color call goes through it so --color=never
	// needs no check at each use.
	green, yellow, red, cyan, bold *color.Color
}

// NewSession boots a kernel and returns a session printing to out. The
// boot log reaches out through the console.
func NewSession(opts Options, out io.Writer) (*Session, error) {
	s := &Session{opts: opts, out: out}
	s.green, s.yellow, s.red = color.New(color.FgGreen), color.New(color.FgYellow), color.New(color.FgRed)
	s.cyan, s.bold = color.New(color.FgCyan), color.New(color.Bold)
	for _, c := range []*color.Color{s.green, s.yellow, s.red, s.cyan, s.bold} {
		if opts.Color {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
	}
	if err := s.boot(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Session) boot() error {
	cfg := s.opts.Kernel
	cfg.Console = &s.consoleOut
	cfg.Strace = &s.consoleOut // strace writes where the console does, as it shares a terminal
	s.consoleOut.w = s.out
	s.last = nil
	k, err := kernel.Boot(cfg)
	if err != nil && k == nil {
		return err
	}
	s.K = k
	if err != nil {
		fmt.Fprintln(s.out, err)
	}
	return nil
}

// redirect lets the console follow the session's current writer.
type redirect struct{ w io.Writer }

func (r *redirect) Write(p []byte) (int, error) { return r.w.Write(p) }

// Close shuts the kernel down.
func (s *Session) Close() {
	if s.K != nil {
		s.K.Shutdown()
		s.K = nil
	}
}

// Quit reports whether the user asked to leave.
func (s *Session) Quit() bool { return s.quit }

// SetOutput changes where commands and the console print.
func (s *Session) SetOutput(w io.Writer) {
	s.out = w
	s.consoleOut.w = w
}

// Output is where the session prints.
func (s *Session) Output() io.Writer { return s.out }

// UsageError is bad input: one line that says what was expected.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, args ...any) error { return &UsageError{Msg: fmt.Sprintf(format, args...)} }

// InternalError is a bug in kplay caught at the command boundary.
type InternalError struct {
	Value any
	Stack string
}

func (e *InternalError) Error() string {
	return fmt.Sprintf("internal error: %v (this is a kplay bug; please report it)", e.Value)
}

// Invocation is one parsed command line.
type Invocation struct {
	Cmd   *Command
	Args  []Token
	Flags *pflag.FlagSet
	Out   io.Writer
}

// Exec runs one command line. It returns a *UsageError for bad input and
// an *InternalError if a command panicked; the session stays usable.
func (s *Session) Exec(line string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &InternalError{Value: r, Stack: string(debug.Stack())}
		}
	}()
	toks, err := Tokenize(line)
	if err != nil {
		return &UsageError{Msg: err.Error()}
	}
	if len(toks) == 0 {
		return nil
	}
	cmd := Lookup(toks[0].Text)
	if cmd == nil {
		return usagef("unknown command %q (type help for the list)", toks[0].Text)
	}
	inv, err := s.parse(cmd, toks[1:])
	if err != nil {
		return err
	}
	if wantHelp, _ := inv.Flags.GetBool("help"); wantHelp {
		fmt.Fprint(s.out, cmd.HelpText())
		return nil
	}
	if cmd.MaxArgs >= 0 && len(inv.Args) > cmd.MaxArgs {
		return usagef("%s: too many arguments, at most %d (usage: %s)", cmd.Name(), cmd.MaxArgs, cmd.Usage)
	}
	if len(inv.Args) < cmd.MinArgs {
		return usagef("usage: %s", cmd.Usage)
	}
	return cmd.Run(s, inv)
}

func (s *Session) parse(cmd *Command, toks []Token) (*Invocation, error) {
	fs := pflag.NewFlagSet(cmd.Name(), pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SetInterspersed(!cmd.FlagsFirst)
	fs.BoolP("help", "h", false, "show help for this command")
	if cmd.Flags != nil {
		cmd.Flags(fs)
	}
	words := make([]string, len(toks))
	for i, t := range toks {
		words[i] = t.Text
		// A quoted word, or a negative number such as -1 or -5s, is an
		// argument, never a flag, unless it is the value of the flag
		// before it (spawn --nice -5).
		// With RawArgs every word but --help is an argument (kill -STOP).
		if strings.HasPrefix(t.Text, "-") && (t.Quoted || len(t.Text) > 1 && t.Text[1] >= '0' && t.Text[1] <= '9' ||
			cmd.RawArgs && t.Text != "--help" && t.Text != "-h") && !(i > 0 && takesValue(fs, toks[i-1])) {
			words[i] = "\x00" + t.Text
		}
	}
	if err := fs.Parse(words); err != nil {
		return nil, usagef("%s: %v (usage: %s)", cmd.Name(), err, cmd.Usage)
	}
	// Map the positional words back to their tokens (to keep Quoted).
	var args []Token
	rest := fs.Args()
	for i, j := 0, 0; i < len(toks) && j < len(rest); i++ {
		if words[i] == rest[j] {
			args = append(args, toks[i])
			j++
		}
	}
	return &Invocation{Cmd: cmd, Args: args, Flags: fs, Out: s.out}, nil
}

// jsonFlag adds --json to a command's flags.
func jsonFlag(fs *pflag.FlagSet) { fs.Bool("json", false, "print JSON instead of text") }

// wantJSON reports whether --json was given.
func (inv *Invocation) wantJSON() bool {
	v, err := inv.Flags.GetBool("json")
	return err == nil && v
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // ftrace's "==>" stays as it is
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// requireRunning refuses to move a halted machine.
func (s *Session) requireRunning() error {
	if halted, why := s.K.Halted(); halted {
		return usagef("the kernel has halted (%s); type reboot to boot a fresh one", why)
	}
	return nil
}

// takesValue reports whether tok is a flag that takes the next word as its
// value ("--nice" or "-R", not "--json" or "--nice=5").
func takesValue(fs *pflag.FlagSet, tok Token) bool {
	if tok.Quoted || !strings.HasPrefix(tok.Text, "-") || strings.Contains(tok.Text, "=") {
		return false
	}
	var f *pflag.Flag
	if name, ok := strings.CutPrefix(tok.Text, "--"); ok {
		f = fs.Lookup(name)
	} else if len(tok.Text) == 2 {
		f = fs.ShorthandLookup(tok.Text[1:])
	}
	return f != nil && f.NoOptDefVal == ""
}
