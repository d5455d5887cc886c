package kernel

import (
	"kplay/kernel/abi"
)

// sigAction is a signal's default action (kernel/signal.c's
// SIG_KERNEL_*_MASK). kplay has no user signal handlers: every signal
// takes its default action.
type sigAction int

const (
	actTerm   sigAction = iota // terminate
	actCore                    // terminate (and dump core: no core file is written)
	actIgnore                  // discard
	actStop                    // stop the process
	actCont                    // continue a stopped process, otherwise discard
)

func defaultAction(sig int) sigAction {
	switch sig {
	case abi.SIGCHLD, abi.SIGURG, abi.SIGWINCH:
		return actIgnore
	case abi.SIGCONT:
		return actCont
	case abi.SIGSTOP, abi.SIGTSTP, abi.SIGTTIN, abi.SIGTTOU:
		return actStop
	case abi.SIGQUIT, abi.SIGILL, abi.SIGTRAP, abi.SIGABRT, abi.SIGBUS, abi.SIGFPE,
		abi.SIGSEGV, abi.SIGXCPU, abi.SIGXFSZ, abi.SIGSYS:
		return actCore
	}
	return actTerm
}

func sigmask(sig int) uint64 { return 1 << (sig - 1) }

// stopMask is the stop signals (SIG_KERNEL_STOP_MASK).
var stopMask = sigmask(abi.SIGSTOP) | sigmask(abi.SIGTSTP) | sigmask(abi.SIGTTIN) | sigmask(abi.SIGTTOU)

// threadGroup is the live tasks of t's thread group, leader first.
func (k *Kernel) threadGroup(t *Task) []*Task { return k.groupTasks(t, false) }

// groupTasks lists the threads of t's group in pid order: the live ones,
// and with zombies also those that have exited but not been released
// (as procfs and the thread counts show them).
func (k *Kernel) groupTasks(t *Task, zombies bool) []*Task {
	var g []*Task
	for _, x := range k.sortedTasks() {
		if x.TGID == t.TGID && x.State != ExitDead && (zombies || x.State != ExitZombie) {
			g = append(g, x)
		}
	}
	return g
}

// sendSignal sends sig to the process (thread group) of t, as kill(2)
// does (do_send_sig_info + prepare_signal + complete_signal). Kernel
// threads ignore signals; init ignores those it has no handler for
// (SIGNAL_UNKILLABLE), which on kplay is all of them.
func (k *Kernel) sendSignal(t *Task, sig int) {
	if sig == 0 || t.Kthread() || t == k.initTsk {
		return
	}
	// A zombie leader's process lives on in its other threads.
	group := k.threadGroup(t)
	if len(group) == 0 {
		return
	}
	if k.stracing() {
		k.straceSignalSent(t, sig)
	}
	// prepare_signal: a stop signal cancels a pending SIGCONT and the
	// other way round; SIGCONT resumes a stopped group at once.
	switch defaultAction(sig) {
	case actStop:
		for _, x := range group {
			x.pendingSignals &^= sigmask(abi.SIGCONT)
		}
	case actCont:
		for _, x := range group {
			x.pendingSignals &^= stopMask
		}
		if k.groupStopped(group) {
			for _, x := range group {
				x.groupStop = false
				if x.State == TaskStopped {
					k.wakeUpState(x, TaskStopped)
				}
			}
			k.notifyParent(group[0], cldContinued)
		}
	}
	// sig_ignored: a signal whose default action is to ignore it is not
	// queued at all.
	if a := defaultAction(sig); a == actIgnore || a == actCont {
		return
	}
	if sig == abi.SIGKILL || defaultAction(sig) == actStop {
		// Fatal or group-wide: every thread takes it.
		for _, x := range group {
			x.pendingSignals |= sigmask(sig)
			k.signalWakeUp(x, sig == abi.SIGKILL)
		}
		return
	}
	// complete_signal: the process-wide signal goes to the first thread
	// that can take it.
	x := group[0]
	x.pendingSignals |= sigmask(sig)
	k.signalWakeUp(x, false)
}

// groupStopped reports whether a thread group is stopped.
func (k *Kernel) groupStopped(group []*Task) bool {
	for _, x := range group {
		if x.groupStop {
			return true
		}
	}
	return false
}

// signalWakeUp wakes a task in an interruptible sleep so that it sees the
// signal (signal_wake_up); a fatal signal also wakes a stopped task.
func (k *Kernel) signalWakeUp(t *Task, fatal bool) {
	switch {
	case t.State == TaskInterruptible:
		k.wakeUpProcess(t)
	case fatal && t.State == TaskStopped:
		k.wakeUpState(t, TaskStopped)
	}
}

// fatalSignalPending reports whether t has a pending signal that will kill
// it: the sleeps it is in end early (with a restart code) so that it dies
// at once.
func (k *Kernel) fatalSignalPending(t *Task) bool {
	for p := t.pendingSignals; p != 0; p &= p - 1 {
		sig := lowestSignal(p)
		if a := defaultAction(sig); a == actTerm || a == actCore {
			return true
		}
	}
	return false
}

func lowestSignal(p uint64) int {
	for i := 0; i < 64; i++ {
		if p&(1<<i) != 0 {
			return i + 1
		}
	}
	return 0
}

// The kernel-internal codes a system call returns when a signal ends its
// sleep (include/linux/errno.h): signal delivery turns them into EINTR or
// restarts the call, so user space never sees them. On kplay the only
// signal that ends a sleep is a fatal one, so the task dies without
// seeing them either; strace and sys_exit do, as on Linux.
const (
	errRestartsys          abi.Errno = 512 // do_wait
	errRestartNohand       abi.Errno = 514 // clock_nanosleep with TIMER_ABSTIME
	errRestartRestartblock abi.Errno = 516 // nanosleep, clock_nanosleep
)

// interruptedSleep is what an interruptible sleep does when it wakes early
// (the signal half of do_nanosleep or do_wait): a pending stop stops the
// task where it is, and when it is continued the sleep goes on, as a
// restarted system call would; a fatal signal ends the sleep. It reports
// whether the sleep must end.
func (k *Kernel) interruptedSleep(t *Task) bool {
	if t.Kthread() || t == k.initTsk {
		return false
	}
	if t.pendingSignals&stopMask != 0 && !k.fatalSignalPending(t) {
		sig := lowestSignal(t.pendingSignals & stopMask)
		t.pendingSignals &^= stopMask
		k.doSignalStop(t, sig)
	}
	return k.fatalSignalPending(t)
}

// doSignal delivers t's pending signals on its way back to user mode
// (get_signal): each takes its default action. A fatal one does not
// return.
func (k *Kernel) doSignal(t *Task) {
	for t.pendingSignals != 0 && !t.Kthread() {
		sig := lowestSignal(t.pendingSignals)
		t.pendingSignals &^= sigmask(sig)
		switch defaultAction(sig) {
		case actStop:
			k.doSignalStop(t, sig)
		case actTerm, actCore:
			k.doGroupExit(t, sig)
		}
	}
}

// doSignalStop stops t (do_signal_stop): the first thread to stop tells
// the parent (CLD_STOPPED), and t sleeps in TASK_STOPPED until SIGCONT or
// SIGKILL.
func (k *Kernel) doSignalStop(t *Task, sig int) {
	defer t.leave(t.enter("exit_to_user_mode_loop", "arch_do_signal_or_restart", "get_signal", "do_signal_stop"))
	group := k.threadGroup(t)
	if !k.groupStopped(group) {
		for _, x := range group {
			x.groupStop = true
			if x != t {
				x.pendingSignals |= sigmask(sig)
				k.signalWakeUp(x, false)
			}
		}
		t.stopSig = sig
		k.notifyParent(t, cldStopped)
	}
	if k.stracing() && t.groupStop && t.pendingSignals&sigmask(abi.SIGKILL) == 0 {
		k.straceStopped(t, sig)
	}
	for t.groupStop && t.pendingSignals&sigmask(abi.SIGKILL) == 0 {
		t.State = TaskStopped
		k.switchWhy = "stopped by " + abi.SignalName(sig)
		k.schedule()
	}
	t.State = TaskRunning
}

// What a parent is told about a child (si_code of SIGCHLD).
const (
	cldExited    = 1
	cldKilled    = 2
	cldStopped   = 5
	cldContinued = 6
)

// notifyParent tells t's parent that t exited, stopped or continued
// (do_notify_parent, do_notify_parent_cldstop): SIGCHLD, whose default
// is to be ignored, and a wakeup of a parent sleeping in wait4.
func (k *Kernel) notifyParent(t *Task, why int) {
	leader := t
	if l := k.tasks[t.TGID]; l != nil {
		leader = l
	}
	switch why {
	case cldStopped:
		leader.waitReport = waitStopped
	case cldContinued:
		leader.waitReport = waitContinued
	}
	if k.stracing() {
		status := abi.SIGCONT
		if why == cldStopped {
			status = t.stopSig
		}
		k.straceChildSignal(leader, abi.SIGCHLD, why, status)
	}
	p := leader.Parent
	if p == nil {
		return
	}
	k.wakeUpParent(p)
}

// wakeUpParent wakes every thread of p that sleeps in wait4
// (__wake_up_parent on signal->wait_chldexit).
func (k *Kernel) wakeUpParent(p *Task) {
	if l := k.tasks[p.TGID]; l != nil {
		k.wakeUp(&l.chldWait)
	}
}

// wakeUpState wakes t if it is in state (try_to_wake_up with a state
// mask).
func (k *Kernel) wakeUpState(t *Task, state TaskState) bool {
	if t.State != state {
		return false
	}
	t.State = TaskInterruptible
	return k.wakeUpProcess(t)
}
