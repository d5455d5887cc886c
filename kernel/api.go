package kernel

import (
	"kplay/kernel/abi"
)

// Syscall makes a system call on the application path: the request is
// queued, IRQ_SYSCALL is raised, a ksyscalld thread runs it with the
// address space and files of the application's task (init), and the caller
// waits, running the machine, until it completes and the machine settles,
// for at most DefaultStepBudget of simulated time. It returns the call's
// record (its Ret is the value or -errno), or nil if the call is still
// pending then.
//
// Preconditions: the caller holds the CPU.
func (k *Kernel) Syscall(nr int, args ...uint64) (*SyscallRecord, RunResult) {
	return k.submit(PathApp, k.initTsk, nr, args)
}

// SyscallAs makes a system call on the task path as task pid, which must be
// init (pid 1), the REPL's shell: the request is typed into the console,
// whose interrupt wakes init; init traps in with it.
func (k *Kernel) SyscallAs(pid, nr int, args ...uint64) (*SyscallRecord, RunResult, error) {
	t := k.tasks[pid]
	if t == nil || t != k.initTsk {
		return nil, RunResult{}, errInvalid("pid %d: only init (pid 1), the console's shell, takes system calls from the front end", pid)
	}
	rec, res := k.submit(PathTask, t, nr, args)
	return rec, res, nil
}

// Queue submits a system call on a path (as init on the task path) without
// running the machine: the request waits for its interrupt to be serviced
// by the next run or step, so every stage of either path can be stepped
// through. The request's Record is set once it has run.
func (k *Kernel) Queue(path Path, nr int, args ...uint64) (*Request, error) {
	if k.halted {
		return nil, errInvalid("the machine is halted")
	}
	if path != PathApp && path != PathTask {
		return nil, errInvalid("path %q: want task or app", path)
	}
	return k.enqueue(path, k.initTsk, nr, args), nil
}

func (k *Kernel) submit(path Path, caller *Task, nr int, args []uint64) (*SyscallRecord, RunResult) {
	if k.halted {
		return nil, RunResult{Reason: StopHalted}
	}
	req := k.enqueue(path, caller, nr, args)
	res := k.Run(Stop{Done: func() bool { return req.Done }})
	if !req.Done && res.Reason != StopHalted {
		return nil, res // still pending: a later run or step completes it
	}
	return req.Record, res
}

// enqueue puts a request in the mailbox of its path and raises the line.
func (k *Kernel) enqueue(path Path, caller *Task, nr int, args []uint64) *Request {
	req := &Request{Nr: nr, NArgs: len(args), Path: path, Caller: caller}
	copy(req.Args[:], args)
	if _, known := abi.SyscallName(nr); !known {
		req.NArgs = 6 // strace prints every register of an unknown call
	}
	if path == PathApp {
		k.sysReqs = append(k.sysReqs, req)
		k.irqs.Raise(IRQSyscall)
	} else {
		k.consoleIn = append(k.consoleIn, req)
		k.irqs.Raise(IRQConsole)
	}
	return req
}

// NewSyscallThread creates one more ksyscalld thread and returns its pid.
func (k *Kernel) NewSyscallThread() (int, error) {
	if k.halted {
		return 0, errInvalid("the machine is halted")
	}
	req := k.requestKthread(sprintf("ksyscalld/%d", k.nsyscalld), k.ksyscalld, nil)
	k.nsyscalld++
	k.Run(Stop{Done: func() bool { return req.task != nil }})
	if req.task == nil {
		return 0, errInvalid("kthreadd did not create the thread")
	}
	return req.task.PID, nil
}
