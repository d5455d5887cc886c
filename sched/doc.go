// Package sched holds kplay's run queue (struct rq) and its scheduling
// policy, apart from the tasks it schedules: an Entity is the part of a task
// the scheduler reads and writes, and Owner points back at the task.
//
// This first policy is plain round robin, shaped like Linux's rt class with
// a single priority: the running task stays on the queue (on_rq) at its
// head; a wakeup appends at the tail; the tick takes one tick off the
// running entity's timeslice and, when it is used up, moves it to the tail
// and asks for a reschedule if someone else is waiting; sched_yield moves it
// to the tail at once. The idle entity is never queued: PickNext returns it
// when the queue is empty, and any wakeup preempts it.
//
// The scheduling classes of Linux (stop, rt, fair, idle) replace this policy
// behind the same calls in a later issue.
package sched
