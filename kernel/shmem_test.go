package kernel

import (
	"strconv"
	"strings"
	"testing"

	"kplay/kernel/abi"
	"kplay/kernel/vfs"
	"kplay/mm"
)

// meminfoKB is one /proc/meminfo value in kB.
func meminfoKB(t *testing.T, k *Kernel, key string) int {
	t.Helper()
	for _, l := range k.Meminfo() {
		if l.Key == key {
			return int(l.KB)
		}
	}
	t.Fatalf("meminfo has no %s", key)
	return 0
}

// vmstatValue is one /proc/vmstat counter.
func vmstatValue(t *testing.T, k *Kernel, name string) int {
	t.Helper()
	for _, line := range strings.Split(readProc(t, k, "/proc/vmstat"), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	t.Fatalf("vmstat has no %s", name)
	return 0
}

// zeroBuf maps n bytes of anonymous memory in init that no one has
// touched: a write from it reads the zero page and allocates nothing.
func zeroBuf(t *testing.T, k *Kernel, n int) uint64 {
	t.Helper()
	addr, err := k.initCall("mmap", 0, uint64(n), mm.ProtRead|mm.ProtWrite, mapPrivate|mapAnonymous, ^uint64(0), 0)
	if err != nil || addr < 0 {
		t.Fatalf("mmap %d: %d %v", n, addr, err)
	}
	return uint64(addr)
}

func initOpenT(t *testing.T, k *Kernel, path string, flags int) int64 {
	t.Helper()
	fd, err := k.initOpen("open", path, flags, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return fd
}

func initPathCall(t *testing.T, k *Kernel, name, path string, args ...uint64) int64 {
	t.Helper()
	k.ResetUserData(1)
	addr, err := k.PushUserData(1, append([]byte(path), 0))
	if err != nil {
		t.Fatal(err)
	}
	r, err := k.initCall(name, append([]uint64{addr}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// rootfsKB is the page cache of the files boot writes: a page each for
// the four in /etc and /bin's programs.
func rootfsKB() int { return 4 * (4 + len(BuiltinPrograms())) }

func TestTmpfsFilePagesComeFromTheBuddyAllocatorAndGoBack(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	buf := zeroBuf(t, k, 1<<20)
	// Boot leaves rootfs's files a page each, in Cached but not in
	// Shmem: rootfs is ramfs, its pages unevictable.
	if c, s, u := meminfoKB(t, k, "Cached"), meminfoKB(t, k, "Shmem"), meminfoKB(t, k, "Unevictable"); c != rootfsKB() || s != 0 || u != rootfsKB() {
		t.Fatalf("after boot: Cached %d kB, Shmem %d kB, Unevictable %d kB; want %d, 0, %d", c, s, u, rootfsKB(), rootfsKB())
	}
	fd := initOpenT(t, k, "/tmp/big", vfs.O_WRONLY|vfs.O_CREAT)
	buddy, free := readProc(t, k, "/proc/buddyinfo"), meminfoKB(t, k, "MemFree")
	inactive := meminfoKB(t, k, "Inactive(anon)")
	if n, _ := k.initCall("write", uint64(fd), buf, 1<<20); n != 1<<20 {
		t.Fatalf("write 1 MiB = %d", n)
	}
	// 256 pages: MemFree, Cached, Shmem and the inactive anon LRU move by
	// 1024 kB, vmstat by 256.
	if got := meminfoKB(t, k, "MemFree"); got != free-1024 {
		t.Errorf("MemFree %d kB after writing 1 MiB, want %d", got, free-1024)
	}
	if c, s := meminfoKB(t, k, "Cached"), meminfoKB(t, k, "Shmem"); c != rootfsKB()+1024 || s != 1024 {
		t.Errorf("Cached %d kB, Shmem %d kB; want %d, 1024", c, s, rootfsKB()+1024)
	}
	if got := meminfoKB(t, k, "Inactive(anon)"); got != inactive+1024 {
		t.Errorf("Inactive(anon) %d kB, want %d", got, inactive+1024)
	}
	if s, f := vmstatValue(t, k, "nr_shmem"), vmstatValue(t, k, "nr_file_pages"); s != 256 || f != 256+rootfsKB()/4 {
		t.Errorf("nr_shmem %d, nr_file_pages %d; want 256, %d", s, f, 256+rootfsKB()/4)
	}
	if st, err := statPath(k, "/tmp/big"); err != nil || st.Blocks != 2048 || st.Size != 1<<20 {
		t.Errorf("stat: %+v %v; want 2048 blocks of 1 MiB", st, err)
	}
	// truncate to 1 byte keeps one page; to 0 none, and the buddy
	// allocator's free lists are as they were.
	if r, _ := k.initCall("ftruncate", uint64(fd), 1); r != 0 {
		t.Fatalf("ftruncate = %d", r)
	}
	if s := meminfoKB(t, k, "Shmem"); s != 4 {
		t.Errorf("Shmem %d kB after truncating to 1 byte, want 4", s)
	}
	k.initCall("ftruncate", uint64(fd), 0)
	if got := readProc(t, k, "/proc/buddyinfo"); got != buddy {
		t.Errorf("buddyinfo after truncate:\n%swant\n%s", got, buddy)
	}
	// A sparse file: a write at 40 MiB takes one page, not 10240.
	if n, _ := k.initCall("pwrite64", uint64(fd), buf, 10, 40<<20); n != 10 {
		t.Fatalf("pwrite at 40 MiB = %d", n)
	}
	if s := meminfoKB(t, k, "Shmem"); s != 4 {
		t.Errorf("Shmem %d kB for a file with one page past a 40 MiB hole, want 4", s)
	}
	k.initCall("close", uint64(fd))
	if r := initPathCall(t, k, "unlink", "/tmp/big"); r != 0 {
		t.Fatalf("unlink = %d", r)
	}
	if s, f := meminfoKB(t, k, "Shmem"), meminfoKB(t, k, "MemFree"); s != 0 || f != free {
		t.Errorf("after unlink: Shmem %d kB, MemFree %d kB; want 0, %d", s, f, free)
	}
	if got := readProc(t, k, "/proc/buddyinfo"); got != buddy {
		t.Errorf("buddyinfo after unlink:\n%swant\n%s", got, buddy)
	}
}

func TestUnlinkedOpenFileKeepsItsPagesUntilTheLastClose(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	fd := initOpenT(t, k, "/tmp/f", vfs.O_RDWR|vfs.O_CREAT)
	if n := initWrite(t, k, fd, strings.Repeat("x", 3*4096+1)); n != 3*4096+1 {
		t.Fatalf("write = %d", n)
	}
	dup, _ := k.initCall("dup", uint64(fd))
	initPathCall(t, k, "unlink", "/tmp/f")
	if s := meminfoKB(t, k, "Shmem"); s != 16 {
		t.Fatalf("Shmem %d kB with the unlinked file open, want 16", s)
	}
	// Its data is still there to read.
	k.ResetUserData(1)
	buf, _ := k.PushUserData(1, make([]byte, 8))
	if n, _ := k.initCall("pread64", uint64(dup), buf, 8, 3*4096-4); n != 5 {
		t.Fatalf("pread at the end = %d, want 5", n)
	}
	k.initCall("close", uint64(fd))
	if s := meminfoKB(t, k, "Shmem"); s != 16 {
		t.Fatalf("Shmem %d kB with one descriptor left, want 16", s)
	}
	k.initCall("close", uint64(dup))
	if s := meminfoKB(t, k, "Shmem"); s != 0 {
		t.Fatalf("Shmem %d kB after the last close, want 0", s)
	}
}

func TestTmpfsSizeLimitIsENOSPCAndShowsInProcMounts(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	buf := zeroBuf(t, k, 40<<20)
	// /tmp's default limit is half of RAM: 8192 pages of a 64 MiB machine.
	fd := initOpenT(t, k, "/tmp/big", vfs.O_WRONLY|vfs.O_CREAT)
	if n, _ := k.initCall("write", uint64(fd), buf, 40<<20); n != 32<<20 {
		t.Fatalf("write 40 MiB to /tmp = %d, want the 32 MiB limit", n)
	}
	if n, _ := k.initCall("write", uint64(fd), buf, 1); n != errno(abi.ENOSPC) {
		t.Fatalf("write past the limit = %d, want ENOSPC", n)
	}
	// Overwriting pages the file has needs none.
	if n, _ := k.initCall("pwrite64", uint64(fd), buf, 4096, 0); n != 4096 {
		t.Fatalf("overwrite = %d", n)
	}
	k.initCall("close", uint64(fd))
	initPathCall(t, k, "unlink", "/tmp/big")
	// A tmpfs mounted with size= has that limit, shown in /proc/mounts
	// (the default is not shown); umount frees its pages.
	initPathCall(t, k, "mkdir", "/mnt", 0o755)
	k.ResetUserData(1)
	src, _ := k.PushUserData(1, []byte("tmpfs\x00"))
	dst, _ := k.PushUserData(1, []byte("/mnt\x00"))
	data, _ := k.PushUserData(1, []byte("mode=755,size=10k\x00"))
	if r, _ := k.initCall("mount", src, dst, src, 0, data); r != 0 {
		t.Fatalf("mount = %d", r)
	}
	if got := readProc(t, k, "/proc/mounts"); !strings.Contains(got, "tmpfs /tmp tmpfs rw,nosuid,nodev,relatime 0 0\ntmpfs /mnt tmpfs rw,relatime,size=12k 0 0\n") {
		t.Fatalf("/proc/mounts:\n%s", got)
	}
	fd = initOpenT(t, k, "/mnt/f", vfs.O_WRONLY|vfs.O_CREAT)
	if n, _ := k.initCall("write", uint64(fd), buf, 5*4096); n != 3*4096 {
		t.Fatalf("write 20 KiB to a 12 KiB tmpfs = %d", n)
	}
	k.initCall("close", uint64(fd))
	if s := meminfoKB(t, k, "Shmem"); s != 12 {
		t.Fatalf("Shmem %d kB, want 12", s)
	}
	if r := initPathCall(t, k, "umount2", "/mnt", 0); r != 0 {
		t.Fatalf("umount = %d", r)
	}
	if s := meminfoKB(t, k, "Shmem"); s != 0 {
		t.Fatalf("Shmem %d kB after umount, want 0", s)
	}
	k.ResetUserData(1)
	src, _ = k.PushUserData(1, []byte("tmpfs\x00"))
	dst, _ = k.PushUserData(1, []byte("/mnt\x00"))
	data, _ = k.PushUserData(1, []byte("size=12q\x00"))
	if r, _ := k.initCall("mount", src, dst, src, 0, data); r != errno(abi.EINVAL) {
		t.Fatalf("mount with size=12q = %d, want EINVAL", r)
	}
}

// A ramfs write that finds no memory invokes the OOM killer, as Linux's
// page cache allocation does; the killer cannot free ramfs pages, so it
// kills the writer here, whose write stops short.
func TestRamfsWriteOutOfMemoryInvokesTheOOMKiller(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	if _, err := k.Spawn("", SpawnOptions{Argv: []string{"/bin/sh", "-c", "yes > /root/big"}}); err != nil {
		t.Fatal(err)
	}
	k.Run(Stop{For: 60e9})
	var con string
	for _, r := range k.Dmesg() {
		con += r.Text + "\n"
	}
	for _, want := range []string{"invoked oom-killer: gfp_mask=0x140cc2(GFP_HIGHUSER|__GFP_COMP), order=0",
		"Out of memory: Killed process"} {
		if !strings.Contains(con, want) {
			t.Fatalf("console lacks %q:\n%s", want, con)
		}
	}
	st, err := statPath(k, "/root/big")
	if err != nil || st.Size < 60<<20 || st.Size%4096 != 0 {
		t.Fatalf("stat /root/big: %+v %v", st, err)
	}
	cached := meminfoKB(t, k, "Cached")
	if int64(cached) != int64(rootfsKB())+st.Size>>10 {
		t.Errorf("Cached %d kB, want %d", cached, int64(rootfsKB())+st.Size>>10)
	}
	initPathCall(t, k, "unlink", "/root/big")
	if c := meminfoKB(t, k, "Cached"); c != rootfsKB() {
		t.Errorf("Cached %d kB after unlink, want %d", c, rootfsKB())
	}
}

// statPath is what stat(2) of path reports, looked up as root.
func statPath(k *Kernel, path string) (vfs.Stat, error) {
	root := vfs.Task{Cred: vfs.Root, Root: k.vfs.RootPath(), Cwd: k.vfs.RootPath()}
	p, err := k.vfs.Lookup(root, root.Cwd, path, true)
	if err != 0 {
		return vfs.Stat{}, err
	}
	return k.vfs.Getattr(p), nil
}

// With no process the OOM killer may kill (init is not its to kill), init
// filling ramfs panics the machine, as Linux does.
func TestInitFillingRamfsPanicsDeadlockedOnMemory(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	buf := zeroBuf(t, k, 64<<20)
	fd := initOpenT(t, k, "/root/big", vfs.O_WRONLY|vfs.O_CREAT)
	k.initCall("write", uint64(fd), buf, 64<<20)
	if halted, why := k.Halted(); !halted || why != "System is deadlocked on memory" {
		t.Fatalf("halted %v (%q), want the OOM panic", halted, why)
	}
}
