package kernel

import (
	"sort"
	"strings"

	"kplay/consoledrv"
	"kplay/mm"
)

// lkdtmTests are the crash types kplay's LKDTM (the Linux Kernel Dump
// Test Module, drivers/misc/lkdtm) can provoke, by Linux's names.
var lkdtmTests = map[string]func(k *Kernel){
	"BUG":       (*Kernel).lkdtmBUG,
	"WARNING":   (*Kernel).lkdtmWARNING,
	"EXCEPTION": (*Kernel).lkdtmEXCEPTION,
	"PANIC":     (*Kernel).lkdtmPANIC,
	// drivers/misc/lkdtm/heap.c, against caches kplay creates with
	// SLAB_POISON (as slub_debug=P would), so the checks fire.
	"SLAB_FREE_DOUBLE": (*Kernel).lkdtmSlabFreeDouble,
	"WRITE_AFTER_FREE": (*Kernel).lkdtmWriteAfterFree,
}

// lkdtmCache is one of lkdtm's heap caches, made on first use.
func (k *Kernel) lkdtmCache(name string) *mm.Cache {
	if c := k.slabs.Find(name); c != nil {
		return c
	}
	c, err := k.createCache(name, 64, 0, mm.SlabPoison)
	if err != nil {
		k.panic("lkdtm: " + err.Error())
	}
	return c
}

// lkdtmSlabFreeDouble is lkdtm_SLAB_FREE_DOUBLE: the same object freed
// twice; the second free is caught.
func (k *Kernel) lkdtmSlabFreeDouble() {
	c := k.lkdtmCache("lkdtm-heap-double_free")
	a, _ := c.Alloc(mm.GFPKernel)
	k.printk(consoledrv.Info, "lkdtm: Attempting double slab free ...")
	c.Free(a)
	if err := c.Free(a); err != nil {
		k.slabBug(err)
	}
}

// lkdtmWriteAfterFree is lkdtm_WRITE_AFTER_FREE: an object is freed and
// then written; the poison it lost is found at its next allocation.
func (k *Kernel) lkdtmWriteAfterFree() {
	c := k.lkdtmCache("lkdtm-heap-uaf")
	a, _ := c.Alloc(mm.GFPKernel)
	k.printk(consoledrv.Info, "lkdtm: Allocated memory %016x-%016x", a, a+64)
	c.Free(a)
	k.printk(consoledrv.Info, "lkdtm: Attempting bad write to freed memory at %016x", a+32)
	s, i, _ := k.pm.SlabObject(a)
	k.pm.Block(s.PFN, i*c.Size+32, 4)[0] = 0xf0 // base[offset] = 0x0abcdef0
	if _, err := c.Alloc(mm.GFPKernel); err != nil {
		k.slabBug(err)
	}
}

// lkdtmBUG is lkdtm_BUG.
func (k *Kernel) lkdtmBUG() { k.bug("") }

// lkdtmWARNING is lkdtm_WARNING.
func (k *Kernel) lkdtmWARNING() { k.warn("lkdtm: Warning message trigger") }

// lkdtmEXCEPTION is lkdtm_EXCEPTION: a NULL pointer dereference.
func (k *Kernel) lkdtmEXCEPTION() {
	var t *Task
	k.printk(consoledrv.Info, "lkdtm: reading through a NULL task_struct pointer: %d", t.PID)
}

// lkdtmPANIC is lkdtm_PANIC.
func (k *Kernel) lkdtmPANIC() { k.panic("dumptest") }

// LkdtmTypes lists the crash types, sorted.
func LkdtmTypes() []string {
	var out []string
	for n := range lkdtmTests {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Provoke runs an LKDTM crash type in a new kernel thread named "lkdtm"
// (as writing it to /sys/kernel/debug/provoke-crash/DIRECT does) and lets
// the machine settle. An Oops kills only that thread.
func (k *Kernel) Provoke(kind string) (RunResult, error) {
	fn, ok := lkdtmTests[strings.ToUpper(kind)]
	if !ok {
		return RunResult{}, errInvalid("lkdtm: unknown crash type %q (want %s)", kind, strings.Join(LkdtmTypes(), ", "))
	}
	if k.halted {
		return RunResult{Reason: StopHalted}, nil
	}
	done := false
	k.requestKthread("lkdtm", func(t *Task) {
		defer func() { done = true }() // also when the crash type Oopses
		t.enter("ret_from_fork_asm", "ret_from_fork", "kthread", "direct_entry", "lkdtm_do_action", "lkdtm_"+strings.ToUpper(kind))
		k.printk(consoledrv.Info, "lkdtm: Performing direct entry %s", strings.ToUpper(kind))
		fn(k)
	}, nil)
	return k.Run(Stop{Done: func() bool { return done }, Breakpoints: true}), nil
}
