package vfs

import (
	"math/rand"
	"path"
	"sort"
	"strings"
	"testing"

	"kplay/kernel/abi"
)

// newTestVFS boots a VFS with ramfs at / and tmpfs at /tmp, counting the
// slab objects it takes.
func newTestVFS(t *testing.T) (*VFS, Task, map[string]int) {
	t.Helper()
	live := map[string]int{}
	var next uint64
	v := New(Config{
		Alloc: func(c string) uint64 { live[c]++; next++; return next },
		Free:  func(c string, _ uint64) { live[c]-- },
	})
	for _, fs := range []*FileSystemType{Ramfs("tmpfs")} {
		if err := v.RegisterFilesystem(fs); err != 0 {
			t.Fatal(err)
		}
	}
	if err := v.MountRoot(Ramfs("rootfs"), "rootfs"); err != 0 {
		t.Fatal(err)
	}
	root := Task{Cred: Root, Root: v.RootPath(), Cwd: v.RootPath()}
	if err := v.Mkdir(root, root.Cwd, "/tmp", 0o777, 0); err != 0 {
		t.Fatal(err)
	}
	tmp, _ := v.Lookup(root, root.Cwd, "/tmp", true)
	if err := v.DoMount(Root, "tmpfs", tmp, "tmpfs", 0, ""); err != 0 {
		t.Fatal(err)
	}
	return v, root, live
}

func writeFile(t *testing.T, v *VFS, tk Task, name, data string) {
	t.Helper()
	f, err := v.Open(tk, tk.Cwd, name, O_WRONLY|O_CREAT|O_TRUNC, 0o644, 0o022)
	if err != 0 {
		t.Fatalf("open %s: %v", name, err)
	}
	if n, err := f.Write([]byte(data)); err != 0 || n != len(data) {
		t.Fatalf("write %s: %d %v", name, n, err)
	}
	f.Put()
}

func readFile(t *testing.T, v *VFS, tk Task, name string) string {
	t.Helper()
	f, err := v.Open(tk, tk.Cwd, name, O_RDONLY, 0, 0)
	if err != 0 {
		t.Fatalf("open %s: %v", name, err)
	}
	defer f.Put()
	var out []byte
	buf := make([]byte, 3) // small reads: the position must advance
	for {
		n, err := f.Read(buf)
		if err != 0 {
			t.Fatalf("read %s: %v", name, err)
		}
		if n == 0 {
			return string(out)
		}
		out = append(out, buf[:n]...)
	}
}

func listDir(t *testing.T, v *VFS, tk Task, name string) []string {
	t.Helper()
	f, err := v.Open(tk, tk.Cwd, name, O_RDONLY|O_DIRECTORY, 0, 0)
	if err != 0 {
		t.Fatalf("open %s: %v", name, err)
	}
	defer f.Put()
	var names []string
	// One entry per call, as a tiny getdents buffer would take them.
	for {
		got := false
		f.Iterate(func(n string, _ uint64, _ uint8) bool {
			if got {
				return false
			}
			got = true
			names = append(names, n)
			return true
		})
		if !got {
			return names
		}
	}
}

func TestFilesDirectoriesAndMounts(t *testing.T) {
	v, root, live := newTestVFS(t)
	writeFile(t, v, root, "/tmp/a", "hello, world")
	if got := readFile(t, v, root, "/tmp/a"); got != "hello, world" {
		t.Fatalf("read back %q", got)
	}
	if err := v.Mkdir(root, root.Cwd, "/tmp/d", 0o755, 0o022); err != 0 {
		t.Fatal(err)
	}
	writeFile(t, v, root, "/tmp/d/x", "1")
	writeFile(t, v, root, "/tmp/d/y", "22")
	// dcache_readdir: . and .. first, then newest first.
	if got := strings.Join(listDir(t, v, root, "/tmp/d"), " "); got != ". .. y x" {
		t.Fatalf("readdir = %q", got)
	}
	// .. of a mount's root climbs out of the mount.
	p, err := v.Lookup(root, root.Cwd, "/tmp/d/../..", true)
	if err != 0 || p != v.RootPath() {
		t.Fatalf("/tmp/d/../.. = %v %v", p, err)
	}
	if s := v.PathString(mustLookup(t, v, root, "/tmp/d/x")); s != "/tmp/d/x" {
		t.Fatalf("d_path = %q", s)
	}
	// rename across directories of one mount moves the subtree.
	if err := v.Mkdir(root, root.Cwd, "/tmp/e", 0o755, 0); err != 0 {
		t.Fatal(err)
	}
	if err := v.Rename(root, root.Cwd, "/tmp/d", root.Cwd, "/tmp/e/d2"); err != 0 {
		t.Fatal(err)
	}
	if got := readFile(t, v, root, "/tmp/e/d2/y"); got != "22" {
		t.Fatalf("after rename: %q", got)
	}
	// across mounts: EXDEV.
	if err := v.Rename(root, root.Cwd, "/tmp/a", root.Cwd, "/a"); err != abi.EXDEV {
		t.Fatalf("rename across mounts = %v, want EXDEV", err)
	}
	// umount while a file is open: EBUSY; after closing it: done, and
	// /tmp is the root filesystem's empty directory again.
	f, _ := v.Open(root, root.Cwd, "/tmp/a", O_RDONLY, 0, 0)
	tmp := mustLookup(t, v, root, "/tmp")
	if err := v.DoUmount(tmp, 0); err != abi.EBUSY {
		t.Fatalf("umount busy = %v", err)
	}
	f.Put()
	if err := v.DoUmount(tmp, 0); err != 0 {
		t.Fatal(err)
	}
	if _, err := v.Lookup(root, root.Cwd, "/tmp/a", true); err != abi.ENOENT {
		t.Fatalf("after umount /tmp/a: %v", err)
	}
	if err := v.DoUmount(mustLookup(t, v, root, "/"), 0); err != abi.EBUSY {
		t.Fatalf("umount / = %v, want EBUSY", err)
	}
	if live["filp"] != 0 {
		t.Fatalf("%d filp objects live after every file was closed", live["filp"])
	}
}

func mustLookup(t *testing.T, v *VFS, tk Task, name string) Path {
	t.Helper()
	p, err := v.Lookup(tk, tk.Cwd, name, true)
	if err != 0 {
		t.Fatalf("lookup %s: %v", name, err)
	}
	return p
}

func TestErrnos(t *testing.T) {
	v, root, _ := newTestVFS(t)
	writeFile(t, v, root, "/tmp/f", "x")
	v.Mkdir(root, root.Cwd, "/tmp/dir", 0o755, 0)
	writeFile(t, v, root, "/tmp/dir/in", "y")
	v.Symlink(root, root.Cwd, "f", "/tmp/link")
	v.Symlink(root, root.Cwd, "loop", "/tmp/loop")
	user := Task{Cred: testCred{uid: 1000, gid: 1000}, Root: root.Root, Cwd: root.Cwd}
	open := func(tk Task, name string, flags int) Errno {
		f, err := v.Open(tk, tk.Cwd, name, flags, 0o644, 0)
		if f != nil {
			f.Put()
		}
		return err
	}
	long := strings.Repeat("n", 256)
	cases := []struct {
		what string
		got  Errno
		want Errno
	}{
		{"open missing", open(root, "/tmp/nope", O_RDONLY), abi.ENOENT},
		{"open in missing dir", open(root, "/tmp/nope/x", O_RDONLY|O_CREAT), abi.ENOENT},
		{"open through a file", open(root, "/tmp/f/x", O_RDONLY), abi.ENOTDIR},
		{"open file/ ", open(root, "/tmp/f/", O_RDONLY), abi.ENOTDIR},
		{"O_CREAT|O_EXCL existing", open(root, "/tmp/f", O_CREAT|O_EXCL|O_WRONLY), abi.EEXIST},
		{"write a directory", open(root, "/tmp/dir", O_WRONLY), abi.EISDIR},
		{"O_CREAT on a directory", open(root, "/tmp/dir", O_CREAT|O_RDONLY), abi.EISDIR},
		{"O_DIRECTORY on a file", open(root, "/tmp/f", O_RDONLY|O_DIRECTORY), abi.ENOTDIR},
		{"O_NOFOLLOW on a symlink", open(root, "/tmp/link", O_RDONLY|O_NOFOLLOW), abi.ELOOP},
		{"symlink loop", open(root, "/tmp/loop", O_RDONLY), abi.ELOOP},
		{"name too long", open(root, "/tmp/"+long, O_RDONLY), abi.ENAMETOOLONG},
		{"path too long", open(root, "/"+strings.Repeat("a/", 2048), O_RDONLY), abi.ENAMETOOLONG},
		{"empty path", open(root, "", O_RDONLY), abi.ENOENT},
		{"mkdir existing", v.Mkdir(root, root.Cwd, "/tmp/f", 0o755, 0), abi.EEXIST},
		{"mkdir /", v.Mkdir(root, root.Cwd, "/", 0o755, 0), abi.EEXIST},
		{"unlink a directory", v.Unlink(root, root.Cwd, "/tmp/dir"), abi.EISDIR},
		{"unlink missing", v.Unlink(root, root.Cwd, "/tmp/nope"), abi.ENOENT},
		{"unlink a mount point", v.Unlink(root, root.Cwd, "/tmp"), abi.EISDIR},
		{"rmdir a file", v.Rmdir(root, root.Cwd, "/tmp/f"), abi.ENOTDIR},
		{"rmdir non-empty", v.Rmdir(root, root.Cwd, "/tmp/dir"), abi.ENOTEMPTY},
		{"rmdir .", v.Rmdir(root, root.Cwd, "/tmp/dir/."), abi.EINVAL},
		{"rmdir ..", v.Rmdir(root, root.Cwd, "/tmp/dir/.."), abi.ENOTEMPTY},
		{"rmdir a mount point", v.Rmdir(root, root.Cwd, "/tmp"), abi.EBUSY},
		{"rename dir into itself", v.Rename(root, root.Cwd, "/tmp/dir", root.Cwd, "/tmp/dir/sub"), abi.EINVAL},
		{"rename file over dir", v.Rename(root, root.Cwd, "/tmp/f", root.Cwd, "/tmp/dir"), abi.EISDIR},
		{"rename dir over file", v.Rename(root, root.Cwd, "/tmp/dir", root.Cwd, "/tmp/f"), abi.ENOTDIR},
		{"readlink a file", errOf(v.Readlink(root, root.Cwd, "/tmp/f")), abi.EINVAL},
		{"truncate a dir", v.Truncate(root, mustLookup(t, v, root, "/tmp/dir"), 0), abi.EISDIR},
		{"truncate negative", v.Truncate(root, mustLookup(t, v, root, "/tmp/f"), -1), abi.EINVAL},
		// As uid 1000: root's 0644 file and 0755 directories.
		{"user writes root's file", open(user, "/tmp/f", O_WRONLY), abi.EACCES},
		{"user reads root's file", open(user, "/tmp/f", O_RDONLY), 0},
		{"user creates in root's dir", open(user, "/tmp/dir/new", O_WRONLY|O_CREAT), abi.EACCES},
		{"user unlinks in root's dir", v.Unlink(user, user.Cwd, "/tmp/dir/in"), abi.EACCES},
		{"user mkdir in root's dir", v.Mkdir(user, user.Cwd, "/tmp/dir/sub", 0o755, 0), abi.EACCES},
		{"user chmods root's file", v.Chmod(user, mustLookup(t, v, root, "/tmp/f"), 0o777), abi.EPERM},
		{"user chowns root's file", v.Chown(user, mustLookup(t, v, root, "/tmp/f"), 1000, -1), abi.EPERM},
		{"user mounts", v.DoMount(user.Cred, "tmpfs", mustLookup(t, v, root, "/tmp/dir"), "tmpfs", 0, ""), abi.EPERM},
		{"mount unknown type", v.DoMount(Root, "x", mustLookup(t, v, root, "/tmp/dir"), "ext9", 0, ""), abi.ENODEV},
		{"mount on a file", v.DoMount(Root, "x", mustLookup(t, v, root, "/tmp/f"), "tmpfs", 0, ""), abi.ENOTDIR},
		{"umount a non-root", v.DoUmount(mustLookup(t, v, root, "/tmp/dir"), 0), abi.EINVAL},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
		}
	}
	// /tmp is sticky and world-writable: a user creates there, and
	// may not remove root's file.
	if err := open(user, "/tmp/mine", O_WRONLY|O_CREAT); err != 0 {
		t.Fatalf("user creates in /tmp: %v", err)
	}
	if err := v.Unlink(user, user.Cwd, "/tmp/f"); err != abi.EPERM {
		t.Fatalf("user unlinks root's file in sticky /tmp: %v, want EPERM", err)
	}
	if err := v.Unlink(user, user.Cwd, "/tmp/mine"); err != 0 {
		t.Fatalf("user unlinks own file: %v", err)
	}
}

func errOf(_ string, err Errno) Errno { return err }

// testCred is a caller's credentials: fsuid, fsgid, groups and a
// capability set.
type testCred struct {
	uid, gid int
	groups   []int
	caps     uint64
}

func (c testCred) FSIDs() (int, int)    { return c.uid, c.gid }
func (c testCred) Capable(cap int) bool { return c.caps&(1<<cap) != 0 }
func (c testCred) InGroup(gid int) bool {
	if gid == c.gid {
		return true
	}
	for _, g := range c.groups {
		if g == gid {
			return true
		}
	}
	return false
}

// On a directory CAP_DAC_READ_SEARCH lists and searches but does not
// create; CAP_DAC_OVERRIDE does everything.
func TestCapabilitiesOverrideDirectoryBits(t *testing.T) {
	dir := &Inode{Mode: S_IFDIR | 0o700, UID: 0, GID: 0}
	rs := testCred{uid: 5, gid: 5, caps: 1 << abi.CAP_DAC_READ_SEARCH}
	ov := testCred{uid: 5, gid: 5, caps: 1 << abi.CAP_DAC_OVERRIDE}
	for _, c := range []struct {
		c    Cred
		mask int
		want Errno
	}{
		{testCred{uid: 5, gid: 5}, MAY_EXEC, abi.EACCES},
		{rs, MAY_READ | MAY_EXEC, 0},
		{rs, MAY_WRITE | MAY_EXEC, abi.EACCES},
		{ov, MAY_WRITE | MAY_EXEC, 0},
	} {
		if got := Permission(c.c, dir, c.mask); got != c.want {
			t.Errorf("%+v mask %d: %v, want %v", c.c, c.mask, got, c.want)
		}
	}
}

func TestPermissionMatchesGenericPermission(t *testing.T) {
	in := &Inode{Mode: S_IFREG | 0o640, UID: 100, GID: 200}
	cases := []struct {
		c    Cred
		mask int
		want Errno
	}{
		{testCred{uid: 100, gid: 1}, MAY_READ | MAY_WRITE, 0},
		{testCred{uid: 100, gid: 200}, MAY_EXEC, abi.EACCES}, // owner bits win, even if the group's allow
		{testCred{uid: 5, gid: 200}, MAY_READ, 0},
		{testCred{uid: 5, gid: 200}, MAY_WRITE, abi.EACCES},
		{testCred{uid: 5, gid: 1, groups: []int{200}}, MAY_READ, 0},
		{testCred{uid: 5, gid: 1}, MAY_READ, abi.EACCES},
		{Root, MAY_READ | MAY_WRITE, 0},
		{Root, MAY_EXEC, abi.EACCES}, // no x bit at all: even root may not execute
		// CAP_DAC_READ_SEARCH reads but does not write; CAP_DAC_OVERRIDE
		// does both.
		{testCred{uid: 5, gid: 1, caps: 1 << abi.CAP_DAC_READ_SEARCH}, MAY_READ, 0},
		{testCred{uid: 5, gid: 1, caps: 1 << abi.CAP_DAC_READ_SEARCH}, MAY_WRITE, abi.EACCES},
		{testCred{uid: 5, gid: 1, caps: 1 << abi.CAP_DAC_OVERRIDE}, MAY_READ | MAY_WRITE, 0},
		{testCred{uid: 5, gid: 1, caps: 1 << abi.CAP_FOWNER}, MAY_READ, abi.EACCES},
	}
	for i, c := range cases {
		if got := Permission(c.c, in, c.mask); got != c.want {
			t.Errorf("case %d: %v, want %v", i, got, c.want)
		}
	}
	in.Mode |= 0o001
	if err := Permission(Root, in, MAY_EXEC); err != 0 {
		t.Errorf("root, o+x: %v", err)
	}
}

func TestSeekTruncateAppend(t *testing.T) {
	v, root, _ := newTestVFS(t)
	writeFile(t, v, root, "/tmp/f", "0123456789")
	f, _ := v.Open(root, root.Cwd, "/tmp/f", O_RDWR|O_APPEND, 0, 0)
	defer f.Put()
	if pos, err := f.Lseek(-3, SEEK_END); err != 0 || pos != 7 {
		t.Fatalf("lseek end-3 = %d %v", pos, err)
	}
	if _, err := f.Lseek(-100, SEEK_CUR); err != abi.EINVAL {
		t.Fatalf("lseek before 0 = %v", err)
	}
	if _, err := f.Lseek(0, 7); err != abi.EINVAL {
		t.Fatalf("lseek whence 7 = %v", err)
	}
	f.Write([]byte("ab")) // O_APPEND: at the end, wherever the position was
	if got := readFile(t, v, root, "/tmp/f"); got != "0123456789ab" {
		t.Fatalf("append: %q", got)
	}
	if err := v.Ftruncate(f, 4); err != 0 {
		t.Fatal(err)
	}
	if err := v.Ftruncate(f, 6); err != 0 {
		t.Fatal(err)
	}
	if got := readFile(t, v, root, "/tmp/f"); got != "0123\x00\x00" {
		t.Fatalf("truncate down then up: %q", got)
	}
	b := make([]byte, 4)
	if n, _ := f.Pread(b, 2); n != 4 || string(b) != "23\x00\x00" {
		t.Fatalf("pread: %d %q", n, b)
	}
	ro, _ := v.Open(root, root.Cwd, "/tmp/f", O_RDONLY, 0, 0)
	defer ro.Put()
	if _, err := ro.Write([]byte("x")); err != abi.EBADF {
		t.Fatalf("write on O_RDONLY = %v", err)
	}
	if err := v.Ftruncate(ro, 0); err != abi.EINVAL {
		t.Fatalf("ftruncate on O_RDONLY = %v", err)
	}
}

func TestUnlinkedFileLivesWhileOpen(t *testing.T) {
	v, root, live := newTestVFS(t)
	before := live["inode_cache"]
	writeFile(t, v, root, "/tmp/f", "data")
	f, _ := v.Open(root, root.Cwd, "/tmp/f", O_RDONLY, 0, 0)
	if err := v.Unlink(root, root.Cwd, "/tmp/f"); err != 0 {
		t.Fatal(err)
	}
	if s := v.PathString(f.Path); s != "/tmp/f (deleted)" {
		t.Fatalf("d_path of an unlinked file = %q", s)
	}
	b := make([]byte, 8)
	if n, _ := f.Read(b); string(b[:n]) != "data" {
		t.Fatalf("read after unlink: %q", b[:n])
	}
	if live["inode_cache"] != before+1 {
		t.Fatalf("inode freed while open")
	}
	f.Put()
	if live["inode_cache"] != before {
		t.Fatalf("inode not freed after the last close: %d, want %d", live["inode_cache"], before)
	}
}

// TestAgainstModel runs random operations on a tree and on a model (a map
// of paths) and compares the results, the errno classes and the final
// listing; the slab objects must match the live dentries and inodes.
func TestAgainstModel(t *testing.T) {
	for seed := int64(1); seed <= 30; seed++ {
		v, root, live := newTestVFS(t)
		model := map[string]string{"/tmp": "dir"} // path -> "dir" or contents
		rng := rand.New(rand.NewSource(seed))
		names := []string{"a", "b", "c"}
		randPath := func() string {
			p := "/tmp"
			for i := rng.Intn(3); i >= 0; i-- {
				p += "/" + names[rng.Intn(len(names))]
			}
			return p
		}
		parentOK := func(p string) Errno {
			d := path.Dir(p)
			kind, ok := model[d]
			if !ok {
				// a missing or non-directory ancestor
				for a := d; a != "/"; a = path.Dir(a) {
					if k, ok := model[a]; ok && k != "dir" {
						return abi.ENOTDIR
					}
				}
				return abi.ENOENT
			}
			if kind != "dir" {
				return abi.ENOTDIR
			}
			return 0
		}
		empty := func(p string) bool {
			for q := range model {
				if strings.HasPrefix(q, p+"/") {
					return false
				}
			}
			return true
		}
		for step := 0; step < 300; step++ {
			p := randPath()
			var got, want Errno
			switch op := rng.Intn(5); op {
			case 0: // create and write
				data := strings.Repeat(names[rng.Intn(3)], rng.Intn(5))
				want = parentOK(p)
				if want == 0 && model[p] == "dir" {
					want = abi.EISDIR
				}
				f, err := v.Open(root, root.Cwd, p, O_WRONLY|O_CREAT|O_TRUNC, 0o644, 0)
				got = err
				if err == 0 {
					f.Write([]byte(data))
					f.Put()
					model[p] = "=" + data
				}
			case 1:
				want = parentOK(p)
				if _, ok := model[p]; want == 0 && ok {
					want = abi.EEXIST
				}
				got = v.Mkdir(root, root.Cwd, p, 0o755, 0)
				if got == 0 {
					model[p] = "dir"
				}
			case 2:
				want = parentOK(p)
				if k, ok := model[p]; want == 0 && !ok {
					want = abi.ENOENT
				} else if want == 0 && k == "dir" {
					want = abi.EISDIR
				}
				got = v.Unlink(root, root.Cwd, p)
				if got == 0 {
					delete(model, p)
				}
			case 3:
				want = parentOK(p)
				if k, ok := model[p]; want == 0 && !ok {
					want = abi.ENOENT
				} else if want == 0 && k != "dir" {
					want = abi.ENOTDIR
				} else if want == 0 && !empty(p) {
					want = abi.ENOTEMPTY
				}
				got = v.Rmdir(root, root.Cwd, p)
				if got == 0 {
					delete(model, p)
				}
			case 4: // rename a file or directory
				q := randPath()
				got = v.Rename(root, root.Cwd, p, root.Cwd, q)
				want = got // the rules are many; check the state instead
				if got == 0 && p != q {
					moved := map[string]string{}
					for k, val := range model {
						if k == p || strings.HasPrefix(k, p+"/") {
							moved[q+strings.TrimPrefix(k, p)] = val
							delete(model, k)
						}
					}
					for k := range model {
						if k == q || strings.HasPrefix(k, q+"/") {
							delete(model, k)
						}
					}
					for k, val := range moved {
						model[k] = val
					}
				}
			}
			if got != want {
				t.Fatalf("seed %d step %d on %s: got %v, want %v", seed, step, p, got, want)
			}
		}
		// The tree equals the model.
		var gotPaths []string
		var walk func(dir string)
		walk = func(dir string) {
			for _, n := range listDir(t, v, root, dir) {
				if n == "." || n == ".." {
					continue
				}
				p := dir + "/" + n
				st := v.Getattr(mustLookup(t, v, root, p))
				if st.Mode&S_IFMT == S_IFDIR {
					gotPaths = append(gotPaths, p+"=dir")
					walk(p)
				} else {
					gotPaths = append(gotPaths, p+"="+readFile(t, v, root, p))
				}
			}
		}
		walk("/tmp")
		var wantPaths []string
		for p, k := range model {
			if p == "/tmp" {
				continue
			}
			if k == "dir" {
				wantPaths = append(wantPaths, p+"=dir")
			} else {
				wantPaths = append(wantPaths, p+k)
			}
		}
		sort.Strings(gotPaths)
		sort.Strings(wantPaths)
		if strings.Join(gotPaths, " ") != strings.Join(wantPaths, " ") {
			t.Fatalf("seed %d: tree\n%v\nmodel\n%v", seed, gotPaths, wantPaths)
		}
		// Objects: one dentry and one inode per entry, plus the roots.
		if live["dentry"] != v.NrDentry || live["inode_cache"] != v.NrInodes || live["filp"] != 0 {
			t.Fatalf("seed %d: slab %v, counters %d dentries %d inodes", seed, live, v.NrDentry, v.NrInodes)
		}
		if want := len(model) + 2; v.NrInodes != want { // + the two roots, - /tmp's covered dir, + /tmp mount root
			t.Fatalf("seed %d: %d inodes, want %d", seed, v.NrInodes, want)
		}
	}
}
