package kernel

import (
	"kplay/kernel/abi"
	"kplay/kernel/vfs"
	"kplay/mm"
)

// clone flags (include/uapi/linux/sched.h).
const (
	csignal            = 0x000000ff
	cloneVM            = 0x00000100
	cloneFS            = 0x00000200
	cloneFiles         = 0x00000400
	cloneSighand       = 0x00000800
	clonePidfd         = 0x00001000
	clonePtrace        = 0x00002000
	cloneVfork         = 0x00004000
	cloneParent        = 0x00008000
	cloneThread        = 0x00010000
	cloneNewns         = 0x00020000
	cloneSysvsem       = 0x00040000
	cloneSettls        = 0x00080000
	cloneParentSettid  = 0x00100000
	cloneChildCleartid = 0x00200000
	cloneDetached      = 0x00400000
	cloneUntraced      = 0x00800000
	cloneChildSettid   = 0x01000000
)

// threadCloneFlags are the flags pthread_create passes (less the TLS and
// tid bookkeeping), as the program language's thread statement uses them.
const threadCloneFlags = cloneVM | cloneFS | cloneFiles | cloneSighand | cloneThread | cloneSysvsem

// threads-max's bounds (MIN_THREADS, and MAX_THREADS = FUTEX_TID_MASK).
const (
	minThreads      = 20
	maxThreadsLimit = 0x3fffffff
)

// maxThreads is threads-max: as fork_init computes it, RAM over eight
// kernel stacks of 16 KiB each and at least 20, unless the sysctl set it.
func (k *Kernel) maxThreads() int {
	if k.threadsMax > 0 {
		return k.threadsMax
	}
	return max(minThreads, int(k.cfg.MemBytes/(8*16<<10)))
}

// nrThreads is nr_threads: every task but swapper, zombies included.
func (k *Kernel) nrThreads() int { return len(k.tasks) - 1 }

// kernelClone creates a child of p (kernel_clone / copy_process): a
// process, or with CLONE_THREAD a thread of p's group. The child runs img
// in user mode and then exits. It returns the child or an errno.
func (k *Kernel) kernelClone(p *Task, flags uint64, img image) (*Task, abi.Errno) {
	switch {
	case flags&cloneThread != 0 && flags&cloneSighand == 0,
		flags&cloneSighand != 0 && flags&cloneVM == 0,
		flags&(cloneNewns|cloneFS) == cloneNewns|cloneFS:
		return nil, abi.EINVAL
	case k.nrThreads() >= k.maxThreads():
		return nil, abi.EAGAIN
	case p.MM == nil:
		return nil, abi.EINVAL // a kernel thread has no user context to copy
	}
	thread := flags&cloneThread != 0
	parent := p
	if flags&(cloneParent|cloneThread) != 0 && p.Parent != nil {
		parent = p.Parent
	}
	// copy_mm before the task exists, so that running out of memory
	// leaves nothing to undo.
	var newMM *mm.AddrSpace
	if flags&cloneVM == 0 {
		if newMM = k.dupMM(p.MM); newMM == nil {
			return nil, abi.ENOMEM
		}
	}
	var newFiles *FilesStruct
	if flags&cloneFiles == 0 && p.Files != nil {
		if newFiles = k.dupFiles(p.Files); newFiles == nil {
			if newMM != nil {
				k.mmput(newMM)
			}
			return nil, abi.ENOMEM
		}
	}
	c := k.copyTask(p.Comm, parent, p, flags, 0, nil)
	if c == nil {
		if newMM != nil {
			k.mmput(newMM)
		}
		if newFiles != nil {
			k.putFiles(newFiles)
		}
		return nil, abi.ENOMEM
	}
	c.fn = func(c *Task) { k.userMain(c, img, thread) }
	c.PGID, c.prog, c.Argv = p.PGID, p.prog, p.Argv
	c.exitSignal = int(flags & csignal)
	if thread {
		c.TGID = p.TGID
		c.exitSignal = -1
	}
	if flags&cloneVM != 0 {
		c.MM = p.MM
		k.mmget(c.MM)
	} else {
		c.MM = newMM
	}
	c.ActiveMM, c.scratch = c.MM, p.scratch
	if flags&cloneFiles != 0 && p.Files != nil {
		c.Files = p.Files
		p.Files.usage.inc()
	} else {
		c.Files = newFiles
	}
	c.FS = copyFS(p.FS, flags&cloneFS != 0)
	c.rlim = p.rlim
	if flags&cloneVfork != 0 {
		c.vforkDone = newCompletion("vfork_done")
	}
	k.traceFork(p, c)
	if k.stracing() {
		k.straceFork(p, c)
	}
	k.wakeUpNewTask(c)
	return c, 0
}

// dupFiles copies an fd table (dup_fd) into a new files_cache object.
func (k *Kernel) dupFiles(f *FilesStruct) *FilesStruct {
	obj := k.kmemCacheAlloc("files_cache", mm.GFPKernel)
	if obj == 0 {
		return nil
	}
	n := &FilesStruct{fds: append([]*vfs.File(nil), f.fds...), cloexec: append([]bool(nil), f.cloexec...), usage: atomicT{1}, obj: obj}
	for _, x := range n.fds {
		if x != nil {
			x.Get()
		}
	}
	return n
}

// putFiles drops a reference to an fd table (put_files_struct); the last
// one closes its files and frees it.
func (k *Kernel) putFiles(f *FilesStruct) {
	if !f.usage.decAndTest() {
		return
	}
	for _, x := range f.fds {
		if x != nil {
			x.Put()
		}
	}
	f.fds, f.cloexec = nil, nil
	k.kmemCacheFree("files_cache", f.obj)
	f.obj = 0
}

// forkWith clones t and, for vfork, waits until the child exits
// (wait_for_vfork_done).
func (k *Kernel) forkWith(t *Task, flags uint64) int64 {
	img := t.forkImage
	t.forkImage = image{}
	c, err := k.kernelClone(t, flags, img)
	if err != 0 {
		return -int64(err)
	}
	if done := c.vforkDone; done != nil {
		defer t.leave(t.enter("wait_for_vfork_done", "wait_for_completion_killable"))
		k.waitForCompletion(done, "vfork: wait for the child to exit")
	}
	return int64(c.PID)
}

// sysFork implements Linux syscall fork(2).
func sysFork(k *Kernel, t *Task, _ *[6]uint64) int64 {
	return k.forkWith(t, abi.SIGCHLD)
}

// sysVfork implements Linux syscall vfork(2): the parent sleeps until the
// child, which shares its memory, exits.
func sysVfork(k *Kernel, t *Task, _ *[6]uint64) int64 {
	return k.forkWith(t, cloneVfork|cloneVM|abi.SIGCHLD)
}

// sysClone implements Linux syscall clone(2), with x86-64's argument
// order: flags, newsp, parent_tid, child_tid, tls. CLONE_PARENT_SETTID
// stores the child's tid at parent_tid.
func sysClone(k *Kernel, t *Task, a *[6]uint64) int64 {
	ret := k.forkWith(t, a[0])
	if ret > 0 && a[0]&cloneParentSettid != 0 {
		var b [4]byte
		b[0], b[1], b[2], b[3] = byte(ret), byte(ret>>8), byte(ret>>16), byte(ret>>24)
		if err := k.copyToUser(t, a[2], b[:]); err != 0 {
			return -int64(err)
		}
	}
	return ret
}
