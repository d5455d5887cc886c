package lab

// The handout of one seed, and its answer key: OSTEP's simulators print a
// problem for a seed and, with -c, its answers; kplay lab show does the
// same for a lab. The questions are the comment lines right after each
// test line (Test.Doc), with the seed's parameters substituted; the
// answers are what the run of that seed found: each command of the test
// and the lines and values that met its expectations.

import (
	"fmt"
	"io"
	"strings"

	"kplay/repl"
)

// Points is the sum of the lab's tests' points.
func (l *Lab) Points() int {
	n := 0
	for _, t := range l.Tests {
		n += t.Points
	}
	return n
}

// Question returns test i's question: its Doc lines with ${NAME}
// replaced by this seed's values.
func (in *Instance) Question(i int) []string {
	vals := map[string]string{}
	for _, p := range in.Params {
		vals[p.Name] = p.Value
	}
	var q []string
	for _, d := range in.Lab.Tests[i].Doc {
		q = append(q, substitute(d, vals, false))
	}
	return q
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// WriteShow prints the handout of an instance: a header (the lab, the
// file, the seed, kplay's version), the description, the parameters
// (with res, also the derived values that no question names),
// then each test numbered, with its points, the numbers of the tests it
// needs, and its question. With res, the result of running the
// instance, each test is followed by its answer, or by why there is
// none (the test failed or was skipped for this seed).
func WriteShow(w io.Writer, in *Instance, res *Result) error {
	var b strings.Builder
	l := in.Lab
	fmt.Fprintf(&b, "lab %s (%s), seed %d, kplay %s\n", l.Name, l.File, in.Seed, versionOf(res))
	for _, d := range l.Description {
		b.WriteString(d + "\n")
	}
	// The parameters are the values the student is given (Binding.Shown);
	// the other derived values (a weight, a slice) are usually what a test
	// asks for, so only --answers prints them.
	var given, derived []Binding
	for _, p := range in.Params {
		if p.Shown {
			given = append(given, p)
		} else {
			derived = append(derived, p)
		}
	}
	writeBindings(&b, "parameters", given)
	if res != nil {
		writeBindings(&b, "derived", derived)
	}
	number := map[string]int{}
	for i, t := range l.Tests {
		number[t.Name] = i + 1
		b.WriteString("\n")
		fmt.Fprintf(&b, "%d. %s (%s", i+1, t.Name, plural(t.Points, "point", "points"))
		if len(t.After) > 0 {
			var deps []string
			for _, d := range t.After {
				deps = append(deps, fmt.Sprint(number[d]))
			}
			fmt.Fprintf(&b, "; after %s", strings.Join(deps, ", "))
		}
		b.WriteString(")\n")
		for _, q := range in.Question(i) {
			b.WriteString(indent(q, "   "))
		}
		if res != nil && i < len(res.Tests) {
			writeAnswer(&b, res.Tests[i])
		}
	}
	fmt.Fprintf(&b, "\n%s, %s\n", plural(len(l.Tests), "test", "tests"), plural(l.Points(), "point", "points"))
	_, err := io.WriteString(w, b.String())
	return err
}

// writeBindings prints "label: a=1, b=2", or nothing for no bindings.
func writeBindings(b *strings.Builder, label string, bs []Binding) {
	if len(bs) == 0 {
		return
	}
	b.WriteString(label + ":")
	for i, p := range bs {
		sep := ","
		if i == 0 {
			sep = ""
		}
		fmt.Fprintf(b, "%s %s=%s", sep, p.Name, p.Value)
	}
	b.WriteString("\n")
}

func versionOf(res *Result) string {
	if res != nil {
		return res.Version
	}
	return repl.Version
}

// writeAnswer prints a test's answer: each command after "kplay> ",
// then the output lines its expectations matched and the values they
// found; or why this seed has no answer.
func writeAnswer(b *strings.Builder, t TestResult) {
	switch t.Status {
	case Skipped:
		fmt.Fprintf(b, "   no answer: skipped, %s\n", t.SkipReason)
		return
	case Failed:
		fmt.Fprintf(b, "   no answer: this seed's run failed at %s\n", t.Failure.Error())
		if t.Failure.Seen != "" {
			b.WriteString(indent(t.Failure.Seen, "     | "))
		}
		return
	}
	b.WriteString("   answer:\n")
	for _, a := range t.Answers {
		fmt.Fprintf(b, "     kplay> %s\n", a.Command)
		for _, l := range a.Lines {
			b.WriteString(strings.TrimRight("     "+l, " ") + "\n")
		}
		for _, f := range a.Found {
			fmt.Fprintf(b, "     %s\n", f)
		}
	}
}
