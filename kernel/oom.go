package kernel

import (
	"errors"

	"kplay/consoledrv"
	"kplay/kernel/abi"
	"kplay/mm"
)

// oomProcess is find_lock_task_mm: a live thread of t's process that
// still has the address space, or nil.
func (k *Kernel) oomProcess(t *Task) *Task {
	for _, x := range k.groupTasks(t, false) {
		if x.MM != nil {
			return x
		}
	}
	return nil
}

// oomBadness is oom_badness with oom_score_adj 0 for the process of t: the
// pages its address space holds (kplay has no swap and counts no page
// tables). Init, kernel threads, processes with no live thread left, and
// a victim already reaped (MMF_OOM_SKIP) cannot be chosen.
func (k *Kernel) oomBadness(t *Task) (*Task, int, bool) {
	if t.Kthread() || t.TGID == k.initTsk.TGID {
		return nil, 0, false
	}
	x := k.oomProcess(t)
	if x == nil || x.MM.OOMSkip {
		return nil, 0, false
	}
	return x, x.MM.RSS, true
}

// processes lists one task per process (its group leader, zombie or not),
// in pid order, as for_each_process walks them.
func (k *Kernel) processes() []*Task {
	var out []*Task
	for _, t := range k.sortedTasks() {
		if t.PID == t.TGID && t != k.idle {
			out = append(out, t)
		}
	}
	return out
}

// outOfMemory is out_of_memory for an allocation of current, with gfp
// (the mask as the report prints it), that found no page: a user page
// fault (pagefault_out_of_memory) or a page of the page cache. It prints the report, picks the process
// with the most resident pages (the later one in the task list on a tie),
// kills it, and reaps its memory at once as the oom_reaper does. It
// reports whether it killed anything.
func (k *Kernel) outOfMemory(cur *Task, gfp string) bool {
	k.printk(consoledrv.Warning, "%s invoked oom-killer: gfp_mask=%s, order=0, oom_score_adj=0", cur.Comm, gfp)
	var victim *Task
	best := -1
	k.printk(consoledrv.Info, "Tasks state (memory values in pages):")
	k.printk(consoledrv.Info, "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name")
	for _, p := range k.processes() {
		x, points, ok := k.oomBadness(p)
		if !ok {
			continue
		}
		k.printk(consoledrv.Info, "[%7d] %5d %5d %8d %8d %8d %8d         %5d %s",
			x.PID, x.Cred.UID, x.TGID, countMM(x.MM).total, x.MM.RSS, 0, 0, 0, x.Comm)
		if points >= best { // the later process wins a tie
			victim, best = x, points
		}
	}
	if victim == nil {
		if k.fatalSignalPending(cur) {
			return false // the faulting task is dying: its exit frees memory
		}
		k.printk(consoledrv.Warning, "Out of memory and no killable processes...")
		k.panic("System is deadlocked on memory")
		return false
	}
	as := victim.MM
	k.printk(consoledrv.Info, "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),task=%s,pid=%d,uid=%d", victim.Comm, victim.PID, victim.Cred.UID)
	k.printk(consoledrv.Err, "Out of memory: Killed process %d (%s) total-vm:%dkB, anon-rss:%dkB, file-rss:0kB, shmem-rss:0kB, UID:%d pgtables:0kB oom_score_adj:0",
		victim.PID, victim.Comm, countMM(as).total*mm.PageSize>>10, as.RSS*mm.PageSize>>10, victim.Cred.UID)
	k.sendSignal(victim, abi.SIGKILL)
	k.oomKills++ // count_vm_event(OOM_KILL)
	// The oom_reaper unmaps the victim's anonymous memory without waiting
	// for it to run and exit.
	as.Reap()
	as.OOMSkip = true // MMF_OOM_SKIP: never chosen again
	k.printk(consoledrv.Info, "oom_reaper: reaped process %d (%s), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB", victim.PID, victim.Comm)
	return true
}

// userTouch is a write to a user page from user mode: the page fault
// allocates it; with no memory the OOM killer frees some and the write is
// retried, unless the writer itself was killed. It reports whether the
// task may go on.
func (k *Kernel) userTouch(t *Task, addr uint64) bool {
	for {
		err := t.MM.Touch(addr)
		switch {
		case err == nil:
			return true
		case errors.Is(err, mm.ErrNoPage):
			if !k.outOfMemory(t, "0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO)") || k.fatalSignalPending(t) {
				return false
			}
		default:
			// A write to an unwritable page: SIGSEGV's default action.
			k.printk(consoledrv.Info, "%s[%d]: segfault at %x ip 0000000000000000 sp 0000000000000000 error 6", t.Comm, t.PID, addr)
			if k.stracing() {
				code := segvAccerr
				if t.MM.Find(addr) == nil {
					code = segvMaperr
				}
				defer k.straceSender(sigInfo{code: code, addr: addr})()
			}
			k.sendSignal(t, abi.SIGSEGV)
			return false
		}
	}
}

// pageTouchNs is the user time of writing one page (a memset of 4 KiB).
const pageTouchNs = 250

// userAlloc is the program statement alloc: mmap(NULL, size, PROT_READ|
// PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0), then a write to every
// page, each a page fault. A failed mmap is like malloc returning NULL:
// the program goes on.
func (k *Kernel) userAlloc(t *Task, size int64) {
	nr, _ := abi.SyscallNumber("mmap")
	ret := k.trap(t, nr, 0, uint64(size), mm.ProtRead|mm.ProtWrite, mapPrivate|mapAnonymous, ^uint64(0), 0)
	if ret < 0 {
		return
	}
	for off := int64(0); off < size; off += mm.PageSize {
		k.compute(t, pageTouchNs)
		if !k.userTouch(t, uint64(ret)+uint64(off)) {
			k.returnToUser(t) // a fatal signal: the task dies here
			return
		}
	}
}
