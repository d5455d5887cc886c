package kernel

import (
	"bytes"
	"encoding/binary"

	"kplay/kernel/abi"
	"kplay/kernel/vfs"
	"kplay/mm"
)

// The file system calls (fs/open.c, fs/read_write.c, fs/namei.c,
// fs/stat.c, fs/fcntl.c, fs/ioctl.c, fs/readdir.c, fs/d_path.c,
// fs/namespace.c): argument checks and user copies here, the rest in
// package vfs.

func init() {
	addSyscalls(map[string]syscallDef{
		"read": {fn: sysRead, args: []argKind{argInt, argBufRet, argUint},
			proto: "ssize_t read(int fd, void buf[.count], size_t count);"},
		"write": {fn: sysWrite, args: []argKind{argInt, argBufCount, argUint},
			proto: "ssize_t write(int fd, const void buf[.count], size_t count);"},
		"open": {fn: sysOpen, args: []argKind{argPath, argOpenFlags, argOpenMode},
			proto: "int open(const char *pathname, int flags, ... /* mode_t mode */ );"},
		"openat": {fn: sysOpenat, args: []argKind{argDirfd, argPath, argOpenFlags, argOpenMode},
			proto: "int openat(int dirfd, const char *pathname, int flags, ... /* mode_t mode */ );"},
		"creat": {fn: sysCreat, args: []argKind{argPath, argMode},
			proto: "int creat(const char *pathname, mode_t mode);"},
		"close": {fn: sysClose, args: []argKind{argInt},
			proto: "int close(int fd);"},
		"lseek": {fn: sysLseek, args: []argKind{argInt, argInt64, argWhence},
			proto: "off_t lseek(int fd, off_t offset, int whence);"},
		"pread64": {fn: sysPread64, args: []argKind{argInt, argBufRet, argUint, argInt64},
			proto: "ssize_t pread(int fd, void buf[.count], size_t count, off_t offset);"},
		"pwrite64": {fn: sysPwrite64, args: []argKind{argInt, argBufCount, argUint, argInt64},
			proto: "ssize_t pwrite(int fd, const void buf[.count], size_t count, off_t offset);"},
		"readv": {fn: sysReadv, args: []argKind{argInt, argIovecOut, argInt},
			proto: "ssize_t readv(int fd, const struct iovec *iov, int iovcnt);"},
		"writev": {fn: sysWritev, args: []argKind{argInt, argIovecIn, argInt},
			proto: "ssize_t writev(int fd, const struct iovec *iov, int iovcnt);"},
		"stat": {fn: sysStat, args: []argKind{argPath, argStatOut},
			proto: "int stat(const char *restrict pathname, struct stat *restrict statbuf);"},
		"lstat": {fn: sysLstat, args: []argKind{argPath, argStatOut},
			proto: "int lstat(const char *restrict pathname, struct stat *restrict statbuf);"},
		"fstat": {fn: sysFstat, args: []argKind{argInt, argStatOut},
			proto: "int fstat(int fd, struct stat *statbuf);"},
		"newfstatat": {fn: sysNewfstatat, args: []argKind{argDirfd, argPath, argStatOut, argAtFlags},
			proto: "int fstatat(int dirfd, const char *restrict pathname, struct stat *restrict statbuf, int flags);"},
		"access": {fn: sysAccess, args: []argKind{argPath, argAccessMode},
			proto: "int access(const char *pathname, int mode);"},
		"faccessat": {fn: sysFaccessat, args: []argKind{argDirfd, argPath, argAccessMode},
			proto: "int faccessat(int dirfd, const char *pathname, int mode, int flags);"},
		"dup": {fn: sysDup, args: []argKind{argInt},
			proto: "int dup(int oldfd);"},
		"dup2": {fn: sysDup2, args: []argKind{argInt, argInt},
			proto: "int dup2(int oldfd, int newfd);"},
		"dup3": {fn: sysDup3, args: []argKind{argInt, argInt, argOpenFlagsBare},
			proto: "int dup3(int oldfd, int newfd, int flags);"},
		"fcntl": {fn: sysFcntl, args: []argKind{argInt, argInt, argInt}, straceEntry: straceFcntl, straceExit: straceFcntlExit,
			proto: "int fcntl(int fd, int op, ... /* arg */ );"},
		"ioctl": {fn: sysIoctl, args: []argKind{argInt, argIoctlCmd, argPtr}, straceExit: straceIoctlExit,
			proto: "int ioctl(int fd, unsigned long op, ...);"},
		"getdents64": {fn: sysGetdents64, args: []argKind{argInt, argDirents, argUint},
			proto: "ssize_t getdents64(int fd, void dirp[.count], size_t count);"},
		"getcwd": {fn: sysGetcwd, args: []argKind{argPathRet, argUint},
			proto: "char *getcwd(char buf[.size], size_t size);"},
		"chdir": {fn: sysChdir, args: []argKind{argPath},
			proto: "int chdir(const char *path);"},
		"fchdir": {fn: sysFchdir, args: []argKind{argInt},
			proto: "int fchdir(int fd);"},
		"mkdir": {fn: sysMkdir, args: []argKind{argPath, argMode},
			proto: "int mkdir(const char *pathname, mode_t mode);"},
		"mkdirat": {fn: sysMkdirat, args: []argKind{argDirfd, argPath, argMode},
			proto: "int mkdirat(int dirfd, const char *pathname, mode_t mode);"},
		"mknod": {fn: sysMknod, args: []argKind{argPath, argMknodMode, argDev},
			proto: "int mknod(const char *pathname, mode_t mode, dev_t dev);"},
		"rmdir": {fn: sysRmdir, args: []argKind{argPath},
			proto: "int rmdir(const char *pathname);"},
		"unlink": {fn: sysUnlink, args: []argKind{argPath},
			proto: "int unlink(const char *pathname);"},
		"unlinkat": {fn: sysUnlinkat, args: []argKind{argDirfd, argPath, argAtFlags},
			proto: "int unlinkat(int dirfd, const char *pathname, int flags);"},
		"rename": {fn: sysRename, args: []argKind{argPath, argPath},
			proto: "int rename(const char *oldpath, const char *newpath);"},
		"renameat": {fn: sysRenameat, args: []argKind{argDirfd, argPath, argDirfd, argPath},
			proto: "int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);"},
		"symlink": {fn: sysSymlink, args: []argKind{argPath, argPath},
			proto: "int symlink(const char *target, const char *linkpath);"},
		"readlink": {fn: sysReadlink, args: []argKind{argPath, argBufRet, argUint},
			proto: "ssize_t readlink(const char *restrict pathname, char *restrict buf, size_t bufsiz);"},
		"truncate": {fn: sysTruncate, args: []argKind{argPath, argInt64},
			proto: "int truncate(const char *path, off_t length);"},
		"ftruncate": {fn: sysFtruncate, args: []argKind{argInt, argInt64},
			proto: "int ftruncate(int fd, off_t length);"},
		"chmod": {fn: sysChmod, args: []argKind{argPath, argMode},
			proto: "int chmod(const char *pathname, mode_t mode);"},
		"fchmod": {fn: sysFchmod, args: []argKind{argInt, argMode},
			proto: "int fchmod(int fd, mode_t mode);"},
		"chown": {fn: sysChown, args: []argKind{argPath, argInt, argInt},
			proto: "int chown(const char *pathname, uid_t owner, gid_t group);"},
		"fchown": {fn: sysFchown, args: []argKind{argInt, argInt, argInt},
			proto: "int fchown(int fd, uid_t owner, gid_t group);"},
		"lchown": {fn: sysLchown, args: []argKind{argPath, argInt, argInt},
			proto: "int lchown(const char *pathname, uid_t owner, gid_t group);"},
		"umask": {fn: sysUmask, args: []argKind{argMode}, retOctal: true,
			proto: "mode_t umask(mode_t mask);"},
		"sync": {fn: func(*Kernel, *Task, *[6]uint64) int64 { return 0 }, // ramfs has nothing to write back
			proto: "void sync(void);"},
		"mount": {fn: sysMount, args: []argKind{argPath, argPath, argPath, argMountFlags, argPath},
			proto: "int mount(const char *source, const char *target, const char *filesystemtype, unsigned long mountflags, const void *_Nullable data);"},
		"umount2": {fn: sysUmount2, args: []argKind{argPath, argUmountFlags},
			proto: "int umount2(const char *target, int flags);"},
	})
}

func errno(e abi.Errno) int64 { return -int64(e) }

// strncpyFromUser copies a NUL-terminated string of at most max-1 bytes
// from user memory (strncpy_from_user + getname): EFAULT for a bad
// address, ENAMETOOLONG when no NUL comes in max bytes.
func (k *Kernel) strncpyFromUser(t *Task, addr uint64, max int) (string, abi.Errno) {
	var out []byte
	for len(out) < max {
		// Up to the end of the page, so a string that ends before an
		// unmapped page is read whole.
		n := min(int(mm.PageSize-addr%mm.PageSize), max-len(out))
		buf := make([]byte, n)
		got, err := k.copyFromUser(t, buf, addr)
		for i := 0; i < got; i++ {
			if buf[i] == 0 {
				return string(append(out, buf[:i]...)), 0
			}
		}
		if err != 0 {
			return "", abi.EFAULT
		}
		out = append(out, buf...)
		addr += uint64(n)
	}
	return "", abi.ENAMETOOLONG
}

// getname reads a path argument (getname): EFAULT, ENAMETOOLONG.
func (k *Kernel) getname(t *Task, addr uint64) (string, abi.Errno) {
	return k.strncpyFromUser(t, addr, vfs.PathMax)
}

// atFdcwd is AT_FDCWD: the *at calls' "relative to the working directory".
const atFdcwd = -100

// AT_* flags.
const (
	atSymlinkNofollow = 0x100
	atRemovedir       = 0x200
	atSymlinkFollow   = 0x400
	atNoAutomount     = 0x800
	atEmptyPath       = 0x1000
	atEaccess         = 0x200
)

// startAt is where a relative name of a *at call starts: the working
// directory for AT_FDCWD, else the directory open at dirfd (EBADF,
// ENOTDIR). An absolute name ignores dirfd.
func (k *Kernel) startAt(t *Task, dirfd int64, name string) (vfs.Task, vfs.Path, abi.Errno) {
	vt := k.vfsTask(t)
	if name == "" {
		return vt, vfs.Path{}, abi.ENOENT // getname's empty name, before the dirfd
	}
	if int32(dirfd) == atFdcwd || name[0] == '/' {
		return vt, vt.Cwd, 0
	}
	f := fget(t, int64(int32(dirfd)))
	if f == nil {
		return vt, vfs.Path{}, abi.EBADF
	}
	if f.Path.Mnt == nil || !f.Inode.IsDir() {
		return vt, vfs.Path{}, abi.ENOTDIR
	}
	return vt, f.Path, 0
}

// lookupAt reads a path argument and resolves it.
func (k *Kernel) lookupAt(t *Task, dirfd int64, addr uint64, follow bool) (vfs.Task, vfs.Path, abi.Errno) {
	name, err := k.getname(t, addr)
	if err != 0 {
		return vfs.Task{}, vfs.Path{}, err
	}
	vt, start, err := k.startAt(t, dirfd, name)
	if err != 0 {
		return vt, vfs.Path{}, err
	}
	p, err := k.vfs.Lookup(vt, start, name, follow)
	return vt, p, err
}

// rwBufMax is the largest kernel buffer one read or write moves at a time.
const rwBufMax = 64 << 10

// checkRW is the part of read and write before the file: the count
// clamped to MAX_RW_COUNT, and access_ok over the buffer.
func checkRW(buf, count uint64) (uint64, abi.Errno) {
	if count > mm.TaskSize || buf > mm.TaskSize-count {
		return 0, abi.EFAULT
	}
	return min(count, maxRWCount), 0
}

// sysRead implements Linux syscall read(2) (ksys_read / vfs_read).
func sysRead(k *Kernel, t *Task, a *[6]uint64) int64 {
	f := fget(t, int64(int32(a[0])))
	if f == nil {
		return errno(abi.EBADF)
	}
	return k.readInto(t, f, a[1], a[2], nil)
}

// readInto reads up to count bytes of f into user memory at buf, at the
// file position or, when pos is not nil, at *pos (pread). A regular file
// is read until count or its end; other files give one read's worth.
func (k *Kernel) readInto(t *Task, f *vfs.File, buf, count uint64, pos *int64) int64 {
	if !f.Readable() {
		return errno(abi.EBADF)
	}
	count, err := checkRW(buf, count)
	if err != 0 {
		return errno(err)
	}
	kbuf := make([]byte, min(count, rwBufMax))
	var done uint64
	for done < count {
		chunk := kbuf[:min(count-done, uint64(len(kbuf)))]
		var n int
		var rerr abi.Errno
		if pos != nil {
			n, rerr = f.Pread(chunk, *pos)
			*pos += int64(n)
		} else {
			n, rerr = f.Read(chunk)
		}
		if rerr != 0 {
			if done > 0 {
				break
			}
			return errno(rerr)
		}
		if n > 0 {
			if cerr := k.copyToUser(t, buf+done, chunk[:n]); cerr != 0 {
				// What did not reach the caller was not read: the
				// position stays before it (filemap_read moves ki_pos
				// by the bytes copied).
				if pos == nil && f.Mode&vfs.FMODE_STREAM == 0 && f.Inode.IsReg() {
					f.Pos -= int64(n)
				}
				if done > 0 {
					break
				}
				return errno(cerr)
			}
		}
		done += uint64(n)
		if n < len(chunk) || !f.Inode.IsReg() {
			break
		}
	}
	return int64(done)
}

// sysWrite implements Linux syscall write(2).
func sysWrite(k *Kernel, t *Task, a *[6]uint64) int64 {
	f := fget(t, int64(int32(a[0])))
	if f == nil {
		return errno(abi.EBADF)
	}
	return k.writeFrom(t, f, a[1], a[2], nil)
}

// writeFrom writes count bytes from user memory at buf to f, at the file
// position or at *pos (pwrite). A fault part way returns what was written.
func (k *Kernel) writeFrom(t *Task, f *vfs.File, buf, count uint64, pos *int64) int64 {
	if !f.Writable() {
		return errno(abi.EBADF)
	}
	count, err := checkRW(buf, count)
	if err != 0 {
		return errno(err)
	}
	if count > 0 && f.Inode.Mode&(vfs.S_ISUID|vfs.S_ISGID) != 0 {
		k.vfs.RemovePrivs(k.vfsTask(t).Cred, f.Inode) // not on every write: only set-id files
	}
	kbuf := make([]byte, min(count, rwBufMax))
	var done uint64
	for done < count {
		chunk := kbuf[:min(count-done, uint64(len(kbuf)))]
		got, cerr := k.copyFromUser(t, chunk, buf+done)
		var n int
		var werr abi.Errno
		if got > 0 {
			if pos != nil {
				n, werr = f.Pwrite(chunk[:got], *pos)
				*pos += int64(n)
			} else {
				n, werr = f.Write(chunk[:got])
			}
		}
		done += uint64(n)
		switch {
		case werr != 0 && done == 0:
			return errno(werr)
		case werr != 0:
			return int64(done)
		case cerr != 0 && done == 0:
			return errno(cerr)
		case cerr != 0 || n < len(chunk):
			return int64(done)
		}
	}
	return int64(done)
}

// sysPread64 implements Linux syscall pread64(2).
func sysPread64(k *Kernel, t *Task, a *[6]uint64) int64 {
	f := fget(t, int64(int32(a[0])))
	if f == nil {
		return errno(abi.EBADF)
	}
	pos := int64(a[3])
	if pos < 0 {
		return errno(abi.EINVAL)
	}
	return k.readInto(t, f, a[1], a[2], &pos)
}

// sysPwrite64 implements Linux syscall pwrite64(2).
func sysPwrite64(k *Kernel, t *Task, a *[6]uint64) int64 {
	f := fget(t, int64(int32(a[0])))
	if f == nil {
		return errno(abi.EBADF)
	}
	pos := int64(a[3])
	if pos < 0 {
		return errno(abi.EINVAL)
	}
	return k.writeFrom(t, f, a[1], a[2], &pos)
}

// uioMaxIOV is UIO_MAXIOV.
const uioMaxIOV = 1024

// iovecs reads an iovec array (import_iovec): EINVAL for a count out of
// range or lengths that overflow, EFAULT for the array or a buffer.
func (k *Kernel) iovecs(t *Task, addr uint64, cnt int64) ([][2]uint64, abi.Errno) {
	if cnt < 0 || cnt > uioMaxIOV {
		return nil, abi.EINVAL
	}
	b := make([]byte, 16*cnt)
	if _, err := k.copyFromUser(t, b, addr); err != 0 && cnt > 0 {
		return nil, err
	}
	iov := make([][2]uint64, cnt)
	var total uint64
	for i := range iov {
		iov[i] = [2]uint64{binary.LittleEndian.Uint64(b[16*i:]), binary.LittleEndian.Uint64(b[16*i+8:])}
		if int64(iov[i][1]) < 0 {
			return nil, abi.EINVAL
		}
		if _, err := checkRW(iov[i][0], iov[i][1]); err != 0 {
			return nil, err
		}
		total += iov[i][1]
		if total > 1<<63-1 {
			return nil, abi.EINVAL
		}
	}
	return iov, 0
}

// sysReadv implements Linux syscall readv(2): each buffer in turn, until
// one comes back short.
func sysReadv(k *Kernel, t *Task, a *[6]uint64) int64 {
	return k.doVec(t, a, true)
}

// sysWritev implements Linux syscall writev(2).
func sysWritev(k *Kernel, t *Task, a *[6]uint64) int64 {
	return k.doVec(t, a, false)
}

func (k *Kernel) doVec(t *Task, a *[6]uint64, read bool) int64 {
	f := fget(t, int64(int32(a[0])))
	if f == nil {
		return errno(abi.EBADF)
	}
	if read && !f.Readable() || !read && !f.Writable() {
		return errno(abi.EBADF)
	}
	iov, err := k.iovecs(t, a[1], int64(int32(a[2])))
	if err != 0 {
		return errno(err)
	}
	var done int64
	for _, v := range iov {
		if v[1] == 0 {
			continue
		}
		var n int64
		if read {
			n = k.readInto(t, f, v[0], v[1], nil)
		} else {
			n = k.writeFrom(t, f, v[0], v[1], nil)
		}
		if n < 0 {
			if done > 0 {
				break
			}
			return n
		}
		done += n
		if uint64(n) < v[1] {
			break
		}
	}
	return done
}

// sysOpen implements Linux syscall open(2).
func sysOpen(k *Kernel, t *Task, a *[6]uint64) int64 {
	return k.doOpen(t, atFdcwd, a[0], int(int32(a[1])), uint32(a[2]))
}

// sysOpenat implements Linux syscall openat(2).
func sysOpenat(k *Kernel, t *Task, a *[6]uint64) int64 {
	return k.doOpen(t, int64(int32(a[0])), a[1], int(int32(a[2])), uint32(a[3]))
}

// sysCreat implements Linux syscall creat(2): open with
// O_CREAT|O_WRONLY|O_TRUNC.
func sysCreat(k *Kernel, t *Task, a *[6]uint64) int64 {
	return k.doOpen(t, atFdcwd, a[0], vfs.O_CREAT|vfs.O_WRONLY|vfs.O_TRUNC, uint32(a[1]))
}

// doOpen is do_sys_openat2: a free descriptor first (EMFILE), then the
// name (EFAULT, ENAMETOOLONG), then the VFS's open. On x86-64 every file
// is opened O_LARGEFILE.
func (k *Kernel) doOpen(t *Task, dirfd int64, addr uint64, flags int, mode uint32) int64 {
	if t.Files == nil || t.FS == nil {
		return errno(abi.EBADF)
	}
	if k.freeFd(t, 0) < 0 {
		return errno(abi.EMFILE)
	}
	if flags&vfs.O_TMPFILE == vfs.O_TMPFILE && flags&vfs.O_ACCMODE == vfs.O_RDONLY {
		return errno(abi.EINVAL)
	}
	name, err := k.getname(t, addr)
	if err != 0 {
		return errno(err)
	}
	vt, start, err := k.startAt(t, dirfd, name)
	if err != 0 {
		return errno(err)
	}
	f, err := k.vfs.Open(vt, start, name, flags|vfs.O_LARGEFILE, mode, t.FS.Umask)
	if err != 0 {
		return errno(err)
	}
	fd, err := k.allocFd(t, 0, f, flags&vfs.O_CLOEXEC != 0)
	if err != 0 {
		f.Put()
		return errno(err)
	}
	f.Flags &^= vfs.O_CLOEXEC
	return int64(fd)
}

// freeFd is the lowest free descriptor at or above min under the task's
// RLIMIT_NOFILE, or -1.
func (k *Kernel) freeFd(t *Task, min int) int {
	fd := min
	for fd < len(t.Files.fds) && t.Files.fds[fd] != nil {
		fd++
	}
	if fd >= int(t.rlim[rlimitNofile].cur) {
		return -1
	}
	return fd
}

// sysClose implements Linux syscall close(2).
func sysClose(k *Kernel, t *Task, a *[6]uint64) int64 {
	return errno(k.closeFd(t, int(int32(a[0]))))
}

// sysLseek implements Linux syscall lseek(2).
func sysLseek(k *Kernel, t *Task, a *[6]uint64) int64 {
	f := fget(t, int64(int32(a[0])))
	if f == nil {
		return errno(abi.EBADF)
	}
	pos, err := f.Lseek(int64(a[1]), int(int32(a[2])))
	if err != 0 {
		return errno(err)
	}
	return pos
}

// statSize is sizeof(struct stat) on x86-64.
const statSize = 144

// statBytes lays out struct stat as x86-64 defines it.
func statBytes(st vfs.Stat) []byte {
	b := make([]byte, statSize)
	le := binary.LittleEndian
	le.PutUint64(b[0:], st.Dev)
	le.PutUint64(b[8:], st.Ino)
	le.PutUint64(b[16:], st.Nlink)
	le.PutUint32(b[24:], st.Mode)
	le.PutUint32(b[28:], uint32(st.UID))
	le.PutUint32(b[32:], uint32(st.GID))
	le.PutUint64(b[40:], st.Rdev)
	le.PutUint64(b[48:], uint64(st.Size))
	le.PutUint64(b[56:], uint64(st.Blksize))
	le.PutUint64(b[64:], uint64(st.Blocks))
	for i, ts := range []int64{st.Atime, st.Mtime, st.Ctime} {
		le.PutUint64(b[72+16*i:], uint64(ts/1e9))
		le.PutUint64(b[80+16*i:], uint64(ts%1e9))
	}
	return b
}

func (k *Kernel) putStat(t *Task, p vfs.Path, addr uint64) int64 {
	return errno(k.copyToUser(t, addr, statBytes(k.vfs.Getattr(p))))
}

// sysStat implements Linux syscall stat(2).
func sysStat(k *Kernel, t *Task, a *[6]uint64) int64 {
	return k.doStatat(t, atFdcwd, a[0], a[1], 0)
}

// sysLstat implements Linux syscall lstat(2): a symlink itself.
func sysLstat(k *Kernel, t *Task, a *[6]uint64) int64 {
	return k.doStatat(t, atFdcwd, a[0], a[1], atSymlinkNofollow)
}

// sysFstat implements Linux syscall fstat(2).
func sysFstat(k *Kernel, t *Task, a *[6]uint64) int64 {
	f := fget(t, int64(int32(a[0])))
	if f == nil {
		return errno(abi.EBADF)
	}
	return k.statFile(t, f, a[1])
}

func (k *Kernel) statFile(t *Task, f *vfs.File, addr uint64) int64 {
	if f.Path.Mnt == nil {
		// A pipe: an inode of pipefs.
		st := vfs.Stat{Ino: f.Inode.Ino, Mode: f.Inode.Mode, Nlink: 1, UID: f.Inode.UID, GID: f.Inode.GID, Blksize: 4096,
			Dev: f.Inode.SB.Dev.Encode(), Atime: f.Inode.Atime, Mtime: f.Inode.Mtime, Ctime: f.Inode.Ctime}
		return errno(k.copyToUser(t, addr, statBytes(st)))
	}
	return k.putStat(t, f.Path, addr)
}

// sysNewfstatat implements Linux syscall newfstatat(2) (fstatat):
// AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH (dirfd itself), other flags EINVAL.
func sysNewfstatat(k *Kernel, t *Task, a *[6]uint64) int64 {
	return k.doStatat(t, int64(int32(a[0])), a[1], a[2], int(int32(a[3])))
}

func (k *Kernel) doStatat(t *Task, dirfd int64, name, buf uint64, flags int) int64 {
	if flags&^(atSymlinkNofollow|atNoAutomount|atEmptyPath) != 0 {
		return errno(abi.EINVAL)
	}
	if flags&atEmptyPath != 0 {
		if s, err := k.getname(t, name); err == 0 && s == "" {
			if int32(dirfd) == atFdcwd {
				return k.putStat(t, k.vfsTask(t).Cwd, buf)
			}
			f := fget(t, dirfd)
			if f == nil {
				return errno(abi.EBADF)
			}
			return k.statFile(t, f, buf)
		}
	}
	_, p, err := k.lookupAt(t, dirfd, name, flags&atSymlinkNofollow == 0)
	if err != 0 {
		return errno(err)
	}
	return k.putStat(t, p, buf)
}

// sysAccess implements Linux syscall access(2): the check is made with the
// real uid and gid (do_faccessat's override_creds).
func sysAccess(k *Kernel, t *Task, a *[6]uint64) int64 {
	return k.doAccess(t, atFdcwd, a[0], int(int32(a[1])))
}

// sysFaccessat implements Linux syscall faccessat(2); the kernel's
// faccessat has no flags argument.
func sysFaccessat(k *Kernel, t *Task, a *[6]uint64) int64 {
	return k.doAccess(t, int64(int32(a[0])), a[1], int(int32(a[2])))
}

func (k *Kernel) doAccess(t *Task, dirfd int64, addr uint64, mode int) int64 {
	if mode&^7 != 0 {
		return errno(abi.EINVAL)
	}
	name, err := k.getname(t, addr)
	if err != 0 {
		return errno(err)
	}
	vt, start, err := k.startAt(t, dirfd, name)
	if err != 0 {
		return errno(err)
	}
	if t.Cred != nil {
		vt.Cred = t.Cred.accessCred()
	}
	p, err := k.vfs.Lookup(vt, start, name, true)
	if err != 0 {
		return errno(err)
	}
	if mode&vfs.MAY_WRITE != 0 && p.Mnt.Flags&vfs.MS_RDONLY != 0 && !p.Inode().IsChr() {
		return errno(abi.EROFS)
	}
	return errno(vfs.Permission(vt.Cred, p.Inode(), mode))
}

// sysDup implements Linux syscall dup(2).
func sysDup(k *Kernel, t *Task, a *[6]uint64) int64 {
	f := fget(t, int64(int32(a[0])))
	if f == nil {
		return errno(abi.EBADF)
	}
	fd, err := k.allocFd(t, 0, f.Get(), false)
	if err != 0 {
		f.Put()
		return errno(err)
	}
	return int64(fd)
}

// sysDup2 implements Linux syscall dup2(2): newfd is closed first; the
// same fd twice is a check that it is open.
func sysDup2(k *Kernel, t *Task, a *[6]uint64) int64 {
	oldfd, newfd := int64(int32(a[0])), int64(int32(a[1]))
	if oldfd == newfd {
		if fget(t, oldfd) == nil {
			return errno(abi.EBADF)
		}
		return newfd
	}
	return k.doDup3(t, oldfd, newfd, 0)
}

// sysDup3 implements Linux syscall dup3(2): EINVAL for the same fd or a
// flag other than O_CLOEXEC.
func sysDup3(k *Kernel, t *Task, a *[6]uint64) int64 {
	oldfd, newfd, flags := int64(int32(a[0])), int64(int32(a[1])), int(int32(a[2]))
	if flags&^vfs.O_CLOEXEC != 0 || oldfd == newfd {
		return errno(abi.EINVAL)
	}
	return k.doDup3(t, oldfd, newfd, flags)
}

func (k *Kernel) doDup3(t *Task, oldfd, newfd int64, flags int) int64 {
	if newfd < 0 || newfd >= int64(t.rlim[rlimitNofile].cur) {
		return errno(abi.EBADF)
	}
	f := fget(t, oldfd)
	if f == nil {
		return errno(abi.EBADF)
	}
	f.Get()
	if fget(t, newfd) != nil {
		k.closeFd(t, int(newfd))
	}
	if _, err := k.allocFd(t, int(newfd), f, flags&vfs.O_CLOEXEC != 0); err != 0 {
		f.Put()
		return errno(err)
	}
	return newfd
}

// fcntl commands.
const (
	fDupfd        = 0
	fGetfd        = 1
	fSetfd        = 2
	fGetfl        = 3
	fSetfl        = 4
	fDupfdCloexec = 1030
	fdCloexec     = 1
)

// setflMask is SETFL_MASK: the flags F_SETFL may change.
const setflMask = vfs.O_APPEND | vfs.O_NONBLOCK | vfs.O_ASYNC | vfs.O_DIRECT | vfs.O_NOATIME

// sysFcntl implements Linux syscall fcntl(2) for the descriptor and status
// flags, F_DUPFD, and a pipe's size; other commands are EINVAL.
func sysFcntl(k *Kernel, t *Task, a *[6]uint64) int64 {
	fd, cmd, arg := int64(int32(a[0])), int(int32(a[1])), a[2]
	f := fget(t, fd)
	if f == nil {
		return errno(abi.EBADF)
	}
	switch cmd {
	case fDupfd, fDupfdCloexec:
		if arg >= uint64(t.rlim[rlimitNofile].cur) {
			return errno(abi.EINVAL)
		}
		n, err := k.allocFd(t, int(arg), f.Get(), cmd == fDupfdCloexec)
		if err != 0 {
			f.Put()
			return errno(err)
		}
		return int64(n)
	case fGetfd:
		if t.Files.cloexec[fd] {
			return fdCloexec
		}
		return 0
	case fSetfd:
		t.Files.cloexec[fd] = arg&fdCloexec != 0
		return 0
	case fGetfl:
		return int64(f.Flags)
	case fSetfl:
		f.Flags = f.Flags&^setflMask | int(arg)&setflMask
		return 0
	case fSetpipeSz, fGetpipeSz:
		return k.pipeFcntl(t, f, cmd, uint32(arg))
	}
	return errno(abi.EINVAL)
}

// ioctl commands handled for every file (do_vfs_ioctl) and by the tty.
const (
	tcgets     = 0x5401
	tiocgwinsz = 0x5413
	fionclex   = 0x5450
	fioclex    = 0x5451
)

// sysIoctl implements Linux syscall ioctl(2): FIOCLEX and FIONCLEX on any
// descriptor, the rest by the file's driver (ENOTTY if it has none).
func sysIoctl(k *Kernel, t *Task, a *[6]uint64) int64 {
	fd := int64(int32(a[0]))
	f := fget(t, fd)
	if f == nil {
		return errno(abi.EBADF)
	}
	switch uint32(a[1]) {
	case fioclex:
		t.Files.cloexec[fd] = true
		return 0
	case fionclex:
		t.Files.cloexec[fd] = false
		return 0
	}
	ret, err := f.Ioctl(uint64(uint32(a[1])), a[2])
	if err != 0 {
		return errno(err)
	}
	return ret
}

// termiosSize is the struct termios TCGETS copies (c_cc of NCCS = 19).
const termiosSize = 36

// ttyStdTermios is tty_std_termios: ICRNL|IXON, OPOST|ONLCR,
// B38400|CS8|CREAD|HUPCL, ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|
// IEXTEN, and INIT_C_CC.
func ttyStdTermios() []byte {
	b := make([]byte, termiosSize)
	le := binary.LittleEndian
	le.PutUint32(b[0:], 0o2400)
	le.PutUint32(b[4:], 0o5)
	le.PutUint32(b[8:], 0o2277)
	le.PutUint32(b[12:], 0o105073)
	copy(b[17:], "\003\034\177\025\004\000\001\000\021\023\032\000\022\017\027\026\000")
	return b
}

// ttyIoctl is the console's ioctl: TCGETS and TIOCGWINSZ (80x24).
func (k *Kernel) ttyIoctl(_ *vfs.File, cmd, arg uint64) (int64, abi.Errno) {
	t := k.current
	switch cmd {
	case tcgets:
		return 0, k.copyToUser(t, arg, ttyStdTermios())
	case tiocgwinsz:
		var b [8]byte
		binary.LittleEndian.PutUint16(b[0:], 24)
		binary.LittleEndian.PutUint16(b[2:], 80)
		return 0, k.copyToUser(t, arg, b[:])
	}
	return 0, abi.ENOTTY
}

// sysGetdents64 implements Linux syscall getdents64(2): struct
// linux_dirent64 records (d_ino, d_off, d_reclen, d_type, d_name) until the
// buffer is full; EINVAL if not even one fits.
func sysGetdents64(k *Kernel, t *Task, a *[6]uint64) int64 {
	f := fget(t, int64(int32(a[0])))
	if f == nil {
		return errno(abi.EBADF)
	}
	count := min(a[2], uint64(maxRWCount))
	if _, err := checkRW(a[1], count); err != 0 {
		return errno(err)
	}
	var buf []byte
	tooSmall := false
	start := f.Pos
	err := f.Iterate(func(name string, ino uint64, dtype uint8) bool {
		reclen := (19 + len(name) + 1 + 7) &^ 7
		if uint64(len(buf)+reclen) > count {
			tooSmall = len(buf) == 0
			return false
		}
		rec := make([]byte, reclen)
		le := binary.LittleEndian
		le.PutUint64(rec[0:], ino)
		le.PutUint64(rec[8:], uint64(f.Pos+1)) // d_off: the position after this entry
		le.PutUint16(rec[16:], uint16(reclen))
		rec[18] = dtype
		copy(rec[19:], name)
		buf = append(buf, rec...)
		return true
	})
	if err != 0 {
		return errno(err)
	}
	if tooSmall {
		return errno(abi.EINVAL)
	}
	if err := k.copyToUser(t, a[1], buf); err != 0 {
		// filldir64 stops at the entry it could not store: the
		// directory's position stays where the call found it.
		f.Pos = start
		return errno(err)
	}
	return int64(len(buf))
}

// sysGetcwd implements Linux syscall getcwd(2): the path and its NUL, or
// ERANGE when size is too small, ENOENT when the directory was removed.
func sysGetcwd(k *Kernel, t *Task, a *[6]uint64) int64 {
	vt := k.vfsTask(t)
	p := k.vfs.PathString(vt.Cwd)
	if len(p) > 10 && p[len(p)-10:] == " (deleted)" {
		return errno(abi.ENOENT)
	}
	if uint64(len(p)+1) > a[1] {
		return errno(abi.ERANGE)
	}
	if err := k.copyToUser(t, a[0], append([]byte(p), 0)); err != 0 {
		return errno(err)
	}
	return int64(len(p) + 1)
}

// setPwd is set_fs_pwd after the checks of chdir: a directory the caller
// may search.
func (k *Kernel) setPwd(t *Task, vt vfs.Task, p vfs.Path) int64 {
	if !p.Inode().IsDir() {
		return errno(abi.ENOTDIR)
	}
	if err := vfs.Permission(vt.Cred, p.Inode(), vfs.MAY_EXEC); err != 0 {
		return errno(err)
	}
	if t.FS == nil {
		return errno(abi.EINVAL)
	}
	t.FS.Pwd = p
	return 0
}

// sysChdir implements Linux syscall chdir(2).
func sysChdir(k *Kernel, t *Task, a *[6]uint64) int64 {
	vt, p, err := k.lookupAt(t, atFdcwd, a[0], true)
	if err != 0 {
		return errno(err)
	}
	return k.setPwd(t, vt, p)
}

// sysFchdir implements Linux syscall fchdir(2).
func sysFchdir(k *Kernel, t *Task, a *[6]uint64) int64 {
	f := fget(t, int64(int32(a[0])))
	if f == nil {
		return errno(abi.EBADF)
	}
	if f.Path.Mnt == nil {
		return errno(abi.ENOTDIR)
	}
	return k.setPwd(t, k.vfsTask(t), f.Path)
}

// nameArg reads a path and where it starts, for the calls that create or
// remove names.
func (k *Kernel) nameArg(t *Task, dirfd int64, addr uint64) (vfs.Task, vfs.Path, string, abi.Errno) {
	name, err := k.getname(t, addr)
	if err != 0 {
		return vfs.Task{}, vfs.Path{}, "", err
	}
	vt, start, err := k.startAt(t, dirfd, name)
	return vt, start, name, err
}

func (k *Kernel) umask(t *Task) uint32 {
	if t.FS == nil {
		return 0o022
	}
	return t.FS.Umask
}

// sysMkdir implements Linux syscall mkdir(2).
func sysMkdir(k *Kernel, t *Task, a *[6]uint64) int64 {
	return k.doMkdirat(t, atFdcwd, a[0], uint32(a[1]))
}

// sysMkdirat implements Linux syscall mkdirat(2).
func sysMkdirat(k *Kernel, t *Task, a *[6]uint64) int64 {
	return k.doMkdirat(t, int64(int32(a[0])), a[1], uint32(a[2]))
}

func (k *Kernel) doMkdirat(t *Task, dirfd int64, addr uint64, mode uint32) int64 {
	vt, start, name, err := k.nameArg(t, dirfd, addr)
	if err != 0 {
		return errno(err)
	}
	return errno(k.vfs.Mkdir(vt, start, name, mode, k.umask(t)))
}

// sysMknod implements Linux syscall mknod(2): dev is new_decode_dev's
// 32-bit form.
func sysMknod(k *Kernel, t *Task, a *[6]uint64) int64 {
	vt, start, name, err := k.nameArg(t, atFdcwd, a[0])
	if err != 0 {
		return errno(err)
	}
	d := uint32(a[2])
	dev := vfs.Dev{Major: (d & 0xfff00) >> 8, Minor: (d & 0xff) | ((d >> 12) & 0xfff00)}
	return errno(k.vfs.Mknod(vt, start, name, uint32(a[1]), dev, k.umask(t)))
}

// sysRmdir implements Linux syscall rmdir(2).
func sysRmdir(k *Kernel, t *Task, a *[6]uint64) int64 {
	vt, start, name, err := k.nameArg(t, atFdcwd, a[0])
	if err != 0 {
		return errno(err)
	}
	return errno(k.vfs.Rmdir(vt, start, name))
}

// sysUnlink implements Linux syscall unlink(2).
func sysUnlink(k *Kernel, t *Task, a *[6]uint64) int64 {
	vt, start, name, err := k.nameArg(t, atFdcwd, a[0])
	if err != 0 {
		return errno(err)
	}
	return errno(k.vfs.Unlink(vt, start, name))
}

// sysUnlinkat implements Linux syscall unlinkat(2): AT_REMOVEDIR makes it
// rmdir; other flags are EINVAL.
func sysUnlinkat(k *Kernel, t *Task, a *[6]uint64) int64 {
	flags := int(int32(a[2]))
	if flags&^atRemovedir != 0 {
		return errno(abi.EINVAL)
	}
	vt, start, name, err := k.nameArg(t, int64(int32(a[0])), a[1])
	if err != 0 {
		return errno(err)
	}
	if flags&atRemovedir != 0 {
		return errno(k.vfs.Rmdir(vt, start, name))
	}
	return errno(k.vfs.Unlink(vt, start, name))
}

// sysRename implements Linux syscall rename(2).
func sysRename(k *Kernel, t *Task, a *[6]uint64) int64 {
	return k.doRenameat(t, atFdcwd, a[0], atFdcwd, a[1])
}

// sysRenameat implements Linux syscall renameat(2).
func sysRenameat(k *Kernel, t *Task, a *[6]uint64) int64 {
	return k.doRenameat(t, int64(int32(a[0])), a[1], int64(int32(a[2])), a[3])
}

func (k *Kernel) doRenameat(t *Task, olddfd int64, oldAddr uint64, newdfd int64, newAddr uint64) int64 {
	vt, ostart, oname, err := k.nameArg(t, olddfd, oldAddr)
	if err != 0 {
		return errno(err)
	}
	_, nstart, nname, err := k.nameArg(t, newdfd, newAddr)
	if err != 0 {
		return errno(err)
	}
	return errno(k.vfs.Rename(vt, ostart, oname, nstart, nname))
}

// sysSymlink implements Linux syscall symlink(2).
func sysSymlink(k *Kernel, t *Task, a *[6]uint64) int64 {
	target, err := k.getname(t, a[0])
	if err != 0 {
		return errno(err)
	}
	vt, start, name, err := k.nameArg(t, atFdcwd, a[1])
	if err != 0 {
		return errno(err)
	}
	return errno(k.vfs.Symlink(vt, start, target, name))
}

// sysReadlink implements Linux syscall readlink(2): the target without a
// NUL, cut to bufsiz; EINVAL for bufsiz <= 0 or a name that is not a
// symlink.
func sysReadlink(k *Kernel, t *Task, a *[6]uint64) int64 {
	if int32(a[2]) <= 0 {
		return errno(abi.EINVAL)
	}
	vt, start, name, err := k.nameArg(t, atFdcwd, a[0])
	if err != 0 {
		return errno(err)
	}
	target, err := k.vfs.Readlink(vt, start, name)
	if err != 0 {
		return errno(err)
	}
	b := []byte(target)
	if uint64(len(b)) > uint64(int32(a[2])) {
		b = b[:int32(a[2])]
	}
	if err := k.copyToUser(t, a[1], b); err != 0 {
		return errno(err)
	}
	return int64(len(b))
}

// sysTruncate implements Linux syscall truncate(2).
func sysTruncate(k *Kernel, t *Task, a *[6]uint64) int64 {
	if int64(a[1]) < 0 {
		return errno(abi.EINVAL)
	}
	vt, p, err := k.lookupAt(t, atFdcwd, a[0], true)
	if err != 0 {
		return errno(err)
	}
	return errno(k.vfs.Truncate(vt, p, int64(a[1])))
}

// sysFtruncate implements Linux syscall ftruncate(2).
func sysFtruncate(k *Kernel, t *Task, a *[6]uint64) int64 {
	if int64(a[1]) < 0 {
		return errno(abi.EINVAL)
	}
	f := fget(t, int64(int32(a[0])))
	if f == nil {
		return errno(abi.EBADF)
	}
	err := k.vfs.Ftruncate(f, int64(a[1]))
	if err == 0 && f.Inode.Mode&(vfs.S_ISUID|vfs.S_ISGID) != 0 {
		k.vfs.RemovePrivs(k.vfsTask(t).Cred, f.Inode)
	}
	return errno(err)
}

// sysChmod implements Linux syscall chmod(2).
func sysChmod(k *Kernel, t *Task, a *[6]uint64) int64 {
	vt, p, err := k.lookupAt(t, atFdcwd, a[0], true)
	if err != 0 {
		return errno(err)
	}
	return errno(k.vfs.Chmod(vt, p, uint32(a[1])))
}

// sysFchmod implements Linux syscall fchmod(2).
func sysFchmod(k *Kernel, t *Task, a *[6]uint64) int64 {
	f := fget(t, int64(int32(a[0])))
	if f == nil {
		return errno(abi.EBADF)
	}
	if f.Path.Mnt == nil {
		return errno(abi.EBADF)
	}
	return errno(k.vfs.Chmod(k.vfsTask(t), f.Path, uint32(a[1])))
}

// sysChown implements Linux syscall chown(2); -1 keeps an id.
func sysChown(k *Kernel, t *Task, a *[6]uint64) int64 {
	return k.doChown(t, a[0], true, a[1], a[2])
}

// sysLchown implements Linux syscall lchown(2): a symlink itself.
func sysLchown(k *Kernel, t *Task, a *[6]uint64) int64 {
	return k.doChown(t, a[0], false, a[1], a[2])
}

func (k *Kernel) doChown(t *Task, addr uint64, follow bool, uid, gid uint64) int64 {
	vt, p, err := k.lookupAt(t, atFdcwd, addr, follow)
	if err != 0 {
		return errno(err)
	}
	return errno(k.vfs.Chown(vt, p, int(int32(uid)), int(int32(gid))))
}

// sysFchown implements Linux syscall fchown(2).
func sysFchown(k *Kernel, t *Task, a *[6]uint64) int64 {
	f := fget(t, int64(int32(a[0])))
	if f == nil || f.Path.Mnt == nil {
		return errno(abi.EBADF)
	}
	return errno(k.vfs.Chown(k.vfsTask(t), f.Path, int(int32(a[1])), int(int32(a[2]))))
}

// sysUmask implements Linux syscall umask(2): it sets mask & 0777 and
// returns the old mask.
func sysUmask(k *Kernel, t *Task, a *[6]uint64) int64 {
	if t.FS == nil {
		return 0o022
	}
	old := t.FS.Umask
	t.FS.Umask = uint32(a[0]) & 0o777
	return int64(old)
}

// sysMount implements Linux syscall mount(2) for new mounts of a
// registered filesystem type: ENOENT, ENOTDIR, then EPERM without
// CAP_SYS_ADMIN, ENODEV for an unknown type.
func sysMount(k *Kernel, t *Task, a *[6]uint64) int64 {
	source := ""
	if a[0] != 0 {
		s, err := k.strncpyFromUser(t, a[0], mm.PageSize)
		if err != 0 {
			return errno(err)
		}
		source = s
	}
	fstype := ""
	if a[2] != 0 {
		s, err := k.strncpyFromUser(t, a[2], mm.PageSize)
		if err != 0 {
			return errno(err)
		}
		fstype = s
	}
	data := ""
	if a[4] != 0 {
		// copy_mount_options: up to a page, as much as is readable
		// (EFAULT if none), cut at the first NUL or the page's last byte.
		buf := make([]byte, mm.PageSize)
		got := 0
		for got < len(buf) {
			n, err := k.copyFromUser(t, buf[got:min(len(buf), got+int(mm.PageSize-(a[4]+uint64(got))%mm.PageSize))], a[4]+uint64(got))
			got += n
			if err != 0 {
				break
			}
		}
		if got == 0 {
			return errno(abi.EFAULT)
		}
		buf = buf[:min(got, len(buf)-1)]
		if i := bytes.IndexByte(buf, 0); i >= 0 {
			buf = buf[:i]
		}
		data = string(buf)
	}
	vt, p, err := k.lookupAt(t, atFdcwd, a[1], true)
	if err != 0 {
		return errno(err)
	}
	if a[2] == 0 {
		return errno(abi.EINVAL) // do_new_mount: no type
	}
	return errno(k.vfs.DoMount(vt.Cred, source, p, fstype, int(a[3]), data))
}

// sysUmount2 implements Linux syscall umount2(2): EINVAL for unknown
// flags, ENOENT, then EPERM without CAP_SYS_ADMIN, EINVAL when the target
// is not a mount point, EBUSY while in use.
func sysUmount2(k *Kernel, t *Task, a *[6]uint64) int64 {
	// ksys_umount's order: unknown flags, the lookup, then
	// can_umount's privilege check (may_mount: CAP_SYS_ADMIN).
	flags := int(int32(a[1]))
	if flags&^vfs.UmountFlags != 0 {
		return errno(abi.EINVAL)
	}
	vt, p, err := k.lookupAt(t, atFdcwd, a[0], flags&vfs.UMOUNT_NOFOLLOW == 0)
	if err != 0 {
		return errno(err)
	}
	if !vt.Cred.Capable(abi.CAP_SYS_ADMIN) {
		return errno(abi.EPERM)
	}
	// The working directory of a task inside keeps the mount busy.
	for _, x := range k.sortedTasks() {
		if x.FS != nil && x.FS.Pwd.Mnt == p.Mnt && p.Dentry == p.Mnt.Root && flags&vfs.MNT_DETACH == 0 {
			return errno(abi.EBUSY)
		}
	}
	return errno(k.vfs.DoUmount(p, flags))
}
