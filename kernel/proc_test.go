package kernel

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"kplay/irq"
	"kplay/kernel/abi"
	"kplay/kernel/host"
	"kplay/timers"
)

func readProc(t *testing.T, k *Kernel, path string) string {
	t.Helper()
	s, err := k.ReadProc(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(s, "\n") {
		t.Fatalf("%s does not end in a newline: %q", path, s)
	}
	return s
}

// statFields splits /proc/<pid>/stat as procps does: the comm is between
// the first "(" and the last ")", and may hold spaces.
func statFields(t *testing.T, line string) (comm string, f []string) {
	t.Helper()
	open, closing := strings.IndexByte(line, '('), strings.LastIndexByte(line, ')')
	if open < 0 || closing < open {
		t.Fatalf("no (comm) in %q", line)
	}
	f = append([]string{strings.TrimSpace(line[:open]), ""}, strings.Fields(line[closing+1:])...)
	if len(f) != 52 {
		t.Fatalf("%d fields, want 52: %q", len(f), line)
	}
	return line[open+1 : closing], f
}

// field returns stat field n, numbered from 1 as in proc(5).
func field(t *testing.T, f []string, n int) int64 {
	t.Helper()
	v, err := strconv.ParseInt(f[n-1], 10, 64)
	if err != nil {
		u, err2 := strconv.ParseUint(f[n-1], 10, 64)
		if err2 != nil {
			t.Fatalf("field %d %q: %v", n, f[n-1], err)
		}
		return int64(u)
	}
	return v
}

func TestProcPidStatOfCPUHogAndKernelThread(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	k.Run(Stop{For: 2e9})
	hog := spawn(t, k, "cpu-hog", SpawnOptions{Nice: 5})
	k.Run(Stop{For: 3e9})

	comm, f := statFields(t, readProc(t, k, fmt.Sprintf("/proc/%d/stat", hog)))
	ti, _ := k.Task(hog)
	want := map[int]int64{
		1: int64(hog), 4: 1, 5: int64(hog), 6: 0, 7: 0, 8: -1, // pid ppid pgrp session tty_nr tpgid
		10: 0, 12: 0, 16: 0, 17: 0, // no faults, no children waited for
		18: 25, 19: 5, 20: 1, 21: 0, // priority (prio - 100), nice, num_threads, itrealvalue
		22: 200,              // started 2 s after boot, in USER_HZ ticks
		23: 128 << 10, 24: 0, // vsize (the 128 KiB stack); rss 0: a hog touches no page (demand paging)
		35: 0, 38: abi.SIGCHLD, 39: 0, 40: 0, 41: 0, 52: 0, // wchan exit_signal processor rt_priority policy exit_code
	}
	if comm != "cpu-hog" || f[2] != "R" {
		t.Fatalf("comm %q state %q", comm, f[2])
	}
	for n, v := range want {
		if got := field(t, f, n); got != v {
			t.Errorf("hog field %d = %d, want %d", n, got, v)
		}
	}
	// utime + stime is the runtime (cputime_adjust), all of it user time.
	if ut, st := field(t, f, 14), field(t, f, 15); ut != ti.SumExecNs/1e7 || st != 0 || ut != 300 {
		t.Errorf("utime %d stime %d, runtime %d ns", ut, st, ti.SumExecNs)
	}
	if uint64(field(t, f, 25)) != ^uint64(0) {
		t.Errorf("rsslim %s, want RLIM_INFINITY", f[24])
	}

	// ksoftirqd/0 (pid 3), a child of kthreadd: no mm, every signal
	// ignored, asleep.
	comm, f = statFields(t, readProc(t, k, "/proc/3/stat"))
	if comm != "ksoftirqd/0" || f[2] != "S" {
		t.Fatalf("comm %q state %q", comm, f[2])
	}
	kwant := map[int]int64{
		4: 2, 5: 0, 6: 0, 9: pfKthread, 18: 20, 19: 0, 20: 1, 22: 0,
		23: 0, 24: 0, 26: 0, 27: 0, 28: 0, 34: 0, 33: 0x7fffffff, 35: 1, 38: abi.SIGCHLD, 41: 0,
	}
	for n, v := range kwant {
		if got := field(t, f, n); got != v {
			t.Errorf("ksoftirqd field %d = %d, want %d", n, got, v)
		}
	}
	// kthreadd itself was made by kernel_thread without SIGCHLD.
	if _, f = statFields(t, readProc(t, k, "/proc/2/stat")); f[37] != "0" || f[3] != "0" {
		t.Errorf("kthreadd exit_signal %s ppid %s, want 0 0", f[37], f[3])
	}
}

func TestProcPidStatOfZombieHasItsExitCode(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	parent := spawn(t, k, "fork { exit 3 }\nsleep 10s", SpawnOptions{Name: "parent"})
	k.Run(Stop{For: 1e9})
	child := parent + 1
	_, f := statFields(t, readProc(t, k, fmt.Sprintf("/proc/%d/stat", child)))
	if f[2] != "Z" || field(t, f, 4) != int64(parent) || field(t, f, 52) != 3<<8 || field(t, f, 23) != 0 {
		t.Fatalf("zombie: state %s ppid %s vsize %s exit_code %s", f[2], f[3], f[22], f[51])
	}
	st := readProc(t, k, fmt.Sprintf("/proc/%d/status", child))
	if !strings.Contains(st, "State:\tZ (zombie)\n") || strings.Contains(st, "Umask:") || strings.Contains(st, "VmSize:") {
		t.Fatalf("zombie status:\n%s", st)
	}
}

// statusKeys66 are the keys of /proc/<pid>/status in Linux 6.6 for a task
// with an mm, on kplay's configuration (proc_pid_status: task_state,
// task_mem and its companions, task_sig, task_cap, task_seccomp,
// task_cpus_allowed, cpuset_task_status_allowed,
// task_context_switch_counts).
var statusKeys66 = strings.Fields(`Name Umask State Tgid Ngid Pid PPid TracerPid Uid Gid FDSize Groups
	NStgid NSpid NSpgid NSsid Kthread
	VmPeak VmSize VmLck VmPin VmHWM VmRSS RssAnon RssFile RssShmem VmData VmStk VmExe VmLib VmPTE VmSwap
	CoreDumping THP_enabled untag_mask
	Threads SigQ SigPnd ShdPnd SigBlk SigIgn SigCgt CapInh CapPrm CapEff CapBnd CapAmb
	NoNewPrivs Seccomp Seccomp_filters Speculation_Store_Bypass SpeculationIndirectBranch
	Cpus_allowed Cpus_allowed_list Mems_allowed Mems_allowed_list
	voluntary_ctxt_switches nonvoluntary_ctxt_switches`)

func statusMap(t *testing.T, s string) (keys []string, m map[string]string) {
	t.Helper()
	m = map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		key, val, ok := strings.Cut(line, ":\t")
		if !ok {
			t.Fatalf("line %q is not Key:<tab>value", line)
		}
		keys = append(keys, key)
		m[key] = val
	}
	return keys, m
}

func TestProcPidStatusKeysAreLinux66s(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	hog := spawn(t, k, "cpu-hog", SpawnOptions{})
	k.Run(Stop{For: 1e9})
	keys, m := statusMap(t, readProc(t, k, fmt.Sprintf("/proc/%d/status", hog)))
	if strings.Join(keys, " ") != strings.Join(statusKeys66, " ") {
		t.Fatalf("keys\n%v\nwant\n%v", keys, statusKeys66)
	}
	for key, want := range map[string]string{
		"Name": "cpu-hog", "State": "R (running)", "Tgid": strconv.Itoa(hog), "PPid": "1",
		"Uid": "0\t0\t0\t0", "Groups": " ", "Kthread": "0", "VmStk": "     128 kB", "Threads": "1",
		"SigQ": "0/256", "CapEff": "000001ffffffffff", "Cpus_allowed_list": "0", "voluntary_ctxt_switches": "0",
	} {
		if m[key] != want {
			t.Errorf("%s: %q, want %q", key, m[key], want)
		}
	}
	// A kernel thread has no mm: none of task_mem's lines.
	keys, m = statusMap(t, readProc(t, k, "/proc/2/status"))
	var noMM []string
	for _, key := range statusKeys66 {
		if !strings.HasPrefix(key, "Vm") && !strings.HasPrefix(key, "Rss") &&
			key != "CoreDumping" && key != "THP_enabled" && key != "untag_mask" {
			noMM = append(noMM, key)
		}
	}
	if strings.Join(keys, " ") != strings.Join(noMM, " ") {
		t.Fatalf("kthreadd keys\n%v\nwant\n%v", keys, noMM)
	}
	if m["Kthread"] != "1" || m["SigIgn"] != "ffffffffffffffff" || m["State"] != "S (sleeping)" || m["FDSize"] != "64" {
		t.Fatalf("kthreadd: %v", m)
	}
}

func TestProcPidSchedLinesHaveDebugCsWidths(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	hog := spawn(t, k, "cpu-hog", SpawnOptions{Nice: -5})
	k.Run(Stop{For: 1e9})
	lines := strings.Split(strings.TrimSuffix(readProc(t, k, fmt.Sprintf("/proc/%d/sched", hog)), "\n"), "\n")
	if want := fmt.Sprintf("cpu-hog (%d, #threads: 1)", hog); lines[0] != want {
		t.Fatalf("header %q, want %q", lines[0], want)
	}
	if lines[1] != strings.Repeat("-", 67) {
		t.Fatalf("rule %q", lines[1])
	}
	names := strings.Fields(`se.exec_start se.vruntime se.sum_exec_runtime se.nr_migrations
		nr_switches nr_voluntary_switches nr_involuntary_switches se.load.weight
		se.avg.load_sum se.avg.runnable_sum se.avg.util_sum se.avg.load_avg se.avg.runnable_avg
		se.avg.util_avg se.avg.last_update_time se.avg.util_est.ewma se.avg.util_est.enqueued
		policy prio clock-delta`)
	if len(lines) != 2+len(names) {
		t.Fatalf("%d lines, want %d", len(lines), 2+len(names))
	}
	ns := regexp.MustCompile(`^(\S+) +: +(-?\d+)\.(\d{6})$`) // "%-45s:%14Ld.%06ld"
	count := regexp.MustCompile(`^(\S+) +: +(-?\d+)$`)       // "%-45s:%21Ld"
	vals := map[string]string{}
	for i, name := range names {
		l := lines[2+i]
		if len(l) != 67 || l[45] != ':' || strings.TrimRight(l[:45], " ") != name {
			t.Errorf("line %q: want %q padded to 45, a colon, 21 columns", l, name)
			continue
		}
		re := count
		if i < 3 {
			re = ns
		}
		m := re.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("line %q does not match %s", l, re)
			continue
		}
		vals[name] = m[2]
	}
	ti, _ := k.Task(hog)
	if vals["se.load.weight"] != "3195904" || vals["prio"] != "115" || vals["policy"] != "0" ||
		vals["se.sum_exec_runtime"] != strconv.FormatInt(ti.SumExecNs/1e6, 10) {
		t.Fatalf("values %v", vals)
	}
	// schedstat: runtime, wait, and times picked.
	ss := strings.Fields(readProc(t, k, fmt.Sprintf("/proc/%d/schedstat", hog)))
	if len(ss) != 3 || ss[0] != strconv.FormatInt(ti.SumExecNs, 10) {
		t.Fatalf("schedstat %v, runtime %d", ss, ti.SumExecNs)
	}
	if got := readProc(t, k, fmt.Sprintf("/proc/%d/comm", hog)); got != "cpu-hog\n" {
		t.Fatalf("comm %q", got)
	}
}

// procStat parses /proc/stat into its lines' fields.
func procStat(t *testing.T, k *Kernel) (names []string, m map[string][]uint64) {
	t.Helper()
	m = map[string][]uint64{}
	for _, line := range strings.Split(strings.TrimSuffix(readProc(t, k, "/proc/stat"), "\n"), "\n") {
		f := strings.Fields(line)
		names = append(names, f[0])
		for _, s := range f[1:] {
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			m[f[0]] = append(m[f[0]], v)
		}
	}
	return names, m
}

func sum(v []uint64) (s uint64) {
	for _, x := range v {
		s += x
	}
	return s
}

func TestProcStatCPUTimeAddsUpToUptime(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	check := func(when string) map[string][]uint64 {
		t.Helper()
		names, m := procStat(t, k)
		want := "cpu cpu0 intr ctxt btime processes procs_running procs_blocked softirq"
		if strings.Join(names, " ") != want {
			t.Fatalf("%s: lines %v, want %s", when, names, want)
		}
		if len(m["cpu"]) != 10 || fmt.Sprint(m["cpu"]) != fmt.Sprint(m["cpu0"]) {
			t.Fatalf("%s: cpu %v cpu0 %v", when, m["cpu"], m["cpu0"])
		}
		if up := uint64(k.clockNs() / 1e7); sum(m["cpu"]) != up {
			t.Fatalf("%s: cpu %v adds up to %d ticks, uptime is %d", when, m["cpu"], sum(m["cpu"]), up)
		}
		if len(m["intr"]) != 1+irq.NrIRQs || m["intr"][0] != sum(m["intr"][1:]) {
			t.Fatalf("%s: intr %v", when, m["intr"])
		}
		if len(m["softirq"]) != 1+irq.NrSoftirqs || m["softirq"][0] != sum(m["softirq"][1:]) {
			t.Fatalf("%s: softirq %v", when, m["softirq"])
		}
		if m["btime"][0] != uint64(host.VirtualEpoch/1e9) {
			t.Fatalf("%s: btime %v", when, m["btime"])
		}
		return m
	}
	m := check("after boot")
	forks := m["processes"][0]
	if forks != uint64(len(k.tasks)-1) {
		t.Fatalf("processes %d, want one fork per task but the idle task (%d)", forks, len(k.tasks)-1)
	}
	k.Run(Stop{For: 10e9 + 3e6}) // idle, NO_HZ, and not on a tick boundary
	m = check("after 10 s idle")
	if m["cpu"][cpuIdle] < 999 {
		t.Fatalf("idle %d ticks after 10 s idle", m["cpu"][cpuIdle])
	}
	a := spawn(t, k, "cpu-hog", SpawnOptions{})
	b := spawn(t, k, "cpu-hog", SpawnOptions{Nice: 5})
	k.Run(Stop{For: 20e9})
	m = check("after 20 s of two hogs")
	if m["processes"][0] != forks+2 || m["procs_running"][0] != 2 || m["intr"][1+IRQTimer] < 2000 {
		t.Fatalf("processes %v procs_running %v intr %v", m["processes"], m["procs_running"], m["intr"])
	}
	ta, _ := k.Task(a)
	tb, _ := k.Task(b)
	if m["cpu"][cpuUser] != uint64(ta.UtimeNs/1e7) || m["cpu"][cpuNice] != uint64(tb.UtimeNs/1e7) {
		t.Fatalf("user %d nice %d, hogs' utime %d and %d ns", m["cpu"][cpuUser], m["cpu"][cpuNice], ta.UtimeNs, tb.UtimeNs)
	}
	if err := k.Kill(a, abi.SIGKILL); err != nil {
		t.Fatal(err)
	}
	k.Kill(b, abi.SIGKILL)
	k.Run(Stop{For: 30e9 + 7e6})
	check("after the hogs died and 30 s idle")
}

func TestProcPathsThatDoNotExist(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	for _, p := range []string{"/proc/abc/stat", "/proc/99999/status", "/proc/0/stat", "/proc/1/nope",
		"/proc/", "/proc/1", "/proc/1/stat/x", "/proc/-1/stat", "/proc/+1/stat", "/proc/01/stat", "", "stat"} {
		if s, err := k.ReadProc(p); err == nil || !strings.Contains(err.Error(), "No such file or directory") {
			t.Errorf("%q: %q, %v", p, s, err)
		}
	}
	for _, p := range k.ProcFiles() {
		// Empty is a kernel thread's maps; cmdline (NUL-separated) and
		// wchan (a bare symbol) end without a newline, as in Linux.
		noNL := strings.HasSuffix(p, "/cmdline") && p != "/proc/cmdline" || strings.HasSuffix(p, "/wchan")
		if text, err := k.ReadProc(p); err != nil || text != "" && !noNL && !strings.HasSuffix(text, "\n") {
			t.Errorf("%s: %q, %v", p, text, err)
		}
	}
}

// refCalcLoad is the decay of the load average written from its
// definition, apart from loadavg.go: load·e + active·(1 − e) in 11-bit
// fixed point, rounded up while the load rises.
func refCalcLoad(load, e, active uint64) uint64 {
	n := load*e + active*(2048-e)
	if active >= load {
		n += 2047
	}
	return n / 2048
}

func TestLoadAverageOfTwoHogsFollowsLinux(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	for i := 0; i < 2; i++ {
		spawn(t, k, "cpu-hog", SpawnOptions{})
	}
	k.Run(Stop{For: 180e9})
	// One fold per LOAD_FREQ (501 ticks), 10 ticks into each window, with
	// the two hogs active at every sample.
	folds := (k.jiffies - timers.InitialJiffies(k.cfg.HZ) - 10) / 501
	var want [3]uint64
	for i := uint64(0); i < folds; i++ {
		for j, e := range []uint64{1884, 2014, 2037} {
			want[j] = refCalcLoad(want[j], e, 2*2048)
		}
	}
	if got := k.LoadAvg(); got != want {
		t.Fatalf("avenrun %v after %d folds, want %v", got, folds, want)
	}
	// And the continuous model it approximates: 2·(1 − exp(−t/τ)).
	tm := float64(folds) * 5.01
	for j, tau := range []float64{60, 300, 900} {
		if f, g := 2*(1-math.Exp(-tm/tau)), float64(want[j])/2048; math.Abs(f-g) > 0.02 {
			t.Errorf("load[%d] %.3f, continuous model %.3f", j, g, f)
		}
	}
	line := readProc(t, k, "/proc/loadavg")
	if !regexp.MustCompile(`^1\.9\d 0\.[89]\d 0\.3\d 2/\d+ \d+\n$`).MatchString(line) {
		t.Fatalf("/proc/loadavg %q", line)
	}
	if f := strings.Fields(line); f[3] != fmt.Sprintf("2/%d", len(k.tasks)-1) || f[4] != strconv.Itoa(k.nextPID-1) {
		t.Fatalf("/proc/loadavg %q: want 2/%d and last pid %d", line, len(k.tasks)-1, k.nextPID-1)
	}

	// Idle: the hogs die and the load decays, through NO_HZ idle, as
	// exp(−t/τ) of where it stood, a little faster since calc_load
	// truncates while the load falls (up to one 1/2048 a window).
	l0 := k.LoadAvg()
	for _, ti := range k.Tasks() {
		if ti.Comm == "cpu-hog" {
			k.Kill(ti.PID, abi.SIGKILL)
		}
	}
	k.Run(Stop{For: 300e9})
	for j, tau := range []float64{60, 300, 900} {
		f := float64(l0[j]) / 2048 * math.Exp(-300/tau)
		if g := float64(k.LoadAvg()[j]) / 2048; math.Abs(f-g) > 0.03 {
			t.Errorf("load[%d] after 300 s idle %.3f, want %.3f", j, g, f)
		}
	}
	if k.nohz.TicksSkipped == 0 {
		t.Fatal("the tick never stopped")
	}
}

func TestLoadAverageCatchesUpAfterLongNOHZIdle(t *testing.T) {
	var l loadAvg
	const freq = 501
	l.init(1000, freq)
	// Three tasks run for 12 windows, sampled by the tick.
	j := uint64(1000)
	for w := 0; w < 12; w++ {
		j += freq
		l.tick(j, 3)
		l.fold(j + 10)
	}
	busy := l.avenrun
	// The CPU goes idle with its tick stopped and sleeps through 50
	// windows; the first fold after it wakes catches up on all of them.
	l.nohzStart(j+20, 0)
	wake := j + 10 + 50*freq + 7
	l.fold(wake)
	if l.update != j+51*freq {
		t.Fatalf("calc_load_update %d, want %d", l.update, j+51*freq)
	}
	for i, e := range []uint64{exp1, exp5, exp15} {
		// calc_global_load folds one window, calc_global_nohz the 49 others.
		want := calcLoadN(calcLoad(busy[i], e, 0), e, 0, 49)
		if l.avenrun[i] != want {
			t.Errorf("avenrun[%d] %d, want %d", i, l.avenrun[i], want)
		}
		step := busy[i]
		for w := 0; w < 50; w++ {
			step = refCalcLoad(step, e, 0)
		}
		// fixed_power_int rounds at every squaring, so the catch-up lands
		// near, not on, the step-by-step value: within 0.01.
		if d := int64(l.avenrun[i]) - int64(step); d < -20 || d > 20 {
			t.Errorf("avenrun[%d] %d, window by window %d", i, l.avenrun[i], step)
		}
	}
	l.nohzStop(wake)
	if l.rqUpdate != l.update {
		t.Fatalf("the run queue's window %d, global %d", l.rqUpdate, l.update)
	}
}

func TestFixedPowerInt(t *testing.T) {
	for _, c := range []struct{ x, n, want uint64 }{
		{exp1, 0, 2048}, {exp1, 1, exp1}, {exp1, 2, 1733}, {exp1, 12, 751}, {exp5, 12, 1677}, {exp15, 12, 1919},
	} {
		if got := fixedPowerInt(c.x, fshift, c.n); got != c.want {
			t.Errorf("%d^%d = %d, want %d", c.x, c.n, got, c.want)
		}
	}
}
