package kernel

// Signals as a tracer sees them: strace prints each signal a tracee
// takes, at its signal-delivery stop, with the siginfo the sender filled
// in (src/printsiginfo.c):
//
//	--- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=6, si_uid=0} ---
//	--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=7, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---
//	--- SIGALRM {si_signo=SIGALRM, si_code=SI_KERNEL} ---
//	--- stopped by SIGSTOP ---
//
// kplay keeps no siginfo for untraced tasks: a traced task's tracee
// records the siginfo of each signal sent to it until it is reported.

import (
	"fmt"
	"slices"
	"strconv"

	"kplay/kernel/abi"
)

// si_code values (include/uapi/asm-generic/siginfo.h).
const (
	siUser     = 0    // kill(2)
	siKernel   = 0x80 // sent by the kernel (SEND_SIG_PRIV)
	segvMaperr = 1    // SIGSEGV: address not mapped
	segvAccerr = 2    // SIGSEGV: no permission for the access
	cldDumped  = 3    // SIGCHLD: killed, and a core was dumped
)

// sigInfo is the part of struct kernel_siginfo strace decodes.
type sigInfo struct {
	set          bool // a sender filled it in (straceState.from)
	signo, code  int
	pid, uid     int    // SI_USER and SIGCHLD: the sender, the child
	status       int    // SIGCHLD: exit code or signal
	utime, stime int64  // SIGCHLD: the child's CPU time, in clock ticks
	addr         uint64 // SIGSEGV: the faulting address
}

// cldCodeNames are SIGCHLD's si_code names, CLD_EXITED (1) to
// CLD_CONTINUED (6).
var cldCodeNames = []string{"", "CLD_EXITED", "CLD_KILLED", "CLD_DUMPED", "CLD_TRAPPED", "CLD_STOPPED", "CLD_CONTINUED"}

// String is the siginfo as strace prints it, braces included.
func (si sigInfo) String() string {
	name := abi.SignalName(si.signo)
	switch {
	case si.signo == abi.SIGCHLD && si.code >= cldExited && si.code <= cldContinued:
		status := strconv.Itoa(si.status)
		if si.code != cldExited {
			status = abi.SignalName(si.status)
		}
		return fmt.Sprintf("{si_signo=SIGCHLD, si_code=%s, si_pid=%d, si_uid=%d, si_status=%s, si_utime=%d, si_stime=%d}",
			cldCodeNames[si.code], si.pid, si.uid, status, si.utime, si.stime)
	case si.code == siUser:
		return fmt.Sprintf("{si_signo=%s, si_code=SI_USER, si_pid=%d, si_uid=%d}", name, si.pid, si.uid)
	case si.signo == abi.SIGSEGV && (si.code == segvMaperr || si.code == segvAccerr):
		code := "SEGV_MAPERR"
		if si.code == segvAccerr {
			code = "SEGV_ACCERR"
		}
		return fmt.Sprintf("{si_signo=SIGSEGV, si_code=%s, si_addr=%s}", code, fmtPtr(si.addr))
	}
	return fmt.Sprintf("{si_signo=%s, si_code=SI_KERNEL}", name)
}

// straceSender says who sends the signals sendSignal sends until the
// returned function is called: kill(2) from t (SI_USER), or a fault.
func (k *Kernel) straceSender(si sigInfo) func() {
	si.set = true
	k.strace.from = si
	return func() { k.strace.from = sigInfo{} }
}

// straceSignalSent records, for a traced process, a signal sendSignal
// sends to it. A tracer is told of every signal but SIGKILL, even of one
// whose default action is to ignore it (sig_ignored returns false for a
// ptraced task). The thread that takes a process-directed signal reports
// it (complete_signal's choice: the first thread).
func (k *Kernel) straceSignalSent(t *Task, sig int) {
	if sig == abi.SIGKILL {
		return
	}
	group := k.threadGroup(t)
	if len(group) == 0 {
		return
	}
	si := sigInfo{signo: sig, code: siKernel}
	if f := k.strace.from; f.set {
		si.code, si.pid, si.uid, si.addr = f.code, f.pid, f.uid, f.addr
	}
	k.straceQueueSignal(group[0], si)
}

// straceQueueSignal keeps si for t's next signal-delivery stop. A
// standard signal already pending is not queued again (legacy_queue), so
// the first sender's siginfo is the one reported.
func (k *Kernel) straceQueueSignal(t *Task, si sigInfo) {
	te := k.strace.byTask[t]
	if te == nil {
		return
	}
	for _, x := range te.sigs {
		if x.signo == si.signo {
			return
		}
	}
	te.sigs = append(te.sigs, si)
}

// straceChildSignal records the SIGCHLD (or other exit signal) c's parent
// is sent when c exits, stops or continues (do_notify_parent and
// do_notify_parent_cldstop), if the parent is traced.
func (k *Kernel) straceChildSignal(c *Task, sig, code, status int) {
	p := c.Parent
	if p == nil || sig <= 0 || k.strace.byTask[p] == nil {
		return
	}
	uid := 0
	if c.Cred != nil {
		uid = c.Cred.UID
	}
	// nsec_to_clock_t: USER_HZ is 100, ten million ns a clock tick.
	k.straceQueueSignal(p, sigInfo{signo: sig, code: code, pid: c.PID, uid: uid,
		status: status, utime: c.Utime / 1e7, stime: c.Stime / 1e7})
}

// exitCLD is the si_code and si_status of the SIGCHLD for wait status
// code.
func exitCLD(code int) (int, int) {
	switch {
	case code&0x7f == 0:
		return cldExited, code >> 8 & 0xff
	case code&0x80 != 0:
		return cldDumped, code & 0x7f
	}
	return cldKilled, code & 0x7f
}

// straceDeliver is t's signal-delivery stops on its way to user mode:
// each signal sent to it is printed, lowest number first, as get_signal
// dequeues them.
func (k *Kernel) straceDeliver(t *Task) {
	te := k.strace.byTask[t]
	if te == nil || len(te.sigs) == 0 {
		return
	}
	sigs := te.sigs
	te.sigs = nil
	slices.SortStableFunc(sigs, func(a, b sigInfo) int { return a.signo - b.signo })
	if te.tr.opts.Count {
		return
	}
	for _, si := range sigs {
		k.printleader(te)
		fmt.Fprintf(&te.tr.line, "--- %s %s ---", abi.SignalName(si.signo), si)
		k.lineEnd(te.tr)
	}
}

// straceStopped is a tracee entering group stop: the stop signal's
// delivery, then "--- stopped by SIGSTOP ---" (PTRACE_EVENT_STOP).
func (k *Kernel) straceStopped(t *Task, sig int) {
	te := k.strace.byTask[t]
	if te == nil {
		return
	}
	k.straceDeliver(t)
	if te.tr.opts.Count {
		return
	}
	k.printleader(te)
	fmt.Fprintf(&te.tr.line, "--- stopped by %s ---", abi.SignalName(sig))
	k.lineEnd(te.tr)
}
