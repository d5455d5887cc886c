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
	argUID                          // uid_t or gid_t: -1, or unsigned decimal
	argUIDOut                       // uid_t * or gid_t *, filled by the call: [1000]
	argGroupsIn                     // const gid_t list[], of the length in the previous argument
	argGroupsOut                    // gid_t list[], filled by the call with as many as it returns
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
	// exitFrom, if set, is the first argument strace prints at exit
	// rather than entry, where the kinds do not say it (nanosleep's rem,
	// which strace decodes once the call has slept; see straceSplit).
	// sepAtExit: the ", " before those arguments is printed at exit too
	// (clone's decoder), not at entry.
	exitFrom  int
	sepAtExit bool
	// straceExit, if set, decodes what the call returned after the
	// per-argument decoding (fcntl's flags, ioctl's struct).
	straceExit func(k *Kernel, t *Task, r *SyscallRecord)
	// retOctal: strace prints the value in octal (umask).
	retOctal bool
	// proto is the C signature its manual page (section 2) gives.
	proto string
}

// syscallTable is indexed by x86-64 system call number (arch/x86/entry/
// syscalls/syscall_64.tbl). Numbers that Linux has but kplay does not
// implement return -ENOSYS; their names come from abi. Each file that
// implements calls adds them in its init with addSyscalls (init, because
// handlers reach doSyscall, which reads the table).
var syscallTable = map[int]syscallDef{}

// addSyscalls puts implemented calls, by Linux name, in the table.
func addSyscalls(defs map[string]syscallDef) {
	for name, def := range defs {
		n := nr(name)
		if _, dup := syscallTable[n]; dup {
			panic("system call " + name + " defined twice")
		}
		syscallTable[n] = def
		syscallArray[n].def, syscallArray[n].ok = def, true
	}
}

func init() {
	addSyscalls(map[string]syscallDef{
		"sched_yield": {fn: sysSchedYield,
			proto: "int sched_yield(void);"},
		"getpid": {fn: sysGetpid,
			proto: "pid_t getpid(void);"},
		"exit": {fn: sysExit, args: []argKind{argInt}, noReturn: true,
			proto: "[[noreturn]] void _exit(int status);"},
		"uname": {fn: sysUname, args: []argKind{argUtsname},
			proto: "int uname(struct utsname *buf);"},
		"getuid": {fn: sysGetuid,
			proto: "uid_t getuid(void);"},
		"getgid": {fn: sysGetgid,
			proto: "gid_t getgid(void);"},
		"geteuid": {fn: sysGeteuid,
			proto: "uid_t geteuid(void);"},
		"getegid": {fn: sysGetegid,
			proto: "gid_t getegid(void);"},
		"getppid": {fn: sysGetppid,
			proto: "pid_t getppid(void);"},
		"gettid": {fn: sysGettid,
			proto: "pid_t gettid(void);"},
		"exit_group": {fn: sysExitGroup, args: []argKind{argInt}, noReturn: true,
			proto: "[[noreturn]] void syscall(SYS_exit_group, int status);"},
		"nanosleep": {fn: sysNanosleep, args: []argKind{argTimespecIn, argPtr}, exitFrom: 1,
			proto: "int nanosleep(const struct timespec *req, struct timespec *_Nullable rem);"},
		"clock_gettime": {fn: sysClockGettime, args: []argKind{argClockID, argTimespecOut},
			proto: "int clock_gettime(clockid_t clockid, struct timespec *tp);"},
		"clock_nanosleep": {fn: sysClockNanosleep, args: []argKind{argClockID, argClockFlags, argTimespecIn, argPtr}, exitFrom: 3,
			proto: "int clock_nanosleep(clockid_t clockid, int flags, const struct timespec *request, struct timespec *_Nullable remain);"},
		"alarm": {fn: sysAlarm, args: []argKind{argUint32},
			proto: "unsigned int alarm(unsigned int seconds);"},
		"times": {fn: sysTimes, args: []argKind{argTms},
			proto: "clock_t times(struct tms *buf);"},
		"sysinfo": {fn: sysSysinfo, args: []argKind{argSysinfo},
			proto: "int sysinfo(struct sysinfo *info);"},
		"fork": {fn: sysFork,
			proto: "pid_t fork(void);"},
		"vfork": {fn: sysVfork,
			proto: "pid_t vfork(void);"},
		"clone": {fn: sysClone, args: []argKind{argCloneFlags, argPtr, argPtr, argPtr, argPtr}, straceEntry: straceClone, exitFrom: 2, sepAtExit: true,
			proto: "long syscall(SYS_clone, unsigned long flags, void *stack, int *parent_tid, int *child_tid, unsigned long tls);"},
		"wait4": {fn: sysWait4, args: []argKind{argInt, argWaitStatus, argWaitOptions, argPtr},
			proto: "pid_t wait4(pid_t pid, int *_Nullable wstatus, int options, struct rusage *_Nullable rusage);"},
		"kill": {fn: sysKill, args: []argKind{argInt, argSignal},
			proto: "int kill(pid_t pid, int sig);"},
		"getpriority": {fn: sysGetpriority, args: []argKind{argPrioWhich, argInt},
			proto: "int getpriority(int which, id_t who);"},
		"setpriority": {fn: sysSetpriority, args: []argKind{argPrioWhich, argInt, argInt},
			proto: "int setpriority(int which, id_t who, int prio);"},
		"sched_setparam": {fn: sysSchedSetparam, args: []argKind{argInt, argSchedParamIn},
			proto: "int sched_setparam(pid_t pid, const struct sched_param *param);"},
		"sched_getparam": {fn: sysSchedGetparam, args: []argKind{argInt, argSchedParamOut},
			proto: "int sched_getparam(pid_t pid, struct sched_param *param);"},
		"sched_setscheduler": {fn: sysSchedSetscheduler, args: []argKind{argInt, argSchedPolicy, argSchedParamIn},
			proto: "int sched_setscheduler(pid_t pid, int policy, const struct sched_param *param);"},
		"sched_getscheduler": {fn: sysSchedGetscheduler, args: []argKind{argInt}, retPolicy: true,
			proto: "int sched_getscheduler(pid_t pid);"},
		"brk": {fn: sysBrk, args: []argKind{argPtr}, retAddr: true,
			proto: "int brk(void *addr);"},
		"mmap": {fn: sysMmap, args: []argKind{argPtr, argUint, argProt, argMapFlags, argInt, argHex}, retAddr: true,
			proto: "void *mmap(void addr[.length], size_t length, int prot, int flags, int fd, off_t offset);"},
		"munmap": {fn: sysMunmap, args: []argKind{argPtr, argUint},
			proto: "int munmap(void addr[.length], size_t length);"},
		"mprotect": {fn: sysMprotect, args: []argKind{argPtr, argUint, argProt},
			proto: "int mprotect(void addr[.len], size_t len, int prot);"},
		"sched_get_priority_max": {fn: sysSchedGetPriorityMax, args: []argKind{argSchedPolicy},
			proto: "int sched_get_priority_max(int policy);"},
		"sched_get_priority_min": {fn: sysSchedGetPriorityMin, args: []argKind{argSchedPolicy},
			proto: "int sched_get_priority_min(int policy);"},
		"sched_rr_get_interval": {fn: sysSchedRrGetInterval, args: []argKind{argInt, argTimespecOut},
			proto: "int sched_rr_get_interval(pid_t pid, struct timespec *tp);"},
	})
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
	// syscall_trace_enter: the sys_enter tracepoint, then the tracer's
	// syscall-entry stop.
	k.traceSysEnter(req)
	if k.stracing() {
		k.straceEnter(t, rec, def, ok)
	}
	k.breakAtSyscallEntry(t, rec)
	if ok {
		t.sysArgs = req.Args
		ret = def.fn(k, t, &t.sysArgs)
	}
	rec.Ret = ret
	rec.exit(k, t, def, ok)
	// syscall_exit_work: sys_exit, then the syscall-exit stop.
	k.traceSysExit(req.Nr, ret)
	if k.stracing() {
		k.straceExit(t, rec)
	}
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
			self.MM, self.ActiveMM, self.Files, self.FS = req.Caller.MM, req.Caller.MM, req.Caller.Files, req.Caller.FS
			// The call acts with the caller's credentials and limits.
			cred := self.Cred
			self.Cred, self.rlim = req.Caller.Cred, req.Caller.rlim
			ret := k.doSyscall(self, req)
			self.MM, self.Files, self.FS, self.Cred = nil, nil, nil, cred // kthread_unuse_mm
			self.req = nil
			req.finish(ret, false)
		}
		k.sleepOn(TaskInterruptible, "no system call queued")
	}
}

// syscallArray is syscallTable as an array indexed by number, for the
// dispatch on every call.
var syscallArray [abi.NRSyscalls]struct {
	def syscallDef
	ok  bool
}

// lookupSyscall is the dispatch: the handler of nr, if kplay has one.
func lookupSyscall(nr int) (syscallDef, bool) {
	if nr < 0 || nr >= abi.NRSyscalls {
		return syscallDef{}, false
	}
	e := &syscallArray[nr]
	return e.def, e.ok
}
