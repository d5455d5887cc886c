package repl

import (
	"errors"
	"testing"
)

var seedLines = []string{
	"syscall getpid", `syscall write 1 "hello\n" 6`, "syscall --app uname 0", "syscall 1000 -1 0xffffffffffffffff",
	"irq", "irq fire 5 3", "irq request 3 a", "irq free 3 a", "irq disable 0", "irq enable 0",
	"step", "step tick 2", "step syscall --for 5t", "run 50ms", "run 3t", "dmesg -c", "dmesg -n 1",
	"ps --json", "status", "events 5", "softirqs", "help step", "jiffies", "version",
	`x "\x41\777`, "'unterminated", "irq fire -1", "run 0s", "step 0", "",
	"strace -f 1", "strace -C -w -p 1", "strace summary 1", "strace off", "trace enable raw_syscalls", "trace disable all",
}

func FuzzTokenize(f *testing.F) {
	for _, l := range seedLines {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, line string) {
		toks, err := Tokenize(line)
		if err != nil {
			return
		}
		for _, tok := range toks {
			if tok.Col < 1 || tok.Col > len(line) {
				t.Fatalf("token %q at column %d of a %d-byte line", tok.Text, tok.Col, len(line))
			}
		}
	})
}

// FuzzExec runs arbitrary lines in a live session: no input may panic a
// command (an InternalError), and unless the input halted the machine
// on purpose, getpid must still work afterwards.
func FuzzExec(f *testing.F) {
	for _, l := range seedLines {
		f.Add(l)
	}
	s, _ := newSession(f)
	f.Fuzz(func(t *testing.T, line string) {
		if halted, _ := s.K.Halted(); halted {
			s.Exec("reboot")
		}
		err := s.Exec(line)
		var ie *InternalError
		if errors.As(err, &ie) {
			t.Fatalf("%q: %v\n%s", line, err, ie.Stack)
		}
		if s.quit {
			s.quit = false
		}
		if halted, _ := s.K.Halted(); halted {
			return // lkdtm PANIC or exit: a halt is the right answer
		}
		rec, _, err := s.K.SyscallAs(1, 39)
		if err != nil || rec == nil || rec.Ret != 1 {
			t.Fatalf("after %q the session cannot run getpid: %v %v", line, rec, err)
		}
	})
}
