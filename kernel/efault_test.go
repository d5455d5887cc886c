package kernel

import (
	"testing"

	"kplay/kernel/abi"
)

// Every pointer argument of every system call kplay implements: an
// unmapped address gives -EFAULT, never a Go panic, on both paths. Each
// case sets the call's other arguments so that the pointer is reached.
func TestEveryPointerArgumentFaults(t *testing.T) {
	const bad = 0xdead0000 // nothing is mapped there
	k, _ := boot(t, Config{Quiet: true})
	// A zombie child of init for wait4 to report into a bad wstatus.
	k.SyscallAs(1, nr("fork"))
	k.Run(Stop{For: 10e6})
	child := 0
	for _, ti := range k.Tasks() {
		if ti.PPID == 1 && ti.State == "Z" {
			child = ti.PID
		}
	}
	if child == 0 {
		t.Fatal("fork from init left no zombie to wait for")
	}
	ts, _ := k.PushUserData(1, make([]byte, 16)) // a valid {0, 0} timespec
	cases := []struct {
		name string
		args []uint64
	}{
		{"write", []uint64{1, bad, 5}},
		{"uname", []uint64{bad}},
		{"nanosleep", []uint64{bad, 0}},
		{"clock_gettime", []uint64{0, bad}},
		{"clock_nanosleep", []uint64{0, 0, bad, 0}},
		{"times", []uint64{bad}},
		{"sysinfo", []uint64{bad}},
		{"wait4", []uint64{uint64(child), bad, 0, 0}},
		{"sched_setparam", []uint64{0, bad}},
		{"sched_getparam", []uint64{0, bad}},
		{"sched_setscheduler", []uint64{0, 0, bad}},
		{"sched_rr_get_interval", []uint64{0, bad}},
	}
	for _, c := range cases {
		for _, path := range []string{"task", "app"} {
			if path == "app" && c.name == "wait4" {
				continue // on the app path ksyscalld waits, and it has no children: ECHILD
			}
			var rec *SyscallRecord
			if path == "task" {
				rec, _, _ = k.SyscallAs(1, nr(c.name), c.args...)
			} else {
				rec, _ = k.Syscall(nr(c.name), c.args...)
			}
			if rec == nil || rec.Errno() != abi.EFAULT {
				t.Errorf("%s path %s: %v, want EFAULT", path, rec, c.name)
			}
		}
	}
	// nanosleep's rem is only written when the sleep is interrupted; a
	// valid request with a bad rem sleeps and succeeds, as in Linux.
	if rec, _ := k.Syscall(nr("nanosleep"), ts, bad); rec.Ret != 0 {
		t.Errorf("nanosleep with a bad rem: %v", rec)
	}
	if k.halted {
		t.Fatal("the machine must survive every bad pointer")
	}
}

// Every implemented call has its manual page's signature, and the table
// lists every x86-64 number once.
func TestSysentCoversTheTable(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	seen := map[int]bool{}
	impl := 0
	for _, e := range k.SyscallTable() {
		if seen[e.Nr] {
			t.Fatalf("%d listed twice", e.Nr)
		}
		seen[e.Nr] = true
		if e.Implemented {
			impl++
			if e.Prototype == "" {
				t.Errorf("%s is implemented but has no prototype", e.Name)
			}
		}
	}
	if impl != len(syscallTable) {
		t.Fatalf("%d implemented in sysent, %d in the table", impl, len(syscallTable))
	}
	if e, err := k.SyscallEntry("socket"); err != nil || e.Implemented || e.Nr != 41 || e.Manual != "socket(2)" {
		t.Fatalf("socket: %+v %v", e, err)
	}
}
