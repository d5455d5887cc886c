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
