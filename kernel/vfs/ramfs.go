package vfs

import (
	"kplay/kernel/abi"
)

// Ramfs is fs/ramfs: files whose pages live only in the page cache, a
// directory tree that is the dentry cache itself. kplay registers it as
// "ramfs" (and as rootfs), and again as "tmpfs" and "devtmpfs", which
// behave alike here but for the page cache (see filemap.go): tmpfs's
// pages are shmem pages, counted against a size limit (size=, by default
// half of RAM), and swap is not modelled.
func Ramfs(name string) *FileSystemType {
	return &FileSystemType{Name: name, NoDev: true, Mount: func(v *VFS, sb *SuperBlock, data string) Errno {
		mode := uint32(0o755)
		r := &ramfsSB{}
		if name == "tmpfs" || name == "devtmpfs" {
			// shmem_fill_super: the default limit is
			// shmem_default_max_blocks, half of totalram_pages.
			r.shmem = true
			r.maxBlocks = v.cfg.TotalramPages() / 2
			if err := parseShmemOptions(data, v.cfg.TotalramPages(), r); err != 0 {
				return err
			}
		}
		if name == "tmpfs" {
			mode = 0o1777 // shmem's default root: world-writable and sticky
		}
		sb.Private = r
		if err := v.MakeRoot(sb, mode); err != 0 {
			return err
		}
		sb.Root.Inode.Op, sb.Root.Inode.FOp = &ramfsDirInodeOps, &SimpleDirOperations
		return 0
	}}
}

// SimpleDirOperations is simple_dir_operations: a directory listed from
// the dentry cache.
var SimpleDirOperations = FileOperations{Iterate: DcacheReaddir}

var ramfsDirInodeOps, ramfsFileInodeOps InodeOperations

// RamfsFileOperations reads and writes the inode's Data.
var RamfsFileOperations = FileOperations{Read: ramfsRead, Write: ramfsWrite}

func init() {
	ramfsDirInodeOps = InodeOperations{
		Create: func(dir *Inode, d *Dentry, mode uint32, c Cred) Errno {
			return ramfsMknod(dir, d, mode, Dev{}, c)
		},
		Mkdir: func(dir *Inode, d *Dentry, mode uint32, c Cred) Errno {
			if err := ramfsMknod(dir, d, mode, Dev{}, c); err != 0 {
				return err
			}
			dir.Nlink++
			return 0
		},
		Mknod: ramfsMknod,
		Symlink: func(dir *Inode, d *Dentry, target string, c Cred) Errno {
			if len(target) >= PathMax {
				return abi.ENAMETOOLONG
			}
			if err := ramfsMknod(dir, d, S_IFLNK|0o777, Dev{}, c); err != 0 {
				return err
			}
			d.Inode.Target, d.Inode.Size = target, int64(len(target))
			return 0
		},
		Unlink: func(dir *Inode, d *Dentry) Errno {
			v := dir.SB.vfs
			in := d.Inode
			v.removeChild(d)
			v.freeDentry(d)
			in.Nlink--
			in.Ctime = v.cfg.Now()
			dir.Mtime, dir.Ctime = in.Ctime, in.Ctime
			v.maybeFreeInode(in)
			return 0
		},
		Rmdir: func(dir *Inode, d *Dentry) Errno {
			if !d.Empty() {
				return abi.ENOTEMPTY
			}
			v := dir.SB.vfs
			in := d.Inode
			v.removeChild(d)
			v.freeDentry(d)
			in.Nlink, in.Dead = 0, true
			dir.Nlink--
			dir.Mtime = v.cfg.Now()
			dir.Ctime = dir.Mtime
			v.maybeFreeInode(in)
			return 0
		},
		// Rename is simple_rename: nd is the target, negative or about to
		// lose its inode; old itself moves (d_move), so what hangs below
		// a moved directory, and files open on it, go along.
		Rename: func(oldDir *Inode, old *Dentry, newDir *Inode, nd *Dentry) Errno {
			v := oldDir.SB.vfs
			in := old.Inode
			if victim := nd.Inode; victim != nil {
				v.removeChild(nd)
				if victim.IsDir() {
					victim.Nlink = 0
					newDir.Nlink--
				} else {
					victim.Nlink--
				}
				v.maybeFreeInode(victim)
			}
			v.freeDentry(nd)
			v.removeChild(old)
			old.Parent, old.Name = nd.Parent, nd.Name
			v.AddChild(old, in)
			if in.IsDir() && oldDir != newDir {
				oldDir.Nlink--
				newDir.Nlink++
			}
			now := v.cfg.Now()
			oldDir.Mtime, oldDir.Ctime, newDir.Mtime, newDir.Ctime, in.Ctime = now, now, now, now, now
			return 0
		},
	}
	ramfsFileInodeOps = InodeOperations{Setsize: ramfsSetsize}
}

// ramfsMknod is ramfs_mknod: a new inode bound to d, with the methods of
// its type.
func ramfsMknod(dir *Inode, d *Dentry, mode uint32, dev Dev, c Cred) Errno {
	v := dir.SB.vfs
	in := v.NewInode(dir.SB, mode, c)
	if in == nil {
		return abi.ENOSPC
	}
	// A set-group-ID directory passes its group on (inode_init_owner), and
	// its set-group-ID bit to a subdirectory; a group-executable file made
	// in it keeps its own S_ISGID only if the caller is in the group or
	// has CAP_FSETID (mode_strip_sgid).
	if dir.Mode&S_ISGID != 0 {
		in.GID = dir.GID
		switch {
		case in.IsDir():
			in.Mode |= S_ISGID
		case in.Mode&(S_ISGID|0o010) == S_ISGID|0o010 && !inGroupOrCapable(c, dir.GID):
			in.Mode &^= S_ISGID
		}
	}
	switch mode & S_IFMT {
	case S_IFDIR:
		in.Op, in.FOp = &ramfsDirInodeOps, &SimpleDirOperations
	case S_IFREG:
		in.Op, in.FOp = &ramfsFileInodeOps, &RamfsFileOperations
	case S_IFCHR, S_IFBLK:
		in.Rdev = dev
	}
	v.AddChild(d, in)
	dir.Mtime, dir.Ctime = in.Mtime, in.Mtime
	return 0
}

func ramfsRead(f *File, p []byte, pos *int64) (int, Errno) {
	n := f.Inode.ReadAt(p, *pos)
	*pos += int64(n)
	return n, 0
}

// ramfsWrite is generic_perform_write: page by page, each found or
// allocated in the page cache, then filled, the size moving with it. A
// page that cannot be had ends the write: what was written so far is
// its result, or the errno if nothing was (ENOSPC past a tmpfs's size,
// ENOMEM with no memory left).
func ramfsWrite(f *File, p []byte, pos *int64) (int, Errno) {
	in := f.Inode
	if *pos >= MaxFileSize {
		return 0, abi.EFBIG
	}
	if *pos+int64(len(p)) > MaxFileSize {
		p = p[:MaxFileSize-*pos]
	}
	n := 0
	for n < len(p) {
		off := *pos + int64(n)
		page, err := in.getPage(off / PageSize)
		if err != 0 {
			if n == 0 {
				return 0, err
			}
			break
		}
		n += copy(page[off%PageSize:], p[n:])
		in.Size = max(in.Size, *pos+int64(n))
	}
	*pos += int64(n)
	return n, 0
}

// ramfsSetsize is simple_setattr's size change: growing leaves a hole,
// shrinking frees the pages past the new end.
func ramfsSetsize(in *Inode, size int64) Errno {
	if size > MaxFileSize {
		return abi.EFBIG
	}
	if size < in.Size {
		in.truncatePages(size)
	}
	in.Size = size
	return 0
}
