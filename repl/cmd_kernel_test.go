package repl

import (
	"bytes"
	"testing"
)

// [..] places an array of 32-bit integers (an int[] or a gid_t list) in
// user memory, little-endian; -1 is 0xffffffff.
func TestSyscallArrayArguments(t *testing.T) {
	for _, c := range []struct {
		text string
		want []byte
	}{
		{"[10,20]", []byte{10, 0, 0, 0, 20, 0, 0, 0}},
		{"[-1]", []byte{0xff, 0xff, 0xff, 0xff}},
		{"[0x100, 4294967295]", []byte{0, 1, 0, 0, 0xff, 0xff, 0xff, 0xff}},
		{"[]", []byte{0, 0, 0, 0}}, // an address to pass; nothing is read from it
	} {
		got, mem, err := memoryArg(Token{Text: c.text})
		if err != nil || !mem || !bytes.Equal(got, c.want) {
			t.Errorf("%s: % x %t %v, want % x", c.text, got, mem, err, c.want)
		}
	}
	for _, bad := range []string{"[1,2", "[x]", "[4294967296]", "[-2147483649]", "[1,,2]"} {
		if _, _, err := memoryArg(Token{Text: bad}); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
