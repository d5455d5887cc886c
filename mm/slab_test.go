package mm

import (
	"errors"
	"math/rand"
	"testing"
)

// The geometry of SLUB for the object sizes of real caches, checked against
// /proc/slabinfo of a 2-CPU Linux 6.18 machine (objsize, objperslab,
// pagesperslab), and kplay's own one-CPU figures.
func TestSlabOrderMatchesLinux(t *testing.T) {
	for _, c := range []struct{ size, cpus, objs, pages int }{
		// from a 2-CPU machine's /proc/slabinfo
		{8, 2, 512, 1}, {96, 2, 42, 1}, {192, 2, 21, 1}, {1024, 2, 16, 4},
		{8192, 2, 4, 8}, {5824, 2, 5, 8}, {1600, 2, 20, 8}, {704, 2, 23, 4}, {624, 2, 13, 2},
		// one CPU: min_objects = 4 * (fls(1) + 1) = 8
		{1024, 1, 8, 2}, {192, 1, 21, 1}, {8192, 1, 4, 8}, {2048, 1, 8, 4},
	} {
		order, objs := SlabOrder(c.size, c.cpus)
		if objs != c.objs || 1<<order != c.pages {
			t.Errorf("size %d, %d CPUs: %d objects in %d pages, Linux has %d in %d", c.size, c.cpus, objs, 1<<order, c.objs, c.pages)
		}
	}
}

func TestCacheLayout(t *testing.T) {
	sl := NewSlabs(newPM(t, 64<<20, DefaultLowmemLimit), 1)
	for _, c := range []struct {
		size, align int
		flags       uint32
		ctor        bool
		want        int
	}{
		{13, 0, 0, false, 16}, {100, 0, SlabHWCacheAlign, false, 128}, {20, 0, SlabHWCacheAlign, false, 32},
		{64, 0, 0, true, 72}, {96, 0, SlabPoison, false, 104}, {40, 64, 0, false, 64},
	} {
		var ctor func([]byte)
		if c.ctor {
			ctor = func([]byte) {}
		}
		k, err := sl.Create(t.Name()+string(rune('a'+len(sl.caches))), c.size, c.align, c.flags, ctor)
		if err != nil {
			t.Fatal(err)
		}
		if k.Size != c.want {
			t.Errorf("size %d align %d flags %#x ctor %v: object takes %d, want %d", c.size, c.align, c.flags, c.ctor, k.Size, c.want)
		}
	}
	for _, bad := range []struct {
		name        string
		size, align int
	}{{"", 8, 0}, {"x", 0, 0}, {"y", 8, 3}, {"z", 1 << 30, 0}} {
		if _, err := sl.Create(bad.name, bad.size, bad.align, 0, nil); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// Random allocations and frees against a reference set: no object is
// handed out twice, and the cache's counts always match a recount.
func TestSlabAccountingAgainstARecount(t *testing.T) {
	pm := newPM(t, 64<<20, DefaultLowmemLimit)
	sl := NewSlabs(pm, 1)
	initialFree := pm.TotalFree()
	for _, size := range []int{8, 96, 700, 4096, 9000} {
		c, err := sl.Create("test", size, 0, SlabPoison, nil)
		if err != nil {
			t.Fatal(err)
		}
		live := map[uint64]bool{}
		var order []uint64
		rng := rand.New(rand.NewSource(int64(size)))
		for step := 0; step < 3000; step++ {
			if rng.Intn(5) < 3 || len(order) == 0 {
				a, err := c.Alloc(GFPKernel)
				if err != nil {
					t.Fatal(err)
				}
				if live[a] {
					t.Fatalf("size %d: object 0x%x handed out twice", size, a)
				}
				live[a] = true
				order = append(order, a)
			} else {
				i := rng.Intn(len(order))
				a := order[i]
				order = append(order[:i], order[i+1:]...)
				delete(live, a)
				if err := c.Free(a); err != nil {
					t.Fatal(err)
				}
			}
			if step%101 == 0 {
				recount(t, c, len(live))
			}
		}
		for _, a := range order {
			c.Free(a)
		}
		recount(t, c, 0)
		if err := sl.Destroy(c); err != nil {
			t.Fatal(err)
		}
	}
	if pm.TotalFree() != initialFree {
		t.Fatalf("%d pages free after destroying every cache, %d at the start", pm.TotalFree(), initialFree)
	}
}

func recount(t *testing.T, c *Cache, live int) {
	t.Helper()
	used, slabs := 0, 0
	for _, s := range c.SlabList() {
		slabs++
		n := 0
		for i := 0; i < c.ObjPerSlab; i++ {
			if s.Used(i) {
				n++
			}
		}
		if n != s.InUse || n+len(s.Freelist) != c.ObjPerSlab {
			t.Fatalf("%s: slab at pfn %d: %d used, inuse %d, %d on the freelist", c.Name, s.PFN, n, s.InUse, len(s.Freelist))
		}
		used += n
	}
	if used != live || c.ActiveObjs() != live || c.NumObjs() != slabs*c.ObjPerSlab {
		t.Fatalf("%s: %d live objects, counted %d, active %d, %d objects in %d slabs", c.Name, live, used, c.ActiveObjs(), c.NumObjs(), slabs)
	}
	for _, s := range c.partial {
		if len(s.Freelist) == 0 {
			t.Fatalf("%s: a full slab on the partial list", c.Name)
		}
	}
	for _, s := range c.full {
		if len(s.Freelist) != 0 {
			t.Fatalf("%s: a slab with free objects on the full list", c.Name)
		}
	}
}

func TestDoubleFreeAndUseAfterFreeAreCaught(t *testing.T) {
	pm := newPM(t, 64<<20, DefaultLowmemLimit)
	sl := NewSlabs(pm, 1)
	c, _ := sl.Create("victim", 64, 0, SlabPoison, nil)
	a, _ := c.Alloc(GFPKernel)
	b, _ := c.Alloc(GFPKernel)
	if err := c.Free(a); err != nil {
		t.Fatal(err)
	}
	if err := c.Free(a); !errors.Is(err, ErrDoubleFree) {
		t.Fatalf("second free: %v", err)
	}
	if err := c.Free(a + 8); !errors.Is(err, ErrNotSlab) {
		t.Fatalf("an address inside an object: %v", err)
	}
	other, _ := sl.Create("other", 64, 0, 0, nil)
	if err := other.Free(b); !errors.Is(err, ErrNotSlab) {
		t.Fatalf("freeing into the wrong cache: %v", err)
	}
	// Write into the freed object: its next allocation reports it.
	s, i, _ := pm.SlabObject(a)
	c.object(s, i)[10] = 0
	if got, err := c.Alloc(GFPKernel); got != a || err == nil {
		t.Fatalf("use after free went unnoticed: 0x%x %v", got, err)
	}
	if err := sl.Destroy(c); !errors.Is(err, ErrCacheBusy) {
		t.Fatalf("destroy with objects left: %v", err)
	}
}

func TestEmptySlabsGoBackToThePageAllocator(t *testing.T) {
	pm := newPM(t, 64<<20, DefaultLowmemLimit)
	sl := NewSlabs(pm, 1)
	c, _ := sl.Create("big", 2048, 0, 0, nil) // 8 per order-2 slab
	free := pm.TotalFree()
	var objs []uint64
	for i := 0; i < 8*20; i++ {
		a, _ := c.Alloc(GFPKernel)
		objs = append(objs, a)
	}
	if c.NumSlabs() != 20 || pm.TotalFree() != free-20*4 {
		t.Fatalf("%d slabs, %d pages used", c.NumSlabs(), free-pm.TotalFree())
	}
	for _, a := range objs {
		c.Free(a)
	}
	// SLUB keeps empty slabs while the partial list is shorter than
	// min_partial (ilog2(2048)/2 = 5, within 5-10): four partial ones and
	// the CPU slab; shrink gives those back too.
	if c.NumSlabs() != c.MinPartial {
		t.Fatalf("%d slabs kept, min_partial %d", c.NumSlabs(), c.MinPartial)
	}
	c.Shrink()
	if c.NumSlabs() != 0 || pm.TotalFree() != free {
		t.Fatalf("after shrink: %d slabs, %d pages missing", c.NumSlabs(), free-pm.TotalFree())
	}
}
