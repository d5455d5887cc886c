package kernel

import (
	"errors"

	"kplay/consoledrv"
	"kplay/kernel/abi"
	"kplay/mm"
)

// oomBadness is oom_badness with oom_score_adj 0: the pages the task's
// address space holds (kplay has no swap and counts no page tables). Init
// and kernel threads cannot be chosen.
func (k *Kernel) oomBadness(t *Task) (int, bool) {
	if t.Kthread() || t == k.initTsk || t.MM == nil || t.State == ExitZombie || t.State == ExitDead {
		return 0, false
	}
	return t.MM.RSS, true
}

// outOfMemory is out_of_memory for a page fault of current that found no
// page (pagefault_out_of_memory): it prints the report, picks the process
// with the most resident pages (the later one in the task list on a tie),
// kills it, and reaps its memory at once as the oom_reaper does. It
// reports whether it killed anything.
func (k *Kernel) outOfMemory(cur *Task) bool {
	k.printk(consoledrv.Warning, "%s invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0", cur.Comm)
	var victim *Task
	best := -1
	for _, t := range k.sortedTasks() {
		if t.PID != t.TGID {
			continue // one per process: the group leader
		}
		if p, ok := k.oomBadness(t); ok && p >= best {
			victim, best = t, p
		}
	}
	k.printk(consoledrv.Info, "Tasks state (memory values in pages):")
	k.printk(consoledrv.Info, "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name")
	for _, t := range k.sortedTasks() {
		if _, ok := k.oomBadness(t); !ok || t.PID != t.TGID {
			continue
		}
		k.printk(consoledrv.Info, "[%7d] %5d %5d %8d %8d %8d %8d         %5d %s",
			t.PID, t.Cred.UID, t.TGID, countMM(t.MM).total, t.MM.RSS, 0, 0, 0, t.Comm)
	}
	if victim == nil {
		k.printk(consoledrv.Warning, "Out of memory and no killable processes...")
		k.panic("System is deadlocked on memory")
		return false
	}
	as := victim.MM
	k.printk(consoledrv.Info, "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),task=%s,pid=%d,uid=%d", victim.Comm, victim.PID, victim.Cred.UID)
	k.printk(consoledrv.Err, "Out of memory: Killed process %d (%s) total-vm:%dkB, anon-rss:%dkB, file-rss:0kB, shmem-rss:0kB, UID:%d pgtables:0kB oom_score_adj:0",
		victim.PID, victim.Comm, countMM(as).total*mm.PageSize>>10, as.RSS*mm.PageSize>>10, victim.Cred.UID)
	k.sendSignal(victim, abi.SIGKILL)
	k.nrOOMKills++
	// The oom_reaper unmaps the victim's anonymous memory without waiting
	// for it to run and exit.
	as.Reap()
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
			if !k.outOfMemory(t) || k.fatalSignalPending(t) {
				return false
			}
		default:
			// A write to an unwritable page: SIGSEGV's default action.
			k.printk(consoledrv.Info, "%s[%d]: segfault at %x ip 0000000000000000 sp 0000000000000000 error 6", t.Comm, t.PID, addr)
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
