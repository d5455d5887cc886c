package kernel

import (
	"strings"

	"kplay/kernel/abi"
)

// Kernel synchronization on one CPU, as Linux builds it on a uniprocessor:
// a spinlock only disables preemption (and with _irqsave interrupt
// delivery); the sleeping locks put their waiters on a wait queue and hand
// the CPU on. Every lock the kernel uses registers itself so that the locks
// command can list it with its holder and waiters.

// atomicT is atomic_t: on one CPU with no preemption inside an operation
// a plain counter is atomic.
type atomicT struct{ counter int }

func (a *atomicT) read() int        { return a.counter }
func (a *atomicT) set(v int)        { a.counter = v }
func (a *atomicT) inc()             { a.counter++ }
func (a *atomicT) decAndTest() bool { a.counter--; return a.counter == 0 }

// LockInfo is a lock as the locks command shows it.
type LockInfo struct {
	Name    string    `json:"name"`
	Kind    string    `json:"kind"` // spinlock_t, struct mutex, struct semaphore, struct completion, wait_queue_head_t
	State   string    `json:"state"`
	Holder  *TaskRef  `json:"holder"`
	Waiters []TaskRef `json:"waiters"`
	// Acquired and Contended count acquisitions and those that had to
	// wait (spin or sleep), as lock_stat's acquisitions and contentions.
	Acquired  uint64 `json:"acquired"`
	Contended uint64 `json:"contended"`
}

// lock is what every registered primitive reports.
type lock interface{ info(k *Kernel) LockInfo }

func (k *Kernel) registerLock(l lock) { k.locks = append(k.locks, l) }

// Locks lists the kernel's locks in registration order, then the
// per-task wait queues and completions that have waiters
// (signal->wait_chldexit, vfork_done).
func (k *Kernel) Locks() []LockInfo {
	out := make([]LockInfo, 0, len(k.locks))
	for _, l := range k.locks {
		out = append(out, l.info(k))
	}
	for _, t := range k.sortedTasks() {
		if len(t.chldWait.waiters) > 0 {
			li := t.chldWait.info(k)
			li.Name = sprintf("wait_chldexit of %s[%d]", t.Comm, t.PID)
			out = append(out, li)
		}
		if c := t.vforkDone; c != nil && len(c.wait.waiters) > 0 {
			li := c.info(k)
			li.Name = sprintf("vfork_done of %s[%d]", t.Comm, t.PID)
			out = append(out, li)
		}
	}
	return out
}

func refs(k *Kernel, ts []*Task) []TaskRef {
	out := []TaskRef{}
	for _, t := range ts {
		out = append(out, k.ref(t))
	}
	return out
}

// waitQueue is wait_queue_head_t: the tasks asleep on one condition.
type waitQueue struct {
	name    string
	waiters []*Task
	woken   uint64
}

func (wq *waitQueue) remove(t *Task) {
	for i, x := range wq.waiters {
		if x == t {
			wq.waiters = append(wq.waiters[:i], wq.waiters[i+1:]...)
			return
		}
	}
}

func (wq *waitQueue) info(k *Kernel) LockInfo {
	st := "empty"
	if len(wq.waiters) > 0 {
		st = sprintf("%d waiting", len(wq.waiters))
	}
	return LockInfo{Name: wq.name, Kind: "wait_queue_head_t", State: st, Waiters: refs(k, wq.waiters), Acquired: wq.woken}
}

// waitEvent sleeps in state on wq until cond holds (wait_event, or
// wait_event_interruptible with TASK_INTERRUPTIBLE, which also returns
// ERESTARTSYS when a fatal signal is pending: strace shows "= ?
// ERESTARTSYS", and the task dies on its way out, so user space never
// sees it).
//
// Preconditions: process context.
func (k *Kernel) waitEvent(wq *waitQueue, state TaskState, why string, cond func() bool) abi.Errno {
	t := k.current
	for !cond() {
		if state == TaskInterruptible && k.interruptedSleep(t) {
			return errRestartsys
		}
		k.sleepOnQueue(wq, state, why)
	}
	return 0
}

// sleepOnQueue sleeps once on wq (prepare_to_wait, schedule, finish_wait);
// the caller rechecks its condition.
func (k *Kernel) sleepOnQueue(wq *waitQueue, state TaskState, why string) {
	t := k.current
	wq.waiters = append(wq.waiters, t)
	k.sleepOn(state, why)
	wq.remove(t)
}

// wakeUp wakes every task on wq (wake_up_all; kplay has no exclusive
// waiters) and reports how many it woke.
func (k *Kernel) wakeUp(wq *waitQueue) int {
	n := 0
	for _, t := range append([]*Task(nil), wq.waiters...) {
		if k.wakeUpProcess(t) {
			n++
		}
	}
	wq.woken += uint64(n)
	return n
}

// completion is struct completion: done counts complete() calls not yet
// consumed by a waiter.
type completion struct {
	done int
	wait waitQueue
}

func newCompletion(name string) *completion { return &completion{wait: waitQueue{name: name}} }

// waitForCompletion sleeps uninterruptibly until done (wait_for_completion).
func (k *Kernel) waitForCompletion(c *completion, why string) {
	k.waitEvent(&c.wait, TaskUninterruptible, why, func() bool { return c.done > 0 })
	c.done--
}

// complete wakes the waiters (complete_all: every waiter proceeds).
func (k *Kernel) complete(c *completion) {
	c.done = 1 << 30
	k.wakeUp(&c.wait)
}

func (c *completion) info(k *Kernel) LockInfo {
	li := c.wait.info(k)
	li.Kind, li.State = "struct completion", "not done"
	if c.done > 0 {
		li.State = "done"
	}
	return li
}

// semaphore is struct semaphore: a count and FIFO waiters.
type semaphore struct {
	name      string
	count     int
	holders   []*Task
	wait      waitQueue
	acquired  uint64
	contended uint64
}

func (k *Kernel) newSemaphore(name string, count int) *semaphore {
	s := &semaphore{name: name, count: count, wait: waitQueue{name: name}}
	k.registerLock(s)
	return s
}

// down takes the semaphore, sleeping in state while the count is zero;
// an interruptible down returns EINTR on a fatal signal
// (down_interruptible).
func (k *Kernel) downState(s *semaphore, state TaskState) abi.Errno {
	if s.count == 0 {
		s.contended++
		t := k.current
		defer t.leave(t.enter("__down_common", "schedule_timeout"))
		if err := k.waitEvent(&s.wait, state, "down("+s.name+")", func() bool { return s.count > 0 }); err != 0 {
			return abi.EINTR // __down_common's -EINTR, not -ERESTARTSYS
		}
	}
	s.count--
	s.acquired++
	s.holders = append(s.holders, k.current)
	return 0
}

func (k *Kernel) down(s *semaphore) {
	defer k.current.leave(k.current.enter("down"))
	k.downState(s, TaskUninterruptible)
}

func (k *Kernel) downInterruptible(s *semaphore) abi.Errno {
	defer k.current.leave(k.current.enter("down_interruptible"))
	return k.downState(s, TaskInterruptible)
}

// downTrylock takes the semaphore if it can without sleeping and reports
// whether it did (down_trylock returns 0 on success; this returns true).
// It is safe in interrupt context.
func (k *Kernel) downTrylock(s *semaphore) bool {
	if s.count == 0 {
		return false
	}
	s.count--
	s.acquired++
	s.holders = append(s.holders, k.current)
	return true
}

// up releases the semaphore and wakes a waiter.
func (k *Kernel) up(s *semaphore) {
	s.count++
	if len(s.holders) > 0 {
		s.holders = s.holders[1:]
	}
	k.wakeUp(&s.wait)
}

func (s *semaphore) info(k *Kernel) LockInfo {
	li := LockInfo{Name: s.name, Kind: "struct semaphore", State: sprintf("count %d", s.count),
		Waiters: refs(k, s.wait.waiters), Acquired: s.acquired, Contended: s.contended}
	if len(s.holders) > 0 {
		r := k.ref(s.holders[0])
		li.Holder = &r
	}
	return li
}

// mutex is struct mutex: one owner, who must release it; waiters sleep
// uninterruptibly (mutex_lock) and are handed the lock in FIFO order.
type mutex struct {
	name      string
	owner     *Task
	wait      waitQueue
	acquired  uint64
	contended uint64
}

func (k *Kernel) newMutex(name string) *mutex {
	m := &mutex{name: name, wait: waitQueue{name: name}}
	k.registerLock(m)
	return m
}

// mutexLock takes m, sleeping in TASK_UNINTERRUPTIBLE while another task
// owns it. Sleeping with a spinlock held, or taking m twice, is a BUG.
//
// Preconditions: process context.
func (k *Kernel) mutexLock(m *mutex) {
	t := k.current
	defer t.leave(t.enter("mutex_lock"))
	if m.owner == t {
		k.bug("mutex_lock: " + m.name + " already held by " + t.Comm + " (deadlock)")
	}
	if m.owner != nil || len(m.wait.waiters) > 0 { // no barging past waiters
		m.contended++
		defer t.leave(t.enter("__mutex_lock", "schedule_preempt_disabled"))
		// The waiter stays on wait_list until it owns the lock: FIFO
		// hand-off, the first waiter takes it.
		m.wait.waiters = append(m.wait.waiters, t)
		for m.owner != nil || m.wait.waiters[0] != t {
			k.sleepOn(TaskUninterruptible, "mutex_lock("+m.name+")")
		}
		m.wait.remove(t)
	}
	m.owner = t
	m.acquired++
}

// mutexUnlock releases m and wakes the first waiter.
func (k *Kernel) mutexUnlock(m *mutex) {
	if m.owner != k.current {
		k.bug("mutex_unlock: " + m.name + " not held by " + k.current.Comm)
	}
	m.owner = nil
	if len(m.wait.waiters) > 0 {
		k.wakeUpProcess(m.wait.waiters[0])
	}
}

func (m *mutex) info(k *Kernel) LockInfo {
	li := LockInfo{Name: m.name, Kind: "struct mutex", State: "unlocked",
		Waiters: refs(k, m.wait.waiters), Acquired: m.acquired, Contended: m.contended}
	if m.owner != nil {
		r := k.ref(m.owner)
		li.Holder, li.State = &r, "locked"
	}
	return li
}

// spinlock is spinlock_t on one CPU: taking it disables preemption
// (preempt_count) and, with _irqsave, interrupt delivery; there is no
// one to spin against.
type spinlock struct {
	name     string
	holder   *Task
	irqsave  bool
	acquired uint64
}

func (k *Kernel) newSpinlock(name string) *spinlock {
	s := &spinlock{name: name}
	k.registerLock(s)
	return s
}

// spinLock takes s (spin_lock): preemption is off until spinUnlock.
func (k *Kernel) spinLock(s *spinlock) {
	if s.holder != nil {
		// On one CPU the holder cannot run until we stop spinning.
		k.bug("spin_lock: recursion on " + s.name + " held by " + s.holder.Comm + " (deadlock)")
	}
	k.preemptCount++
	s.holder = k.current
	s.acquired++
}

// spinUnlock releases s (spin_unlock); preempt_enable is a preemption
// point where a reschedule that became due is taken.
func (k *Kernel) spinUnlock(s *spinlock) {
	s.holder = nil
	k.preemptCount--
	if s.irqsave {
		s.irqsave = false
		k.irqsOff-- // spin_unlock_irqrestore
		k.deliverIRQs()
	}
	if k.preemptCount == 0 && k.needResched && k.hardirq == 0 && k.softirqNest == 0 {
		defer k.current.leave(k.current.enter("preempt_schedule"))
		// The reschedule asked for while the lock was held is taken now.
		k.switchWhy = "preempted at spin_unlock (preempt_enable): " + strings.TrimPrefix(k.switchWhy, "preempted: ")
		k.preemptSchedule()
	}
}

// spinLockIrqsave takes s with interrupt delivery disabled
// (spin_lock_irqsave): a raised IRQ stays pending until the unlock.
func (k *Kernel) spinLockIrqsave(s *spinlock) {
	k.irqsOff++
	k.spinLock(s)
	s.irqsave = true
}

func (s *spinlock) info(k *Kernel) LockInfo {
	li := LockInfo{Name: s.name, Kind: "spinlock_t", State: "unlocked", Acquired: s.acquired, Waiters: []TaskRef{}}
	if s.holder != nil {
		r := k.ref(s.holder)
		li.Holder, li.State = &r, "locked"
		if s.irqsave {
			li.State = "locked, irqs off"
		}
	}
	return li
}

// enter pushes frames onto t's shadow kernel stack and returns the depth
// to restore: defer t.leave(t.enter("do_nanosleep")).
func (t *Task) enter(frames ...string) int {
	n := len(t.kstack)
	t.kstack = append(t.kstack, frames...)
	return n
}

// leave pops the frames enter pushed.
func (t *Task) leave(n int) { t.kstack = t.kstack[:n] }

// Backtrace is a task's shadow kernel stack, innermost frame first, as
// crash's bt lists it; User says the task is in user mode with nothing on
// its kernel stack.
type Backtrace struct {
	PID    int      `json:"pid"`
	Comm   string   `json:"comm"`
	State  string   `json:"state"`
	OnCPU  bool     `json:"on_cpu"`
	Frames []string `json:"frames"`
	User   bool     `json:"user_mode"`
}

// Backtrace returns pid's kernel stack.
func (k *Kernel) Backtrace(pid int) (Backtrace, error) {
	t := k.tasks[pid]
	if t == nil {
		return Backtrace{}, errInvalid("no task with pid %d (ps lists them)", pid)
	}
	bt := Backtrace{PID: t.PID, Comm: t.Comm, State: t.State.Letter(), OnCPU: t == k.current, Frames: []string{}}
	for i := len(t.kstack) - 1; i >= 0; i-- {
		bt.Frames = append(bt.Frames, t.kstack[i])
	}
	bt.User = len(bt.Frames) == 0 && t.MM != nil
	return bt, nil
}

// kthreadFrames are the bottom frames of a kernel thread kthreadd started
// with fn.
func kthreadFrames(fn string) []string {
	return []string{"ret_from_fork_asm", "ret_from_fork", "kthread", fn}
}

// sysEntryNames are the entry frames per syscall number, built once.
var sysEntryNames = func() [][]string {
	out := make([][]string, abi.NRSyscalls)
	for nr := range out {
		name, _ := abi.SyscallName(nr)
		out[nr] = []string{"entry_SYSCALL_64_after_hwframe", "do_syscall_64", "__x64_sys_" + name}
	}
	return out
}()

// sysEntryFrames are the frames of a system call's entry: from user mode
// through the syscall instruction (the task path), or only the handler
// when a ksyscalld thread runs it for the application.
func sysEntryFrames(t *Task, nr int) []string {
	f := []string{"entry_SYSCALL_64_after_hwframe", "do_syscall_64", "__x64_sys_ni_syscall"}
	if nr >= 0 && nr < len(sysEntryNames) {
		f = sysEntryNames[nr]
	}
	if t.Kthread() {
		return f[2:]
	}
	return f
}
