package kernel

import (
	"kplay/consoledrv"
	"kplay/kernel/abi"
	"kplay/kernel/vfs"
	"kplay/mm"
)

// FSStruct is a task's filesystem context (struct fs_struct): its root,
// its working directory and its umask, shared by the tasks of a
// CLONE_FS clone.
type FSStruct struct {
	Root, Pwd vfs.Path
	Umask     uint32
	users     int
}

// FilesStruct is an fd table (struct files_struct): the open files by
// descriptor, with the close-on-exec bit of each.
type FilesStruct struct {
	fds     []*vfs.File
	cloexec []bool
	usage   atomicT
	obj     uint64 // its object in files_cache
}

func (f *FilesStruct) get(fd int) *vfs.File {
	if fd < 0 || fd >= len(f.fds) {
		return nil
	}
	return f.fds[fd]
}

// RLIMIT_NOFILE's defaults (INR_OPEN_CUR, INR_OPEN_MAX) and fs.nr_open.
const (
	nofileCur    = 1024
	nofileMax    = 4096
	sysctlNrOpen = 1 << 20
)

// allocFd installs f at the lowest free descriptor at or above min
// (alloc_fd), or fails with EMFILE past the task's RLIMIT_NOFILE.
func (k *Kernel) allocFd(t *Task, min int, f *vfs.File, cloexec bool) (int, abi.Errno) {
	fs := t.Files
	limit := int(t.rlim[rlimitNofile].cur)
	if min >= limit {
		return 0, abi.EMFILE
	}
	fd := min
	for fd < len(fs.fds) && fs.fds[fd] != nil {
		fd++
	}
	if fd >= limit {
		return 0, abi.EMFILE
	}
	for len(fs.fds) <= fd {
		fs.fds = append(fs.fds, nil)
		fs.cloexec = append(fs.cloexec, false)
	}
	fs.fds[fd], fs.cloexec[fd] = f, cloexec
	return fd, 0
}

// closeFd removes a descriptor (close_fd) and drops its reference.
func (k *Kernel) closeFd(t *Task, fd int) abi.Errno {
	if t.Files == nil {
		return abi.EBADF
	}
	f := t.Files.get(fd)
	if f == nil {
		return abi.EBADF
	}
	t.Files.fds[fd] = nil
	t.Files.cloexec[fd] = false
	f.Put()
	return 0
}

// fget is the open file of descriptor fd, or nil.
func fget(t *Task, fd int64) *vfs.File {
	if t.Files == nil || fd < 0 || fd > 1<<31 {
		return nil
	}
	return t.Files.get(int(fd))
}

// vfsTask is what the VFS needs of t for a lookup: its cred (whose fsuid,
// fsgid, groups and capabilities the permission checks use), the root and
// the working directory. Kernel threads act as root at /.
func (k *Kernel) vfsTask(t *Task) vfs.Task {
	vt := vfs.Task{Cred: vfs.Root, Root: k.vfs.RootPath(), Cwd: k.vfs.RootPath()}
	if t.Cred != nil {
		vt.Cred = t.Cred
	}
	if t.FS != nil {
		vt.Root, vt.Cwd = t.FS.Root, t.FS.Pwd
	}
	return vt
}

// copyFS gives a child its parent's fs_struct: shared with CLONE_FS, a
// copy otherwise (copy_fs).
func copyFS(p *FSStruct, share bool) *FSStruct {
	if p == nil {
		return nil
	}
	if share {
		p.users++
		return p
	}
	c := *p
	c.users = 1
	return &c
}

// putFS drops a task's reference to its fs_struct (exit_fs).
func putFS(fs *FSStruct) {
	if fs != nil {
		fs.users--
	}
}

// Character device majors and minors kplay registers (Documentation/
// admin-guide/devices.txt).
const (
	memMajor     = 1 // mem: null 3, zero 5, full 7, random 8, urandom 9
	ttyAuxMajor  = 5 // /dev/tty 0, /dev/console 1
	minorNull    = 3
	minorZero    = 5
	minorFull    = 7
	minorRandom  = 8
	minorURandom = 9
	minorTty     = 0
	minorConsole = 1
)

// vfsInit sets up the VFS at boot (vfs_caches_init, mnt_init): the
// filesystems, ramfs as rootfs, and the character devices.
func (k *Kernel) vfsInit() {
	k.vfs = vfs.New(vfs.Config{
		Now: func() int64 { return k.host.BootRealtime() + k.clockNs() },
		Alloc: func(cache string) uint64 {
			return k.kmemCacheAlloc(cache, mm.GFPKernel)
		},
		Free:          func(cache string, obj uint64) { k.kmemCacheFree(cache, obj) },
		AllocPage:     k.allocFilePage,
		FreePage:      func(pfn int, _ bool) { k.pm.FreePages(pfn, 0) },
		Page:          k.pm.Frame,
		TotalramPages: func() int64 { return int64(k.totalramPages()) },
	})
	// Registration order is /proc/filesystems' order, Linux's boot order:
	// tmpfs (shmem_init, from mnt_init), proc (proc_root_init), devtmpfs
	// (driver_init), then the fs_initcalls in link order: pipefs
	// (init_pipe_fs, which also mounts it for the kernel) and ramfs.
	// rootfs is mounted as / but never registered (init_mount_tree), so
	// it is not listed and cannot be mounted again.
	for _, fs := range []*vfs.FileSystemType{
		vfs.Ramfs("tmpfs"), k.procFSType(), vfs.Ramfs("devtmpfs"),
	} {
		k.vfs.RegisterFilesystem(fs)
	}
	k.pipeInit()
	k.vfs.RegisterFilesystem(vfs.Ramfs("ramfs"))
	if err := k.vfs.MountRoot(vfs.Ramfs("rootfs"), "rootfs"); err != 0 {
		k.panic("VFS: Cannot mount root: " + err.Error())
	}
	k.vfs.RegisterChrdev(memMajor, 0, 256, "mem", &vfs.FileOperations{Open: k.memOpen})
	k.vfs.RegisterChrdev(ttyAuxMajor, minorTty, 1, "/dev/tty", k.consoleFops())
	k.vfs.RegisterChrdev(ttyAuxMajor, minorConsole, 1, "/dev/console", k.consoleFops())
	k.random = newPRNG(0x6b706c6179) // "kplay": the same bytes on every boot
}

// allocFilePage takes a page for the page cache of a ramfs or tmpfs file
// (filemap_alloc_folio, shmem_alloc_folio), with the mapping's gfp:
// GFP_HIGHUSER for ramfs, GFP_HIGHUSER_MOVABLE for shmem. As in Linux,
// an allocation that finds no page invokes the OOM killer and tries
// again: the pages of ramfs and tmpfs are not reclaimable (there is no
// swap), so the killer frees the memory of processes, and with none left
// to kill the machine panics ("System is deadlocked on memory"). When the
// writer itself is the victim, or was dying already, the write stops
// with ENOMEM. tmpfs's size limit (half of RAM by default) makes ENOSPC
// come first on /tmp; ramfs, like rootfs, has none.
func (k *Kernel) allocFilePage(shmem bool) (int, abi.Errno) {
	gfp, gfpName := mm.GFPHighUser, "0x140cc2(GFP_HIGHUSER|__GFP_COMP)"
	if shmem {
		gfp, gfpName = mm.GFPHighUser|mm.GFPMovable, "0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP)"
	}
	for {
		pfn, err := k.pm.AllocPages(gfp, 0)
		if err == nil {
			return pfn, 0
		}
		cur := k.current
		if cur == nil || k.fatalSignalPending(cur) || !k.outOfMemory(cur, gfpName) || k.fatalSignalPending(cur) {
			return 0, abi.ENOMEM
		}
	}
}

// totalramPages is totalram_pages(): the pages the buddy allocator
// manages.
func (k *Kernel) totalramPages() int { return k.zoneSum(func(z *mm.Zone) int { return z.Managed }) }

// populateRootfs makes the directories and files of a fresh root (what
// the initramfs holds) and mounts procfs, devtmpfs and a tmpfs, as init
// scripts do.
func (k *Kernel) populateRootfs() {
	root := vfs.Task{Cred: vfs.Root, Root: k.vfs.RootPath(), Cwd: k.vfs.RootPath()}
	mkdir := func(p string, mode uint32) {
		if err := k.vfs.Mkdir(root, root.Cwd, p, mode, 0); err != 0 {
			k.panic("populate rootfs: mkdir " + p + ": " + err.Error())
		}
	}
	for _, d := range []string{"/bin", "/dev", "/etc", "/proc", "/root", "/sys", "/tmp"} {
		mkdir(d, 0o755)
	}
	k.writeBootFile("/etc/hostname", "kplay\n", 0o644)
	k.writeBootFile("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/tmp:/bin/sh\n", 0o644)
	k.writeBootFile("/etc/group", "root:x:0:\nusers:x:100:user\nuser:x:1000:\n", 0o644)
	k.writeBootFile("/etc/motd", "Welcome to kplay.\n", 0o644)
	k.setupBin()
	mount := func(source, target, fstype string, flags int) {
		p, err := k.vfs.Lookup(root, root.Cwd, target, true)
		if err == 0 {
			err = k.vfs.DoMount(vfs.Root, source, p, fstype, flags, "")
		}
		if err != 0 {
			k.panic("mount " + target + ": " + err.Error())
		}
	}
	mount("proc", "/proc", "proc", vfs.MS_NOSUID|vfs.MS_NODEV|vfs.MS_NOEXEC|vfs.MS_RELATIME)
	mount("devtmpfs", "/dev", "devtmpfs", vfs.MS_NOSUID|vfs.MS_RELATIME)
	mount("tmpfs", "/tmp", "tmpfs", vfs.MS_NOSUID|vfs.MS_NODEV|vfs.MS_RELATIME)
	// devtmpfs's nodes, as the drivers' device_add makes them.
	for _, n := range []struct {
		name string
		mode uint32
		dev  vfs.Dev
	}{
		{"console", 0o600, vfs.Dev{Major: ttyAuxMajor, Minor: minorConsole}},
		{"tty", 0o666, vfs.Dev{Major: ttyAuxMajor, Minor: minorTty}},
		{"null", 0o666, vfs.Dev{Major: memMajor, Minor: minorNull}},
		{"zero", 0o666, vfs.Dev{Major: memMajor, Minor: minorZero}},
		{"full", 0o666, vfs.Dev{Major: memMajor, Minor: minorFull}},
		{"random", 0o666, vfs.Dev{Major: memMajor, Minor: minorRandom}},
		{"urandom", 0o666, vfs.Dev{Major: memMajor, Minor: minorURandom}},
	} {
		if err := k.vfs.Mknod(root, root.Cwd, "/dev/"+n.name, vfs.S_IFCHR|n.mode, n.dev, 0); err != 0 {
			k.panic("devtmpfs: " + n.name + ": " + err.Error())
		}
	}
	k.printk(consoledrv.Info, "devtmpfs: initialized")
}

// writeBootFile creates a file of the initial root.
func (k *Kernel) writeBootFile(name, data string, mode uint32) {
	root := vfs.Task{Cred: vfs.Root, Root: k.vfs.RootPath(), Cwd: k.vfs.RootPath()}
	f, err := k.vfs.Open(root, root.Cwd, name, vfs.O_WRONLY|vfs.O_CREAT|vfs.O_TRUNC, mode, 0)
	if err != 0 {
		k.panic("populate rootfs: " + name + ": " + err.Error())
	}
	f.Write([]byte(data))
	f.Put()
}

// openConsole opens /dev/console for init's fds 0, 1 and 2
// (console_on_rootfs).
func (k *Kernel) openConsole(t *Task) {
	root := vfs.Task{Cred: vfs.Root, Root: k.vfs.RootPath(), Cwd: k.vfs.RootPath()}
	f, err := k.vfs.Open(root, root.Cwd, "/dev/console", vfs.O_RDWR, 0, 0)
	if err != 0 {
		k.panic("Warning: unable to open an initial console: " + err.Error())
	}
	t.Files = &FilesStruct{usage: atomicT{1}, obj: k.kmemCacheAlloc("files_cache", mm.GFPKernel)}
	for i := 0; i < 3; i++ {
		if i > 0 {
			f.Get()
		}
		k.allocFd(t, 0, f, false)
	}
	t.FS = &FSStruct{Root: k.vfs.RootPath(), Pwd: k.vfs.RootPath(), Umask: 0o022, users: 1}
}

// consoleFops are the console's file operations (tty_fops on the
// console), a stream with no position: writes go to the console driver; a read sees end of file,
// since no keyboard is attached to kplay's console.
func (k *Kernel) consoleFops() *vfs.FileOperations {
	if k.conFops == nil {
		k.conFops = &vfs.FileOperations{
			// tty_open is nonseekable: lseek and pread are ESPIPE.
			Open: func(_ *vfs.Inode, f *vfs.File) abi.Errno { f.NonseekableOpen(); return 0 },
			Read: func(*vfs.File, []byte, *int64) (int, abi.Errno) { return 0, 0 },
			Write: func(_ *vfs.File, p []byte, _ *int64) (int, abi.Errno) {
				k.con.Write(p)
				return len(p), 0
			},
			Ioctl: k.ttyIoctl,
		}
	}
	return k.conFops
}

// memOpen is the mem driver's open (memory_open), which picks the minor's
// operations.
func (k *Kernel) memOpen(in *vfs.Inode, f *vfs.File) abi.Errno {
	switch in.Rdev.Minor {
	case minorNull:
		f.Op = &nullFops
	case minorZero:
		f.Op = &zeroFops
	case minorFull:
		f.Op = &fullFops
	case minorRandom, minorURandom:
		f.Op, f.Private = &randomFops, k.random
	default:
		return abi.ENXIO
	}
	return 0
}

var (
	// /dev/null: reads see end of file, writes vanish.
	nullFops = vfs.FileOperations{
		Read:  func(*vfs.File, []byte, *int64) (int, abi.Errno) { return 0, 0 },
		Write: func(_ *vfs.File, p []byte, _ *int64) (int, abi.Errno) { return len(p), 0 },
	}
	// /dev/zero: zeros, and writes vanish.
	zeroFops = vfs.FileOperations{
		Read:  func(_ *vfs.File, p []byte, _ *int64) (int, abi.Errno) { clear(p); return len(p), 0 },
		Write: nullFops.Write,
	}
	// /dev/full: zeros, and every write fails with ENOSPC.
	fullFops = vfs.FileOperations{
		Read:  zeroFops.Read,
		Write: func(*vfs.File, []byte, *int64) (int, abi.Errno) { return 0, abi.ENOSPC },
	}
	// /dev/random and /dev/urandom: bytes from the kernel's seeded
	// generator (see newPRNG), so runs are reproducible.
	randomFops = vfs.FileOperations{
		Read: func(f *vfs.File, p []byte, _ *int64) (int, abi.Errno) {
			f.Private.(*prng).read(p)
			return len(p), 0
		},
		Write: nullFops.Write,
	}
)

// prng is the kernel's random generator: xorshift64*, seeded at boot, so
// /dev/urandom gives the same bytes in every run (a playground wants
// reproducible labs, not secrets).
type prng struct{ s uint64 }

func newPRNG(seed uint64) *prng {
	if seed == 0 {
		seed = 1
	}
	return &prng{s: seed}
}

func (r *prng) next() uint64 {
	r.s ^= r.s >> 12
	r.s ^= r.s << 25
	r.s ^= r.s >> 27
	return r.s * 2685821657736338717
}

func (r *prng) read(p []byte) {
	for i := 0; i < len(p); i += 8 {
		v := r.next()
		for j := 0; j < 8 && i+j < len(p); j++ {
			p[i+j] = byte(v >> (8 * j))
		}
	}
}
