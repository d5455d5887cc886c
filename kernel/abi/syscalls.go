package abi

import "sync"

// Sysno is an x86-64 system call number (the value of rax at syscall entry,
// __NR_* in <asm/unistd_64.h>).
type Sysno int

// System calls kplay implements. Each value is checked against the generated
// table (and so against the header) by TestImplementedSyscalls.
const (
	SysRead       Sysno = 0   // __NR_read
	SysWrite      Sysno = 1   // __NR_write
	SysSchedYield Sysno = 24  // __NR_sched_yield
	SysGetpid     Sysno = 39  // __NR_getpid
	SysExit       Sysno = 60  // __NR_exit
	SysUname      Sysno = 63  // __NR_uname
	SysGetuid     Sysno = 102 // __NR_getuid
	SysGetgid     Sysno = 104 // __NR_getgid
	SysGeteuid    Sysno = 107 // __NR_geteuid
	SysGetegid    Sysno = 108 // __NR_getegid
	SysGetppid    Sysno = 110 // __NR_getppid
	SysGettid     Sysno = 186 // __NR_gettid
	SysExitGroup  Sysno = 231 // __NR_exit_group
)

// The generated table has exactly NRSyscalls entries.
var _ [NRSyscalls]string = syscallNames

// String returns the system call's name as strace prints it: "getpid", or
// FormatUnknownSyscall's form for a number with no system call.
func (s Sysno) String() string {
	if name, ok := SyscallName(int(s)); ok {
		return name
	}
	return FormatUnknownSyscall(int(s))
}

// SyscallName returns the name of x86-64 system call nr ("read" for 0),
// without the __NR_ prefix. It reports false for a negative number, one at or
// above NRSyscalls, or one in a gap of the table (such as 335, between rseq
// and pidfd_send_signal).
func SyscallName(nr int) (string, bool) {
	if nr < 0 || nr >= len(syscallNames) || syscallNames[nr] == "" {
		return "", false
	}
	return syscallNames[nr], true
}

// syscallNumbers is the reverse of syscallNames, built on first use.
var syscallNumbers = sync.OnceValue(func() map[string]int {
	m := make(map[string]int, len(syscallNames))
	for nr, name := range syscallNames {
		if name != "" {
			m[name] = nr
		}
	}
	return m
})

// SyscallNumber returns the x86-64 number of the system call with the given
// name ("write" gives 1). The name is without the __NR_ prefix and is
// case-sensitive. It reports false for a name not in the table.
func SyscallNumber(name string) (int, bool) {
	nr, ok := syscallNumbers()[name]
	return nr, ok
}

// SyscallNames lists the x86-64 system call names in number order.
func SyscallNames() []string {
	var out []string
	for nr := 0; nr < NRSyscalls; nr++ {
		if name, ok := SyscallName(nr); ok {
			out = append(out, name)
		}
	}
	return out
}
