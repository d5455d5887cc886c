package repl

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"kplay/kernel"
	"kplay/mm"
)

var buddyinfoCmd = &Command{
	Names:   []string{"buddyinfo"},
	Group:   "Inspection",
	Usage:   "buddyinfo [--json]",
	Summary: "Show the buddy allocator's free lists per zone and order, with a bar per order.",
	Help: `
For each zone (DMA: the first 16 MiB; Normal: up to --lowmem; HighMem:
beyond it), the number of free blocks of each order (a block of order n
is 2^n pages, 4 KiB to 4 MiB) as /proc/buddyinfo counts them, and a bar
of the free memory each order holds. Below the table: free pages and the
min/low/high watermarks. A freshly booted machine has only order-10
blocks; allocations split them, and frees merge buddies back.`,
	SeeAlso: []string{"cat", "meminfo"},
	MaxArgs: 0,
	Flags:   jsonFlag,
	Run: func(s *Session, inv *Invocation) error {
		zones := s.K.Zones()
		if inv.wantJSON() {
			return printJSON(inv.Out, zones)
		}
		for i, z := range zones {
			if i > 0 {
				fmt.Fprintln(inv.Out)
			}
			fmt.Fprintf(inv.Out, "zone %s: %d of %d pages free (%s), watermarks min %d low %d high %d\n",
				z.Name, z.Free, z.Managed, kernel.FormatMem(int64(z.Free)*4096), z.Min, z.Low, z.High)
			var rows [][]string
			for o, n := range z.FreeArea {
				pages := n << o
				bar := ""
				if z.Free > 0 {
					bar = strings.Repeat("#", (pages*40+z.Free-1)/z.Free)
				}
				rows = append(rows, []string{strconv.Itoa(o), blockSize(o), strconv.Itoa(n), strconv.Itoa(pages), s.cyan.Sprint(bar)})
			}
			if err := RenderTable(inv.Out, []string{"ORDER", "BLOCK", "FREE", "PAGES", "SHARE OF FREE MEMORY"}, rows, 0, 2, 3); err != nil {
				return err
			}
		}
		return nil
	},
}

// blockSize is the size of an order's blocks: 4K to 4M.
func blockSize(order int) string {
	kb := 4 << order
	if kb >= 1024 {
		return fmt.Sprintf("%dM", kb/1024)
	}
	return fmt.Sprintf("%dK", kb)
}

// slabSortKeys are slabtop's sort criteria (-s).
var slabSortKeys = map[string]func(a, b kernel.CacheInfo) bool{
	"a": func(a, b kernel.CacheInfo) bool { return a.ActiveObjs > b.ActiveObjs },
	"b": func(a, b kernel.CacheInfo) bool { return a.ObjPerSlab > b.ObjPerSlab },
	"c": func(a, b kernel.CacheInfo) bool { return cacheSize(a) > cacheSize(b) },
	"l": func(a, b kernel.CacheInfo) bool { return a.NumSlabs > b.NumSlabs },
	"n": func(a, b kernel.CacheInfo) bool { return a.Name < b.Name },
	"o": func(a, b kernel.CacheInfo) bool { return a.NumObjs > b.NumObjs },
	"p": func(a, b kernel.CacheInfo) bool { return a.PagesPerSlab > b.PagesPerSlab },
	"s": func(a, b kernel.CacheInfo) bool { return a.ObjSize > b.ObjSize },
	"u": func(a, b kernel.CacheInfo) bool { return use(a) > use(b) },
}

func cacheSize(c kernel.CacheInfo) int { return c.NumSlabs * c.PagesPerSlab * 4 } // KiB

func use(c kernel.CacheInfo) int {
	if c.NumObjs == 0 {
		return 0
	}
	return c.ActiveObjs * 100 / c.NumObjs
}

var slabinfoCmd = &Command{
	Names:   []string{"slabinfo"},
	Group:   "Inspection",
	Usage:   "slabinfo [-s a|b|c|l|n|o|p|s|u] [--json] [N]",
	Summary: "Show the slab caches as slabtop --once does (N rows, sorted).",
	Help: `
The summary and the table of slabtop(1), from the same numbers as
/proc/slabinfo: OBJS and ACTIVE objects (SLUB counts the free objects of
the CPU slab as active), USE, OBJ SIZE (the size an object takes in its
slab), SLABS, OBJ/SLAB and CACHE SIZE (slabs x pages per slab). -s sorts
as slabtop's: a active objects, b objects per slab, c cache size, l slabs,
n name, o objects (the default), p pages per slab, s object size, u use.
N limits the rows.`,
	SeeAlso: []string{"cat", "buddyinfo"},
	MaxArgs: 1,
	Flags: func(fs *pflag.FlagSet) {
		fs.StringP("sort", "s", "o", "sort key: a b c l n o p s u")
		jsonFlag(fs)
	},
	Run: func(s *Session, inv *Invocation) error {
		key, _ := inv.Flags.GetString("sort")
		less, ok := slabSortKeys[key]
		if !ok {
			return usagef("slabinfo -s %q: want one of a b c l n o p s u", key)
		}
		caches := s.K.SlabCaches()
		sort.SliceStable(caches, func(i, j int) bool { return less(caches[i], caches[j]) })
		if len(inv.Args) == 1 {
			n, err := strconv.Atoi(inv.Args[0].Text)
			if err != nil || n < 1 {
				return usagef("slabinfo: N %q: want a positive number", inv.Args[0].Text)
			}
			caches = caches[:min(n, len(caches))]
		}
		if inv.wantJSON() {
			return printJSON(inv.Out, caches)
		}
		var objs, active, slabs, activeCaches, minSize, maxSize int
		var size, activeSize float64
		minSize = 1 << 30
		for _, c := range s.K.SlabCaches() {
			objs += c.NumObjs
			active += c.ActiveObjs
			slabs += c.NumSlabs
			if c.ActiveObjs > 0 {
				activeCaches++
			}
			size += float64(c.NumObjs*c.ObjSize) / 1024
			activeSize += float64(c.ActiveObjs*c.ObjSize) / 1024
			minSize, maxSize = min(minSize, c.ObjSize), max(maxSize, c.ObjSize)
		}
		all := len(s.K.SlabCaches())
		pct := func(a, b float64) float64 {
			if b == 0 {
				return 0
			}
			return 100 * a / b
		}
		w := inv.Out
		fmt.Fprintf(w, " Active / Total Objects (%% used)    : %d / %d (%.1f%%)\n", active, objs, pct(float64(active), float64(objs)))
		fmt.Fprintf(w, " Active / Total Slabs (%% used)      : %d / %d (%.1f%%)\n", slabs, slabs, pct(float64(slabs), float64(slabs)))
		fmt.Fprintf(w, " Active / Total Caches (%% used)     : %d / %d (%.1f%%)\n", activeCaches, all, pct(float64(activeCaches), float64(all)))
		fmt.Fprintf(w, " Active / Total Size (%% used)       : %.2fK / %.2fK (%.1f%%)\n", activeSize, size, pct(activeSize, size))
		avg := 0.0
		if objs > 0 {
			avg = size / float64(objs)
		}
		fmt.Fprintf(w, " Minimum / Average / Maximum Object : %.2fK / %.2fK / %.2fK\n\n", float64(minSize)/1024, avg, float64(maxSize)/1024)
		fmt.Fprintf(w, "%-6s %-6s %-4s %-8s %-6s %-8s %-10s %-23s\n", "  OBJS", "ACTIVE", " USE", "OBJ SIZE", " SLABS", "OBJ/SLAB", "CACHE SIZE", "NAME")
		for _, c := range caches {
			fmt.Fprintf(w, "%6d %6d %3d%% %7.2fK %6d %8d %9dK %-23s\n",
				c.NumObjs, c.ActiveObjs, use(c), float64(c.ObjSize)/1024, c.NumSlabs, c.ObjPerSlab, cacheSize(c), c.Name)
		}
		return nil
	},
}

// gfpNames are the GFP combinations kmalloc takes at the prompt.
var gfpNames = map[string]mm.GFP{
	"GFP_KERNEL": mm.GFPKernel, "GFP_ATOMIC": mm.GFPAtomic, "GFP_DMA": mm.GFPKernelDMA,
	"GFP_USER": mm.GFPUser, "GFP_HIGHUSER": mm.GFPHighUser,
}

var kmallocCmd = &Command{
	Names:   []string{"kmalloc"},
	Group:   "Kernel",
	Usage:   "kmalloc SIZE [GFP_KERNEL|GFP_ATOMIC|GFP_DMA|GFP_USER|GFP_HIGHUSER] [--zero] [--json]",
	Summary: "Allocate kernel memory from the prompt, in a kernel thread, and print its address.",
	Help: `
kmalloc rounds SIZE up to a kmalloc cache (kmalloc-8 ... kmalloc-8k,
with kmalloc-96 and kmalloc-192) and returns an object of it; beyond 8 KiB
it takes whole pages from the buddy allocator. The call runs in a kernel
thread ("kmem"). --zero is __GFP_ZERO (kzalloc). Free it with kfree ADDR;
freeing it twice is a double free, which SLUB's checks catch: the thread
Oopses and dmesg shows the report.`,
	SeeAlso: []string{"kfree", "slabinfo", "buddyinfo"},
	MinArgs: 1, MaxArgs: 2,
	Flags: func(fs *pflag.FlagSet) {
		fs.Bool("zero", false, "__GFP_ZERO: zeroed memory (kzalloc)")
		jsonFlag(fs)
	},
	Words: func(_ *Session, prev []string) []string {
		if len(prev) == 1 {
			return []string{"GFP_ATOMIC", "GFP_DMA", "GFP_HIGHUSER", "GFP_KERNEL", "GFP_USER"}
		}
		return nil
	},
	Run: func(s *Session, inv *Invocation) error {
		if err := s.requireRunning(); err != nil {
			return err
		}
		size, err := strconv.Atoi(inv.Args[0].Text)
		if err != nil {
			return usagef("kmalloc: SIZE %q: want a number of bytes", inv.Args[0].Text)
		}
		gfp := mm.GFPKernel
		if len(inv.Args) == 2 {
			g, ok := gfpNames[strings.ToUpper(inv.Args[1].Text)]
			if !ok {
				return usagef("kmalloc: %q: want GFP_KERNEL, GFP_ATOMIC, GFP_DMA, GFP_USER or GFP_HIGHUSER", inv.Args[1].Text)
			}
			gfp = g
		}
		if z, _ := inv.Flags.GetBool("zero"); z {
			gfp |= mm.GFPZero
		}
		addr, res, callErr := s.K.PromptKmalloc(size, gfp)
		if callErr != nil {
			return usagef("%v", callErr)
		}
		n, _ := s.K.Ksize(addr)
		if inv.wantJSON() {
			return printJSON(inv.Out, map[string]any{"addr": kernel.Addr(addr), "size": size, "usable": n})
		}
		fmt.Fprintf(inv.Out, "0x%x (%d bytes usable)\n", addr, n)
		s.reportStop(inv, res, "")
		return nil
	},
}

var kfreeCmd = &Command{
	Names:   []string{"kfree"},
	Group:   "Kernel",
	Usage:   "kfree ADDR",
	Summary: "Free kernel memory from the prompt, in a kernel thread (a double free Oopses it).",
	SeeAlso: []string{"kmalloc", "slabinfo", "dmesg"},
	MinArgs: 1, MaxArgs: 1,
	Run: func(s *Session, inv *Invocation) error {
		if err := s.requireRunning(); err != nil {
			return err
		}
		addr, err := strconv.ParseUint(inv.Args[0].Text, 0, 64)
		if err != nil {
			return usagef("kfree: ADDR %q: want an address such as 0xffff888000123000", inv.Args[0].Text)
		}
		res, ferr := s.K.PromptKfree(addr)
		if ferr != nil && res.Reason == "" {
			return usagef("%v", ferr)
		}
		if ferr != nil {
			fmt.Fprintln(inv.Out, s.red.Sprintf("%v: the kmem thread Oopsed (see dmesg)", ferr))
		}
		s.reportStop(inv, res, "")
		return nil
	},
}

var meminfoCmd = &Command{
	Names:   []string{"meminfo"},
	Group:   "Inspection",
	Usage:   "meminfo [--json]",
	Summary: "Show /proc/meminfo: total, free and available memory, slab, kernel stacks.",
	Help: `
The lines of /proc/meminfo in Linux 6.6's order and format, as free(1)
reads them. MemFree is the buddy allocator's free pages; MemAvailable
leaves out the zones' reserves (high watermarks and lowmem_reserve);
Slab is the pages the slab caches hold (SReclaimable: dentry and
inode_cache); KernelStack is 16 KiB per task. HighTotal and LowTotal
split RAM at --lowmem.`,
	SeeAlso: []string{"buddyinfo", "slabinfo", "cat"},
	MaxArgs: 0,
	Flags:   jsonFlag,
	Run: func(s *Session, inv *Invocation) error {
		if inv.wantJSON() {
			return printJSON(inv.Out, s.K.Meminfo())
		}
		text, err := s.K.ReadProc("/proc/meminfo")
		if err != nil {
			return usagef("meminfo: %v", err)
		}
		fmt.Fprint(inv.Out, text)
		return nil
	},
}

var slabCmd = &Command{
	Names:   []string{"slab"},
	Group:   "Inspection",
	Usage:   "slab NAME [--json]",
	Summary: "Show one slab cache: its geometry and every slab with an object map and freelist.",
	Help: `
The cache's object size, alignment, slab size and objects per slab, then
each slab as SLUB keeps it: the CPU slab (allocations come from it
first), the partial ones, the full ones. The map has one character per
object, # allocated and . free; FREELIST lists the free objects in the
order the next allocations will take them.`,
	SeeAlso: []string{"slabinfo", "kmem", "kmalloc"},
	MinArgs: 1, MaxArgs: 1,
	Flags: jsonFlag,
	Words: func(s *Session, _ []string) []string {
		var out []string
		for _, c := range s.K.SlabCaches() {
			out = append(out, c.Name)
		}
		return out
	},
	Run: func(s *Session, inv *Invocation) error {
		c, err := s.K.Cache(inv.Args[0].Text)
		if err != nil {
			return usagef("slab: %v", err)
		}
		if inv.wantJSON() {
			return printJSON(inv.Out, c)
		}
		w := inv.Out
		cacheLine(w, &c)
		pages := "pages"
		if c.PagesPerSlab == 1 {
			pages = "page"
		}
		fmt.Fprintf(w, "  align %d, %d objects per slab of %d %s, min_partial %d\n", c.Align, c.ObjPerSlab, c.PagesPerSlab, pages, c.MinPartial)
		if len(c.Slabs) == 0 {
			fmt.Fprintln(w, "  (no slabs)")
			return nil
		}
		for _, sv := range c.Slabs {
			fmt.Fprintf(w, "  %-7s SLAB %x  MEMORY %x  TOTAL %d  ALLOCATED %d  FREE %d\n", strings.ToUpper(sv.List), sv.Page, sv.Memory, sv.Total, sv.InUse, sv.Free)
			fmt.Fprintf(w, "          %s\n", s.cyan.Sprint(sv.Map))
			var fl []string
			for _, i := range sv.Freelist {
				fl = append(fl, strconv.Itoa(i))
			}
			if len(fl) > 16 {
				fl = append(fl[:16], fmt.Sprintf("... (%d more)", len(sv.Freelist)-16))
			}
			if len(fl) > 0 {
				fmt.Fprintf(w, "          FREELIST %s\n", strings.Join(fl, " "))
			}
		}
		return nil
	},
}

var kmemCmd = &Command{
	Names:   []string{"kmem"},
	Group:   "Inspection",
	Usage:   "kmem ADDR [--json]",
	Summary: "Say what a kernel address belongs to: a slab object, a free page, an allocation (crash's kmem).",
	Help: `
As crash's kmem ADDR: for an address in a slab, the cache (CACHE OBJSIZE
ALLOCATED TOTAL SLABS SSIZE NAME), the slab, and the object that holds the
address, in brackets when allocated; then the page (PAGE PHYSICAL ... FLAGS).
For other memory, whether the page is free in the buddy allocator (and in
which block) or allocated.`,
	SeeAlso: []string{"slab", "kmalloc", "buddyinfo"},
	MinArgs: 1, MaxArgs: 1,
	Flags: jsonFlag,
	Run: func(s *Session, inv *Invocation) error {
		addr, err := strconv.ParseUint(inv.Args[0].Text, 0, 64)
		if err != nil {
			addr, err = strconv.ParseUint(inv.Args[0].Text, 16, 64) // crash takes bare hex
			if err != nil {
				return usagef("kmem: ADDR %q: want an address such as ffff888003c11000", inv.Args[0].Text)
			}
		}
		ki, err := s.K.Kmem(addr)
		if err != nil {
			return usagef("%v", err)
		}
		if inv.wantJSON() {
			return printJSON(inv.Out, ki)
		}
		w := inv.Out
		if c := ki.Cache; c != nil {
			cacheLine(w, c)
			if sv := ki.Slab; sv != nil {
				fmt.Fprintln(w, "  SLAB              MEMORY            NODE  TOTAL  ALLOCATED  FREE")
				fmt.Fprintf(w, "  %-16x  %-16x     0  %5d  %9d  %4d\n", sv.Page, sv.Memory, sv.Total, sv.InUse, sv.Free)
			}
			fmt.Fprintln(w, "  FREE / [ALLOCATED]")
			if ki.InUse {
				fmt.Fprintf(w, "  [%x]\n", ki.Object)
			} else {
				fmt.Fprintf(w, "   %x\n", ki.Object)
			}
			fmt.Fprintln(w)
		} else {
			fmt.Fprintf(w, "%x: %s\n\n", ki.Addr, ki.What)
		}
		fmt.Fprintln(w, "      PAGE         PHYSICAL      MAPPING       INDEX CNT FLAGS")
		mapping := uint64(0)
		if ki.Cache != nil {
			mapping = uint64(ki.Cache.Addr)
		}
		fmt.Fprintf(w, "%x %10x %16x %8d %2d %s\n", ki.Page, ki.Physical, mapping, 0, ki.Count, strings.Join(ki.Flags, ","))
		return nil
	},
}

var kmemCacheCmd = &Command{
	Names:   []string{"kmem_cache"},
	Group:   "Kernel",
	Usage:   "kmem_cache create NAME SIZE [--align N] [--hwcache] [--poison] | alloc NAME | free NAME ADDR | destroy NAME",
	Summary: "Make, use and destroy a slab cache of your own, in a kernel thread.",
	Help: `
create is kmem_cache_create: objects of SIZE bytes, aligned to --align (a
power of two), --hwcache for SLAB_HWCACHE_ALIGN, --poison for SLAB_POISON
(freed objects are filled with 0x6b, so a write after free is caught at
the next allocation). It prints the geometry SLUB chose. alloc and free
take and give back one object; a second free of the same object is a
double free and Oopses the kmem thread. destroy is kmem_cache_destroy:
it refuses while objects remain, as Linux warns. The kernel's own caches
(task_struct, kmalloc-*...) can be looked at (slab NAME) but not changed.`,
	SeeAlso: []string{"slab", "slabinfo", "kmalloc", "kmem"},
	MinArgs: 2, MaxArgs: 3,
	Flags: func(fs *pflag.FlagSet) {
		fs.Int("align", 0, "object alignment (a power of two)")
		fs.Bool("hwcache", false, "SLAB_HWCACHE_ALIGN")
		fs.Bool("poison", false, "SLAB_POISON")
	},
	Words: func(_ *Session, prev []string) []string {
		if len(prev) == 0 {
			return []string{"alloc", "create", "destroy", "free"}
		}
		return nil
	},
	Run: func(s *Session, inv *Invocation) error {
		if err := s.requireRunning(); err != nil {
			return err
		}
		op, name := inv.Args[0].Text, inv.Args[1].Text
		want := map[string]int{"create": 3, "alloc": 2, "free": 3, "destroy": 2}
		n, ok := want[op]
		if !ok {
			return usagef("kmem_cache: %q: want create, alloc, free or destroy", op)
		}
		if len(inv.Args) != n {
			return usagef("usage: %s", inv.Cmd.Usage)
		}
		switch op {
		case "create":
			size, err := strconv.Atoi(inv.Args[2].Text)
			if err != nil {
				return usagef("kmem_cache create: SIZE %q: want a number of bytes", inv.Args[2].Text)
			}
			align, _ := inv.Flags.GetInt("align")
			var flags uint32
			if h, _ := inv.Flags.GetBool("hwcache"); h {
				flags |= mm.SlabHWCacheAlign
			}
			if p, _ := inv.Flags.GetBool("poison"); p {
				flags |= mm.SlabPoison
			}
			c, err := s.K.KmemCacheCreate(name, size, align, flags)
			if err != nil {
				return usagef("%v", err)
			}
			fmt.Fprintf(inv.Out, "%s: objects of %d bytes take %d (align %d), %d per slab of %d page(s)\n", c.Name, size, c.ObjSize, c.Align, c.ObjPerSlab, c.PagesPerSlab)
		case "alloc":
			if err := s.K.PromptCache(name); err != nil {
				return usagef("kmem_cache alloc: %v", err)
			}
			var addr uint64
			var aerr error
			res, _ := s.K.KernelCall("kmem", []string{"kmem_cache_alloc"}, func() error {
				addr, aerr = s.K.KmemCacheAlloc(name, mm.GFPKernel)
				return nil
			})
			if aerr != nil && addr == 0 {
				return usagef("%v", aerr)
			}
			fmt.Fprintf(inv.Out, "0x%x\n", addr)
			if aerr != nil {
				fmt.Fprintln(inv.Out, s.red.Sprintf("%v", aerr))
			}
			s.reportStop(inv, res, "")
		case "free":
			addr, err := strconv.ParseUint(inv.Args[2].Text, 0, 64)
			if err != nil {
				return usagef("kmem_cache free: ADDR %q: want an address", inv.Args[2].Text)
			}
			if err := s.K.PromptCache(name); err != nil {
				return usagef("kmem_cache free: %v", err)
			}
			res, ferr := s.K.KernelCall("kmem", []string{"kmem_cache_free"}, func() error { return s.K.KmemCacheFree(name, addr) })
			if ferr != nil {
				fmt.Fprintln(inv.Out, s.red.Sprintf("%v: the kmem thread Oopsed (see dmesg)", ferr))
			}
			s.reportStop(inv, res, "")
		case "destroy":
			if err := s.K.KmemCacheDestroy(name); err != nil {
				return usagef("%v", err)
			}
		}
		return nil
	},
}

var vmallocCmd = &Command{
	Names:   []string{"vmalloc"},
	Group:   "Kernel",
	Usage:   "vmalloc [--json] SIZE",
	Summary: "Allocate virtually contiguous kernel memory from the prompt (cat /proc/vmallocinfo to see it).",
	Help: `
vmalloc takes SIZE rounded up to pages, one page at a time from the buddy
allocator (any zone, HighMem included: the pages need not be contiguous),
and maps them at the lowest free address of the vmalloc area, followed by
an unmapped guard page. Kernel stacks come from here too (16 KiB each,
VMAP_STACK). vfree ADDR gives it back.`,
	SeeAlso: []string{"vfree", "kmalloc", "meminfo", "cat"},
	Flags:   jsonFlag,
	MinArgs: 1, MaxArgs: 1,
	Run: func(s *Session, inv *Invocation) error {
		if err := s.requireRunning(); err != nil {
			return err
		}
		size, err := strconv.Atoi(inv.Args[0].Text)
		if err != nil {
			return usagef("vmalloc: SIZE %q: want a number of bytes", inv.Args[0].Text)
		}
		addr, err := s.K.PromptVmalloc(size)
		if err != nil {
			return usagef("%v", err)
		}
		if inv.wantJSON() {
			return printJSON(inv.Out, map[string]any{"addr": kernel.Addr(addr), "pages": (size + 4095) / 4096})
		}
		fmt.Fprintf(inv.Out, "0x%x (%d pages)\n", addr, (size+4095)/4096)
		return nil
	},
}

var vfreeCmd = &Command{
	Names:   []string{"vfree"},
	Group:   "Kernel",
	Usage:   "vfree ADDR",
	Summary: "Free a vmalloc area from the prompt.",
	SeeAlso: []string{"vmalloc"},
	MinArgs: 1, MaxArgs: 1,
	Run: func(s *Session, inv *Invocation) error {
		if err := s.requireRunning(); err != nil {
			return err
		}
		addr, err := strconv.ParseUint(inv.Args[0].Text, 0, 64)
		if err != nil {
			return usagef("vfree: ADDR %q: want an address", inv.Args[0].Text)
		}
		if err := s.K.PromptVfree(addr); err != nil {
			return usagef("%v", err)
		}
		return nil
	},
}

var faultCmd = &Command{
	Names:   []string{"fault"},
	Group:   "Kernel",
	Usage:   "fault [--json] [failslab|fail_page_alloc KEY=VALUE...]",
	Summary: "Show or set the fault injectors (failslab, fail_page_alloc) to make allocations fail.",
	Help: `
Linux's fault-injection framework, as its debugfs files set it:
probability (percent; 0 turns it off), interval (every Nth eligible
call), times (failures left; -1 unlimited), space (bytes or pages let
through first), verbose (0 quiet, else FAULT_INJECTION lines in dmesg),
ignore-gfp-wait (Y by default: allocations that may sleep, GFP_KERNEL,
are spared, so set it to N to fail them), and for fail_page_alloc
ignore-gfp-highmem and min-order (1: order-0 pages are spared). seed=N
restarts the random sequence: the same seed fails the same calls.

  fault failslab probability=100 times=1 ignore-gfp-wait=N
  spawn cpu-hog        # fork fails: no memory for its task_struct`,
	SeeAlso: []string{"kmalloc", "spawn", "meminfo"},
	MaxArgs: -1,
	Flags:   jsonFlag,
	Words: func(_ *Session, prev []string) []string {
		if len(prev) == 0 {
			return []string{"fail_page_alloc", "failslab"}
		}
		return []string{"probability=", "interval=", "times=", "space=", "verbose=", "ignore-gfp-wait=", "seed="}
	},
	Run: func(s *Session, inv *Invocation) error {
		if len(inv.Args) == 1 {
			return usagef("fault %s: KEY=VALUE required (probability=, interval=, times=, ...)", inv.Args[0].Text)
		}
		if len(inv.Args) > 1 {
			name := inv.Args[0].Text
			for _, a := range inv.Args[1:] {
				key, value, ok := strings.Cut(a.Text, "=")
				if !ok {
					return usagef("fault: %q: want KEY=VALUE", a.Text)
				}
				if err := s.K.SetFault(name, key, value); err != nil {
					return usagef("fault: %v", err)
				}
			}
		}
		faults := s.K.Faults()
		if inv.wantJSON() {
			return printJSON(inv.Out, faults)
		}
		for _, f := range faults {
			var keys []string
			for k := range f.Settings {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var parts []string
			for _, k := range keys {
				parts = append(parts, k+"="+f.Settings[k])
			}
			fmt.Fprintf(inv.Out, "%-16s %s (%d failures so far)\n", f.Name, strings.Join(parts, " "), f.Failures)
		}
		return nil
	},
}

var vmCmd = &Command{
	Names:   []string{"vm"},
	Group:   "Inspection",
	Usage:   "vm PID [--json]",
	Summary: "Show a process's address space: its areas and how many of their pages are resident.",
	Help: `
Like crash's vm: the mm's totals (pages mapped, resident pages, minor
faults, copy-on-write faults, the program break), then each area
(vm_area_struct) with its
range, permissions, name and RESIDENT/PAGES: with demand paging an area's
pages arrive only when touched.`,
	SeeAlso: []string{"mem", "cat", "meminfo"},
	MinArgs: 1, MaxArgs: 1,
	Flags: jsonFlag,
	Run: func(s *Session, inv *Invocation) error {
		pid, err := pidArg("vm", inv.Args[0].Text)
		if err != nil {
			return err
		}
		v, err := s.K.VM(pid)
		if err != nil {
			return usagef("vm: %v", err)
		}
		if inv.wantJSON() {
			return printJSON(inv.Out, v)
		}
		fmt.Fprintf(inv.Out, "PID: %-7d COMMAND: %q\n", v.PID, v.Comm)
		fmt.Fprintf(inv.Out, "TOTAL_VM %dk  RSS %dk  MINFLT %d  COW %d  BRK %x\n", v.TotalVM*4, v.RSS*4, v.Minflt, v.Cow, v.Brk)
		var rows [][]string
		for _, a := range v.Areas {
			rows = append(rows, []string{fmt.Sprintf("%x", a.Start), fmt.Sprintf("%x", a.End), a.Perms,
				fmt.Sprintf("%d/%d", a.Resident, a.Pages), a.Name})
		}
		return RenderTable(inv.Out, []string{"START", "END", "PERMS", "RESIDENT", "NAME"}, rows, 3)
	},
}

var memCmd = &Command{
	Names:   []string{"mem"},
	Group:   "Inspection",
	Usage:   "mem read [--json] PID ADDR LEN | mem write PID ADDR BYTES",
	Summary: "Read (as a hex dump) or write a process's memory.",
	Help: `
read dumps LEN bytes at ADDR of PID's memory as hexdump -C does; write
stores BYTES there: a string in quotes ("hi\n") or hex bytes (6869 0a).
Both go through the address space as a debugger's access does: an
unmapped or forbidden address is "Bad address"; a write to a page not yet
present faults it in (vm shows it resident afterwards).`,
	SeeAlso: []string{"vm", "syscall"},
	Flags:   jsonFlag,
	MinArgs: 4, MaxArgs: -1,
	Words: func(_ *Session, prev []string) []string {
		if len(prev) == 0 {
			return []string{"read", "write"}
		}
		return nil
	},
	Run: func(s *Session, inv *Invocation) error {
		pid, err := pidArg("mem", inv.Args[1].Text)
		if err != nil {
			return err
		}
		addr, err := strconv.ParseUint(inv.Args[2].Text, 0, 64)
		if err != nil {
			return usagef("mem: ADDR %q: want an address such as 0x7ffffffde000", inv.Args[2].Text)
		}
		switch inv.Args[0].Text {
		case "read":
			if len(inv.Args) != 4 {
				return usagef("usage: %s", inv.Cmd.Usage)
			}
			n, err := strconv.Atoi(inv.Args[3].Text)
			if err != nil {
				return usagef("mem read: LEN %q: want a number of bytes", inv.Args[3].Text)
			}
			b, err := s.K.MemRead(pid, addr, n)
			if inv.wantJSON() && err == nil {
				return printJSON(inv.Out, map[string]any{"addr": kernel.Addr(addr), "hex": fmt.Sprintf("%x", b)})
			}
			hexdump(inv.Out, addr, b)
			if err != nil {
				return usagef("%v", err)
			}
		case "write":
			if err := s.requireRunning(); err != nil {
				return err
			}
			var data []byte
			if a := inv.Args[3]; a.Quoted {
				if len(inv.Args) != 4 {
					return usagef("mem write: one quoted string, or hex bytes")
				}
				data = []byte(a.Text)
			} else {
				var hexText strings.Builder
				for _, a := range inv.Args[3:] {
					hexText.WriteString(a.Text)
				}
				h := hexText.String()
				if len(h)%2 != 0 {
					return usagef("mem write: %q: want whole bytes in hex (2 digits each)", h)
				}
				for i := 0; i < len(h); i += 2 {
					v, err := strconv.ParseUint(h[i:i+2], 16, 8)
					if err != nil {
						return usagef("mem write: %q is not hex", h[i:i+2])
					}
					data = append(data, byte(v))
				}
			}
			if err := s.K.MemWrite(pid, addr, data); err != nil {
				return usagef("%v", err)
			}
			fmt.Fprintf(inv.Out, "%d bytes written at 0x%x\n", len(data), addr)
		default:
			return usagef("mem: %q: want read or write", inv.Args[0].Text)
		}
		return nil
	},
}

// cacheLine is crash's kmem cache header and row.
func cacheLine(w io.Writer, c *kernel.CacheView) {
	fmt.Fprintln(w, "CACHE             OBJSIZE  ALLOCATED     TOTAL  SLABS  SSIZE  NAME")
	fmt.Fprintf(w, "%-16x %8d %10d %9d %6d %5dk  %s\n", uint64(c.Addr), c.ObjSize, c.InUse, c.NumObjs, c.NumSlabs, c.SlabSize/1024, c.Name)
}

// hexdump prints b as hexdump -C does, with addresses from addr.
func hexdump(w io.Writer, addr uint64, b []byte) {
	for off := 0; off < len(b); off += 16 {
		line := b[off:min(off+16, len(b))]
		var hexPart strings.Builder
		for i := 0; i < 16; i++ {
			if i == 8 {
				hexPart.WriteByte(' ')
			}
			if i < len(line) {
				fmt.Fprintf(&hexPart, "%02x ", line[i])
			} else {
				hexPart.WriteString("   ")
			}
		}
		ascii := make([]byte, len(line))
		for i, c := range line {
			ascii[i] = '.'
			if c >= 0x20 && c < 0x7f {
				ascii[i] = c
			}
		}
		fmt.Fprintf(w, "%016x  %s |%s|\n", addr+uint64(off), hexPart.String(), ascii)
	}
}
