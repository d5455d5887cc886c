package kernel

import (
	"math/bits"
	"strings"

	"kplay/mm"
)

// The files of /proc/<pid>/, in the formats of Linux 6.6, the release
// kplay's uname claims: fs/proc/array.c (stat, status), fs/proc/base.c
// (cmdline, comm, environ, limits, schedstat, wchan) and
// kernel/sched/debug.c (sched). Where a line depends on the configuration, kplay's is that of a one-CPU x86-64 kernel with
// CONFIG_SMP, CONFIG_PID_NS, CONFIG_SECCOMP_FILTER, CONFIG_CPUSETS and
// CONFIG_SCHED_INFO, and without NUMA, NUMA balancing, hugetlbfs,
// transparent huge pages, uclamp, user shadow stacks or schedstats (the
// kernel.sched_schedstats sysctl is off by default). Fields for which
// kplay has nothing to count (page faults, ttys, sessions, guest time)
// are 0, as Linux prints them for a task without them.

// pidFiles are the files of /proc/<pid>/ kplay generates.
var pidFiles = map[string]func(k *Kernel, t *Task) string{
	"cmdline":   (*Kernel).procPidCmdline,
	"comm":      (*Kernel).procPidComm,
	"environ":   (*Kernel).procPidEnviron,
	"limits":    (*Kernel).procPidLimits,
	"maps":      (*Kernel).procPidMaps,
	"statm":     (*Kernel).procPidStatm,
	"sched":     (*Kernel).procPidSched,
	"schedstat": (*Kernel).procPidSchedstat,
	"stat":      (*Kernel).procPidStat,
	"status":    (*Kernel).procPidStatus,
	"wchan":     (*Kernel).procPidWchan,
}

// Values Linux prints for resources kplay does not limit.
const (
	rlimInfinity  = ^uint64(0) // RLIM_INFINITY
	nrOpenDefault = 64         // NR_OPEN_DEFAULT: init_files' and a small table's max_fds
	capFullSet    = 1<<41 - 1  // CAP_FULL_SET: capabilities 0-40 (CAP_LAST_CAP is CAP_CHECKPOINT_RESTORE)
)

// procTaskName is proc_task_name: the comm, with a newline and a
// backslash escaped when escape is set (status escapes, stat does not).
func procTaskName(t *Task, escape bool) string {
	if !escape {
		return t.Comm
	}
	return strings.NewReplacer("\\", "\\\\", "\n", "\\n").Replace(t.Comm)
}

// taskStateName is task_state_array[]: the state as status prints it.
func taskStateName(s TaskState) string {
	switch s {
	case TaskRunning:
		return "R (running)"
	case TaskInterruptible:
		return "S (sleeping)"
	case TaskUninterruptible:
		return "D (disk sleep)"
	case TaskStopped:
		return "T (stopped)"
	case TaskTraced:
		return "t (tracing stop)"
	case ExitDead:
		return "X (dead)"
	case ExitZombie:
		return "Z (zombie)"
	}
	return "R (running)"
}

// procPidComm is /proc/<pid>/comm (comm_show).
func (k *Kernel) procPidComm(t *Task) string { return procTaskName(t, false) + "\n" }

// ppid is the real parent's tgid, 0 for children of the idle task.
func ppid(t *Task) int {
	if t.Parent == nil {
		return 0
	}
	return t.Parent.TGID
}

// userMM is get_task_mm: the task's own address space; a kernel thread
// that borrows one (kthread_use_mm) has none.
func userMM(t *Task) *mm.AddrSpace {
	if t.Kthread() {
		return nil
	}
	return t.MM
}

// mmCounters are the sizes, in pages, that status and stat report.
type mmCounters struct {
	total, data, stack, exec uint64
}

// countMM sums an address space's areas as the mm's counters would
// (total_vm, data_vm, stack_vm, exec_vm). Every kplay area is backed when
// it is mapped, so all of it is resident, and anonymous.
func countMM(as *mm.AddrSpace) mmCounters {
	var c mmCounters
	for _, v := range as.VMAs() {
		n := (v.End - v.Start) / mm.PageSize
		c.total += n
		switch {
		case v.Flags&mm.VMExec != 0:
			c.exec += n
		case v.Name == "[stack]":
			c.stack += n
		case v.Flags&mm.VMWrite != 0:
			c.data += n
		}
	}
	return c
}

// Signal masks as stat and status print them. kplay has no user signal
// handlers and no blocking, so the ignored set is a kernel thread's (all
// of them, as ignore_signals sets) and nothing is caught or blocked.
func sigIgnored(t *Task) uint64 {
	if t.Kthread() {
		return ^uint64(0)
	}
	return 0
}

// exitCode is task->exit_code as do_task_stat reads it for the whole
// group: the group's stop signal while it is stopped.
func exitCode(t *Task) int {
	if t.groupStop && t.stopSig != 0 {
		return t.stopSig
	}
	return t.ExitCode
}

// procPidStat is /proc/<pid>/stat (do_task_stat, whole group): 52 fields
// on one line. Times are in clock ticks of USER_HZ; utime and stime are
// the group's tick samples scaled to its precise runtime (cputime_adjust).
func (k *Kernel) procPidStat(t *Task) string {
	group := k.groupTasks(t, true)
	utime, stime := k.threadGroupCputime(t)
	var cutime, cstime int64
	for _, x := range group {
		cutime += x.Cutime
		cstime += x.Cstime
	}
	wchan := 0
	if len(group) < 2 && t.State != TaskRunning {
		wchan = 1 // whether /proc/<pid>/wchan has something to say
	}
	var vsize, rss, startStack, minflt uint64
	rsslim := rlimInfinity
	as := userMM(t)
	if as != nil {
		c := countMM(as)
		vsize, rss, startStack, minflt = c.total*mm.PageSize, uint64(as.RSS), stackTop, as.Minflt
	}
	var b strings.Builder
	f := func(format string, args ...any) { b.WriteString(sprintf(format, args...)) }
	f("%d (%s) %s", t.PID, procTaskName(t, false), t.State.Letter())
	f(" %d %d %d %d %d", ppid(t), t.PGID, 0, 0, -1) // ppid pgrp session tty_nr tpgid
	f(" %d %d %d %d %d", t.Flags, minflt, 0, 0, 0)  // flags minflt cminflt majflt cmajflt
	f(" %d %d %d %d", nsToClockT(utime), nsToClockT(stime), nsToClockT(cutime), nsToClockT(cstime))
	f(" %d %d %d %d", t.se.Prio-100, t.se.Nice(), len(group), 0)   // priority nice num_threads itrealvalue
	f(" %d %d %d %d", nsToClockT(t.StartTime), vsize, rss, rsslim) // starttime vsize rss rsslim
	f(" %d %d %d %d %d", 0, 0, startStack, 0, 0)                   // startcode endcode startstack kstkesp kstkeip
	f(" %d %d %d %d", t.pendingSignals&0x7fffffff, 0, sigIgnored(t)&0x7fffffff, 0)
	f(" %d %d %d %d %d", wchan, 0, 0, t.exitSignal, 0)          // wchan nswap cnswap exit_signal processor
	f(" %d %d %d %d %d", t.se.RTPriority, t.se.Policy, 0, 0, 0) // rt_priority policy delayacct_blkio guest cguest
	f(" %d %d %d %d %d %d %d", 0, 0, 0, 0, 0, 0, 0)             // start_data ... env_end
	f(" %d\n", exitCode(t))
	return b.String()
}

// fdSize is max_fds of a task's fd table: NR_OPEN_DEFAULT until more
// descriptors are opened, then grown as expand_fdtable grows it.
func fdSize(t *Task) int {
	switch {
	case t.State == ExitZombie || t.State == ExitDead:
		return 0 // exit_files has run
	case t.Files == nil && t.Kthread():
		return nrOpenDefault // kernel threads share init_files
	case t.Files == nil:
		return 0
	case len(t.Files.fds) <= nrOpenDefault:
		return nrOpenDefault
	}
	nr := (len(t.Files.fds) - 1) / (1024 / 8)
	return (1 << bits.Len(uint(nr))) * (1024 / 8) // roundup_pow_of_two(nr + 1)
}

// sigQueued is the number of signals pending for t's user: what
// SigQ counts against RLIMIT_SIGPENDING.
func (k *Kernel) sigQueued(uid int) int {
	n := 0
	for _, x := range k.tasks {
		if x.Cred.UID == uid {
			n += bits.OnesCount64(x.pendingSignals)
		}
	}
	return n
}

// procPidStatus is /proc/<pid>/status (proc_pid_status).
func (k *Kernel) procPidStatus(t *Task) string {
	var b strings.Builder
	f := func(format string, args ...any) { b.WriteString(sprintf(format, args...)) }
	dead := t.State == ExitZombie || t.State == ExitDead
	c := t.realCred // the objective creds, as get_task_cred
	f("Name:\t%s\n", procTaskName(t, true))
	if !dead {
		umask := uint32(0o022) // init_fs's, which kernel threads use
		if t.FS != nil {
			umask = t.FS.Umask
		}
		f("Umask:\t%#04o\n", umask)
	}
	f("State:\t%s\n", taskStateName(t.State))
	f("Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n", t.TGID, t.PID, ppid(t))
	f("Uid:\t%d\t%d\t%d\t%d\n", c.UID, c.EUID, c.SUID, c.FSUID)
	f("Gid:\t%d\t%d\t%d\t%d\n", c.GID, c.EGID, c.SGID, c.FSGID)
	f("FDSize:\t%d\n", fdSize(t))
	var groups []string
	for _, g := range c.Groups() {
		groups = append(groups, sprintf("%d", g))
	}
	f("Groups:\t%s \n", strings.Join(groups, " ")) // Linux's trailing space, even with no groups
	f("NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", t.TGID, t.PID, t.PGID, 0)
	f("Kthread:\t%d\n", boolInt(t.Kthread()))
	if as := userMM(t); as != nil {
		m := countMM(as)
		kb := func(pages uint64) uint64 { return pages * mm.PageSize >> 10 }
		f("VmPeak:\t%8d kB\nVmSize:\t%8d kB\n", kb(uint64(max(as.HiwaterVM, as.TotalVM()))), kb(m.total))
		f("VmLck:\t%8d kB\nVmPin:\t%8d kB\n", 0, 0)
		f("VmHWM:\t%8d kB\nVmRSS:\t%8d kB\n", kb(uint64(as.HiwaterRSS)), kb(uint64(as.RSS)))
		f("RssAnon:\t%8d kB\nRssFile:\t%8d kB\nRssShmem:\t%8d kB\n", kb(uint64(as.RSS)), 0, 0)
		f("VmData:\t%8d kB\nVmStk:\t%8d kB\n", kb(m.data), kb(m.stack))
		f("VmExe:\t%8d kB\nVmLib:\t%8d kB\n", 0, kb(m.exec)) // no text segment: exec areas count as libraries
		f("VmPTE:\t%8d kB\nVmSwap:\t%8d kB\n", 0, 0)         // kplay has no page tables and no swap
		f("CoreDumping:\t0\n")
		f("THP_enabled:\t0\n")
		f("untag_mask:\t%#x\n", ^uint64(0)) // no LAM
	}
	f("Threads:\t%d\n", len(k.groupTasks(t, true)))
	f("SigQ:\t%d/%d\n", k.sigQueued(c.UID), k.maxThreads()/2) // RLIMIT_SIGPENDING = max_threads/2
	f("SigPnd:\t%016x\nShdPnd:\t%016x\n", t.pendingSignals, 0)
	f("SigBlk:\t%016x\nSigIgn:\t%016x\nSigCgt:\t%016x\n", 0, sigIgnored(t), 0)
	f("CapInh:\t%016x\nCapPrm:\t%016x\nCapEff:\t%016x\n", 0, c.CapPermitted(), c.CapEffective())
	f("CapBnd:\t%016x\nCapAmb:\t%016x\n", uint64(capFullSet), 0)
	f("NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n")
	// A simulated CPU does not speculate (PR_SPEC_NOT_AFFECTED).
	f("Speculation_Store_Bypass:\tnot vulnerable\n")
	f("SpeculationIndirectBranch:\tnot affected\n")
	f("Cpus_allowed:\t1\nCpus_allowed_list:\t0\n")
	f("Mems_allowed:\t1\nMems_allowed_list:\t0\n")
	f("voluntary_ctxt_switches:\t%d\n", t.Nvcsw)
	f("nonvoluntary_ctxt_switches:\t%d\n", t.Nivcsw)
	return b.String()
}

// procPidSched is /proc/<pid>/sched (proc_sched_show_task): times in ms
// with six decimals ("%-45s:%14Ld.%06ld"), counts in 21 columns. kplay
// does not track per-entity load (PELT), so the se.avg lines are 0.
func (k *Kernel) procPidSched(t *Task) string {
	var b strings.Builder
	pn := func(name string, ns int64) {
		sign := ""
		if ns < 0 {
			sign, ns = "-", -ns
		}
		b.WriteString(sprintf("%-45s:%14s.%06d\n", name, sign+sprintf("%d", ns/1e6), ns%1e6))
	}
	p := func(name string, v int64) { b.WriteString(sprintf("%-45s:%21d\n", name, v)) }
	b.WriteString(sprintf("%s (%d, #threads: %d)\n", t.Comm, t.PID, len(k.groupTasks(t, true))))
	b.WriteString(strings.Repeat("-", 67) + "\n")
	pn("se.exec_start", t.se.ExecStart)
	pn("se.vruntime", t.se.Vruntime)
	pn("se.sum_exec_runtime", t.se.SumExecRuntime)
	p("se.nr_migrations", 0) // one CPU
	p("nr_switches", int64(t.Nvcsw+t.Nivcsw))
	p("nr_voluntary_switches", int64(t.Nvcsw))
	p("nr_involuntary_switches", int64(t.Nivcsw))
	p("se.load.weight", t.se.Weight<<10) // scale_load: SCHED_FIXEDPOINT_SHIFT on 64-bit
	for _, name := range []string{"load_sum", "runnable_sum", "util_sum", "load_avg",
		"runnable_avg", "util_avg", "last_update_time", "util_est.ewma", "util_est.enqueued"} {
		p("se.avg."+name, 0)
	}
	p("policy", int64(t.se.Policy))
	p("prio", int64(t.se.Prio))
	t0 := k.host.Time()
	t1 := k.host.Time()
	p("clock-delta", t1-t0) // two reads of cpu_clock
	return b.String()
}

// procPidSchedstat is /proc/<pid>/schedstat (proc_pid_schedstat): time on
// the CPU, time waiting for it (both ns), and times picked to run.
func (k *Kernel) procPidSchedstat(t *Task) string {
	return sprintf("%d %d %d\n", t.se.SumExecRuntime, t.se.RunDelay, t.se.Pcount)
}

// procPidMaps is /proc/<pid>/maps (fs/proc/task_mmu.c, show_map_vma): one
// line per VMA, "start-end perms offset dev inode", then the name padded
// to column 73. kplay's areas are anonymous and private.
func (k *Kernel) procPidMaps(t *Task) string {
	as := userMM(t)
	if as == nil {
		return "" // a kernel thread has no mm: the file is empty
	}
	var b strings.Builder
	for _, v := range as.VMAs() {
		line := sprintf("%08x-%08x %s %08x %02x:%02x %d ", v.Start, v.End, vmaPerms(v), 0, 0, 0, 0)
		if v.Name != "" {
			line = sprintf("%-72s %s", strings.TrimSuffix(line, " "), v.Name)
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// vmaPerms is the rwxp/rwxs column of /proc/<pid>/maps.
func vmaPerms(v *mm.VMA) string {
	perm := []byte("---p")
	for i, f := range []int{mm.VMRead, mm.VMWrite, mm.VMExec} {
		if v.Flags&f != 0 {
			perm[i] = "rwx"[i]
		}
	}
	if v.Flags&mm.VMShared != 0 {
		perm[3] = 's'
	}
	return string(perm)
}

// procPidStatm is /proc/<pid>/statm (proc_pid_statm), in pages: size,
// resident, shared, text, lib (always 0), data (data and stack areas),
// dt (always 0).
func (k *Kernel) procPidStatm(t *Task) string {
	as := userMM(t)
	if as == nil {
		return "0 0 0 0 0 0 0\n"
	}
	c := countMM(as)
	return sprintf("%d %d %d %d %d %d %d\n", c.total, as.RSS, 0, 0, 0, c.data+c.stack, 0)
}

// procPidCmdline is /proc/<pid>/cmdline (get_mm_cmdline): the argument
// strings, each ended by a NUL. A kernel thread, or a zombie whose mm is
// gone, has none: the file is empty.
func (k *Kernel) procPidCmdline(t *Task) string {
	as := userMM(t)
	if as == nil || t.State == ExitZombie || t.State == ExitDead {
		return ""
	}
	var b strings.Builder
	for _, a := range t.Argv {
		b.WriteString(a + "\x00")
	}
	return b.String()
}

// procPidEnviron is /proc/<pid>/environ (environ_read): the environment
// strings execve placed. kplay's programs get none, so it is empty.
func (k *Kernel) procPidEnviron(*Task) string { return "" }

// limitNames are lnames[] of fs/proc/base.c: each limit's name and unit
// (none for the nice and realtime priorities), by RLIMIT_ number.
var limitNames = [rlimNLimits]struct{ name, unit string }{
	rlimitCPU:        {"Max cpu time", "seconds"},
	rlimitFsize:      {"Max file size", "bytes"},
	rlimitData:       {"Max data size", "bytes"},
	rlimitStack:      {"Max stack size", "bytes"},
	rlimitCore:       {"Max core file size", "bytes"},
	rlimitRSS:        {"Max resident set", "bytes"},
	rlimitNproc:      {"Max processes", "processes"},
	rlimitNofile:     {"Max open files", "files"},
	rlimitMemlock:    {"Max locked memory", "bytes"},
	rlimitAS:         {"Max address space", "bytes"},
	rlimitLocks:      {"Max file locks", "locks"},
	rlimitSigpending: {"Max pending signals", "signals"},
	rlimitMsgqueue:   {"Max msgqueue size", "bytes"},
	rlimitNice:       {"Max nice priority", ""},
	rlimitRtprio:     {"Max realtime priority", ""},
	rlimitRttime:     {"Max realtime timeout", "us"},
}

// procPidLimits is /proc/<pid>/limits (proc_pid_limits): a header, then
// per limit "%-25s %-20s %-20s " of the name, soft and hard limit
// ("unlimited" for RLIM_INFINITY), and the unit as "%-10s" if it has one.
func (k *Kernel) procPidLimits(t *Task) string {
	var b strings.Builder
	b.WriteString(sprintf("%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units"))
	val := func(v uint64) string {
		if v == rlimInfinity {
			return "unlimited"
		}
		return sprintf("%d", v)
	}
	for i, l := range limitNames {
		r := t.rlim[i]
		b.WriteString(sprintf("%-25s %-20s %-20s ", l.name, val(r.cur), val(r.max)))
		if l.unit != "" {
			b.WriteString(sprintf("%-10s", l.unit))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// schedFunctions are the frames of kplay's shadow stacks that Linux marks
// __sched (in_sched_functions): get_wchan skips them to name what the
// task waits in.
var schedFunctions = map[string]bool{
	"schedule": true, "__schedule": true, "schedule_timeout": true,
	"schedule_timeout_uninterruptible": true, "schedule_preempt_disabled": true,
	"preempt_schedule": true, "preempt_schedule_common": true, "preempt_schedule_irq": true,
	"__cond_resched": true, "do_nanosleep": true, "down": true, "down_interruptible": true,
	"__down_common": true, "mutex_lock": true, "__mutex_lock": true,
	"wait_for_completion_killable": true,
}

// procPidWchan is /proc/<pid>/wchan (proc_pid_wchan): for a task asleep
// and off the run queue, the innermost function on its kernel stack that
// is not a scheduler function (get_wchan); otherwise "0". No newline.
func (k *Kernel) procPidWchan(t *Task) string {
	if t.State == TaskRunning || t.se.OnRQ() || t == k.current {
		return "0"
	}
	for i := len(t.kstack) - 1; i >= 0; i-- {
		if !schedFunctions[t.kstack[i]] {
			return t.kstack[i]
		}
	}
	return "0"
}
