package kernel

import (
	"strconv"
	"strings"
	"testing"

	"kplay/kernel/abi"
	"kplay/kernel/vfs"
)

// The /proc files of issue 6 part 3 that the first procfs left out,
// checked line for line against the formats of Linux 6.6.

func TestProcInterruptsHasShowInterruptsColumnsAndX86ArchLines(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	spawn(t, k, "cpu-hog", SpawnOptions{}) // keeps the tick going: 100 in a second
	k.Run(Stop{For: 1e9})
	want := "" +
		"           CPU0       \n" +
		"  0:        100  kplay-pic   0-edge      timer\n" +
		"  4:          0  kplay-pic   4-edge      kcon0\n" +
		" 16:          0  kplay-pic  16-edge      syscall\n" +
		"NMI:          0   Non-maskable interrupts\n" +
		"LOC:          0   Local timer interrupts\n" +
		"SPU:          0   Spurious interrupts\n" +
		"PMI:          0   Performance monitoring interrupts\n" +
		"IWI:          0   IRQ work interrupts\n" +
		"RTR:          0   APIC ICR read retries\n" +
		"RES:          0   Rescheduling interrupts\n" +
		"CAL:          0   Function call interrupts\n" +
		"TLB:          0   TLB shootdowns\n" +
		"ERR:          0\n" +
		"MIS:          0\n"
	if got := readProc(t, k, "/proc/interrupts"); got != want {
		t.Fatalf("/proc/interrupts:\n%s\nwant:\n%s", got, want)
	}
	// A shared line lists its actions joined by ", "; a raise of a line
	// that does not exist counts in ERR.
	if err := k.RequestDemoIRQ(5, "eth0"); err != nil {
		t.Fatal(err)
	}
	if err := k.RequestDemoIRQ(5, "eth1"); err != nil {
		t.Fatal(err)
	}
	got := readProc(t, k, "/proc/interrupts")
	if !strings.Contains(got, "\n  5:          0  kplay-pic   5-edge      eth0, eth1\n") {
		t.Fatalf("shared line 5 missing:\n%s", got)
	}
}

func TestProcSoftirqsListsTheTenVectorsInLinuxOrder(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	spawn(t, k, "sleep 500ms", SpawnOptions{}) // a timer that expires: TIMER runs
	k.Run(Stop{For: 1e9})
	got := readProc(t, k, "/proc/softirqs")
	lines := strings.Split(got, "\n")
	if lines[0] != strings.Repeat(" ", 20)+"CPU0       " || len(lines) != 12 || lines[11] != "" {
		t.Fatalf("/proc/softirqs:\n%q", got)
	}
	for i, name := range []string{"HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU"} {
		want := sprintf("%12s: %10d", name, k.Softirqs()[i].Count)
		if lines[i+1] != want {
			t.Errorf("line %d is %q, want %q", i+1, lines[i+1], want)
		}
	}
	if k.Softirqs()[1].Count == 0 {
		t.Error("a second of ticks ran no TIMER softirq")
	}
}

// vmstat returns /proc/vmstat as a map and its names in order.
func vmstat(t *testing.T, k *Kernel) (map[string]uint64, []string) {
	t.Helper()
	m := map[string]uint64{}
	var names []string
	for _, l := range strings.Split(strings.TrimSuffix(readProc(t, k, "/proc/vmstat"), "\n"), "\n") {
		name, val, ok := strings.Cut(l, " ")
		v, err := strconv.ParseUint(val, 10, 64)
		if !ok || err != nil {
			t.Fatalf("line %q", l)
		}
		if _, dup := m[name]; dup {
			t.Fatalf("%s twice", name)
		}
		m[name] = v
		names = append(names, name)
	}
	return m, names
}

func TestProcVmstatFollowsVmstatTextAndCountsLive(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	before, names := vmstat(t, k)
	// vmstat_text's sections in order: zone items, node items, the
	// writeback thresholds, the events; nr_unstable last. 125 names for
	// kplay's configuration.
	order := []string{"nr_free_pages", "nr_free_cma", "nr_inactive_anon", "nr_slab_reclaimable",
		"nr_kernel_stack", "nr_sec_page_table_pages", "nr_dirty_threshold", "nr_dirty_background_threshold",
		"pgpgin", "pgalloc_dma", "pgalloc_normal", "pgalloc_high", "pgalloc_movable", "allocstall_dma",
		"pgskip_movable", "pgfree", "pgfault", "pgmajfault", "pgsteal_khugepaged", "pgdemote_kswapd",
		"pgscan_kswapd", "drop_slab", "oom_kill", "pgmigrate_success", "compact_migrate_scanned",
		"unevictable_pgs_stranded", "direct_map_level2_splits", "direct_map_level3_splits", "nr_unstable"}
	at := map[string]int{}
	for i, n := range names {
		at[n] = i
	}
	for i, n := range order {
		if _, ok := at[n]; !ok {
			t.Fatalf("%s missing", n)
		}
		if i > 0 && at[order[i-1]] >= at[n] {
			t.Errorf("%s before %s", n, order[i-1])
		}
	}
	if names[0] != "nr_free_pages" || names[len(names)-1] != "nr_unstable" || len(names) != 125 {
		t.Errorf("%d names from %s to %s", len(names), names[0], names[len(names)-1])
	}
	mi := map[string]uint64{}
	for _, l := range k.Meminfo() {
		mi[l.Key] = l.KB
	}
	if before["nr_free_pages"]*4 != mi["MemFree"] || before["nr_kernel_stack"] != mi["KernelStack"] ||
		(before["nr_slab_reclaimable"]+before["nr_slab_unreclaimable"])*4 != mi["Slab"] {
		t.Errorf("vmstat %v disagrees with meminfo %v", before, mi)
	}
	// A program that writes 8 pages of a mapping faults 8 times, and
	// each fault allocates a page in Normal (DMA is kept for GFP_DMA).
	pid := spawn(t, k, "alloc 32K; sleep 1s", SpawnOptions{})
	k.Run(Stop{For: 100e6})
	after, _ := vmstat(t, k)
	if d := after["pgfault"] - before["pgfault"]; d < 8 {
		t.Errorf("pgfault rose by %d, want at least 8", d)
	}
	if after["pgalloc_normal"]-before["pgalloc_normal"] < 8 || after["pgalloc_dma"] != before["pgalloc_dma"] {
		t.Errorf("pgalloc_normal %d -> %d, pgalloc_dma %d -> %d", before["pgalloc_normal"], after["pgalloc_normal"], before["pgalloc_dma"], after["pgalloc_dma"])
	}
	if after["nr_anon_pages"] < 8 || after["nr_anon_pages"] != after["nr_inactive_anon"] {
		t.Errorf("nr_anon_pages %d, nr_inactive_anon %d", after["nr_anon_pages"], after["nr_inactive_anon"])
	}
	// When the task exits, its pages are freed: pgfree rises with them.
	k.Kill(pid, abi.SIGKILL)
	k.Run(Stop{For: 100e6})
	gone, _ := vmstat(t, k)
	if gone["pgfree"]-after["pgfree"] < 8 || gone["nr_anon_pages"] != before["nr_anon_pages"] {
		t.Errorf("after exit: pgfree %d -> %d, nr_anon_pages %d", after["pgfree"], gone["pgfree"], gone["nr_anon_pages"])
	}
}

func TestProcPidCmdlineIsArgvWithNULs(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	pid := spawn(t, k, "", SpawnOptions{Argv: []string{"/bin/sleep", "100"}})
	k.Run(Stop{For: 100e6})
	for path, want := range map[string]string{
		sprintf("/proc/%d/cmdline", pid): "sleep\x00100\x00", // spawn passes the name as argv[0]
		"/proc/1/cmdline":                "/sbin/init\x00",
		"/proc/2/cmdline":                "", // kthreadd: a kernel thread has no mm
		sprintf("/proc/%d/environ", pid): "",
	} {
		if got, err := k.ReadProc(path); err != nil || got != want {
			t.Errorf("%s = %q (%v), want %q", path, got, err, want)
		}
	}
	// A zombie's mm is gone: its cmdline is empty.
	parent := spawn(t, k, "fork { exit 3 }; sleep 1s", SpawnOptions{})
	k.Run(Stop{For: 100e6})
	var zombie int
	for _, x := range k.Tasks() {
		if x.PPID == parent {
			zombie = x.PID
		}
	}
	if x, ok := k.Task(zombie); !ok || x.State != "Z" {
		t.Fatalf("no zombie child of %d: %+v", parent, x)
	}
	if got, err := k.ReadProc(sprintf("/proc/%d/cmdline", zombie)); err != nil || got != "" {
		t.Errorf("a zombie's cmdline is %q (%v)", got, err)
	}
}

func TestProcPidLimitsHasProcPidLimitsColumns(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	want := "" +
		"Limit                     Soft Limit           Hard Limit           Units     \n" +
		"Max cpu time              unlimited            unlimited            seconds   \n" +
		"Max file size             unlimited            unlimited            bytes     \n" +
		"Max data size             unlimited            unlimited            bytes     \n" +
		"Max stack size            8388608              unlimited            bytes     \n" +
		"Max core file size        0                    unlimited            bytes     \n" +
		"Max resident set          unlimited            unlimited            bytes     \n" +
		"Max processes             256                  256                  processes \n" +
		"Max open files            1024                 4096                 files     \n" +
		"Max locked memory         8388608              8388608              bytes     \n" +
		"Max address space         unlimited            unlimited            bytes     \n" +
		"Max file locks            unlimited            unlimited            locks     \n" +
		"Max pending signals       256                  256                  signals   \n" +
		"Max msgqueue size         819200               819200               bytes     \n" +
		"Max nice priority         0                    0                    \n" +
		"Max realtime priority     0                    0                    \n" +
		"Max realtime timeout      unlimited            unlimited            us        \n"
	if got := readProc(t, k, "/proc/1/limits"); got != want {
		t.Fatalf("/proc/1/limits:\n%s\nwant:\n%s", got, want)
	}
}

func TestProcPidWchanNamesWhereASleeperWaits(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	hog := spawn(t, k, "cpu-hog", SpawnOptions{})
	sleeper := spawn(t, k, "", SpawnOptions{Argv: []string{"/bin/sleep", "100"}})
	k.Run(Stop{For: 100e6})
	for pid, want := range map[int]string{
		hog:     "0", // runnable: get_wchan is 0
		sleeper: "__x64_sys_nanosleep",
		2:       "kthreadd",
		3:       "smpboot_thread_fn",
	} {
		if got, err := k.ReadProc(sprintf("/proc/%d/wchan", pid)); err != nil || got != want {
			t.Errorf("/proc/%d/wchan = %q (%v), want %q", pid, got, err, want)
		}
	}
}

// initWrite writes b to the open fd as init.
func initWrite(t *testing.T, k *Kernel, fd int64, b string) int64 {
	t.Helper()
	k.ResetUserData(1)
	buf, err := k.PushUserData(1, []byte(b))
	if err != nil {
		t.Fatal(err)
	}
	n, err := k.initCall("write", uint64(fd), buf, uint64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestHostnameIsWritableThroughProcAndSethostname(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	if got := readProc(t, k, "/proc/sys/kernel/hostname"); got != "kplay\n" {
		t.Fatalf("hostname %q", got)
	}
	// echo box > /proc/sys/kernel/hostname: the newline ends the name.
	if err := k.WriteFile("/proc/sys/kernel/hostname", []byte("box\n"), false); err != nil {
		t.Fatal(err)
	}
	if got := k.Uname().Nodename; got != "box" {
		t.Fatalf("nodename %q after echo", got)
	}
	// A second write continues at the file position (sysctl_writes_strict).
	fd, err := k.initOpen("echo", "/proc/sys/kernel/hostname", vfs.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if initWrite(t, k, fd, "ab") != 2 || initWrite(t, k, fd, "cd") != 2 {
		t.Fatal("short write")
	}
	k.initCall("close", uint64(fd))
	if got := readProc(t, k, "/proc/sys/kernel/hostname"); got != "abcd\n" {
		t.Fatalf("hostname %q after two writes", got)
	}
	// At most 64 bytes are kept.
	if err := k.WriteFile("/proc/sys/kernel/hostname", []byte(strings.Repeat("x", 70)), false); err != nil {
		t.Fatal(err)
	}
	if got := k.Uname().Nodename; got != strings.Repeat("x", 64) {
		t.Fatalf("nodename %q after a long write", got)
	}

	call := func(name string, n uint64) int64 {
		t.Helper()
		k.ResetUserData(1)
		buf, err := k.PushUserData(1, []byte(name))
		if err != nil {
			t.Fatal(err)
		}
		r, err := k.initCall("sethostname", buf, n)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := call("lab1\x00junk", 9); r != 0 || k.Uname().Nodename != "lab1" {
		t.Fatalf("sethostname = %d, nodename %q", r, k.Uname().Nodename)
	}
	if r := call("x", 65); r != errno(abi.EINVAL) {
		t.Errorf("len 65: %d, want EINVAL", r)
	}
	if r := call("x", uint64(0xffffffff)); r != errno(abi.EINVAL) {
		t.Errorf("len -1: %d, want EINVAL", r)
	}
	if r, _ := k.initCall("sethostname", 16, 4); r != errno(abi.EFAULT) {
		t.Errorf("bad name: %d, want EFAULT", r)
	}
	lines := syscallLines(k, 1)
	if l := lines[len(lines)-4]; l != `sethostname("lab1\0junk", 9)            = 0` {
		t.Errorf("strace line %q", l)
	}
	c := *k.initTsk.Cred
	c.EUID = 1000
	k.initTsk.Cred = &c
	if r := call("me", 2); r != errno(abi.EPERM) || k.Uname().Nodename != "lab1" {
		t.Errorf("as uid 1000: %d, nodename %q", r, k.Uname().Nodename)
	}
}

func TestProcFilesystemsIsBootOrderWithoutRootfs(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	if got := readProc(t, k, "/proc/filesystems"); got != "nodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\nnodev\tpipefs\nnodev\tramfs\n" {
		t.Fatalf("/proc/filesystems:\n%s", got)
	}
	// rootfs is / but no registered type: mount -t rootfs is ENODEV.
	if got := readProc(t, k, "/proc/mounts"); !strings.HasPrefix(got, "rootfs / rootfs rw 0 0\n") {
		t.Fatalf("/proc/mounts:\n%s", got)
	}
	k.ResetUserData(1)
	src, _ := k.PushUserData(1, []byte("none\x00"))
	dst, _ := k.PushUserData(1, []byte("/tmp\x00"))
	typ, _ := k.PushUserData(1, []byte("rootfs\x00"))
	if r, err := k.initCall("mount", src, dst, typ, 0, 0); err != nil || r != errno(abi.ENODEV) {
		t.Fatalf("mount -t rootfs: %d (%v), want ENODEV", r, err)
	}
}

func TestProcPidEnvironIsOwnerOnly(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	for path, want := range map[string]uint32{"/proc/1/environ": 0o400, "/proc/1/cmdline": 0o444, "/proc/1/limits": 0o444, "/proc/1/wchan": 0o444} {
		e, err := k.Lstat(path)
		if err != nil || e.Mode&0o7777 != want {
			t.Errorf("%s: mode %o (%v), want %o", path, e.Mode&0o7777, err, want)
		}
	}
}
