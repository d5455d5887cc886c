package vfs

import "fmt"

// Check walks the dentry tree under every mount and reports the first
// broken invariant: a reachable dentry or inode whose slab object was
// freed, a child whose parent link or cache entry disagrees, a negative
// open count, a mount count that disagrees with the mount table, or
// negative totals. Tests and fuzzers call it between system calls.
func (v *VFS) Check() error {
	if v.NrDentry < 0 || v.NrInodes < 0 {
		return fmt.Errorf("vfs: nr_dentry %d, nr_inodes %d", v.NrDentry, v.NrInodes)
	}
	mounted := map[*Dentry]int{}
	for _, m := range v.mounts {
		if m.openFiles < 0 {
			return fmt.Errorf("vfs: mount %d has %d open files", m.ID, m.openFiles)
		}
		if m.Parent != m {
			mounted[m.Mountpoint]++
		}
	}
	seen := map[*Dentry]bool{}
	var walk func(d *Dentry, path string) error
	walk = func(d *Dentry, path string) error {
		if seen[d] {
			return nil
		}
		seen[d] = true
		if d.obj == 0 {
			return fmt.Errorf("vfs: %s: dentry in the tree was freed", path)
		}
		if d.mounted != mounted[d] && d.mounted >= 0 && mounted[d] > 0 {
			return fmt.Errorf("vfs: %s: d_mounted %d, %d mounts on it", path, d.mounted, mounted[d])
		}
		if d.mounted < 0 {
			return fmt.Errorf("vfs: %s: d_mounted %d", path, d.mounted)
		}
		if in := d.Inode; in != nil {
			if in.obj == 0 {
				return fmt.Errorf("vfs: %s: inode %d was freed", path, in.Ino)
			}
			if in.openCount < 0 {
				return fmt.Errorf("vfs: %s: inode %d open count %d", path, in.Ino, in.openCount)
			}
		}
		if len(d.order) != len(d.children) {
			return fmt.Errorf("vfs: %s: %d children in order, %d by name", path, len(d.order), len(d.children))
		}
		for _, c := range d.order {
			if d.children[c.Name] != c || c.Parent != d {
				return fmt.Errorf("vfs: %s/%s: not linked to its parent", path, c.Name)
			}
			if err := walk(c, path+"/"+c.Name); err != nil {
				return err
			}
		}
		return nil
	}
	for _, m := range v.mounts {
		if err := walk(m.Root, fmt.Sprintf("mnt%d:", m.ID)); err != nil {
			return err
		}
	}
	return nil
}

// CheckFile reports what is wrong with an open file still in use: freed,
// no references, or its inode freed under it.
func (f *File) CheckFile() error {
	switch {
	case f.obj == 0 && f.vfs != nil:
		return fmt.Errorf("vfs: file %p in use was freed", f)
	case f.Count <= 0:
		return fmt.Errorf("vfs: file %p in use has f_count %d", f, f.Count)
	case f.Inode != nil && f.Inode.obj == 0 && f.Path.Mnt != nil:
		return fmt.Errorf("vfs: file %p: inode %d was freed while open", f, f.Inode.Ino)
	case f.Inode != nil && f.Inode.openCount <= 0 && f.Path.Mnt != nil:
		return fmt.Errorf("vfs: file %p: inode %d open count %d", f, f.Inode.Ino, f.Inode.openCount)
	}
	return nil
}
