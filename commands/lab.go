package commands

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"kplay/lab"
	"kplay/repl"
)

// labsDirName is where labs live in a kplay checkout.
var labsDirName = filepath.Join("scripts", "labs")

// findLabsDir returns dir if set, else scripts/labs in the current
// directory or the nearest parent that has one, as a relative path
// (scripts/labs, ../scripts/labs, ...).
func findLabsDir(dir string) (string, error) {
	if dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return "", fmt.Errorf("--labs %q: not a directory", dir)
		}
		return dir, nil
	}
	abs, err := filepath.Abs(".")
	if err != nil {
		return "", err
	}
	up := ""
	for {
		cand := filepath.Join(up, labsDirName)
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand, nil
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return "", fmt.Errorf("no %s directory here or in a parent: give a lab's file, or --labs DIR", labsDirName)
		}
		abs, up = parent, filepath.Join(up, "..")
	}
}

// labFiles lists the .kp files of dir, sorted by name.
func labFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".kp") {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	return files, nil
}

// resolveLab turns LAB into a file: a path to a file (anything with a /
// or ending in .kp, or an existing file), else the lab of that name in
// the labs directory: NAME.kp, or the file whose "lab NAME" line names it.
func resolveLab(arg, dir string) (string, error) {
	if arg == "" {
		return "", errors.New(`lab "": want a lab's name (kplay lab list) or a .kp file`)
	}
	if st, err := os.Stat(arg); err == nil && !st.IsDir() {
		return arg, nil
	}
	if strings.ContainsRune(arg, '/') || strings.ContainsRune(arg, filepath.Separator) || strings.HasSuffix(arg, ".kp") {
		return "", fmt.Errorf("lab %q: no such file", arg)
	}
	d, err := findLabsDir(dir)
	if err != nil {
		return "", fmt.Errorf("lab %q: %v", arg, err)
	}
	p := filepath.Join(d, arg+".kp")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	files, err := labFiles(d)
	if err != nil {
		return "", fmt.Errorf("lab %q: %v", arg, err)
	}
	for _, f := range files {
		if src, err := os.ReadFile(f); err == nil {
			if l, err := lab.Parse(f, src); err == nil && l.Name == arg {
				return f, nil
			}
		}
	}
	return "", fmt.Errorf("lab %q: no such lab in %s (kplay lab list shows them) and no such file", arg, d)
}

// seedValue is --seed: a whole number that fits in 64 bits. As a flag
// value, its mistakes read as every other flag's: invalid argument "x"
// for "--seed" flag: want a whole number from 0 to 18446744073709551615.
type seedValue uint64

func (s *seedValue) String() string { return strconv.FormatUint(uint64(*s), 10) }
func (s *seedValue) Type() string   { return "uint" }
func (s *seedValue) Set(v string) error {
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return fmt.Errorf("want a whole number from 0 to %d", uint64(math.MaxUint64))
	}
	*s = seedValue(n)
	return nil
}

// addSeedFlag adds --seed, lab.DefaultSeed unless given, to f.
func addSeedFlag(f *pflag.FlagSet, seed *uint64, usage string) {
	*seed = lab.DefaultSeed
	f.Var((*seedValue)(seed), "seed", usage)
}

func newLabCmd(g *globalOpts, stdout, stderr io.Writer) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "List the labs, print a lab's questions for a seed, and their answers",
		Long: `Works with the labs, the .kp scripts that kplay check grades. A LAB is
a lab's file, or the name of a lab in scripts/labs (looked for in the
current directory and then in its parents; --labs DIR names another
directory).

A teacher hands each student a seed: the student reads the questions of
that variant with "kplay lab show LAB --seed N", answers them, checks
the work with "kplay check --seed N", and compares with "--answers".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.PersistentFlags().StringVar(&dir, "labs", "", "directory of labs (default: scripts/labs here or in a parent)")
	cmd.AddCommand(newLabShowCmd(g, &dir, stdout, stderr), newLabListCmd(&dir, stdout, stderr))
	return cmd
}

func newLabShowCmd(g *globalOpts, dir *string, stdout, stderr io.Writer) *cobra.Command {
	var seed uint64
	var answers bool
	cmd := &cobra.Command{
		Use:   "show LAB",
		Short: "Print a lab's questions for a seed; --answers runs it and prints the answers",
		Long: `Prints the handout of LAB for one seed: its name, description and the
parameters the seed draws (its let lines), then each test numbered, with
its points, the tests it needs, and its question (the comment lines right
after its test line, with the seed's values in place of ${NAME}).

--answers also runs the lab for that seed in a fresh kernel, as kplay
check does, and prints under each test its answer: each of its commands
after "kplay> ", then the output lines its expectations matched (expect,
expect-block), the values they found (expect-json: PATH = VALUE), the
message an expect-error wanted, and "no match for REGEX" for an
expect-not. The same lab and seed always print the same bytes.

The exit status is 1 when the lab cannot be read, and with --answers
when a test did not pass for that seed (its entry says why).`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return errors.New("lab show needs one LAB: a lab's name (kplay lab list) or a .kp file")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			file, err := resolveLab(args[0], *dir)
			if err != nil {
				return err
			}
			src, err := readFile(file)
			if err != nil {
				return err
			}
			in, err := lab.Load(file, src, seed)
			if err != nil {
				// FILE:LINE:COL: message, as kplay check prints it.
				fmt.Fprintln(stderr, err)
				return errFailed
			}
			var res *lab.Result
			if answers {
				cfg, err := g.kernelConfig()
				if err != nil {
					return err
				}
				s, err := repl.NewSession(repl.Options{Kernel: cfg}, io.Discard)
				if err != nil {
					return err
				}
				res = lab.Run(s, in, lab.Options{})
				s.Close()
			}
			if err := lab.WriteShow(stdout, in, res); err != nil {
				return err
			}
			if res != nil {
				if _, f, k := res.Counts(); f+k > 0 {
					return errFailed
				}
			}
			return nil
		},
	}
	// Tab completes the names of the labs; a file's name otherwise.
	cmd.ValidArgsFunction = func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		d, err := findLabsDir(*dir)
		if err != nil {
			return nil, cobra.ShellCompDirectiveDefault
		}
		files, _ := labFiles(d)
		var names []string
		for _, f := range files {
			if n := strings.TrimSuffix(filepath.Base(f), ".kp"); strings.HasPrefix(n, toComplete) {
				names = append(names, n)
			}
		}
		return names, cobra.ShellCompDirectiveDefault
	}
	addSeedFlag(cmd.Flags(), &seed, "seed for the lab's let parameters")
	cmd.Flags().BoolVar(&answers, "answers", false, "run the lab and print each test's answer")
	return cmd
}

func newLabListCmd(dir *string, stdout, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the labs: name, tests, points, file and description",
		Long: `Lists the labs of scripts/labs (or --labs DIR), sorted by file name:
for each, its name, how many tests and points it has, its file, and its
description. A file that does not parse is reported as FILE:LINE:COL on
stderr, and the exit status is then 1.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := findLabsDir(*dir)
			if err != nil {
				return err
			}
			files, err := labFiles(d)
			if err != nil {
				return err
			}
			var b strings.Builder
			bad := false
			for _, f := range files {
				src, err := os.ReadFile(f)
				var l *lab.Lab
				if err == nil {
					l, err = lab.Parse(f, src)
				}
				if err != nil {
					fmt.Fprintln(stderr, err)
					bad = true
					continue
				}
				fmt.Fprintf(&b, "%s: %s, %s (%s)\n", l.Name, count(len(l.Tests), "test"), count(l.Points(), "point"), f)
				for _, d := range l.Description {
					fmt.Fprintf(&b, "    %s\n", d)
				}
			}
			if len(files) == 0 {
				fmt.Fprintf(&b, "no labs in %s\n", d)
			}
			if _, err := io.WriteString(stdout, b.String()); err != nil {
				return err
			}
			if bad {
				return errFailed
			}
			return nil
		},
	}
}

// count is "1 test", "2 tests".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
