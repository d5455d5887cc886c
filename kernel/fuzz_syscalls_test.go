package kernel

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"testing"

	"kplay/kernel/abi"
	"kplay/kernel/vfs"
)

// FuzzSyscalls decodes its input into a sequence of system calls made by
// init on a freshly booted kernel, with arguments drawn from what breaks
// kernels: small and huge numbers, open and closed descriptors, pointers
// to interesting paths in init's memory and pointers outside it. After
// each call it checks the kernel's invariants (checkInvariants): no Go
// panic escaped, the fd tables and reference counts agree, and the slab
// and page accounting add up.
//
// The input is read as: two bytes (little-endian) of the call's number,
// modulo fuzzMaxNr, then for each of its six arguments one byte choosing a
// kind (fuzzArg) and the bytes that kind consumes. Numbers, not indexes,
// so that corpus files keep their meaning as calls are added. A fresh
// boot per input makes every crasher replay on its own.
func FuzzSyscalls(f *testing.F) {
	for _, seed := range fuzzSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		k, out := boot(t, Config{Quiet: true})
		runFuzzCalls(t, k, out, data)
	})
}

// fuzzSkip are the calls the fuzzer does not make: those that end init or
// the session (exit, exit_group, kill, execve by init), or sleep on
// purpose (nanosleep, clock_nanosleep, wait4, alarm).
var fuzzSkip = map[string]bool{"exit": true, "exit_group": true, "kill": true, "execve": true,
	"nanosleep": true, "clock_nanosleep": true, "wait4": true, "alarm": true}

// fuzzMaxNr bounds the call numbers drawn: x86-64's table ends below it,
// so unimplemented numbers come up too (ENOSYS).
const fuzzMaxNr = 335

// fuzzCalls are the implemented calls the fuzzer makes, by number. (A
// function: the table fills in the files' init funcs, after package
// variables.)
func fuzzCalls() []int {
	var out []int
	for n := range syscallTable {
		if name, _ := abi.SyscallName(n); !fuzzSkip[name] {
			out = append(out, n)
		}
	}
	sort.Ints(out)
	return out
}

// fuzzPaths are the path strings a pointer argument may point at.
var fuzzPaths = []string{
	"/", "/tmp", "/tmp/a", "/tmp/b/", "/tmp/d", "/tmp/d/x", "/proc/self/fd", "/proc/self", "/proc/1/fd/0",
	"/dev/null", "/dev/zero", "/dev/full", "/dev/console", "/dev/tty", "/dev/urandom", "..", ".", "",
	"/etc/motd", "/etc/passwd", "/bin/sh", "/bin/cat", "/proc", "/proc/sys/kernel/hostname", "/mnt",
	"/tmp/l", "a/b/../c", "/tmp/" + strings.Repeat("n", 255), "/tmp/" + strings.Repeat("n", 256),
	strings.Repeat("/", 4095), strings.Repeat("x/", 2100), "tmpfs", "proc", "/sys", "/tmp/a/",
}

// fuzzBadPtrs are pointers outside init's memory, or at its edges.
var fuzzBadPtrs = []uint64{
	0, 1, 0xdead0000, 0xffffffff81000000, stackTop, stackTop - 1, stackTop - 8, 1 << 47,
	^uint64(0), ^uint64(0) - 4095, 0x400000,
}

// fuzzReader hands out the input's bytes, then zeros.
type fuzzReader struct{ b []byte }

func (r *fuzzReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *fuzzReader) bytes(n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = r.byte()
	}
	return out
}

// fuzzArg decodes one argument.
func fuzzArg(k *Kernel, r *fuzzReader, fds []int) uint64 {
	push := func(b []byte) uint64 {
		p, err := k.PushUserData(1, b)
		if err != nil {
			return 0
		}
		return p
	}
	switch r.byte() % 9 {
	case 0: // a small signed number
		return uint64(int64(int8(r.byte())))
	case 1: // a descriptor: open ones, std ones, and bad ones
		c := []int{0, 1, 2, 3, 4, 5, -1, atFdcwd, 1023, 1024, 4096, 1 << 30}
		c = append(c, fds...)
		return uint64(int64(c[int(r.byte())%len(c)]))
	case 2: // a path from the dictionary
		return push(append([]byte(fuzzPaths[int(r.byte())%len(fuzzPaths)]), 0))
	case 3: // a pointer outside mapped memory
		return fuzzBadPtrs[int(r.byte())%len(fuzzBadPtrs)]
	case 4: // flags: 32 random bits
		return uint64(binary.LittleEndian.Uint32(r.bytes(4)))
	case 5: // a writable buffer of zeros
		return push(make([]byte, 8*int(r.byte())))
	case 6: // any 64-bit value
		return binary.LittleEndian.Uint64(r.bytes(8))
	case 7: // a structure from the input (rlimit, timespec, ...)
		return push(r.bytes(int(r.byte() % 64)))
	default: // an iovec array over one buffer, maybe past the end
		buf := push(make([]byte, 64))
		n := int(r.byte()%4) + 1
		iov := make([]byte, 16*n)
		for i := 0; i < n; i++ {
			binary.LittleEndian.PutUint64(iov[16*i:], buf+uint64(8*i))
			binary.LittleEndian.PutUint64(iov[16*i+8:], uint64(r.byte()))
		}
		return push(iov)
	}
}

// fdReturning are the calls whose result is a new descriptor.
var fdReturning = map[string]bool{"open": true, "openat": true, "creat": true, "dup": true,
	"dup2": true, "dup3": true, "fcntl": true}

func runFuzzCalls(t *testing.T, k *Kernel, out interface{ String() string }, data []byte) {
	r := &fuzzReader{b: data}
	var fds []int
	for n := 0; len(r.b) > 0 && n < 64; n++ {
		nr := int(binary.LittleEndian.Uint16(r.bytes(2)) % fuzzMaxNr)
		name, _ := abi.SyscallName(nr)
		k.ResetUserData(1)
		var args [6]uint64
		for i := range args {
			args[i] = fuzzArg(k, r, fds)
		}
		if fuzzSkip[name] {
			continue
		}
		limit := k.initTsk.rlim[rlimitNofile].cur
		rec, _, err := k.SyscallAs(1, nr, args[:]...)
		call := fmt.Sprintf("%s(%#x, %#x, %#x, %#x, %#x, %#x)", name, args[0], args[1], args[2], args[3], args[4], args[5])
		// init filling ramfs (rootfs) until no page is left panics the
		// machine, as in Linux: the OOM killer cannot free page cache
		// without swap, and init is not its to kill. A legitimate end.
		if halted, why := k.Halted(); halted && strings.Contains(why, "System is deadlocked on memory") {
			return
		}
		if err != nil || rec == nil {
			t.Fatalf("%s did not complete: %v", call, err)
		}
		line := rec.String()
		if fdReturning[name] && rec.Ret >= 0 && !(name == "fcntl" && int32(args[1]) != fDupfd && int32(args[1]) != fDupfdCloexec) {
			if uint64(rec.Ret) >= limit {
				t.Fatalf("%s: fd %d at or past RLIMIT_NOFILE %d", line, rec.Ret, limit)
			}
			fds = append(fds, int(rec.Ret))
		}
		if err := checkInvariants(k, out.String()); err != nil {
			t.Fatalf("after %s\n(%s): %v", line, call, err)
		}
	}
}

// checkInvariants is what must hold between any two system calls.
func checkInvariants(k *Kernel, console string) error {
	if halted, why := k.Halted(); halted {
		return fmt.Errorf("machine halted: %s", why)
	}
	for _, bad := range []string{"Oops", "BUG:", "WARNING:"} {
		if strings.Contains(console, bad) {
			return fmt.Errorf("console shows %q:\n%s", bad, console)
		}
	}
	// fd tables: each open file has at least as many references as slots.
	slots := map[*vfs.File]int{}
	tables := map[*FilesStruct]bool{}
	for _, t := range k.sortedTasks() {
		fs := t.Files
		if fs == nil || tables[fs] {
			continue
		}
		tables[fs] = true
		if len(fs.fds) != len(fs.cloexec) {
			return fmt.Errorf("pid %d: %d fds, %d close-on-exec bits", t.PID, len(fs.fds), len(fs.cloexec))
		}
		for fd, f := range fs.fds {
			if f == nil {
				if fs.cloexec[fd] {
					return fmt.Errorf("pid %d: closed fd %d is close-on-exec", t.PID, fd)
				}
				continue
			}
			if err := f.CheckFile(); err != nil {
				return fmt.Errorf("pid %d fd %d: %v", t.PID, fd, err)
			}
			slots[f]++
		}
	}
	for f, n := range slots {
		if f.Count < n {
			return fmt.Errorf("file %s: f_count %d, %d descriptors", k.vfs.PathString(f.Path), f.Count, n)
		}
	}
	if err := k.vfs.Check(); err != nil {
		return err
	}
	// Slab accounting: the VFS's live objects are the caches' objects in use.
	inUse := map[string]int{}
	for _, c := range k.SlabCaches() {
		inUse[c.Name] = c.InUse
		if c.InUse > c.NumObjs || c.InUse < 0 {
			return fmt.Errorf("slab %s: %d in use of %d", c.Name, c.InUse, c.NumObjs)
		}
	}
	if inUse["dentry"] != k.vfs.NrDentry || inUse["inode_cache"] != k.vfs.NrInodes {
		return fmt.Errorf("slab dentry %d, nr_dentry %d; inode_cache %d, nr_inodes %d",
			inUse["dentry"], k.vfs.NrDentry, inUse["inode_cache"], k.vfs.NrInodes)
	}
	if inUse["filp"] < len(slots) {
		return fmt.Errorf("slab filp %d in use, %d files open", inUse["filp"], len(slots))
	}
	// Page accounting, per zone: the free lists hold Free pages, and
	// free plus allocated pages are the managed ones.
	for _, z := range k.pm.Zones {
		if z == nil {
			continue
		}
		listed := 0
		for o, a := range z.Areas {
			listed += a.NrFree << o
		}
		used := 0
		for pfn := z.StartPFN; pfn < z.StartPFN+z.Spanned; pfn++ {
			if k.pm.Pages[pfn].Refcount > 0 {
				used++
			}
		}
		if listed != z.Free || z.Free+used != z.Managed {
			return fmt.Errorf("zone %d: free %d, on free lists %d, used %d, managed %d", z.Type, z.Free, listed, used, z.Managed)
		}
	}
	return nil
}

// fuzzSeeds are the seed corpus: each call once with arguments that reach
// its work, and a few sequences (open, read, dup, close; mkdir, chdir,
// rmdir). kernel/testdata/fuzz/FuzzSyscalls holds the crashers found.
func fuzzSeeds() [][]byte {
	path := func(p string) []byte {
		for i, s := range fuzzPaths {
			if s == p {
				return []byte{2, byte(i)}
			}
		}
		panic("no fuzz path " + p)
	}
	small := func(v int8) []byte { return []byte{0, byte(v)} }
	fd := func(v byte) []byte { return []byte{1, v} } // index into the fd choices
	buf := func(n byte) []byte { return []byte{5, n} }
	call := func(name string, args ...[]byte) []byte {
		b := binary.LittleEndian.AppendUint16(nil, uint16(nr(name)))
		for _, a := range args {
			b = append(b, a...)
		}
		for i := len(args); i < 6; i++ {
			b = append(b, 0, 0) // a small 0
		}
		return b
	}
	seq := func(calls ...[]byte) []byte {
		var b []byte
		for _, c := range calls {
			b = append(b, c...)
		}
		return b
	}
	var seeds [][]byte
	for _, n := range fuzzCalls() {
		name, _ := abi.SyscallName(n)
		seeds = append(seeds, call(name, fd(0), buf(8), small(8)))
	}
	seeds = append(seeds, call("socket", small(2), small(1))) // ENOSYS
	return append(seeds,
		seq(call("open", path("/tmp/a"), []byte{4, 0o102, 0, 0, 0}, small(0o66)), call("write", fd(3), path("/etc/motd"), small(9)),
			call("lseek", fd(3), small(0), small(0)), call("read", fd(3), buf(4), small(32)), call("dup", fd(3)),
			call("dup2", fd(3), fd(8)), call("close", fd(3)), call("fstat", fd(4), buf(18)), call("unlink", path("/tmp/a"))),
		seq(call("mkdir", path("/tmp/d"), small(0o70)), call("chdir", path("/tmp/d")), call("getcwd", buf(8), small(64)),
			call("open", path("."), small(0)), call("getdents64", fd(3), buf(32), small(127)), call("rmdir", path("/tmp/d")),
			call("getcwd", buf(8), small(64)), call("fchdir", fd(3))),
		seq(call("mount", path("tmpfs"), path("/mnt"), path("tmpfs"), small(1)), call("open", path("/mnt"), small(0)),
			call("umount2", path("/mnt"), small(0)), call("close", fd(3)), call("umount2", path("/mnt"), small(2))),
		seq(call("setrlimit", small(7), []byte{7, 16, 3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0}),
			call("open", path("/dev/null"), small(0)), call("dup", fd(0))),
		seq(call("readv", fd(0), []byte{8, 3, 10, 20, 30, 40}, small(4)), call("writev", fd(1), []byte{8, 1, 3, 4}, small(2))),
		seq(call("open", path("/proc/self/fd"), small(0)), call("getdents64", fd(3), buf(100), small(127)),
			call("readlink", path("/proc/1/fd/0"), buf(8), small(64))),
		seq(call("fork"), call("getpid"), call("brk", small(0)), call("munmap", []byte{6, 0, 0xe0, 0xff, 0xff, 0xff, 0x7f, 0, 0}, small(64))),
	)
}
