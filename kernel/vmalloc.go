package kernel

import (
	"sort"
	"strings"

	"kplay/consoledrv"
	"kplay/mm"
)

// The vmalloc area (x86-64, 4-level paging): virtually contiguous kernel
// memory built from single pages that need not be contiguous.
const (
	VmallocStart = 0xffffc90000000000
	VmallocEnd   = VmallocStart + 32<<40 - 1 // VMALLOC_SIZE_TB = 32
)

// vmArea is a vm_struct with its vmap_area: the range (a guard page
// included), the pages behind it, and who asked for it.
type vmArea struct {
	addr   uint64
	size   uint64 // with the guard page
	pages  []int  // pfns
	caller string
}

// Vmalloc is vmalloc: size bytes rounded up to pages, each page from the
// buddy allocator (GFP_KERNEL | __GFP_HIGHMEM: HighMem is fine, the pages
// are mapped here), at the lowest free address of the vmalloc area, with
// an unmapped guard page after it. caller names the code asking, as
// /proc/vmallocinfo's %pS shows it.
func (k *Kernel) Vmalloc(size int, caller string) (uint64, error) {
	if size <= 0 || size > 1<<30 {
		return 0, errInvalid("vmalloc(%d): want 1 byte to 1 GiB", size)
	}
	n := (size + mm.PageSize - 1) / mm.PageSize
	span := uint64(n+1) * mm.PageSize
	// alloc_vmap_area: first fit from the bottom.
	addr := uint64(VmallocStart)
	for _, a := range k.vmAreas {
		if addr+span <= a.addr {
			break
		}
		addr = a.addr + a.size
	}
	if addr+span-1 > VmallocEnd {
		return 0, errInvalid("vmalloc(%d): no room in the vmalloc area", size)
	}
	area := &vmArea{addr: addr, size: span, caller: caller}
	for i := 0; i < n; i++ {
		pfn, err := k.pm.AllocPages(mm.GFPKernel|mm.GFPHighMem, 0)
		if err != nil {
			for _, p := range area.pages {
				k.pm.FreePages(p, 0)
			}
			k.printk(consoledrv.Warning, "%s: vmalloc error: size %d, failed to allocate pages, mode:0xcc2(GFP_KERNEL|__GFP_HIGHMEM)", caller, size)
			return 0, errInvalid("vmalloc(%d): out of memory (ENOMEM)", size)
		}
		area.pages = append(area.pages, pfn)
	}
	k.vmAreas = append(k.vmAreas, area)
	sort.Slice(k.vmAreas, func(i, j int) bool { return k.vmAreas[i].addr < k.vmAreas[j].addr })
	return addr, nil
}

// Vfree is vfree: the area's pages go back; an address that starts no
// area is Linux's "Trying to vfree() nonexistent vm area" warning.
func (k *Kernel) Vfree(addr uint64) error {
	if addr == 0 {
		return nil
	}
	for i, a := range k.vmAreas {
		if a.addr == addr {
			for _, p := range a.pages {
				k.pm.FreePages(p, 0)
			}
			k.vmAreas = append(k.vmAreas[:i], k.vmAreas[i+1:]...)
			return nil
		}
	}
	k.printk(consoledrv.Warning, "Trying to vfree() nonexistent vm area (%016x)", addr)
	return errInvalid("vfree(0x%x): Trying to vfree() nonexistent vm area", addr)
}

// vmallocPages is vmalloc_nr_pages, for meminfo's VmallocUsed.
func (k *Kernel) vmallocPages() int {
	n := 0
	for _, a := range k.vmAreas {
		n += len(a.pages)
	}
	return n
}

// ProcVmallocinfo renders /proc/vmallocinfo (mm/vmalloc.c, s_show, Linux
// 6.6) as root with kptr_restrict=0 sees it: each area by address with its
// size (guard page included), caller, pages, and "vmalloc".
func (k *Kernel) ProcVmallocinfo() string {
	var b strings.Builder
	for _, a := range k.vmAreas {
		b.WriteString(sprintf("0x%016x-0x%016x %7d %s pages=%d vmalloc\n", a.addr, a.addr+a.size, a.size, a.caller, len(a.pages)))
	}
	return b.String()
}
