package kernel

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"kplay/kernel/abi"
	"kplay/kernel/vfs"
)

// kplay's user space: the programs in /bin. Each is written against the
// system call interface only — User.Syscall traps into the kernel as the
// task, exactly as the program language's syscall statement does, and
// User.Load reads the task's own memory — so strace shows everything they
// do, and they meet every errno a C program would.

// builtinFunc is a built-in program's main: it returns the exit status.
type builtinFunc func(u *User, argv []string) int

// builtins are /bin's programs by name.
var builtins map[string]builtinFunc

func init() {
	builtins = map[string]builtinFunc{
		"cat": cat, "echo": echo, "id": id, "ls": ls, "sh": sh, "yes": yes, "sleep": sleepProg,
		"true":  func(*User, []string) int { return 0 },
		"false": func(*User, []string) int { return 1 },
	}
}

// BuiltinPrograms lists /bin's programs, sorted.
func BuiltinPrograms() []string {
	var out []string
	for n := range builtins {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// User is a built-in program's view of its task: system calls and its own
// memory.
type User struct {
	k *Kernel
	t *Task
}

// atFdcwdReg is AT_FDCWD as a register holds it. The programs open
// files with openat(AT_FDCWD, ...), as glibc's open() has since 2.26, so
// strace shows what it shows for the real tools.
const atFdcwdReg = ^uint64(-atFdcwd - 1)

// Syscall traps into the kernel with a call by name.
func (u *User) Syscall(name string, args ...uint64) int64 {
	return u.k.trap(u.t, nr(name), args...)
}

// Str places a NUL-terminated string in the task's memory (on its stack,
// for the next call) and returns its address.
func (u *User) Str(s string) uint64 { return u.k.pushUser(u.t, append([]byte(s), 0)) }

// Buf reserves n bytes of the task's stack for the next call to fill.
func (u *User) Buf(n int) uint64 { return u.k.pushUser(u.t, make([]byte, n)) }

// Load reads n bytes of the task's own memory.
func (u *User) Load(addr uint64, n int) []byte {
	b := make([]byte, n)
	got, _ := u.t.MM.CopyFromUser(b, addr)
	return b[:got]
}

// Write writes s to fd whole (looping over short writes), and returns
// the first error.
func (u *User) Write(fd int, s string) int64 {
	for len(s) > 0 {
		chunk := s[:min(len(s), bufsiz)]
		n := u.Syscall("write", uint64(fd), u.Str(chunk), uint64(len(chunk)))
		if n <= 0 {
			return n
		}
		s = s[n:]
	}
	return 0
}

// Errorf writes "prog: message\n" to standard error.
func (u *User) Errorf(format string, args ...any) {
	u.Write(2, fmt.Sprintf(format, args...)+"\n")
}

// Fork makes a child process that runs child and exits with its status;
// it returns the child's pid, or -errno.
func (u *User) Fork(child func(c *User) int) int64 {
	u.t.forkImage = image{builtin: func(c *User, _ []string) int { return child(c) }}
	return u.Syscall("fork")
}

// strerror is the C library's message for an errno.
func strerror(ret int64) string { return abi.Errno(-ret).Error() }

// cat copies its files, or its standard input, to standard output.
func cat(u *User, argv []string) int {
	files := argv[1:]
	if len(files) == 0 {
		files = []string{"-"}
	}
	status := 0
	for _, f := range files {
		fd := int64(0)
		if f != "-" {
			if fd = u.Syscall("openat", atFdcwdReg, u.Str(f), vfs.O_RDONLY); fd < 0 {
				u.Errorf("cat: %s: %s", f, strerror(fd))
				status = 1
				continue
			}
		}
		for {
			buf := u.Buf(4096)
			n := u.Syscall("read", uint64(fd), buf, 4096)
			if n < 0 {
				u.Errorf("cat: %s: %s", f, strerror(n))
				status = 1
				break
			}
			if n == 0 {
				break
			}
			if w := u.Syscall("write", 1, buf, uint64(n)); w < 0 {
				u.Errorf("cat: write error: %s", strerror(w))
				return 1
			}
		}
		if fd != 0 {
			u.Syscall("close", uint64(fd))
		}
	}
	return status
}

// echo prints its arguments separated by spaces; -n drops the newline.
func echo(u *User, argv []string) int {
	args, nl := argv[1:], "\n"
	if len(args) > 0 && args[0] == "-n" {
		args, nl = args[1:], ""
	}
	if u.Write(1, strings.Join(args, " ")+nl) < 0 {
		return 1
	}
	return 0
}

// yes prints its argument, or y, for ever (until a signal such as
// SIGPIPE ends it). As coreutils' yes does, it writes a buffer of as many
// whole lines as fit in BUFSIZ (8 KiB), one line if it is longer.
func yes(u *User, argv []string) int {
	line := "y\n"
	if len(argv) > 1 {
		line = strings.Join(argv[1:], " ") + "\n"
	}
	buf := strings.Repeat(line, max(1, bufsiz/len(line)))
	for {
		if u.Write(1, buf) < 0 {
			return 1
		}
	}
}

// bufsiz is the C library's BUFSIZ: yes's buffer, and the most User.Write
// hands write(2) at once.
const bufsiz = 8192

// sleepProg sleeps for its argument in seconds (decimals allowed).
func sleepProg(u *User, argv []string) int {
	if len(argv) < 2 {
		u.Errorf("sleep: missing operand")
		return 1
	}
	secs, err := strconv.ParseFloat(argv[1], 64)
	if err != nil || secs < 0 {
		u.Errorf("sleep: invalid time interval '%s'", argv[1])
		return 1
	}
	ns := int64(secs * 1e9)
	var b [16]byte
	binary.LittleEndian.PutUint64(b[0:], uint64(ns/1e9))
	binary.LittleEndian.PutUint64(b[8:], uint64(ns%1e9))
	u.Syscall("nanosleep", u.k.pushUser(u.t, b[:]), 0)
	return 0
}

// dirent is one record getdents64 returned.
type dirent struct {
	name  string
	dtype uint8
}

// readDir lists a directory through open and getdents64.
// The directory stays open until the caller calls done (after its lstat
// calls, as GNU ls's fts keeps it: ls -l /proc/self/fd shows it).
func (u *User) readDir(path string) (ents []dirent, done func(), err int64) {
	fd := u.Syscall("openat", atFdcwdReg, u.Str(path), vfs.O_RDONLY|vfs.O_DIRECTORY|vfs.O_CLOEXEC)
	if fd < 0 {
		return nil, func() {}, fd
	}
	done = func() { u.Syscall("close", uint64(fd)) }
	for {
		buf := u.Buf(4096)
		n := u.Syscall("getdents64", uint64(fd), buf, 4096)
		if n < 0 {
			done()
			return nil, func() {}, n
		}
		if n == 0 {
			return ents, done, 0
		}
		ents = append(ents, parseDirents(u.Load(buf, int(n)))...)
	}
}

// parseDirents decodes the linux_dirent64 records getdents64 filled:
// d_ino, d_off, d_reclen, d_type, then the NUL-terminated name.
func parseDirents(b []byte) []dirent {
	var out []dirent
	for off := 0; off+19 <= len(b); {
		reclen := int(binary.LittleEndian.Uint16(b[off+16:]))
		if reclen == 0 || off+reclen > len(b) {
			break
		}
		out = append(out, dirent{name: string(cstr(b[off+19 : off+reclen])), dtype: b[off+18]})
		off += reclen
	}
	return out
}

// ls lists directories (names sorted, one per line, dot files with -a);
// -l adds the mode, links, owner and group ids, and size (as ls -ln, less
// the time).
func ls(u *User, argv []string) int {
	all, long := false, false
	var paths []string
	for _, a := range argv[1:] {
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			all = all || strings.Contains(a, "a")
			long = long || strings.Contains(a, "l")
			continue
		}
		paths = append(paths, a)
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	status := 0
	listed := 0
	for _, p := range paths {
		ents, done, err := u.readDir(p)
		if long && u.isSymlink(p) {
			done()
			err = -int64(abi.ENOTDIR) // ls -l shows a symlink operand itself
		}
		if err == -int64(abi.ENOTDIR) {
			u.Write(1, u.lsLine(p, p, long)) // a file operand: no heading
			listed++
			continue
		}
		if err < 0 {
			u.Errorf("ls: cannot access '%s': %s", p, strerror(err))
			status = 2
			continue
		}
		if len(paths) > 1 { // a heading for each directory that exists
			if listed > 0 {
				u.Write(1, "\n")
			}
			u.Write(1, p+":\n")
		}
		listed++
		sort.Slice(ents, func(i, j int) bool { return ents[i].name < ents[j].name })
		var out strings.Builder
		for _, e := range ents {
			if !all && strings.HasPrefix(e.name, ".") {
				continue
			}
			out.WriteString(u.lsLine(strings.TrimSuffix(p, "/")+"/"+e.name, e.name, long))
		}
		done()
		u.Write(1, out.String())
	}
	return status
}

// isSymlink reports whether lstat finds a symlink at path.
func (u *User) isSymlink(path string) bool {
	buf := u.Buf(statSize)
	if u.Syscall("lstat", u.Str(path), buf) < 0 {
		return false
	}
	return binary.LittleEndian.Uint32(u.Load(buf, statSize)[24:])&vfs.S_IFMT == vfs.S_IFLNK
}

// lsLine is one line of ls: the name, or with -l its stat.
func (u *User) lsLine(path, name string, long bool) string {
	if !long {
		return name + "\n"
	}
	buf := u.Buf(statSize)
	if r := u.Syscall("lstat", u.Str(path), buf); r < 0 {
		return fmt.Sprintf("?????????? ? ? ? ? %s\n", name)
	}
	e := statEntry(u.Load(buf, statSize), name)
	size := fmt.Sprint(e.Size)
	if e.Rdev != "" {
		size = strings.Replace(e.Rdev, ":", ", ", 1) // major, minor
	}
	line := fmt.Sprintf("%s %d %d %d %s %s", modeString(e.Mode), e.Nlink, e.UID, e.GID, size, name)
	if e.Type == "l" {
		tb := u.Buf(vfs.PathMax)
		if n := u.Syscall("readlink", u.Str(path), tb, vfs.PathMax); n > 0 {
			line += " -> " + string(u.Load(tb, int(n)))
		}
	}
	return line + "\n"
}

// modeString is ls's -rwxr-xr-x.
func modeString(m uint32) string {
	types := map[uint32]byte{vfs.S_IFDIR: 'd', vfs.S_IFCHR: 'c', vfs.S_IFBLK: 'b', vfs.S_IFIFO: 'p', vfs.S_IFLNK: 'l', vfs.S_IFSOCK: 's'}
	b := []byte("----------")
	if c, ok := types[m&vfs.S_IFMT]; ok {
		b[0] = c
	}
	for i, c := range "rwxrwxrwx" {
		if m&(1<<(8-i)) != 0 {
			b[1+i] = byte(c)
		}
	}
	if m&vfs.S_ISUID != 0 {
		b[3] = "Ss"[boolInt(m&0o100 != 0)]
	}
	if m&vfs.S_ISGID != 0 {
		b[6] = "Ss"[boolInt(m&0o010 != 0)]
	}
	if m&vfs.S_ISVTX != 0 {
		b[9] = "Tt"[boolInt(m&0o001 != 0)]
	}
	return string(b)
}
