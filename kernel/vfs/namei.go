package vfs

import (
	"sort"
	"strings"

	"kplay/kernel/abi"
)

// Access masks of inode_permission (MAY_*), also access(2)'s R_OK, W_OK,
// X_OK.
const (
	MAY_EXEC  = 1
	MAY_WRITE = 2
	MAY_READ  = 4
)

// Permission is generic_permission: the owner's, the group's or the
// others' bits of the mode, by who the caller is (the owner's bits apply
// to the owner even when the group's or others' would allow more). Where
// the bits refuse, capabilities override: on a directory
// CAP_DAC_READ_SEARCH reads and searches and CAP_DAC_OVERRIDE does
// anything; on a file CAP_DAC_READ_SEARCH reads, and CAP_DAC_OVERRIDE
// reads and writes, and executes only a file with at least one x bit.
func Permission(c Cred, in *Inode, mask int) Errno {
	mode := int(in.Mode)
	uid, _ := c.FSIDs()
	switch {
	case uid == in.UID:
		mode >>= 6
	case c.InGroup(in.GID):
		mode >>= 3
	}
	mask &= MAY_READ | MAY_WRITE | MAY_EXEC
	if mask&^mode&7 == 0 {
		return 0
	}
	if in.IsDir() {
		if mask&MAY_WRITE == 0 && c.Capable(abi.CAP_DAC_READ_SEARCH) {
			return 0
		}
		if c.Capable(abi.CAP_DAC_OVERRIDE) {
			return 0
		}
		return abi.EACCES
	}
	if mask == MAY_READ && c.Capable(abi.CAP_DAC_READ_SEARCH) {
		return 0
	}
	if (mask&MAY_EXEC == 0 || in.Mode&0o111 != 0) && c.Capable(abi.CAP_DAC_OVERRIDE) {
		return 0
	}
	return abi.EACCES
}

// Task is what a lookup needs of the caller (nameidata): its credentials,
// its root and its current directory (fs_struct).
type Task struct {
	Cred Cred
	Root Path
	Cwd  Path
}

// walker resolves one path (path_lookupat).
type walker struct {
	v     *VFS
	t     Task
	links int
}

// step moves from dir to its child comp, across mounts, without following
// a symlink at the child.
func (w *walker) step(dir Path, comp string) (Path, Errno) {
	p, negative, err := w.stepLast(dir, comp)
	if negative {
		return Path{}, abi.ENOENT
	}
	return p, err
}

// stepLast is step for the last component of a name that may be created:
// it tells a negative entry (the name is free) from a lookup that failed,
// which is how procfs refuses new names (its lookup returns ENOENT, so
// mkdir /proc/x is ENOENT, not EPERM).
func (w *walker) stepLast(dir Path, comp string) (p Path, negative bool, err Errno) {
	if !dir.Inode().IsDir() {
		return Path{}, false, abi.ENOTDIR
	}
	if err := Permission(w.t.Cred, dir.Inode(), MAY_EXEC); err != 0 {
		return Path{}, false, err
	}
	switch comp {
	case ".":
		return dir, false, 0
	case "..":
		return w.v.parent(w.t.Root, dir), false, 0
	}
	if len(comp) > NameMax {
		return Path{}, false, abi.ENAMETOOLONG
	}
	d, err := w.v.lookupChild(dir.Dentry, comp)
	if err != 0 {
		return Path{}, false, err
	}
	if d == nil || d.Inode == nil {
		return Path{}, true, 0
	}
	return w.v.followMounts(Path{dir.Mnt, d}), false, 0
}

// parent is ".." of dir (follow_dotdot): it stays at the caller's root and
// climbs out of a mount to the directory it is mounted on.
func (v *VFS) parent(root, dir Path) Path {
	for {
		if dir == root {
			return dir
		}
		if dir.Dentry != dir.Mnt.Root {
			return v.followMounts(Path{dir.Mnt, dir.Dentry.Parent})
		}
		if dir.Mnt.Parent == dir.Mnt {
			return dir
		}
		dir = Path{dir.Mnt.Parent, dir.Mnt.Mountpoint}
	}
}

// followMounts goes down to the root of what is mounted on p.
func (v *VFS) followMounts(p Path) Path {
	for {
		m := v.mountedOn(p.Mnt, p.Dentry)
		if m == nil {
			return p
		}
		p = Path{m, m.Root}
	}
}

// lookupChild finds name under d in the dentry cache, asking the
// filesystem (its Lookup) when the directory's entries are generated:
// those are looked up afresh each time (procfs's pid directories come
// and go), and the stale cached entry is dropped.
func (v *VFS) lookupChild(d *Dentry, name string) (*Dentry, Errno) {
	in := d.Inode
	if in.Dead {
		return nil, abi.ENOENT // __lookup_slow's IS_DEADDIR
	}
	if in.Op == nil || in.Op.Lookup == nil {
		return d.children[name], 0
	}
	if old := d.children[name]; old != nil {
		if in.Op.Revalidate != nil && in.Op.Revalidate(old) {
			return old, 0
		}
		v.dropDentry(old)
	}
	child, err := in.Op.Lookup(d, name)
	if err != 0 || child == nil {
		return nil, err
	}
	nd := v.NewDentry(d, name, d.SB)
	if nd == nil {
		return nil, abi.ENOMEM
	}
	v.AddChild(nd, child)
	return nd, 0
}

// dropDentry takes a stale entry and what is cached below it out of the
// cache (d_invalidate); inodes no open file holds are freed.
func (v *VFS) dropDentry(d *Dentry) {
	for _, c := range d.Children() {
		v.dropDentry(c)
	}
	v.removeChild(d)
	v.freeDentry(d)
	if in := d.Inode; in != nil && in.openCount <= 0 {
		v.putInode(in)
	}
}

// follow resolves the symlink at p, reached from dir.
func (w *walker) follow(dir, p Path) (Path, Errno) {
	w.links++
	if w.links > MaxSymlinks {
		return Path{}, abi.ELOOP
	}
	in := p.Inode()
	if in.Op != nil && in.Op.JumpLink != nil {
		if to, ok := in.Op.JumpLink(p.Dentry); ok {
			return to, 0
		}
	}
	target := in.Target
	if in.Op != nil && in.Op.GetLink != nil {
		var err Errno
		if target, err = in.Op.GetLink(p.Dentry); err != 0 {
			return Path{}, err
		}
	}
	if target == "" {
		return Path{}, abi.ENOENT
	}
	return w.walk(dir, target, true)
}

// walk resolves name from start; the last component's symlink is
// followed when followLast is set.
func (w *walker) walk(start Path, name string, followLast bool) (Path, Errno) {
	if name == "" {
		return Path{}, abi.ENOENT
	}
	if len(name) >= PathMax {
		return Path{}, abi.ENAMETOOLONG
	}
	cur := start
	if name[0] == '/' {
		cur = w.t.Root
	}
	comps := splitPath(name)
	mustDir := strings.HasSuffix(name, "/")
	for i, c := range comps {
		last := i == len(comps)-1
		next, err := w.step(cur, c)
		if err != 0 {
			return Path{}, err
		}
		if next.Inode().IsLnk() && (!last || followLast || mustDir) {
			if next, err = w.follow(cur, next); err != 0 {
				return Path{}, err
			}
		}
		cur = next
	}
	if mustDir && !cur.Inode().IsDir() {
		return Path{}, abi.ENOTDIR
	}
	return cur, 0
}

func splitPath(name string) []string {
	var out []string
	for _, c := range strings.Split(name, "/") {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

// Lookup resolves name for t (filename_lookup): relative names start at
// start (the cwd, or a directory fd of the *at calls); a symlink as the
// last component is followed when follow is set.
func (v *VFS) Lookup(t Task, start Path, name string, follow bool) (Path, Errno) {
	w := &walker{v: v, t: t}
	return w.walk(start, name, follow)
}

// parentOf resolves all but the last component of name (filename_parentat)
// and returns the directory, the last component ("" for "/", or "." or
// ".." as typed) and whether name ended in '/'.
func (v *VFS) parentOf(t Task, start Path, name string) (Path, string, bool, Errno) {
	if name == "" {
		return Path{}, "", false, abi.ENOENT
	}
	if len(name) >= PathMax {
		return Path{}, "", false, abi.ENAMETOOLONG
	}
	trailing := strings.HasSuffix(name, "/")
	comps := splitPath(name)
	dir := start
	if name[0] == '/' {
		dir = t.Root
	}
	if len(comps) == 0 {
		return dir, "", trailing, 0
	}
	w := &walker{v: v, t: t}
	if len(comps) > 1 {
		var err Errno
		prefix := strings.Join(comps[:len(comps)-1], "/")
		if name[0] == '/' {
			prefix = "/" + prefix
		}
		if dir, err = w.walk(dir, prefix+"/", true); err != 0 {
			return Path{}, "", false, err
		}
	}
	last := comps[len(comps)-1]
	if len(last) > NameMax {
		return Path{}, "", false, abi.ENAMETOOLONG
	}
	if !dir.Inode().IsDir() {
		return Path{}, "", false, abi.ENOTDIR
	}
	return dir, last, trailing, 0
}

// CachedNames lists what the dentry cache holds in the directory at the
// absolute path dir, without looking anything up or changing any state:
// a debugger's view for completing names. Components are followed through
// cached dentries and mounts only (not symlinks); directories carry a
// trailing "/". It returns nil when dir is not cached.
func (v *VFS) CachedNames(dir string) []string {
	p := v.followMounts(v.root)
	for _, comp := range strings.Split(dir, "/") {
		switch comp {
		case "", ".":
			continue
		case "..":
			p = v.parent(v.root, p)
			continue
		}
		d := p.Dentry.Child(comp)
		if d == nil || d.Inode == nil || !d.Inode.IsDir() {
			return nil
		}
		p = v.followMounts(Path{p.Mnt, d})
	}
	var out []string
	for _, d := range p.Dentry.Children() {
		if d.Inode == nil {
			continue
		}
		name := d.Name
		if v.followMounts(Path{p.Mnt, d}).Inode().IsDir() {
			name += "/"
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
