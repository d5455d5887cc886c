package kernel

import (
	"io"
	"testing"

	"kplay/kernel/abi"
)

// FuzzSyscall throws arbitrary numbers and arguments at both system call
// paths: every call must come back with a record (a value or -errno), and
// the machine must keep running. exit and exit_group are skipped: they end
// the caller by design (and killing init panics the kernel, as in Linux).
func FuzzSyscall(f *testing.F) {
	f.Add(int64(1), uint64(1), uint64(0x7fffffffe000), uint64(6), uint64(0), false)
	f.Add(int64(63), uint64(0x7ffffffff000-390), uint64(0), uint64(0), uint64(0), true)
	f.Add(int64(24), uint64(0), uint64(0), uint64(0), uint64(0), false)
	f.Add(int64(-1), ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), true)
	f.Add(int64(1), uint64(2), uint64(0x7ffffffdf000), ^uint64(0), uint64(0), false)
	// strace -f -C follows init and the children it forks, and ftrace
	// records raw_syscalls, so that the tracers see every call too.
	k, _ := boot(f, Config{Quiet: true, Strace: io.Discard})
	if _, err := k.Strace([]int{1}, StraceOptions{Follow: true, Summary: true}); err != nil {
		f.Fatal(err)
	}
	k.SetTraceEvent("raw_syscalls", true)
	k.TraceOn()
	f.Fuzz(func(t *testing.T, nr int64, a0, a1, a2, a3 uint64, app bool) {
		if nr == int64(abi.SysExit) || nr == int64(abi.SysExitGroup) {
			return
		}
		var rec *SyscallRecord
		if app {
			rec, _ = k.Syscall(int(nr), a0, a1, a2, a3)
		} else {
			rec, _, _ = k.SyscallAs(1, int(nr), a0, a1, a2, a3)
		}
		if rec == nil {
			t.Fatalf("syscall %d(%#x, %#x, %#x, %#x) did not complete", nr, a0, a1, a2, a3)
		}
		if halted, why := k.Halted(); halted {
			t.Fatalf("syscall %d halted the machine: %s", nr, why)
		}
		_ = rec.String()
	})
}
