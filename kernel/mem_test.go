package kernel

import (
	"errors"
	"strings"
	"testing"

	"kplay/mm"
)

func TestZonesAndBuddyinfoFollowMemAndLowmem(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true, MemBytes: 1 << 30})
	// 1 GiB with the 896 MiB split: DMA 16 MiB, Normal 880 MiB, HighMem
	// 128 MiB, in order-10 (4 MiB) blocks but for the pages the boot
	// slabs took from one Normal block (GFP_KERNEL never uses HighMem,
	// and prefers Normal to DMA), and 33 pages of HighMem (an order-6
	// block split down to order 0): the 20 pages of the five kernel
	// stacks, which vmalloc takes there, and the page of each of rootfs's
	// 13 files (4 in /etc, 9 in /bin), which ramfs takes with
	// GFP_HIGHUSER.
	want := "Node 0, zone      DMA      0      0      0      0      0      0      0      0      0      0      4 \n" +
		"Node 0, zone   Normal      0      0      1      0      0      1      1      1      1      1    219 \n" +
		"Node 0, zone  HighMem      1      1      1      1      1      0      1      1      1      1     31 \n"
	if got, _ := k.ReadProc("/proc/buddyinfo"); got != want {
		t.Fatalf("buddyinfo:\n%q\nwant\n%q", got, want)
	}
	zi, _ := k.ReadProc("/proc/zoneinfo")
	for _, line := range []string{"Node 0, zone   Normal\n  pages free     225252\n", "        protection: (0, 880, 1008)\n", "        managed  32768\n"} {
		if !strings.Contains(zi, line) {
			t.Errorf("zoneinfo lacks %q:\n%s", line, zi)
		}
	}
	var ranges []string
	for _, r := range k.Dmesg() {
		if strings.Contains(r.Text, "[mem ") {
			ranges = append(ranges, r.Text)
		}
	}
	if strings.Join(ranges, "\n") != "  DMA      [mem 0x0000000000000000-0x0000000000ffffff]\n"+
		"  Normal   [mem 0x0000000001000000-0x0000000037ffffff]\n"+
		"  HighMem  [mem 0x0000000038000000-0x000000003fffffff]" {
		t.Fatalf("zone ranges:\n%s", strings.Join(ranges, "\n"))
	}
	// A fresh machine has touched only the 4 MiB chunk of RAM where
	// rootfs's file pages are.
	if k.pm.BackedBytes != 4<<20 {
		t.Fatalf("%d bytes of host memory back a fresh machine", k.pm.BackedBytes)
	}
	if _, err := Boot(Config{Quiet: true, LowmemBytes: 8 << 20}); err == nil {
		t.Fatal("a lowmem limit inside ZONE_DMA must be refused")
	}
	k2, _ := boot(t, Config{Quiet: true, MemBytes: 64<<20 + 123})
	if len(k2.pm.Pages) != 64<<20/mm.PageSize {
		t.Fatalf("mem= rounds down to pages: %d pages", len(k2.pm.Pages))
	}
}

func slabLine(t *testing.T, k *Kernel, name string) CacheInfo {
	t.Helper()
	for _, c := range k.SlabCaches() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no cache %s", name)
	return CacheInfo{}
}

// Tasks really live in the task_struct cache: 100 more tasks are 100 more
// objects, and they go back when the tasks are reaped.
func TestTasksComeFromTheTaskStructCache(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	before := slabLine(t, k, "task_struct")
	if before.InUse != len(k.Tasks())-1 {
		t.Fatalf("%d task_structs in use for %d tasks besides swapper", before.InUse, len(k.Tasks())-1)
	}
	for i := 0; i < 100; i++ {
		spawn(t, k, "sleep 1s", SpawnOptions{})
	}
	after := slabLine(t, k, "task_struct")
	// 105 objects fill 21 slabs of 5: /proc/slabinfo's active_objs rises
	// by exactly 100.
	if after.InUse != before.InUse+100 || after.ActiveObjs != before.ActiveObjs+100 || after.NumSlabs != 21 {
		t.Fatalf("before %+v, after %+v", before, after)
	}
	mmBefore := slabLine(t, k, "mm_struct").InUse
	if mmBefore != 101 || slabLine(t, k, "files_cache").InUse != 101 {
		t.Fatalf("mm_struct %d, files_cache %d in use: want init's and 100 more", mmBefore, slabLine(t, k, "files_cache").InUse)
	}
	k.Run(Stop{For: 2e9})
	if got := slabLine(t, k, "task_struct").InUse; got != before.InUse {
		t.Fatalf("after the tasks were reaped %d task_structs are in use, %d before", got, before.InUse)
	}
	if got := slabLine(t, k, "mm_struct").InUse; got != 1 {
		t.Fatalf("mm_struct in use %d after exit, want init's", got)
	}
	text, _ := k.ReadProc("/proc/slabinfo")
	if !strings.HasPrefix(text, "slabinfo - version: 2.1\n# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n") ||
		!strings.Contains(text, "\nkmalloc-96             0      0     96   42    1 : tunables    0    0    0 : slabdata      0      0      0\n") ||
		!strings.HasSuffix(text, "\n") {
		t.Fatalf("slabinfo:\n%s", text)
	}
}

func TestKmallocKfreeKsize(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	for _, c := range []struct{ size, cache int }{{1, 8}, {9, 16}, {65, 96}, {97, 128}, {129, 192}, {1000, 1024}, {8192, 8192}} {
		a, err := k.Kmalloc(c.size, mm.GFPKernel)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := k.Ksize(a); n != c.cache {
			t.Errorf("kmalloc(%d): ksize %d, want kmalloc-%d", c.size, n, c.cache)
		}
		if err := k.Kfree(a); err != nil {
			t.Fatal(err)
		}
		if err := k.Kfree(a); !errors.Is(err, mm.ErrDoubleFree) {
			t.Errorf("kmalloc(%d): second kfree: %v", c.size, err)
		}
	}
	// Beyond 8 KiB kmalloc takes whole pages.
	a, err := k.Kmalloc(20000, mm.GFPKernel)
	if n, _ := k.Ksize(a); err != nil || n != 32768 {
		t.Fatalf("kmalloc(20000): %v, ksize %d", err, n)
	}
	if err := k.Kfree(a); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []uint64{0xdeadbeef, mm.PageOffset + 1<<40, a + 8} {
		if err := k.Kfree(bad); err == nil {
			t.Errorf("kfree(0x%x) accepted", bad)
		}
	}
	if _, err := k.Kmalloc(0, mm.GFPKernel); err == nil {
		t.Error("kmalloc(0) must not hand out memory")
	}
}

func TestMeminfoAddsUp(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true, MemBytes: 1 << 30})
	spawn(t, k, "sleep 1s", SpawnOptions{})
	m := map[string]uint64{}
	var keys []string
	for _, l := range k.Meminfo() {
		m[l.Key] = l.KB
		keys = append(keys, l.Key)
	}
	if got := strings.Join(keys[:6], " "); got != "MemTotal MemFree MemAvailable Buffers Cached SwapCached" {
		t.Fatalf("first keys %s", got)
	}
	if m["MemTotal"] != 1<<20 || m["HighTotal"] != 128<<10 || m["LowTotal"] != 896<<10 {
		t.Fatalf("totals %v", m)
	}
	if m["MemFree"] != uint64(k.pm.TotalFree())*4 || m["MemFree"] != m["HighFree"]+m["LowFree"] {
		t.Fatalf("MemFree %d, buddy free %d pages, high+low %d", m["MemFree"], k.pm.TotalFree(), m["HighFree"]+m["LowFree"])
	}
	if m["MemAvailable"] >= m["MemFree"] || m["Slab"] != m["SReclaimable"]+m["SUnreclaim"] || m["Slab"] == 0 {
		t.Fatalf("available %d free %d slab %d", m["MemAvailable"], m["MemFree"], m["Slab"])
	}
	if m["KernelStack"] != uint64(len(k.Tasks())-1)*16 {
		t.Fatalf("KernelStack %d for %d tasks", m["KernelStack"], len(k.Tasks())-1)
	}
	text, _ := k.ReadProc("/proc/meminfo")
	if !strings.HasPrefix(text, "MemTotal:        1048576 kB\nMemFree:  ") || !strings.Contains(text, "\nVmallocTotal:   34359738367 kB\n") {
		t.Fatalf("format:\n%s", text)
	}
}

func TestKmemSaysWhatAnAddressIs(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	a, _ := k.Kmalloc(100, mm.GFPKernel)
	b, _ := k.Kmalloc(100, mm.GFPKernel)
	k.Kfree(a)
	ki, err := k.Kmem(b + 17)
	if err != nil || ki.Cache == nil || ki.Cache.Name != "kmalloc-128" || uint64(ki.Object) != b || !ki.InUse || ki.Slab.List != "cpu" {
		t.Fatalf("%+v %v", ki, err)
	}
	if ki, _ := k.Kmem(a); ki.InUse || uint64(ki.Object) != a {
		t.Fatalf("freed object: %+v", ki)
	}
	c, _ := k.Cache("kmalloc-128")
	sv := c.Slabs[0]
	// a was freed last, so it is handed out next: first on the freelist.
	if sv.Freelist[0] != int((a-uint64(sv.Memory))/128) || sv.Map[(b-uint64(sv.Memory))/128] != '#' || sv.InUse != 1 {
		t.Fatalf("slab view %+v", sv)
	}
	if ki, _ := k.Kmem(mm.PageOffset); !strings.Contains(ki.What, "free page in an order-10 block at pfn 0") {
		t.Fatalf("pfn 0: %+v", ki)
	}
	big, _ := k.Kmalloc(20000, mm.GFPKernel)
	if ki, _ := k.Kmem(big + 5000); !strings.Contains(ki.What, "allocated page of an order-3 block") {
		t.Fatalf("kmalloc_large: %+v", ki)
	}
	if _, err := k.Kmem(0x1000); err == nil {
		t.Fatal("a user address is not in the direct map")
	}
}

func TestVmallocAreasAndKernelStacks(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	stacks := len(k.vmAreas)
	if stacks != len(k.Tasks())-1 {
		t.Fatalf("%d vmalloc areas for %d tasks' stacks", stacks, len(k.Tasks())-1)
	}
	a, err := k.Vmalloc(10000, "test+0x0/0x0") // 3 pages and a guard page
	if err != nil {
		t.Fatal(err)
	}
	b, _ := k.Vmalloc(1, "test+0x0/0x0")
	if b != a+4*mm.PageSize {
		t.Fatalf("b at 0x%x, a at 0x%x: areas are packed, each with its guard page", b, a)
	}
	info, _ := k.ReadProc("/proc/vmallocinfo")
	if !strings.Contains(info, sprintf("0x%016x-0x%016x   16384 test+0x0/0x0 pages=3 vmalloc\n", a, a+16384)) {
		t.Fatalf("vmallocinfo:\n%s", info)
	}
	k.Vfree(a)
	// First fit: a 2-page area goes into the hole a left.
	c, _ := k.Vmalloc(2*mm.PageSize, "test+0x0/0x0")
	if c != a {
		t.Fatalf("c at 0x%x, want the hole at 0x%x", c, a)
	}
	if err := k.Vfree(a + 8); err == nil {
		t.Fatal("vfree of an address inside an area must fail")
	}
	pid := spawn(t, k, "exit 0", SpawnOptions{})
	if len(k.vmAreas) != stacks+3 {
		t.Fatalf("a new task must get a stack: %d areas", len(k.vmAreas))
	}
	k.Run(Stop{For: 10e6})
	if _, ok := k.Task(pid); ok || len(k.vmAreas) != stacks+2 {
		t.Fatalf("the reaped task's stack must be freed: %d areas", len(k.vmAreas))
	}
}

func TestFaultInjectionIsDeterministic(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	// Default ignore-gfp-wait=Y: GFP_KERNEL is spared even at 100%.
	k.SetFault("failslab", "probability", "100")
	k.SetFault("failslab", "times", "-1")
	if _, err := k.Kmalloc(64, mm.GFPKernel); err != nil {
		t.Fatalf("GFP_KERNEL failed with ignore-gfp-wait=Y: %v", err)
	}
	if _, err := k.Kmalloc(64, mm.GFPAtomic); err == nil {
		t.Fatal("GFP_ATOMIC must fail at probability 100")
	}
	// Half the calls, seeded: the same seed fails the same calls.
	pattern := func() string {
		k.SetFault("failslab", "ignore-gfp-wait", "N")
		k.SetFault("failslab", "probability", "50")
		k.SetFault("failslab", "seed", "42")
		var b strings.Builder
		for i := 0; i < 40; i++ {
			a, err := k.Kmalloc(64, mm.GFPKernel)
			if err != nil {
				b.WriteByte('x')
				continue
			}
			b.WriteByte('.')
			k.Kfree(a)
		}
		return b.String()
	}
	p1, p2 := pattern(), pattern()
	if p1 != p2 || !strings.Contains(p1, "x") || !strings.Contains(p1, ".") {
		t.Fatalf("seeded patterns %q and %q", p1, p2)
	}
	// times=2: two failures, then allocations succeed again.
	k.SetFault("failslab", "probability", "100")
	k.SetFault("failslab", "times", "2")
	var got []bool
	for i := 0; i < 4; i++ {
		_, err := k.Kmalloc(64, mm.GFPKernel)
		got = append(got, err != nil)
	}
	if sprintf("%v", got) != "[true true false false]" {
		t.Fatalf("times=2: failures %v", got)
	}
	said := 0
	for _, r := range k.Dmesg() {
		said += strings.Count(r.Text, "FAULT_INJECTION: forcing a failure.")
	}
	if said == 0 {
		t.Fatal("verbose injectors must say FAULT_INJECTION: forcing a failure.")
	}
	// fork fails with ENOMEM when its task_struct cannot be allocated.
	k.SetFault("failslab", "times", "1")
	if _, err := k.Spawn("cpu-hog", SpawnOptions{}); err == nil || !strings.Contains(err.Error(), "Cannot allocate memory") {
		t.Fatalf("spawn under failslab: %v", err)
	}
	// fail_page_alloc spares order 0 (min-order 1).
	k.SetFault("fail_page_alloc", "probability", "100")
	k.SetFault("fail_page_alloc", "ignore-gfp-wait", "N")
	if _, err := k.pm.AllocPages(mm.GFPKernel, 0); err != nil {
		t.Fatal("order 0 is below min-order")
	}
	if _, err := k.pm.AllocPages(mm.GFPKernel, 1); err == nil {
		t.Fatal("order 1 must fail")
	}
	for _, bad := range [][3]string{{"nope", "times", "1"}, {"failslab", "min-order", "1"}, {"failslab", "probability", "101"}, {"failslab", "bogus", "1"}} {
		if err := k.SetFault(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// User memory is paged in on demand: the REPL's string arguments, written
// to init's stack, fault in one page, which /proc shows as init's RSS.
func TestUserPagesComeOnDemand(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	free := k.pm.TotalFree()
	before := readProc(t, k, "/proc/1/status")
	if !strings.Contains(before, "VmRSS:\t       0 kB\n") {
		t.Fatalf("init before touching its stack:\n%s", before)
	}
	if _, err := k.PushUserData(1, []byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	after := readProc(t, k, "/proc/1/status")
	if !strings.Contains(after, "VmRSS:\t       4 kB\n") || !strings.Contains(after, "VmHWM:\t       4 kB\n") || k.pm.TotalFree() != free-1 {
		t.Fatalf("after one write to the stack (%d pages taken):\n%s", free-k.pm.TotalFree(), after)
	}
	_, f := statFields(t, readProc(t, k, "/proc/1/stat"))
	if field(t, f, 10) != 1 || field(t, f, 24) != 1 {
		t.Fatalf("minflt %d rss %d", field(t, f, 10), field(t, f, 24))
	}
}

func TestProcMapsAndStatm(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	k.PushUserData(1, []byte("x"))
	if got := readProc(t, k, "/proc/1/maps"); got != "7ffffffdf000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n" {
		t.Fatalf("maps %q", got)
	}
	if got := readProc(t, k, "/proc/1/statm"); got != "32 1 0 0 0 32 0\n" {
		t.Fatalf("statm %q", got)
	}
	if got, err := k.ReadProc("/proc/2/maps"); err != nil || got != "" {
		t.Fatalf("a kernel thread's maps: %q", got)
	}
}

// A task that touches more memory than there is meets the OOM killer,
// which kills the process with the most resident pages and reaps it.
func TestOOMKillsTheBiggestProcess(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true, MemBytes: 32 << 20})
	small := spawn(t, k, "alloc 8M; sleep 100s", SpawnOptions{Name: "small"})
	k.Run(Stop{For: 100e6})
	hog := spawn(t, k, "memhog", SpawnOptions{})
	k.Run(Stop{For: 2e9})
	if _, ok := k.Task(hog); ok {
		t.Fatal("memhog must be killed")
	}
	if _, ok := k.Task(small); !ok {
		t.Fatal("the smaller process must survive")
	}
	var killed, invoked string
	for _, r := range k.Dmesg() {
		if strings.HasPrefix(r.Text, "Out of memory: Killed process") {
			killed = r.Text
		}
		if strings.Contains(r.Text, "invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0") {
			invoked = r.Text
		}
	}
	want := sprintf("Out of memory: Killed process %d (memhog) total-vm:", hog)
	if !strings.HasPrefix(killed, want) || !strings.Contains(killed, ", file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:0kB oom_score_adj:0") || !strings.HasPrefix(invoked, "memhog invoked") {
		t.Fatalf("dmesg:\n%s\n%s", invoked, killed)
	}
	// Everything the hog had is free again: only small's 8 MiB are in use.
	if free := k.pm.TotalFree() * 4; free < 32<<10-8<<10-2<<10 {
		t.Fatalf("%d KiB free after the kill", free)
	}
}

// A failure in any of fork's allocations fails the fork with nothing left
// behind: for each of them in turn.
func TestForkUnwindsEveryFailedAllocation(t *testing.T) {
	for nth := 1; nth <= 6; nth++ {
		k, _ := boot(t, Config{Quiet: true})
		inUse := func() map[string]int {
			m := map[string]int{}
			for _, c := range k.SlabCaches() {
				m[c.Name] = c.InUse
			}
			return m
		}
		before, tasks, areas := inUse(), len(k.Tasks()), len(k.vmAreas)
		k.SetFault("failslab", "ignore-gfp-wait", "N")
		k.SetFault("failslab", "probability", "100")
		k.SetFault("failslab", "interval", sprintf("%d", nth))
		_, err := k.Spawn("cpu-hog", SpawnOptions{})
		if nth <= 5 { // mm_struct, vm_area_struct, files_cache, task_struct, cred_jar
			if err == nil || !strings.Contains(err.Error(), "Cannot allocate memory") {
				t.Fatalf("failing allocation %d: spawn %v", nth, err)
			}
			if after := inUse(); sprintf("%v", after) != sprintf("%v", before) || len(k.Tasks()) != tasks || len(k.vmAreas) != areas {
				t.Fatalf("failing allocation %d left objects behind:\n%v\n%v", nth, before, after)
			}
		} else if err != nil {
			t.Fatalf("only five slab allocations: the sixth is none of fork's: %v", err)
		}
	}
}

func TestLkdtmHeapChecksOops(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	for typ, want := range map[string]string{
		"SLAB_FREE_DOUBLE": "BUG lkdtm-heap-double_free: Object 0x",
		"WRITE_AFTER_FREE": "BUG lkdtm-heap-uaf: Poison overwritten at offset 32 of object 0x",
	} {
		if _, err := k.Provoke(typ); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range k.Dmesg() {
			found = found || strings.HasPrefix(r.Text, want)
		}
		if !found || k.halted {
			t.Fatalf("%s: no %q in dmesg (halted %v)", typ, want, k.halted)
		}
	}
}

func TestAnonPagesAndVmPeakFollowUserMemory(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	anon := func() uint64 {
		for _, l := range k.Meminfo() {
			if l.Key == "AnonPages" {
				return l.KB
			}
		}
		return 0
	}
	base := anon()
	p := spawn(t, k, "alloc 8M; syscall munmap 0x7ffff77ff000 8388608; sleep 1s", SpawnOptions{})
	k.Run(Stop{For: 500e6})
	st := readProc(t, k, sprintf("/proc/%d/status", p))
	// 8 MiB were mapped and touched, then unmapped: the peak remembers;
	// what stays is the stack page the sleep's timespec was written to.
	if !strings.Contains(st, "VmPeak:\t    8320 kB\n") || !strings.Contains(st, "VmSize:\t     128 kB\n") || anon() != base+4 {
		t.Fatalf("AnonPages %d (base %d):\n%s", anon(), base, st)
	}
	base = anon()
	q := spawn(t, k, "alloc 4M; sleep 1s", SpawnOptions{})
	k.Run(Stop{For: 100e6})
	if anon() != base+4096+4 {
		t.Fatalf("AnonPages %d with 4 MiB touched (base %d)", anon(), base)
	}
	k.Kill(q, 9)
	k.Run(Stop{For: 10e6})
	if anon() != base {
		t.Fatalf("AnonPages %d after the process died (base %d)", anon(), base)
	}
}

func TestKmallocZones(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true, MemBytes: 1 << 30})
	a, err := k.Kmalloc(100, mm.GFPKernelDMA)
	if err != nil {
		t.Fatal(err)
	}
	pfn, _ := k.pm.VirtToPFN(a)
	if k.pm.ZoneOf(pfn) != mm.ZoneDMA || k.slabs.Find("dma-kmalloc-128") == nil {
		t.Fatalf("GFP_DMA kmalloc in %s", k.pm.ZoneOf(pfn))
	}
	b, _ := k.Kmalloc(100, mm.GFPHighUser)
	pfn, _ = k.pm.VirtToPFN(b)
	warned := false
	for _, r := range k.Dmesg() {
		warned = warned || strings.HasPrefix(r.Text, "Unexpected gfp: 0x2 (__GFP_HIGHMEM). Fixing up to gfp: ")
	}
	if k.pm.ZoneOf(pfn) == mm.ZoneHighMem || !warned {
		t.Fatalf("kmalloc(__GFP_HIGHMEM): zone %s, warned %v", k.pm.ZoneOf(pfn), warned)
	}
}
