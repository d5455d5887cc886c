package kernel

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"kplay/kernel/abi"
	"kplay/kernel/prog"
	"kplay/sched"
)

// CPU time that statements take besides compute: a system call's entry and
// exit, and one iteration of a loop. Every loop thus advances the clock,
// so no program spins without time passing.
const (
	syscallCostNs = 100
	loopCostNs    = 10
)

// SpawnOptions are how a front end starts a program.
type SpawnOptions struct {
	Name   string // comm; "" means the built-in's name, or "prog"
	Nice   int    // -20..19
	Policy int    // sched.Normal, Batch, Idle, FIFO or RR
	RTPrio int    // 1-99 for FIFO and RR
	// Argv, when set, runs the file Argv[0] with these arguments as
	// execve would, and src is not read: the words keep their spaces and
	// semicolons (spawn /bin/sh -c "echo a; echo b").
	Argv []string
	// As, when set, is the user the process runs as: init's child sets
	// up its credentials as login or su would before exec (setgroups,
	// setresgid, setresuid), which needs init to have CAP_SETUID and
	// CAP_SETGID unless the ids are init's own.
	As *SpawnCreds
}

// SpawnCreds are a spawned process's user: all four uids are UID, all
// four gids GID, and Groups its supplementary groups.
type SpawnCreds struct {
	UID, GID int
	Groups   []int
}

// Spawn starts a user process running src, a program or a built-in's
// name, as the shell (init) would fork and exec it: a child of init in its
// own process group, with its own address space and init's console as fds
// 0-2. init reaps it when it exits. The process is runnable; the next run
// or step runs it. It returns the pid.
//
// Preconditions: the caller holds the CPU.
func (k *Kernel) Spawn(src string, o SpawnOptions) (int, error) {
	if k.halted {
		return 0, errInvalid("the machine is halted")
	}
	// A path runs that file, as the shell would exec it.
	if trimmed := strings.TrimSpace(src); o.Argv == nil && strings.HasPrefix(trimmed, "/") {
		o.Argv = strings.Fields(trimmed)
	}
	// The child's credentials first: exec permission is checked with them.
	// Without As the child gets a copy of init's, as fork gives.
	if o.As == nil {
		return k.spawn(src, o, nil)
	}
	cred, err := k.spawnCreds(*o.As)
	if err != nil {
		return 0, err
	}
	pid, err := k.spawn(src, o, cred)
	k.putCred(cred) // the child, if there is one, holds its own references
	return pid, err
}

// spawn is Spawn with the child's credentials, cred, prepared; nil for
// a copy of init's.
func (k *Kernel) spawn(src string, o SpawnOptions, cred *Cred) (int, error) {
	var p *prog.Program
	if len(o.Argv) > 0 {
		st := prog.Stmt{Op: prog.Exec, Name: o.Argv[0], Line: 1, Col: 1}
		for _, a := range o.Argv[1:] {
			st.Args = append(st.Args, prog.Arg{Str: a, IsStr: true})
		}
		p = &prog.Program{Body: []prog.Stmt{st}}
		// The shell's child would print this and exit 127; a front end
		// wants it at once.
		probe := &Task{Cred: k.initTsk.Cred, FS: k.initTsk.FS} // the child-to-be
		if cred != nil {
			probe.Cred = cred
		}
		if _, err := k.openExec(probe, o.Argv[0], o.Argv); err != 0 {
			return 0, &Error{Errno: err, Msg: fmt.Sprintf("%s: %s", o.Argv[0], err.Error())}
		}
		if o.Name == "" {
			o.Name = o.Argv[0][strings.LastIndexByte(o.Argv[0], '/')+1:]
		}
	} else {
		var err error
		if p, err = prog.Parse(src); err != nil {
			if first, _, _ := strings.Cut(strings.TrimSpace(src), " "); builtins[first] != nil {
				return 0, errInvalid("program %v (to run /bin/%s, give its path: spawn /bin/%s ...)", err, first, first)
			}
			return 0, errInvalid("program %v", err)
		}
	}
	if err := checkProgram(p.Body); err != nil {
		return 0, err
	}
	if err := checkSchedParams(o.Policy, o.Nice, o.RTPrio); err != nil {
		return 0, err
	}
	if k.nrThreads() >= k.maxThreads() {
		return 0, errInvalid("fork: Resource temporarily unavailable (threads-max is %d)", k.maxThreads())
	}
	name := o.Name
	if name == "" {
		name = "prog"
		if _, ok := prog.Builtins[strings.TrimSpace(src)]; ok {
			name = strings.TrimSpace(src)
		}
	}
	// The address space and fd table first, so that running out of
	// memory leaves nothing half made (copy_process's unwinding).
	as := k.newUserMM()
	if as == nil {
		return 0, errInvalid("fork: Cannot allocate memory (no mm_struct or vm_area_struct)")
	}
	var files *FilesStruct
	if k.initTsk.Files != nil {
		if files = k.dupFiles(k.initTsk.Files); files == nil {
			k.mmput(as)
			return 0, errInvalid("fork: Cannot allocate memory (no files_struct)")
		}
	}
	t := k.newTask(truncComm(name), k.initTsk, 0, nil)
	if t == nil {
		k.mmput(as)
		if files != nil {
			k.putFiles(files)
		}
		return 0, errInvalid("fork: Cannot allocate memory (the task_struct cache has no memory)")
	}
	t.fn = func(t *Task) { k.userMain(t, image{body: p.Body}, false) }
	t.Argv = []string{name}
	t.prog, t.PGID, t.reapByInit, t.exitSignal = p, t.PID, true, abi.SIGCHLD
	t.MM, t.ActiveMM, t.scratch, t.Files = as, as, stackTop, files
	t.FS = copyFS(k.initTsk.FS, false)
	if cred != nil {
		k.commitCreds(t, getCred(cred)) // as the child's setresuid would
	}
	k.rq.Init(&t.se, o.Policy, o.Nice, o.RTPrio)
	k.traceFork(k.initTsk, t)
	if k.stracing() {
		k.straceFork(k.initTsk, t) // the shell's fork, when strace -f follows init
	}
	k.wakeUpNewTask(t)
	return t.PID, nil
}

// truncComm cuts a name to TASK_COMM_LEN - 1 bytes, as set_task_comm does.
func truncComm(s string) string {
	if len(s) > 15 {
		return s[:15]
	}
	return s
}

// checkSchedParams validates a policy and its priorities as
// sched_setscheduler and setpriority do.
func checkSchedParams(policy, nice, rtprio int) error {
	switch {
	case !sched.ValidPolicy(policy):
		return errInvalid("policy %d: want normal, batch, idle, fifo or rr", policy)
	case sched.RTPolicy(policy) && (rtprio < 1 || rtprio > 99):
		return errInvalid("rtprio %d: %s wants 1-99", rtprio, sched.PolicyName(policy))
	case !sched.RTPolicy(policy) && rtprio != 0:
		return errInvalid("rtprio %d: only fifo and rr have a real-time priority", rtprio)
	case nice < sched.MinNice || nice > sched.MaxNice:
		return errInvalid("nice %d: want -20 to 19", nice)
	}
	return nil
}

// checkProgram resolves the system call names of a program before it runs.
func checkProgram(body []prog.Stmt) error {
	for _, s := range body {
		if s.Op == prog.Syscall {
			if _, ok := syscallNr(s.Name); !ok {
				return errInvalid("program %d:%d: unknown system call %q", s.Line, s.Col, s.Name)
			}
		}
		if err := checkProgram(s.Body); err != nil {
			return err
		}
	}
	return nil
}

// syscallNr reads a system call's name or number.
func syscallNr(name string) (int, bool) {
	if n, ok := abi.SyscallNumber(name); ok {
		return n, true
	}
	n, err := strconv.Atoi(name)
	return n, err == nil && n >= 0
}

// userMain is the body of a user task: it returns to user mode (as
// ret_from_fork does), runs its program, and exits; a thread's program
// ends with exit, a process's with exit_group.
func (k *Kernel) userMain(t *Task, img image, thread bool) {
	k.returnToUser(t)
	code := uint64(k.runImage(t, img))
	if thread {
		k.trap(t, int(abi.SysExit), code)
	}
	k.trap(t, int(abi.SysExitGroup), code)
}

// exec runs statements in t's user mode.
func (k *Kernel) exec(t *Task, body []prog.Stmt) {
	for _, s := range body {
		switch s.Op {
		case prog.Compute:
			k.compute(t, k.durNs(s.Dur))
		case prog.Sleep:
			var b [timespecSize]byte
			ns := k.durNs(s.Dur)
			binary.LittleEndian.PutUint64(b[0:], uint64(ns/1e9))
			binary.LittleEndian.PutUint64(b[8:], uint64(ns%1e9))
			k.trap(t, nr("nanosleep"), k.pushUser(t, b[:]), 0)
		case prog.Yield:
			k.trap(t, int(abi.SysSchedYield))
		case prog.Syscall:
			n, _ := syscallNr(s.Name)
			args := make([]uint64, len(s.Args))
			for i, a := range s.Args {
				if a.IsStr {
					args[i] = k.pushUser(t, append([]byte(a.Str), 0))
				} else {
					args[i] = uint64(a.Int)
				}
			}
			k.trap(t, n, args...)
		case prog.Fork:
			t.forkImage = image{body: s.Body}
			k.trap(t, nr("fork"))
		case prog.Exec:
			argv := []string{s.Name[strings.LastIndexByte(s.Name, '/')+1:]}
			for _, a := range s.Args {
				argv = append(argv, a.Str)
			}
			path := k.pushUser(t, append([]byte(s.Name), 0))
			k.trap(t, nr("execve"), path, k.pushArgv(t, argv), 0)
		case prog.Thread:
			t.forkImage = image{body: s.Body}
			k.trap(t, nr("clone"), threadCloneFlags, 0, 0, 0, 0)
		case prog.Wait:
			k.trap(t, nr("wait4"), ^uint64(0), k.pushUser(t, make([]byte, 4)), 0, 0)
		case prog.Exit:
			k.trap(t, int(abi.SysExitGroup), uint64(s.N))
		case prog.Alloc:
			k.userAlloc(t, s.N)
		case prog.Repeat:
			for i := int64(0); i < s.N; i++ {
				k.exec(t, s.Body)
				k.compute(t, loopCostNs)
			}
		case prog.Forever:
			for {
				k.exec(t, s.Body)
				k.compute(t, loopCostNs)
			}
		}
	}
}

// durNs converts a program duration to ns; ticks are TICK_NSEC each.
func (k *Kernel) durNs(d prog.Dur) int64 {
	if d.Ticks > 0 {
		return d.Ticks * k.tickNs
	}
	return d.Ns
}

// pushUser places data on t's stack for the next system call.
func (k *Kernel) pushUser(t *Task, data []byte) uint64 {
	addr := (t.scratch - uint64(len(data))) &^ 7
	if addr < stackTop-stackSize/2 || k.copyToUser(t, addr, data) != 0 {
		return 0 // too large: the call sees NULL and fails with EFAULT
	}
	t.scratch = addr
	return addr
}

// trap makes a system call from t's user mode (the task path: syscall
// instruction, do_syscall_64, and back to user mode).
func (k *Kernel) trap(t *Task, nr int, args ...uint64) int64 {
	k.compute(t, syscallCostNs)
	// The task's own request block: a task makes one call at a time.
	req := &t.trapReq
	*req = Request{Nr: nr, NArgs: len(args), Path: PathTask, Caller: t}
	copy(req.Args[:], args)
	t.req = req
	t.inKernel++
	ret := k.doSyscall(t, req)
	t.inKernel--
	t.req = nil
	t.scratch = stackTop
	if t.execImage != nil {
		panic(execUnwind{}) // the old program is gone: runImage starts the new one
	}
	k.returnToUser(t)
	return ret
}

// compute burns ns of CPU time in t's user mode. Time passes in quanta
// that end at the next host timer (the tick), so interrupts, preemption
// and signals happen in the middle of it, as on a real CPU.
func (k *Kernel) compute(t *Task, ns int64) {
	for {
		k.returnToUser(t)
		if ns <= 0 {
			return
		}
		now := k.host.Time()
		if now >= k.stop.deadline {
			k.parkFor(StopBudget)
			continue
		}
		got := k.host.Wait(min(now+ns, k.stop.deadline))
		ns -= got - now
	}
}

// returnToUser is the way out to user mode (exit_to_user_mode_loop):
// pending interrupts are serviced, the task is rescheduled if it must be,
// its signals are delivered, and the front end gets the CPU if its stop
// condition holds.
func (k *Kernel) returnToUser(t *Task) {
	for {
		k.deliverIRQs()
		if k.needResched {
			if k.switchWhy == "" {
				k.switchWhy = "preempted"
			}
			d := t.enter("asm_sysvec_apic_timer_interrupt", "irqentry_exit_to_user_mode", "exit_to_user_mode_loop")
			k.schedule()
			t.leave(d)
			continue
		}
		if k.stracing() {
			k.straceDeliver(t) // signal-delivery stops
		}
		if t.pendingSignals != 0 {
			k.doSignal(t)
			continue
		}
		if r := k.userStopReason(); r != "" {
			k.parkFor(r)
			continue
		}
		return
	}
}

// userStopReason is stopReason at a user-mode point: besides what stops a
// run anywhere, a run that waits to settle or for a request stops here,
// since a user task may compute for ever.
func (k *Kernel) userStopReason() string {
	if r := k.stopReason(false); r != "" {
		return r
	}
	switch {
	case k.stop.settle, k.stop.done != nil && k.stop.done():
		return StopReady
	case k.host.Time() >= k.stop.deadline:
		return StopBudget
	}
	return ""
}
