package kernel

import (
	"strings"

	"kplay/consoledrv"
	"kplay/mm"
)

// printZoneRanges is free_area_init's "Zone ranges:" block.
func (k *Kernel) printZoneRanges() {
	k.printk(consoledrv.Info, "Zone ranges:")
	for z := mm.ZoneDMA; z < mm.NrZones; z++ {
		zone := k.pm.Zones[z]
		if zone == nil {
			k.printk(consoledrv.Info, "  %-8s empty", z)
			continue
		}
		start := uint64(zone.StartPFN) * mm.PageSize
		end := uint64(zone.StartPFN+zone.Spanned)*mm.PageSize - 1
		k.printk(consoledrv.Info, "  %-8s [mem 0x%016x-0x%016x]", z, start, end)
	}
	k.printk(consoledrv.Info, "Built 1 zonelists, mobility grouping off.  Total pages: %d", len(k.pm.Pages))
	// kmem_cache_init's line (the caches were made before the first task).
	k.printk(consoledrv.Info, "SLUB: HWalign=64, Order=0-3, MinObjects=0, CPUs=1, Nodes=1")
}

// ZoneInfo is one zone as buddyinfo and zoneinfo show it.
type ZoneInfo struct {
	Name     string               `json:"name"`
	StartPFN int                  `json:"start_pfn"`
	Spanned  int                  `json:"spanned"`
	Present  int                  `json:"present"`
	Managed  int                  `json:"managed"`
	Free     int                  `json:"free"`
	Min      int                  `json:"min"`
	Low      int                  `json:"low"`
	High     int                  `json:"high"`
	Promo    int                  `json:"promo"`
	Reserve  []int                `json:"protection"`
	FreeArea [mm.NrPageOrders]int `json:"free_area"`
	Allocs   uint64               `json:"allocs"`
	Frees    uint64               `json:"frees"`
}

// Zones returns the populated zones, lowest first.
func (k *Kernel) Zones() []ZoneInfo {
	var out []ZoneInfo
	for _, z := range k.pm.Zones {
		if z == nil {
			continue
		}
		zi := ZoneInfo{Name: z.Type.String(), StartPFN: z.StartPFN, Spanned: z.Spanned, Present: z.Present,
			Managed: z.Managed, Free: z.Free, Min: z.WmarkMin, Low: z.WmarkLow, High: z.WmarkHigh,
			Promo: z.WmarkPromo, Reserve: append([]int(nil), z.LowmemReserve[:]...), Allocs: z.AllocCount, Frees: z.FreeCount}
		for o := range z.Areas {
			zi.FreeArea[o] = z.Areas[o].NrFree
		}
		out = append(out, zi)
	}
	return out
}

// ProcBuddyinfo renders /proc/buddyinfo (mm/vmstat.c, frag_show_print):
// free blocks per order, one line per zone.
func (k *Kernel) ProcBuddyinfo() string {
	var b strings.Builder
	for _, z := range k.Zones() {
		b.WriteString(sprintf("Node 0, zone %8s ", z.Name))
		for _, n := range z.FreeArea {
			b.WriteString(sprintf("%6d ", n))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// ProcZoneinfo renders a reduced /proc/zoneinfo (zoneinfo_show_print, as
// 6.6 prints it: no promo watermark): each zone's free pages, watermarks,
// sizes and protection, nr_free_pages, node_unreclaimable and start_pfn;
// the per-node stats, the other zone counters and the pagesets are left
// out.
func (k *Kernel) ProcZoneinfo() string {
	var b strings.Builder
	for _, z := range k.Zones() {
		b.WriteString(sprintf("Node 0, zone %8s", z.Name))
		b.WriteString(sprintf("\n  pages free     %d\n        boost    0\n        min      %d\n        low      %d\n        high     %d\n        spanned  %d\n        present  %d\n        managed  %d\n        cma      0",
			z.Free, z.Min, z.Low, z.High, z.Spanned, z.Present, z.Managed))
		b.WriteString(sprintf("\n        protection: (%d", z.Reserve[0]))
		for _, r := range z.Reserve[1:] {
			b.WriteString(sprintf(", %d", r))
		}
		b.WriteString(")")
		b.WriteString(sprintf("\n      %-12s %d", "nr_free_pages", z.Free))
		b.WriteString(sprintf("\n  node_unreclaimable:  0\n  start_pfn:           %d\n", z.StartPFN))
	}
	return b.String()
}

// MeminfoLine is one line of /proc/meminfo: the key and its value in kB.
type MeminfoLine struct {
	Key string `json:"key"`
	KB  uint64 `json:"kb"`
}

// threadSizeKB is THREAD_SIZE on x86-64: each task's kernel stack.
const threadSizeKB = 16

// Meminfo returns /proc/meminfo's lines (fs/proc/meminfo.c,
// meminfo_proc_show, Linux 6.6), for a kernel built with CONFIG_HIGHMEM
// (the course's three zones) and without swap, zswap, THP, CMA or
// hugetlb. The page cache is ramfs's and tmpfs's: Cached counts both
// (NR_FILE_PAGES), Shmem tmpfs's; shmem pages are swap-backed, so they sit
// on the anon LRU (new pages inactive), and ramfs marks its mappings
// unevictable. kplay keeps no page tables of its own to count.
func (k *Kernel) Meminfo() []MeminfoLine {
	kb := func(pages int) uint64 { return uint64(pages) * (mm.PageSize >> 10) }
	var total, free, highTotal, highFree int
	for _, z := range k.pm.Zones {
		if z == nil {
			continue
		}
		total += z.Managed
		free += z.Free
		if z.Type == mm.ZoneHighMem {
			highTotal, highFree = z.Managed, z.Free
		}
	}
	reserve := k.totalreservePages()
	slab, reclaimable := k.slabPages()
	// si_mem_available: free less the reserve, plus the reclaimable slab
	// less min(half of it, the low watermarks); the file LRU, whose
	// pages would count too, is empty: ramfs's and tmpfs's are not on it.
	wmarkLow := 0
	for _, z := range k.pm.Zones {
		if z != nil {
			wmarkLow += z.WmarkLow
		}
	}
	avail := free - reserve + reclaimable - min(reclaimable/2, wmarkLow)
	avail = max(avail, 0)
	var committed uint64
	for as := range k.mms {
		for _, v := range as.VMAs() {
			if v.Flags&mm.VMWrite != 0 {
				committed += (v.End - v.Start) >> 10
			}
		}
	}
	stacks := uint64(k.nrThreads()) * threadSizeKB
	inactiveAnon, unevictable := k.lruPages()
	return []MeminfoLine{
		{"MemTotal", kb(total)}, {"MemFree", kb(free)}, {"MemAvailable", kb(avail)},
		{"Buffers", 0}, {"Cached", kb(k.vfs.NrFilePages)}, {"SwapCached", 0},
		// New anonymous and shmem pages go on the inactive list (there
		// is no reclaim to age them further).
		{"Active", 0}, {"Inactive", kb(inactiveAnon)}, {"Active(anon)", 0}, {"Inactive(anon)", kb(inactiveAnon)},
		{"Active(file)", 0}, {"Inactive(file)", 0}, {"Unevictable", kb(unevictable)}, {"Mlocked", 0},
		{"HighTotal", kb(highTotal)}, {"HighFree", kb(highFree)},
		{"LowTotal", kb(total - highTotal)}, {"LowFree", kb(free - highFree)},
		{"SwapTotal", 0}, {"SwapFree", 0}, {"Dirty", 0}, {"Writeback", 0},
		{"AnonPages", kb(k.pm.AnonPages)}, {"Mapped", 0}, {"Shmem", kb(k.vfs.NrShmem)},
		{"KReclaimable", kb(reclaimable)}, {"Slab", kb(slab)},
		{"SReclaimable", kb(reclaimable)}, {"SUnreclaim", kb(slab - reclaimable)},
		{"KernelStack", stacks}, {"PageTables", 0}, {"SecPageTables", 0},
		{"NFS_Unstable", 0}, {"Bounce", 0}, {"WritebackTmp", 0},
		{"CommitLimit", kb(total) / 2}, {"Committed_AS", committed},
		{"VmallocTotal", (VmallocEnd - VmallocStart) >> 10}, {"VmallocUsed", kb(k.vmallocPages())}, {"VmallocChunk", 0}, {"Percpu", 0},
		{"DirectMap4k", kb(len(k.pm.Pages))}, {"DirectMap2M", 0},
	}
}

// lruPages are the pages of the two LRU lists kplay fills: inactive anon
// (anonymous pages and tmpfs's) and unevictable (ramfs's).
func (k *Kernel) lruPages() (inactiveAnon, unevictable int) {
	return k.pm.AnonPages + k.vfs.NrShmem, k.vfs.NrFilePages - k.vfs.NrShmem
}

// totalreservePages is totalreserve_pages (calculate_totalreserve_pages):
// per zone, the biggest lowmem reserve plus the high watermark, at most
// the zone.
func (k *Kernel) totalreservePages() int {
	reserve := 0
	for _, z := range k.pm.Zones {
		if z == nil {
			continue
		}
		maxRes := 0
		for _, r := range z.LowmemReserve {
			maxRes = max(maxRes, r)
		}
		reserve += min(maxRes+z.WmarkHigh, z.Managed)
	}
	return reserve
}

// slabPages are the pages the slab caches hold, and those of them in
// reclaimable caches (SLAB_RECLAIM_ACCOUNT: dentry and inode_cache).
func (k *Kernel) slabPages() (total, reclaimable int) {
	for _, c := range k.slabs.Caches() {
		pages := c.NumSlabs() << c.Order
		total += pages
		if c.Name == "dentry" || c.Name == "inode_cache" {
			reclaimable += pages
		}
	}
	return total, reclaimable
}

// ProcMeminfo renders /proc/meminfo: each key padded to 16 with its
// colon, the value right-aligned in 8 (show_val_kb), then " kB".
func (k *Kernel) ProcMeminfo() string {
	var b strings.Builder
	for _, l := range k.Meminfo() {
		b.WriteString(sprintf("%-16s%8d kB\n", l.Key+":", l.KB))
	}
	return b.String()
}

// VMAInfo is one area of a process as vm shows it.
type VMAInfo struct {
	Start    Addr   `json:"start"`
	End      Addr   `json:"end"`
	Perms    string `json:"perms"`
	Name     string `json:"name"`
	Pages    int    `json:"pages"`
	Resident int    `json:"resident"`
}

// VMInfo is a process's address space (crash's vm).
type VMInfo struct {
	PID     int       `json:"pid"`
	Comm    string    `json:"comm"`
	TotalVM int       `json:"total_vm_pages"`
	RSS     int       `json:"rss_pages"`
	Minflt  uint64    `json:"minflt"`
	Cow     uint64    `json:"cow_faults"`
	Brk     Addr      `json:"brk"`
	Areas   []VMAInfo `json:"areas"`
}

// VM returns pid's address space.
func (k *Kernel) VM(pid int) (VMInfo, error) {
	t := k.tasks[pid]
	if t == nil {
		return VMInfo{}, errInvalid("no task with pid %d (ps lists them)", pid)
	}
	as := userMM(t)
	if as == nil {
		return VMInfo{}, errInvalid("%s[%d] is a kernel thread: it has no address space (mm is NULL)", t.Comm, pid)
	}
	vi := VMInfo{PID: pid, Comm: t.Comm, RSS: as.RSS, Minflt: as.Minflt, Cow: as.CowFaults, Brk: Addr(as.Brk()), Areas: []VMAInfo{}}
	for _, v := range as.VMAs() {
		n := int((v.End - v.Start) / mm.PageSize)
		vi.TotalVM += n
		vi.Areas = append(vi.Areas, VMAInfo{Start: Addr(v.Start), End: Addr(v.End), Perms: vmaPerms(v), Name: v.Name,
			Pages: n, Resident: as.Resident(v.Start, v.End)})
	}
	return vi, nil
}

// MemRead reads n bytes of pid's memory at addr, as a debugger does
// (access_process_vm: a read faults in the zero page where nothing was
// written).
func (k *Kernel) MemRead(pid int, addr uint64, n int) ([]byte, error) {
	t := k.tasks[pid]
	if t == nil || userMM(t) == nil {
		return nil, errInvalid("pid %d: no such user process", pid)
	}
	if n < 1 || n > 1<<16 {
		return nil, errInvalid("mem read: LEN %d: want 1-65536", n)
	}
	b := make([]byte, n)
	got, err := t.MM.CopyFromUser(b, addr)
	if err != nil {
		return b[:got], errInvalid("mem read: 0x%x: Bad address (%d bytes readable)", addr+uint64(got), got)
	}
	return b, nil
}

// MemWrite writes data to pid's memory at addr; writing faults pages in.
func (k *Kernel) MemWrite(pid int, addr uint64, data []byte) error {
	t := k.tasks[pid]
	if t == nil || userMM(t) == nil {
		return errInvalid("pid %d: no such user process", pid)
	}
	if got, err := t.MM.CopyToUser(addr, data); err != nil {
		return errInvalid("mem write: 0x%x: Bad address (%d bytes written)", addr+uint64(got), got)
	}
	return nil
}

// Addr is an address in JSON output: a "0x..." string, since JSON numbers
// above 2^53 lose their low bits in most readers (jq among them).
type Addr uint64

// MarshalText implements encoding.TextMarshaler.
func (a Addr) MarshalText() ([]byte, error) { return []byte(sprintf("%#x", uint64(a))), nil }
