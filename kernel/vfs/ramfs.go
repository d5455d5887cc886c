package vfs

import (
	"kplay/kernel/abi"
)

// Ramfs is fs/ramfs: files whose pages live only in the page cache, a
// directory tree that is the dentry cache itself. kplay registers it as
// "ramfs", and again as "tmpfs" and "devtmpfs", which behave alike here
// (tmpfs's size limits and swap are not modelled).
func Ramfs(name string) *FileSystemType {
	return &FileSystemType{Name: name, NoDev: true, Mount: func(v *VFS, sb *SuperBlock, data string) Errno {
		mode := uint32(0o755)
		if name == "tmpfs" {
			mode = 0o1777 // shmem's default root: world-writable and sticky
		}
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
			in.Nlink = 0
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
	in := f.Inode
	if *pos >= in.Size {
		return 0, 0
	}
	n := copy(p, in.Data[*pos:in.Size])
	*pos += int64(n)
	return n, 0
}

func ramfsWrite(f *File, p []byte, pos *int64) (int, Errno) {
	in := f.Inode
	end := *pos + int64(len(p))
	if *pos >= MaxFileSize {
		return 0, abi.EFBIG
	}
	if end > MaxFileSize {
		p = p[:MaxFileSize-*pos]
		end = MaxFileSize
	}
	if end > in.Size {
		if err := ramfsSetsize(in, end); err != 0 {
			return 0, err
		}
	}
	copy(in.Data[*pos:], p)
	*pos = end
	return len(p), 0
}

func ramfsSetsize(in *Inode, size int64) Errno {
	if size > MaxFileSize {
		return abi.EFBIG
	}
	if size > int64(cap(in.Data)) {
		nd := make([]byte, size, max(size, 2*int64(cap(in.Data))))
		copy(nd, in.Data)
		in.Data = nd
	} else {
		old := int64(len(in.Data))
		in.Data = in.Data[:size]
		if size > old {
			clear(in.Data[old:size])
		}
	}
	in.Size = size
	return 0
}
