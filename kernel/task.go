package kernel

import (
	"kplay/kernel/abi"
	"kplay/kernel/arch"
	"kplay/kernel/prog"
	"kplay/mm"
	"kplay/sched"
)

// TaskState is a task's state (task_struct.__state, with exit_state folded
// in): the values of include/linux/sched.h.
type TaskState int

// Task states.
const (
	TaskRunning         TaskState = 0x00 // R
	TaskInterruptible   TaskState = 0x01 // S
	TaskUninterruptible TaskState = 0x02 // D
	TaskStopped         TaskState = 0x04 // T
	TaskTraced          TaskState = 0x08 // t
	ExitDead            TaskState = 0x10 // X
	ExitZombie          TaskState = 0x20 // Z
)

// Letter is the state as ps and /proc/<pid>/stat print it.
func (s TaskState) Letter() string {
	switch s {
	case TaskRunning:
		return "R"
	case TaskInterruptible:
		return "S"
	case TaskUninterruptible:
		return "D"
	case TaskStopped:
		return "T"
	case TaskTraced:
		return "t"
	case ExitDead:
		return "X"
	case ExitZombie:
		return "Z"
	}
	return "?"
}

// Per-task flags (PF_*), with Linux's values.
const (
	pfIdle    = 0x00000002 // PF_IDLE
	pfExiting = 0x00000004 // PF_EXITING
	pfKthread = 0x00200000 // PF_KTHREAD
)

// Task is a task (struct task_struct).
type Task struct {
	PID   int
	TGID  int
	Comm  string
	State TaskState
	Flags uint32

	Parent   *Task
	Children []*Task

	// se holds the scheduling fields: policy, prio, static_prio,
	// normal_prio, rt_priority, the load weight and vruntime.
	se sched.Entity

	// MM is the user address space; nil for kernel threads. ActiveMM is
	// the one in use: a kernel thread borrows the previous task's, or adopts
	// a caller's during an application-path system call (kthread_use_mm).
	MM       *mm.AddrSpace
	ActiveMM *mm.AddrSpace

	// Cred is the task's subjective credentials (task->cred), those it
	// acts with: current_cred() when it is the caller. realCred is the
	// objective ones (task->real_cred), those others see when they act
	// on it. Both point at the same cred, each with a reference, and
	// only the task itself replaces them (commitCreds); see cred.go.
	Cred     *Cred
	realCred *Cred
	Files    *FilesStruct
	// FS is the root, working directory and umask (nil for kernel
	// threads, which work at / as root).
	FS *FSStruct
	// rlim are the resource limits (signal->rlim); kplay enforces
	// RLIMIT_NOFILE.
	rlim [rlimNLimits]rlimit

	Nvcsw, Nivcsw  uint64 // voluntary / involuntary context switches
	Utime, Stime   int64  // ns
	Cutime, Cstime int64  // ns of children waited for
	StartTime      int64  // ns since boot
	// prevCputime keeps the utime and stime /proc reports monotonic
	// (the group's, on the leader).
	prevCputime prevCputime
	// ExitCode is the wait status: exit code << 8, or the killing signal.
	ExitCode int
	// PGID is the process group (kill(0), kill(-pgid), wait4(0)).
	PGID int

	// prog is the program a user task runs (its "executable").
	prog *prog.Program
	// forkImage is what the child of the next fork runs.
	forkImage image
	// execImage is set by a successful execve: the task's next image.
	execImage *image
	// Argv is the argument vector of the last execve (or spawn), which
	// /proc/<pid>/cmdline shows.
	Argv []string
	// exitSignal is sent to the parent at exit: SIGCHLD, or -1 for a
	// thread.
	exitSignal int
	// reapByInit: init, the REPL's shell, reaps this child as soon as it
	// exits (a spawned job, or an orphan).
	reapByInit bool
	// Group stop and wait4 reporting (signal->group_stop_count,
	// exit_code of a stopped child).
	groupStop     bool
	stopSig       int
	waitReport    int
	groupExitCode int
	groupExiting  bool // groupExitCode is set (SIGNAL_GROUP_EXIT)
	// inKernel counts nested system calls: ticks during one are system time.
	inKernel int

	// kstack is the shadow kernel stack: named frames, outermost first,
	// pushed where the task enters the kernel, blocks or is preempted.
	kstack []string
	// chldWait is signal->wait_chldexit on a group leader: its threads
	// sleep there in wait4.
	chldWait waitQueue
	// vforkDone is completed when this vfork child exits (vfork_done).
	vforkDone *completion

	thread *arch.Thread
	fn     func(t *Task)

	// trapReq is the request block of the task's own system calls
	// (the task path); sysArgs the argument registers a handler may
	// change without touching the record strace prints.
	// taskStruct is the task's object in the task_struct cache (0 for
	// swapper, which is static as init_task is).
	taskStruct uint64
	// stack is the task's kernel stack in the vmalloc area (0 for
	// swapper's, which is static).
	stack uint64

	trapReq Request
	trapRec SyscallRecord
	sysArgs [6]uint64
	// req is the system call this task is serving (ksyscalld) or making
	// from the console (init); exit completes it with no return value.
	req *Request
	// alarm is the ITIMER_REAL timer of alarm(2), once armed.
	alarm *alarmRealTimer
	// pendingSignals is the bitmap of signals raised but not yet
	// delivered (signal delivery comes with the task issue).
	pendingSignals uint64
	// scratch is the next free byte below the top of the stack VMA for
	// data the front end places in user memory (PushUserData).
	scratch uint64
}

// Kthread reports whether t is a kernel thread (PF_KTHREAD).
func (t *Task) Kthread() bool { return t.Flags&pfKthread != 0 }

// newTask allocates a task and its thread; the thread runs fn when first
// switched to. The task is not yet runnable. Its task_struct comes from
// the task_struct cache (dup_task_struct); with no memory for it newTask
// returns nil, and fork fails with ENOMEM. It is parent's child and gets
// a copy of parent's credentials, as when parent forks it.
//
// Preconditions: the caller holds the CPU.
func (k *Kernel) newTask(comm string, parent *Task, flags uint32, fn func(t *Task)) *Task {
	return k.copyTask(comm, parent, parent, 0, flags, fn)
}

// copyTask is newTask for a task that cur creates with clone flags
// cloneFlags: its credentials come from cur (copy_creds), which with
// CLONE_PARENT or CLONE_THREAD is not its parent.
func (k *Kernel) copyTask(comm string, parent, cur *Task, cloneFlags uint64, flags uint32, fn func(t *Task)) *Task {
	var ts, stack uint64
	cred := initCred() // swapper's: init_cred
	if parent != nil {
		if ts = k.kmemCacheAlloc("task_struct", mm.GFPKernel); ts == 0 {
			return nil
		}
		// alloc_thread_stack_node with VMAP_STACK: THREAD_SIZE from the
		// vmalloc area, a guard page after it.
		var err error
		if stack, err = k.Vmalloc(threadSizeKB<<10, "kernel_clone+0x0/0x0"); err != nil {
			k.kmemCacheFree("task_struct", ts)
			return nil
		}
		if cred = k.copyCreds(cur, cloneFlags); cred == nil {
			k.Vfree(stack)
			k.kmemCacheFree("task_struct", ts)
			return nil
		}
		getCred(cred) // real_cred holds copy_creds' reference, cred this one
	}
	t := &Task{taskStruct: ts, stack: stack,
		PID: k.nextPID, Comm: truncComm(comm), Flags: flags, Parent: parent,
		Cred: cred, realCred: cred, fn: fn, State: TaskRunning, StartTime: k.clockNs(),
	}
	t.TGID = t.PID
	k.nextPID++
	t.rlim = k.initRlimits()
	if parent != nil {
		t.rlim = parent.rlim
		parent.Children = append(parent.Children, t)
		k.nrForks++ // copy_process's total_forks: kernel threads count too
	}
	t.se.Owner = t
	if k.rq != nil {
		// sched_fork: the child inherits its parent's policy and nice.
		policy, nice, rtprio := sched.Normal, 0, 0
		if parent != nil && parent != k.idle {
			policy, nice, rtprio = parent.se.Policy, parent.se.Nice(), parent.se.RTPriority
		}
		k.rq.Init(&t.se, policy, nice, rtprio)
	}
	k.tasks[t.PID] = t
	t.thread = k.cpu.NewThread(comm, t, func(*arch.Thread) {
		k.finishTaskSwitch()
		k.runTask(t)
	})
	return t
}

// kernelThread creates a kernel thread and makes it runnable
// (kernel_thread, as rest_init uses it).
func (k *Kernel) kernelThread(comm string, fn func(t *Task)) *Task {
	t := k.newTask(comm, k.current, pfKthread, fn)
	if t == nil {
		k.panic("kernel_thread: Out of memory creating " + comm)
	}
	k.wakeUpNewTask(t)
	return t
}

// runTask is the body of every task's thread: it runs the task's function
// and turns a Go panic into an Oops that kills only this task.
func (k *Kernel) runTask(t *Task) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if arch.Unwinding(r) {
			panic(r)
		}
		k.oops(t, r)
	}()
	t.fn(t)
	k.doExit(t, 0)
}

// kthreadReq is a request on kthread_create_list.
type kthreadReq struct {
	comm string
	fn   func(t *Task)
	by   *Task // the requester; nil for the front end
	task *Task
	done *completion // kthread_create_info.done
}

// kthreadCreate asks kthreadd to create a kernel thread and waits for it
// (kthread_create + wake_up_process).
//
// Preconditions: called on a task, in process context.
func (k *Kernel) kthreadCreate(comm string, fn func(t *Task)) *Task {
	t := k.current
	defer t.leave(t.enter("kthread_create_on_node", "__kthread_create_on_node", "wait_for_completion_killable"))
	req := k.requestKthread(comm, fn, t)
	k.waitForCompletion(req.done, "kthread_create: wait for kthreadd")
	return req.task
}

// requestKthread puts a request on kthread_create_list and wakes kthreadd;
// by, if not nil, is woken when the thread exists. A front end passes nil
// and runs the machine until req.task is set.
func (k *Kernel) requestKthread(comm string, fn func(t *Task), by *Task) *kthreadReq {
	req := &kthreadReq{comm: comm, fn: fn, by: by, done: newCompletion("kthread_create_info.done")}
	k.kthreadCreateList = append(k.kthreadCreateList, req)
	k.wakeUpProcess(k.kthrd)
	return req
}

// kthreadd creates the kernel threads others ask for; every such thread is
// its child (ppid 2).
func (k *Kernel) kthreadd(self *Task) {
	self.enter("ret_from_fork_asm", "ret_from_fork", "kthreadd")
	for {
		for len(k.kthreadCreateList) > 0 {
			req := k.kthreadCreateList[0]
			k.kthreadCreateList = k.kthreadCreateList[1:]
			req.task = k.newTask(req.comm, self, pfKthread, req.fn)
			if req.task == nil {
				k.panic("kthreadd: Out of memory creating " + req.comm)
			}
			req.task.exitSignal = abi.SIGCHLD // kthreadd's kernel_thread passes SIGCHLD
			k.wakeUpNewTask(req.task)
			k.complete(req.done)
		}
		k.sleepOn(TaskInterruptible, "kthreadd: nothing to create")
	}
}
