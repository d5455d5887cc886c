package kernel

import "math/bits"

// CPU time accounting (kernel/sched/cputime.c, tick-based: neither
// VIRT_CPU_ACCOUNTING nor IRQ_TIME_ACCOUNTING).
//
// Each tick charges TICK_NSEC to the task it interrupted, as user or
// system time (account_process_tick), and to one of the CPU's buckets
// (struct kernel_cpustat) that /proc/stat prints: user, or nice for the
// user time of a task with nice > 0; system, or irq and softirq when the
// tick interrupted interrupt or softirq context; idle when it interrupted
// the idle task. Linux with NO_HZ reads idle time from the tick_sched
// idle clock instead (get_idle_time), since a stopped tick charges
// nothing. kplay charges every jiffy once, where jiffies advance: the
// tick charges the jiffies it brings up to date to the context it
// interrupted, and leaving NO_HZ idle charges those slept through to
// idle. So the buckets always add up to the uptime in ticks, which is
// what Linux's approximate.

// cpuUsageStat indexes kernel_cpustat.cpustat (enum cpu_usage_stat).
type cpuUsageStat int

// The buckets, in /proc/stat's column order.
const (
	cpuUser cpuUsageStat = iota
	cpuNice
	cpuSystem
	cpuSoftirq
	cpuIRQ
	cpuIdle
	cpuIowait
	cpuSteal
	cpuGuest
	cpuGuestNice
	nrCPUStats
)

// tickBucket is where account_process_tick charges a tick that
// interrupted the current context: the tick's own hardirq is not counted
// (irq_count() == HARDIRQ_OFFSET).
func (k *Kernel) tickBucket() cpuUsageStat {
	t := k.current
	switch {
	case k.hardirq > 1:
		return cpuIRQ
	case k.softirqNest > 0:
		return cpuSoftirq
	case t == k.idle:
		return cpuIdle
	case t.Kthread() || t.inKernel > 0:
		return cpuSystem
	case t.se.Nice() > 0:
		return cpuNice
	}
	return cpuUser
}

// cpuStat returns the buckets in ns as /proc/stat would read them now:
// jiffies that have passed but that no tick or idle exit has accounted
// yet (the CPU is idle with its tick stopped, or the tick is due) go to
// the context now on the CPU, as get_idle_time adds the idle period in
// progress.
func (k *Kernel) cpuStat() [nrCPUStats]int64 {
	s := k.cpustat
	if pending := (k.host.Time() - k.lastUpdate) / k.tickNs; pending > 0 {
		s[k.tickBucket()] += pending * k.tickNs
	}
	return s
}

// prevCputime is struct prev_cputime: the utime and stime last reported,
// which cputime_adjust keeps monotonic.
type prevCputime struct{ utime, stime int64 }

// taskSchedRuntime is task_sched_runtime: sum_exec_runtime, with the
// running task's time since it was last accounted.
func (k *Kernel) taskSchedRuntime(t *Task) int64 {
	r := t.se.SumExecRuntime
	if t == k.current && t != k.idle {
		if d := k.clockNs() - t.se.ExecStart; d > 0 {
			r += d
		}
	}
	return r
}

// cputimeAdjust is cputime_adjust: the tick-sampled utime and stime scaled
// so that they add up to the precise runtime, split in their ratio, and
// never going backwards from what was reported before. A task that runs
// between ticks is thus not reported as having used no CPU.
func cputimeAdjust(rtime, utime, stime int64, prev *prevCputime) (int64, int64) {
	if prev.stime+prev.utime >= rtime {
		return prev.utime, prev.stime
	}
	switch {
	case stime == 0:
		utime = rtime
	case utime == 0:
		stime = rtime
	default:
		stime = mulDiv(stime, rtime, stime+utime)
		stime = min(stime, rtime)
	}
	stime = max(stime, prev.stime)
	utime = rtime - stime
	if utime < prev.utime {
		utime = prev.utime
		stime = rtime - utime
	}
	prev.utime, prev.stime = utime, stime
	return utime, stime
}

// mulDiv is mul_u64_u64_div_u64: a*b/c without overflowing.
func mulDiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	q, _ := bits.Div64(hi, lo, uint64(c)) // a <= c: the quotient fits
	return int64(q)
}

// threadGroupCputime is thread_group_cputime_adjusted: the live threads'
// runtimes and tick samples summed, then adjusted against the group's
// prev_cputime (kept on the leader, as signal_struct keeps it).
func (k *Kernel) threadGroupCputime(t *Task) (utime, stime int64) {
	var rt, ut, st int64
	leader := t
	for _, x := range k.groupTasks(t, true) {
		rt += k.taskSchedRuntime(x)
		ut += x.Utime
		st += x.Stime
		if x.PID == x.TGID {
			leader = x
		}
	}
	return cputimeAdjust(rt, ut, st, &leader.prevCputime)
}
