package lab

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestParseReadsHeaderTestsAndSteps(t *testing.T) {
	src := `lab syscalls
description System calls,
description and errno.
let fd = rand 3 9
let file = pick /a "/b c"

syscall getpid
test "first" points 2
# The question the test asks.
# Its second line.
syscall close ${fd}
expect EBADF
expect-not Oops
expect-block
  indented line   
end
test "second" after "first"
syscall nosuch
expect-error neither
ps --json
expect-json '.[0].state' == "R"
expect-json .[0].pid < 1
`
	l, err := Parse("l.kp", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if l.Name != "syscalls" || !reflect.DeepEqual(l.Description, []string{"System calls,", "and errno."}) {
		t.Fatalf("header: %q %q", l.Name, l.Description)
	}
	if len(l.Lets) != 2 || l.Lets[1].Name != "file" || !reflect.DeepEqual(l.Lets[1].Args, []string{"/a", "/b c"}) {
		t.Fatalf("lets: %+v", l.Lets)
	}
	if len(l.Setup) != 1 || l.Setup[0].Text != "syscall getpid" {
		t.Fatalf("setup: %+v", l.Setup)
	}
	if len(l.Tests) != 2 || l.Implicit {
		t.Fatalf("tests: %+v", l.Tests)
	}
	first, second := l.Tests[0], l.Tests[1]
	if first.Points != 2 || second.Points != 1 || !reflect.DeepEqual(second.After, []string{"first"}) {
		t.Fatalf("points and after: %+v %+v", first, second)
	}
	if !reflect.DeepEqual(first.Doc, []string{"The question the test asks.", "Its second line."}) {
		t.Fatalf("doc: %q", first.Doc)
	}
	var kinds []Kind
	for _, s := range first.Steps {
		kinds = append(kinds, s.Kind)
	}
	if !reflect.DeepEqual(kinds, []Kind{Command, Expect, ExpectNot, ExpectBlock}) {
		t.Fatalf("kinds %v", kinds)
	}
	if b := first.Steps[3].Block; !reflect.DeepEqual(b, []string{"  indented line"}) {
		t.Fatalf("block keeps leading blanks, drops trailing ones: %q", b)
	}
	if s := second.Steps[3]; s.Kind != ExpectJSON || s.Line != 21 || s.Col != 13 {
		t.Fatalf("expect-json step %+v", s)
	}
}

func TestPlainScriptIsOneImplicitTest(t *testing.T) {
	l, err := Parse("scripts/ps.kp", []byte("# a plain script\nps\nexpect init\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !l.Implicit || l.Name != "ps" || len(l.Tests) != 1 || l.Tests[0].Name != "ps" || l.Tests[0].Points != 1 || len(l.Tests[0].Steps) != 2 {
		t.Fatalf("%+v %+v", l, l.Tests)
	}
}

// TestParseErrorsSayFileLineCol: every mistake is found before anything
// runs, at the column where it is.
func TestParseErrorsSayFileLineCol(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"expect x\n", "f.kp:1:1: expect before any command"},
		{"ps\ntest \"a\"\nexpect x\n", `f.kp:3:1: expect before any command in test "a"`},
		{"ps\nexpect (\n", "f.kp:2:8: expect: bad regular expression `(`: missing closing )"},
		{"ps\n  expect-not   [z-a]\n", "f.kp:2:16: expect-not: bad regular expression `[z-a]`: invalid character class range `z-a`"},
		{"ps\nexpect ^getpid\\(\\) \\q = 1\n", "f.kp:2:8: expect: bad regular expression `^getpid\\(\\) \\q = 1`: invalid escape sequence `\\q`"},
		{"ps\n'syscall' getpid\n{ ps\n", `f.kp:3:1: "{" is neither a directive nor a REPL command (kplay's help lists the commands)`},
		{"ps\nexpct getpid\n", `f.kp:2:1: "expct" is neither a directive nor a REPL command (kplay's help lists the commands)`},
		{"test \"a\"\n  sycall getpid\n", `f.kp:2:3: "sycall" is neither a directive nor a REPL command (kplay's help lists the commands)`},
		{"ps\nexpect\n", "f.kp:2:7: expect needs a regular expression"},
		{"ps\nlab late\n", "f.kp:2:1: lab belongs in the header, before any let, test or command"},
		{"lab a\nlab b\n", `f.kp:2:1: a second lab line (the lab is already named "a")`},
		{"description x\n", "f.kp:1:1: description before lab NAME"},
		{"lab\n", "f.kp:1:4: lab needs a name: lab NAME"},
		{"let n rand 1 2\n", "f.kp:1:7: usage: let NAME = rand A B, pick WORD..., calc EXPR or item I WORD..."},
		{"let 9n = rand 1 2\n", `f.kp:1:5: let: "9n" is not a name (letters, digits and _, not starting with a digit)`},
		{"let n = rand 1\n", "f.kp:1:9: let n = rand: want two integers, the lowest and the highest (rand 2 6)"},
		{"let n = rand 1 x\n", `f.kp:1:16: let n = rand: "x" is not an integer`},
		{"let n = roll 1 6\n", `f.kp:1:9: let n: unknown generator "roll" (want rand, pick, calc or item)`},
		{"let n = calc\n", "f.kp:1:9: let n = calc: want an integer expression (calc ${n} * 10 + 1)"},
		{"let n = calc 2 * (3 + x)\n", `f.kp:1:14: let n = calc: want a number at column 10, not "x"`},
		{"let n = calc 7 / 0\n", "f.kp:1:14: let n = calc: division by zero at column 3"},
		{"let z = rand 0 0\nlet n = calc 7 % ${z}\n", "f.kp:2:14: let n = calc 7 % 0: division by zero at column 3"},
		{"let n = item 0\n", "f.kp:1:9: let n = item: want an index from 0 and the words to index (item ${i} 820 655 335)"},
		{"let n = item 3 a b c\n", "f.kp:1:14: let n = item: index 3 is out of range: want 0-2"},
		{"let i = rand 5 5\nlet n = item ${i} a b\n", "f.kp:2:14: let n = item: index 5 is out of range: want 0-1"},
		{"let n = pick\n", "f.kp:1:9: let n = pick: want at least one word to pick from"},
		{"let n = pick a\nlet n = pick b\n", "f.kp:2:5: let n: already defined at line 1"},
		{"let n = rand 6 2\n", "f.kp:1:14: let n = rand 6 2: want the lowest first, then the highest"},
		{"test\n", `f.kp:1:5: test needs a name: usage: test "NAME" [points N] [after "NAME"...]`},
		{`test ""` + "\n", "f.kp:1:6: a test's name cannot be empty"},
		{`test "a" points` + "\n", "f.kp:1:10: points needs a number"},
		{`test "a" points -1` + "\n", `f.kp:1:17: points "-1": want a whole number from 0`},
		{`test "a" after "b"` + "\n", `f.kp:1:16: after "b": no earlier test has that name`},
		{`test "a"` + "\n" + `test "a"` + "\n", `f.kp:2:6: test "a": already defined at line 1`},
		{`test "a" worth 3` + "\n", `f.kp:1:10: unexpected "worth": usage: test "NAME" [points N] [after "NAME"...]`},
		{`test "a` + "\n", `f.kp:1:6: unterminated " quote`},
		{"ps\nexpect-block\nPID\n", "f.kp:2:1: expect-block without end"},
		{"ps\nexpect-block\nend\n", "f.kp:2:1: expect-block with no lines before end"},
		{"ps\nexpect-block PID\nend\n", "f.kp:2:14: expect-block takes no argument: the expected lines follow, then end"},
		{"ps\nend\n", "f.kp:2:1: end without expect-block"},
		{"ps\nexpect-json\n", `f.kp:2:12: usage: expect-json PATH OP VALUE (expect-json '.[0].state' == "S")`},
		{"ps\nexpect-json .a = 1\n", `f.kp:2:16: expect-json: "=" is not a comparison (want ==, !=, <, >, <= or >=)`},
		{"ps\nexpect-json .a == S\n", `f.kp:2:19: expect-json: value S is not a JSON literal (a number, true, false, null or a "quoted string")`},
		{"ps\nexpect-json a == 1\n", `f.kp:2:13: expect-json: path "a": a path starts with . (the whole output)`},
		{"ps\nexpect-json .[x] == 1\n", `f.kp:2:13: expect-json: path ".[x]": [x]: want an index such as [0] or [-1], or a key such as ["name"]`},
		{"ps\nexpect-json .a < true\n", "f.kp:2:16: expect-json: < compares numbers or strings, not true"},
		{"ps\nexpect-json '.a | keys' == 1\n", `f.kp:2:13: expect-json: path ".a | keys": only | length may follow a path`},
		{"let n = rand 1 3\nps\nexpect-json .[${n}x] == 1\n", `f.kp:3:13: expect-json: path ".[3x]": [3x]: want an index such as [0] or [-1], or a key such as ["name"]`},
		{"let r = pick ( a\nps\nexpect ${r}\n", ""}, // a let's value is quoted in a regular expression
	} {
		_, err := Load("f.kp", []byte(c.src), 1)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.src, got, c.want)
		}
	}
}

func TestSeedDrawsLetsInOrder(t *testing.T) {
	l, err := Parse("f.kp", []byte("let a = rand 1 1000000\nlet b = pick x y z w\nlet c = rand ${a} ${a}\nps\nexpect ${a} ${b} ${c} ${undefined}\n"))
	if err != nil {
		t.Fatal(err)
	}
	one, _ := l.Instantiate(1)
	again, _ := l.Instantiate(1)
	two, _ := l.Instantiate(2)
	if !reflect.DeepEqual(one.Params, again.Params) {
		t.Fatal("the same seed must draw the same values")
	}
	if one.Params[0].Value == two.Params[0].Value {
		t.Fatalf("seeds 1 and 2 drew the same a: %v", one.Params)
	}
	if one.Params[2].Value != one.Params[0].Value {
		t.Fatalf("a let may use an earlier one: %v", one.Params)
	}
	want := one.Params[0].Value + " " + one.Params[1].Value + " " + one.Params[0].Value + " ${undefined}"
	if got := one.Tests[0][1].Text; got != want {
		t.Fatalf("substituted %q, want %q", got, want)
	}
	// The first draws of seed 1 are pinned: a change of generator would
	// change every handed-out variant.
	if one.Params[0].Value != "822466" || one.Params[1].Value != "w" {
		t.Fatalf("seed 1 drew %v", one.Params)
	}
}

// TestCalcAndItemDeriveWithoutDrawing: calc and item compute from earlier
// lets and leave the seed's later draws as they were.
func TestCalcAndItemDeriveWithoutDrawing(t *testing.T) {
	plain, err := Load("f.kp", []byte("let a = rand 1 1000000\nlet b = pick x y z w\nps\n"), 1)
	if err != nil {
		t.Fatal(err)
	}
	in, err := Load("f.kp", []byte("let a = rand 1 1000000\nlet c = calc (${a} + 4) * 2 - 10 / 3 % 2 + -1\nlet i = calc ${a} % 3\nlet d = item ${i} zero one two\nlet b = pick x y z w\nps\n"), 1)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := strconv.ParseInt(in.Params[0].Value, 10, 64)
	want := []Binding{
		{"a", in.Params[0].Value, true},
		{"c", strconv.FormatInt((a+4)*2-10/3%2+-1, 10), false},
		{"i", strconv.FormatInt(a%3, 10), false},
		{"d", []string{"zero", "one", "two"}[a%3], false},
		{"b", plain.Params[1].Value, true},
	}
	if !reflect.DeepEqual(in.Params, want) {
		t.Fatalf("got %v\nwant %v", in.Params, want)
	}
	for expr, v := range map[string]int64{"-7 / 2": -3, "-7 % 2": -1, "2*3+4": 10, "2*(3+4)": 14, " ( ( 1 ) ) ": 1, "--3": 3} {
		if got, err := calc(expr); err != nil || got != v {
			t.Errorf("calc %q = %d, %v; want %d", expr, got, err, v)
		}
	}
	for _, bad := range []string{"", "1 +", "(1", "1)", "1 2", "99999999999999999999"} {
		if _, err := calc(bad); err == nil {
			t.Errorf("calc %q: want an error", bad)
		}
	}
}

func TestRandCoversItsRangeUniformly(t *testing.T) {
	r := &splitmix64{s: 7}
	var n [5]int
	for i := 0; i < 50000; i++ {
		n[r.below(5)]++
	}
	for i, c := range n {
		if c < 9500 || c > 10500 {
			t.Fatalf("value %d drawn %d times of 50000: %v", i, c, n)
		}
	}
}

func TestJSONPaths(t *testing.T) {
	out := "[    0.000000] a console line first\n" + `[{"pid": 0, "comm": "swapper/0", "odd key": {"x": [1, 2, 3]}}, {"pid": 1, "comm": "init", "state": "S"}]` + "\n"
	v, err := decodeOutput(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		check string
		ok    bool
		err   string
	}{
		{`.[1].comm == "init"`, true, ""},
		{`'.[1].comm' != "init"`, false, ""},
		{`.[-1].pid == 1.0`, true, ""},
		{`'.[0]["odd key"].x[2]' == 3`, true, ""},
		{`'.[0]["odd key"].x | length' == 3`, true, ""},
		{`'. | length' >= 2`, true, ""},
		{`.[1].state < "T"`, true, ""},
		{`.[1].state > "T"`, false, ""},
		{`.[1].pid <= 0`, false, ""},
		{`.[1].missing == null`, false, `.[1] has no member "missing"`},
		{`.[5].pid == 1`, false, ". has 2 elements: no index 5"},
		{`.[0].pid.x == 1`, false, ".[0].pid is a number, not an object"},
		{`.[1].comm < 3`, false, "got a string, not a number"},
	} {
		jc, err := parseJSONCheck(c.check, 1, 1, "f")
		if err != nil {
			t.Fatalf("%s: %v", c.check, err)
		}
		got, err := jc.eval(v)
		var ok bool
		if err == nil {
			ok, err = jc.compare(got)
		}
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		if ok != c.ok || msg != c.err {
			t.Errorf("%s: %v %q, want %v %q", c.check, ok, msg, c.ok, c.err)
		}
	}
	if _, err := decodeOutput("no json here\n"); err == nil || !strings.Contains(err.Error(), "no line starts with { or [") {
		t.Fatalf("%v", err)
	}
}

func TestClipKeepsTheFirstLines(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"", 2, ""},
		{"a\nb\n", 2, "a\nb\n"},
		{"a\nb", 2, "a\nb"},
		{"a\nb\nc\n", 2, "a\nb\n... (1 more line)\n"},
		{"a\nb\nc\nd", 1, "a\n... (3 more lines)\n"},
	} {
		if got := clip(c.in, c.n); got != c.want {
			t.Errorf("clip(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
