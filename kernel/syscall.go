package kernel

import (
	"kplay/consoledrv"
	"kplay/irq"
	"kplay/kernel/abi"
)

// sysFunc is a system call handler (SYSCALL_DEFINEn): it runs in the
// process context of t and returns a value or -errno.
type sysFunc func(k *Kernel, t *Task, a *[6]uint64) int64

// argKind says how strace prints an argument.
type argKind int

const (
	argInt           argKind = iota // signed decimal
	argUint                         // unsigned decimal (size_t)
	argPtr                          // hex, or NULL
	argBufOut                       // a buffer written by the call; shown as its pointer
	argBufCount                     // a buffer read by the call, of the length in the next argument
	argUtsname                      // struct new_utsname *, filled by the call
	argTimespecIn                   // const struct timespec *
	argTimespecOut                  // struct timespec *, filled on success
	argClockID                      // clockid_t
	argClockFlags                   // 0 or TIMER_ABSTIME
	argTms                          // struct tms *, filled by the call
	argSysinfo                      // struct sysinfo *, filled by the call
	argUint32                       // unsigned int
	argSignal                       // a signal number: SIGTERM
	argWaitStatus                   // int *wstatus, filled when a child is reported
	argWaitOptions                  // WNOHANG|WUNTRACED...
	argPrioWhich                    // PRIO_PROCESS, PRIO_PGRP, PRIO_USER
	argSchedPolicy                  // SCHED_FIFO...
	argSchedParamIn                 // const struct sched_param *
	argSchedParamOut                // struct sched_param *, filled by the call
	argCloneFlags                   // clone's flags, with the exit signal
	argProt                         // PROT_READ|PROT_WRITE
	argMapFlags                     // MAP_PRIVATE|MAP_ANONYMOUS
	argHex                          // an address or size strace prints in hex
)

// syscallDef is one entry of the system call table.
type syscallDef struct {
	fn   sysFunc
	args []argKind
	// noReturn calls (exit) never come back to their caller.
	noReturn bool
	// retPolicy: strace names the returned policy (sched_getscheduler).
	retPolicy bool
	// retAddr: the call returns an address, printed in hex (mmap, brk).
	retAddr bool
	// straceEntry, if set, prints the arguments instead of args (clone
	// prints them by name and not in register order).
	straceEntry func(k *Kernel, t *Task, r *SyscallRecord)
}

// syscallTable is indexed by x86-64 system call number (arch/x86/entry/
// syscalls/syscall_64.tbl). Numbers that Linux has but kplay does not
// implement return -ENOSYS; their names come from abi. It is filled in
// init because handlers reach doSyscall, which reads the table.
var syscallTable map[int]syscallDef

func init() {
	syscallTable = map[int]syscallDef{
		int(abi.SysWrite):            {fn: sysWrite, args: []argKind{argInt, argBufCount, argUint}},
		int(abi.SysSchedYield):       {fn: sysSchedYield},
		int(abi.SysGetpid):           {fn: sysGetpid},
		int(abi.SysExit):             {fn: sysExit, args: []argKind{argInt}, noReturn: true},
		int(abi.SysUname):            {fn: sysUname, args: []argKind{argUtsname}},
		int(abi.SysGetuid):           {fn: sysGetuid},
		int(abi.SysGetgid):           {fn: sysGetgid},
		int(abi.SysGeteuid):          {fn: sysGeteuid},
		int(abi.SysGetegid):          {fn: sysGetegid},
		int(abi.SysGetppid):          {fn: sysGetppid},
		int(abi.SysGettid):           {fn: sysGettid},
		int(abi.SysExitGroup):        {fn: sysExitGroup, args: []argKind{argInt}, noReturn: true},
		nr("nanosleep"):              {fn: sysNanosleep, args: []argKind{argTimespecIn, argPtr}},
		nr("clock_gettime"):          {fn: sysClockGettime, args: []argKind{argClockID, argTimespecOut}},
		nr("clock_nanosleep"):        {fn: sysClockNanosleep, args: []argKind{argClockID, argClockFlags, argTimespecIn, argPtr}},
		nr("alarm"):                  {fn: sysAlarm, args: []argKind{argUint32}},
		nr("times"):                  {fn: sysTimes, args: []argKind{argTms}},
		nr("sysinfo"):                {fn: sysSysinfo, args: []argKind{argSysinfo}},
		nr("fork"):                   {fn: sysFork},
		nr("vfork"):                  {fn: sysVfork},
		nr("clone"):                  {fn: sysClone, args: []argKind{argCloneFlags, argPtr, argPtr, argPtr, argPtr}, straceEntry: straceClone},
		nr("wait4"):                  {fn: sysWait4, args: []argKind{argInt, argWaitStatus, argWaitOptions, argPtr}},
		nr("kill"):                   {fn: sysKill, args: []argKind{argInt, argSignal}},
		nr("getpriority"):            {fn: sysGetpriority, args: []argKind{argPrioWhich, argInt}},
		nr("setpriority"):            {fn: sysSetpriority, args: []argKind{argPrioWhich, argInt, argInt}},
		nr("sched_setparam"):         {fn: sysSchedSetparam, args: []argKind{argInt, argSchedParamIn}},
		nr("sched_getparam"):         {fn: sysSchedGetparam, args: []argKind{argInt, argSchedParamOut}},
		nr("sched_setscheduler"):     {fn: sysSchedSetscheduler, args: []argKind{argInt, argSchedPolicy, argSchedParamIn}},
		nr("sched_getscheduler"):     {fn: sysSchedGetscheduler, args: []argKind{argInt}, retPolicy: true},
		nr("brk"):                    {fn: sysBrk, args: []argKind{argPtr}, retAddr: true},
		nr("mmap"):                   {fn: sysMmap, args: []argKind{argPtr, argUint, argProt, argMapFlags, argInt, argHex}, retAddr: true},
		nr("munmap"):                 {fn: sysMunmap, args: []argKind{argPtr, argUint}},
		nr("mprotect"):               {fn: sysMprotect, args: []argKind{argPtr, argUint, argProt}},
		nr("sched_get_priority_max"): {fn: sysSchedGetPriorityMax, args: []argKind{argSchedPolicy}},
		nr("sched_get_priority_min"): {fn: sysSchedGetPriorityMin, args: []argKind{argSchedPolicy}},
		nr("sched_rr_get_interval"):  {fn: sysSchedRrGetInterval, args: []argKind{argInt, argTimespecOut}},
	}
}

// nr is the number of a system call Linux has, by name.
func nr(name string) int {
	n, ok := abi.SyscallNumber(name)
	if !ok {
		panic("no system call " + name)
	}
	return n
}

// Implemented reports whether kplay implements system call nr.
func Implemented(nr int) bool { _, ok := syscallTable[nr]; return ok }

// Path is how a system call entered the kernel.
type Path string

// The two paths of DESIGN.md §4.
const (
	PathTask Path = "task" // a task on the CPU trapped in
	PathApp  Path = "app"  // IRQ_SYSCALL and ksyscalld
)

// Request is a system call asked for from outside the kernel, on either
// path. It completes when Done is set.
type Request struct {
	Nr    int
	Args  [6]uint64
	NArgs int // how many arguments the caller gave, for printing unknown calls
	Path  Path

	// Caller is the task whose address space and files the call uses: the
	// calling task on the task path, the application's task (init) on the
	// application path.
	Caller *Task

	Done   bool
	Record *SyscallRecord
}

func (r *Request) finish(ret int64, noReturn bool) {
	if r.Record == nil {
		r.Record = &SyscallRecord{Nr: r.Nr, Args: r.Args, NArgs: r.NArgs, Path: r.Path}
	}
	r.Record.Ret, r.Record.NoReturn = ret, noReturn
	r.Done = true
}

// doSyscall is the system call entry (do_syscall_64): it dispatches nr in
// t's context and takes the return path, which is a delivery point.
func (k *Kernel) doSyscall(t *Task, req *Request) int64 {
	// A task's own calls use its record block; a call made for the front
	// end gets its own, which the front end reads when the call is done.
	rec := &t.trapRec
	if req.Path != PathTask || req != &t.trapReq {
		rec = new(SyscallRecord)
	}
	*rec = SyscallRecord{Nr: req.Nr, Args: req.Args, NArgs: req.NArgs, Path: req.Path, Task: k.ref(t)}
	def, ok := lookupSyscall(req.Nr)
	rec.Name, rec.Known = abi.SyscallName(req.Nr)
	rec.entry(k, t, def, ok)
	req.Record = rec
	ret := -int64(abi.ENOSYS)
	depth := t.enter(sysEntryFrames(t, req.Nr)...)
	k.breakAtSyscallEntry(t, rec)
	if ok {
		t.sysArgs = req.Args
		ret = def.fn(k, t, &t.sysArgs)
	}
	rec.Ret = ret
	rec.exit(k, t, def, ok)
	k.emitSyscall(rec)
	// syscall_exit_to_user_mode: interrupts, then a reschedule if needed.
	k.deliverIRQs()
	if k.needResched {
		k.switchWhy = "preempted on return from " + rec.displayName()
		t.enter("syscall_exit_to_user_mode", "exit_to_user_mode_loop")
		k.schedule()
	}
	t.leave(depth)
	k.maybePark()
	return ret
}

// syscallInterrupt is IRQ_SYSCALL's handler: it hands the queued requests
// to ksyscalld and wakes one (LKL's syscall IRQ).
func (k *Kernel) syscallInterrupt(int, any) irq.Return {
	if len(k.sysReqs) == 0 {
		return irq.IRQNone
	}
	k.sysQueue = append(k.sysQueue, k.sysReqs...)
	k.sysReqs = nil
	for _, t := range k.sortedTasks() {
		if isSyscalld(t) && k.wakeUpProcess(t) {
			break
		}
	}
	k.ensureSyscalld(nil)
	return irq.IRQHandled
}

// ensureSyscalld asks kthreadd for a new ksyscalld when requests are
// queued and no ksyscalld other than dying is left: exit on the
// application path ends the thread that runs it.
func (k *Kernel) ensureSyscalld(dying *Task) {
	if len(k.sysQueue) == 0 {
		return
	}
	for _, t := range k.tasks {
		if t != dying && isSyscalld(t) {
			return
		}
	}
	k.printk(consoledrv.Info, "ksyscalld: no system call thread left, starting ksyscalld/%d", k.nsyscalld)
	k.requestKthread(sprintf("ksyscalld/%d", k.nsyscalld), k.ksyscalld, nil)
	k.nsyscalld++
}

func isSyscalld(t *Task) bool { return t.Kthread() && len(t.Comm) > 10 && t.Comm[:10] == "ksyscalld/" }

// ksyscalld runs application-path system calls in its own task context,
// with the caller's address space and files adopted for the call.
func (k *Kernel) ksyscalld(self *Task) {
	self.enter(kthreadFrames("syscall_thread")...)
	for {
		for len(k.sysQueue) > 0 {
			req := k.sysQueue[0]
			k.sysQueue = k.sysQueue[1:]
			self.req = req
			// kthread_use_mm: the caller's memory is the call's user memory.
			self.MM, self.ActiveMM, self.Files = req.Caller.MM, req.Caller.MM, req.Caller.Files
			ret := k.doSyscall(self, req)
			self.MM, self.Files = nil, nil // kthread_unuse_mm
			self.req = nil
			req.finish(ret, false)
		}
		k.sleepOn(TaskInterruptible, "no system call queued")
	}
}

// syscallArray is syscallTable as an array indexed by number, for the
// dispatch on every call; the init after the table's fills it.
var syscallArray [abi.NRSyscalls]struct {
	def syscallDef
	ok  bool
}

func init() {
	for nr, def := range syscallTable {
		if nr >= 0 && nr < abi.NRSyscalls {
			syscallArray[nr].def, syscallArray[nr].ok = def, true
		}
	}
}

// lookupSyscall is the dispatch: the handler of nr, if kplay has one.
func lookupSyscall(nr int) (syscallDef, bool) {
	if nr < 0 || nr >= abi.NRSyscalls {
		return syscallDef{}, false
	}
	e := &syscallArray[nr]
	return e.def, e.ok
}
