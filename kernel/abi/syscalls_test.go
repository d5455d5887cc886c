package abi

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

const unistdHeader = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"

func TestSyscallName(t *testing.T) {
	// Numbers from /usr/include/x86_64-linux-gnu/asm/unistd_64.h (Debian 12).
	tests := []struct {
		nr   int
		name string
		ok   bool
	}{
		{0, "read", true},
		{1, "write", true},
		{2, "open", true},
		{39, "getpid", true},
		{57, "fork", true},
		{59, "execve", true},
		{60, "exit", true},
		{231, "exit_group", true},
		{257, "openat", true},
		{334, "rseq", true},
		{424, "pidfd_send_signal", true},
		{435, "clone3", true},
		{450, "set_mempolicy_home_node", true},
		// The only gap: nothing between rseq (334) and pidfd_send_signal (424).
		{335, "", false},
		{400, "", false},
		{423, "", false},
		// Out of range.
		{-1, "", false},
		{-1 << 40, "", false},
		{NRSyscalls, "", false},
		{512, "", false}, // x32-only numbers are not 64-bit system calls
		{1000, "", false},
	}
	for _, tt := range tests {
		name, ok := SyscallName(tt.nr)
		if name != tt.name || ok != tt.ok {
			t.Errorf("SyscallName(%d) = %q, %v; want %q, %v", tt.nr, name, ok, tt.name, tt.ok)
		}
	}
}

func TestSyscallNumber(t *testing.T) {
	tests := []struct {
		name string
		nr   int
		ok   bool
	}{
		{"read", 0, true},
		{"write", 1, true},
		{"getpid", 39, true},
		{"rseq", 334, true},
		{"set_mempolicy_home_node", 450, true},
		{"", 0, false},
		{"READ", 0, false},
		{"__NR_read", 0, false},
		{"syscall_0x3e8", 0, false},
		{"nosuchcall", 0, false},
	}
	for _, tt := range tests {
		nr, ok := SyscallNumber(tt.name)
		if nr != tt.nr || ok != tt.ok {
			t.Errorf("SyscallNumber(%q) = %d, %v; want %d, %v", tt.name, nr, ok, tt.nr, tt.ok)
		}
	}
}

func TestSyscallRoundTrip(t *testing.T) {
	if NRSyscalls != 451 {
		t.Errorf("NRSyscalls = %d, want 451 (set_mempolicy_home_node is 450)", NRSyscalls)
	}
	count := 0
	for nr := -2; nr <= NRSyscalls+1; nr++ {
		name, ok := SyscallName(nr)
		if !ok {
			continue
		}
		count++
		if name == "" {
			t.Errorf("SyscallName(%d) reported true with an empty name", nr)
		}
		if back, ok := SyscallNumber(name); !ok || back != nr {
			t.Errorf("SyscallNumber(%q) = %d, %v; want %d, true", name, back, ok, nr)
		}
	}
	if count != 362 {
		t.Errorf("%d system calls in the table, want 362", count)
	}
}

func TestImplementedSyscalls(t *testing.T) {
	tests := []struct {
		sys  Sysno
		name string
	}{
		{SysRead, "read"},
		{SysWrite, "write"},
		{SysSchedYield, "sched_yield"},
		{SysGetpid, "getpid"},
		{SysExit, "exit"},
		{SysUname, "uname"},
		{SysGetuid, "getuid"},
		{SysGetgid, "getgid"},
		{SysGeteuid, "geteuid"},
		{SysGetegid, "getegid"},
		{SysGetppid, "getppid"},
		{SysGettid, "gettid"},
		{SysExitGroup, "exit_group"},
	}
	for _, tt := range tests {
		if nr, ok := SyscallNumber(tt.name); !ok || Sysno(nr) != tt.sys {
			t.Errorf("%s: constant is %d, table says %d, %v", tt.name, tt.sys, nr, ok)
		}
		if got := tt.sys.String(); got != tt.name {
			t.Errorf("Sysno(%d).String() = %q, want %q", tt.sys, got, tt.name)
		}
	}
	if got := Sysno(1000).String(); got != "syscall_0x3e8" {
		t.Errorf("Sysno(1000).String() = %q, want syscall_0x3e8", got)
	}
}

// TestSyscallTableMatchesHeader re-reads the header with a parser independent
// of gen_syscalls.go and checks the committed table against it.
func TestSyscallTableMatchesHeader(t *testing.T) {
	f, err := os.Open(unistdHeader)
	if os.IsNotExist(err) {
		t.Skipf("%s not present", unistdHeader)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	want := map[int]string{}
	highest := -1
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 || fields[0] != "#define" || !strings.HasPrefix(fields[1], "__NR_") {
			continue
		}
		nr, err := strconv.Atoi(fields[2])
		if err != nil {
			t.Fatalf("bad line %q", sc.Text())
		}
		want[nr] = strings.TrimPrefix(fields[1], "__NR_")
		highest = max(highest, nr)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if NRSyscalls != highest+1 {
		t.Errorf("NRSyscalls = %d, header's highest number is %d: run go generate", NRSyscalls, highest)
	}
	for nr := 0; nr < max(NRSyscalls, highest+1); nr++ {
		got, _ := SyscallName(nr)
		if got != want[nr] {
			t.Errorf("number %d: table has %q, header has %q: run go generate", nr, got, want[nr])
		}
	}
}
