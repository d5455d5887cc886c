package kernel

import (
	"sort"
	"strconv"
	"strings"

	"kplay/kernel/abi"
	"kplay/kernel/vfs"
)

// procfs is /proc: a filesystem whose directories are generated from the
// live kernel on each lookup and whose files are generated on open (as a
// seq_file generates on the first read), from the same accessors the REPL
// uses.
//
// Its tree is the list of names ProcFiles gives plus the symlinks of
// procLinks; a directory is any prefix of those. Inode numbers are fixed
// per path for the life of the mount, so ls -i agrees with stat.

// procNode is what a procfs inode stands for.
type procNode struct {
	path string // "/proc/1/stat"
}

type procSB struct {
	inos map[string]uint64
}

// procFSType is procfs's file_system_type.
func (k *Kernel) procFSType() *vfs.FileSystemType {
	return &vfs.FileSystemType{Name: "proc", NoDev: true, Mount: func(v *vfs.VFS, sb *vfs.SuperBlock, _ string) abi.Errno {
		if err := v.MakeRoot(sb, 0o555); err != 0 {
			return err
		}
		sb.Private = &procSB{inos: map[string]uint64{"/proc": sb.Root.Inode.Ino}}
		root := sb.Root.Inode
		root.Op, root.FOp, root.Private = k.procDirIops(), k.procDirFops(), &procNode{path: "/proc"}
		root.UID, root.GID = 0, 0
		return 0
	}}
}

func (k *Kernel) procDirIops() *vfs.InodeOperations {
	return &vfs.InodeOperations{
		Lookup: func(dir *vfs.Dentry, name string) (*vfs.Inode, abi.Errno) {
			// proc_root_lookup and proc_pid_lookup fail with ENOENT
			// rather than leave a negative dentry: a new name in /proc
			// is ENOENT to open(O_CREAT), mkdir and symlink alike.
			p := dir.Inode.Private.(*procNode).path + "/" + name
			if in := k.procInode(dir.SB, p); in != nil {
				return in, 0
			}
			return nil, abi.ENOENT
		},
		// pid_revalidate: a cached entry stays while its path exists with
		// the same type; a link's target is read afresh.
		Revalidate: func(d *vfs.Dentry) bool {
			n, ok := d.Inode.Private.(*procNode)
			if !ok {
				return false
			}
			mode, target, ok := k.procMode(n.path)
			if !ok || mode&vfs.S_IFMT != d.Inode.Mode&vfs.S_IFMT {
				return false
			}
			d.Inode.Target = target
			k.procOwner(d.Inode, n.path) // pid_update_inode
			return true
		},
	}
}

// procOwner gives a task's /proc entries the task's owner, its objective
// euid and egid (task_dump_owner), which follow the task's set*id calls;
// everything else, and kernel threads' entries, belong to root.
func (k *Kernel) procOwner(in *vfs.Inode, p string) {
	in.UID, in.GID = 0, 0
	if pid, ok := procPid(p); ok {
		if t := k.tasks[pid]; t != nil && t.realCred != nil && !t.Kthread() {
			in.UID, in.GID = t.realCred.EUID, t.realCred.EGID
		}
	}
}

func (k *Kernel) procDirFops() *vfs.FileOperations {
	return &vfs.FileOperations{Iterate: func(f *vfs.File, emit func(string, uint64, uint8) bool) abi.Errno {
		dir := f.Inode.Private.(*procNode).path
		names := k.procChildren(dir)
		sb := f.Inode.SB
		all := append([]string{".", ".."}, names...)
		for int(f.Pos) < len(all) {
			n := all[f.Pos]
			ino, typ := f.Inode.Ino, uint8(vfs.DT_DIR)
			switch n {
			case ".":
			case "..":
				ino = f.Path.Dentry.Parent.Inode.Ino
			default:
				mode, _, ok := k.procMode(dir + "/" + n)
				if !ok {
					f.Pos++
					continue
				}
				ino, typ = procIno(sb, dir+"/"+n), vfs.DType(mode)
			}
			if !emit(n, ino, typ) {
				return 0
			}
			f.Pos++
		}
		return 0
	}}
}

// procIno is the inode number of a procfs path, stable while mounted.
func procIno(sb *vfs.SuperBlock, p string) uint64 {
	ps := sb.Private.(*procSB)
	if ino, ok := ps.inos[p]; ok {
		return ino
	}
	ino := sb.NextIno()
	ps.inos[p] = ino
	return ino
}

// procMode is the mode of procfs path p, and a symlink's target, or false
// if p does not exist now.
func (k *Kernel) procMode(p string) (uint32, string, bool) {
	links := k.procLinks()
	if t, ok := links[p]; ok {
		return vfs.S_IFLNK | 0o777, t, true
	}
	// A directory of links is fd/, which only its owner may list; any
	// other directory (/proc/PID holds the cwd and root links too) is
	// dr-xr-xr-x.
	dirMode := func() uint32 {
		if strings.HasSuffix(p, "/fd") {
			return vfs.S_IFDIR | 0o500
		}
		return vfs.S_IFDIR | 0o555
	}
	for l := range links {
		if strings.HasPrefix(l, p+"/") {
			return dirMode(), "", true
		}
	}
	for _, f := range k.procPaths() {
		switch {
		case f == p && strings.HasPrefix(p, "/proc/sys/") && !procReadOnly[p]:
			return vfs.S_IFREG | 0o644, "", true
		case f == p && strings.HasSuffix(p, "/environ"):
			return vfs.S_IFREG | 0o400, "", true // S_IRUSR: the environment is private
		case f == p:
			return vfs.S_IFREG | 0o444, "", true
		case strings.HasPrefix(f, p+"/"):
			return dirMode(), "", true
		}
	}
	return 0, "", false
}

// procInode makes the inode of path p, or returns nil if p does not exist
// now.
func (k *Kernel) procInode(sb *vfs.SuperBlock, p string) *vfs.Inode {
	mode, target, ok := k.procMode(p)
	if !ok {
		return nil
	}
	in := k.vfs.NewInode(sb, mode, vfs.Root)
	if in == nil {
		return nil
	}
	in.Ino = procIno(sb, p)
	in.Private = &procNode{path: p}
	k.procOwner(in, p)
	switch {
	case in.IsLnk():
		in.Target = target
		if jump := k.procJump(p); jump != nil {
			in.Op = &vfs.InodeOperations{JumpLink: func(*vfs.Dentry) (vfs.Path, bool) { return jump() }}
			if i := strings.LastIndex(p, "/fd/"); i >= 0 {
				in.Mode, in.Size = vfs.S_IFLNK|k.procFdMode(p), 64
			}
		}
	case in.IsDir():
		in.Op, in.FOp = k.procDirIops(), k.procDirFops()
		in.Nlink = 2
	default:
		in.Op, in.FOp = &procFileIops, k.procFileFops()
	}
	return in
}

// procFileIops accept a truncation and ignore it, as proc_setattr does
// for ATTR_SIZE: echo 1 > /proc/sys/... opens with O_TRUNC.
var procFileIops = vfs.InodeOperations{Setsize: func(*vfs.Inode, int64) abi.Errno { return 0 }}

// procPid is the pid of a path under /proc/<pid>/.
func procPid(p string) (int, bool) {
	rest, ok := strings.CutPrefix(p, "/proc/")
	if !ok {
		return 0, false
	}
	first, _, _ := strings.Cut(rest, "/")
	n, err := strconv.Atoi(first)
	return n, err == nil && first == strconv.Itoa(n)
}

// procFileFops generate a file's text on open and serve reads from it;
// /proc/sys files take writes as sysctl does.
func (k *Kernel) procFileFops() *vfs.FileOperations {
	return &vfs.FileOperations{
		Open: func(in *vfs.Inode, f *vfs.File) abi.Errno {
			p := in.Private.(*procNode).path
			if f.Readable() {
				text, err := k.ReadProc(p)
				if err != nil {
					return abi.ENOENT // the task went away
				}
				f.Private = text
			}
			return 0
		},
		Read: func(f *vfs.File, b []byte, pos *int64) (int, abi.Errno) {
			text, _ := f.Private.(string)
			if *pos >= int64(len(text)) {
				return 0, 0
			}
			n := copy(b, text[*pos:])
			*pos += int64(n)
			return n, 0
		},
		Write: func(f *vfs.File, b []byte, pos *int64) (int, abi.Errno) {
			p := f.Inode.Private.(*procNode).path
			name, ok := strings.CutPrefix(p, "/proc/sys/")
			if !ok {
				return 0, abi.EIO
			}
			if str, ok := procSysStrings[p]; ok {
				if v, ok := procDostring(str.get(k), utsLen, b, *pos); ok {
					str.set(k, v)
					*pos += int64(len(b))
				}
				return len(b), 0
			}
			if _, err := k.SetSysctl(strings.ReplaceAll(name, "/", "."), strings.TrimSpace(string(b))); err != nil {
				return 0, abi.EINVAL
			}
			*pos += int64(len(b))
			return len(b), 0
		},
	}
}

// procChildren lists the names in procfs directory dir: for /proc, the
// kernel's entries by name length and name (proc_match orders the
// proc_dir_entry tree so), then self, then the pids in order.
func (k *Kernel) procChildren(dir string) []string {
	seen := map[string]bool{}
	var names []string
	add := func(p string) {
		rest, ok := strings.CutPrefix(p, dir+"/")
		if !ok {
			return
		}
		n, _, _ := strings.Cut(rest, "/")
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, p := range k.procPaths() {
		add(p)
	}
	links := k.procLinks()
	lp := make([]string, 0, len(links))
	for p := range links {
		lp = append(lp, p)
	}
	sort.Strings(lp)
	for _, p := range lp {
		add(p)
	}
	sort.SliceStable(names, func(i, j int) bool {
		a, b := names[i], names[j]
		ai, aerr := strconv.Atoi(a)
		bi, berr := strconv.Atoi(b)
		switch {
		case aerr == nil && berr == nil:
			return ai < bi
		case aerr == nil || berr == nil:
			return berr == nil && aerr != nil // names before numbers
		case dir == "/proc" && (a == "self") != (b == "self"):
			return b == "self"
		case dir == "/proc" && len(a) != len(b):
			return len(a) < len(b)
		}
		return a < b
	})
	return names
}

// procPaths are the regular files of /proc.
func (k *Kernel) procPaths() []string { return k.ProcFiles() }

// procLinks are procfs's symlinks and their targets now: self, and each
// task's fd/N and cwd.
func (k *Kernel) procLinks() map[string]string {
	links := map[string]string{}
	if t := k.current; t != nil && t != k.idle {
		links["/proc/self"] = strconv.Itoa(t.TGID)
	}
	for _, t := range k.sortedTasks() {
		if t == k.idle || t.State == ExitDead {
			continue
		}
		base := sprintf("/proc/%d/", t.PID)
		if t.FS != nil {
			links[base+"cwd"] = k.vfs.PathString(t.FS.Pwd)
			links[base+"root"] = k.vfs.PathString(t.FS.Root)
		}
		if t.Files != nil {
			for fd, f := range t.Files.fds {
				if f != nil {
					links[sprintf("%sfd/%d", base, fd)] = k.fileName(f)
				}
			}
		}
	}
	return links
}

// procJump is the object a magic link of /proc/<pid> reaches, looked up
// when it is followed (proc_fd_link, proc_cwd_link, proc_root_link), or
// nil for a link that is only text (self).
func (k *Kernel) procJump(p string) func() (vfs.Path, bool) {
	pid, ok := procPid(p)
	if !ok {
		return nil
	}
	_, rest, _ := strings.Cut(strings.TrimPrefix(p, "/proc/"), "/")
	return func() (vfs.Path, bool) {
		t := k.tasks[pid]
		if t == nil || t.State == ExitDead {
			return vfs.Path{}, false
		}
		switch {
		case rest == "cwd" && t.FS != nil:
			return t.FS.Pwd, true
		case rest == "root" && t.FS != nil:
			return t.FS.Root, true
		}
		if f := k.procFdFile(p); f != nil && f.Path.Mnt != nil {
			return f.Path, true
		}
		return vfs.Path{}, false
	}
}

// procFdFile is the open file /proc/<pid>/fd/N names now, or nil.
func (k *Kernel) procFdFile(p string) *vfs.File {
	pid, ok := procPid(p)
	i := strings.LastIndex(p, "/fd/")
	if !ok || i < 0 {
		return nil
	}
	fd, err := strconv.Atoi(p[i+4:])
	t := k.tasks[pid]
	if err != nil || t == nil || t.Files == nil || fd < 0 || fd >= len(t.Files.fds) {
		return nil
	}
	return t.Files.fds[fd]
}

// procFdMode is an fd link's permission bits: r-x for a file open for
// reading, -wx for writing, as proc_fd_instantiate sets them.
func (k *Kernel) procFdMode(p string) uint32 {
	f := k.procFdFile(p)
	if f == nil {
		return 0o700
	}
	var m uint32
	if f.Readable() {
		m |= 0o500
	}
	if f.Writable() {
		m |= 0o300
	}
	return m
}

// fileName is what /proc/<pid>/fd/N points to: the file's path, or
// "pipe:[ino]" for a pipe, as d_path prints them.
func (k *Kernel) fileName(f *vfs.File) string {
	if f.Path.Mnt == nil {
		if f.Inode != nil && f.Inode.IsFIFO() {
			return sprintf("pipe:[%d]", f.Inode.Ino)
		}
		return "anon_inode:[unknown]"
	}
	return k.vfs.PathString(f.Path)
}
