package commands

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"kplay/lab"
	"kplay/repl"
)

// loadLabs reads and instantiates every file for seed, printing each
// file's mistake as FILE:LINE:COL; it returns errFailed if any had one,
// so that nothing runs.
func loadLabs(stderr io.Writer, files []string, seed uint64) ([]*lab.Instance, error) {
	var ins []*lab.Instance
	bad := false
	for _, file := range files {
		src, err := readFile(file)
		if err != nil {
			fmt.Fprintln(stderr, err)
			bad = true
			continue
		}
		in, err := lab.Load(file, src, seed)
		if err != nil {
			fmt.Fprintln(stderr, err)
			bad = true
			continue
		}
		ins = append(ins, in)
	}
	if bad {
		return nil, errFailed
	}
	return ins, nil
}

// readFile reads a lab or script; its error is "FILE: reason", as a
// mistake in one is FILE:LINE:COL: message.
func readFile(file string) ([]byte, error) {
	src, err := os.ReadFile(file)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return nil, fmt.Errorf("%s: %v", file, pe.Err)
	}
	return src, err
}

// needFiles is Args for commands that take FILE...: it says what is
// missing instead of cobra's "requires at least 1 arg(s)".
func needFiles(what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return fmt.Errorf("%s needs %s (usage: %s)", cmd.Name(), what, cmd.UseLine())
		}
		return nil
	}
}

func newCheckCmd(g *globalOpts, stdout, stderr io.Writer) *cobra.Command {
	var seed uint64
	var format, outPath string
	cmd := &cobra.Command{
		Use:   "check FILE...",
		Short: "Grade labs: run each in a fresh kernel and report its tests",
		Long: `Runs each FILE, a lab script, in a freshly booted kernel and reports
each of its tests as passed, failed (with the expectation that failed and
what the command printed instead) or skipped (a test it depends on did
not pass). Every file is read first: a mistake in any of them is printed
as FILE:LINE:COL and nothing runs.

--seed (default 1) draws the lab's let parameters, so one lab gives many
variants; the same seed always gives the same report, byte for byte, as
time in a lab is simulated time. --format picks the report: text, tap
(TAP version 14), junit (JUnit XML) or gradescope (results.json). Each
records the seed and the kplay version. --out writes it to a file.

The exit status is 0 only when every test of every lab passed. See
docs/labs/authoring.md for the lab format.`,
		Args: needFiles("a lab file or more"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !validFormat(format) {
				return fmt.Errorf("--format %q: want text, tap, junit or gradescope", format)
			}
			ins, err := loadLabs(stderr, args, seed)
			if err != nil {
				return err
			}
			cfg, err := g.kernelConfig()
			if err != nil {
				return err
			}
			var results []*lab.Result
			allPassed := true
			for _, in := range ins {
				// A fresh kernel per lab; the boot log is not part of any
				// test, and color never reaches a report.
				s, err := repl.NewSession(repl.Options{Kernel: cfg}, io.Discard)
				if err != nil {
					return err
				}
				res := lab.Run(s, in, lab.Options{})
				s.Close()
				if _, f, k := res.Counts(); f+k > 0 {
					allPassed = false
				}
				results = append(results, res)
			}
			var b bytes.Buffer
			if err := lab.WriteReport(&b, format, results); err != nil {
				return err
			}
			if outPath != "" {
				if err := os.WriteFile(outPath, b.Bytes(), 0o644); err != nil {
					return err
				}
			} else if _, err := stdout.Write(b.Bytes()); err != nil {
				return err
			}
			if !allPassed {
				return errFailed
			}
			return nil
		},
	}
	f := cmd.Flags()
	addSeedFlag(f, &seed, "seed for the labs' let parameters")
	f.StringVar(&format, "format", "text", "report format: "+strings.Join(lab.Formats, ", "))
	f.StringVar(&outPath, "out", "", "write the report to this file instead of stdout")
	return cmd
}

func validFormat(f string) bool {
	for _, x := range lab.Formats {
		if f == x {
			return true
		}
	}
	return false
}
