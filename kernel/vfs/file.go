package vfs

import (
	"kplay/kernel/abi"
)

// InodeOperations is a filesystem's table of directory and inode methods
// (struct inode_operations). A nil method is one the filesystem does not
// have: the VFS answers as Linux does (EPERM for mkdir, unlink and rmdir,
// EACCES for create, ...).
type InodeOperations struct {
	// Lookup finds name in dir for a filesystem whose dentries are not all
	// cached (procfs): it returns the inode, or nil for a negative entry.
	Lookup func(dir *Dentry, name string) (*Inode, Errno)
	// Create, Mkdir, Mknod and Symlink make a new inode for the negative
	// dentry d in dir.
	Create  func(dir *Inode, d *Dentry, mode uint32, cred Cred) Errno
	Mkdir   func(dir *Inode, d *Dentry, mode uint32, cred Cred) Errno
	Mknod   func(dir *Inode, d *Dentry, mode uint32, dev Dev, cred Cred) Errno
	Symlink func(dir *Inode, d *Dentry, target string, cred Cred) Errno
	Unlink  func(dir *Inode, d *Dentry) Errno
	Rmdir   func(dir *Inode, d *Dentry) Errno
	Rename  func(oldDir *Inode, old *Dentry, newDir *Inode, new *Dentry) Errno
	// GetLink is a symlink's target (get_link); p is where the link is,
	// for links that depend on who reads them (/proc/self).
	GetLink func(d *Dentry) (string, Errno)
	// JumpLink, for a "magic" link (procfs's fd/N, cwd, root), is the
	// object itself (nd_jump_link): the walk goes there without reading a
	// target, so an unlinked file or a pipe's peer stays reachable.
	JumpLink func(d *Dentry) (Path, bool)
	// Revalidate, on a directory with Lookup, says whether a cached child
	// is still good (d_revalidate); without it every lookup asks again.
	Revalidate func(d *Dentry) bool
	// Setsize changes a regular file's size (setattr with ATTR_SIZE).
	Setsize func(in *Inode, size int64) Errno
}

// FileOperations is a file's table of methods (struct file_operations).
type FileOperations struct {
	// Open is called when a file is opened on the inode (chrdev_open
	// replaces the table with the driver's here).
	Open func(in *Inode, f *File) Errno
	// Read and Write move bytes at *pos and advance it; they may sleep.
	Read  func(f *File, p []byte, pos *int64) (int, Errno)
	Write func(f *File, p []byte, pos *int64) (int, Errno)
	// Llseek moves the file position; nil means generic_file_llseek for
	// regular files and directories, ESPIPE for the rest.
	Llseek func(f *File, off int64, whence int) (int64, Errno)
	// Iterate lists a directory from the cursor f.Pos (iterate_shared):
	// emit returns false when the caller's buffer is full, and Iterate
	// then stops without consuming that entry.
	Iterate func(f *File, emit func(name string, ino uint64, dtype uint8) bool) Errno
	// Ioctl is unlocked_ioctl; nil means ENOTTY.
	Ioctl func(f *File, cmd, arg uint64) (int64, Errno)
	// Release is called when the last reference to the file goes.
	Release func(in *Inode, f *File)
}

// Open flags (include/uapi/asm-generic/fcntl.h, x86-64 values).
const (
	O_ACCMODE   = 0o3
	O_RDONLY    = 0o0
	O_WRONLY    = 0o1
	O_RDWR      = 0o2
	O_CREAT     = 0o100
	O_EXCL      = 0o200
	O_NOCTTY    = 0o400
	O_TRUNC     = 0o1000
	O_APPEND    = 0o2000
	O_NONBLOCK  = 0o4000
	O_DSYNC     = 0o10000
	O_ASYNC     = 0o20000
	O_DIRECT    = 0o40000
	O_LARGEFILE = 0o100000
	O_DIRECTORY = 0o200000
	O_NOFOLLOW  = 0o400000
	O_NOATIME   = 0o1000000
	O_CLOEXEC   = 0o2000000
	O_SYNC      = 0o4010000
	O_PATH      = 0o10000000
	O_TMPFILE   = 0o20200000
)

// File modes (f_mode): what the open allows.
const (
	FMODE_READ  = 0x1
	FMODE_WRITE = 0x2
	FMODE_LSEEK = 0x4
	// FMODE_STREAM is a file with no position (a tty, a pipe): no
	// lseek, pread or pwrite.
	FMODE_STREAM = 0x200000
)

// File is an open file (struct file): a path, the position, the open flags
// and the methods, shared by every descriptor dup'ed or inherited from the
// one open.
type File struct {
	Path  Path
	Inode *Inode
	Flags int    // f_flags: O_APPEND, O_NONBLOCK, the access mode...
	Mode  uint32 // f_mode: FMODE_READ, FMODE_WRITE
	Pos   int64
	Op    *FileOperations
	// Private belongs to the driver or filesystem (a pipe, a procfs
	// file's generated text).
	Private any
	// Count is f_count: the references from descriptors.
	Count int

	obj uint64 // the file's object in the filp cache
	vfs *VFS
}

// Readable and Writable test f_mode.
func (f *File) Readable() bool { return f.Mode&FMODE_READ != 0 }
func (f *File) Writable() bool { return f.Mode&FMODE_WRITE != 0 }

// AllocFile makes a file of no path, such as a pipe end (alloc_file_pseudo);
// nil when the filp cache has no memory.
func (v *VFS) AllocFile(in *Inode, flags int, op *FileOperations) *File {
	obj := v.cfg.Alloc("filp")
	if obj == 0 {
		return nil
	}
	f := &File{Inode: in, Flags: flags, Op: op, Count: 1, obj: obj, vfs: v}
	switch flags & O_ACCMODE {
	case O_RDONLY:
		f.Mode = FMODE_READ
	case O_WRONLY:
		f.Mode = FMODE_WRITE
	case O_RDWR:
		f.Mode = FMODE_READ | FMODE_WRITE
	}
	return f
}

// Get takes a reference (get_file).
func (f *File) Get() *File { f.Count++; return f }

// Put drops a reference (fput); the last one releases the file.
func (f *File) Put() {
	f.Count--
	if f.Count > 0 {
		return
	}
	if f.Op != nil && f.Op.Release != nil {
		f.Op.Release(f.Inode, f)
	}
	v := f.vfs
	if in := f.Inode; in != nil {
		in.openCount--
		v.maybeFreeInode(in)
	}
	if m := f.Path.Mnt; m != nil {
		m.openFiles--
		v.mntput(m)
	}
	if f.obj != 0 {
		v.cfg.Free("filp", f.obj)
		f.obj = 0
	}
}

// maybeFreeInode frees an inode with no links and no open files (iput_final).
func (v *VFS) maybeFreeInode(in *Inode) {
	if in.Nlink <= 0 && in.openCount <= 0 {
		v.putInode(in)
	}
}

// Read reads into p at the file position (vfs_read).
func (f *File) Read(p []byte) (int, Errno) {
	if !f.Readable() {
		return 0, abi.EBADF
	}
	if f.Inode != nil && f.Inode.IsDir() {
		return 0, abi.EISDIR
	}
	if f.Op == nil || f.Op.Read == nil {
		return 0, abi.EINVAL
	}
	n, err := f.Op.Read(f, p, &f.Pos)
	if n > 0 && f.Inode != nil {
		f.Inode.Atime = f.vfs.cfg.Now()
	}
	return n, err
}

// Write writes p at the file position, at the end with O_APPEND
// (vfs_write).
func (f *File) Write(p []byte) (int, Errno) {
	if !f.Writable() {
		return 0, abi.EBADF
	}
	if f.Op == nil || f.Op.Write == nil {
		return 0, abi.EINVAL
	}
	if f.Flags&O_APPEND != 0 && f.Inode != nil && f.Inode.IsReg() {
		f.Pos = f.Inode.Size
	}
	n, err := f.Op.Write(f, p, &f.Pos)
	if n > 0 && f.Inode != nil {
		f.Inode.Mtime = f.vfs.cfg.Now()
		f.Inode.Ctime = f.Inode.Mtime
	}
	return n, err
}

// Pread and Pwrite read and write at pos without moving the file position
// (ksys_pread64): ESPIPE on a file that cannot seek.
func (f *File) Pread(p []byte, pos int64) (int, Errno) {
	if !f.Readable() {
		return 0, abi.EBADF
	}
	if pos < 0 {
		return 0, abi.EINVAL
	}
	if !f.seekable() {
		return 0, abi.ESPIPE
	}
	if f.Inode.IsDir() {
		return 0, abi.EISDIR
	}
	if f.Op == nil || f.Op.Read == nil {
		return 0, abi.EINVAL
	}
	return f.Op.Read(f, p, &pos)
}

// Pwrite writes at pos; with O_APPEND Linux writes at the end anyway.
func (f *File) Pwrite(p []byte, pos int64) (int, Errno) {
	if !f.Writable() {
		return 0, abi.EBADF
	}
	if pos < 0 {
		return 0, abi.EINVAL
	}
	if !f.seekable() {
		return 0, abi.ESPIPE
	}
	if f.Op == nil || f.Op.Write == nil {
		return 0, abi.EINVAL
	}
	if f.Flags&O_APPEND != 0 {
		pos = f.Inode.Size
	}
	return f.Op.Write(f, p, &pos)
}

func (f *File) seekable() bool {
	return f.Mode&FMODE_STREAM == 0 && f.Inode != nil && !f.Inode.IsFIFO() && f.Inode.Mode&S_IFMT != S_IFSOCK
}

// Whence values of lseek.
const (
	SEEK_SET  = 0
	SEEK_CUR  = 1
	SEEK_END  = 2
	SEEK_DATA = 3
	SEEK_HOLE = 4
)

// NonseekableOpen marks f as a stream (nonseekable_open, as tty_open
// calls it): lseek, pread and pwrite fail with ESPIPE.
func (f *File) NonseekableOpen() { f.Mode |= FMODE_STREAM }

// Lseek moves the file position (ksys_lseek, vfs_llseek): EINVAL for a
// whence past SEEK_HOLE, ESPIPE on pipes and streams, then the file's
// llseek. Regular files take generic_file_llseek (SEEK_DATA and SEEK_HOLE
// see one extent of data: ENXIO at or past the end), directories
// dcache_dir_lseek (SEEK_SET and SEEK_CUR only); EINVAL for a negative
// result.
func (f *File) Lseek(off int64, whence int) (int64, Errno) {
	if whence < 0 || whence > SEEK_HOLE {
		return 0, abi.EINVAL
	}
	if f.Op != nil && f.Op.Llseek != nil {
		return f.Op.Llseek(f, off, whence)
	}
	if !f.seekable() {
		return 0, abi.ESPIPE
	}
	if f.Inode.IsChr() {
		// no_llseek-less drivers (null, zero) accept any offset and
		// leave the position at 0, as noop_llseek does.
		return 0, 0
	}
	dir := f.Inode.IsDir()
	var base int64
	switch whence {
	case SEEK_SET:
	case SEEK_CUR:
		base = f.Pos
	case SEEK_END:
		if dir {
			return 0, abi.EINVAL
		}
		base = f.Inode.Size
	case SEEK_DATA, SEEK_HOLE:
		if dir {
			return 0, abi.EINVAL
		}
		if uint64(off) >= uint64(f.Inode.Size) {
			return 0, abi.ENXIO
		}
		if whence == SEEK_HOLE {
			off = f.Inode.Size
		}
	}
	pos := base + off
	if pos < 0 || (off > 0 && pos < base) {
		return 0, abi.EINVAL
	}
	f.Pos = pos
	return pos, 0
}

// Iterate lists a directory from f.Pos (iterate_dir): ENOTDIR on a file
// that is not a directory.
func (f *File) Iterate(emit func(name string, ino uint64, dtype uint8) bool) Errno {
	if f.Inode == nil || !f.Inode.IsDir() || f.Op == nil || f.Op.Iterate == nil {
		return abi.ENOTDIR
	}
	return f.Op.Iterate(f, emit)
}

// Ioctl is vfs_ioctl: ENOTTY when the file has no ioctl method.
func (f *File) Ioctl(cmd, arg uint64) (int64, Errno) {
	if f.Op == nil || f.Op.Ioctl == nil {
		return 0, abi.ENOTTY
	}
	return f.Op.Ioctl(f, cmd, arg)
}

// DcacheReaddir is the Iterate of a directory whose children are all
// cached (dcache_readdir): ".", "..", then the children newest first.
// f.Pos counts the entries returned.
func DcacheReaddir(f *File, emit func(name string, ino uint64, dtype uint8) bool) Errno {
	d := f.Path.Dentry
	if f.Pos == 0 {
		if !emit(".", d.Inode.Ino, DT_DIR) {
			return 0
		}
		f.Pos++
	}
	if f.Pos == 1 {
		if !emit("..", parentIno(f.Path), DT_DIR) {
			return 0
		}
		f.Pos++
	}
	kids := d.Children()
	for i := int(f.Pos - 2); i < len(kids); i++ {
		c := kids[i]
		if c.Inode == nil {
			f.Pos++
			continue
		}
		if !emit(c.Name, c.Inode.Ino, DType(c.Inode.Mode)) {
			return 0
		}
		f.Pos++
	}
	return 0
}

// parentIno is the inode number of ".." of a directory (its parent, or
// itself at the root of a filesystem, as d_parent is).
func parentIno(p Path) uint64 { return p.Dentry.Parent.Inode.Ino }

// Stat is what stat(2) reports of an inode (struct kstat).
type Stat struct {
	Dev, Ino            uint64
	Mode                uint32
	Nlink               uint64
	UID, GID            int
	Rdev                uint64
	Size                int64
	Blksize, Blocks     int64
	Atime, Mtime, Ctime int64
}

// Getattr is vfs_getattr: the inode's metadata, with st_blocks in 512-byte
// units of the pages a tmpfs file holds (shmem_recalc_inode); ramfs never
// counts its pages in i_blocks, so its files show none.
func (v *VFS) Getattr(p Path) Stat {
	in := p.Inode()
	st := Stat{Dev: in.SB.Dev.Encode(), Ino: in.Ino, Mode: in.Mode, Nlink: uint64(in.Nlink),
		UID: in.UID, GID: in.GID, Rdev: in.Rdev.Encode(), Size: in.Size, Blksize: 4096,
		Atime: in.Atime, Mtime: in.Mtime, Ctime: in.Ctime}
	if r := ramfsInfo(in.SB); r != nil && r.shmem {
		st.Blocks = int64(in.nrPages) * (PageSize / 512)
	}
	return st
}
