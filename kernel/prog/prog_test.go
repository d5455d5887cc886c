package prog

import (
	"strconv"
	"strings"
	"testing"
)

func TestParseRoundTrips(t *testing.T) {
	src := `# a lab program
repeat 2 { compute 10ms; sleep 500us }
fork {
  syscall write 1 "hi\n" 3
  exit 3
}
thread { yield }; wait
forever { compute 2s; sleep 3t }`
	p, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	want := `repeat 2 { compute 10ms; sleep 500us }; fork { syscall write 1 "hi\n" 3; exit 3 }; thread { yield }; wait; forever { compute 2s; sleep 3t }`
	if got := Format(p.Body); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if p.Body[1].Line != 3 || p.Body[1].Body[0].Args[1].Str != "hi\n" {
		t.Fatalf("fork at line %d, arg %q", p.Body[1].Line, p.Body[1].Body[0].Args[1].Str)
	}
}

func TestDurations(t *testing.T) {
	for src, want := range map[string]Dur{
		"10ms": {Ns: 10e6}, "500us": {Ns: 500e3}, "2s": {Ns: 2e9}, "3t": {Ticks: 3},
		"7ns": {Ns: 7}, "1.5s": {Ns: 1.5e9}, "0t": {},
	} {
		p, err := Parse("sleep " + src)
		if err != nil || p.Body[0].Dur != want {
			t.Errorf("%s: %+v %v, want %+v", src, p, err, want)
		}
	}
}

func TestErrorsPointAtTheColumn(t *testing.T) {
	for src, want := range map[string]string{
		"compute 10":                   "1:9: expected a duration such as 10ms, 500us, 2s or 3t, found \"10\"",
		"compute 10ms sleep 1s":        "1:14: expected ';' or a new line after compute, found \"sleep\"",
		"repeat 3 compute 1ms":         "1:10: expected '{', found \"compute\"",
		"fork { yield":                 "1:13: missing '}' before end of program",
		"yield }":                      "1:7: unexpected '}'",
		"jump 3":                       "1:1: unknown statement \"jump\": want compute, sleep, yield, syscall, fork, thread, wait, repeat, forever, exit, alloc or exec",
		"yield\nexit 300":              "2:6: exit code 300: want 0-255",
		"syscall write 1 \"abc":        "1:17: unterminated string",
		"syscall write x":              "1:15: expected an integer or a \"string\" argument, found \"x\"",
		"":                             "1:1: empty program: expected a statement such as compute 10ms",
		"sleep":                        "1:6: expected a duration such as 10ms, 500us, 2s or 3t, found end of program",
		"repeat -1 { yield }":          "1:1: repeat -1: want a count >= 0",
		"syscall getpid 1 2 3 4 5 6 7": "1:28: getpid: at most 6 arguments",
	} {
		_, err := Parse(src)
		if err == nil || err.Error() != want {
			t.Errorf("%q:\n got  %v\n want %s", src, err, want)
		}
	}
}

func TestBuiltinsParse(t *testing.T) {
	for _, name := range BuiltinNames() {
		if _, err := Parse(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if !strings.Contains(strings.Join(BuiltinNames(), " "), "cpu-hog") {
		t.Fatal("cpu-hog must be built in")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range Builtins {
		f.Add(s)
	}
	f.Add("syscall write 1 \"a\\\"b\" 3; exit 0")
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Parse(src)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		// What Format prints parses to the same program.
		q, err := Parse(Format(p.Body))
		if err != nil {
			t.Fatalf("reparse of %q: %v", Format(p.Body), err)
		}
		if Format(q.Body) != Format(p.Body) {
			t.Fatalf("not stable: %q vs %q", Format(q.Body), Format(p.Body))
		}
	})
}

func TestAllocSizes(t *testing.T) {
	for src, want := range map[string]int64{"alloc 4096": 4096, "alloc 64K": 64 << 10, "alloc 10m": 10 << 20, "alloc 1G": 1 << 30} {
		p, err := Parse(src)
		if err != nil || p.Body[0].Op != Alloc || p.Body[0].N != want {
			t.Errorf("%s: %+v %v", src, p, err)
		}
		if got := Format(p.Body); got != "alloc "+strconv.FormatInt(want, 10) {
			t.Errorf("%s formats as %s", src, got)
		}
	}
	for _, bad := range []string{"alloc", "alloc 0", "alloc -4K", "alloc 65G", "alloc \"1M\"", "alloc 1X", "alloc 1KM", "alloc K"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}
