package kernel

import (
	"strconv"
	"strings"

	"kplay/mm"
)

// /proc/vmstat (mm/vmstat.c, vmstat_start and vmstat_show, Linux 6.6):
// one "name value" line per counter of vmstat_text, in its order: the
// zone counters, the node counters, the dirty thresholds, then the VM
// events, and last the deprecated "nr_unstable 0".
//
// Which names appear depends on the configuration. kplay's is the one its
// /proc/meminfo describes: CONFIG_ZONE_DMA and CONFIG_HIGHMEM (the
// course's three zones DMA, Normal and HighMem, so no _dma32), no
// ZONE_DEVICE, with CONFIG_VM_EVENT_COUNTERS, CONFIG_MIGRATION and
// CONFIG_COMPACTION (on in every distribution kernel; kplay never
// migrates or compacts, so they stay 0), and without NUMA, swap,
// zsmalloc, CMA, hugetlbfs, transparent huge pages, ballooning, KSM,
// zswap, unaccepted memory or the debug counters.
//
// Counters kplay keeps are live: free pages, anonymous pages, the page
// cache of ramfs and tmpfs (file, shmem and LRU counts), slab pages,
// kernel stacks, pages allocated and freed per zone, page faults and OOM
// kills. The rest count things kplay does not do (writeback, reclaim,
// swap) and are 0, as on a Linux that never did them either.

// vmstatItem is one line: its name and how to compute it, in pages
// unless the name says otherwise (nr_kernel_stack is in KiB).
type vmstatItem struct {
	name string
	val  func(k *Kernel) uint64
}

// zero is a counter of something kplay never does.
func zero(*Kernel) uint64 { return 0 }

// vmstatZones are the suffixes of TEXTS_FOR_ZONES and the zone each
// counts; ZONE_MOVABLE is never populated in kplay.
var vmstatZones = []struct {
	suffix string
	zone   mm.ZoneType
}{{"_dma", mm.ZoneDMA}, {"_normal", mm.ZoneNormal}, {"_high", mm.ZoneHighMem}, {"_movable", mm.NrZones}}

// vmstatText is vmstat_text for kplay's configuration.
var vmstatText = func() []vmstatItem {
	var t []vmstatItem
	add := func(f func(k *Kernel) uint64, names ...string) {
		for _, n := range names {
			t = append(t, vmstatItem{n, f})
		}
	}
	anon := func(k *Kernel) uint64 { return uint64(k.pm.AnonPages) }
	inactiveAnon := func(k *Kernel) uint64 { a, _ := k.lruPages(); return uint64(a) }
	unevictable := func(k *Kernel) uint64 { _, u := k.lruPages(); return uint64(u) }
	filePages := func(k *Kernel) uint64 { return uint64(k.vfs.NrFilePages) }
	shmem := func(k *Kernel) uint64 { return uint64(k.vfs.NrShmem) }
	// enum zone_stat_item
	add(func(k *Kernel) uint64 { return uint64(k.nrFreePages()) }, "nr_free_pages")
	add(inactiveAnon, "nr_zone_inactive_anon")
	add(zero, "nr_zone_active_anon", "nr_zone_inactive_file", "nr_zone_active_file")
	add(unevictable, "nr_zone_unevictable")
	add(zero, "nr_zone_write_pending", "nr_mlock", "nr_bounce", "nr_free_cma")
	// enum node_stat_item: new anonymous and shmem pages stay on the
	// inactive list, ramfs's are unevictable, as meminfo says.
	add(inactiveAnon, "nr_inactive_anon")
	add(zero, "nr_active_anon", "nr_inactive_file", "nr_active_file")
	add(unevictable, "nr_unevictable")
	add(func(k *Kernel) uint64 { _, r := k.slabPages(); return uint64(r) }, "nr_slab_reclaimable")
	add(func(k *Kernel) uint64 { s, r := k.slabPages(); return uint64(s - r) }, "nr_slab_unreclaimable")
	add(zero, "nr_isolated_anon", "nr_isolated_file",
		"workingset_nodes", "workingset_refault_anon", "workingset_refault_file",
		"workingset_activate_anon", "workingset_activate_file",
		"workingset_restore_anon", "workingset_restore_file", "workingset_nodereclaim")
	add(anon, "nr_anon_pages")
	add(zero, "nr_mapped")
	add(filePages, "nr_file_pages")
	add(zero, "nr_dirty", "nr_writeback", "nr_writeback_temp")
	add(shmem, "nr_shmem")
	add(zero, "nr_shmem_hugepages", "nr_shmem_pmdmapped", "nr_file_hugepages",
		"nr_file_pmdmapped", "nr_anon_transparent_hugepages", "nr_vmscan_write",
		"nr_vmscan_immediate_reclaim", "nr_dirtied", "nr_written", "nr_throttled_written",
		"nr_kernel_misc_reclaimable", "nr_foll_pin_acquired", "nr_foll_pin_released")
	add(func(k *Kernel) uint64 { return uint64(k.nrThreads()) * threadSizeKB }, "nr_kernel_stack")
	add(zero, "nr_page_table_pages", "nr_sec_page_table_pages")
	// enum writeback_stat_item
	add(func(k *Kernel) uint64 { t, _ := k.dirtyLimits(); return t }, "nr_dirty_threshold")
	add(func(k *Kernel) uint64 { _, bg := k.dirtyLimits(); return bg }, "nr_dirty_background_threshold")
	// enum vm_event_item: pgpgin and pgpgout count KiB read from and
	// written to block devices, pswpin and pswpout pages swapped; kplay
	// has neither.
	add(zero, "pgpgin", "pgpgout", "pswpin", "pswpout")
	for _, z := range vmstatZones {
		zt := z.zone
		add(func(k *Kernel) uint64 {
			if zt < mm.NrZones && k.pm.Zones[zt] != nil {
				return k.pm.Zones[zt].PgAlloc
			}
			return 0
		}, "pgalloc"+z.suffix)
	}
	for _, z := range vmstatZones {
		add(zero, "allocstall"+z.suffix)
	}
	for _, z := range vmstatZones {
		add(zero, "pgskip"+z.suffix)
	}
	add(func(k *Kernel) uint64 {
		var n uint64
		for _, z := range k.pm.Zones {
			if z != nil {
				n += z.PgFree
			}
		}
		return n
	}, "pgfree")
	add(zero, "pgactivate", "pgdeactivate", "pglazyfree")
	add(func(k *Kernel) uint64 { return k.pm.PgFault }, "pgfault")
	add(func(k *Kernel) uint64 { return k.pm.PgMajFault }, "pgmajfault")
	add(zero, "pglazyfreed", "pgrefill", "pgreuse",
		"pgsteal_kswapd", "pgsteal_direct", "pgsteal_khugepaged",
		"pgdemote_kswapd", "pgdemote_direct", "pgdemote_khugepaged",
		"pgscan_kswapd", "pgscan_direct", "pgscan_khugepaged", "pgscan_direct_throttle",
		"pgscan_anon", "pgscan_file", "pgsteal_anon", "pgsteal_file",
		"pginodesteal", "slabs_scanned", "kswapd_inodesteal",
		"kswapd_low_wmark_hit_quickly", "kswapd_high_wmark_hit_quickly", "pageoutrun",
		"pgrotated", "drop_pagecache", "drop_slab")
	add(func(k *Kernel) uint64 { return k.oomKills }, "oom_kill")
	add(zero, "pgmigrate_success", "pgmigrate_fail",
		"thp_migration_success", "thp_migration_fail", "thp_migration_split",
		"compact_migrate_scanned", "compact_free_scanned", "compact_isolated",
		"compact_stall", "compact_fail", "compact_success", "compact_daemon_wake",
		"compact_daemon_migrate_scanned", "compact_daemon_free_scanned",
		"unevictable_pgs_culled", "unevictable_pgs_scanned", "unevictable_pgs_rescued",
		"unevictable_pgs_mlocked", "unevictable_pgs_munlocked", "unevictable_pgs_cleared",
		"unevictable_pgs_stranded",
		"direct_map_level2_splits", "direct_map_level3_splits")
	return t
}()

// nrFreePages is NR_FREE_PAGES summed over the zones.
func (k *Kernel) nrFreePages() int { return k.zoneSum(func(z *mm.Zone) int { return z.Free }) }

// zoneSum adds f over the populated zones.
func (k *Kernel) zoneSum(f func(z *mm.Zone) int) int {
	n := 0
	for _, z := range k.pm.Zones {
		if z != nil {
			n += f(z)
		}
	}
	return n
}

// dirtyLimits is global_dirty_limits with the default vm.dirty_ratio (20)
// and vm.dirty_background_ratio (10), no dirty_bytes, and a reader that is
// not a real-time task: thresholds in pages of the dirtyable memory, free
// pages less totalreserve_pages, less the free HighMem above its high
// watermark (vm.highmem_is_dirtyable is 0), plus one.
func (k *Kernel) dirtyLimits() (thresh, bg uint64) {
	x := uint64(k.nrFreePages())
	x -= min(x, uint64(k.totalreservePages()))
	if z := k.pm.Zones[mm.ZoneHighMem]; z != nil {
		hi := uint64(z.Free)
		hi -= min(hi, uint64(z.WmarkHigh))
		x -= min(hi, x)
	}
	x++                                   // never 0
	ratio := uint64(20*mm.PageSize) / 100 // per PAGE_SIZE, for precision
	bgRatio := uint64(10*mm.PageSize) / 100
	thresh = ratio * x / mm.PageSize
	bg = bgRatio * x / mm.PageSize
	if bg >= thresh {
		bg = thresh / 2
	}
	return thresh, bg
}

// ProcVmstat renders /proc/vmstat.
func (k *Kernel) ProcVmstat() string {
	var b strings.Builder
	for _, it := range vmstatText {
		b.WriteString(it.name + " " + strconv.FormatUint(it.val(k), 10) + "\n")
	}
	b.WriteString("nr_unstable 0\n")
	return b.String()
}
