package repl

import (
	"reflect"
	"testing"
)

func TestTokenize(t *testing.T) {
	cases := []struct {
		in   string
		want []Token
	}{
		{`syscall write 1 "hello\n" 6`, []Token{{"syscall", false, 1}, {"write", false, 9}, {"1", false, 15}, {"hello\n", true, 17}, {"6", false, 27}}},
		{`  ps   # a comment`, []Token{{"ps", false, 3}}},
		{`x "a b"'c d'e`, []Token{{"x", false, 1}, {"a bc de", true, 3}}},
		{`s "\x41\101\0\t\\\""`, []Token{{"s", false, 1}, {"AA\x00\t\\\"", true, 3}}},
		{`e "#not a comment"`, []Token{{"e", false, 1}, {"#not a comment", true, 3}}},
		{``, nil},
	}
	for _, c := range cases {
		got, err := Tokenize(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("Tokenize(%q) = %#v, %v; want %#v", c.in, got, err, c.want)
		}
	}
}

func TestTokenizeErrorsPointAtTheColumn(t *testing.T) {
	cases := map[string]string{
		`echo "abc`: `column 6: unterminated " quote`,
		`echo 'abc`: `column 6: unterminated ' quote`,
		`x "\q"`:    `column 4: unknown escape \q (use \n, \t, \\, \", \xHH or \NNN)`,
		`x "\xZZ"`:  `column 4: \x needs hex digits`,
		`x "\777"`:  `column 4: octal escape \777 is above \377`,
		"x \"abc\\": `column 7: backslash at end of line`,
	}
	for in, want := range cases {
		if _, err := Tokenize(in); err == nil || err.Error() != want {
			t.Errorf("Tokenize(%q) error %v, want %q", in, err, want)
		}
	}
}

func TestParseInt(t *testing.T) {
	for s, want := range map[string]uint64{"0": 0, "42": 42, "0x1f": 31, "-1": ^uint64(0), "0xffffffffffffffff": ^uint64(0), "010": 8} {
		if got, err := ParseInt(s); err != nil || got != want {
			t.Errorf("ParseInt(%q) = %d, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "abc", "1.5", "0x", "99999999999999999999999"} {
		if _, err := ParseInt(s); err == nil {
			t.Errorf("ParseInt(%q) accepted", s)
		}
	}
}
