package mm

import (
	"math/rand"
	"testing"
)

func hostAlloc(n int) []byte { return make([]byte, n) }

func newPM(t *testing.T, ram, lowmem int64) *PhysMem {
	t.Helper()
	pm, err := NewPhysMem(ram, lowmem, hostAlloc)
	if err != nil {
		t.Fatal(err)
	}
	return pm
}

// snapshot is every zone's free-list shape: blocks per order.
func snapshot(pm *PhysMem) [NrZones][NrPageOrders]int {
	var s [NrZones][NrPageOrders]int
	for _, z := range pm.Zones {
		if z != nil {
			for o := range z.Areas {
				s[z.Type][o] = z.Areas[o].NrFree
			}
		}
	}
	return s
}

// check verifies the allocator against the model: the free lists hold
// exactly the frames the model says are free, each once, in blocks that
// are aligned, inside their zone and not mergeable with a free buddy.
func check(t *testing.T, pm *PhysMem, used []bool) {
	t.Helper()
	seen := make([]bool, len(pm.Pages))
	for _, z := range pm.Zones {
		if z == nil {
			continue
		}
		free := 0
		for o := 0; o <= MaxOrder; o++ {
			blocks := pm.FreeBlocks(z, o)
			if len(blocks) != z.Areas[o].NrFree {
				t.Fatalf("%s order %d: list has %d blocks, nr_free says %d", z.Type, o, len(blocks), z.Areas[o].NrFree)
			}
			for _, pfn := range blocks {
				if pfn&(1<<o-1) != 0 || pfn < z.StartPFN || pfn+1<<o > z.StartPFN+z.Spanned {
					t.Fatalf("%s order %d: block at pfn %d misaligned or outside the zone", z.Type, o, pfn)
				}
				for i := pfn; i < pfn+1<<o; i++ {
					if seen[i] || used[i] {
						t.Fatalf("pfn %d free twice, or free while allocated (order %d)", i, o)
					}
					seen[i] = true
				}
				free += 1 << o
				if o < MaxOrder {
					b := pfn ^ (1 << o)
					if b >= z.StartPFN && b < z.StartPFN+z.Spanned && pm.Pages[b].Flags&PGBuddy != 0 && int(pm.Pages[b].Order) == o {
						t.Fatalf("free buddies %d and %d at order %d were not merged", pfn, b, o)
					}
				}
			}
		}
		if free != z.Free {
			t.Fatalf("%s: free lists hold %d pages, NR_FREE_PAGES says %d", z.Type, free, z.Free)
		}
	}
	for pfn := range used {
		if !used[pfn] && !seen[pfn] {
			t.Fatalf("pfn %d is neither allocated nor on a free list (leaked)", pfn)
		}
	}
}

func TestBuddyAgainstABitmapModel(t *testing.T) {
	for _, ram := range []int64{4 << 20, 20 << 20, 64 << 20} {
		pm := newPM(t, ram, 48<<20) // 64 MiB gets a HighMem zone too
		initial := snapshot(pm)
		used := make([]bool, len(pm.Pages))
		type block struct{ pfn, order int }
		var live []block
		rng := rand.New(rand.NewSource(ram))
		gfps := []GFP{GFPKernel, GFPKernelDMA, GFPHighUser, GFPAtomic, GFPKernel | GFPZero}
		for step := 0; step < 4000; step++ {
			if rng.Intn(3) > 0 || len(live) == 0 {
				order := rng.Intn(5)
				if rng.Intn(20) == 0 {
					order = MaxOrder
				}
				gfp := gfps[rng.Intn(len(gfps))]
				pfn, err := pm.AllocPages(gfp, order)
				if err != nil {
					continue
				}
				z := pm.ZoneOf(pfn)
				if gfp&GFPDMA != 0 && z != ZoneDMA || gfp&GFPHighMem == 0 && z == ZoneHighMem {
					t.Fatalf("%#x got a block in %s", gfp, z)
				}
				for i := pfn; i < pfn+1<<order; i++ {
					if used[i] {
						t.Fatalf("pfn %d handed out twice", i)
					}
					used[i] = true
				}
				live = append(live, block{pfn, order})
			} else {
				i := rng.Intn(len(live))
				b := live[i]
				live = append(live[:i], live[i+1:]...)
				if err := pm.FreePages(b.pfn, b.order); err != nil {
					t.Fatal(err)
				}
				for j := b.pfn; j < b.pfn+1<<b.order; j++ {
					used[j] = false
				}
			}
			if step%97 == 0 {
				check(t, pm, used)
			}
		}
		for _, b := range live {
			if err := pm.FreePages(b.pfn, b.order); err != nil {
				t.Fatal(err)
			}
			for j := b.pfn; j < b.pfn+1<<b.order; j++ {
				used[j] = false
			}
		}
		check(t, pm, used)
		if got := snapshot(pm); got != initial {
			t.Fatalf("%d MiB: after freeing everything the free lists are %v, want the boot state %v", ram>>20, got, initial)
		}
	}
}

func TestBuddySplitsAndMerges(t *testing.T) {
	pm := newPM(t, 64<<20, DefaultLowmemLimit)
	dma := pm.Zones[ZoneDMA]
	if dma.Areas[MaxOrder].NrFree != 4 || dma.Free != 4096 || pm.Zones[ZoneHighMem] != nil {
		t.Fatalf("boot: DMA has %d order-10 blocks and %d free pages", dma.Areas[MaxOrder].NrFree, dma.Free)
	}
	// An order-0 GFP_DMA allocation splits one order-10 block: one block
	// of each order 0..9 is left.
	pfn, err := pm.AllocPages(GFPKernelDMA, 0)
	if err != nil || pm.ZoneOf(pfn) != ZoneDMA {
		t.Fatal(pfn, err)
	}
	for o := 0; o < MaxOrder; o++ {
		if dma.Areas[o].NrFree != 1 {
			t.Fatalf("order %d: %d blocks after one split", o, dma.Areas[o].NrFree)
		}
	}
	if err := pm.FreePages(pfn, 0); err != nil {
		t.Fatal(err)
	}
	if dma.Areas[MaxOrder].NrFree != 4 || dma.Areas[0].NrFree != 0 {
		t.Fatal("freeing the page must merge everything back")
	}
	if err := pm.FreePages(pfn, 0); err == nil {
		t.Fatal("a double free must be refused")
	}
	if err := pm.FreePages(3, 1); err == nil {
		t.Fatal("a misaligned block must be refused")
	}
}

func TestWatermarksForA64MiBMachine(t *testing.T) {
	pm := newPM(t, 64<<20, DefaultLowmemLimit)
	// min_free_kbytes = sqrt(65536 * 16) = 1024 KiB = 256 pages, shared
	// 1:3 between DMA (4096 pages) and Normal (12288).
	if got := pm.MinFreeKbytes(); got != 1024 {
		t.Fatalf("min_free_kbytes %d", got)
	}
	for _, w := range []struct {
		z              ZoneType
		min, low, high int
	}{{ZoneDMA, 64, 80, 96}, {ZoneNormal, 192, 240, 288}} {
		z := pm.Zones[w.z]
		if z.WmarkMin != w.min || z.WmarkLow != w.low || z.WmarkHigh != w.high {
			t.Errorf("%s: min %d low %d high %d, want %d %d %d", w.z, z.WmarkMin, z.WmarkLow, z.WmarkHigh, w.min, w.low, w.high)
		}
	}
	// DMA keeps Normal's managed pages / 256 = 48 back from allocations
	// that could have used Normal.
	if r := pm.Zones[ZoneDMA].LowmemReserve; r != [NrZones]int{0, 48, 48} {
		t.Fatalf("DMA's lowmem_reserve %v", r)
	}
	// GFP_KERNEL stops at the min watermarks (DMA's plus its reserve);
	// GFP_ATOMIC goes on to 37.5% of min; then both fail.
	n := 0
	for {
		if _, err := pm.AllocPages(GFPKernel, 0); err != nil {
			break
		}
		n++
	}
	if left := pm.TotalFree(); left != 64+48+192 {
		t.Fatalf("GFP_KERNEL stopped with %d pages free, want 64+48 in DMA and 192 in Normal", left)
	}
	for {
		if _, err := pm.AllocPages(GFPAtomic, 0); err != nil {
			break
		}
	}
	if left := pm.TotalFree(); left != 24+48+72 {
		t.Fatalf("GFP_ATOMIC stopped with %d pages free, want 24+48 in DMA and 72 in Normal", left)
	}
}

func TestFramesAreBackedLazily(t *testing.T) {
	pm := newPM(t, 64<<20, DefaultLowmemLimit)
	if pm.BackedBytes != 0 {
		t.Fatalf("a fresh machine backs %d bytes", pm.BackedBytes)
	}
	pfn, _ := pm.AllocPages(GFPKernel|GFPZero, 2)
	pm.Frame(pfn)[7] = 42
	if pm.BackedBytes != chunkPages*PageSize || pm.Frame(pfn)[7] != 42 {
		t.Fatalf("backed %d", pm.BackedBytes)
	}
	if got, ok := pm.VirtToPFN(PageAddress(pfn) + 123); !ok || got != pfn {
		t.Fatalf("virt_to_pfn(page_address(%d)) = %d", pfn, got)
	}
}
