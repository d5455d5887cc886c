package kernel

import "fmt"

// sprintf is fmt.Sprintf, short for the many messages built here.
func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// taskOfNext is the task pick_next_task chooses.
func (k *Kernel) taskOfNext() *Task {
	return k.rq.PickNext().Owner.(*Task)
}

// wakeUpNewTask makes a new task runnable (wake_up_new_task).
func (k *Kernel) wakeUpNewTask(t *Task) {
	t.State = TaskRunning
	if k.rq.Enqueue(&t.se, &k.current.se) {
		k.needResched = true
	}
}

// wakeUpProcess makes a sleeping task runnable (try_to_wake_up) and reports
// whether it woke it. It is safe in interrupt context.
func (k *Kernel) wakeUpProcess(t *Task) bool {
	if t.State != TaskInterruptible && t.State != TaskUninterruptible {
		return false
	}
	t.State = TaskRunning
	if k.rq.Enqueue(&t.se, &k.current.se) {
		k.needResched = true
		k.switchWhy = sprintf("wakeup of %s[%d] preempts %s", t.Comm, t.PID, k.current.Comm)
	}
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

// schedule picks the next task and switches to it (__schedule).
//
// Preconditions: process context (a schedule from interrupt or softirq
// context is "scheduling while atomic", a BUG).
func (k *Kernel) schedule() {
	if k.hardirq > 0 || k.softirqNest > 0 {
		k.bug("scheduling while atomic")
	}
	prev := k.current
	k.needResched = false
	blocked := prev.State != TaskRunning
	if blocked {
		k.rq.Dequeue(&prev.se)
	}
	next := k.taskOfNext()
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
	now := k.clockNs()
	prev.se.SumExecRuntime += now - prev.se.ExecStart
	next.se.ExecStart = now
	if prev == k.idle {
		why = sprintf("%s[%d] is runnable and the CPU was idle", next.Comm, next.PID)
	} else if why == "" {
		if blocked {
			why = "sleeps"
		} else {
			why = "preempted"
		}
	}
	k.emit(Event{Kind: EvSwitch, Switch: &SwitchEvent{
		Prev: k.ref(prev), Next: k.ref(next), PrevState: prev.State.Letter(), Why: why,
	}})
	if next.Kthread() && next.ActiveMM == nil {
		next.ActiveMM = prev.ActiveMM // lazy TLB: borrow the previous mm
	}
	k.current = next
	if prev.State == ExitDead {
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
	if k.needResched {
		k.schedule()
	}
	k.maybePark()
}
