// Package vfs is kplay's virtual filesystem switch: the objects of Linux's
// VFS (super_block, inode, dentry, file, vfsmount), the operation tables a
// filesystem fills in (inode_operations, file_operations), path lookup
// (namei), the mount table, and the generic parts of the file system calls
// (open, mkdir, unlink, rename, ...) with Linux's errno for each failure.
//
// A filesystem is a FileSystemType whose Mount makes a SuperBlock; ramfs
// (and tmpfs, which is ramfs here) lives in this package. Filesystems that
// need the rest of the kernel (procfs, the console, pipes) are written in
// package kernel against the same tables: their operations capture the
// kernel they serve. Operations may sleep (a pipe read blocks through the
// scheduler) because they run on the calling task.
//
// The package does not import package kernel. It asks its owner for the
// time (timestamps) and for slab objects (the dentry, inode_cache and filp
// caches), through the hooks in Config, so that /proc/slabinfo moves as
// files come and go.
package vfs

import (
	"fmt"
	"sort"

	"kplay/kernel/abi"
)

// Errno is a Linux error number; 0 is success.
type Errno = abi.Errno

// File type and permission bits of i_mode (include/uapi/linux/stat.h).
const (
	S_IFMT   = 0o170000
	S_IFSOCK = 0o140000
	S_IFLNK  = 0o120000
	S_IFREG  = 0o100000
	S_IFBLK  = 0o060000
	S_IFDIR  = 0o040000
	S_IFCHR  = 0o020000
	S_IFIFO  = 0o010000
	S_ISUID  = 0o4000
	S_ISGID  = 0o2000
	S_ISVTX  = 0o1000
)

// Directory entry types of getdents64 (DT_*).
const (
	DT_UNKNOWN = 0
	DT_FIFO    = 1
	DT_CHR     = 2
	DT_DIR     = 4
	DT_BLK     = 6
	DT_REG     = 8
	DT_LNK     = 10
	DT_SOCK    = 12
)

// DType is the d_type of a mode (fs_umode_to_dtype).
func DType(mode uint32) uint8 { return uint8((mode & S_IFMT) >> 12) }

// Limits of path lookup (include/uapi/linux/limits.h, namei.c).
const (
	PathMax     = 4096 // PATH_MAX, with the NUL
	NameMax     = 255  // NAME_MAX
	MaxSymlinks = 40   // MAXSYMLINKS
)

// Cred is what the VFS needs of the caller's credentials, which are the
// kernel's struct cred (kernel.Cred implements it): the filesystem ids
// that own the files it creates and that the owner and group bits are
// tested against (current_fsuid(), current_fsgid()), group membership
// (in_group_p), and the capabilities that override the checks
// (capable()):
//
//	CAP_DAC_OVERRIDE     any mode bits, but exec needs some x bit
//	CAP_DAC_READ_SEARCH  reading files, reading and searching directories
//	CAP_FOWNER           what only the owner may do: chmod, sticky unlink
//	CAP_CHOWN            chown and chgrp to anyone
//	CAP_FSETID           keeping S_ISGID outside the file's group
//	CAP_MKNOD            device nodes
//	CAP_SYS_ADMIN        mount and umount
type Cred interface {
	FSIDs() (uid, gid int)
	InGroup(gid int) bool
	Capable(cap int) bool
}

// Root is the credential of the kernel's own lookups (populating
// devtmpfs and /proc): uid and gid 0 with every capability, as init_cred.
var Root Cred = rootCred{}

type rootCred struct{}

func (rootCred) FSIDs() (uid, gid int) { return 0, 0 }
func (rootCred) InGroup(gid int) bool  { return gid == 0 }
func (rootCred) Capable(cap int) bool  { return true }

// Inode is an inode (struct inode): a file's metadata and, for ramfs, its
// contents.
type Inode struct {
	Ino   uint64
	Mode  uint32
	UID   int
	GID   int
	Nlink int
	Size  int64
	// Dead marks a removed directory (S_DEAD): nothing can be looked up
	// or made in it, though a task may still have it as its cwd.
	Dead bool
	// Rdev is the device of a character or block special file.
	Rdev                Dev
	Atime, Mtime, Ctime int64 // ns since the epoch
	SB                  *SuperBlock
	Op                  *InodeOperations
	FOp                 *FileOperations
	// Target is a symlink's contents (a ramfs file's are its pages).
	Target string
	// Private belongs to the filesystem (procfs keeps its generator).
	Private any

	obj uint64 // the inode's object in inode_cache
	// openCount counts open files on the inode: an unlinked file lives
	// until the last is closed.
	openCount int
	// pages is a ramfs file's page cache (i_pages): by page index, the
	// frame plus one, 0 for a hole; nrPages counts the frames.
	pages   []int32
	nrPages int
}

// IsDir and the others test the file type.
func (in *Inode) IsDir() bool  { return in.Mode&S_IFMT == S_IFDIR }
func (in *Inode) IsReg() bool  { return in.Mode&S_IFMT == S_IFREG }
func (in *Inode) IsLnk() bool  { return in.Mode&S_IFMT == S_IFLNK }
func (in *Inode) IsChr() bool  { return in.Mode&S_IFMT == S_IFCHR }
func (in *Inode) IsFIFO() bool { return in.Mode&S_IFMT == S_IFIFO }

// Dev is a device number (dev_t) split in major and minor.
type Dev struct{ Major, Minor uint32 }

// Encode is new_encode_dev: the 32-bit form stat's st_dev and st_rdev
// carry on x86-64.
func (d Dev) Encode() uint64 {
	return uint64(d.Minor&0xff) | uint64(d.Major)<<8 | uint64(d.Minor&^0xff)<<12
}

// String is major:minor, as /proc/<pid>/maps and mountinfo print it.
func (d Dev) String() string { return fmt.Sprintf("%d:%d", d.Major, d.Minor) }

// Dentry is a directory entry (struct dentry): a name in its parent
// directory bound to an inode, or negative (Inode nil). The children of a
// directory are the dentry cache's entries under it: for ramfs the tree of
// dentries is the filesystem itself, as in Linux.
type Dentry struct {
	Name   string
	Parent *Dentry // itself for a root
	Inode  *Inode
	SB     *SuperBlock

	children map[string]*Dentry
	// order is the children in creation order; readdir lists them newest
	// first, as dcache_readdir walks d_children.
	order []*Dentry
	// mounted counts the mounts on this dentry (d_mounted).
	mounted int
	obj     uint64 // the dentry's object in the dentry cache
	seq     uint64 // when it was made, for readdir order
}

// SuperBlock is a mounted filesystem instance (struct super_block).
type SuperBlock struct {
	Type *FileSystemType
	Dev  Dev
	Root *Dentry
	// Private belongs to the filesystem.
	Private any
	nextIno uint64
	vfs     *VFS
}

// NextIno gives the next inode number of this superblock (get_next_ino).
func (sb *SuperBlock) NextIno() uint64 { sb.nextIno++; return sb.nextIno }

// FileSystemType is a registered filesystem (struct file_system_type).
type FileSystemType struct {
	Name string
	// NoDev marks a filesystem that needs no block device (FS_REQUIRES_DEV
	// unset): /proc/filesystems prints "nodev" before its name.
	NoDev bool
	// Mount makes a superblock for a new mount (fs_context's get_tree).
	Mount func(v *VFS, sb *SuperBlock, data string) Errno
}

// Mount is a mounted filesystem in the tree (struct mount / vfsmount).
type Mount struct {
	ID     int
	Parent *Mount // itself for the root mount
	// Mountpoint is the dentry of Parent this mount covers.
	Mountpoint *Dentry
	Root       *Dentry
	SB         *SuperBlock
	Source     string // the device name: "proc", "tmpfs", "rootfs"
	Flags      int    // MS_RDONLY, MS_NOSUID, ...
	// openFiles counts files open on this mount: umount refuses with
	// EBUSY while any is.
	openFiles int
	// detached is a mount umount took out of the tree while files were
	// still open on it (MNT_DETACH): its superblock dies with the last.
	detached bool
}

// Path is a location in the tree (struct path): a dentry in a mount.
type Path struct {
	Mnt    *Mount
	Dentry *Dentry
}

// Inode is the path's inode.
func (p Path) Inode() *Inode { return p.Dentry.Inode }

// Config is what the kernel gives the VFS.
type Config struct {
	// Now is the time in ns since the epoch, for timestamps.
	Now func() int64
	// Alloc and Free take and give back an object of a slab cache
	// ("dentry", "inode_cache", "filp"); Alloc returns 0 when there is no
	// memory.
	Alloc func(cache string) uint64
	Free  func(cache string, obj uint64)
	// AllocPage takes a page frame for the page cache of a ramfs or
	// (shmem true) tmpfs file, and returns its number or the errno of
	// the failure (ENOMEM); FreePage gives one back; Page is a frame's
	// memory. Left nil, the VFS keeps file pages in host memory.
	AllocPage func(shmem bool) (int, Errno)
	FreePage  func(pfn int, shmem bool)
	Page      func(pfn int) []byte
	// TotalramPages is totalram_pages(), the managed pages of the
	// machine: tmpfs's default size is half of it.
	TotalramPages func() int64
}

// VFS is the state of the virtual filesystem switch of one kernel: the
// registered filesystems, the mount tree and the character devices.
type VFS struct {
	cfg     Config
	types   []*FileSystemType
	mounts  []*Mount // by ID
	root    Path
	chrdevs []*Chrdev
	// anonMinor numbers the anonymous block devices (get_anon_bdev) of
	// filesystems without one: 0:1, 0:2, ...
	anonMinor uint32
	nextMntID int
	dseq      uint64
	// NrDentry and NrInodes count live objects (dentry-state, inode-nr).
	NrDentry, NrInodes int
	// NrFilePages counts the page cache's pages (NR_FILE_PAGES), NrShmem
	// those of them that are tmpfs's (NR_SHMEM).
	NrFilePages, NrShmem int
}

// New makes an empty VFS. Mount a root with MountRoot before any lookup.
func New(cfg Config) *VFS {
	if cfg.Now == nil {
		cfg.Now = func() int64 { return 0 }
	}
	if cfg.Alloc == nil {
		cfg.Alloc = func(string) uint64 { return 1 }
	}
	if cfg.Free == nil {
		cfg.Free = func(string, uint64) {}
	}
	if cfg.AllocPage == nil {
		h := &heapPages{}
		cfg.AllocPage, cfg.FreePage, cfg.Page = h.alloc, h.freePage, h.page
	}
	if cfg.TotalramPages == nil {
		cfg.TotalramPages = func() int64 { return 16384 } // 64 MiB
	}
	v := &VFS{cfg: cfg, nextMntID: 1}
	return v
}

// Now is the VFS's clock, for filesystems outside this package.
func (v *VFS) Now() int64 { return v.cfg.Now() }

// RegisterFilesystem adds a filesystem type (register_filesystem); EBUSY if
// the name is taken.
func (v *VFS) RegisterFilesystem(fs *FileSystemType) Errno {
	if v.FindFilesystem(fs.Name) != nil {
		return abi.EBUSY
	}
	v.types = append(v.types, fs)
	return 0
}

// FindFilesystem returns the registered type of that name, or nil.
func (v *VFS) FindFilesystem(name string) *FileSystemType {
	for _, t := range v.types {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Filesystems lists the registered types in registration order, as
// /proc/filesystems does.
func (v *VFS) Filesystems() []*FileSystemType { return v.types }

// NewInode allocates an inode of sb (new_inode), owned by cred, with its
// timestamps now; nil when there is no memory.
func (v *VFS) NewInode(sb *SuperBlock, mode uint32, cred Cred) *Inode {
	obj := v.cfg.Alloc("inode_cache")
	if obj == 0 {
		return nil
	}
	now := v.cfg.Now()
	uid, gid := cred.FSIDs()
	in := &Inode{Ino: sb.NextIno(), Mode: mode, UID: uid, GID: gid, Nlink: 1,
		Atime: now, Mtime: now, Ctime: now, SB: sb, obj: obj}
	if in.IsDir() {
		in.Nlink = 2
	}
	v.NrInodes++
	return in
}

// putInode frees an inode nothing links or holds open any more (iput),
// and its pages (evict: truncate_inode_pages_final).
func (v *VFS) putInode(in *Inode) {
	in.truncatePages(0)
	if in.obj != 0 {
		v.cfg.Free("inode_cache", in.obj)
		in.obj = 0
		v.NrInodes--
	}
}

// NewDentry makes a dentry for name under parent (d_alloc), not yet in the
// cache; nil when there is no memory.
func (v *VFS) NewDentry(parent *Dentry, name string, sb *SuperBlock) *Dentry {
	obj := v.cfg.Alloc("dentry")
	if obj == 0 {
		return nil
	}
	v.dseq++
	d := &Dentry{Name: name, Parent: parent, SB: sb, obj: obj, seq: v.dseq}
	if parent == nil {
		d.Parent = d
	}
	v.NrDentry++
	return d
}

// freeDentry gives a dentry's object back (dentry_free).
func (v *VFS) freeDentry(d *Dentry) {
	if d.obj != 0 {
		v.cfg.Free("dentry", d.obj)
		d.obj = 0
		v.NrDentry--
	}
}

// AddChild puts d in its parent's cache with inode in (d_add /
// d_instantiate).
func (v *VFS) AddChild(d *Dentry, in *Inode) {
	d.Inode = in
	p := d.Parent
	if p.children == nil {
		p.children = map[string]*Dentry{}
	}
	p.children[d.Name] = d
	p.order = append(p.order, d)
}

// removeChild takes d out of its parent's cache (d_delete + d_drop).
func (v *VFS) removeChild(d *Dentry) {
	p := d.Parent
	delete(p.children, d.Name)
	for i, c := range p.order {
		if c == d {
			p.order = append(p.order[:i:i], p.order[i+1:]...)
			break
		}
	}
}

// Child returns the cached child of d called name, or nil.
func (d *Dentry) Child(name string) *Dentry { return d.children[name] }

// Children lists the cached children newest first, as readdir of a ramfs
// directory does.
func (d *Dentry) Children() []*Dentry {
	out := make([]*Dentry, 0, len(d.order))
	for i := len(d.order) - 1; i >= 0; i-- {
		out = append(out, d.order[i])
	}
	return out
}

// IsRoot reports whether d is the root of its filesystem.
func (d *Dentry) IsRoot() bool { return d.Parent == d }

// newSuper makes a superblock on an anonymous device (sget_fc with
// set_anon_super).
func (v *VFS) newSuper(fs *FileSystemType) *SuperBlock {
	v.anonMinor++
	return &SuperBlock{Type: fs, Dev: Dev{0, v.anonMinor}, vfs: v}
}

// MakeRoot gives sb a root directory of mode (d_make_root).
func (v *VFS) MakeRoot(sb *SuperBlock, mode uint32) Errno {
	in := v.NewInode(sb, S_IFDIR|mode, Root)
	if in == nil {
		return abi.ENOMEM
	}
	d := v.NewDentry(nil, "/", sb)
	if d == nil {
		v.putInode(in)
		return abi.ENOMEM
	}
	d.Inode = in
	sb.Root = d
	return 0
}

// Mounts lists the mounts in the order they were made, as /proc/mounts does.
func (v *VFS) Mounts() []*Mount {
	out := append([]*Mount(nil), v.mounts...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// RootPath is the root of the mount tree.
func (v *VFS) RootPath() Path { return v.root }

// MountRoot mounts fs as the root of the tree (init_mount_tree); fs need
// not be registered, as rootfs is not.
func (v *VFS) MountRoot(fs *FileSystemType, source string) Errno {
	m, err := v.mountType(fs, source, "", 0)
	if err != 0 {
		return err
	}
	m.Parent, m.Mountpoint = m, m.Root
	v.root = Path{m, m.Root}
	return 0
}

func (v *VFS) mountFS(fstype, source, data string, flags int) (*Mount, Errno) {
	fs := v.FindFilesystem(fstype)
	if fs == nil {
		return nil, abi.ENODEV
	}
	return v.mountType(fs, source, data, flags)
}

func (v *VFS) mountType(fs *FileSystemType, source, data string, flags int) (*Mount, Errno) {
	sb := v.newSuper(fs)
	if err := fs.Mount(v, sb, data); err != 0 {
		return nil, err
	}
	m := &Mount{ID: v.nextMntID, Root: sb.Root, SB: sb, Source: source, Flags: flags}
	v.nextMntID++
	v.mounts = append(v.mounts, m)
	return m, 0
}

// Mount flags (include/uapi/linux/mount.h) kplay keeps.
const (
	MS_RDONLY       = 1
	MS_NOSUID       = 2
	MS_NODEV        = 4
	MS_NOEXEC       = 8
	MS_REMOUNT      = 32
	MS_BIND         = 4096
	MS_MOVE         = 8192
	MS_REC          = 16384
	MS_SILENT       = 32768
	MS_NOATIME      = 1024
	MS_RELATIME     = 1 << 21
	MS_STRICTATIME  = 1 << 24
	MS_MGC_VAL      = 0xC0ED0000
	MS_MGC_MSK      = 0xffff0000
	MNT_FORCE       = 1
	MNT_DETACH      = 2
	MNT_EXPIRE      = 4
	UMOUNT_NOFOLLOW = 8
)

// UmountFlags are the flags umount2 knows; any other bit is EINVAL.
const UmountFlags = MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW

// DoMount mounts a new instance of fstype on target (do_new_mount): target
// must be a directory; the source names the instance (it is shown in
// /proc/mounts). Only CAP_SYS_ADMIN may mount (EPERM).
func (v *VFS) DoMount(cred Cred, source string, target Path, fstype string, flags int, data string) Errno {
	if !cred.Capable(abi.CAP_SYS_ADMIN) {
		return abi.EPERM
	}
	if flags&MS_MGC_MSK == MS_MGC_VAL {
		flags &^= MS_MGC_MSK
	}
	if flags&(MS_REMOUNT|MS_BIND|MS_MOVE) != 0 {
		return abi.EINVAL // kplay makes new mounts only
	}
	if !target.Inode().IsDir() {
		return abi.ENOTDIR
	}
	mflags := flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME)
	if flags&(MS_NOATIME|MS_STRICTATIME) == 0 {
		mflags |= MS_RELATIME // path_mount: "Default to relatime unless overriden"
	}
	m, err := v.mountFS(fstype, source, data, mflags)
	if err != 0 {
		return err
	}
	m.Parent, m.Mountpoint = target.Mnt, target.Dentry
	target.Dentry.mounted++
	return 0
}

// DoUmount unmounts the mount whose root is at target (path_umount
// after can_umount's privilege check, which is the caller's, with the
// flags' check, as ksys_umount orders them): EINVAL if target is not a
// mount's root, EBUSY if files are open on it, other mounts sit on it,
// or it is the root of the tree.
func (v *VFS) DoUmount(target Path, flags int) Errno {
	m := target.Mnt
	if target.Dentry != m.Root {
		return abi.EINVAL
	}
	if m.Parent == m {
		return abi.EBUSY // the root of the tree
	}
	if m.openFiles > 0 && flags&MNT_DETACH == 0 {
		return abi.EBUSY
	}
	for _, c := range v.mounts {
		if c.Parent == m && c != m {
			return abi.EBUSY
		}
	}
	for i, c := range v.mounts {
		if c == m {
			v.mounts = append(v.mounts[:i:i], v.mounts[i+1:]...)
			break
		}
	}
	m.Mountpoint.mounted--
	m.detached = true
	v.mntput(m)
	return 0
}

// mntput is what happens when the last file open on a detached mount
// closes, or when one with none open is unmounted: its superblock dies
// (deactivate_super; each kplay mount has its own superblock).
func (v *VFS) mntput(m *Mount) {
	if m.detached && m.openFiles == 0 {
		v.killLitterSuper(m.SB)
	}
}

// killLitterSuper is kill_litter_super for ramfs and tmpfs: every dentry
// of the tree is dropped and every inode loses its links, so those no
// file holds open are freed with their pages now, the rest at their last
// close. Other filesystems keep their tree (kplay's procfs holds none
// worth freeing).
func (v *VFS) killLitterSuper(sb *SuperBlock) {
	if ramfsInfo(sb) == nil {
		return
	}
	var kill func(d *Dentry)
	kill = func(d *Dentry) {
		for _, c := range d.Children() {
			kill(c)
			v.removeChild(c)
		}
		v.freeDentry(d)
		if in := d.Inode; in != nil {
			in.Nlink = 0
			v.maybeFreeInode(in)
		}
	}
	kill(sb.Root)
}

// MountPathOf returns where m is mounted, as a path string.
func (v *VFS) MountPathOf(m *Mount) string { return v.PathString(Path{m, m.Root}) }

// mountedOn returns the topmost mount on dentry d of mount parent, or nil.
func (v *VFS) mountedOn(parent *Mount, d *Dentry) *Mount {
	if d.mounted == 0 {
		return nil
	}
	var top *Mount
	for _, m := range v.mounts {
		if m.Parent == parent && m.Mountpoint == d && m != parent && (top == nil || m.ID > top.ID) {
			top = m
		}
	}
	return top
}

// PathString is the absolute path of p (d_path), as getcwd and
// /proc/<pid>/fd show it; a file whose dentry was deleted gets
// " (deleted)".
func (v *VFS) PathString(p Path) string {
	var parts []string
	d, m := p.Dentry, p.Mnt
	deleted := false
	for {
		if d == m.Root {
			if m.Parent == m {
				break
			}
			d, m = m.Mountpoint, m.Parent
			continue
		}
		if d.Parent.children[d.Name] != d {
			deleted = true
		}
		parts = append(parts, d.Name)
		d = d.Parent
	}
	s := ""
	for i := len(parts) - 1; i >= 0; i-- {
		s += "/" + parts[i]
	}
	if s == "" {
		s = "/"
	}
	if deleted {
		s += " (deleted)"
	}
	return s
}
