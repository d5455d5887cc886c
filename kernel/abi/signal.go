package abi

import (
	"fmt"
	"strings"
)

// Signal numbers on x86-64 (arch/x86/include/uapi/asm/signal.h).
const (
	SIGHUP    = 1
	SIGINT    = 2
	SIGQUIT   = 3
	SIGILL    = 4
	SIGTRAP   = 5
	SIGABRT   = 6
	SIGBUS    = 7
	SIGFPE    = 8
	SIGKILL   = 9
	SIGUSR1   = 10
	SIGSEGV   = 11
	SIGUSR2   = 12
	SIGPIPE   = 13
	SIGALRM   = 14
	SIGTERM   = 15
	SIGSTKFLT = 16
	SIGCHLD   = 17
	SIGCONT   = 18
	SIGSTOP   = 19
	SIGTSTP   = 20
	SIGTTIN   = 21
	SIGTTOU   = 22
	SIGURG    = 23
	SIGXCPU   = 24
	SIGXFSZ   = 25
	SIGVTALRM = 26
	SIGPROF   = 27
	SIGWINCH  = 28
	SIGIO     = 29
	SIGPWR    = 30
	SIGSYS    = 31
	SIGRTMIN  = 32
	NSIG      = 64 // _NSIG
)

var signalNames = [...]string{"", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
	"SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM",
	"SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU",
	"SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"}

// SignalName is a signal's name as strace prints it: SIGTERM, SIGRTMIN,
// SIGRT_3, or the number for an invalid one.
func SignalName(sig int) string {
	switch {
	case sig > 0 && sig < len(signalNames):
		return signalNames[sig]
	case sig == SIGRTMIN:
		return "SIGRTMIN"
	case sig > SIGRTMIN && sig <= NSIG:
		return fmt.Sprintf("SIGRT_%d", sig-SIGRTMIN)
	}
	return fmt.Sprint(sig)
}

// SignalNumber reads a signal as kill(1) takes it: TERM, SIGTERM, or 15.
func SignalNumber(s string) (int, bool) {
	u := strings.ToUpper(s)
	if !strings.HasPrefix(u, "SIG") {
		u = "SIG" + u
	}
	for i, n := range signalNames {
		if i > 0 && n == u {
			return i, true
		}
	}
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err == nil && fmt.Sprint(n) == s && n >= 0 && n <= NSIG {
		return n, true
	}
	return 0, false
}

// SignalDescription is strsignal's text, as a shell reports a death.
func SignalDescription(sig int) string {
	d := map[int]string{
		SIGHUP: "Hangup", SIGINT: "Interrupt", SIGQUIT: "Quit", SIGILL: "Illegal instruction",
		SIGTRAP: "Trace/breakpoint trap", SIGABRT: "Aborted", SIGBUS: "Bus error",
		SIGFPE: "Floating point exception", SIGKILL: "Killed", SIGUSR1: "User defined signal 1",
		SIGSEGV: "Segmentation fault", SIGUSR2: "User defined signal 2", SIGPIPE: "Broken pipe",
		SIGALRM: "Alarm clock", SIGTERM: "Terminated", SIGSTKFLT: "Stack fault",
		SIGCHLD: "Child exited", SIGCONT: "Continued", SIGSTOP: "Stopped (signal)",
		SIGTSTP: "Stopped", SIGTTIN: "Stopped (tty input)", SIGTTOU: "Stopped (tty output)",
		SIGURG: "Urgent I/O condition", SIGXCPU: "CPU time limit exceeded",
		SIGXFSZ: "File size limit exceeded", SIGVTALRM: "Virtual timer expired",
		SIGPROF: "Profiling timer expired", SIGWINCH: "Window changed", SIGIO: "I/O possible",
		SIGPWR: "Power failure", SIGSYS: "Bad system call",
	}[sig]
	if d == "" {
		return fmt.Sprintf("Real-time signal %d", sig-SIGRTMIN)
	}
	return d
}
