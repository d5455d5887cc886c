package mm

import (
	"errors"
	"fmt"
)

// Page sizes and orders (include/asm-generic/page.h, include/linux/mmzone.h
// as of Linux 6.4+, where MAX_ORDER is the largest order itself).
const (
	PageShift = 12
	// PageSize is PAGE_SIZE.
	PageSize = 1 << PageShift
	// MaxOrder is MAX_ORDER: blocks of 2^0 to 2^10 pages (4 KiB to 4 MiB).
	MaxOrder = 10
	// NrPageOrders is NR_PAGE_ORDERS, the number of free lists per zone.
	NrPageOrders = MaxOrder + 1
	// PageOffset is where the kernel's direct map of physical memory
	// starts (x86-64's __PAGE_OFFSET without KASLR): page_address(page)
	// is PageOffset + pfn * PageSize.
	PageOffset = 0xffff888000000000
)

// Page flags kplay uses (include/linux/page-flags.h names).
const (
	PGReserved = 1 << iota // PG_reserved: never handed out
	PGSlab                 // PG_slab: belongs to a slab cache
	PGBuddy                // PageBuddy: heads a free block in a free list
	PGHead                 // PG_head: first page of a compound allocation
)

// Page is struct page: one per page frame.
type Page struct {
	Flags    uint32
	Refcount int32 // _refcount: 0 while free
	// Order is the order of the block this page heads: a free block's
	// (buddy_order) or an allocation's.
	Order int8
	// Slab is the slab this page belongs to (page->slab_cache and the
	// slab fields of struct slab), set by the slab allocator.
	Slab *Slab
	// prev and next link a free block's head into its free list, as
	// pfn+1, so that the zero value is "none" and a fresh mem_map needs
	// no writing (a page's zone comes from its pfn: ZoneOf).
	prev, next int32
}

// ZoneType is a zone's index (enum zone_type, with the 32-bit layout the
// course teaches: DMA, Normal, HighMem).
type ZoneType uint8

// Zones.
const (
	ZoneDMA ZoneType = iota
	ZoneNormal
	ZoneHighMem
	NrZones
)

var zoneNames = [NrZones]string{"DMA", "Normal", "HighMem"}

func (z ZoneType) String() string { return zoneNames[z] }

// FreeArea is one order's free list of a zone (struct free_area).
type FreeArea struct {
	head   int32 // first block's pfn, or -1
	NrFree int   // blocks on the list
}

// Zone is a range of page frames with its own free lists and watermarks
// (struct zone).
type Zone struct {
	Type     ZoneType
	StartPFN int
	Spanned  int // pages from StartPFN to the zone's end
	Present  int
	Managed  int // present pages the buddy allocator owns
	Free     int // free pages (NR_FREE_PAGES)
	// WmarkMin, WmarkLow, WmarkHigh and WmarkPromo are the watermarks in
	// pages.
	WmarkMin, WmarkLow, WmarkHigh, WmarkPromo int
	// LowmemReserve[z] is what this zone keeps back from allocations
	// that could have used the higher zone z (lowmem_reserve, shown as
	// zoneinfo's "protection").
	LowmemReserve [NrZones]int
	Areas         [NrPageOrders]FreeArea
	// Counters (vmstat): blocks handed out and given back, and the pages
	// in them (the PGALLOC and PGFREE events of /proc/vmstat).
	AllocCount, FreeCount uint64
	PgAlloc, PgFree       uint64
}

// GFP flags (include/linux/gfp_types.h, Linux 6.6 bit values).
type GFP uint32

// The GFP bits kplay honours, and the usual combinations.
const (
	GFPDMA           GFP = 0x01
	GFPHighMem       GFP = 0x02
	GFPDMA32         GFP = 0x04
	GFPMovable       GFP = 0x08
	GFPHigh          GFP = 0x20  // __GFP_HIGH: may use part of the reserve
	GFPIO            GFP = 0x40  // __GFP_IO
	GFPFS            GFP = 0x80  // __GFP_FS
	GFPZero          GFP = 0x100 // __GFP_ZERO
	GFPDirectReclaim GFP = 0x400
	GFPKswapdReclaim GFP = 0x800
	GFPNoWarn        GFP = 0x2000
	GFPHardwall      GFP = 0x100000

	GFPReclaim = GFPDirectReclaim | GFPKswapdReclaim
	// GFPAtomic is GFP_ATOMIC: cannot sleep, may dip into the reserve.
	GFPAtomic = GFPHigh | GFPKswapdReclaim
	// GFPKernel is GFP_KERNEL.
	GFPKernel = GFPReclaim | GFPIO | GFPFS
	// GFPUser is GFP_USER.
	GFPUser = GFPReclaim | GFPIO | GFPFS | GFPHardwall
	// GFPHighUser is GFP_HIGHUSER.
	GFPHighUser = GFPUser | GFPHighMem
	// GFPKernelDMA is GFP_KERNEL | GFP_DMA.
	GFPKernelDMA = GFPKernel | GFPDMA
)

// ErrNoMem is an allocation that cannot be satisfied (-ENOMEM).
var ErrNoMem = errors.New("out of memory")

// PhysMem is the machine's RAM: the struct page array (mem_map), its
// zones and their buddy allocators. Page frames are backed by host memory
// on first touch, in chunks, so a large machine costs the host only what
// it uses.
type PhysMem struct {
	Pages []Page
	Zones [NrZones]*Zone
	// chunks back the frames: chunk i holds frames
	// [i*chunkPages, (i+1)*chunkPages).
	chunks [][]byte
	alloc  func(n int) []byte
	// BackedBytes is how much host memory the frames use so far.
	BackedBytes int64
	// FailPageAlloc is the fail_page_alloc fault injector.
	FailPageAlloc *FaultAttr
	// AnonPages counts the user pages mapped (NR_ANON_MAPPED).
	AnonPages int
	// PgFault counts the user page faults handled (the PGFAULT event);
	// PgMajFault those that needed I/O, which kplay's never do.
	PgFault, PgMajFault uint64
}

// chunkPages is how many frames one host allocation backs: one MAX_ORDER
// block (4 MiB), so every buddy block, and so every slab, is contiguous
// host memory. Go hands out allocations this large as fresh pages from
// the OS, which cost no RSS until they are written.
const chunkPages = 1 << MaxOrder

// DMALimit is the end of ZONE_DMA: the first 16 MiB, which ISA DMA can
// reach.
const DMALimit = 16 << 20

// DefaultLowmemLimit is where ZONE_HIGHMEM starts (896 MiB, as on 32-bit
// x86 with the 3G/1G split).
const DefaultLowmemLimit = 896 << 20

// NewPhysMem sets up ram bytes of RAM split into zones at 16 MiB and at
// lowmem; alloc provides host memory (the host's mem_alloc) when a frame
// is first touched. Every frame starts free, merged into the largest
// blocks the buddy allocator can make.
func NewPhysMem(ram, lowmem int64, alloc func(n int) []byte) (*PhysMem, error) {
	if ram < PageSize<<MaxOrder || ram%PageSize != 0 {
		return nil, fmt.Errorf("mm: RAM of %d bytes: want a multiple of 4 KiB, at least 4 MiB", ram)
	}
	if lowmem <= DMALimit || lowmem%PageSize != 0 {
		return nil, fmt.Errorf("mm: lowmem limit of %d bytes: want a multiple of 4 KiB above 16 MiB", lowmem)
	}
	n := int(ram / PageSize)
	pm := &PhysMem{Pages: make([]Page, n), alloc: alloc, FailPageAlloc: newFaultAttr("fail_page_alloc", 1)}
	bounds := []int{0, int(DMALimit / PageSize), int(lowmem / PageSize), n}
	for z := ZoneDMA; z < NrZones; z++ {
		start, end := min(bounds[z], n), min(bounds[z+1], n)
		if end <= start {
			continue // no Normal on a tiny machine, no HighMem below lowmem
		}
		zone := &Zone{Type: z, StartPFN: start, Spanned: end - start, Present: end - start}
		for i := range zone.Areas {
			zone.Areas[i].head = -1
		}
		pm.Zones[z] = zone
	}
	// memblock_free_all: hand every frame to the buddy allocator, in the
	// largest aligned blocks that fit each zone.
	for _, z := range pm.Zones {
		if z == nil {
			continue
		}
		z.Managed = z.Present
		for pfn := z.StartPFN; pfn < z.StartPFN+z.Spanned; {
			order := MaxOrder
			for order > 0 && (pfn&(1<<order-1) != 0 || pfn+1<<order > z.StartPFN+z.Spanned) {
				order--
			}
			pm.freeBlock(pfn, order)
			pfn += 1 << order
		}
		z.FreeCount, z.PgFree = 0, 0
	}
	pm.setupWatermarks()
	return pm, nil
}

// MinFreeKbytes is vm.min_free_kbytes as the kernel computes it at boot
// (calculate_min_free_kbytes): sqrt(lowmem KiB * 16), within 128-262144.
func (pm *PhysMem) MinFreeKbytes() int {
	lowKB := pm.lowmemPages() * (PageSize >> 10)
	return min(max(isqrt(lowKB*16), 128), 262144)
}

func (pm *PhysMem) lowmemPages() int {
	n := 0
	for _, z := range pm.Zones {
		if z != nil && z.Type != ZoneHighMem {
			n += z.Managed
		}
	}
	return n
}

func isqrt(n int) int {
	r := 0
	for (r+1)*(r+1) <= n {
		r++
	}
	return r
}

// setupWatermarks is __setup_per_zone_wmarks: min_free_kbytes is shared
// among the lowmem zones by size; HighMem gets managed/1024 pages within
// 32-128; low and high are min plus one and two steps of
// max(min/4, managed * watermark_scale_factor(10) / 10000).
func (pm *PhysMem) setupWatermarks() {
	pagesMin := pm.MinFreeKbytes() >> (PageShift - 10)
	low := pm.lowmemPages()
	for _, z := range pm.Zones {
		if z == nil {
			continue
		}
		tmp := pagesMin * z.Managed / low
		if z.Type == ZoneHighMem {
			z.WmarkMin = min(max(z.Managed/1024, 32), 128)
		} else {
			z.WmarkMin = tmp
		}
		step := max(tmp>>2, z.Managed*10/10000)
		z.WmarkLow = z.WmarkMin + step
		z.WmarkHigh = z.WmarkLow + step
		z.WmarkPromo = z.WmarkHigh + step
	}
	// setup_per_zone_lowmem_reserve with sysctl_lowmem_reserve_ratio's
	// defaults (DMA 256, Normal 32): a zone keeps back the managed pages
	// of the higher zones over its ratio.
	ratio := [NrZones]int{256, 32, 0}
	for i, z := range pm.Zones {
		if z == nil {
			continue
		}
		above := 0
		for j := i + 1; j < int(NrZones); j++ {
			if pm.Zones[j] != nil {
				above += pm.Zones[j].Managed
			}
			if ratio[i] > 0 {
				z.LowmemReserve[j] = above / ratio[i]
			}
		}
	}
}

// zonelist is the order in which an allocation tries the zones (the
// zonelist gfp_zone picks): from the highest the flags allow, down.
func (pm *PhysMem) zonelist(gfp GFP) []*Zone {
	high := ZoneNormal
	switch {
	case gfp&GFPDMA != 0:
		high = ZoneDMA
	case gfp&GFPHighMem != 0:
		high = ZoneHighMem
	}
	var out []*Zone
	for z := int(high); z >= 0; z-- {
		if pm.Zones[z] != nil {
			out = append(out, pm.Zones[z])
		}
	}
	return out
}

// AllocPages allocates 2^order contiguous frames (alloc_pages) and returns
// the first one's pfn: from the first zone of the zonelist that stays above
// its min watermark after the allocation (GFP_ATOMIC may use half of the
// reserve below it). __GFP_ZERO clears the block.
func (pm *PhysMem) AllocPages(gfp GFP, order int) (int, error) {
	if order < 0 || order > MaxOrder {
		return 0, fmt.Errorf("mm: order %d: want 0-%d", order, MaxOrder)
	}
	if f := pm.FailPageAlloc; order >= f.MinOrder && !(f.IgnoreGFPHighmem && gfp&GFPHighMem != 0) &&
		!(f.IgnoreGFPWait && gfp&GFPDirectReclaim != 0) && f.shouldFail(1<<order) {
		return 0, ErrNoMem // should_fail_alloc_page
	}
	zones := pm.zonelist(gfp)
	classzone := zones[0].Type // the highest zone the flags allow
	for _, z := range zones {
		if !z.watermarkOK(order, gfp, classzone) {
			continue
		}
		pfn, ok := pm.rmqueue(z, order)
		if !ok {
			continue
		}
		for i := 0; i < 1<<order; i++ {
			pm.Pages[pfn+i].Refcount = 1
		}
		head := &pm.Pages[pfn]
		head.Order = int8(order)
		if order > 0 {
			head.Flags |= PGHead
		}
		z.AllocCount++
		z.PgAlloc += 1 << order
		if gfp&GFPZero != 0 {
			for i := 0; i < 1<<order; i++ {
				clear(pm.Frame(pfn + i))
			}
		}
		return pfn, nil
	}
	return 0, ErrNoMem
}

// watermarkOK is __zone_watermark_ok for the min watermark (the slow
// path's; kplay has no reclaim to try first): after taking 2^order pages
// the zone keeps min free plus what it reserves from allocations that
// could have gone to the classzone. __GFP_HIGH (ALLOC_MIN_RESERVE) halves
// min; one that cannot sleep (ALLOC_NON_BLOCK: GFP_ATOMIC) takes a quarter
// more, down to 37.5%.
func (z *Zone) watermarkOK(order int, gfp GFP, classzone ZoneType) bool {
	min := z.WmarkMin
	if gfp&GFPHigh != 0 {
		min -= min / 2
		if gfp&GFPDirectReclaim == 0 {
			min -= min / 4
		}
	}
	return z.Free-(1<<order) >= min+z.LowmemReserve[classzone]
}

// rmqueue takes a block of the order from z's free lists, splitting a
// larger one if need be (__rmqueue_smallest and expand): the lower half
// is kept, each upper half goes back on the free list one order down.
func (pm *PhysMem) rmqueue(z *Zone, order int) (int, bool) {
	for o := order; o <= MaxOrder; o++ {
		pfn := int(z.Areas[o].head)
		if pfn < 0 {
			continue
		}
		pm.delFree(z, pfn, o)
		for high := o; high > order; {
			high--
			pm.addFree(z, pfn+1<<high, high)
		}
		z.Free -= 1 << order
		return pfn, true
	}
	return 0, false
}

// FreePages gives back the block of 2^order frames at pfn (free_pages),
// merging it with its free buddies as far as they go (__free_one_page).
func (pm *PhysMem) FreePages(pfn, order int) error {
	if pfn < 0 || pfn >= len(pm.Pages) || order < 0 || order > MaxOrder || pfn&(1<<order-1) != 0 {
		return fmt.Errorf("mm: free_pages(pfn %d, order %d): not a block", pfn, order)
	}
	p := &pm.Pages[pfn]
	switch {
	case p.Flags&PGBuddy != 0 || p.Refcount == 0:
		return fmt.Errorf("mm: free_pages(pfn %#x, order %d): the page is already free (double free)", pfn, order)
	case int(p.Order) != order:
		return fmt.Errorf("mm: free_pages(pfn %#x, order %d): it was allocated with order %d", pfn, order, p.Order)
	case p.Flags&PGSlab != 0:
		return fmt.Errorf("mm: free_pages(pfn %#x): the page belongs to a slab", pfn)
	}
	for i := 0; i < 1<<order; i++ {
		pm.Pages[pfn+i].Refcount = 0
	}
	p.Flags &^= PGHead
	z := pm.Zones[pm.ZoneOf(pfn)]
	z.FreeCount++
	z.PgFree += 1 << order
	pm.freeBlock(pfn, order)
	return nil
}

// freeBlock is __free_one_page: merge with free buddies of the same order
// and zone, then put the block on its free list.
func (pm *PhysMem) freeBlock(pfn, order int) {
	z := pm.Zones[pm.ZoneOf(pfn)]
	z.Free += 1 << order
	for order < MaxOrder {
		buddy := pfn ^ (1 << order)
		if buddy < z.StartPFN || buddy >= z.StartPFN+z.Spanned {
			break
		}
		b := &pm.Pages[buddy]
		if b.Flags&PGBuddy == 0 || int(b.Order) != order {
			break
		}
		pm.delFree(z, buddy, order)
		pfn &= buddy
		order++
	}
	pm.addFree(z, pfn, order)
}

func (pm *PhysMem) addFree(z *Zone, pfn, order int) {
	p := &pm.Pages[pfn]
	p.Flags |= PGBuddy
	p.Order = int8(order)
	p.prev, p.next = 0, z.Areas[order].head+1
	if head := z.Areas[order].head; head >= 0 {
		pm.Pages[head].prev = int32(pfn) + 1
	}
	z.Areas[order].head = int32(pfn)
	z.Areas[order].NrFree++
}

func (pm *PhysMem) delFree(z *Zone, pfn, order int) {
	p := &pm.Pages[pfn]
	if p.prev > 0 {
		pm.Pages[p.prev-1].next = p.next
	} else {
		z.Areas[order].head = p.next - 1
	}
	if p.next > 0 {
		pm.Pages[p.next-1].prev = p.prev
	}
	p.prev, p.next = 0, 0
	p.Flags &^= PGBuddy
	z.Areas[order].NrFree--
}

// ZoneOf is page_zone: the zone frame pfn belongs to.
func (pm *PhysMem) ZoneOf(pfn int) ZoneType {
	for z := NrZones - 1; ; z-- {
		if zone := pm.Zones[z]; zone != nil && pfn >= zone.StartPFN || z == ZoneDMA {
			return z
		}
	}
}

// FreeBlocks lists the pfns of the free blocks of one order in a zone, in
// list order (for inspection and tests).
func (pm *PhysMem) FreeBlocks(z *Zone, order int) []int {
	var out []int
	for pfn := z.Areas[order].head; pfn >= 0; pfn = pm.Pages[pfn].next - 1 {
		out = append(out, int(pfn))
	}
	return out
}

// Frame is the memory of page frame pfn, backed by the host on first use.
func (pm *PhysMem) Frame(pfn int) []byte {
	c := pfn / chunkPages
	for len(pm.chunks) <= c {
		pm.chunks = append(pm.chunks, nil)
	}
	if pm.chunks[c] == nil {
		pm.chunks[c] = pm.alloc(chunkPages * PageSize)
		pm.BackedBytes += chunkPages * PageSize
	}
	off := (pfn % chunkPages) * PageSize
	return pm.chunks[c][off : off+PageSize : off+PageSize]
}

// PageAddress is page_address: the kernel virtual address of frame pfn in
// the direct map.
func PageAddress(pfn int) uint64 { return PageOffset + uint64(pfn)*PageSize }

// VirtToPFN is virt_to_pfn for a direct-map address; ok is false outside
// the map.
func (pm *PhysMem) VirtToPFN(addr uint64) (int, bool) {
	if addr < PageOffset {
		return 0, false
	}
	pfn := (addr - PageOffset) / PageSize
	if pfn >= uint64(len(pm.Pages)) {
		return 0, false
	}
	return int(pfn), true
}

// TotalFree is the free pages of every zone (nr_free_pages).
func (pm *PhysMem) TotalFree() int {
	n := 0
	for _, z := range pm.Zones {
		if z != nil {
			n += z.Free
		}
	}
	return n
}
