package vfs

import (
	"kplay/kernel/abi"
)

// mayWriteIn is may_create / may_delete's common part: search and write
// permission on the directory, and not on a read-only mount.
func mayWriteIn(t Task, dir Path) Errno {
	if dir.Mnt.Flags&MS_RDONLY != 0 {
		return abi.EROFS
	}
	return Permission(t.Cred, dir.Inode(), MAY_WRITE|MAY_EXEC)
}

// sticky is check_sticky: in a sticky directory (/tmp) only the owner of
// the file or of the directory, or CAP_FOWNER, may remove or rename.
func sticky(c Cred, dir, in *Inode) bool {
	if dir.Mode&S_ISVTX == 0 {
		return false
	}
	uid, _ := c.FSIDs()
	if in.UID == uid || dir.UID == uid {
		return false
	}
	return !c.Capable(abi.CAP_FOWNER)
}

// ownerOrCapable is inode_owner_or_capable: the caller's fsuid owns in, or
// it has CAP_FOWNER.
func ownerOrCapable(c Cred, in *Inode) bool {
	uid, _ := c.FSIDs()
	return uid == in.UID || c.Capable(abi.CAP_FOWNER)
}

// inGroupOrCapable is in_group_or_capable: the caller is in group gid, or
// has CAP_FSETID; otherwise a set-group-ID bit for gid is dropped.
func inGroupOrCapable(c Cred, gid int) bool {
	return c.InGroup(gid) || c.Capable(abi.CAP_FSETID)
}

// Open opens name for t (do_filp_open): flags are open(2)'s, mode and
// umask apply when O_CREAT makes the file. The errors are Linux's: ENOENT,
// EEXIST (O_CREAT|O_EXCL), EISDIR (a directory opened for writing),
// ENOTDIR (O_DIRECTORY, or a non-directory in the path), ELOOP (O_NOFOLLOW
// on a symlink), EACCES, EROFS, ENXIO (a device with no driver).
func (v *VFS) Open(t Task, start Path, name string, flags int, mode uint32, umask uint32) (*File, Errno) {
	if flags&O_TMPFILE == O_TMPFILE || flags&O_PATH != 0 {
		return nil, abi.EOPNOTSUPP
	}
	var p Path
	created := false
	if flags&O_CREAT != 0 {
		var err Errno
		if p, created, err = v.openCreate(t, start, name, flags, mode, umask); err != 0 {
			return nil, err
		}
		if !created && p.Inode().IsDir() {
			return nil, abi.EISDIR
		}
	} else {
		var err Errno
		if p, err = v.Lookup(t, start, name, flags&O_NOFOLLOW == 0); err != 0 {
			return nil, err
		}
		if p.Inode().IsLnk() {
			return nil, abi.ELOOP // O_NOFOLLOW met a symlink
		}
	}
	in := p.Inode()
	acc := flags & O_ACCMODE
	if flags&O_DIRECTORY != 0 && !in.IsDir() {
		return nil, abi.ENOTDIR
	}
	if in.IsDir() && (acc != O_RDONLY || flags&O_TRUNC != 0) {
		return nil, abi.EISDIR
	}
	if !created {
		mask := 0
		if acc == O_RDONLY || acc == O_RDWR {
			mask |= MAY_READ
		}
		// O_ACCMODE itself (3) opens for neither reading nor writing but
		// needs both permissions: a descriptor for ioctls.
		if acc == O_ACCMODE {
			mask |= MAY_READ
		}
		if acc != O_RDONLY || flags&O_TRUNC != 0 {
			mask |= MAY_WRITE
		}
		// may_open_dev: no devices on a nodev mount, even for root.
		if (in.IsChr() || in.Mode&S_IFMT == S_IFBLK) && p.Mnt.Flags&MS_NODEV != 0 {
			return nil, abi.EACCES
		}
		if err := Permission(t.Cred, in, mask); err != 0 {
			return nil, err
		}
		if mask&MAY_WRITE != 0 && p.Mnt.Flags&MS_RDONLY != 0 && (in.IsReg() || in.IsDir() || in.IsLnk()) {
			return nil, abi.EROFS
		}
	}
	f := v.AllocFile(in, flags&^(O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC), in.FOp)
	if f == nil {
		return nil, abi.ENFILE
	}
	f.Path = p
	if in.IsChr() {
		if err := v.chrdevOpen(in, f); err != 0 {
			f.Count = 0
			v.cfg.Free("filp", f.obj)
			return nil, err
		}
	} else if f.Op != nil && f.Op.Open != nil {
		if err := f.Op.Open(in, f); err != 0 {
			f.Count = 0
			v.cfg.Free("filp", f.obj)
			return nil, err
		}
	}
	p.Mnt.openFiles++
	in.openCount++
	if flags&O_TRUNC != 0 && in.IsReg() && !created {
		if err := v.setsize(in, 0); err != 0 {
			f.Put()
			return nil, err
		}
	}
	return f, 0
}

// openCreate finds or makes the file of an O_CREAT open (open_last_lookups):
// a symlink as the last component is followed, and a dangling one makes
// its target, as Linux does; O_EXCL and O_NOFOLLOW refuse a symlink.
func (v *VFS) openCreate(t Task, start Path, name string, flags int, mode, umask uint32) (Path, bool, Errno) {
	w := &walker{v: v, t: t}
	for {
		dir, last, trailing, err := v.parentOf(t, start, name)
		if err != 0 {
			return Path{}, false, err
		}
		if last == "" || last == "." || last == ".." || trailing {
			return Path{}, false, abi.EISDIR
		}
		p, negative, err := w.stepLast(dir, last)
		switch {
		case negative:
			if err := mayWriteIn(t, dir); err != 0 {
				return Path{}, false, err
			}
			din := dir.Inode()
			if din.Op == nil || din.Op.Create == nil {
				return Path{}, false, abi.EACCES
			}
			d := v.NewDentry(dir.Dentry, last, din.SB)
			if d == nil {
				return Path{}, false, abi.ENOMEM
			}
			if err := din.Op.Create(din, d, S_IFREG|(mode&^umask&0o7777), t.Cred); err != 0 {
				v.freeDentry(d)
				return Path{}, false, err
			}
			return Path{dir.Mnt, d}, true, 0
		case err != 0:
			return Path{}, false, err
		case flags&O_EXCL != 0:
			return Path{}, false, abi.EEXIST
		case !p.Inode().IsLnk():
			return p, false, 0
		case flags&O_NOFOLLOW != 0:
			return Path{}, false, abi.ELOOP
		}
		w.links++
		if w.links > MaxSymlinks {
			return Path{}, false, abi.ELOOP
		}
		in := p.Inode()
		if in.Op != nil && in.Op.JumpLink != nil {
			if to, ok := in.Op.JumpLink(p.Dentry); ok {
				return to, false, 0 // an open file's own object: no O_CREAT
			}
		}
		target := in.Target
		if in.Op != nil && in.Op.GetLink != nil {
			if target, err = in.Op.GetLink(p.Dentry); err != 0 {
				return Path{}, false, err
			}
		}
		if target == "" {
			return Path{}, false, abi.ENOENT
		}
		start, name = dir, target
	}
}

// newEntry is the common part of mkdir, mknod and symlink: the parent,
// the last name, which must not exist, and the permission to add it.
func (v *VFS) newEntry(t Task, start Path, name string) (Path, *Dentry, Errno) {
	dir, last, _, err := v.parentOf(t, start, name)
	if err != 0 {
		return Path{}, nil, err
	}
	if last == "" || last == "." || last == ".." {
		return Path{}, nil, abi.EEXIST
	}
	w := &walker{v: v, t: t}
	if _, negative, err := w.stepLast(dir, last); err != 0 {
		return Path{}, nil, err
	} else if !negative {
		return Path{}, nil, abi.EEXIST
	}
	if err := mayWriteIn(t, dir); err != 0 {
		return Path{}, nil, err
	}
	d := v.NewDentry(dir.Dentry, last, dir.Inode().SB)
	if d == nil {
		return Path{}, nil, abi.ENOMEM
	}
	return dir, d, 0
}

// Mkdir makes a directory (do_mkdirat): EEXIST, ENOENT, ENOTDIR, EACCES,
// EROFS, or EPERM on a filesystem that has no directories to make.
func (v *VFS) Mkdir(t Task, start Path, name string, mode, umask uint32) Errno {
	dir, d, err := v.newEntry(t, start, name)
	if err != 0 {
		return err
	}
	din := dir.Inode()
	if din.Op == nil || din.Op.Mkdir == nil {
		v.freeDentry(d)
		return abi.EPERM
	}
	if err := din.Op.Mkdir(din, d, S_IFDIR|(mode&^umask&0o1777), t.Cred); err != 0 {
		v.freeDentry(d)
		return err
	}
	return 0
}

// Mknod makes a special file (do_mknodat): character devices need
// privilege (EPERM); the type must be a file, a device or a FIFO
// (EINVAL).
func (v *VFS) Mknod(t Task, start Path, name string, mode uint32, dev Dev, umask uint32) Errno {
	switch mode & S_IFMT {
	case 0:
		mode |= S_IFREG
	case S_IFREG, S_IFIFO, S_IFSOCK:
	case S_IFCHR, S_IFBLK:
		if !t.Cred.Capable(abi.CAP_MKNOD) {
			return abi.EPERM
		}
	case S_IFDIR:
		return abi.EPERM
	default:
		return abi.EINVAL
	}
	dir, d, err := v.newEntry(t, start, name)
	if err != 0 {
		return err
	}
	din := dir.Inode()
	if din.Op == nil || din.Op.Mknod == nil {
		v.freeDentry(d)
		return abi.EPERM
	}
	if err := din.Op.Mknod(din, d, mode&S_IFMT|(mode&^umask&0o7777), dev, t.Cred); err != 0 {
		v.freeDentry(d)
		return err
	}
	return 0
}

// Symlink makes a symbolic link (do_symlinkat).
func (v *VFS) Symlink(t Task, start Path, target, name string) Errno {
	if target == "" {
		return abi.ENOENT
	}
	dir, d, err := v.newEntry(t, start, name)
	if err != 0 {
		return err
	}
	din := dir.Inode()
	if din.Op == nil || din.Op.Symlink == nil {
		v.freeDentry(d)
		return abi.EPERM
	}
	if err := din.Op.Symlink(din, d, target, t.Cred); err != 0 {
		v.freeDentry(d)
		return err
	}
	return 0
}

// Readlink reads a symlink's target (do_readlinkat): EINVAL if name is not
// a symlink.
func (v *VFS) Readlink(t Task, start Path, name string) (string, Errno) {
	p, err := v.Lookup(t, start, name, false)
	if err != 0 {
		return "", err
	}
	in := p.Inode()
	if !in.IsLnk() {
		return "", abi.EINVAL
	}
	if in.Op != nil && in.Op.GetLink != nil {
		return in.Op.GetLink(p.Dentry)
	}
	return in.Target, 0
}

// victim finds the entry unlink, rmdir and rename remove (may_delete): the
// dentry in dir itself, not what is mounted on it, which the callers
// refuse with EBUSY after the type checks, as Linux does.
func (v *VFS) victim(t Task, dir Path, last string, wantDir bool) (*Dentry, Errno) {
	if !dir.Inode().IsDir() {
		return nil, abi.ENOTDIR
	}
	if err := Permission(t.Cred, dir.Inode(), MAY_EXEC); err != 0 {
		return nil, err
	}
	d, err := v.lookupChild(dir.Dentry, last)
	if err != 0 {
		return nil, err
	}
	if d == nil || d.Inode == nil {
		return nil, abi.ENOENT
	}
	if err := mayWriteIn(t, dir); err != 0 {
		return nil, err
	}
	in := d.Inode
	if sticky(t.Cred, dir.Inode(), in) {
		return nil, abi.EPERM
	}
	if wantDir && !in.IsDir() {
		return nil, abi.ENOTDIR
	}
	if !wantDir && in.IsDir() {
		return nil, abi.EISDIR
	}
	return d, 0
}

// Unlink removes a name (do_unlinkat): EISDIR for a directory, EBUSY for a
// mount point, EPERM where the filesystem cannot remove.
func (v *VFS) Unlink(t Task, start Path, name string) Errno {
	dir, last, trailing, err := v.parentOf(t, start, name)
	if err != 0 {
		return err
	}
	if last == "" || last == "." || last == ".." {
		return abi.EISDIR
	}
	d, err := v.victim(t, dir, last, false)
	if err != 0 {
		return err
	}
	if trailing {
		return abi.ENOTDIR
	}
	if d.mounted > 0 {
		return abi.EBUSY
	}
	din := dir.Inode()
	if din.Op == nil || din.Op.Unlink == nil {
		return abi.EPERM
	}
	return din.Op.Unlink(din, d)
}

// Rmdir removes an empty directory (do_rmdir): EINVAL for ".", ENOTEMPTY
// for ".." or a directory with entries, EBUSY for a mount point or root.
func (v *VFS) Rmdir(t Task, start Path, name string) Errno {
	dir, last, _, err := v.parentOf(t, start, name)
	if err != 0 {
		return err
	}
	switch last {
	case ".":
		return abi.EINVAL
	case "..":
		return abi.ENOTEMPTY
	case "":
		return abi.EBUSY
	}
	d, err := v.victim(t, dir, last, true)
	if err != 0 {
		return err
	}
	if d.mounted > 0 {
		return abi.EBUSY
	}
	din := dir.Inode()
	if din.Op == nil || din.Op.Rmdir == nil {
		return abi.EPERM
	}
	return din.Op.Rmdir(din, d)
}

// Empty reports whether a directory has no entries but . and ..
// (simple_empty).
func (d *Dentry) Empty() bool {
	for _, c := range d.order {
		if c.Inode != nil {
			return false
		}
	}
	return true
}

// Rename moves oldname to newname (do_renameat2): EXDEV across mounts,
// EINVAL for moving a directory under itself, ENOTEMPTY over a non-empty
// directory, EISDIR / ENOTDIR when a directory would replace a file or the
// other way, EBUSY for "." and "..".
func (v *VFS) Rename(t Task, oldStart Path, oldname string, newStart Path, newname string) Errno {
	odir, olast, otrail, err := v.parentOf(t, oldStart, oldname)
	if err != 0 {
		return err
	}
	ndir, nlast, ntrail, err := v.parentOf(t, newStart, newname)
	if err != 0 {
		return err
	}
	if olast == "" || olast == "." || olast == ".." || nlast == "" || nlast == "." || nlast == ".." {
		return abi.EBUSY
	}
	if odir.Mnt != ndir.Mnt {
		return abi.EXDEV
	}
	old, err := v.lookupChild(odir.Dentry, olast)
	if err != 0 {
		return err
	}
	if old == nil || old.Inode == nil {
		return abi.ENOENT
	}
	isDir := old.Inode.IsDir()
	if !isDir && (otrail || ntrail) {
		return abi.ENOTDIR // a trailing slash names a directory
	}
	od, err := v.victim(t, odir, olast, isDir)
	if err != 0 {
		return err
	}
	if od.mounted > 0 {
		return abi.EBUSY
	}
	w := &walker{v: v, t: t}
	np, negative, err := w.stepLast(ndir, nlast)
	var target *Dentry
	switch {
	case negative:
		if err := mayWriteIn(t, ndir); err != 0 {
			return err
		}
	case err != 0:
		return err
	default:
		if np.Inode() == old.Inode {
			return 0 // the same file: rename does nothing
		}
		if target, err = v.victim(t, ndir, nlast, isDir); err != 0 {
			return err
		}
		if isDir && !target.Empty() {
			return abi.ENOTEMPTY
		}
		if target.mounted > 0 {
			return abi.EBUSY
		}
	}
	// A directory cannot move under itself.
	for p := ndir.Dentry; ; p = p.Parent {
		if p == od {
			return abi.EINVAL
		}
		if p.IsRoot() {
			break
		}
	}
	if target != nil {
		for p := odir.Dentry; ; p = p.Parent {
			if p == target {
				return abi.ENOTEMPTY
			}
			if p.IsRoot() {
				break
			}
		}
	}
	din := odir.Inode()
	if din.Op == nil || din.Op.Rename == nil {
		return abi.EPERM
	}
	nd := target
	if nd == nil {
		if nd = v.NewDentry(ndir.Dentry, nlast, din.SB); nd == nil {
			return abi.ENOMEM
		}
	}
	if err := din.Op.Rename(din, od, ndir.Inode(), nd); err != 0 {
		if target == nil {
			v.freeDentry(nd)
		}
		return err
	}
	return 0
}

// setsize changes a regular file's size.
func (v *VFS) setsize(in *Inode, size int64) Errno {
	if in.Op == nil || in.Op.Setsize == nil {
		return abi.EPERM
	}
	if err := in.Op.Setsize(in, size); err != 0 {
		return err
	}
	in.Mtime = v.cfg.Now()
	in.Ctime = in.Mtime
	return 0
}

// MaxFileSize is the largest file ramfs holds (kplay's limit, far below
// MAX_LFS_FILESIZE: file data lives in host memory).
const MaxFileSize = 64 << 20

// Truncate sets the size of the file at p (do_truncate / vfs_truncate):
// EISDIR for a directory, EINVAL for other non-regular files or a
// negative size, EFBIG past the largest size, EACCES, EROFS.
func (v *VFS) Truncate(t Task, p Path, size int64) Errno {
	in := p.Inode()
	switch {
	case in.IsDir():
		return abi.EISDIR
	case !in.IsReg():
		return abi.EINVAL
	case size < 0:
		return abi.EINVAL
	case p.Mnt.Flags&MS_RDONLY != 0:
		return abi.EROFS
	}
	if err := Permission(t.Cred, in, MAY_WRITE); err != 0 {
		return err
	}
	if size > MaxFileSize {
		return abi.EFBIG
	}
	v.RemovePrivs(t.Cred, in)
	return v.setsize(in, size)
}

// RemovePrivs is file_remove_privs (should_remove_suid), for a write or a
// truncate: a caller without CAP_FSETID clears S_ISUID, and S_ISGID when
// group execute is set too (without it S_ISGID marks mandatory locking,
// not a set-group-ID program), so that a modified program runs with no
// one's privileges.
func (v *VFS) RemovePrivs(c Cred, in *Inode) {
	if !in.IsReg() || c.Capable(abi.CAP_FSETID) {
		return
	}
	kill := in.Mode & S_ISUID
	if in.Mode&(S_ISGID|0o010) == S_ISGID|0o010 {
		kill |= S_ISGID
	}
	if kill != 0 {
		in.Mode &^= kill
		in.Ctime = v.cfg.Now()
	}
}

// Ftruncate sets an open file's size (do_ftruncate): EINVAL unless it is a
// regular file open for writing.
func (v *VFS) Ftruncate(f *File, size int64) Errno {
	if size < 0 || f.Inode == nil || !f.Inode.IsReg() || !f.Writable() {
		return abi.EINVAL
	}
	if size > MaxFileSize {
		return abi.EFBIG
	}
	return v.setsize(f.Inode, size)
}

// Chmod sets the permission bits (chmod_common, setattr_prepare): only
// the owner or CAP_FOWNER (EPERM); a caller outside the file's group
// without CAP_FSETID loses S_ISGID, silently.
func (v *VFS) Chmod(t Task, p Path, mode uint32) Errno {
	in := p.Inode()
	if p.Mnt.Flags&MS_RDONLY != 0 {
		return abi.EROFS
	}
	if !ownerOrCapable(t.Cred, in) {
		return abi.EPERM
	}
	mode &= 0o7777
	if !inGroupOrCapable(t.Cred, in.GID) {
		mode &^= S_ISGID
	}
	in.Mode = in.Mode&S_IFMT | mode
	in.Ctime = v.cfg.Now()
	return 0
}

// Chown changes the owner and group (chown_common, chown_ok, chgrp_ok);
// -1 keeps one. Only CAP_CHOWN may give a file away; the owner may
// "change" the owner to itself and the group to one of its own (EPERM
// otherwise). A file that is not a directory loses its set-user-ID bit,
// even to root, and its set-group-ID bit if group-executable or if the
// caller is outside its group without CAP_FSETID
// (setattr_should_drop_sgid).
func (v *VFS) Chown(t Task, p Path, uid, gid int) Errno {
	in := p.Inode()
	if p.Mnt.Flags&MS_RDONLY != 0 {
		return abi.EROFS
	}
	c := t.Cred
	if !c.Capable(abi.CAP_CHOWN) {
		fsuid, _ := c.FSIDs()
		if uid != -1 && (fsuid != in.UID || uid != in.UID) {
			return abi.EPERM
		}
		if gid != -1 && (fsuid != in.UID || (gid != in.GID && !c.InGroup(gid))) {
			return abi.EPERM
		}
	}
	if !in.IsDir() {
		in.Mode &^= S_ISUID
		if in.Mode&S_ISGID != 0 && (in.Mode&0o010 != 0 || !inGroupOrCapable(c, in.GID)) {
			in.Mode &^= S_ISGID
		}
	}
	if uid != -1 {
		in.UID = uid
	}
	if gid != -1 {
		in.GID = gid
	}
	in.Ctime = v.cfg.Now()
	return 0
}
