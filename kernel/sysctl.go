package kernel

import (
	"strconv"
	"strings"
)

// Sysctl is one /proc/sys entry as sysctl(8) names it.
type Sysctl struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Help  string `json:"help"`
}

// sysctlEntry is a ctl_table row: an integer with its range and the
// handler that applies a write.
type sysctlEntry struct {
	name     string
	help     string
	min, max int64
	get      func(k *Kernel) int64
	set      func(k *Kernel, v int64)
	// check, if set, refuses a value that conflicts with another
	// sysctl (sched_rt_handler's runtime <= period).
	check    func(k *Kernel, v int64) bool
	checkWhy string
}

// sysctlTable is kplay's /proc/sys, in sysctl -a's (alphabetical) order.
// The CFS tunables keep their pre-5.13 sysctl names; Linux 5.13 moved them
// to /sys/kernel/debug/sched/ with the same meaning.
var sysctlTable = []sysctlEntry{
	{
		name: "kernel.panic_on_oops", help: "halt the machine on any Oops (1) or kill only the task (0)",
		min: 0, max: 1,
		get: func(k *Kernel) int64 { return int64(boolInt(k.cfg.PanicOnOops)) },
		set: func(k *Kernel, v int64) { k.cfg.PanicOnOops = v != 0 },
	},
	{
		name: "kernel.sched_latency_ns", help: "CFS targeted preemption latency: the period in which every runnable task runs once",
		min: 100_000, max: 1_000_000_000,
		get: func(k *Kernel) int64 { return k.rq.Tun.LatencyNs },
		set: func(k *Kernel, v int64) { k.rq.Tun.LatencyNs = v },
	},
	{
		name: "kernel.sched_min_granularity_ns", help: "CFS minimum slice; the period stretches to nr_running x this beyond latency/min_granularity tasks",
		min: 100_000, max: 1_000_000_000,
		get: func(k *Kernel) int64 { return k.rq.Tun.MinGranularityNs },
		set: func(k *Kernel, v int64) { k.rq.Tun.MinGranularityNs = v },
	},
	{
		name: "kernel.sched_rr_timeslice_ms", help: "SCHED_RR timeslice, kept in whole ticks; 0 or less restores the default (100 ms)",
		min: -1 << 31, max: 1<<31 - 1,
		get: func(k *Kernel) int64 { return int64(k.rq.Tun.RRTimesliceMs) },
		set: func(k *Kernel, v int64) { k.rq.SetRRTimeslice(int(v)) },
	},
	{
		name: "kernel.sched_rt_period_us", help: "RT bandwidth period: the rt class may run sched_rt_runtime_us of each",
		min: 1, max: 1<<31 - 1,
		get: func(k *Kernel) int64 { return k.rq.RT.PeriodNs / 1000 },
		set: func(k *Kernel, v int64) { k.rq.RT.SetBandwidth(k.rq.RT.RuntimeNs, v*1000) },
		check: func(k *Kernel, v int64) bool {
			return k.rq.RT.RuntimeNs < 0 || k.rq.RT.RuntimeNs <= v*1000
		},
		checkWhy: "; not below kernel.sched_rt_runtime_us",
	},
	{
		name: "kernel.sched_rt_runtime_us", help: "RT bandwidth: the rt class's runtime per period, -1 for no limit; the fair tasks get the rest",
		min: -1, max: 1<<31 - 1,
		get: func(k *Kernel) int64 {
			if k.rq.RT.RuntimeNs < 0 {
				return -1
			}
			return k.rq.RT.RuntimeNs / 1000
		},
		set: func(k *Kernel, v int64) {
			if v < 0 {
				k.rq.RT.SetBandwidth(-1, k.rq.RT.PeriodNs)
				return
			}
			k.rq.RT.SetBandwidth(v*1000, k.rq.RT.PeriodNs)
		},
		check:    func(k *Kernel, v int64) bool { return v < 0 || v*1000 <= k.rq.RT.PeriodNs },
		checkWhy: "; not above kernel.sched_rt_period_us",
	},
	{
		name: "kernel.sched_wakeup_granularity_ns", help: "CFS wakeup preemption: a woken task preempts when its vruntime leads by more than this (weighted)",
		min: 0, max: 1_000_000_000,
		get: func(k *Kernel) int64 { return k.rq.Tun.WakeupGranularity },
		set: func(k *Kernel, v int64) { k.rq.Tun.WakeupGranularity = v },
	},
	{
		name: "kernel.threads-max", help: "the most tasks fork will create (EAGAIN beyond); boot value RAM / (8 x 16 KiB)",
		min: minThreads, max: maxThreadsLimit,
		get: func(k *Kernel) int64 { return int64(k.maxThreads()) },
		set: func(k *Kernel, v int64) { k.threadsMax = int(v) },
	},
}

// normalizeSysctl accepts sysctl(8)'s two spellings: dots or slashes.
func normalizeSysctl(name string) string {
	return strings.ReplaceAll(strings.TrimPrefix(name, "/proc/sys/"), "/", ".")
}

func findSysctl(name string) (*sysctlEntry, error) {
	n := normalizeSysctl(name)
	for i := range sysctlTable {
		if sysctlTable[i].name == n {
			return &sysctlTable[i], nil
		}
	}
	return nil, errInvalid("cannot stat /proc/sys/%s: No such file or directory", strings.ReplaceAll(n, ".", "/"))
}

// Sysctls lists every sysctl with its value.
func (k *Kernel) Sysctls() []Sysctl {
	out := make([]Sysctl, 0, len(sysctlTable))
	for _, e := range sysctlTable {
		out = append(out, Sysctl{Name: e.name, Value: strconv.FormatInt(e.get(k), 10), Help: e.help})
	}
	return out
}

// GetSysctl reads one sysctl (a read of its /proc/sys file).
func (k *Kernel) GetSysctl(name string) (Sysctl, error) {
	e, err := findSysctl(name)
	if err != nil {
		return Sysctl{}, err
	}
	return Sysctl{Name: e.name, Value: strconv.FormatInt(e.get(k), 10), Help: e.help}, nil
}

// SetSysctl writes one sysctl as proc_dointvec_minmax does: an integer in
// range, or EINVAL; the entry's handler then applies it.
func (k *Kernel) SetSysctl(name, value string) (Sysctl, error) {
	e, err := findSysctl(name)
	if err != nil {
		return Sysctl{}, err
	}
	v, perr := strconv.ParseInt(strings.TrimSpace(value), 10, 64)
	if perr != nil || v < e.min || v > e.max || e.check != nil && !e.check(k, v) {
		return Sysctl{}, errInvalid("setting key %q: Invalid argument (want an integer from %d to %d%s)", e.name, e.min, e.max, e.checkWhy)
	}
	e.set(k, v)
	return k.GetSysctl(e.name)
}
