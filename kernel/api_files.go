package kernel

import (
	"encoding/binary"
	"sort"

	"kplay/kernel/abi"
	"kplay/kernel/vfs"
)

// Files from the front end: each function makes init's system calls on
// the task path (open, read, getdents64, write, close), exactly as a
// program would, so strace, the trace buffer and the slab counts see
// them; the machine runs while they do.

// FileError is a failed system call of these helpers, as the tool named
// Op reports it: "cat: /nope: No such file or directory", and ls's
// "ls: cannot access '/nope': No such file or directory".
type FileError struct {
	Op, Path string
	Errno    abi.Errno
}

func (e *FileError) Error() string {
	if e.Op == "ls" {
		return "ls: cannot access '" + e.Path + "': " + e.Errno.Error()
	}
	return e.Op + ": " + e.Path + ": " + e.Errno.Error()
}

// initCall makes one call as init and returns its value or -errno.
func (k *Kernel) initCall(name string, args ...uint64) (int64, error) {
	rec, res, err := k.SyscallAs(1, nr(name), args...)
	if err != nil {
		return 0, err
	}
	if rec == nil {
		if res.Reason == StopHalted {
			return 0, errInvalid("the machine is halted")
		}
		return 0, errInvalid("%s did not complete (%s)", name, res.Reason)
	}
	return rec.Ret, nil
}

// initOpen opens path as init.
func (k *Kernel) initOpen(op, path string, flags int, mode uint32) (int64, error) {
	if k.halted {
		return 0, errInvalid("the machine is halted")
	}
	k.ResetUserData(1)
	addr, err := k.PushUserData(1, append([]byte(path), 0))
	if err != nil {
		return 0, err
	}
	fd, err := k.initCall("openat", uint64(atFdcwd&0xffffffff), addr, uint64(flags), uint64(mode))
	if err == nil && fd < 0 {
		err = &FileError{op, path, abi.Errno(-fd)}
	}
	return fd, err
}

// MaxReadFile is the most ReadFile returns: /dev/zero has no end.
const MaxReadFile = 1 << 20

// ReadFile reads a whole file as init (open, read until end of file,
// close), at most MaxReadFile bytes: past that it returns them with an
// error.
func (k *Kernel) ReadFile(path string) ([]byte, error) {
	fd, err := k.initOpen("cat", path, vfs.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer k.initCall("close", uint64(fd))
	var out []byte
	for {
		b, n, err := k.initFill("read", fd)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return out, &FileError{"cat", path, abi.Errno(-n)}
		}
		if n == 0 {
			return out, nil
		}
		out = append(out, b...)
		if len(out) >= MaxReadFile {
			return out[:MaxReadFile], errInvalid("cat: %s: stopped after %d bytes (a file without an end, such as /dev/zero?)", path, MaxReadFile)
		}
	}
}

// initFill makes call (read or getdents64) on fd as init into a 4 KiB
// buffer and returns what it filled and the call's value.
func (k *Kernel) initFill(call string, fd int64) ([]byte, int64, error) {
	k.ResetUserData(1)
	buf, err := k.PushUserData(1, make([]byte, 4096))
	if err != nil {
		return nil, 0, err
	}
	n, err := k.initCall(call, uint64(fd), buf, 4096)
	if err != nil || n <= 0 {
		return nil, n, err
	}
	b, _ := k.ReadUser(1, buf, int(n))
	return b, n, nil
}

// WriteFile writes data to path as init, creating it (0666 less init's
// umask) and truncating it, or appending.
func (k *Kernel) WriteFile(path string, data []byte, appendTo bool) error {
	flags := vfs.O_WRONLY | vfs.O_CREAT | vfs.O_TRUNC
	if appendTo {
		flags = vfs.O_WRONLY | vfs.O_CREAT | vfs.O_APPEND
	}
	fd, err := k.initOpen("echo", path, flags, 0o666)
	if err != nil {
		return err
	}
	defer k.initCall("close", uint64(fd))
	for len(data) > 0 {
		chunk := data[:min(len(data), 4096)]
		k.ResetUserData(1)
		buf, err := k.PushUserData(1, chunk)
		if err != nil {
			return err
		}
		n, err := k.initCall("write", uint64(fd), buf, uint64(len(chunk)))
		if err != nil {
			return err
		}
		if n < 0 {
			return &FileError{"echo", path, abi.Errno(-n)}
		}
		data = data[n:]
	}
	return nil
}

// DirEntry is one name of a directory listing, with what lstat says.
type DirEntry struct {
	Name   string `json:"name"`
	Ino    uint64 `json:"ino"`
	Mode   uint32 `json:"mode"`
	Type   string `json:"type"` // ls -l's first letter: d, -, l, c, p
	Nlink  uint64 `json:"nlink"`
	UID    int    `json:"uid"`
	GID    int    `json:"gid"`
	Size   int64  `json:"size"`
	Rdev   string `json:"rdev,omitempty"` // major:minor of a device
	Target string `json:"target,omitempty"`
}

// ReadDir lists a directory as init (open O_DIRECTORY, getdents64 until
// it returns 0, then lstat of each name), sorted by name, "." and ".."
// left out. A path that is not a directory lists just itself.
func (k *Kernel) ReadDir(path string) ([]DirEntry, error) {
	fd, err := k.initOpen("ls", path, vfs.O_RDONLY|vfs.O_DIRECTORY, 0)
	var fe *FileError
	if err != nil && asFileError(err, &fe) && fe.Errno == abi.ENOTDIR {
		e, err := k.lstatAs(path, path)
		if err != nil {
			return nil, err
		}
		return []DirEntry{e}, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for {
		b, n, err := k.initFill("getdents64", fd)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			k.initCall("close", uint64(fd))
			return nil, &FileError{"ls", path, abi.Errno(-n)}
		}
		if n == 0 {
			break
		}
		for _, d := range parseDirents(b) {
			if d.name != "." && d.name != ".." {
				names = append(names, d.name)
			}
		}
	}
	sort.Strings(names)
	var out []DirEntry
	dir := path
	if dir != "/" {
		dir += "/"
	}
	for _, n := range names {
		e, err := k.lstatAs(dir+n, n)
		if err != nil {
			continue // gone between getdents64 and lstat
		}
		out = append(out, e)
	}
	k.initCall("close", uint64(fd))
	return out, nil
}

func asFileError(err error, fe **FileError) bool {
	e, ok := err.(*FileError)
	if ok {
		*fe = e
	}
	return ok
}

// Lstat stats path as init without following a final symlink (lstat,
// and readlink for a symlink's target).
func (k *Kernel) Lstat(path string) (DirEntry, error) { return k.lstatAs(path, path) }

// lstatAs stats path as init and reads a symlink's target.
func (k *Kernel) lstatAs(path, name string) (DirEntry, error) {
	k.ResetUserData(1)
	p, err := k.PushUserData(1, append([]byte(path), 0))
	if err != nil {
		return DirEntry{}, err
	}
	buf, err := k.PushUserData(1, make([]byte, statSize))
	if err != nil {
		return DirEntry{}, err
	}
	r, err := k.initCall("lstat", p, buf)
	if err != nil {
		return DirEntry{}, err
	}
	if r < 0 {
		return DirEntry{}, &FileError{"ls", path, abi.Errno(-r)}
	}
	b, _ := k.ReadUser(1, buf, statSize)
	e := statEntry(b, name)
	if e.Type == "l" {
		tb, err := k.PushUserData(1, make([]byte, vfs.PathMax))
		if err == nil {
			if n, err := k.initCall("readlink", p, tb, vfs.PathMax); err == nil && n > 0 {
				t, _ := k.ReadUser(1, tb, int(n))
				e.Target = string(t)
			}
		}
	}
	return e, nil
}

// statEntry decodes the struct stat (x86-64's layout) lstat filled into
// the entry of name, less a symlink's target.
func statEntry(b []byte, name string) DirEntry {
	le := binary.LittleEndian
	mode := le.Uint32(b[24:])
	e := DirEntry{Name: name, Ino: le.Uint64(b[8:]), Mode: mode, Type: modeString(mode)[:1], Nlink: le.Uint64(b[16:]),
		UID: int(le.Uint32(b[28:])), GID: int(le.Uint32(b[32:])), Size: int64(le.Uint64(b[48:]))}
	if t := mode & vfs.S_IFMT; t == vfs.S_IFCHR || t == vfs.S_IFBLK {
		d := le.Uint64(b[40:])
		e.Rdev = sprintf("%d:%d", (d&0xfff00)>>8, (d&0xff)|((d>>12)&0xfff00))
	}
	return e
}

// ModeString is ls -l's mode column: -rw-r--r--.
func ModeString(mode uint32) string { return modeString(mode) }

// CachedNames lists the names the dentry cache holds in directory dir (an
// absolute path), directories with a trailing "/", without running the
// machine or changing anything: for completing paths at the prompt. Files
// that procfs generates only on lookup are missing until something opened
// them; ProcFiles lists those.
//
// Preconditions: the machine is parked.
func (k *Kernel) CachedNames(dir string) []string { return k.vfs.CachedNames(dir) }
