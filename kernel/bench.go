package kernel

import (
	"kplay/kernel/abi"
	"kplay/mm"
)

// Benchmark hooks: each runs a hot path n times inside the kernel, so that
// `kplay bench` and `go test -bench` measure the same code.

// spawnAndRun creates kernel threads through kthreadd and runs the machine
// until all of them have finished their body.
func (k *Kernel) spawnAndRun(fns ...func(t *Task)) {
	left := len(fns)
	for i, fn := range fns {
		k.requestKthread(sprintf("bench/%d", i), func(t *Task) { fn(t); left-- }, nil)
	}
	k.Run(Stop{Done: func() bool { return left == 0 }})
}

// BenchTaskGetpid makes n getpid calls on the task path from a kernel
// thread that already holds the CPU: dispatch, record and return path.
func (k *Kernel) BenchTaskGetpid(n int) {
	k.spawnAndRun(func(t *Task) {
		req := &Request{Nr: int(abi.SysGetpid), Path: PathTask}
		for i := 0; i < n; i++ {
			k.doSyscall(t, req)
		}
	})
}

// BenchKthreadSwitch makes two kernel threads hand the CPU to each other
// with sched_yield until n context switches have happened between them.
func (k *Kernel) BenchKthreadSwitch(n int) {
	half := (n + 1) / 2
	yield := func(t *Task) {
		for i := 0; i < half; i++ {
			sysSchedYield(k, t, nil)
		}
	}
	k.spawnAndRun(yield, yield)
}

// BenchUserYield spawns two user processes that call sched_yield in a
// loop and lets them run until they have switched to each other twice, so
// that the start-up (their vruntimes start a slice apart, and CFS lets a
// yield switch only within the wakeup granularity of the leftmost) is
// behind; then it calls start (a benchmark's ResetTimer) and runs the
// machine for n more context switches between them (the trap, the
// syscall, CFS's yield and pick, and the control-semaphore hand-off, per
// switch), and kills both. The switches are counted in nivcsw: a yield
// that switches leaves the task runnable. Nothing else runs meanwhile
// but, once a simulated second, vmstat_update.
func (k *Kernel) BenchUserYield(n int, start func()) error {
	var pids []int
	for _, name := range []string{"yield-a", "yield-b"} {
		pid, err := k.Spawn("forever { yield }", SpawnOptions{Name: name})
		if err != nil {
			return err
		}
		pids = append(pids, pid)
	}
	// Done is asked at every return to user mode: keep it to two loads.
	a, b := k.tasks[pids[0]], k.tasks[pids[1]]
	between := func() uint64 { return a.Nivcsw + b.Nivcsw }
	k.Run(Stop{Done: func() bool { return between() >= 2 }, For: 1 << 62})
	start()
	from := between()
	k.Run(Stop{Done: func() bool { return between()-from >= uint64(n) }, For: 1 << 62})
	for _, p := range pids {
		k.Kill(p, abi.SIGKILL)
	}
	k.Run(Stop{})
	return nil
}

// BenchKmemCache makes n kmem_cache_alloc+kmem_cache_free pairs on
// kmalloc-64 (the CPU slab's freelist, as SLUB's fast path).
func (k *Kernel) BenchKmemCache(n int) {
	c := k.kmalloc[64]
	for i := 0; i < n; i++ {
		a, _ := c.Alloc(mm.GFPKernel)
		c.Free(a)
	}
}

// BenchBuddy makes n order-0 alloc_pages+free_pages pairs.
func (k *Kernel) BenchBuddy(n int) {
	for i := 0; i < n; i++ {
		pfn, _ := k.pm.AllocPages(mm.GFPKernel, 0)
		k.pm.FreePages(pfn, 0)
	}
}

// BenchPageFault touches n fresh user pages, 1024 at a time (mmap, one
// write per page, munmap): the demand-paging fault, the zeroed page from
// the buddy allocator and its release.
func (k *Kernel) BenchPageFault(n int) {
	as := mm.NewAddrSpace(k.pm)
	const chunk = 1024
	for done := 0; done < n; done += chunk {
		pages := min(chunk, n-done)
		addr, _ := as.MmapAnon(0, uint64(pages)*mm.PageSize, mm.ProtRead|mm.ProtWrite, false, false)
		for i := 0; i < pages; i++ {
			as.Touch(addr + uint64(i)*mm.PageSize)
		}
		as.Unmap(addr, uint64(pages)*mm.PageSize)
	}
}
