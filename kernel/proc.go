package kernel

import (
	"sort"
	"strconv"
	"strings"

	"kplay/irq"
)

// procFiles are the /proc files kplay generates so far besides those of
// /proc/<pid>/ (pidFiles); the procfs of the VFS issue serves them (and
// many more) through open and read.
var procFiles = map[string]func(k *Kernel) string{
	"/proc/buddyinfo":   (*Kernel).ProcBuddyinfo,
	"/proc/loadavg":     (*Kernel).ProcLoadavg,
	"/proc/meminfo":     (*Kernel).ProcMeminfo,
	"/proc/slabinfo":    (*Kernel).ProcSlabinfo,
	"/proc/zoneinfo":    (*Kernel).ProcZoneinfo,
	"/proc/stat":        (*Kernel).ProcStat,
	"/proc/timer_list":  (*Kernel).ProcTimerList,
	"/proc/vmallocinfo": (*Kernel).ProcVmallocinfo,
	"/proc/version":     (*Kernel).ProcVersion,
	"/proc/cmdline":     (*Kernel).ProcCmdline,
	"/proc/uptime":      (*Kernel).ProcUptime,
	"/proc/filesystems": (*Kernel).ProcFilesystems,
	"/proc/mounts":      (*Kernel).ProcMounts,
	"/proc/devices":     (*Kernel).ProcDevices,
	"/proc/cpuinfo":     (*Kernel).ProcCpuinfo,
	"/proc/modules":     (*Kernel).ProcModules,
	"/proc/interrupts":  (*Kernel).ProcInterrupts,
	"/proc/softirqs":    (*Kernel).ProcSoftirqs,
	"/proc/vmstat":      (*Kernel).ProcVmstat,
	// tracefs, until the VFS mounts it.
	"/sys/kernel/tracing/trace":            (*Kernel).TraceText,
	"/sys/kernel/tracing/set_event":        (*Kernel).TraceSetEventText,
	"/sys/kernel/tracing/available_events": (*Kernel).TraceAvailableEventsText,
}

// procGlobal is the generator of a /proc file that is not a task's.
func (k *Kernel) procGlobal(path string) (func(k *Kernel) string, bool) {
	if gen, ok := procFiles[path]; ok {
		return gen, true
	}
	gen, ok := k.procSysFiles()[path]
	return gen, ok
}

// ProcFiles lists the files ReadProc serves now, in order: the global ones,
// then those of every pid (pid 0, the idle task, has no directory, as in
// Linux).
func (k *Kernel) ProcFiles() []string {
	var out []string
	for n := range procFiles {
		out = append(out, n)
	}
	for n := range k.procSysFiles() {
		out = append(out, n)
	}
	sort.Strings(out)
	names := make([]string, 0, len(pidFiles))
	for n := range pidFiles {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, t := range k.sortedTasks() {
		if t == k.idle || t.State == ExitDead {
			continue
		}
		for _, n := range names {
			out = append(out, sprintf("/proc/%d/%s", t.PID, n))
		}
	}
	return out
}

// ProcEntry is one entry of a snapshot of /proc: a file and its text, or
// a symbolic link and its target.
type ProcEntry struct {
	Path   string `json:"path"` // "/proc/1/stat"
	Text   string `json:"text,omitempty"`
	Target string `json:"target,omitempty"` // a link's target; "" for a file
}

// ProcTree returns /proc as init, the task the REPL's commands run as,
// would read it now: every file ProcFiles lists with its text, then the
// symbolic links (self, and each task's cwd, root and fd/N) by path. What
// a snapshot on the host needs so that tools which read /proc (ps, free,
// vmstat) can be pointed at it.
func (k *Kernel) ProcTree() []ProcEntry {
	var out []ProcEntry
	for _, p := range k.ProcFiles() {
		if !strings.HasPrefix(p, "/proc/") {
			continue // tracefs is not /proc's
		}
		if text, err := k.ReadProc(p); err == nil {
			out = append(out, ProcEntry{Path: p, Text: text})
		}
	}
	links := k.procLinks()
	links["/proc/self"] = strconv.Itoa(k.initTsk.TGID)
	paths := make([]string, 0, len(links))
	for p := range links {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		out = append(out, ProcEntry{Path: p, Target: links[p]})
	}
	return out
}

// ReadProc returns the contents of a generated /proc file.
func (k *Kernel) ReadProc(path string) (string, error) {
	if gen, ok := k.procGlobal(path); ok {
		return gen(k), nil
	}
	if rest, ok := strings.CutPrefix(path, "/proc/"); ok {
		if pid, file, ok := strings.Cut(rest, "/"); ok {
			if pid == "self" || pid == "thread-self" {
				pid = "1" // the front end reads as init, the REPL's shell
			}
			gen, known := pidFiles[file]
			n, err := strconv.Atoi(pid)
			t := k.tasks[n]
			if known && err == nil && n > 0 && pid == strconv.Itoa(n) && t != nil && t.State != ExitDead {
				return gen(k, t), nil
			}
		}
	}
	return "", errInvalid("%s: No such file or directory (not a generated /proc file; ls /proc lists them)", path)
}

// ProcStat renders /proc/stat (fs/proc/stat.c, show_stat): the CPU time
// buckets in USER_HZ ticks, for all CPUs and for cpu0; "intr", the total
// of interrupts (irq_err_count included, as x86's arch_irq_stat adds it)
// then one count per line up to nr_irqs (kplay's descriptor table has
// irq.NrIRQs lines); context switches; the boot time in seconds since the
// epoch; forks since boot; runnable and iowait tasks; and "softirq", the
// total then the NR_SOFTIRQS counters.
func (k *Kernel) ProcStat() string {
	var b strings.Builder
	cs := k.cpuStat()
	cpu := func(name string) {
		b.WriteString(name)
		for i := cpuUser; i < nrCPUStats; i++ {
			b.WriteString(" " + strconv.FormatUint(nsToClockT(cs[i]), 10))
		}
		b.WriteString("\n")
	}
	cpu("cpu ")
	cpu("cpu0")
	descs := k.irqs.Info(true)
	sum := k.irqs.ErrCount()
	for _, d := range descs {
		sum += d.Count
	}
	b.WriteString(sprintf("intr %d", sum))
	for _, d := range descs {
		b.WriteString(" " + strconv.FormatUint(d.Count, 10))
	}
	// procs_blocked is nr_iowait: tasks asleep in io_schedule. kplay has
	// no block I/O, so none ever are.
	b.WriteString(sprintf("\nctxt %d\nbtime %d\nprocesses %d\nprocs_running %d\nprocs_blocked %d\n",
		k.cpu.Switches(), k.host.BootRealtime()/1e9, k.nrForks, k.rq.NrRunning(), 0))
	counts := k.softirqs.Counts()
	var ssum uint64
	for _, c := range counts {
		ssum += c
	}
	b.WriteString(sprintf("softirq %d", ssum))
	for i := 0; i < irq.NrSoftirqs; i++ {
		b.WriteString(" " + strconv.FormatUint(counts[i], 10))
	}
	b.WriteString("\n")
	return b.String()
}
