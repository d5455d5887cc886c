package lab

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad: no lab text makes the parser, Instantiate or the handout
// (WriteShow) panic, and every error it returns is a *Error with a
// position.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "scripts", "labs", "*.kp"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b, uint64(1))
		}
	}
	f.Add([]byte("let n = rand -9223372036854775808 9223372036854775807\nps\nexpect-json '.[${n}] | length' >= \"${n}\"\n"), uint64(3))
	f.Add([]byte("let n = rand -9223372036854775808 -1\nlet m = calc (${n} / -1 % 7) * 3\nlet w = item ${m} a b\n"), uint64(5))
	f.Add([]byte("test \"a\" points 1 after\nexpect-block\nend\n"), uint64(0))
	f.Fuzz(func(t *testing.T, src []byte, seed uint64) {
		in, err := Load("f.kp", src, seed)
		if err == nil {
			if err := WriteShow(io.Discard, in, nil); err != nil {
				t.Fatal(err)
			}
			return
		}
		e, ok := err.(*Error)
		if !ok || e.Line < 1 || e.Col < 1 {
			t.Fatalf("%T %v", err, err)
		}
	})
}
