package lab

// Four renderings of the same results. None records wall-clock time, so
// the same labs and seed give the same bytes.

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// Formats lists the names WriteReport takes.
var Formats = []string{"text", "tap", "junit", "gradescope"}

// WriteReport renders results in format (one of Formats).
func WriteReport(w io.Writer, format string, results []*Result) error {
	switch format {
	case "text":
		return WriteText(w, results)
	case "tap":
		return WriteTAP(w, results)
	case "junit":
		return WriteJUnit(w, results)
	case "gradescope":
		return WriteGradescope(w, results)
	}
	return fmt.Errorf("--format %q: want text, tap, junit or gradescope", format)
}

// testName is a test's name in a report: prefixed with its lab's when
// the report holds more than one lab.
func testName(results []*Result, r *Result, t TestResult) string {
	if len(results) > 1 {
		return r.Lab + ": " + t.Name
	}
	return t.Name
}

// header is the first line of the text, TAP and Gradescope reports: the
// lab, the seed, kplay's version and the parameters a student is given,
// as kplay lab show prints them (students read these reports too).
func (r *Result) header() string {
	s := fmt.Sprintf("lab %s (%s), seed %d, kplay %s", r.Lab, r.File, r.Seed, r.Version)
	for _, p := range r.Params {
		if p.Shown {
			s += fmt.Sprintf(", %s=%s", p.Name, p.Value)
		}
	}
	return s
}

func indent(s, prefix string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		b.WriteString(prefix + l + "\n")
	}
	return b.String()
}

// WriteText prints one line per test (PASS, FAIL or SKIP, the name, the
// points), and under a failure the expectation and what the command
// printed instead.
func WriteText(w io.Writer, results []*Result) error {
	var b strings.Builder
	total, totalMax := 0, 0
	for _, r := range results {
		b.WriteString(r.header() + "\n")
		for _, t := range r.Tests {
			word := map[Status]string{Passed: "PASS", Failed: "FAIL", Skipped: "SKIP"}[t.Status]
			fmt.Fprintf(&b, "  %s  %s (%d/%d points)\n", word, t.Name, t.Score, t.Points)
			if t.Failure != nil {
				b.WriteString(indent(t.Failure.Error(), "        "))
				if t.Failure.Seen != "" {
					b.WriteString("        saw instead:\n")
					b.WriteString(indent(t.Failure.Seen, "        | "))
				}
			}
			if t.SkipReason != "" {
				fmt.Fprintf(&b, "        %s\n", t.SkipReason)
			}
		}
		s, m := r.Score()
		p, f, k := r.Counts()
		total, totalMax = total+s, totalMax+m
		fmt.Fprintf(&b, "score %d/%d: %d passed, %d failed, %d skipped\n", s, m, p, f, k)
	}
	if len(results) > 1 {
		fmt.Fprintf(&b, "total %d/%d\n", total, totalMax)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// tapEscape escapes a TAP description: \ and # are special there.
func tapEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, "#", `\#`)
	return strings.ReplaceAll(s, "\n", " ")
}

// yamlString quotes s for YAML: a JSON string is a YAML double-quoted
// scalar.
func yamlString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// WriteTAP prints TAP version 14: the plan first, one test point per
// test, a YAML diagnostic block under each failure, # SKIP for a skipped
// test, and each lab's seed and version as a comment.
func WriteTAP(w io.Writer, results []*Result) error {
	var b strings.Builder
	n := 0
	for _, r := range results {
		n += len(r.Tests)
	}
	fmt.Fprintf(&b, "TAP version 14\n1..%d\n", n)
	i := 0
	for _, r := range results {
		fmt.Fprintf(&b, "# %s\n", r.header())
		for _, t := range r.Tests {
			i++
			name := tapEscape(testName(results, r, t))
			switch t.Status {
			case Passed:
				fmt.Fprintf(&b, "ok %d - %s\n", i, name)
			case Skipped:
				fmt.Fprintf(&b, "ok %d - %s # SKIP %s\n", i, name, tapEscape(t.SkipReason))
			default:
				fmt.Fprintf(&b, "not ok %d - %s\n", i, name)
				b.WriteString("  ---\n")
				fmt.Fprintf(&b, "  message: %s\n", yamlString(t.Failure.Message))
				fmt.Fprintf(&b, "  at: %s\n", yamlString(fmt.Sprintf("%s:%d", t.Failure.File, t.Failure.Line)))
				fmt.Fprintf(&b, "  seen: %s\n", yamlString(t.Failure.Seen))
				fmt.Fprintf(&b, "  points: %d\n", t.Points)
				fmt.Fprintf(&b, "  seed: %d\n", r.Seed)
				fmt.Fprintf(&b, "  kplay: %s\n", yamlString(r.Version))
				b.WriteString("  ...\n")
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// The JUnit XML schema as Jenkins, GitLab and GitHub read it.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	File       string          `xml:"file,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  *junitText      `xml:"system-out"`
}

// junitText is text escaped by xmlEscape, so that newlines stay
// newlines (encoding/xml writes them as &#xA;).
type junitText struct {
	Body string `xml:",innerxml"`
}

func newJUnitText(s string) *junitText {
	if s == "" {
		return nil
	}
	return &junitText{Body: xmlEscape(s)}
}

// xmlEscape escapes &, < and >, and replaces what XML 1.0 cannot hold
// (control characters but tab, newline and carriage return, and invalid
// UTF-8) with U+FFFD.
func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r != 0xFFFE && r != 0xFFFF && (r < 0xD800 || r > 0xDFFF):
			b.WriteRune(r)
		default:
			b.WriteRune('\uFFFD')
		}
	}
	return b.String()
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitMessage `xml:"failure"`
	Skipped   *junitMessage `xml:"skipped"`
	SystemOut *junitText    `xml:"system-out"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",innerxml"` // escaped by xmlEscape
}

// WriteJUnit prints JUnit XML: one testsuite per lab with the seed, the
// kplay version, the score, max_score and the lets as properties, one testcase per test with a
// failure (message and the output seen) or skipped element, and each
// test's transcript as system-out. No time attributes: there is no wall
// clock to report.
func WriteJUnit(w io.Writer, results []*Result) error {
	doc := junitSuites{Name: "kplay check"}
	for _, r := range results {
		p, f, k := r.Counts()
		s := junitSuite{Name: r.Lab, Tests: p + f + k, Failures: f, Skipped: k, File: r.File, SystemOut: newJUnitText(r.SetupOutput)}
		score, max := r.Score()
		s.Properties = append(s.Properties, junitProperty{"seed", fmt.Sprint(r.Seed)}, junitProperty{"kplay.version", r.Version},
			junitProperty{"score", fmt.Sprint(score)}, junitProperty{"max_score", fmt.Sprint(max)})
		for _, b := range r.Params {
			s.Properties = append(s.Properties, junitProperty{"let." + b.Name, b.Value})
		}
		for _, t := range r.Tests {
			c := junitCase{Name: t.Name, Classname: r.Lab, SystemOut: newJUnitText(t.Output)}
			if t.Failure != nil {
				kind := "expectation"
				if r.SetupFailure != nil {
					kind = "setup" // the lines before the first test failed
				}
				c.Failure = &junitMessage{Message: t.Failure.Error(), Type: kind, Body: xmlEscape(t.Failure.Seen)}
			}
			if t.Status == Skipped {
				c.Skipped = &junitMessage{Message: t.SkipReason}
			}
			s.Cases = append(s.Cases, c)
		}
		doc.Tests += s.Tests
		doc.Failures += f
		doc.Skipped += k
		doc.Suites = append(doc.Suites, s)
	}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s%s\n", xml.Header, out)
	return err
}

// GradescopeResults is Gradescope's results.json for an autograder.
type GradescopeResults struct {
	Score      int              `json:"score"`
	MaxScore   int              `json:"max_score"`
	Output     string           `json:"output"`
	Visibility string           `json:"visibility"`
	Tests      []GradescopeTest `json:"tests"`
}

// GradescopeTest is one entry of tests[].
type GradescopeTest struct {
	Name       string `json:"name"`
	Score      int    `json:"score"`
	MaxScore   int    `json:"max_score"`
	Status     string `json:"status"`
	Output     string `json:"output"`
	Visibility string `json:"visibility"`
}

// WriteGradescope prints results.json: the total score, and per test its
// score, status (passed or failed; a skipped test fails with its reason)
// and output (the failure, then the transcript). execution_time is left
// out: kplay measures simulated time only.
func WriteGradescope(w io.Writer, results []*Result) error {
	doc := GradescopeResults{Visibility: "visible", Tests: []GradescopeTest{}}
	var head []string
	for _, r := range results {
		head = append(head, r.header())
		s, m := r.Score()
		doc.Score += s
		doc.MaxScore += m
		for _, t := range r.Tests {
			g := GradescopeTest{Name: testName(results, r, t), Score: t.Score, MaxScore: t.Points, Status: "passed", Visibility: "visible"}
			var o strings.Builder
			fmt.Fprintf(&o, "seed %d, kplay %s\n", r.Seed, r.Version)
			if t.Status != Passed {
				g.Status = "failed"
			}
			if t.Failure != nil {
				o.WriteString(t.Failure.Error() + "\n")
				if t.Failure.Seen != "" {
					o.WriteString("saw instead:\n" + indent(t.Failure.Seen, "| "))
				}
			}
			if t.SkipReason != "" {
				o.WriteString("skipped: " + t.SkipReason + "\n")
			}
			if t.Output != "" {
				o.WriteString("\n" + t.Output)
			}
			g.Output = o.String()
			doc.Tests = append(doc.Tests, g)
		}
	}
	doc.Output = strings.Join(head, "\n") + "\n"
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}
