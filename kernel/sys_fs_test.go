package kernel

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"kplay/kernel/abi"
)

// Each file system call, as init, with its success and each errno it can
// return in kplay, asserted as the exact strace line. The errnos were
// checked against Linux 6.x (fs/open.c, fs/namei.c, fs/read_write.c, ...)
// and against what the host's kernel returns for the same calls in a
// scratch directory.

// out is an output buffer of n zero bytes pushed to init's memory; its
// address prints as "&buf" in a case's want.
type out int

// raw is bytes pushed as they are (a struct rlimit, an iovec array).
type raw []byte

// fsCase is one call and its strace line. In want, the return after
// ") = " may be an errno name alone ("ENOENT"), which stands for strace's
// "-1 ENOENT (No such file or directory)"; the padding to column 40 is
// added as strace adds it.
type fsCase struct {
	name string
	args []any
	want string
}

// straceLine pads a "call(...) = ret" line as strace does and expands a
// bare errno name.
func straceLine(s string) string {
	i := strings.LastIndex(s, ") = ")
	if i < 0 {
		return s
	}
	call, ret := s[:i+1], s[i+4:]
	if e, ok := abi.ErrnoByName(ret); ok {
		ret = abi.FormatReturn(-int64(e))
	}
	return fmt.Sprintf("%-39s = %s", call, ret)
}

// fsCall makes one system call as init with args pushed to its memory
// (strings NUL-terminated); it returns the record, its line, and the
// output buffer's address as strace prints it.
func fsCall(t *testing.T, k *Kernel, name string, args ...any) (*SyscallRecord, string, string) {
	t.Helper()
	k.ResetUserData(1)
	var a []uint64
	buf := ""
	for _, x := range args {
		var data []byte
		switch v := x.(type) {
		case string:
			data = append([]byte(v), 0)
		case raw:
			data = v
		case out:
			data = make([]byte, v)
		case int:
			a = append(a, uint64(int64(v)))
			continue
		case uint64:
			a = append(a, v)
			continue
		default:
			t.Fatalf("argument %T", x)
		}
		p, err := k.PushUserData(1, data)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := x.(out); ok {
			buf = fmt.Sprintf("%#x", p)
		}
		a = append(a, p)
	}
	rec, _, err := k.SyscallAs(1, nr(name), a...)
	if err != nil || rec == nil {
		t.Fatalf("%s: %v", name, err)
	}
	return rec, rec.String(), buf
}

func runFSCases(t *testing.T, k *Kernel, cases []fsCase) {
	t.Helper()
	for _, c := range cases {
		rec, got, buf := fsCall(t, k, c.name, c.args...)
		// "errno E..." checks the result alone, where kplay's strace
		// does not print an argument as strace does yet.
		if e, ok := strings.CutPrefix(c.want, "errno "); ok {
			if rec.Errno().Name() != e {
				t.Errorf("%s: want %s", got, e)
			}
			continue
		}
		if want := straceLine(strings.ReplaceAll(c.want, "&buf", buf)); got != want {
			t.Errorf("\n got %s\nwant %s", got, want)
		}
	}
}

// fsFixture boots a kernel with a few files in /tmp: f ("hello"), d/x (a
// directory that is not empty), e (an empty directory), and the symlinks
// lf -> f, ld -> d, loop -> loop, dangling -> nothere.
func fsFixture(t *testing.T) *Kernel {
	t.Helper()
	k, _ := boot(t, Config{Quiet: true})
	for _, c := range [][]any{
		{"mkdir", "/tmp/d", 0o755}, {"mkdir", "/tmp/e", 0o755}, {"mkdir", "/mnt", 0o755},
		{"symlink", "f", "/tmp/lf"}, {"symlink", "d", "/tmp/ld"}, {"symlink", "loop", "/tmp/loop"},
		{"symlink", "nothere", "/tmp/dangling"},
	} {
		if rec, s, _ := fsCall(t, k, c[0].(string), c[1:]...); rec.Ret < 0 {
			t.Fatal(s)
		}
	}
	for _, f := range []string{"/tmp/f", "/tmp/d/x"} {
		if err := k.WriteFile(f, []byte("hello"), false); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

func rlim(cur, max uint64) raw {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint64(b, cur)
	binary.LittleEndian.PutUint64(b[8:], max)
	return b
}

const (
	fdcwd = -100
	bad   = uint64(0xdead0000) // nothing is mapped there
)

var long256 = strings.Repeat("a", 256)

func TestFileSyscalls(t *testing.T) {
	groups := []struct {
		name  string
		cases []fsCase
	}{
		{"open", []fsCase{
			{"open", []any{"/tmp/f", 0}, `open("/tmp/f", O_RDONLY) = 3`},
			{"open", []any{"/tmp/nope", 0}, `open("/tmp/nope", O_RDONLY) = ENOENT`},
			{"open", []any{"/tmp/f", 0o301, 0o644}, `open("/tmp/f", O_WRONLY|O_CREAT|O_EXCL, 0644) = EEXIST`},
			{"open", []any{"/tmp/f/x", 0}, `open("/tmp/f/x", O_RDONLY) = ENOTDIR`},
			{"open", []any{"/tmp/f/", 0}, `open("/tmp/f/", O_RDONLY) = ENOTDIR`},
			{"open", []any{"/tmp/f", 0o200000}, `open("/tmp/f", O_RDONLY|O_DIRECTORY) = ENOTDIR`},
			{"open", []any{"/tmp/d", 1}, `open("/tmp/d", O_WRONLY) = EISDIR`},
			{"open", []any{"/tmp/d", 0o101, 0o644}, `open("/tmp/d", O_WRONLY|O_CREAT, 0644) = EISDIR`},
			{"open", []any{"/tmp/g/", 0o101, 0o644}, `open("/tmp/g/", O_WRONLY|O_CREAT, 0644) = EISDIR`},
			{"open", []any{"/tmp/loop", 0}, `open("/tmp/loop", O_RDONLY) = ELOOP`},
			{"open", []any{"/tmp/lf", 0o400000}, `open("/tmp/lf", O_RDONLY|O_NOFOLLOW) = ELOOP`},
			{"open", []any{"/tmp/lf", 0}, `open("/tmp/lf", O_RDONLY) = 4`},
			{"open", []any{"/tmp/" + long256, 0}, `open("/tmp/` + long256 + `", O_RDONLY) = ENAMETOOLONG`},
			{"open", []any{uint64(0), 0}, `open(NULL, O_RDONLY) = EFAULT`},
			{"open", []any{"", 0}, `open("", O_RDONLY) = ENOENT`},
			// O_ACCMODE itself: neither read nor write, for ioctls.
			{"open", []any{"/tmp/f", 3}, `open("/tmp/f", O_ACCMODE) = 5`},
			{"read", []any{5, out(8), 8}, `read(5, &buf, 8) = EBADF`},
			{"open", []any{"/tmp", 0o20200000}, `open("/tmp", O_RDONLY|O_TMPFILE, 000) = EINVAL`},
			// O_CREAT through a dangling symlink makes its target.
			{"open", []any{"/tmp/dangling", 0o101, 0o600}, `open("/tmp/dangling", O_WRONLY|O_CREAT, 0600) = 6`},
			{"access", []any{"/tmp/nothere", 0}, `access("/tmp/nothere", F_OK) = 0`},
			{"open", []any{"/tmp/lf", 0o400101, 0o600}, `open("/tmp/lf", O_WRONLY|O_CREAT|O_NOFOLLOW, 0600) = ELOOP`},
			{"open", []any{"/tmp/loop", 0o101, 0o600}, `open("/tmp/loop", O_WRONLY|O_CREAT, 0600) = ELOOP`},
			// Root may open a procfs file for writing; the write is EIO.
			{"open", []any{"/proc/version", 1}, `open("/proc/version", O_WRONLY) = 7`},
			{"write", []any{7, "x", 1}, `write(7, "x", 1) = EIO`},
			{"open", []any{"/proc/new", 0o101, 0o600}, `open("/proc/new", O_WRONLY|O_CREAT, 0600) = ENOENT`},
		}},
		{"openat creat close", []fsCase{
			{"openat", []any{fdcwd, "/tmp/f", 0}, `openat(AT_FDCWD, "/tmp/f", O_RDONLY) = 3`},
			{"openat", []any{fdcwd, "f", 0}, `openat(AT_FDCWD, "f", O_RDONLY) = ENOENT`},
			{"openat", []any{3, "x", 0}, `openat(3, "x", O_RDONLY) = ENOTDIR`},
			{"openat", []any{99, "x", 0}, `openat(99, "x", O_RDONLY) = EBADF`},
			{"openat", []any{99, "/tmp/f", 0}, `openat(99, "/tmp/f", O_RDONLY) = 4`},
			{"openat", []any{fdcwd, "/tmp/d", 0o200000}, `openat(AT_FDCWD, "/tmp/d", O_RDONLY|O_DIRECTORY) = 5`},
			{"openat", []any{5, "x", 0o2000000}, `openat(5, "x", O_RDONLY|O_CLOEXEC) = 6`},
			{"fcntl", []any{6, 1}, `fcntl(6, F_GETFD) = 0x1 (flags FD_CLOEXEC)`},
			{"creat", []any{"/tmp/new", 0o644}, `creat("/tmp/new", 0644) = 7`},
			{"creat", []any{"/tmp/d", 0o644}, `creat("/tmp/d", 0644) = EISDIR`},
			{"creat", []any{"/nope/x", 0o644}, `creat("/nope/x", 0644) = ENOENT`},
			{"close", []any{7}, `close(7) = 0`},
			{"close", []any{7}, `close(7) = EBADF`},
			{"close", []any{-1}, `close(-1) = EBADF`},
		}},
		{"nodev and unregistered devices", []fsCase{
			{"mknod", []any{"/tmp/c", 0o20644, 42 << 8}, `mknod("/tmp/c", S_IFCHR|0644, makedev(0x2a, 0)) = 0`},
			{"open", []any{"/tmp/c", 0}, `open("/tmp/c", O_RDONLY) = EACCES`},
			{"mknod", []any{"/dev/c", 0o20644, 42 << 8}, `mknod("/dev/c", S_IFCHR|0644, makedev(0x2a, 0)) = 0`},
			{"open", []any{"/dev/c", 0}, `open("/dev/c", O_RDONLY) = ENXIO`},
			{"mknod", []any{"/dev/m", 0o20644, 1<<8 | 99}, `mknod("/dev/m", S_IFCHR|0644, makedev(0x1, 0x63)) = 0`},
			{"open", []any{"/dev/m", 0}, `open("/dev/m", O_RDONLY) = ENXIO`},
		}},
		{"EMFILE", []fsCase{
			{"setrlimit", []any{7, rlim(4, 4096)}, `setrlimit(RLIMIT_NOFILE, {rlim_cur=4, rlim_max=4096}) = 0`},
			{"open", []any{"/tmp/f", 0}, `open("/tmp/f", O_RDONLY) = 3`},
			{"open", []any{"/tmp/f", 0}, `open("/tmp/f", O_RDONLY) = EMFILE`},
			{"dup", []any{0}, `dup(0) = EMFILE`},
			{"fcntl", []any{0, 0, 0}, `fcntl(0, F_DUPFD, 0) = EMFILE`},
			{"fcntl", []any{0, 0, 4}, `fcntl(0, F_DUPFD, 4) = EINVAL`},
			{"dup2", []any{0, 4}, `dup2(0, 4) = EBADF`},
			{"dup2", []any{0, 3}, `dup2(0, 3) = 3`},
			{"setrlimit", []any{7, rlim(5, 4)}, `setrlimit(RLIMIT_NOFILE, {rlim_cur=5, rlim_max=4}) = EINVAL`},
			{"setrlimit", []any{7, rlim(5, 2<<20)}, `setrlimit(RLIMIT_NOFILE, {rlim_cur=5, rlim_max=2097152}) = EPERM`},
			{"setrlimit", []any{7, bad}, `setrlimit(RLIMIT_NOFILE, 0xdead0000) = EFAULT`},
			{"getrlimit", []any{7, out(16)}, `getrlimit(RLIMIT_NOFILE, {rlim_cur=4, rlim_max=4096}) = 0`},
			{"getrlimit", []any{99, out(16)}, `getrlimit(0x63 /* RLIMIT_??? */, &buf) = EINVAL`},
			{"getrlimit", []any{7, bad}, `getrlimit(RLIMIT_NOFILE, 0xdead0000) = EFAULT`},
			{"prlimit64", []any{0, 7, rlim(1024, 4096), out(16)}, `prlimit64(0, RLIMIT_NOFILE, {rlim_cur=1024, rlim_max=4096}, {rlim_cur=4, rlim_max=4096}) = 0`},
			{"prlimit64", []any{99999, 7, 0, out(16)}, `prlimit64(99999, RLIMIT_NOFILE, NULL, &buf) = ESRCH`},
		}},
		{"read write", []fsCase{
			{"open", []any{"/tmp/f", 2}, `open("/tmp/f", O_RDWR) = 3`},
			{"read", []any{3, bad, 3}, `read(3, 0xdead0000, 3) = EFAULT`},
			{"read", []any{3, out(3), 3}, `read(3, "hel", 3) = 3`},
			{"read", []any{3, out(8), 8}, `read(3, "lo", 8) = 2`},
			{"read", []any{3, out(8), 8}, `read(3, "", 8) = 0`},
			{"write", []any{3, "!!", 2}, `write(3, "!!", 2) = 2`},
			{"read", []any{99, out(8), 8}, `read(99, &buf, 8) = EBADF`},
			// At the end of the file nothing is copied: no fault.
			{"read", []any{3, bad, 8}, `read(3, "", 8) = 0`},
			{"write", []any{99, "x", 1}, `write(99, "x", 1) = EBADF`},
			{"write", []any{3, uint64(0), 1}, `write(3, NULL, 1) = EFAULT`},
			{"open", []any{"/tmp/d", 0}, `open("/tmp/d", O_RDONLY) = 4`},
			{"read", []any{4, out(8), 8}, `read(4, &buf, 8) = EISDIR`},
			{"write", []any{4, "x", 1}, `write(4, "x", 1) = EBADF`},
			{"open", []any{"/tmp/f", 0}, `open("/tmp/f", O_RDONLY) = 5`},
			{"write", []any{5, "x", 1}, `write(5, "x", 1) = EBADF`},
			{"open", []any{"/dev/full", 1}, `open("/dev/full", O_WRONLY) = 6`},
			{"write", []any{6, "x", 1}, `write(6, "x", 1) = ENOSPC`},
			{"open", []any{"/tmp/f", 0o2001}, `open("/tmp/f", O_WRONLY|O_APPEND) = 7`},
			{"write", []any{7, "?", 1}, `write(7, "?", 1) = 1`},
			{"pread64", []any{5, out(16), 16, 0}, `pread64(5, "hello!!?", 16, 0) = 8`},
		}},
		{"pread64 pwrite64", []fsCase{
			{"open", []any{"/tmp/f", 2}, `open("/tmp/f", O_RDWR) = 3`},
			{"pread64", []any{3, out(3), 3, 1}, `pread64(3, "ell", 3, 1) = 3`},
			{"pread64", []any{3, out(3), 3, 9}, `pread64(3, "", 3, 9) = 0`},
			{"pread64", []any{3, out(3), 3, -1}, `pread64(3, &buf, 3, -1) = EINVAL`},
			{"pread64", []any{99, out(3), 3, 0}, `pread64(99, &buf, 3, 0) = EBADF`},
			{"pread64", []any{3, bad, 3, 0}, `pread64(3, 0xdead0000, 3, 0) = EFAULT`},
			{"pwrite64", []any{3, "J", 1, 0}, `pwrite64(3, "J", 1, 0) = 1`},
			{"pwrite64", []any{3, "J", 1, -1}, `pwrite64(3, "J", 1, -1) = EINVAL`},
			{"pwrite64", []any{0, "J", 1, 0}, `pwrite64(0, "J", 1, 0) = ESPIPE`},
			{"pread64", []any{0, out(1), 1, 0}, `pread64(0, &buf, 1, 0) = ESPIPE`},
			{"open", []any{"/tmp/d", 0}, `open("/tmp/d", O_RDONLY) = 4`},
			{"pread64", []any{4, out(1), 1, 0}, `pread64(4, &buf, 1, 0) = EISDIR`},
			{"pwrite64", []any{4, "J", 1, 0}, `pwrite64(4, "J", 1, 0) = EBADF`},
			{"read", []any{3, out(5), 5}, `read(3, "Jello", 5) = 5`},
		}},
		{"lseek", []fsCase{
			{"open", []any{"/tmp/f", 2}, `open("/tmp/f", O_RDWR) = 3`},
			{"lseek", []any{3, 2, 0}, `lseek(3, 2, SEEK_SET) = 2`},
			{"lseek", []any{3, 1, 1}, `lseek(3, 1, SEEK_CUR) = 3`},
			{"lseek", []any{3, 10, 2}, `lseek(3, 10, SEEK_END) = 15`},
			{"lseek", []any{3, -1, 0}, `lseek(3, -1, SEEK_SET) = EINVAL`},
			{"lseek", []any{3, 0, 9}, `lseek(3, 0, 0x9 /* SEEK_??? */) = EINVAL`},
			{"lseek", []any{3, 0, 3}, `lseek(3, 0, SEEK_DATA) = 0`},
			{"lseek", []any{3, 5, 3}, `lseek(3, 5, SEEK_DATA) = ENXIO`},
			{"lseek", []any{3, 1, 4}, `lseek(3, 1, SEEK_HOLE) = 5`},
			{"lseek", []any{3, 9, 4}, `lseek(3, 9, SEEK_HOLE) = ENXIO`},
			{"lseek", []any{99, 0, 0}, `lseek(99, 0, SEEK_SET) = EBADF`},
			{"lseek", []any{0, 0, 0}, `lseek(0, 0, SEEK_SET) = ESPIPE`},
			{"open", []any{"/dev/null", 0}, `open("/dev/null", O_RDONLY) = 4`},
			{"lseek", []any{4, 5, 0}, `lseek(4, 5, SEEK_SET) = 0`},
			{"open", []any{"/tmp/d", 0}, `open("/tmp/d", O_RDONLY) = 5`},
			{"lseek", []any{5, 1, 0}, `lseek(5, 1, SEEK_SET) = 1`},
			{"lseek", []any{5, 0, 2}, `lseek(5, 0, SEEK_END) = EINVAL`},
		}},
		{"readv writev", []fsCase{
			{"open", []any{"/tmp/f", 2}, `open("/tmp/f", O_RDWR) = 3`},
			{"readv", []any{3, uint64(0), 0}, `readv(3, [], 0) = 0`},
			{"readv", []any{3, uint64(0), -1}, `readv(3, NULL, -1) = EINVAL`},
			{"readv", []any{3, uint64(0), 1025}, `readv(3, NULL, 1025) = EINVAL`},
			{"readv", []any{3, bad, 1}, `readv(3, 0xdead0000, 1) = EFAULT`},
			{"readv", []any{99, bad, 1}, `readv(99, 0xdead0000, 1) = EBADF`},
			{"writev", []any{3, bad, 1}, `writev(3, 0xdead0000, 1) = EFAULT`},
			{"writev", []any{99, bad, 1}, `writev(99, 0xdead0000, 1) = EBADF`},
		}},
	}
	groups = append(groups, fsGroups2...)
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			runFSCases(t, fsFixture(t), g.cases)
		})
	}
}

var fsGroups2 = []struct {
	name  string
	cases []fsCase
}{
	{"stat lstat fstat newfstatat", []fsCase{
		{"stat", []any{"/tmp/f", out(144)}, `stat("/tmp/f", {st_mode=S_IFREG|0644, st_size=5, ...}) = 0`},
		{"stat", []any{"/tmp/lf", out(144)}, `stat("/tmp/lf", {st_mode=S_IFREG|0644, st_size=5, ...}) = 0`},
		{"lstat", []any{"/tmp/lf", out(144)}, `lstat("/tmp/lf", {st_mode=S_IFLNK|0777, st_size=1, ...}) = 0`},
		{"stat", []any{"/tmp/nope", out(144)}, `stat("/tmp/nope", &buf) = ENOENT`},
		{"stat", []any{"/tmp/f/x", out(144)}, `stat("/tmp/f/x", &buf) = ENOTDIR`},
		{"stat", []any{"/tmp/loop", out(144)}, `stat("/tmp/loop", &buf) = ELOOP`},
		{"stat", []any{"/tmp/f", bad}, `stat("/tmp/f", 0xdead0000) = EFAULT`},
		{"stat", []any{uint64(0), out(144)}, `stat(NULL, &buf) = EFAULT`},
		{"stat", []any{"/" + long256, out(144)}, `stat("/` + long256 + `", &buf) = ENAMETOOLONG`},
		{"stat", []any{"/dev/null", out(144)}, `stat("/dev/null", {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}) = 0`},
		{"fstat", []any{0, out(144)}, `fstat(0, {st_mode=S_IFCHR|0600, st_rdev=makedev(0x5, 0x1), ...}) = 0`},
		{"fstat", []any{99, out(144)}, `fstat(99, &buf) = EBADF`},
		{"fstat", []any{0, bad}, `fstat(0, 0xdead0000) = EFAULT`},
		{"open", []any{"/tmp", 0}, `open("/tmp", O_RDONLY) = 3`},
		{"newfstatat", []any{3, "f", out(144), 0}, `newfstatat(3, "f", {st_mode=S_IFREG|0644, st_size=5, ...}, 0) = 0`},
		{"newfstatat", []any{3, "lf", out(144), 0x100}, `newfstatat(3, "lf", {st_mode=S_IFLNK|0777, st_size=1, ...}, AT_SYMLINK_NOFOLLOW) = 0`},
		{"newfstatat", []any{3, "", out(144), 0x1000}, `newfstatat(3, "", {st_mode=S_IFDIR|S_ISVTX|0777, st_size=0, ...}, AT_EMPTY_PATH) = 0`},
		{"newfstatat", []any{3, "", out(144), 0}, `newfstatat(3, "", &buf, 0) = ENOENT`},
		{"newfstatat", []any{99, "", out(144), 0x1000}, `newfstatat(99, "", &buf, AT_EMPTY_PATH) = EBADF`},
		{"newfstatat", []any{99, "f", out(144), 0}, `newfstatat(99, "f", &buf, 0) = EBADF`},
		{"newfstatat", []any{99, "/tmp/f", out(144), 0}, `newfstatat(99, "/tmp/f", {st_mode=S_IFREG|0644, st_size=5, ...}, 0) = 0`},
		{"newfstatat", []any{0, "f", out(144), 0}, `newfstatat(0, "f", &buf, 0) = ENOTDIR`},
		{"newfstatat", []any{3, "f", out(144), 1}, `newfstatat(3, "f", &buf, 0x1 /* AT_??? */) = EINVAL`},
	}},
	{"access faccessat", []fsCase{
		{"access", []any{"/tmp/f", 6}, `access("/tmp/f", R_OK|W_OK) = 0`},
		{"access", []any{"/tmp/f", 1}, `access("/tmp/f", X_OK) = EACCES`},
		{"access", []any{"/bin/sh", 1}, `access("/bin/sh", X_OK) = 0`},
		{"access", []any{"/tmp/nope", 0}, `access("/tmp/nope", F_OK) = ENOENT`},
		{"access", []any{"/tmp/f", 8}, `access("/tmp/f", 0x8 /* ?_OK */) = EINVAL`},
		{"access", []any{bad, 0}, `access(0xdead0000, F_OK) = EFAULT`},
		{"faccessat", []any{fdcwd, "/tmp/f", 4}, `faccessat(AT_FDCWD, "/tmp/f", R_OK) = 0`},
		{"faccessat", []any{99, "f", 4}, `faccessat(99, "f", R_OK) = EBADF`},
		{"faccessat", []any{0, "f", 4}, `faccessat(0, "f", R_OK) = ENOTDIR`},
	}},
	{"dup dup2 dup3", []fsCase{
		{"dup", []any{0}, `dup(0) = 3`},
		{"dup", []any{99}, `dup(99) = EBADF`},
		{"dup", []any{-1}, `dup(-1) = EBADF`},
		{"dup2", []any{0, 10}, `dup2(0, 10) = 10`},
		{"dup2", []any{10, 10}, `dup2(10, 10) = 10`},
		{"dup2", []any{99, 99}, `dup2(99, 99) = EBADF`},
		{"dup2", []any{99, 5}, `dup2(99, 5) = EBADF`},
		{"dup2", []any{0, -1}, `dup2(0, -1) = EBADF`},
		{"dup2", []any{0, 1024}, `dup2(0, 1024) = EBADF`},
		{"dup3", []any{0, 11, 0o2000000}, `dup3(0, 11, O_CLOEXEC) = 11`},
		{"fcntl", []any{11, 1}, `fcntl(11, F_GETFD) = 0x1 (flags FD_CLOEXEC)`},
		{"dup3", []any{0, 0, 0}, `dup3(0, 0, 0) = EINVAL`},
		{"dup3", []any{0, 12, 1}, `dup3(0, 12, 0x1 /* O_??? */) = EINVAL`},
		{"dup3", []any{99, 12, 0}, `dup3(99, 12, 0) = EBADF`},
		{"dup3", []any{0, 1 << 20, 0}, `dup3(0, 1048576, 0) = EBADF`},
	}},
	{"fcntl", []fsCase{
		{"open", []any{"/tmp/f", 2}, `open("/tmp/f", O_RDWR) = 3`},
		{"fcntl", []any{3, 1}, `fcntl(3, F_GETFD) = 0`},
		{"fcntl", []any{3, 2, 1}, `fcntl(3, F_SETFD, FD_CLOEXEC) = 0`},
		{"fcntl", []any{3, 1}, `fcntl(3, F_GETFD) = 0x1 (flags FD_CLOEXEC)`},
		{"fcntl", []any{3, 3}, `fcntl(3, F_GETFL) = 0x8002 (flags O_RDWR|O_LARGEFILE)`},
		{"fcntl", []any{3, 4, 0o2000 | 0o1}, `fcntl(3, F_SETFL, O_WRONLY|O_APPEND) = 0`},
		{"fcntl", []any{3, 3}, `fcntl(3, F_GETFL) = 0x8402 (flags O_RDWR|O_APPEND|O_LARGEFILE)`},
		{"fcntl", []any{3, 0, 5}, `fcntl(3, F_DUPFD, 5) = 5`},
		{"fcntl", []any{5, 1}, `fcntl(5, F_GETFD) = 0`},
		{"fcntl", []any{3, 1030, 0}, `fcntl(3, F_DUPFD_CLOEXEC, 0) = 4`},
		{"fcntl", []any{4, 1}, `fcntl(4, F_GETFD) = 0x1 (flags FD_CLOEXEC)`},
		{"fcntl", []any{3, 0, -1}, `fcntl(3, F_DUPFD, -1) = EINVAL`},
		{"fcntl", []any{3, 0, 1024}, `fcntl(3, F_DUPFD, 1024) = EINVAL`},
		{"fcntl", []any{99, 1}, `fcntl(99, F_GETFD) = EBADF`},
		{"fcntl", []any{3, 999}, `fcntl(3, 0x3e7 /* F_??? */, 0) = EINVAL`},
	}},
	{"ioctl", []fsCase{
		{"ioctl", []any{1, 0x5401, out(36)}, `ioctl(1, TCGETS, {c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR, c_cflag=B38400|CS8|CREAD|HUPCL, c_lflag=ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE, ...}) = 0`},
		{"ioctl", []any{1, 0x5401, bad}, `ioctl(1, TCGETS, 0xdead0000) = EFAULT`},
		{"ioctl", []any{1, 0x1234, 0}, `ioctl(1, _IOC(_IOC_NONE, 0x12, 0x34, 0), 0) = ENOTTY`},
		{"open", []any{"/tmp/f", 0}, `open("/tmp/f", O_RDONLY) = 3`},
		{"ioctl", []any{3, 0x5401, out(36)}, `ioctl(3, TCGETS, &buf) = ENOTTY`},
		{"ioctl", []any{99, 0x5401, out(36)}, `ioctl(99, TCGETS, &buf) = EBADF`},
		{"ioctl", []any{3, 0x5451, 0}, `ioctl(3, FIOCLEX) = 0`},
		{"fcntl", []any{3, 1}, `fcntl(3, F_GETFD) = 0x1 (flags FD_CLOEXEC)`},
		{"open", []any{"/dev/null", 0}, `open("/dev/null", O_RDONLY) = 4`},
		{"ioctl", []any{4, 0x5401, out(36)}, `ioctl(4, TCGETS, &buf) = ENOTTY`},
	}},
	{"getdents64", []fsCase{
		{"open", []any{"/tmp/d", 0o200000}, `open("/tmp/d", O_RDONLY|O_DIRECTORY) = 3`},
		{"getdents64", []any{3, out(10), 10}, `getdents64(3, &buf, 10) = EINVAL`},
		{"getdents64", []any{3, bad, 100}, `getdents64(3, 0xdead0000, 100) = EFAULT`},
		// The fault left the position: the three entries come now.
		{"getdents64", []any{3, out(200), 200}, `getdents64(3, &buf /* 3 entries */, 200) = 72`},
		{"getdents64", []any{3, out(200), 200}, `getdents64(3, &buf /* 0 entries */, 200) = 0`},
		{"getdents64", []any{99, out(200), 200}, `getdents64(99, &buf, 200) = EBADF`},
		{"getdents64", []any{0, out(200), 200}, `getdents64(0, &buf, 200) = ENOTDIR`},
	}},
	{"getcwd chdir fchdir", []fsCase{
		{"getcwd", []any{out(64), 64}, `getcwd("/", 64) = 2`},
		{"chdir", []any{"/tmp/d"}, `chdir("/tmp/d") = 0`},
		{"getcwd", []any{out(64), 64}, `getcwd("/tmp/d", 64) = 7`},
		{"getcwd", []any{out(64), 7}, `getcwd("/tmp/d", 7) = 7`},
		{"getcwd", []any{out(64), 6}, `getcwd(&buf, 6) = ERANGE`},
		{"getcwd", []any{out(64), 0}, `getcwd(&buf, 0) = ERANGE`},
		{"getcwd", []any{bad, 64}, `getcwd(0xdead0000, 64) = EFAULT`},
		{"chdir", []any{"/tmp/f"}, `chdir("/tmp/f") = ENOTDIR`},
		{"chdir", []any{"/tmp/nope"}, `chdir("/tmp/nope") = ENOENT`},
		{"chdir", []any{"/tmp/loop"}, `chdir("/tmp/loop") = ELOOP`},
		{"chdir", []any{bad}, `chdir(0xdead0000) = EFAULT`},
		{"chdir", []any{".."}, `chdir("..") = 0`},
		{"getcwd", []any{out(64), 64}, `getcwd("/tmp", 64) = 5`},
		{"open", []any{"/tmp/e", 0}, `open("/tmp/e", O_RDONLY) = 3`},
		{"fchdir", []any{3}, `fchdir(3) = 0`},
		{"rmdir", []any{"/tmp/e"}, `rmdir("/tmp/e") = 0`},
		{"getcwd", []any{out(64), 64}, `getcwd(&buf, 64) = ENOENT`},
		{"fchdir", []any{0}, `fchdir(0) = ENOTDIR`},
		{"fchdir", []any{99}, `fchdir(99) = EBADF`},
		{"chdir", []any{"relative"}, `chdir("relative") = ENOENT`},
	}},
	{"mkdir mkdirat mknod", []fsCase{
		{"mkdir", []any{"/tmp/n", 0o755}, `mkdir("/tmp/n", 0755) = 0`},
		{"mkdir", []any{"/tmp/n", 0o755}, `mkdir("/tmp/n", 0755) = EEXIST`},
		{"mkdir", []any{"/tmp/lf", 0o755}, `mkdir("/tmp/lf", 0755) = EEXIST`},
		{"mkdir", []any{"/tmp/dangling", 0o755}, `mkdir("/tmp/dangling", 0755) = EEXIST`},
		{"mkdir", []any{"/tmp/x/y", 0o755}, `mkdir("/tmp/x/y", 0755) = ENOENT`},
		{"mkdir", []any{"/tmp/f/y", 0o755}, `mkdir("/tmp/f/y", 0755) = ENOTDIR`},
		{"mkdir", []any{"/", 0o755}, `mkdir("/", 0755) = EEXIST`},
		{"mkdir", []any{"/tmp/.", 0o755}, `mkdir("/tmp/.", 0755) = EEXIST`},
		{"mkdir", []any{"/tmp/" + long256, 0o755}, `mkdir("/tmp/` + long256 + `", 0755) = ENAMETOOLONG`},
		{"mkdir", []any{bad, 0o755}, `mkdir(0xdead0000, 0755) = EFAULT`},
		{"mkdir", []any{"/proc/x", 0o755}, `mkdir("/proc/x", 0755) = ENOENT`},
		{"mkdir", []any{"/tmp/t/", 0o755}, `mkdir("/tmp/t/", 0755) = 0`},
		{"stat", []any{"/tmp/t", out(144)}, `stat("/tmp/t", {st_mode=S_IFDIR|0755, st_size=0, ...}) = 0`},
		{"open", []any{"/tmp", 0}, `open("/tmp", O_RDONLY) = 3`},
		{"mkdirat", []any{3, "m", 0o700}, `mkdirat(3, "m", 0700) = 0`},
		{"mkdirat", []any{99, "m", 0o700}, `mkdirat(99, "m", 0700) = EBADF`},
		{"mkdirat", []any{0, "m", 0o700}, `mkdirat(0, "m", 0700) = ENOTDIR`},
		{"mkdirat", []any{fdcwd, "/tmp/m", 0o700}, `mkdirat(AT_FDCWD, "/tmp/m", 0700) = EEXIST`},
		{"mknod", []any{"/tmp/r", 0o100600, 0}, `mknod("/tmp/r", S_IFREG|0600) = 0`},
		{"mknod", []any{"/tmp/p", 0o10600, 0}, `mknod("/tmp/p", S_IFIFO|0600) = 0`},
		{"mknod", []any{"/tmp/r", 0o100600, 0}, `mknod("/tmp/r", S_IFREG|0600) = EEXIST`},
		{"mknod", []any{"/tmp/q", 0o40755, 0}, `mknod("/tmp/q", S_IFDIR|0755) = EPERM`},
		{"mknod", []any{"/tmp/q", 0o170755, 0}, `mknod("/tmp/q", 0170000|0755) = EINVAL`},
		{"mknod", []any{"/nope/q", 0o100600, 0}, `mknod("/nope/q", S_IFREG|0600) = ENOENT`},
	}},
	{"rmdir unlink unlinkat", []fsCase{
		{"rmdir", []any{"/tmp/e"}, `rmdir("/tmp/e") = 0`},
		{"rmdir", []any{"/tmp/e"}, `rmdir("/tmp/e") = ENOENT`},
		{"rmdir", []any{"/tmp/d"}, `rmdir("/tmp/d") = ENOTEMPTY`},
		{"rmdir", []any{"/tmp/f"}, `rmdir("/tmp/f") = ENOTDIR`},
		{"rmdir", []any{"/tmp/ld"}, `rmdir("/tmp/ld") = ENOTDIR`},
		{"rmdir", []any{"/tmp/."}, `rmdir("/tmp/.") = EINVAL`},
		{"rmdir", []any{"/tmp/d/.."}, `rmdir("/tmp/d/..") = ENOTEMPTY`},
		{"rmdir", []any{"/"}, `rmdir("/") = EBUSY`},
		{"rmdir", []any{"/proc"}, `rmdir("/proc") = EBUSY`},
		{"rmdir", []any{"/proc/sys"}, `rmdir("/proc/sys") = EPERM`},
		{"rmdir", []any{bad}, `rmdir(0xdead0000) = EFAULT`},
		{"unlink", []any{"/tmp/d"}, `unlink("/tmp/d") = EISDIR`},
		{"unlink", []any{"/tmp/f/"}, `unlink("/tmp/f/") = ENOTDIR`},
		{"unlink", []any{"/tmp/nope/"}, `unlink("/tmp/nope/") = ENOENT`},
		{"unlink", []any{"/tmp/ld/"}, `unlink("/tmp/ld/") = ENOTDIR`},
		{"unlink", []any{"/"}, `unlink("/") = EISDIR`},
		{"unlink", []any{"/proc/version"}, `unlink("/proc/version") = EPERM`},
		{"unlink", []any{"/tmp/ld"}, `unlink("/tmp/ld") = 0`},
		{"stat", []any{"/tmp/d", out(144)}, `stat("/tmp/d", {st_mode=S_IFDIR|0755, st_size=0, ...}) = 0`},
		{"open", []any{"/tmp/f", 0}, `open("/tmp/f", O_RDONLY) = 3`},
		{"unlink", []any{"/tmp/f"}, `unlink("/tmp/f") = 0`},
		{"read", []any{3, out(5), 5}, `read(3, "hello", 5) = 5`},
		{"unlinkat", []any{fdcwd, "/tmp/d/x", 0}, `unlinkat(AT_FDCWD, "/tmp/d/x", 0) = 0`},
		{"unlinkat", []any{fdcwd, "/tmp/d", 0}, `unlinkat(AT_FDCWD, "/tmp/d", 0) = EISDIR`},
		{"unlinkat", []any{fdcwd, "/tmp/d", 0x200}, `unlinkat(AT_FDCWD, "/tmp/d", AT_REMOVEDIR) = 0`},
		{"unlinkat", []any{fdcwd, "/tmp/lf", 1}, `unlinkat(AT_FDCWD, "/tmp/lf", 0x1 /* AT_??? */) = EINVAL`},
		{"unlinkat", []any{99, "lf", 0}, `unlinkat(99, "lf", 0) = EBADF`},
	}},
	{"rename renameat", []fsCase{
		{"rename", []any{"/tmp/f", "/tmp/g"}, `rename("/tmp/f", "/tmp/g") = 0`},
		{"rename", []any{"/tmp/f", "/tmp/g"}, `rename("/tmp/f", "/tmp/g") = ENOENT`},
		{"rename", []any{"/tmp/g", "/tmp/g"}, `rename("/tmp/g", "/tmp/g") = 0`},
		{"rename", []any{"/tmp/d", "/tmp/d/sub"}, `rename("/tmp/d", "/tmp/d/sub") = EINVAL`},
		{"rename", []any{"/tmp/e", "/tmp/g"}, `rename("/tmp/e", "/tmp/g") = ENOTDIR`},
		{"rename", []any{"/tmp/g", "/tmp/e"}, `rename("/tmp/g", "/tmp/e") = EISDIR`},
		{"rename", []any{"/tmp/e", "/tmp/d"}, `rename("/tmp/e", "/tmp/d") = ENOTEMPTY`},
		{"rename", []any{"/tmp/d", "/tmp/e"}, `rename("/tmp/d", "/tmp/e") = 0`},
		{"rename", []any{"/tmp/.", "/tmp/x"}, `rename("/tmp/.", "/tmp/x") = EBUSY`},
		{"rename", []any{"/tmp/g", "/tmp/.."}, `rename("/tmp/g", "/tmp/..") = EBUSY`},
		{"rename", []any{"/tmp/g", "/etc/g"}, `rename("/tmp/g", "/etc/g") = EXDEV`},
		// may_delete's type check comes before the mount point's EBUSY.
		{"rename", []any{"/etc/motd", "/proc"}, `rename("/etc/motd", "/proc") = EISDIR`},
		{"rename", []any{"/tmp/e", "/proc"}, `rename("/tmp/e", "/proc") = EXDEV`},
		{"rename", []any{"/root", "/proc"}, `rename("/root", "/proc") = EBUSY`},
		{"rename", []any{"/tmp", "/x"}, `rename("/tmp", "/x") = EBUSY`},
		{"rename", []any{"/tmp/g", "/tmp/h/"}, `rename("/tmp/g", "/tmp/h/") = ENOTDIR`},
		{"rename", []any{"/tmp/g/", "/tmp/h"}, `rename("/tmp/g/", "/tmp/h") = ENOTDIR`},
		{"rename", []any{"/tmp/e", "/tmp/e2/"}, `rename("/tmp/e", "/tmp/e2/") = 0`},
		{"rename", []any{"/tmp/g", "/tmp/f/x"}, `rename("/tmp/g", "/tmp/f/x") = ENOENT`},
		{"rename", []any{"/tmp/g", "/tmp/" + long256}, `rename("/tmp/g", "/tmp/` + long256 + `") = ENAMETOOLONG`},
		{"rename", []any{bad, "/tmp/x"}, `rename(0xdead0000, "/tmp/x") = EFAULT`},
		{"rename", []any{"/proc/version", "/proc/v2"}, `rename("/proc/version", "/proc/v2") = ENOENT`},
		{"open", []any{"/tmp", 0}, `open("/tmp", O_RDONLY) = 3`},
		{"renameat", []any{3, "g", fdcwd, "/tmp/h"}, `renameat(3, "g", AT_FDCWD, "/tmp/h") = 0`},
		{"renameat", []any{99, "h", 3, "g"}, `renameat(99, "h", 3, "g") = EBADF`},
		{"renameat", []any{0, "h", 3, "g"}, `renameat(0, "h", 3, "g") = ENOTDIR`},
	}},
	{"symlink readlink", []fsCase{
		{"symlink", []any{"f", "/tmp/s"}, `symlink("f", "/tmp/s") = 0`},
		{"symlink", []any{"f", "/tmp/s"}, `symlink("f", "/tmp/s") = EEXIST`},
		{"symlink", []any{"", "/tmp/t"}, `symlink("", "/tmp/t") = ENOENT`},
		{"symlink", []any{"f", "/nope/t"}, `symlink("f", "/nope/t") = ENOENT`},
		{"symlink", []any{bad, "/tmp/t"}, `symlink(0xdead0000, "/tmp/t") = EFAULT`},
		{"symlink", []any{strings.Repeat("a", 4096), "/tmp/t"}, `errno ENAMETOOLONG`},
		{"symlink", []any{"x", "/proc/y"}, `symlink("x", "/proc/y") = ENOENT`},
		{"readlink", []any{"/tmp/s", out(64), 64}, `readlink("/tmp/s", "f", 64) = 1`},
		{"readlink", []any{"/tmp/dangling", out(3), 3}, `readlink("/tmp/dangling", "not", 3) = 3`},
		{"readlink", []any{"/tmp/f", out(64), 64}, `readlink("/tmp/f", &buf, 64) = EINVAL`},
		{"readlink", []any{"/tmp/s", out(64), 0}, `readlink("/tmp/s", &buf, 0) = EINVAL`},
		{"readlink", []any{"/tmp/nope", out(64), 64}, `readlink("/tmp/nope", &buf, 64) = ENOENT`},
		{"readlink", []any{"", out(64), 64}, `readlink("", &buf, 64) = ENOENT`},
		{"readlink", []any{"/tmp/s", bad, 64}, `readlink("/tmp/s", 0xdead0000, 64) = EFAULT`},
		{"readlink", []any{"/proc/self", out(64), 64}, `readlink("/proc/self", "1", 64) = 1`},
	}},
	{"truncate ftruncate", []fsCase{
		{"truncate", []any{"/tmp/f", 2}, `truncate("/tmp/f", 2) = 0`},
		{"stat", []any{"/tmp/f", out(144)}, `stat("/tmp/f", {st_mode=S_IFREG|0644, st_size=2, ...}) = 0`},
		{"truncate", []any{"/tmp/f", -1}, `truncate("/tmp/f", -1) = EINVAL`},
		{"truncate", []any{"/tmp/d", 0}, `truncate("/tmp/d", 0) = EISDIR`},
		{"truncate", []any{"/dev/null", 0}, `truncate("/dev/null", 0) = EINVAL`},
		{"truncate", []any{"/tmp/nope", 0}, `truncate("/tmp/nope", 0) = ENOENT`},
		{"truncate", []any{"/tmp/f", 1 << 40}, `truncate("/tmp/f", 1099511627776) = EFBIG`},
		{"open", []any{"/tmp/f", 2}, `open("/tmp/f", O_RDWR) = 3`},
		{"ftruncate", []any{3, 8}, `ftruncate(3, 8) = 0`},
		{"pread64", []any{3, out(8), 8, 0}, `pread64(3, "he\0\0\0\0\0\0", 8, 0) = 8`},
		{"ftruncate", []any{3, -1}, `ftruncate(3, -1) = EINVAL`},
		{"ftruncate", []any{99, 0}, `ftruncate(99, 0) = EBADF`},
		{"ftruncate", []any{0, 0}, `ftruncate(0, 0) = EINVAL`},
		{"open", []any{"/tmp/f", 0}, `open("/tmp/f", O_RDONLY) = 4`},
		{"ftruncate", []any{4, 0}, `ftruncate(4, 0) = EINVAL`},
		{"open", []any{"/tmp/d", 0}, `open("/tmp/d", O_RDONLY) = 5`},
		{"ftruncate", []any{5, 0}, `ftruncate(5, 0) = EINVAL`},
	}},
	{"chmod chown umask sync", []fsCase{
		{"chmod", []any{"/tmp/f", 0o4755}, `chmod("/tmp/f", 04755) = 0`},
		{"stat", []any{"/tmp/f", out(144)}, `stat("/tmp/f", {st_mode=S_IFREG|S_ISUID|0755, st_size=5, ...}) = 0`},
		{"chmod", []any{"/tmp/nope", 0o644}, `chmod("/tmp/nope", 0644) = ENOENT`},
		{"chmod", []any{bad, 0o644}, `chmod(0xdead0000, 0644) = EFAULT`},
		{"chown", []any{"/tmp/f", 1000, -1}, `chown("/tmp/f", 1000, -1) = 0`},
		{"stat", []any{"/tmp/f", out(144)}, `stat("/tmp/f", {st_mode=S_IFREG|0755, st_size=5, ...}) = 0`},
		{"chown", []any{"/tmp/nope", 0, 0}, `chown("/tmp/nope", 0, 0) = ENOENT`},
		{"lchown", []any{"/tmp/lf", 1000, 1000}, `lchown("/tmp/lf", 1000, 1000) = 0`},
		{"lchown", []any{"/tmp/loop", 0, 0}, `lchown("/tmp/loop", 0, 0) = 0`},
		{"chown", []any{"/tmp/loop", 0, 0}, `chown("/tmp/loop", 0, 0) = ELOOP`},
		{"open", []any{"/tmp/f", 0}, `open("/tmp/f", O_RDONLY) = 3`},
		{"fchmod", []any{3, 0o600}, `fchmod(3, 0600) = 0`},
		{"fchmod", []any{99, 0o600}, `fchmod(99, 0600) = EBADF`},
		{"fchown", []any{3, 0, 0}, `fchown(3, 0, 0) = 0`},
		{"fchown", []any{99, 0, 0}, `fchown(99, 0, 0) = EBADF`},
		{"umask", []any{0o77}, `umask(077) = 022`},
		{"umask", []any{0o7777}, `umask(07777) = 077`},
		{"umask", []any{0o22}, `umask(022) = 0777`},
		{"sync", nil, `sync() = 0`},
	}},
	{"mount umount2 EROFS EBUSY", []fsCase{
		{"mount", []any{"none", "/mnt", "tmpfs", 1, 0}, `mount("none", "/mnt", "tmpfs", MS_RDONLY, NULL) = 0`},
		{"open", []any{"/mnt/x", 0o101, 0o644}, `open("/mnt/x", O_WRONLY|O_CREAT, 0644) = EROFS`},
		{"mkdir", []any{"/mnt/x", 0o755}, `mkdir("/mnt/x", 0755) = EROFS`},
		{"access", []any{"/mnt", 2}, `access("/mnt", W_OK) = EROFS`},
		{"chmod", []any{"/mnt", 0o700}, `chmod("/mnt", 0700) = EROFS`},
		{"mount", []any{"none", "/nope", "tmpfs", 0, 0}, `mount("none", "/nope", "tmpfs", 0, NULL) = ENOENT`},
		{"mount", []any{"none", "/tmp/f", "tmpfs", 0, 0}, `mount("none", "/tmp/f", "tmpfs", 0, NULL) = ENOTDIR`},
		{"mount", []any{"none", "/tmp/e", "nofs", 0, 0}, `mount("none", "/tmp/e", "nofs", 0, NULL) = ENODEV`},
		{"mount", []any{"none", "/tmp/e", bad, 0, 0}, `mount("none", "/tmp/e", 0xdead0000, 0, NULL) = EFAULT`},
		{"mount", []any{"none", "/tmp/e", 0, 0, 0}, `mount("none", "/tmp/e", NULL, 0, NULL) = EINVAL`},
		{"chdir", []any{"/mnt"}, `chdir("/mnt") = 0`},
		{"umount2", []any{"/mnt", 0}, `umount2("/mnt", 0) = EBUSY`},
		{"chdir", []any{"/"}, `chdir("/") = 0`},
		{"umount2", []any{"/tmp/e", 0}, `umount2("/tmp/e", 0) = EINVAL`},
		{"umount2", []any{"/mnt", 0x100}, `umount2("/mnt", 0x100 /* MNT_??? */) = EINVAL`},
		{"umount2", []any{"/nope", 0x100}, `umount2("/nope", 0x100 /* MNT_??? */) = EINVAL`}, // flags before the lookup
		{"umount2", []any{"/nope", 0}, `umount2("/nope", 0) = ENOENT`},
		{"umount2", []any{"/", 0}, `umount2("/", 0) = EBUSY`},
		{"umount2", []any{"/mnt", 0}, `umount2("/mnt", 0) = 0`},
		{"umount2", []any{"/mnt", 0}, `umount2("/mnt", 0) = EINVAL`},
		{"mount", []any{"none", "/mnt", "tmpfs", 0, "size=8k"}, `mount("none", "/mnt", "tmpfs", 0, "size=8k") = 0`},
		// init, the REPL's shell, cannot replace itself, but the file's
		// checks come first.
		{"execve", []any{"/bin/true", 0, 0}, `execve("/bin/true", NULL, NULL) = EPERM`},
		{"execve", []any{"/bin/nope", 0, 0}, `execve("/bin/nope", NULL, NULL) = ENOENT`},
		{"execve", []any{"/etc/motd", 0, 0}, `execve("/etc/motd", NULL, NULL) = EACCES`},
		{"execve", []any{0, 0, 0}, `execve(NULL, NULL, NULL) = EFAULT`},
	}},
}

func TestNothingIsMadeInARemovedDirectory(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	for _, c := range []struct {
		name string
		args []any
		want string
	}{
		{"mkdir", []any{"/tmp/d", 0o755}, `mkdir("/tmp/d", 0755) = 0`},
		{"chdir", []any{"/tmp/d"}, `chdir("/tmp/d") = 0`},
		{"rmdir", []any{"/tmp/d"}, `rmdir("/tmp/d") = 0`},
		// may_create's IS_DEADDIR, and lookups in it (__lookup_slow).
		{"mkdir", []any{"sub", 0o755}, `mkdir("sub", 0755) = ENOENT`},
		{"open", []any{"f", 0o101, 0o644}, `open("f", O_WRONLY|O_CREAT, 0644) = ENOENT`},
		{"symlink", []any{"x", "l"}, `symlink("x", "l") = ENOENT`},
		{"access", []any{"anything", 0}, `access("anything", F_OK) = ENOENT`},
		{"chdir", []any{"."}, `chdir(".") = 0`},
	} {
		if _, got, _ := fsCall(t, k, c.name, c.args...); got != straceLine(c.want) {
			t.Errorf("got  %s\nwant %s", got, straceLine(c.want))
		}
	}
}

func TestAnEmptyPathIsENOENTBeforeItsDirfdIsLookedAt(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	for _, c := range []struct {
		name string
		args []any
		want string
	}{
		{"openat", []any{1, "", 0}, `openat(1, "", O_RDONLY) = ENOENT`},
		{"unlinkat", []any{99, "", 0}, `unlinkat(99, "", 0) = ENOENT`},
		{"mkdirat", []any{99, "", 0o755}, `mkdirat(99, "", 0755) = ENOENT`},
		{"openat", []any{99, "x", 0}, `openat(99, "x", O_RDONLY) = EBADF`},
	} {
		if _, got, _ := fsCall(t, k, c.name, c.args...); got != straceLine(c.want) {
			t.Errorf("got  %s\nwant %s", got, straceLine(c.want))
		}
	}
}
