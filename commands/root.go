package commands

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"kplay/kernel"
	"kplay/lab"
	"kplay/repl"
)

// globalOpts are the flags every subcommand shares.
type globalOpts struct {
	clock       string
	hz          int
	sched       string
	mem         string
	lowmem      string
	quiet       bool
	color       string
	panicOnOops bool
}

// kernelConfig turns the flags into a kernel configuration.
func (g *globalOpts) kernelConfig() (kernel.Config, error) {
	mem, err := parseMem(g.mem)
	if err != nil {
		return kernel.Config{}, err
	}
	lowmem, err := parseMem(g.lowmem)
	if err != nil {
		return kernel.Config{}, fmt.Errorf("--lowmem: %v", err)
	}
	if g.hz < 1 {
		return kernel.Config{}, fmt.Errorf("--hz %d: want 1-10000 (100, 250, 300 and 1000 are Linux's choices)", g.hz)
	}
	return kernel.Config{Clock: g.clock, HZ: g.hz, Sched: g.sched, MemBytes: mem, LowmemBytes: lowmem, Quiet: g.quiet, PanicOnOops: g.panicOnOops}, nil
}

// parseMem reads a size the way mem= does: 64M, 1G, 65536K, or bytes.
func parseMem(s string) (int64, error) {
	mult := int64(1)
	t := strings.ToUpper(strings.TrimSpace(s))
	switch {
	case strings.HasSuffix(t, "K"):
		mult, t = 1<<10, t[:len(t)-1]
	case strings.HasSuffix(t, "M"):
		mult, t = 1<<20, t[:len(t)-1]
	case strings.HasSuffix(t, "G"):
		mult, t = 1<<30, t[:len(t)-1]
	}
	n, err := strconv.ParseInt(t, 10, 64)
	// The range (4M to 64G) is the kernel's to check (Config.Check).
	if err != nil || n <= 0 || n > (1<<50)/mult {
		return 0, fmt.Errorf("--mem %q: want a size like 64M, 1G or 65536K", s)
	}
	return n * mult, nil
}

// colorModes are --color's values.
var colorModes = []string{"auto", "always", "never"}

// useColor decides --color: auto follows NO_COLOR, TERM=dumb and whether
// stdout is a terminal (fatih/color's own decision), and is off when stdin
// is not a terminal (a script).
func (g *globalOpts) useColor(stdinTTY bool) (bool, error) {
	switch g.color {
	case "always":
		color.NoColor = false
		return true, nil
	case "never":
		color.NoColor = true
		return false, nil
	case "auto":
		on := !color.NoColor && stdinTTY
		color.NoColor = !on
		return on, nil
	}
	return false, errBadColor(g.color)
}

func errBadColor(c string) error {
	return fmt.Errorf("--color %q: want auto, always or never", c)
}

// newSession boots a session as the flags say; tty is whether stdin is a
// terminal (for --color auto).
func (g *globalOpts) newSession(tty bool, stdout io.Writer) (*repl.Session, error) {
	on, err := g.useColor(tty)
	if err != nil {
		return nil, err
	}
	cfg, err := g.kernelConfig()
	if err != nil {
		return nil, err
	}
	return repl.NewSession(repl.Options{Kernel: cfg, Color: on}, stdout)
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// NewRoot builds the kplay command tree.
func NewRoot(stdin io.ReadCloser, stdout, stderr io.Writer) *cobra.Command {
	g := &globalOpts{}
	root := &cobra.Command{
		Use:   "kplay",
		Short: "An interactive kernel playground: a Linux-like kernel booted inside this process",
		Long: `kplay boots a small Linux-like kernel inside its own process, as a
library (the way LKL does), and gives you a REPL to make system calls,
fire interrupts, inspect tasks and step the kernel one context switch at
a time. With no arguments it starts the REPL; when stdin is not a
terminal, it reads stdin as a script.`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, isFile := stdin.(*os.File)
			tty := isFile && isTerminal(f)
			s, err := g.newSession(tty, stdout)
			if err != nil {
				return err
			}
			defer s.Close()
			if tty {
				return repl.Interactive(s, stdin, stdout)
			}
			return scriptResult(stderr, repl.RunScript(s, stdin, "<stdin>"))
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&g.clock, "clock", "virtual", "kernel clock: virtual (deterministic) or real")
	pf.IntVar(&g.hz, "hz", 100, "timer tick rate (HZ)")
	pf.StringVar(&g.sched, "sched", "cfs", "scheduler of the fair class (cfs)")
	pf.StringVar(&g.mem, "mem", "64M", "simulated RAM (mem=)")
	pf.StringVar(&g.lowmem, "lowmem", "896M", "where ZONE_HIGHMEM starts (32-bit x86's 3G/1G split)")
	pf.BoolVar(&g.quiet, "quiet", false, "boot quiet: console loglevel 4")
	pf.StringVar(&g.color, "color", "auto", "color output: auto, always or never")
	pf.BoolVar(&g.panicOnOops, "panic-on-oops", false, "halt the machine on any Oops (oops=panic)")
	for flag, values := range map[string][]string{
		"clock": {"virtual", "real"},
		"color": colorModes,
		"sched": {"cfs"},
	} {
		root.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
	}
	// Every command checks the global flags, even one that boots no
	// kernel (version, check of no lab): a typo is an error everywhere.
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if !slices.Contains(colorModes, g.color) {
			return errBadColor(g.color)
		}
		cfg, err := g.kernelConfig()
		if err != nil {
			return err
		}
		return cfg.Check()
	}
	root.AddCommand(newRunCmd(g, stdout, stderr), newCheckCmd(g, stdout, stderr), newLabCmd(g, stdout, stderr), newVersionCmd(stdout), newBenchCmd(g, stdout))
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	// cobra's completion command (bash, zsh, fish, powershell), made here
	// rather than at Execute, after SetOut, which its scripts print to. It
	// runs so that an unknown shell is an error ("unknown command") rather
	// than cobra's help text and status 0.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
		}
	}
	return root
}

// errFailed reports a failure already printed.
var errFailed = errors.New("failed")

// scriptResult prints a script failure as FILE:LINE: message (and the
// output a failed expectation saw) and turns it into errFailed.
func scriptResult(stderr io.Writer, err error) error {
	if err == nil {
		return nil
	}
	fmt.Fprintln(stderr, err)
	var se *repl.ScriptError
	if errors.As(err, &se) && se.Output != "" {
		for _, l := range strings.Split(strings.TrimRight(se.Output, "\n"), "\n") {
			fmt.Fprintf(stderr, "    | %s\n", l)
		}
	}
	return errFailed
}

func newRunCmd(g *globalOpts, stdout, stderr io.Writer) *cobra.Command {
	var seed uint64
	cmd := &cobra.Command{
		Use:   "run FILE...",
		Short: "Run scripts of REPL commands, each in a fresh kernel",
		Long: `Runs each FILE, a script of REPL commands, in a freshly booted kernel.
Blank lines and # comments are skipped; "expect REGEX" and
"expect-not REGEX" check the output of the command before them. The run
stops at the first error or failed expectation, printing FILE:LINE: and
the message, and exits with status 1. Every file is read first: a
mistake in one (FILE:LINE:COL) stops the run before anything runs.

A lab (see kplay check) runs too, its tests in order; --seed draws its
let parameters (default 1).`,
		Args: needFiles("a script file or more"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ins, err := loadLabs(stderr, args, seed)
			if err != nil {
				return err
			}
			for _, in := range ins {
				s, err := g.newSession(false, stdout)
				if err != nil {
					return err
				}
				res := lab.Run(s, in, lab.Options{Live: stdout, StopAtFirstFailure: true})
				s.Close()
				if err := runFailure(stderr, res); err != nil {
					return err
				}
			}
			return nil
		},
	}
	addSeedFlag(cmd.Flags(), &seed, "seed for a lab's let parameters")
	return cmd
}

// runFailure prints a run's first failure as FILE:LINE: message, then
// the output the failed expectation saw, and turns it into errFailed.
func runFailure(stderr io.Writer, res *lab.Result) error {
	f := res.SetupFailure
	for _, t := range res.Tests {
		if f == nil && t.Failure != nil {
			f = t.Failure
		}
	}
	if f == nil {
		return nil
	}
	fmt.Fprintln(stderr, f.Error())
	if f.Seen != "" {
		for _, l := range strings.Split(strings.TrimRight(f.Seen, "\n"), "\n") {
			fmt.Fprintf(stderr, "    | %s\n", l)
		}
	}
	return errFailed
}

func newVersionCmd(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print kplay's version and the kernel release it boots",
		Args:  cobra.NoArgs,
		Run: func(*cobra.Command, []string) {
			fmt.Fprintf(stdout, "kplay %s (kernel %s, %s)\n", repl.Version, kernel.Release, goVersion())
		},
	}
}

// Execute runs kplay with the process's arguments and returns the exit
// status.
func Execute() int {
	return Run(os.Stdin, os.Stdout, os.Stderr, os.Args[1:])
}

// Run runs kplay's command line args (without the program's name) as the
// kplay program does, and returns its exit status: an error it has not
// already printed goes to stderr as "kplay: message".
func Run(stdin io.ReadCloser, stdout, stderr io.Writer, args []string) int {
	root := NewRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		if !errors.Is(err, errFailed) {
			fmt.Fprintln(stderr, "kplay:", err)
		}
		return 1
	}
	return 0
}
