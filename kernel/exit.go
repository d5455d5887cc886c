package kernel

import (
	"encoding/binary"

	"kplay/kernel/abi"
)

// wait4 options (include/uapi/linux/wait.h).
const (
	wNohang    = 0x00000001
	wUntraced  = 0x00000002
	wContinued = 0x00000008
	wNothread  = 0x20000000
	wAll       = 0x40000000
	wClone     = 0x80000000
)

// What a child has to report to wait4 besides its death.
const (
	waitNothing = iota
	waitStopped
	waitContinued
)

// doExit ends task t (do_exit); code is the wait status: (code << 8) for
// exit(code), or the signal number for a death by signal. Killing init or
// the idle task panics the kernel, as in Linux. It does not return.
func (k *Kernel) doExit(t *Task, code int) {
	if t == k.idle {
		k.panic("Attempted to kill the idle task!")
	}
	if t == k.initTsk {
		k.panic(sprintf("Attempted to kill init! exitcode=0x%08x", code))
	}
	t.Flags |= pfExiting
	t.ExitCode = code
	if t.req != nil {
		t.req.finish(0, true)
		if t.req.Record != nil {
			k.emitSyscall(t.req.Record)
		}
		t.req = nil
	}
	if k.stracing() {
		k.straceTaskExit(t, code) // PTRACE_EVENT_EXIT, then the status strace reaps
	}
	if isSyscalld(t) {
		k.ensureSyscalld(t)
	}
	if t.alarm != nil {
		k.timers.Del(&t.alarm.timer)
	}
	k.mmput(t.MM)
	t.MM = nil // exit_mm: ActiveMM stays until the switch away (lazy TLB)
	k.traceProcess("sched_process_exit", t.Comm, t.PID, t.se.Prio)
	if t.Files != nil {
		k.putFiles(t.Files)
		t.Files = nil
	}
	putFS(t.FS) // exit_fs
	t.FS = nil
	if t.vforkDone != nil {
		k.complete(t.vforkDone) // complete_vfork_done
		t.vforkDone = nil
	}
	k.forgetOriginalParent(t)
	k.exitNotify(t)
	k.switchWhy = "exit"
	k.schedule()
	panic("doExit: a dead task was scheduled again")
}

// doGroupExit kills every thread of t's group and then t (do_group_exit),
// as exit_group(2) and a fatal signal do.
func (k *Kernel) doGroupExit(t *Task, code int) {
	for _, x := range k.threadGroup(t) {
		if x != t {
			x.groupExitCode, x.groupExiting = code, true
			x.pendingSignals |= sigmask(abi.SIGKILL)
			k.signalWakeUp(x, true)
		}
	}
	if t.groupExiting {
		code = t.groupExitCode // another thread decided the status first
	}
	k.doExit(t, code)
}

// forgetOriginalParent hands t's children to a live thread of its group,
// or else to init, which reaps them (forget_original_parent): a child
// that is already a zombie is reaped at once.
func (k *Kernel) forgetOriginalParent(t *Task) {
	reaper := k.initTsk
	for _, x := range k.threadGroup(t) {
		if x != t {
			reaper = x
			break
		}
	}
	for _, c := range t.Children {
		c.Parent = reaper
		reaper.Children = append(reaper.Children, c)
		if reaper == k.initTsk {
			c.reapByInit = true
			if c.State == ExitZombie {
				k.releaseTask(c)
			}
		}
	}
	t.Children = nil
}

// exitNotify makes t a zombie for its parent to reap, or releases it at
// once (exit_notify): kernel threads, threads other than the group
// leader and children init reaps are released without waiting. A group
// leader whose threads still run stays a zombie, and its parent hears of
// it when the last thread exits.
func (k *Kernel) exitNotify(t *Task) {
	t.State = ExitZombie
	switch {
	case t.Kthread():
		k.releaseTask(t)
		return
	case t.TGID != t.PID:
		leader := k.tasks[t.TGID]
		k.releaseTask(t)
		if leader != nil && leader.State == ExitZombie && len(k.threadGroup(leader)) == 0 {
			k.notifyExit(leader)
		}
		return
	}
	if len(k.threadGroup(t)) > 0 {
		return // delay_group_leader
	}
	k.notifyExit(t)
}

// notifyExit tells the parent of a dead process (do_notify_parent).
func (k *Kernel) notifyExit(t *Task) {
	if k.stracing() {
		code, status := exitCLD(t.ExitCode)
		k.straceChildSignal(t, t.exitSignal, code, status)
	}
	if t.reapByInit && t.Parent == k.initTsk {
		k.releaseTask(t) // the shell reaps its jobs as they end
		return
	}
	k.wakeUpParent(t.Parent)
}

// releaseTask frees a dead task (release_task): it leaves its parent's
// children and the task table.
func (k *Kernel) releaseTask(t *Task) {
	t.State = ExitDead
	if p := t.Parent; p != nil {
		for i, c := range p.Children {
			if c == t {
				p.Children = append(p.Children[:i], p.Children[i+1:]...)
				break
			}
		}
	}
	delete(k.tasks, t.PID)
	k.rq.Dequeue(&t.se, 0)
	k.exitCreds(t) // put_task_struct drops the task's creds
	k.Vfree(t.stack)
	k.kmemCacheFree("task_struct", t.taskStruct)
	t.taskStruct, t.stack = 0, 0
}

// waitPidNr is pid_nr(wo->wo_pid) as do_wait traces it: the pid or
// process group waited for, or 0 for any child.
func waitPidNr(pid int, caller *Task) int {
	switch {
	case pid == -1:
		return 0
	case pid == 0:
		return caller.PGID
	case pid < 0:
		return -pid
	}
	return pid
}

// waitMatch reports whether child c is one pid selects (-1: any, >0: that
// process, 0: the caller's process group, < -1: process group -pid).
func waitMatch(c *Task, pid int, caller *Task) bool {
	switch {
	case pid == -1:
		return true
	case pid > 0:
		return c.TGID == pid
	case pid == 0:
		return c.PGID == caller.PGID
	}
	return c.PGID == -pid
}

// sysWait4 implements Linux syscall wait4(2): reap a zombie child (and
// with WUNTRACED or WCONTINUED report a stop or a continue), sleeping
// until one comes unless WNOHANG. The status is written to wstatus;
// rusage is not filled.
func sysWait4(k *Kernel, t *Task, a *[6]uint64) int64 {
	defer t.leave(t.enter("kernel_wait4", "do_wait"))
	pid, wstatus, options := int(int32(a[0])), a[1], int(int32(a[2]))
	if options&^(wNohang|wUntraced|wContinued|wNothread|wAll|wClone) != 0 {
		return -int64(abi.EINVAL)
	}
	if pid == -1<<31 {
		return -int64(abi.ESRCH) // INT_MIN has no process group
	}
	k.traceProcess("sched_process_wait", t.Comm, waitPidNr(pid, t), t.se.Prio)
	for {
		found, status, c := false, 0, (*Task)(nil)
		for _, x := range k.threadGroup(t) {
			for _, ch := range x.Children {
				if ch.TGID != ch.PID || !waitMatch(ch, pid, t) || (ch.exitSignal != abi.SIGCHLD) != (options&wClone != 0) && options&wAll == 0 {
					continue
				}
				found = true
				switch {
				case ch.State == ExitZombie && len(k.threadGroup(ch)) == 0:
					c, status = ch, ch.ExitCode
				case options&wUntraced != 0 && ch.waitReport == waitStopped:
					c, status = ch, ch.stopSig<<8|0x7f
				case options&wContinued != 0 && ch.waitReport == waitContinued:
					c, status = ch, 0xffff
				}
				if c != nil {
					break
				}
			}
			if c != nil {
				break
			}
		}
		if !found {
			return -int64(abi.ECHILD)
		}
		if c != nil {
			if wstatus != 0 {
				var b [4]byte
				binary.LittleEndian.PutUint32(b[:], uint32(status))
				if err := k.copyToUser(t, wstatus, b[:]); err != 0 {
					return -int64(err)
				}
			}
			if c.State == ExitZombie {
				t.Cutime += c.Utime + c.Cutime
				t.Cstime += c.Stime + c.Cstime
				k.releaseTask(c)
			} else {
				c.waitReport = waitNothing
			}
			return int64(c.PID)
		}
		if options&wNohang != 0 {
			return 0
		}
		leader := t
		if l := k.tasks[t.TGID]; l != nil {
			leader = l
		}
		k.sleepOnQueue(&leader.chldWait, TaskInterruptible, "wait4: no child has exited")
		if k.interruptedSleep(t) {
			return -int64(errRestartsys)
		}
	}
}
