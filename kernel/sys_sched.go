package kernel

import (
	"encoding/binary"

	"kplay/kernel/abi"
	"kplay/sched"
)

// Who getpriority and setpriority act on.
const (
	prioProcess = 0
	prioPgrp    = 1
	prioUser    = 2
)

// schedResetOnFork may be or'ed into sched_setscheduler's policy.
const schedResetOnFork = 0x40000000

// findTask is find_task_by_vpid, with 0 meaning the caller.
func (k *Kernel) findTask(t *Task, pid int) *Task {
	if pid == 0 {
		return t
	}
	x := k.tasks[pid]
	if x == nil || x.State == ExitDead || x == k.idle {
		return nil
	}
	return x
}

// findProcessByPID is the sched_* calls' lookup (find_process_by_pid with
// the checks around it): a negative pid is EINVAL, a missing one ESRCH.
func (k *Kernel) findProcessByPID(t *Task, pid int) (*Task, abi.Errno) {
	if pid < 0 {
		return nil, abi.EINVAL
	}
	if x := k.findTask(t, pid); x != nil {
		return x, 0
	}
	return nil, abi.ESRCH
}

// prioTargets is who a PRIO_* selects.
func (k *Kernel) prioTargets(t *Task, which, who int) ([]*Task, abi.Errno) {
	var out []*Task
	switch which {
	case prioProcess:
		if x := k.findTask(t, who); x != nil && x.State != ExitZombie {
			out = append(out, x)
		}
	case prioPgrp:
		if who == 0 {
			who = t.PGID
		}
		for _, x := range k.sortedTasks() {
			if x.PGID == who && x != k.idle && x.State != ExitZombie && !x.Kthread() {
				out = append(out, x)
			}
		}
	case prioUser:
		if who == 0 {
			who = t.Cred.UID
		}
		for _, x := range k.sortedTasks() {
			if x.Cred.UID == who && x != k.idle && x.State != ExitZombie {
				out = append(out, x)
			}
		}
	default:
		return nil, abi.EINVAL
	}
	if len(out) == 0 {
		return nil, abi.ESRCH
	}
	return out, 0
}

// sysGetpriority implements Linux syscall getpriority(2). The kernel
// returns 20 - nice (1..40) so that no value looks like an error; glibc
// turns it back into the nice value.
func sysGetpriority(k *Kernel, t *Task, a *[6]uint64) int64 {
	ts, err := k.prioTargets(t, int(int32(a[0])), int(int32(a[1])))
	if err != 0 {
		return -int64(err)
	}
	best := 0
	for _, x := range ts {
		best = max(best, 20-x.se.Nice())
	}
	return int64(best)
}

// sysSetpriority implements Linux syscall setpriority(2): the nice value
// is clamped to -20..19 and set on every selected task (set_one_prio,
// set_user_nice) that the caller owns (EPERM) and, to lower it, may
// (EACCES: RLIMIT_NICE or CAP_SYS_NICE). The value is the last task's
// error, or 0.
func sysSetpriority(k *Kernel, t *Task, a *[6]uint64) int64 {
	ts, err := k.prioTargets(t, int(int32(a[0])), int(int32(a[1])))
	if err != 0 {
		return -int64(err)
	}
	nice := min(max(int(int32(a[2])), sched.MinNice), sched.MaxNice)
	ret := int64(0)
	for _, x := range ts {
		switch {
		case !sameOwnerOrNice(t, x):
			ret = -int64(abi.EPERM)
		case nice < x.se.Nice() && !canNice(t, x, nice):
			ret = -int64(abi.EACCES)
		default:
			k.setScheduler(x, x.se.Policy, nice, x.se.RTPriority)
		}
	}
	return ret
}

// setScheduler changes a task's policy and priorities and reschedules if
// the running task should give way.
func (k *Kernel) setScheduler(x *Task, policy, nice, rtprio int) {
	k.rq.Update(k.clockNs())
	if k.rq.SetScheduler(&x.se, policy, nice, rtprio) && !k.needResched {
		k.needResched = true
		k.switchWhy = sprintf("priority change of %s[%d]", x.Comm, x.PID)
	}
}

// getSchedParam reads struct sched_param (one int).
func (k *Kernel) getSchedParam(t *Task, addr uint64) (int, abi.Errno) {
	if addr == 0 {
		return 0, abi.EINVAL
	}
	var b [4]byte
	if _, err := k.copyFromUser(t, b[:], addr); err != 0 {
		return 0, err
	}
	return int(int32(binary.LittleEndian.Uint32(b[:]))), 0
}

// doSetscheduler is the common part of sched_setscheduler and
// sched_setparam (do_sched_setscheduler).
func (k *Kernel) doSetscheduler(t *Task, pid int, policy int, param uint64) int64 {
	if pid < 0 {
		return -int64(abi.EINVAL)
	}
	prio, err := k.getSchedParam(t, param)
	if err != 0 {
		return -int64(err)
	}
	x, errno := k.findProcessByPID(t, pid)
	if errno != 0 {
		return -int64(errno)
	}
	if policy < 0 {
		policy = x.se.Policy // sched_setparam keeps the policy
	}
	policy &^= schedResetOnFork
	if !sched.ValidPolicy(policy) {
		return -int64(abi.EINVAL)
	}
	if sched.RTPolicy(policy) && (prio < 1 || prio > 99) || !sched.RTPolicy(policy) && prio != 0 {
		return -int64(abi.EINVAL)
	}
	if x.Kthread() && x == k.idle {
		return -int64(abi.EPERM)
	}
	// __sched_setscheduler's user_check: without CAP_SYS_NICE only the
	// owner, a real-time policy or a higher real-time priority only
	// within RLIMIT_RTPRIO (0 by default), and out of SCHED_IDLE only if
	// it may nice.
	if !capable(t, abi.CAP_SYS_NICE) {
		rlim := x.rlim[rlimitRtprio].cur
		switch {
		case sched.RTPolicy(policy) && policy != x.se.Policy && rlim == 0,
			sched.RTPolicy(policy) && prio > x.se.RTPriority && uint64(prio) > rlim,
			x.se.Policy == sched.Idle && policy != sched.Idle && !canNice(t, x, x.se.Nice()),
			!sameOwnerOrNice(t, x):
			return -int64(abi.EPERM)
		}
	}
	k.setScheduler(x, policy, x.se.Nice(), prio)
	return 0
}

// sysSchedSetscheduler implements Linux syscall sched_setscheduler(2).
func sysSchedSetscheduler(k *Kernel, t *Task, a *[6]uint64) int64 {
	policy := int(int32(a[1]))
	if policy < 0 {
		return -int64(abi.EINVAL)
	}
	return k.doSetscheduler(t, int(int32(a[0])), policy, a[2])
}

// sysSchedSetparam implements Linux syscall sched_setparam(2).
func sysSchedSetparam(k *Kernel, t *Task, a *[6]uint64) int64 {
	return k.doSetscheduler(t, int(int32(a[0])), -1, a[1])
}

// sysSchedGetscheduler implements Linux syscall sched_getscheduler(2).
func sysSchedGetscheduler(k *Kernel, t *Task, a *[6]uint64) int64 {
	x, errno := k.findProcessByPID(t, int(int32(a[0])))
	if errno != 0 {
		return -int64(errno)
	}
	return int64(x.se.Policy)
}

// sysSchedGetparam implements Linux syscall sched_getparam(2).
func sysSchedGetparam(k *Kernel, t *Task, a *[6]uint64) int64 {
	if a[1] == 0 {
		return -int64(abi.EINVAL)
	}
	x, errno := k.findProcessByPID(t, int(int32(a[0])))
	if errno != 0 {
		return -int64(errno)
	}
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(x.se.RTPriority))
	if err := k.copyToUser(t, a[1], b[:]); err != 0 {
		return -int64(err)
	}
	return 0
}

// sysSchedGetPriorityMax implements Linux syscall
// sched_get_priority_max(2).
func sysSchedGetPriorityMax(k *Kernel, t *Task, a *[6]uint64) int64 {
	p := int(int32(a[0]))
	switch {
	case sched.RTPolicy(p):
		return sched.MaxRTPrio - 1
	case sched.ValidPolicy(p):
		return 0
	}
	return -int64(abi.EINVAL)
}

// sysSchedGetPriorityMin implements Linux syscall
// sched_get_priority_min(2).
func sysSchedGetPriorityMin(k *Kernel, t *Task, a *[6]uint64) int64 {
	p := int(int32(a[0]))
	switch {
	case sched.RTPolicy(p):
		return 1
	case sched.ValidPolicy(p):
		return 0
	}
	return -int64(abi.EINVAL)
}

// sysSchedRrGetInterval implements Linux syscall sched_rr_get_interval(2):
// the RR slice, 0 for FIFO, and a fair task's slice in whole ticks.
func sysSchedRrGetInterval(k *Kernel, t *Task, a *[6]uint64) int64 {
	x, errno := k.findProcessByPID(t, int(int32(a[0])))
	if errno != 0 {
		return -int64(errno)
	}
	k.rq.Update(k.clockNs())
	ns := x.se.Class().RRInterval(k.rq, &x.se)
	if err := k.putTimespec(t, a[1], ns); err != 0 {
		return -int64(err)
	}
	return 0
}

// sysKill implements Linux syscall kill(2): pid > 0 is a process, 0 the
// caller's process group, -1 every process but init and the caller, and
// < -1 the process group -pid. Signal 0 only checks that the target
// exists.
func sysKill(k *Kernel, t *Task, a *[6]uint64) int64 {
	pid, sig := int(int32(a[0])), int(int32(a[1]))
	if sig < 0 || sig > abi.NSIG {
		return -int64(abi.EINVAL)
	}
	var targets []*Task
	switch {
	case pid > 0:
		x := k.tasks[pid]
		if x == nil || x == k.idle {
			return -int64(abi.ESRCH)
		}
		if !killOK(t, x, sig) {
			return -int64(abi.EPERM)
		}
		targets = []*Task{x}
	case pid == -1:
		for _, x := range k.sortedTasks() {
			if x.PID > 1 && x.TGID != t.TGID && x.TGID == x.PID && !x.Kthread() {
				targets = append(targets, x)
			}
		}
		if len(targets) == 0 {
			return -int64(abi.ESRCH)
		}
		// kill(-1) skips the processes it may not signal and still
		// returns 0 (kill_something_info ignores their EPERM).
		targets = killable(t, targets, sig)
	default:
		pg := -pid
		if pid == 0 {
			pg = t.PGID
		}
		if pg == 1<<31 {
			return -int64(abi.ESRCH)
		}
		for _, x := range k.sortedTasks() {
			if x.PGID == pg && x.TGID == x.PID && x != k.idle {
				targets = append(targets, x)
			}
		}
		if len(targets) == 0 {
			return -int64(abi.ESRCH)
		}
		// __kill_pgrp_info: 0 if any member could be signalled, EPERM if
		// none.
		allowed := killable(t, targets, sig)
		if len(allowed) == 0 {
			return -int64(abi.EPERM)
		}
		targets = allowed
	}
	if k.stracing() {
		defer k.straceSender(sigInfo{code: siUser, pid: t.TGID, uid: t.Cred.UID})()
	}
	for _, x := range targets {
		k.sendSignal(x, sig)
	}
	return 0
}

// killable is the targets t may signal with sig.
func killable(t *Task, targets []*Task, sig int) []*Task {
	var out []*Task
	for _, x := range targets {
		if killOK(t, x, sig) {
			out = append(out, x)
		}
	}
	return out
}

// Kill sends a signal to a process from the front end, as the magic
// SysRq keys or a debugger can, without going through init.
func (k *Kernel) Kill(pid, sig int) error {
	x := k.tasks[pid]
	switch {
	case k.halted:
		return errInvalid("the machine is halted")
	case sig < 0 || sig > abi.NSIG:
		return errInvalid("signal %d: want 0-%d", sig, abi.NSIG)
	case x == nil || x == k.idle:
		return errInvalid("kill %d: No such process", pid)
	}
	k.sendSignal(x, sig)
	return nil
}

// SetScheduler changes a task's policy and priorities from the front end,
// as chrt(1) and renice(1) do.
func (k *Kernel) SetScheduler(pid, policy, nice, rtprio int) error {
	x := k.tasks[pid]
	if x == nil || x == k.idle || x.State == ExitZombie {
		return errInvalid("pid %d: No such process", pid)
	}
	if err := checkSchedParams(policy, nice, rtprio); err != nil {
		return err
	}
	k.setScheduler(x, policy, nice, rtprio)
	return nil
}
