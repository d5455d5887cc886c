package mm

import (
	"errors"
	"fmt"
	"math/bits"
)

// The slab allocator is SLUB's model (mm/slub.c, Linux 6.6) on one CPU:
// a cache carves slabs of 2^order pages into objects of one size; a slab
// keeps its free objects on a freelist; the cache keeps one slab as the
// CPU slab (allocations come from it first) and the others that have free
// objects on its partial list. Full slabs are on no list, as in SLUB; empty
// slabs go back to the page allocator once min_partial partial slabs are
// kept.

// Slab flags (include/linux/slab.h values).
const (
	SlabHWCacheAlign = 0x00002000 // SLAB_HWCACHE_ALIGN
	SlabPoison       = 0x00000800 // SLAB_POISON
	SlabPanic        = 0x00040000 // SLAB_PANIC
	SlabAccount      = 0x04000000 // SLAB_ACCOUNT
)

// Poison bytes (include/linux/poison.h).
const (
	PoisonInuse = 0x5a // an allocated object not yet written
	PoisonFree  = 0x6b // a freed object
	PoisonEnd   = 0xa5 // the last byte of a poisoned object
)

// Geometry limits (mm/slub.c).
const (
	slubMaxOrder   = 3 // PAGE_ALLOC_COSTLY_ORDER
	maxObjsPerPage = 32767
	cacheLineSize  = 64
)

// Errors the kernel turns into an Oops or a warning.
var (
	ErrDoubleFree = errors.New("double free")
	ErrNotSlab    = errors.New("not a slab object")
	ErrCacheBusy  = errors.New("objects remain")
)

// SlabOrder is calculate_order: the smallest order whose slab holds at
// least min_objects objects (4 * (fls(nr_cpus) + 1), capped by what order 3
// holds) while wasting at most 1/16, then 1/8, then 1/4 of it; failing
// that, fewer objects. It returns the order and the objects per slab.
func SlabOrder(size, nrCPUs int) (order, objects int) {
	minObjects := 4 * (bits.Len(uint(nrCPUs)) + 1)
	maxObjects := (PageSize << slubMaxOrder) / size
	minObjects = min(minObjects, maxObjects)
	for ; minObjects > 1; minObjects-- {
		for fraction := 16; fraction >= 4; fraction /= 2 {
			if o := calcSlabOrder(size, minObjects, slubMaxOrder, fraction); o <= slubMaxOrder {
				return o, (PageSize << o) / size
			}
		}
	}
	if o := calcSlabOrder(size, 1, slubMaxOrder, 1); o <= slubMaxOrder {
		return o, (PageSize << o) / size
	}
	o := calcSlabOrder(size, 1, MaxOrder, 1)
	return o, (PageSize << o) / size
}

// calcSlabOrder is calc_slab_order.
func calcSlabOrder(size, minObjects, maxOrder, fractLeftover int) int {
	if PageSize/size > maxObjsPerPage {
		return getOrder(size*maxObjsPerPage) - 1
	}
	order := getOrder(minObjects * size)
	for ; order <= maxOrder; order++ {
		slabSize := PageSize << order
		if slabSize%size <= slabSize/fractLeftover {
			break
		}
	}
	return order
}

// getOrder is get_order: the order of the smallest block holding n bytes.
func getOrder(n int) int {
	order := 0
	for PageSize<<order < n {
		order++
	}
	return order
}

// Cache is struct kmem_cache.
type Cache struct {
	Name       string
	ObjectSize int // the size asked for (object_size)
	Size       int // what an object takes in a slab (size): aligned
	Align      int
	Flags      uint32
	Ctor       func(obj []byte)
	Order      int
	ObjPerSlab int
	// MinPartial is how many partial slabs the cache keeps even when
	// empty (min_partial: ilog2(size)/2 within 5-10).
	MinPartial int
	// AllocFlags are or'ed into the GFP of its slabs' pages
	// (s->allocflags: GFP_DMA for SLAB_CACHE_DMA caches).
	AllocFlags GFP

	cpuSlab *Slab
	partial []*Slab
	full    []*Slab
	pm      *PhysMem
	slabs   *Slabs
	// Counters (SLUB's stats): allocations, frees, slabs made and freed.
	Allocs, Frees, SlabsMade, SlabsFreed uint64
}

// Slab is struct slab: 2^order pages of one cache's objects.
type Slab struct {
	Cache *Cache
	PFN   int
	InUse int
	// Freelist is the free objects' indices, next to be handed out last
	// (a LIFO, as SLUB's freelist is).
	Freelist []int
	used     []bool
}

// Addr is the kernel address of object i of the slab.
func (s *Slab) Addr(i int) uint64 { return PageAddress(s.PFN) + uint64(i*s.Cache.Size) }

// Used reports whether object i is allocated.
func (s *Slab) Used(i int) bool { return s.used[i] }

// Slabs is the set of slab allocator caches (slab_caches), newest first
// as /proc/slabinfo lists them.
type Slabs struct {
	pm     *PhysMem
	nrCPUs int
	caches []*Cache
	// Failslab is the failslab fault injector.
	Failslab *FaultAttr
}

// NewSlabs returns an allocator over pm for a machine of nrCPUs CPUs.
func NewSlabs(pm *PhysMem, nrCPUs int) *Slabs {
	return &Slabs{pm: pm, nrCPUs: nrCPUs, Failslab: newFaultAttr("failslab", 1)}
}

// Caches lists the caches, newest first.
func (sl *Slabs) Caches() []*Cache { return append([]*Cache(nil), sl.caches...) }

// Find returns the cache named name.
func (sl *Slabs) Find(name string) *Cache {
	for _, c := range sl.caches {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Create is kmem_cache_create: objects of size bytes aligned to align (0:
// the word; SLAB_HWCACHE_ALIGN: the cache line for objects bigger than
// half of it), laid out as SLUB does.
func (sl *Slabs) Create(name string, size, align int, flags uint32, ctor func([]byte)) (*Cache, error) {
	switch {
	case name == "":
		return nil, fmt.Errorf("kmem_cache_create: a name is required")
	case size < 1 || size > PageSize<<MaxOrder:
		return nil, fmt.Errorf("kmem_cache_create %s: size %d: want 1-%d", name, size, PageSize<<MaxOrder)
	case align < 0 || align&(align-1) != 0 || align > PageSize:
		return nil, fmt.Errorf("kmem_cache_create %s: align %d: want a power of two up to %d", name, align, PageSize)
	case sl.Find(name) != nil:
		return nil, fmt.Errorf("kmem_cache_create: a cache named %s exists", name)
	}
	// calculate_alignment: hardware cache alignment halves for small
	// objects; never less than a word.
	a := align
	if flags&SlabHWCacheAlign != 0 {
		ralign := cacheLineSize
		for size <= ralign/2 {
			ralign /= 2
		}
		a = max(a, ralign)
	}
	a = max(a, 8)
	s := (size + 7) &^ 7 // inuse: word aligned
	if ctor != nil || flags&SlabPoison != 0 {
		s += 8 // the free pointer cannot live inside the object
	}
	s = (s + a - 1) &^ (a - 1)
	order, objs := SlabOrder(s, sl.nrCPUs)
	if order > MaxOrder || objs < 1 {
		// calculate_order's -ENOSYS: no slab the buddy allocator can give.
		return nil, fmt.Errorf("kmem_cache_create %s: objects of %d bytes need slabs beyond order %d", name, s, MaxOrder)
	}
	c := &Cache{Name: name, ObjectSize: size, Size: s, Align: a, Flags: flags, Ctor: ctor,
		Order: order, ObjPerSlab: objs, pm: sl.pm, slabs: sl, MinPartial: min(max((bits.Len(uint(s))-1)/2, 5), 10)}
	sl.caches = append([]*Cache{c}, sl.caches...)
	return c, nil
}

// Destroy is kmem_cache_destroy: it refuses while objects remain, as
// Linux's "Objects remaining in %s on __kmem_cache_shutdown()" does.
func (sl *Slabs) Destroy(c *Cache) error {
	if n := c.ActiveObjs(); n > 0 {
		return fmt.Errorf("kmem_cache_destroy %s: Slab cache still has objects (%d remaining): %w", c.Name, n, ErrCacheBusy)
	}
	c.Shrink()
	for i, x := range sl.caches {
		if x == c {
			sl.caches = append(sl.caches[:i], sl.caches[i+1:]...)
			break
		}
	}
	return nil
}

// Alloc is kmem_cache_alloc: an object from the CPU slab, else from a
// partial slab, else from a new slab of pages from the buddy allocator.
// It returns the object's kernel address.
func (c *Cache) Alloc(gfp GFP) (uint64, error) {
	// should_failslab: never for the cache of caches, nor for allocations
	// that may sleep while ignore-gfp-wait is set.
	if f := c.slabs.Failslab; c.Name != "kmem_cache" && !(f.IgnoreGFPWait && gfp&GFPDirectReclaim != 0) && f.shouldFail(c.ObjectSize) {
		return 0, ErrNoMem
	}
	s := c.cpuSlab
	if s == nil || len(s.Freelist) == 0 {
		if s != nil {
			c.full = append(c.full, s) // deactivate_slab: a full CPU slab
		}
		c.cpuSlab = nil
		if len(c.partial) > 0 {
			s, c.partial = c.partial[0], c.partial[1:]
		} else {
			var err error
			if s, err = c.newSlab(gfp); err != nil {
				return 0, err
			}
		}
		c.cpuSlab = s
	}
	i := s.Freelist[len(s.Freelist)-1]
	s.Freelist = s.Freelist[:len(s.Freelist)-1]
	s.used[i] = true
	s.InUse++
	c.Allocs++
	if c.poisoned() {
		// check_object at allocation: the free poison must be intact.
		// SLUB leaves it in place for the new owner to overwrite.
		obj := c.object(s, i)
		if bad := poisonCheck(obj[:c.ObjectSize]); bad >= 0 {
			// Written after it was freed: report it and restore the
			// poison (restore_bytes), then hand the object out.
			poison(obj[:c.ObjectSize])
			return s.Addr(i), fmt.Errorf("%s: Poison overwritten at offset %d of object 0x%x (use after free)", c.Name, bad, s.Addr(i))
		}
	}
	if gfp&GFPZero != 0 {
		clear(c.object(s, i)[:c.ObjectSize])
	}
	return s.Addr(i), nil
}

// newSlab is allocate_slab: 2^order pages, every object on the freelist
// (the first handed out first), constructed and poisoned.
func (c *Cache) newSlab(gfp GFP) (*Slab, error) {
	// Slab pages never come from HighMem (they must stay mapped);
	// GFP_SLAB_BUG_MASK's bits are the caller's mistake.
	pfn, err := c.pm.AllocPages(gfp&^(GFPZero|GFPHighMem|GFPDMA32)|c.AllocFlags, c.Order)
	if err != nil {
		return nil, err
	}
	s := &Slab{Cache: c, PFN: pfn, used: make([]bool, c.ObjPerSlab)}
	for i := c.ObjPerSlab - 1; i >= 0; i-- {
		s.Freelist = append(s.Freelist, i)
	}
	for i := 0; i < 1<<c.Order; i++ {
		p := &c.pm.Pages[pfn+i]
		p.Flags |= PGSlab
		p.Slab = s
	}
	// Only a constructor or poisoning writes the new slab's memory: an
	// untouched slab costs the host nothing.
	for i := 0; i < c.ObjPerSlab && (c.Ctor != nil || c.poisoned()); i++ {
		obj := c.object(s, i)
		if c.Ctor != nil {
			c.Ctor(obj[:c.ObjectSize])
		}
		if c.poisoned() {
			poison(obj[:c.ObjectSize])
		}
	}
	c.SlabsMade++
	return s, nil
}

// object is the memory of object i.
func (c *Cache) object(s *Slab, i int) []byte { return c.pm.Block(s.PFN, i*c.Size, c.Size) }

// Free is kmem_cache_free of the object at addr. Freeing an object twice
// or an address that is no object of this cache is refused, so the kernel
// can Oops instead of corrupting the freelist.
func (c *Cache) Free(addr uint64) error {
	s, i, err := c.pm.SlabObject(addr)
	if err != nil {
		return err
	}
	if s.Cache != c {
		return fmt.Errorf("kmem_cache_free(%s, 0x%x): the object belongs to %s: %w", c.Name, addr, s.Cache.Name, ErrNotSlab)
	}
	if !s.used[i] {
		return fmt.Errorf("%s: Object 0x%x already free: %w", c.Name, addr, ErrDoubleFree)
	}
	if c.poisoned() {
		poison(c.object(s, i)[:c.ObjectSize])
	}
	wasFull := len(s.Freelist) == 0
	s.used[i] = false
	s.InUse--
	s.Freelist = append(s.Freelist, i)
	c.Frees++
	if s == c.cpuSlab {
		return nil
	}
	if wasFull {
		c.remove(&c.full, s)
		c.partial = append(c.partial, s) // put_partial: a full slab gets a free object
	}
	// __slab_free: an empty slab goes once the node keeps min_partial.
	if s.InUse == 0 && len(c.partial) >= c.MinPartial {
		c.remove(&c.partial, s)
		c.discard(s)
	}
	return nil
}

func (c *Cache) remove(list *[]*Slab, s *Slab) {
	for i, x := range *list {
		if x == s {
			*list = append((*list)[:i], (*list)[i+1:]...)
			return
		}
	}
}

// discard gives an empty slab's pages back (discard_slab).
func (c *Cache) discard(s *Slab) {
	for i := 0; i < 1<<c.Order; i++ {
		p := &c.pm.Pages[s.PFN+i]
		p.Flags &^= PGSlab
		p.Slab = nil
	}
	c.pm.FreePages(s.PFN, c.Order)
	c.SlabsFreed++
}

// Shrink is kmem_cache_shrink: every empty slab, the CPU slab included,
// goes back to the page allocator.
func (c *Cache) Shrink() {
	if s := c.cpuSlab; s != nil && s.InUse == 0 {
		c.cpuSlab = nil
		c.discard(s)
	} else if s != nil && len(s.Freelist) > 0 {
		c.cpuSlab = nil
		c.partial = append(c.partial, s)
	} else if s != nil {
		c.cpuSlab = nil
		c.full = append(c.full, s)
	}
	keep := c.partial[:0]
	for _, s := range c.partial {
		if s.InUse == 0 {
			c.discard(s)
		} else {
			keep = append(keep, s)
		}
	}
	c.partial = keep
}

// SlabList is every slab of the cache: the CPU slab, the partial ones,
// then the full ones.
func (c *Cache) SlabList() []*Slab {
	var out []*Slab
	if c.cpuSlab != nil {
		out = append(out, c.cpuSlab)
	}
	out = append(out, c.partial...)
	return append(out, c.full...)
}

// NumSlabs is the slabs of the cache.
func (c *Cache) NumSlabs() int { return len(c.SlabList()) }

// NumObjs is the objects in all slabs.
func (c *Cache) NumObjs() int { return c.NumSlabs() * c.ObjPerSlab }

// ActiveObjs is the objects in use.
func (c *Cache) ActiveObjs() int {
	n := 0
	for _, s := range c.SlabList() {
		n += s.InUse
	}
	return n
}

// SlabinfoActive is /proc/slabinfo's active_objs as SLUB counts it: the
// objects less the free ones on the partial list, so the CPU slab's free
// objects count as active.
func (c *Cache) SlabinfoActive() int {
	free := 0
	for _, s := range c.partial {
		free += len(s.Freelist)
	}
	return c.NumObjs() - free
}

// SlabObject finds the slab and object index of a kernel address
// (virt_to_slab and obj_to_index); the address must be an object's start.
func (pm *PhysMem) SlabObject(addr uint64) (*Slab, int, error) {
	pfn, ok := pm.VirtToPFN(addr)
	if !ok || pm.Pages[pfn].Flags&PGSlab == 0 {
		return nil, 0, fmt.Errorf("0x%x: %w", addr, ErrNotSlab)
	}
	s := pm.Pages[pfn].Slab
	off := int(addr - PageAddress(s.PFN))
	if off%s.Cache.Size != 0 || off/s.Cache.Size >= s.Cache.ObjPerSlab {
		return nil, 0, fmt.Errorf("0x%x: inside an object of %s, not its start: %w", addr, s.Cache.Name, ErrNotSlab)
	}
	return s, off / s.Cache.Size, nil
}

// Block is n bytes at offset off into the block of frames that starts at
// pfn: one slice, since a buddy block never crosses a host chunk.
func (pm *PhysMem) Block(pfn, off, n int) []byte {
	pm.Frame(pfn) // back the chunk
	c := pfn / chunkPages
	base := (pfn%chunkPages)*PageSize + off
	return pm.chunks[c][base : base+n : base+n]
}

func poison(obj []byte) {
	for i := range obj {
		obj[i] = PoisonFree
	}
	obj[len(obj)-1] = PoisonEnd
}

// poisonCheck returns the offset of the first byte that is not the free
// poison, or -1.
func poisonCheck(obj []byte) int {
	for i, b := range obj[:len(obj)-1] {
		if b != PoisonFree {
			return i
		}
	}
	if obj[len(obj)-1] != PoisonEnd {
		return len(obj) - 1
	}
	return -1
}

// poisoned is __OBJECT_POISON: SLAB_POISON, except for caches with a
// constructor, whose objects must keep what it built.
func (c *Cache) poisoned() bool { return c.Flags&SlabPoison != 0 && c.Ctor == nil }

// CPUSlab is the slab allocations come from first (c->cpu_slab->slab).
func (c *Cache) CPUSlab() *Slab { return c.cpuSlab }
