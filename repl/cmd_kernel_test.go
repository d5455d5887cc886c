package repl

import (
	"bytes"
	"strings"
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

// spawn --uid, --gid and --groups: bad input is one line, and a process
// started as a user sees those ids.
func TestSpawnAsAUser(t *testing.T) {
	s, out := newSession(t)
	wantUsageErrors(t, s, out, map[string]string{
		"spawn --gid 5 /bin/id":                "spawn: --gid and --groups go with --uid",
		"spawn --groups 5 /bin/id":             "spawn: --gid and --groups go with --uid",
		"spawn --uid 1 --groups 5,x /bin/id":   `spawn --groups "5,x": want gids separated by commas`,
		"spawn --uid -1 /bin/id":               "spawn: uid -1: want 0 to 4294967294",
		"spawn --uid 1 --gid 4294967295 yield": "spawn: gid 4294967295: want 0 to 4294967294",
	})
	got := run(t, s, out, "spawn --uid 1000 --gid 100 --groups 20,10,100 /bin/id", "run 10ms")
	if !strings.HasPrefix(got, "uid=1000 gid=100 groups=100,10,20\n") {
		t.Fatalf("id as 1000:\n%s", got)
	}
	run(t, s, out, "syscall setuid 1000")
	if err := s.Exec("spawn --uid 0 /bin/id"); err == nil || err.Error() != "spawn: uid 0 gid 0: Operation not permitted (init lacks CAP_SETUID or CAP_SETGID)" {
		t.Fatalf("spawn --uid 0 by an unprivileged init: %v", err)
	}
}
