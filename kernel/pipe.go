package kernel

import (
	"encoding/binary"

	"kplay/kernel/abi"
	"kplay/kernel/vfs"
	"kplay/mm"
)

// Pipes (fs/pipe.c).
//
// A pipe is an inode of pipefs, a pseudo filesystem the kernel mounts for
// itself at boot, and two open files on it: the read end (O_RDONLY) and
// the write end (O_WRONLY). The inode is a FIFO (S_IFIFO|0600, owned by
// the creator's fsuid and fsgid); it has no name, so /proc/<pid>/fd shows
// "pipe:[ino]". Both files point at one pipe_inode_info: a ring of
// pipe_buffers, each a page of the page allocator with an offset and a
// length, indexed by two free-running counters, head (where the next write
// goes) and tail (where the next read comes from). The ring has
// PIPE_DEF_BUFFERS (16) slots, so a pipe holds 64 KiB when each page is
// full; fcntl F_SETPIPE_SZ changes the number of slots.
//
// Pages are taken from the buddy allocator (alloc_page(GFP_HIGHUSER)) when
// a write needs a new slot, and given back when a read empties one (one is
// kept as tmp_page for the next write, as anon_pipe_buf_release does), so
// MemFree in /proc/meminfo falls by 4 kB for each page of data in flight.
// pipe_inode_info and its array of pipe_buffers are kmalloc'ed
// (kmalloc-192 and kmalloc-1k), so they show in slabinfo.
//
// The semantics are Linux's:
//   - read blocks while the pipe is empty and a writer is left; with no
//     writers it returns 0 (end of file); O_NONBLOCK makes it EAGAIN.
//   - write blocks while the ring is full and a reader is left; a write of
//     at most PIPE_BUF (4096) bytes is atomic: it goes into one page,
//     either merged into the last one or in a fresh slot, never split.
//   - a write with no reader sends SIGPIPE to the writer and fails with
//     EPIPE (kplay has no sigaction, so SIGPIPE always kills, except init,
//     which is unkillable and sees EPIPE).
//   - a blocked write that a fatal signal interrupts returns what it wrote.
//   - O_DIRECT makes a packet pipe: each write is a packet, and a read
//     returns at most one packet (what does not fit is dropped).
//
// Sleeping is real: the task goes to TASK_INTERRUPTIBLE on the pipe's
// rd_wait or wr_wait queue and the scheduler runs someone else; the other
// end's read, write or close wakes it. bt shows it in pipe_read or
// pipe_write, under schedule; the switch's reason says "pipe empty" or
// "pipe full".
//
// Linux holds pipe->mutex around the ring. kplay's kernel code runs on one
// CPU and is never preempted between its sleeps, so only one task touches
// a ring at a time; the mutex would never be contended and is left out.
// Linux's sleepers are exclusive waiters, woken one at a time
// (wake_up_interruptible_sync_poll); kplay's wait queues wake every
// sleeper, and each rechecks pipe_readable or pipe_writable, so the extra
// wakeups cost a context switch but change no result.
//
// Rejected: a Go channel or bytes.Buffer per pipe. Either would move the
// bytes, but hide what the lecture is about: where the data lives (pages
// that MemFree and buddyinfo see), why PIPE_BUF writes stay whole (they
// never straddle two buffers), and who sleeps on which queue (a goroutine
// blocked on a channel would hold the CPU baton, or need a second
// scheduler beside the kernel's).
//
// Named FIFOs (mknod S_IFIFO then open, fifo_open), splice and tee, and
// the per-user pipe-user-pages limits are not implemented.

// Sizes and limits (include/linux/pipe_fs_i.h, include/uapi/linux/limits.h).
const (
	pipeDefBuffers = 16      // PIPE_DEF_BUFFERS
	pipeBuf        = 4096    // PIPE_BUF: writes up to this are atomic
	pipeMaxSize    = 1 << 20 // /proc/sys/fs/pipe-max-size
	// sizeof(struct pipe_inode_info) and sizeof(struct pipe_buffer) on
	// x86-64 Linux 6.6, for kmalloc.
	pipeInodeInfoSize = 176
	pipeBufferSize    = 40
)

// pipe_buffer flags.
const (
	pipeBufFlagPacket   = 0x08 // PIPE_BUF_FLAG_PACKET: a read takes the whole buffer
	pipeBufFlagCanMerge = 0x10 // PIPE_BUF_FLAG_CAN_MERGE: a small write may append
)

// oNotificationPipe is O_NOTIFICATION_PIPE (O_EXCL): pipe2's flag for a
// watch-queue pipe, which kplay (as a kernel without CONFIG_WATCH_QUEUE)
// refuses with ENOPKG.
const oNotificationPipe = vfs.O_EXCL

// fcntl commands of pipes (F_LINUX_SPECIFIC_BASE + 7 and + 8).
const (
	fSetpipeSz = 1031
	fGetpipeSz = 1032
)

// fionread is FIONREAD: the bytes a read would find.
const fionread = 0x541b

// pipeBuffer is struct pipe_buffer: a page and the bytes in it.
type pipeBuffer struct {
	page   int // pfn
	offset int
	len    int
	flags  int
}

// pipeInodeInfo is struct pipe_inode_info.
type pipeInodeInfo struct {
	// head and tail run freely; the slot is the counter & (ringSize-1).
	head, tail uint32
	// maxUsage is the slots a writer may fill; ringSize is the ring's
	// length (both a power of two, equal unless resized).
	maxUsage, ringSize uint32
	readers, writers   int
	// files counts the open files on the pipe; the last one frees it.
	files          int
	rdWait, wrWait waitQueue
	// tmpPage is a page kept for the next write, or -1.
	tmpPage int
	bufs    []pipeBuffer
	// obj and bufsObj are the kmalloc'ed struct and array.
	obj, bufsObj uint64
	freed        bool
}

func (p *pipeInodeInfo) empty() bool       { return p.head == p.tail }
func (p *pipeInodeInfo) occupancy() uint32 { return p.head - p.tail }
func (p *pipeInodeInfo) full() bool        { return p.occupancy() >= p.maxUsage }
func (p *pipeInodeInfo) mask() uint32      { return p.ringSize - 1 }

// readable is pipe_readable: data, or no writer left to wait for.
func (p *pipeInodeInfo) readable() bool { return !p.empty() || p.writers == 0 }

// writable is pipe_writable: room, or no reader left to write for.
func (p *pipeInodeInfo) writable() bool { return !p.full() || p.readers == 0 }

// bytes is what FIONREAD reports: the bytes in every buffer.
func (p *pipeInodeInfo) bytes() int {
	n := 0
	for i := p.tail; i != p.head; i++ {
		n += p.bufs[i&p.mask()].len
	}
	return n
}

func init() {
	addSyscalls(map[string]syscallDef{
		"pipe": {fn: sysPipe, args: []argKind{argFdPair},
			proto: "int pipe(int pipefd[2]);"},
		"pipe2": {fn: sysPipe2, args: []argKind{argFdPair, argOpenFlagsBare},
			proto: "int pipe2(int pipefd[2], int flags);"},
	})
}

// pipeInit registers pipefs and mounts it for the kernel (init_pipe_fs).
func (k *Kernel) pipeInit() {
	fs := &vfs.FileSystemType{Name: "pipefs", NoDev: true,
		// SB_NOUSER: no one mounts pipefs from user space.
		Mount: func(*vfs.VFS, *vfs.SuperBlock, string) abi.Errno { return abi.EINVAL }}
	k.vfs.RegisterFilesystem(fs)
	k.pipefs = k.vfs.NewPseudoSuper(fs)
	k.pipeFops = &vfs.FileOperations{
		Read:    k.pipeRead,
		Write:   k.pipeWrite,
		Ioctl:   k.pipeIoctl,
		Release: k.pipeRelease,
	}
}

// sysPipe implements Linux syscall pipe(2).
func sysPipe(k *Kernel, t *Task, a *[6]uint64) int64 {
	return k.doPipe2(t, a[0], 0)
}

// sysPipe2 implements Linux syscall pipe2(2).
func sysPipe2(k *Kernel, t *Task, a *[6]uint64) int64 {
	return k.doPipe2(t, a[0], int(int32(a[1])))
}

// doPipe2 is do_pipe2: the flags (EINVAL), the pipe and its two files
// (ENFILE, ENOMEM), two free descriptors (EMFILE), then the array in user
// memory (EFAULT). Only when the copy succeeds are the descriptors
// installed, so a bad array leaves nothing open.
func (k *Kernel) doPipe2(t *Task, addr uint64, flags int) int64 {
	if flags&^(vfs.O_CLOEXEC|vfs.O_NONBLOCK|vfs.O_DIRECT|oNotificationPipe) != 0 {
		return errno(abi.EINVAL)
	}
	if t.Files == nil {
		return errno(abi.EBADF)
	}
	files, err := k.createPipeFiles(t, flags)
	if err != 0 {
		return errno(err)
	}
	put := func() { files[0].Put(); files[1].Put() }
	fd0 := k.freeFd(t, 0)
	if fd0 < 0 {
		put()
		return errno(abi.EMFILE)
	}
	fd1 := k.freeFd(t, fd0+1)
	if fd1 < 0 {
		put()
		return errno(abi.EMFILE)
	}
	var b [8]byte
	binary.LittleEndian.PutUint32(b[0:], uint32(fd0))
	binary.LittleEndian.PutUint32(b[4:], uint32(fd1))
	if err := k.copyToUser(t, addr, b[:]); err != 0 {
		put()
		return errno(abi.EFAULT)
	}
	cloexec := flags&vfs.O_CLOEXEC != 0
	k.allocFd(t, fd0, files[0], cloexec)
	k.allocFd(t, fd1, files[1], cloexec)
	return 0
}

// createPipeFiles is create_pipe_files: a pipefs inode with its pipe, the
// write end (O_WRONLY, with O_NONBLOCK and O_DIRECT) and the read end
// (O_RDONLY, with O_NONBLOCK only, as alloc_file_clone is given).
func (k *Kernel) createPipeFiles(t *Task, flags int) ([2]*vfs.File, abi.Errno) {
	var files [2]*vfs.File
	in := k.getPipeInode(t)
	if in == nil {
		return files, abi.ENFILE
	}
	if flags&oNotificationPipe != 0 {
		k.freePipeInfo(in.Private.(*pipeInodeInfo))
		k.vfs.DropInode(in)
		return files, abi.ENOPKG // watch_queue_init without CONFIG_WATCH_QUEUE
	}
	pipe := in.Private.(*pipeInodeInfo)
	w := k.vfs.AllocFilePseudo(in, vfs.O_WRONLY|flags&(vfs.O_NONBLOCK|vfs.O_DIRECT), k.pipeFops)
	if w == nil {
		k.freePipeInfo(pipe)
		k.vfs.DropInode(in)
		return files, abi.ENFILE
	}
	w.Private = pipe
	r := k.vfs.AllocFilePseudo(in, vfs.O_RDONLY|flags&vfs.O_NONBLOCK, k.pipeFops)
	if r == nil {
		w.Put() // frees the pipe and the inode
		return files, abi.ENFILE
	}
	r.Private = pipe
	files[0], files[1] = r, w
	return files, 0
}

// getPipeInode is get_pipe_inode: a FIFO inode of pipefs owned by the
// caller's fsuid and fsgid, with a fresh pipe of one reader and one
// writer; nil when memory runs out.
func (k *Kernel) getPipeInode(t *Task) *vfs.Inode {
	cred := k.vfsTask(t).Cred
	in := k.vfs.NewInode(k.pipefs, vfs.S_IFIFO|0o600, cred)
	if in == nil {
		return nil
	}
	// Its one link (st_nlink 1) is an unnamed dentry; the last file's
	// release drops it, and the VFS frees the inode.
	pipe := k.allocPipeInfo()
	if pipe == nil {
		k.vfs.DropInode(in)
		return nil
	}
	pipe.readers, pipe.writers, pipe.files = 1, 1, 2
	in.Private = pipe
	return in
}

// allocPipeInfo is alloc_pipe_info: the struct and a ring of
// PIPE_DEF_BUFFERS slots, both kmalloc'ed.
func (k *Kernel) allocPipeInfo() *pipeInodeInfo {
	obj, err := k.Kmalloc(pipeInodeInfoSize, mm.GFPKernel)
	if err != nil {
		return nil
	}
	bobj, err := k.Kmalloc(pipeDefBuffers*pipeBufferSize, mm.GFPKernel)
	if err != nil {
		k.Kfree(obj)
		return nil
	}
	return &pipeInodeInfo{
		maxUsage: pipeDefBuffers, ringSize: pipeDefBuffers, tmpPage: -1,
		bufs: make([]pipeBuffer, pipeDefBuffers), obj: obj, bufsObj: bobj,
		rdWait: waitQueue{name: "pipe rd_wait"}, wrWait: waitQueue{name: "pipe wr_wait"},
	}
}

// freePipeInfo is free_pipe_info: every buffer's page, the kept page,
// the ring and the struct go back.
func (k *Kernel) freePipeInfo(p *pipeInodeInfo) {
	if p.freed {
		return
	}
	for i := p.tail; i != p.head; i++ {
		k.pm.FreePages(p.bufs[i&p.mask()].page, 0)
	}
	if p.tmpPage >= 0 {
		k.pm.FreePages(p.tmpPage, 0)
	}
	k.Kfree(p.bufsObj)
	k.Kfree(p.obj)
	*p = pipeInodeInfo{freed: true, tmpPage: -1, rdWait: p.rdWait, wrWait: p.wrWait}
}

// bufRelease is anon_pipe_buf_release: an emptied buffer's page is kept
// as tmp_page if none is, and freed otherwise.
func (k *Kernel) bufRelease(p *pipeInodeInfo, buf *pipeBuffer) {
	if p.tmpPage < 0 {
		p.tmpPage = buf.page
	} else {
		k.pm.FreePages(buf.page, 0)
	}
	*buf = pipeBuffer{}
}

// pipeOf is the pipe behind a file of pipefs.
func pipeOf(f *vfs.File) *pipeInodeInfo {
	p, _ := f.Private.(*pipeInodeInfo)
	return p
}

// pipeRead is pipe_read: copy from the buffers at the tail, releasing each
// one emptied; sleep on rd_wait while the pipe is empty and a writer is
// left.
//
// Preconditions: process context (it may sleep).
func (k *Kernel) pipeRead(f *vfs.File, dst []byte, _ *int64) (int, abi.Errno) {
	p := pipeOf(f)
	total := len(dst)
	if p == nil || total == 0 {
		return 0, 0
	}
	t := k.current
	defer t.leave(t.enter("pipe_read"))
	ret := 0
	wasFull := p.full()
	wakeNextReader := false
	for {
		if !p.empty() {
			buf := &p.bufs[p.tail&p.mask()]
			chars := min(buf.len, total)
			copy(dst[ret:ret+chars], k.pm.Frame(buf.page)[buf.offset:])
			ret += chars
			buf.offset += chars
			buf.len -= chars
			if buf.flags&pipeBufFlagPacket != 0 {
				// A packet is read whole: what did not fit is dropped.
				total = chars
				buf.len = 0
			}
			if buf.len == 0 {
				k.bufRelease(p, buf)
				p.tail++
			}
			total -= chars
			if total == 0 {
				break // the common path: the read is satisfied
			}
			if !p.empty() {
				continue
			}
		}
		if p.writers == 0 {
			break // end of file, or what there was
		}
		if ret > 0 {
			break
		}
		if f.Flags&vfs.O_NONBLOCK != 0 {
			return 0, abi.EAGAIN
		}
		// Nothing read: wake a writer waiting on a full pipe, then sleep.
		if wasFull {
			k.wakeUp(&p.wrWait)
		}
		if err := k.waitEvent(&p.rdWait, TaskInterruptible, "pipe_read (pipe empty)", p.readable); err != 0 {
			return 0, err
		}
		wasFull = p.full()
		wakeNextReader = true
	}
	if p.empty() {
		wakeNextReader = false
	}
	if wasFull {
		k.wakeUp(&p.wrWait)
	}
	if wakeNextReader {
		k.wakeUp(&p.rdWait)
	}
	return ret, 0
}

// pipeWrite is pipe_write: a write that is not a whole number of pages
// first tries to append to the last buffer; the rest goes a page at a
// time into fresh slots, sleeping on wr_wait while the ring is full and a
// reader is left.
//
// Preconditions: process context (it may sleep).
func (k *Kernel) pipeWrite(f *vfs.File, src []byte, _ *int64) (int, abi.Errno) {
	p := pipeOf(f)
	total := len(src)
	if p == nil || total == 0 {
		return 0, 0
	}
	t := k.current
	defer t.leave(t.enter("pipe_write"))
	if p.readers == 0 {
		k.sendSigpipe(t)
		return 0, abi.EPIPE
	}
	ret := 0
	var err abi.Errno
	wasEmpty := p.empty()
	wakeNextWriter := false
	// Merge a partial page into the last buffer when it all fits: this is
	// what keeps a write of up to PIPE_BUF bytes in one piece.
	if chars := total & (mm.PageSize - 1); chars != 0 && !wasEmpty {
		buf := &p.bufs[(p.head-1)&p.mask()]
		if off := buf.offset + buf.len; buf.flags&pipeBufFlagCanMerge != 0 && off+chars <= mm.PageSize {
			copy(k.pm.Frame(buf.page)[off:], src[:chars])
			buf.len += chars
			ret = chars
		}
	}
	for ret < total {
		if p.readers == 0 {
			k.sendSigpipe(t)
			if ret == 0 {
				err = abi.EPIPE
			}
			break
		}
		if !p.full() {
			if p.tmpPage < 0 {
				pfn, aerr := k.pm.AllocPages(mm.GFPHighUser, 0)
				if aerr != nil {
					if ret == 0 {
						err = abi.ENOMEM
					}
					break
				}
				p.tmpPage = pfn
			}
			flags := pipeBufFlagCanMerge
			if f.Flags&vfs.O_DIRECT != 0 {
				flags = pipeBufFlagPacket
			}
			buf := &p.bufs[p.head&p.mask()]
			*buf = pipeBuffer{page: p.tmpPage, flags: flags}
			p.head++
			p.tmpPage = -1
			n := copy(k.pm.Frame(buf.page), src[ret:])
			buf.len = n
			ret += n
			continue
		}
		// The ring is full: wait for a reader to make room.
		if f.Flags&vfs.O_NONBLOCK != 0 {
			if ret == 0 {
				err = abi.EAGAIN
			}
			break
		}
		if wasEmpty {
			k.wakeUp(&p.rdWait)
		}
		if e := k.waitEvent(&p.wrWait, TaskInterruptible, "pipe_write (pipe full)", p.writable); e != 0 {
			if ret == 0 {
				err = e
			}
			break
		}
		wasEmpty = p.empty()
		wakeNextWriter = true
	}
	if p.full() {
		wakeNextWriter = false
	}
	if wasEmpty {
		k.wakeUp(&p.rdWait)
	}
	if wakeNextWriter {
		k.wakeUp(&p.wrWait)
	}
	return ret, err
}

// sendSigpipe is send_sig(SIGPIPE, current, 0): with priv 0 the siginfo
// is SEND_SIG_NOINFO's, SI_USER from the writer itself, as strace shows:
// --- SIGPIPE {si_signo=SIGPIPE, si_code=SI_USER, si_pid=7, si_uid=0} ---.
func (k *Kernel) sendSigpipe(t *Task) {
	if k.stracing() && t.Cred != nil {
		defer k.straceSender(sigInfo{code: siUser, pid: t.TGID, uid: t.Cred.UID})()
	}
	k.sendSignal(t, abi.SIGPIPE)
}

// pipeIoctl is pipe_ioctl: FIONREAD stores the bytes in the pipe at the
// int the argument points to.
func (k *Kernel) pipeIoctl(f *vfs.File, cmd, arg uint64) (int64, abi.Errno) {
	p := pipeOf(f)
	if cmd != fionread || p == nil {
		return 0, abi.ENOTTY
	}
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(p.bytes()))
	return 0, k.copyToUser(k.current, arg, b[:])
}

// pipeRelease is pipe_release: the end goes; when the last reader or the
// last writer goes (but not both), everyone asleep on the pipe wakes to
// see end of file or a broken pipe. The last file frees the pipe.
func (k *Kernel) pipeRelease(in *vfs.Inode, f *vfs.File) {
	p := pipeOf(f)
	if p == nil || p.freed {
		return
	}
	if f.Readable() {
		p.readers--
	}
	if f.Writable() {
		p.writers--
	}
	if (p.readers == 0) != (p.writers == 0) {
		k.wakeUp(&p.rdWait)
		k.wakeUp(&p.wrWait)
	}
	p.files--
	if p.files == 0 {
		k.freePipeInfo(p)
		in.Nlink = 0 // the VFS frees the inode as this file goes
	}
}

// pipeFcntl is pipe_fcntl: F_GETPIPE_SZ and F_SETPIPE_SZ; EBADF for a
// file that is not a pipe.
func (k *Kernel) pipeFcntl(t *Task, f *vfs.File, cmd int, arg uint32) int64 {
	p := pipeOf(f)
	if p == nil || p.freed {
		return errno(abi.EBADF)
	}
	if cmd == fGetpipeSz {
		return int64(p.maxUsage) * mm.PageSize
	}
	size := roundPipeSize(arg)
	slots := uint32(size / mm.PageSize)
	if slots == 0 {
		return errno(abi.EINVAL)
	}
	if slots > p.maxUsage && size > pipeMaxSize && !(t.Cred != nil && t.Cred.EUID == 0) {
		return errno(abi.EPERM) // past pipe-max-size without CAP_SYS_RESOURCE
	}
	if err := k.pipeResizeRing(p, slots); err != 0 {
		return errno(err)
	}
	p.maxUsage = slots
	return int64(p.maxUsage) * mm.PageSize
}

// roundPipeSize is round_pipe_size: a page at least, a power of two, and 0
// (EINVAL) past 2 GiB.
func roundPipeSize(size uint32) uint64 {
	switch {
	case size > 1<<31:
		return 0
	case size < mm.PageSize:
		return mm.PageSize
	}
	n := uint64(1)
	for n < uint64(size) {
		n <<= 1
	}
	return n
}

// pipeResizeRing is pipe_resize_ring: a new kmalloc'ed ring of slots,
// with the buffers in use moved to its start; EBUSY when they do not fit.
func (k *Kernel) pipeResizeRing(p *pipeInodeInfo, slots uint32) abi.Errno {
	n := p.occupancy()
	if slots < n {
		return abi.EBUSY
	}
	obj, err := k.Kmalloc(int(slots)*pipeBufferSize, mm.GFPKernel|mm.GFPNoWarn)
	if err != nil {
		return abi.ENOMEM
	}
	bufs := make([]pipeBuffer, slots)
	for i := uint32(0); i < n; i++ {
		bufs[i] = p.bufs[(p.tail+i)&p.mask()]
	}
	k.Kfree(p.bufsObj)
	p.bufs, p.bufsObj, p.ringSize = bufs, obj, slots
	p.maxUsage = min(p.maxUsage, slots)
	p.head, p.tail = n, 0
	k.wakeUp(&p.wrWait) // there may be room for writers now
	return 0
}
