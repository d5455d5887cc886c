package kernel

import (
	"fmt"

	"kplay/sched"
)

// sprintf is fmt.Sprintf, short for the many messages built here.
func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// wakeUpNewTask makes a new task runnable (wake_up_new_task).
func (k *Kernel) wakeUpNewTask(t *Task) {
	t.State = TaskRunning
	k.rq.Update(k.clockNs())
	preempt := k.rq.WakeUpNew(&t.se)
	// Traced after activate_task, before check_preempt_curr.
	k.traceWakeup(heldWakeupNew, "sched_wakeup_new", t)
	if preempt {
		k.needResched = true
		k.switchWhy = sprintf("wakeup preemption: new task %s[%d] preempts %s[%d]", t.Comm, t.PID, k.current.Comm, k.current.PID)
	}
}

// wakeUpProcess makes a sleeping task runnable (try_to_wake_up) and reports
// whether it woke it. It is safe in interrupt context.
func (k *Kernel) wakeUpProcess(t *Task) bool {
	if t.State != TaskInterruptible && t.State != TaskUninterruptible {
		return false
	}
	t.State = TaskRunning
	k.rq.Update(k.clockNs())
	if k.rq.Enqueue(&t.se, sched.EnqueueWakeup) && !k.needResched {
		k.needResched = true
		k.switchWhy = sprintf("wakeup preemption: %s[%d] woke and preempts %s[%d]", t.Comm, t.PID, k.current.Comm, k.current.PID)
	}
	// ttwu_do_wakeup traces after check_preempt_curr.
	k.traceWakeup(heldWakeup, "sched_wakeup", t)
	return true
}

// sleepOn puts the current task to sleep in state until someone wakes it;
// why is what it waits for. The caller rechecks its condition and loops,
// as with a wait queue.
//
// Preconditions: process context.
func (k *Kernel) sleepOn(state TaskState, why string) {
	k.current.State = state
	k.switchWhy = "sleeps: " + why
	k.schedule()
}

// schedule picks the next task and switches to it (schedule, then
// __schedule(SM_NONE)): the current task blocks if its state says so, or
// yields the CPU on its way back to user mode.
//
// Preconditions: process context (a schedule from interrupt or softirq
// context is "scheduling while atomic", a BUG).
func (k *Kernel) schedule() { k.doSchedule(false) }

// preemptSchedule is schedule at a kernel preemption point
// (preempt_schedule_common, which cond_resched reaches): sched_switch
// reports the preempted task as "R+".
func (k *Kernel) preemptSchedule() { k.doSchedule(true) }

// doSchedule is __schedule.
func (k *Kernel) doSchedule(preempt bool) {
	if k.hardirq > 0 || k.softirqNest > 0 || k.preemptCount > 0 {
		k.bug("scheduling while atomic")
	}
	prev := k.current
	if preempt {
		defer prev.leave(prev.enter("__schedule"))
	} else {
		defer prev.leave(prev.enter("schedule", "__schedule"))
	}
	k.needResched = false
	// signal_pending_state: a task about to sleep interruptibly with a
	// fatal signal pending stays runnable, and its sleep returns at once.
	if prev.State == TaskInterruptible && !prev.Kthread() && k.fatalSignalPending(prev) {
		prev.State = TaskRunning
	}
	blocked := prev.State != TaskRunning
	k.rq.Update(k.clockNs())
	if blocked {
		k.rq.Dequeue(&prev.se, sched.DequeueSleep)
	}
	nextSE, pick := k.rq.Schedule(&prev.se)
	k.rtThrottleCheck()
	next := nextSE.Owner.(*Task)
	why := k.switchWhy
	k.switchWhy = ""
	if next == prev {
		return
	}
	if blocked {
		prev.Nvcsw++
	} else {
		prev.Nivcsw++
	}
	if prev == k.idle {
		why = sprintf("%s[%d] is runnable and the CPU was idle", next.Comm, next.PID)
	} else if why == "" {
		if blocked {
			why = "sleeps"
		} else {
			why = "preempted"
		}
	}
	k.traceSchedSwitch(prev, next, preempt)
	k.emitSwitch(SwitchEvent{
		Prev: k.ref(prev), Next: k.ref(next), PrevState: prev.State.Letter(), Why: why, Pick: pick,
	})
	if next.Kthread() && next.ActiveMM == nil {
		next.ActiveMM = prev.ActiveMM // lazy TLB: borrow the previous mm
	}
	k.current = next
	if prev.State == ExitDead || prev.State == ExitZombie {
		k.cpu.ExitTo(next.thread)
	}
	k.cpu.SwitchTo(prev.thread, next.thread)
	k.finishTaskSwitch()
}

// finishTaskSwitch runs first in the task that has just got the CPU
// (finish_task_switch). It is the switch path's stop point for stepping.
func (k *Kernel) finishTaskSwitch() {
	k.maybePark()
}

// condResched is a preemption point (cond_resched): a kernel thread doing
// long work calls it so pending interrupts are serviced and a waiting task
// can run.
//
// Preconditions: process context.
func (k *Kernel) condResched() {
	k.deliverIRQs()
	if k.needResched && k.preemptCount == 0 {
		defer k.current.leave(k.current.enter("__cond_resched", "preempt_schedule_common"))
		k.preemptSchedule()
	}
	k.maybePark()
}
