package kernel

import (
	"errors"
	"strings"

	"kplay/consoledrv"
	"kplay/mm"
)

// kmallocSizes are the kmalloc caches (kmalloc_info), smallest first.
var kmallocSizes = []int{8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192}

func kmallocName(size int) string {
	if size >= 1024 {
		return sprintf("kmalloc-%dk", size/1024)
	}
	return sprintf("kmalloc-%d", size)
}

// bootCache is a cache the kernel creates at boot. Object sizes are those
// of an x86-64 Linux (6.x) /proc/slabinfo; the flags are the ones the
// kernel creates them with (task_struct is aligned to the cache line by
// arch_task_struct_size's caller, the others ask SLAB_HWCACHE_ALIGN).
type bootCache struct {
	name  string
	size  int
	flags uint32
}

var bootCaches = []bootCache{
	{"task_struct", 5824, mm.SlabPanic | mm.SlabAccount | mm.SlabHWCacheAlign},
	{"cred_jar", 184, mm.SlabHWCacheAlign | mm.SlabPanic | mm.SlabAccount},
	{"mm_struct", 1600, mm.SlabHWCacheAlign | mm.SlabPanic | mm.SlabAccount},
	{"vm_area_struct", 192, mm.SlabPanic | mm.SlabAccount},
	{"files_cache", 704, mm.SlabHWCacheAlign | mm.SlabPanic | mm.SlabAccount},
	{"filp", 192, mm.SlabHWCacheAlign | mm.SlabPanic | mm.SlabAccount},
	{"dentry", 192, mm.SlabHWCacheAlign | mm.SlabPanic | mm.SlabAccount},
	{"inode_cache", 624, mm.SlabPanic | mm.SlabAccount},
}

// slabInit is kmem_cache_init and the caches of the early subsystems: the
// bootstrap caches, the kmalloc caches (96 and 192 first, as the real
// list shows), then fork_init's, cred_init's, vfs_caches_init's.
func (k *Kernel) slabInit() {
	k.slabs = mm.NewSlabs(k.pm, 1)
	mk := func(name string, size int, flags uint32) *mm.Cache {
		c, err := k.createCache(name, size, 0, flags)
		if err != nil {
			k.panic("kmem_cache_init: " + err.Error())
		}
		return c
	}
	// bootstrap: the two caches that describe caches are made first and
	// then hold their own descriptors too.
	k.cacheObjs = map[*mm.Cache][2]uint64{}
	kc, _ := k.slabs.Create("kmem_cache", 256, 0, mm.SlabHWCacheAlign, nil)
	kn, _ := k.slabs.Create("kmem_cache_node", 128, 0, mm.SlabHWCacheAlign, nil)
	k.cacheKmemCache, k.cacheKmemNode = kc, kn
	for _, c := range []*mm.Cache{kn, kc} {
		k.accountCache(c)
	}
	k.kmalloc = map[int]*mm.Cache{}
	for _, size := range []int{96, 192, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192} {
		k.kmalloc[size] = mk(kmallocName(size), size, 0)
	}
	k.caches = map[string]*mm.Cache{}
	for _, b := range bootCaches {
		k.caches[b.name] = mk(b.name, b.size, b.flags)
	}
}

// createCache is kmem_cache_create: the cache, plus its descriptor in
// kmem_cache and its node structure in kmem_cache_node.
func (k *Kernel) createCache(name string, size, align int, flags uint32) (*mm.Cache, error) {
	c, err := k.slabs.Create(name, size, align, flags, nil)
	if err != nil {
		return nil, err
	}
	k.accountCache(c)
	return c, nil
}

func (k *Kernel) accountCache(c *mm.Cache) {
	a, _ := k.cacheKmemCache.Alloc(mm.GFPKernel)
	n, _ := k.cacheKmemNode.Alloc(mm.GFPKernel)
	k.cacheObjs[c] = [2]uint64{a, n}
}

// kmemCacheAlloc allocates from a boot cache; out of memory it returns
// 0, and the caller fails with ENOMEM as Linux's do.
func (k *Kernel) kmemCacheAlloc(name string, gfp mm.GFP) uint64 {
	a, err := k.caches[name].Alloc(gfp)
	if err != nil && !errors.Is(err, mm.ErrNoMem) {
		k.slabBug(err)
	}
	return a
}

// kmemCacheFree frees an object of a boot cache.
func (k *Kernel) kmemCacheFree(name string, addr uint64) {
	if addr == 0 {
		return
	}
	if err := k.caches[name].Free(addr); err != nil {
		k.slabBug(err)
	}
}

// slabBug reports a slab corruption as SLUB does and Oopses the current
// task, so a double free costs the task and not the machine's state.
func (k *Kernel) slabBug(err error) {
	k.printk(consoledrv.Err, "=============================================================================")
	k.printk(consoledrv.Err, "BUG %s", err)
	k.printk(consoledrv.Err, "-----------------------------------------------------------------------------")
	k.bug(err.Error())
}

// kmallocCache is kmalloc_slab: the smallest kmalloc cache that fits.
func (k *Kernel) kmallocCache(size int) *mm.Cache {
	for _, s := range kmallocSizes {
		if size <= s {
			return k.kmalloc[s]
		}
	}
	return nil
}

// Kmalloc is kmalloc: size bytes from the smallest kmalloc cache that
// fits, or whole pages beyond 8 KiB (kmalloc_large). It returns the kernel
// address, or an error for a size of 0 (ZERO_SIZE_PTR in Linux) or out of
// memory.
func (k *Kernel) Kmalloc(size int, gfp mm.GFP) (uint64, error) {
	switch {
	case size <= 0:
		return 0, errInvalid("kmalloc(%d): a size of 0 returns ZERO_SIZE_PTR, nothing to free", size)
	case size > mm.PageSize<<mm.MaxOrder:
		return 0, errInvalid("kmalloc(%d): more than KMALLOC_MAX_SIZE (%d)", size, mm.PageSize<<mm.MaxOrder)
	}
	if bad := gfp & (mm.GFPHighMem | mm.GFPDMA32); bad != 0 {
		// kmalloc_fix_flags: slab memory cannot be HighMem.
		fixed := gfp &^ bad
		k.printk(consoledrv.Warning, "Unexpected gfp: %#x (%s). Fixing up to gfp: %#x (%s). Fix your code!", uint32(bad), gfpName(bad), uint32(fixed), gfpName(fixed))
		gfp = fixed
	}
	c := k.kmallocCache(size)
	if c != nil && gfp&mm.GFPDMA != 0 {
		c = k.dmaKmallocCache(c.Size)
	}
	if c != nil {
		a, err := c.Alloc(gfp)
		if err != nil && !errors.Is(err, mm.ErrNoMem) {
			return a, err // use after free: reported, object handed out
		}
		if err != nil {
			return 0, errInvalid("kmalloc(%d): out of memory (ENOMEM)", size)
		}
		return a, nil
	}
	order := 0
	for mm.PageSize<<order < size {
		order++
	}
	pfn, err := k.pm.AllocPages(gfp, order)
	if err != nil {
		return 0, errInvalid("kmalloc(%d): out of memory (ENOMEM)", size)
	}
	return mm.PageAddress(pfn), nil
}

// dmaKmallocCache is dma-kmalloc-SIZE (kmalloc_caches[KMALLOC_DMA]), whose
// slabs come from ZONE_DMA; kplay makes each on its first use.
func (k *Kernel) dmaKmallocCache(size int) *mm.Cache {
	name := "dma-" + kmallocName(size)
	if c := k.slabs.Find(name); c != nil {
		return c
	}
	c, err := k.createCache(name, size, 0, 0)
	if err != nil {
		k.panic("kmalloc: " + err.Error())
	}
	c.AllocFlags = mm.GFPDMA
	return c
}

// gfpName prints GFP flags as %pGg does for the combinations kplay uses.
func gfpName(g mm.GFP) string {
	for _, n := range []struct {
		g    mm.GFP
		name string
	}{{mm.GFPHighUser, "GFP_HIGHUSER"}, {mm.GFPUser, "GFP_USER"}, {mm.GFPKernel, "GFP_KERNEL"}, {mm.GFPAtomic, "GFP_ATOMIC"}} {
		if g&n.g == n.g {
			rest := g &^ n.g
			s := n.name
			for _, f := range []struct {
				g    mm.GFP
				name string
			}{{mm.GFPDMA, "GFP_DMA"}, {mm.GFPHighMem, "__GFP_HIGHMEM"}, {mm.GFPDMA32, "GFP_DMA32"}, {mm.GFPZero, "__GFP_ZERO"}} {
				if rest&f.g != 0 {
					s += "|" + f.name
					rest &^= f.g
				}
			}
			if rest != 0 {
				s += sprintf("|%#x", uint32(rest))
			}
			return s
		}
	}
	return map[bool]string{true: "__GFP_HIGHMEM", false: sprintf("%#x", uint32(g))}[g == mm.GFPHighMem]
}

// Kfree is kfree: the object goes back to its cache, or its pages to the
// buddy allocator. A double free or a pointer that is no allocation is an
// error (the kernel's kfree would BUG).
func (k *Kernel) Kfree(addr uint64) error {
	if addr == 0 {
		return nil // kfree(NULL)
	}
	pfn, ok := k.pm.VirtToPFN(addr)
	if !ok {
		return errInvalid("kfree(0x%x): not a kernel direct-map address", addr)
	}
	p := &k.pm.Pages[pfn]
	if p.Flags&mm.PGSlab != 0 {
		s, _, err := k.pm.SlabObject(addr)
		if err != nil {
			return err
		}
		return s.Cache.Free(addr)
	}
	if mm.PageAddress(pfn) != addr {
		return errInvalid("kfree(0x%x): not the start of an allocation", addr)
	}
	return k.pm.FreePages(pfn, int(p.Order))
}

// Ksize is ksize: the usable size of an allocation (its cache's object
// size, or its pages).
func (k *Kernel) Ksize(addr uint64) (int, error) {
	pfn, ok := k.pm.VirtToPFN(addr)
	if !ok {
		return 0, errInvalid("ksize(0x%x): not a kernel address", addr)
	}
	p := &k.pm.Pages[pfn]
	if p.Flags&mm.PGSlab != 0 {
		s, i, err := k.pm.SlabObject(addr)
		if err != nil || !s.Used(i) {
			return 0, errInvalid("ksize(0x%x): not an allocated object", addr)
		}
		return s.Cache.ObjectSize, nil
	}
	if p.Refcount == 0 {
		return 0, errInvalid("ksize(0x%x): not allocated", addr)
	}
	return mm.PageSize << p.Order, nil
}

// CacheInfo is one slab cache as slabinfo shows it.
type CacheInfo struct {
	Name         string `json:"name"`
	ActiveObjs   int    `json:"active_objs"`
	NumObjs      int    `json:"num_objs"`
	ObjSize      int    `json:"objsize"`
	ObjPerSlab   int    `json:"objperslab"`
	PagesPerSlab int    `json:"pagesperslab"`
	ActiveSlabs  int    `json:"active_slabs"`
	NumSlabs     int    `json:"num_slabs"`
	InUse        int    `json:"in_use"`
}

// SlabCaches lists the caches, newest first, as /proc/slabinfo does.
func (k *Kernel) SlabCaches() []CacheInfo {
	var out []CacheInfo
	for _, c := range k.slabs.Caches() {
		n := c.NumSlabs()
		out = append(out, CacheInfo{Name: c.Name, ActiveObjs: c.SlabinfoActive(), NumObjs: c.NumObjs(),
			ObjSize: c.Size, ObjPerSlab: c.ObjPerSlab, PagesPerSlab: 1 << c.Order,
			ActiveSlabs: n, NumSlabs: n, InUse: c.ActiveObjs()})
	}
	return out
}

// ProcSlabinfo renders /proc/slabinfo version 2.1 (mm/slab_common.c,
// cache_show) as SLUB fills it: no tunables, and every slab counted active.
func (k *Kernel) ProcSlabinfo() string {
	var b strings.Builder
	b.WriteString("slabinfo - version: 2.1\n")
	b.WriteString("# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n")
	for _, c := range k.SlabCaches() {
		b.WriteString(sprintf("%-17s %6d %6d %6d %4d %4d : tunables %4d %4d %4d : slabdata %6d %6d %6d\n",
			c.Name, c.ActiveObjs, c.NumObjs, c.ObjSize, c.ObjPerSlab, c.PagesPerSlab, 0, 0, 0, c.ActiveSlabs, c.NumSlabs, 0))
	}
	return b.String()
}

// mmObjs are the slab objects of an address space: its mm_struct and a
// vm_area_struct per VMA, and mm_users (the tasks sharing it).
type mmObjs struct {
	mmStruct uint64
	vmas     []uint64
	users    int
}

// mmAccount allocates as's mm_struct and vm_area_structs (mm_alloc, and
// vm_area_alloc for each VMA) with one user.
func (k *Kernel) mmAccount(as *mm.AddrSpace) bool {
	o := &mmObjs{mmStruct: k.kmemCacheAlloc("mm_struct", mm.GFPKernel), users: 1}
	if o.mmStruct == 0 {
		return false
	}
	for range as.VMAs() {
		v := k.kmemCacheAlloc("vm_area_struct", mm.GFPKernel)
		if v == 0 {
			for _, x := range o.vmas {
				k.kmemCacheFree("vm_area_struct", x)
			}
			k.kmemCacheFree("mm_struct", o.mmStruct)
			return false
		}
		o.vmas = append(o.vmas, v)
	}
	if k.mms == nil {
		k.mms = map[*mm.AddrSpace]*mmObjs{}
	}
	k.mms[as] = o
	return true
}

// dupMM copies an address space for fork (dup_mm); nil when there is no
// memory for its pages.
func (k *Kernel) dupMM(as *mm.AddrSpace) *mm.AddrSpace {
	n, err := as.Dup()
	if err != nil {
		return nil
	}
	if !k.mmAccount(n) {
		n.Release()
		return nil
	}
	return n
}

// mmget takes a reference for a thread that shares as (CLONE_VM).
func (k *Kernel) mmget(as *mm.AddrSpace) {
	if o := k.mms[as]; o != nil {
		o.users++
	}
}

// mmput drops a reference; the last user frees the objects (mmput,
// exit_mmap).
func (k *Kernel) mmput(as *mm.AddrSpace) {
	o := k.mms[as]
	if o == nil {
		return
	}
	if o.users--; o.users > 0 {
		return
	}
	for _, v := range o.vmas {
		k.kmemCacheFree("vm_area_struct", v)
	}
	k.kmemCacheFree("mm_struct", o.mmStruct)
	delete(k.mms, as)
	as.Release() // exit_mmap: the pages go back
}

// KernelCall runs fn in a kernel thread named comm, as a test module's
// code would run in the kernel, and lets the machine settle. An error fn
// returns is a slab BUG: the thread Oopses (the report goes to dmesg) and
// dies, and the machine goes on. It returns fn's error.
func (k *Kernel) KernelCall(comm string, frames []string, fn func() error) (RunResult, error) {
	if k.halted {
		return RunResult{Reason: StopHalted}, errInvalid("the machine is halted")
	}
	var ferr error
	done := false
	k.requestKthread(comm, func(t *Task) {
		t.enter(append([]string{"ret_from_fork_asm", "ret_from_fork", "kthread"}, frames...)...)
		// done is set before fn, which may Oops and never return: the
		// run then ends once the machine settles after the Oops.
		ferr = fn()
		done = true
		if ferr != nil {
			k.slabBug(ferr)
		}
	}, nil)
	// Run until the thread has done its work, even with user tasks
	// computing (a plain settle would stop at their first user-mode point).
	res := k.Run(Stop{Done: func() bool { return done }, Breakpoints: true})
	return res, ferr
}

// vmemmapStart is x86-64's VMEMMAP_START: struct page i lives at
// vmemmapStart + i*64 (sizeof(struct page)).
const vmemmapStart = 0xffffea0000000000

// pageStructAddr is the address of frame pfn's struct page.
func pageStructAddr(pfn int) uint64 { return vmemmapStart + uint64(pfn)*64 }

// SlabView is one slab of a cache: where, which list, and its objects.
type SlabView struct {
	Page     Addr   `json:"page"`   // its struct page (struct slab)
	Memory   Addr   `json:"memory"` // its first object
	List     string `json:"list"`   // cpu, partial or full
	Total    int    `json:"total"`
	InUse    int    `json:"allocated"`
	Free     int    `json:"free"`
	Map      string `json:"map"`      // one character per object: # allocated, . free
	Freelist []int  `json:"freelist"` // free objects' indices, next handed out first
}

// CacheView is one cache with every slab.
type CacheView struct {
	Addr Addr `json:"addr"` // its struct kmem_cache
	CacheInfo
	SlabSize   int        `json:"slab_size"`
	MinPartial int        `json:"min_partial"`
	Align      int        `json:"align"`
	Slabs      []SlabView `json:"slabs"`
}

func (k *Kernel) cacheView(c *mm.Cache) CacheView {
	var info CacheInfo
	for _, ci := range k.SlabCaches() {
		if ci.Name == c.Name {
			info = ci
		}
	}
	v := CacheView{Addr: Addr(k.cacheObjs[c][0]), CacheInfo: info, SlabSize: mm.PageSize << c.Order, MinPartial: c.MinPartial, Align: c.Align}
	for _, s := range c.SlabList() {
		list := "partial"
		switch {
		case s == c.CPUSlab():
			list = "cpu"
		case len(s.Freelist) == 0:
			list = "full"
		}
		m := make([]byte, c.ObjPerSlab)
		for j := range m {
			m[j] = '.'
			if s.Used(j) {
				m[j] = '#'
			}
		}
		fl := make([]int, 0, len(s.Freelist))
		for j := len(s.Freelist) - 1; j >= 0; j-- {
			fl = append(fl, s.Freelist[j])
		}
		v.Slabs = append(v.Slabs, SlabView{Page: Addr(pageStructAddr(s.PFN)), Memory: Addr(s.Addr(0)), List: list,
			Total: c.ObjPerSlab, InUse: s.InUse, Free: len(s.Freelist), Map: string(m), Freelist: fl})
	}
	return v
}

// Cache returns one cache with all its slabs (crash's kmem -S NAME).
func (k *Kernel) Cache(name string) (CacheView, error) {
	c := k.slabs.Find(name)
	if c == nil {
		return CacheView{}, errInvalid("no slab cache named %q (slabinfo lists them)", name)
	}
	return k.cacheView(c), nil
}

// KmemInfo is what an address is, as crash's kmem ADDR says it.
type KmemInfo struct {
	Addr     Addr       `json:"addr"`
	PFN      int        `json:"pfn"`
	Page     Addr       `json:"page"`
	Physical Addr       `json:"physical"`
	Flags    []string   `json:"flags"`
	Count    int        `json:"count"`
	Zone     string     `json:"zone"`
	Cache    *CacheView `json:"cache,omitempty"`
	Slab     *SlabView  `json:"slab,omitempty"`
	Object   Addr       `json:"object,omitempty"`
	InUse    bool       `json:"allocated"`
	// What describes a page that is not a slab's: free in the buddy
	// allocator (and the block's order) or allocated pages.
	What string `json:"what"`
}

// Kmem says what a kernel address belongs to.
func (k *Kernel) Kmem(addr uint64) (KmemInfo, error) {
	pfn, ok := k.pm.VirtToPFN(addr)
	if !ok {
		return KmemInfo{}, errInvalid("kmem: 0x%x is not in the kernel's direct map (0x%x-0x%x)", addr,
			uint64(mm.PageOffset), mm.PageAddress(len(k.pm.Pages))-1)
	}
	p := &k.pm.Pages[pfn]
	ki := KmemInfo{Addr: Addr(addr), PFN: pfn, Page: Addr(pageStructAddr(pfn)), Physical: Addr(uint64(pfn) * mm.PageSize),
		Count: int(p.Refcount), Zone: k.pm.ZoneOf(pfn).String(), Flags: []string{}}
	if p.Flags&mm.PGSlab != 0 {
		ki.Flags = append(ki.Flags, "slab")
	}
	if p.Flags&mm.PGHead != 0 {
		ki.Flags = append(ki.Flags, "head")
	}
	if p.Flags&mm.PGBuddy != 0 {
		ki.Flags = append(ki.Flags, "buddy")
	}
	if p.Flags&mm.PGSlab != 0 {
		s := p.Slab
		c := s.Cache
		off := int(addr - s.Addr(0))
		i := off / c.Size
		if i >= c.ObjPerSlab {
			ki.What = sprintf("in slab of %s, past its last object (slab padding)", c.Name)
			return ki, nil
		}
		cv := k.cacheView(c)
		ki.Cache = &cv
		for _, sv := range cv.Slabs {
			if uint64(sv.Memory) == s.Addr(0) {
				sv := sv
				ki.Slab = &sv
			}
		}
		ki.Object, ki.InUse = Addr(s.Addr(i)), s.Used(i)
		ki.What = "free object"
		if ki.InUse {
			ki.What = "allocated object"
		}
		return ki, nil
	}
	// Not a slab's: find the block it is in, from the largest candidate
	// down (blocks never overlap, and tail pages look like order 0).
	for o := mm.MaxOrder; o >= 0; o-- {
		head := pfn &^ (1<<o - 1)
		hp := &k.pm.Pages[head]
		if hp.Flags&mm.PGBuddy != 0 && int(hp.Order) == o {
			ki.What = sprintf("free page in an order-%d block at pfn %d (buddy allocator)", o, head)
			return ki, nil
		}
		if hp.Refcount > 0 && int(hp.Order) == o && (o == 0 || hp.Flags&mm.PGHead != 0) {
			ki.What = sprintf("allocated page of an order-%d block at pfn %d", o, head)
			return ki, nil
		}
	}
	ki.What = "page"
	return ki, nil
}

// userCache finds a cache made at the prompt; the kernel's own caches
// cannot be freed into or destroyed from there.
func (k *Kernel) userCache(name string) (*mm.Cache, error) {
	c := k.slabs.Find(name)
	if c == nil {
		return nil, errInvalid("no slab cache named %q (slabinfo lists them)", name)
	}
	if !k.madeAtPrompt[c] {
		return nil, errInvalid("%s is one of the kernel's caches; make your own with kmem_cache create", name)
	}
	return c, nil
}

// KmemCacheCreate is kmem_cache_create from the prompt.
func (k *Kernel) KmemCacheCreate(name string, size, align int, flags uint32) (CacheView, error) {
	if strings.ContainsAny(name, " \t:") || len(name) > 31 {
		return CacheView{}, errInvalid("kmem_cache_create: name %q: want up to 31 characters, no spaces or colons", name)
	}
	c, err := k.createCache(name, size, align, flags)
	if err != nil {
		return CacheView{}, err
	}
	if k.madeAtPrompt == nil {
		k.madeAtPrompt = map[*mm.Cache]bool{}
	}
	k.madeAtPrompt[c] = true
	return k.cacheView(c), nil
}

// KmemCacheAlloc allocates an object of a cache made at the prompt.
func (k *Kernel) KmemCacheAlloc(name string, gfp mm.GFP) (uint64, error) {
	c, err := k.userCache(name)
	if err != nil {
		return 0, err
	}
	a, err := c.Alloc(gfp)
	if errors.Is(err, mm.ErrNoMem) {
		return 0, errInvalid("kmem_cache_alloc(%s): out of memory (ENOMEM)", name)
	}
	return a, err
}

// KmemCacheFree frees an object into a cache made at the prompt; a double
// free or a foreign object is the caller's slab BUG.
func (k *Kernel) KmemCacheFree(name string, addr uint64) error {
	c, err := k.userCache(name)
	if err != nil {
		return err
	}
	return c.Free(addr)
}

// KmemCacheDestroy is kmem_cache_destroy: refused, with Linux's warning in
// dmesg, while objects remain.
func (k *Kernel) KmemCacheDestroy(name string) error {
	c, err := k.userCache(name)
	if err != nil {
		return err
	}
	if err := k.slabs.Destroy(c); err != nil {
		k.printk(consoledrv.Err, "kmem_cache_destroy %s: Slab cache still has objects when called from kmem_cache_destroy+0x0/0x0", name)
		return err
	}
	objs := k.cacheObjs[c]
	k.cacheKmemCache.Free(objs[0])
	k.cacheKmemNode.Free(objs[1])
	delete(k.cacheObjs, c)
	delete(k.madeAtPrompt, c)
	return nil
}

// PromptCache reports whether name is a cache made at the prompt (and so
// one the prompt may allocate from, free into and destroy).
func (k *Kernel) PromptCache(name string) error {
	_, err := k.userCache(name)
	return err
}

// promptAlloc is an allocation made at the prompt: whether it is still
// live, and whether it is whole pages (kmalloc_large) or a slab object.
type promptAlloc struct {
	live, pages bool
}

// PromptKmalloc is kmalloc run in a kmem kernel thread for the prompt; the
// allocation is remembered so that kfree at the prompt frees only what the
// prompt allocated.
func (k *Kernel) PromptKmalloc(size int, gfp mm.GFP) (uint64, RunResult, error) {
	var addr uint64
	var aerr error
	res, _ := k.KernelCall("kmem", []string{"kmalloc"}, func() error {
		addr, aerr = k.Kmalloc(size, gfp)
		return nil
	})
	if aerr == nil && addr != 0 {
		pfn, _ := k.pm.VirtToPFN(addr)
		k.promptAllocs[addr] = promptAlloc{live: true, pages: k.pm.Pages[pfn].Flags&mm.PGSlab == 0}
	}
	return addr, res, aerr
}

// PromptKfree is kfree of an allocation the prompt made, in a kmem kernel
// thread. The kernel's own objects are refused (freeing them would corrupt
// the machine); freeing a prompt allocation twice is the double free SLUB
// catches, and the thread Oopses.
func (k *Kernel) PromptKfree(addr uint64) (RunResult, error) {
	a, known := k.promptAllocs[addr]
	if !known {
		return RunResult{}, errInvalid("kfree(0x%x): not an allocation made with kmalloc at the prompt; the kernel's own objects are not yours to free", addr)
	}
	res, err := k.KernelCall("kmem", []string{"kfree"}, func() error {
		if a.live {
			return k.Kfree(addr)
		}
		if a.pages {
			// The pages may belong to someone else by now: report, touch
			// nothing (bad_page).
			return errInvalid("Bad page state in process kmem  pfn:%x (kfree of pages already freed: double free)", (addr-mm.PageOffset)/mm.PageSize)
		}
		return k.Kfree(addr) // SLUB finds the object on its freelist
	})
	if a.live && err == nil {
		a.live = false
		k.promptAllocs[addr] = a
	}
	return res, err
}

// PromptVmalloc and PromptVfree are vmalloc and vfree for the prompt,
// which may free only the areas it made (not kernel stacks).
func (k *Kernel) PromptVmalloc(size int) (uint64, error) {
	addr, err := k.Vmalloc(size, "vmalloc_test+0x0/0x0")
	if err == nil {
		k.promptVmallocs[addr] = true
	}
	return addr, err
}

// PromptVfree frees a vmalloc area made at the prompt.
func (k *Kernel) PromptVfree(addr uint64) error {
	if !k.promptVmallocs[addr] {
		return errInvalid("vfree(0x%x): not an area made with vmalloc at the prompt (kernel stacks are not yours to free)", addr)
	}
	delete(k.promptVmallocs, addr)
	return k.Vfree(addr)
}
