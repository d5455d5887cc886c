package vfs

// Pseudo filesystems are the ones the kernel mounts for itself and no
// user can mount (pipefs, sockfs, anon_inodefs): their files are made by
// system calls such as pipe(2), have no name in the tree, and show in
// /proc/<pid>/fd as "pipe:[ino]".

// NewPseudoSuper makes the superblock of a pseudo filesystem, as
// kern_mount does at boot: on a new anonymous device (0:N, which fstat's
// st_dev shows), with no place in the mount tree.
func (v *VFS) NewPseudoSuper(fs *FileSystemType) *SuperBlock { return v.newSuper(fs) }

// AllocFilePseudo is alloc_file_pseudo: an open file of no path on in,
// holding the inode open as an opened file does. nil when the filp cache
// has no memory.
func (v *VFS) AllocFilePseudo(in *Inode, flags int, op *FileOperations) *File {
	f := v.AllocFile(in, flags, op)
	if f != nil {
		in.openCount++
	}
	return f
}

// DropInode lets an inode of a pseudo filesystem go once no file holds
// it open: its only link was the unnamed dentry the kernel made for it,
// and pseudo filesystems keep no unused dentries (always_delete_dentry),
// so the last dput is the last iput. A pipe's inode is dropped by its
// last file's release, or at once when its files could not be made.
func (v *VFS) DropInode(in *Inode) {
	in.Nlink = 0
	v.maybeFreeInode(in)
}
