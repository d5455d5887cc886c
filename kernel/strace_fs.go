package kernel

import (
	"encoding/binary"
	"fmt"
	"strings"

	"kplay/kernel/abi"
	"kplay/kernel/vfs"
)

// Argument kinds of the file system calls, decoded as strace 6 prints
// them; the forms were checked against the real strace running Python's
// os module on this machine (see strace_fs_test.go).
const (
	argPath           argKind = 100 + iota // const char *pathname, in full
	argPathRet                             // char *buf filled with a path of the returned length (getcwd)
	argBufRet                              // a buffer filled by the call with as many bytes as it returns (read)
	argDirfd                               // AT_FDCWD or a descriptor
	argOpenFlags                           // O_RDONLY|O_CREAT...
	argOpenFlagsBare                       // O_CLOEXEC... without an access mode (dup3, pipe2)
	argOpenMode                            // open's mode: printed only with O_CREAT or O_TMPFILE
	argMode                                // a mode in octal: 0644
	argMknodMode                           // S_IFCHR|0600
	argDev                                 // makedev(0x1, 0x3)
	argInt64                               // off_t, loff_t
	argWhence                              // SEEK_SET...
	argIovecIn                             // const struct iovec *, read by the call
	argIovecOut                            // struct iovec *, filled by the call
	argStatOut                             // struct stat *, filled on success
	argAtFlags                             // AT_SYMLINK_NOFOLLOW...
	argAccessMode                          // F_OK, R_OK|W_OK
	argIoctlCmd                            // TCGETS...
	argDirents                             // struct linux_dirent64 *, with the entry count
	argMountFlags                          // MS_RDONLY...
	argUmountFlags                         // MNT_FORCE...
	argRlimitResource                      // RLIMIT_NOFILE
	argRlimitIn                            // const struct rlimit *
	argRlimitOut                           // struct rlimit *, filled on success
	argArgv                                // char *const argv[]: ["cat", "/etc/motd"]
	argEnvp                                // char *const envp[]: 0x7ffc... /* 3 vars */
	argFdPair                              // int[2], filled on success (pipe, pipe2)
)

// argOmitted marks an argument strace does not print.
const argOmitted = "\x00"

// argFormat decodes one kind: entry before the call, exit after it
// (returning false to keep what entry printed).
type argFormat struct {
	entry func(k *Kernel, t *Task, r *SyscallRecord, i int) string
	exit  func(k *Kernel, t *Task, r *SyscallRecord, i int) (string, bool)
}

var argFormats map[argKind]argFormat

func init() {
	ptr := func(k *Kernel, t *Task, r *SyscallRecord, i int) string { return fmtPtr(r.Args[i]) }
	argFormats = map[argKind]argFormat{
		argPath: {entry: func(k *Kernel, t *Task, r *SyscallRecord, i int) string { return k.stracePath(t, r.Args[i]) }},
		argPathRet: {entry: ptr, exit: func(k *Kernel, t *Task, r *SyscallRecord, i int) (string, bool) {
			if r.Ret <= 0 || r.Errno() != 0 {
				return "", false
			}
			return k.straceUserString(t, r.Args[i], uint64(r.Ret)-1, vfs.PathMax), true
		}},
		argBufRet: {entry: ptr, exit: func(k *Kernel, t *Task, r *SyscallRecord, i int) (string, bool) {
			if r.Ret < 0 || r.Errno() != 0 {
				return "", false
			}
			return k.straceBuf(t, r.Args[i], uint64(r.Ret)), true
		}},
		argDirfd: {entry: func(k *Kernel, t *Task, r *SyscallRecord, i int) string {
			if int32(r.Args[i]) == atFdcwd {
				return "AT_FDCWD"
			}
			return fmt.Sprint(int32(r.Args[i]))
		}},
		argOpenFlags:     {entry: func(_ *Kernel, _ *Task, r *SyscallRecord, i int) string { return straceOpenFlags(r.Args[i], true) }},
		argOpenFlagsBare: {entry: func(_ *Kernel, _ *Task, r *SyscallRecord, i int) string { return straceOpenFlags(r.Args[i], false) }},
		argOpenMode: {entry: func(_ *Kernel, _ *Task, r *SyscallRecord, i int) string {
			if f := uint32(r.Args[i-1]); f&vfs.O_CREAT == 0 && f&vfs.O_TMPFILE != vfs.O_TMPFILE {
				return argOmitted
			}
			return straceMode(r.Args[i])
		}},
		argMode: {entry: func(_ *Kernel, _ *Task, r *SyscallRecord, i int) string { return straceMode(r.Args[i]) }},
		argMknodMode: {entry: func(_ *Kernel, _ *Task, r *SyscallRecord, i int) string {
			return straceSymbolicMode(uint32(r.Args[i]))
		}},
		argDev: {entry: func(_ *Kernel, _ *Task, r *SyscallRecord, i int) string {
			// decode_mknod prints dev only for devices.
			if m := uint32(r.Args[i-1]) & vfs.S_IFMT; m != vfs.S_IFCHR && m != vfs.S_IFBLK {
				return argOmitted
			}
			return straceMakedev(uint64(uint32(r.Args[i])))
		}},
		argInt64: {entry: func(_ *Kernel, _ *Task, r *SyscallRecord, i int) string { return fmt.Sprint(int64(r.Args[i])) }},
		argWhence: {entry: func(_ *Kernel, _ *Task, r *SyscallRecord, i int) string {
			return straceEnum(int(int32(r.Args[i])), []string{"SEEK_SET", "SEEK_CUR", "SEEK_END", "SEEK_DATA", "SEEK_HOLE"}, "SEEK_???")
		}},
		argIovecIn: {entry: func(k *Kernel, t *Task, r *SyscallRecord, i int) string {
			return k.straceIovec(t, r.Args[i], int64(int32(r.Args[i+1])), -1)
		}},
		argIovecOut: {entry: ptr, exit: func(k *Kernel, t *Task, r *SyscallRecord, i int) (string, bool) {
			if r.Errno() != 0 {
				return "", false
			}
			return k.straceIovec(t, r.Args[i], int64(int32(r.Args[i+1])), r.Ret), true
		}},
		argStatOut: {entry: ptr, exit: func(k *Kernel, t *Task, r *SyscallRecord, i int) (string, bool) {
			if r.Ret != 0 {
				return "", false
			}
			return k.straceStat(t, r.Args[i])
		}},
		argAtFlags: {entry: func(_ *Kernel, _ *Task, r *SyscallRecord, i int) string {
			return straceFlags(uint64(uint32(r.Args[i])), atFlagNames, "AT_???")
		}},
		argAccessMode: {entry: func(_ *Kernel, _ *Task, r *SyscallRecord, i int) string {
			m := uint64(uint32(r.Args[i]))
			if m == 0 {
				return "F_OK"
			}
			return straceFlags(m, []flagName{{4, "R_OK"}, {2, "W_OK"}, {1, "X_OK"}}, "?_OK")
		}},
		argIoctlCmd: {entry: func(_ *Kernel, _ *Task, r *SyscallRecord, i int) string {
			cmd := uint32(r.Args[i])
			if name, ok := ioctlNames[cmd]; ok {
				return name
			}
			// strace's ioctl_decode_command_number: the _IOC fields.
			dir := [...]string{"_IOC_NONE", "_IOC_WRITE", "_IOC_READ", "_IOC_READ|_IOC_WRITE"}[cmd>>30]
			return fmt.Sprintf("_IOC(%s, %s, %s, %s)", dir, fmtRaw(uint64(cmd>>8&0xff)), fmtRaw(uint64(cmd&0xff)), fmtRaw(uint64(cmd>>16&0x3fff)))
		}},
		argDirents: {entry: ptr, exit: func(k *Kernel, t *Task, r *SyscallRecord, i int) (string, bool) {
			if r.Ret < 0 || r.Errno() != 0 {
				return "", false
			}
			return fmt.Sprintf("%s /* %d entries */", fmtPtr(r.Args[i]), k.countDirents(t, r.Args[i], r.Ret)), true
		}},
		argMountFlags: {entry: func(_ *Kernel, _ *Task, r *SyscallRecord, i int) string {
			f := r.Args[i]
			s := ""
			if f&vfs.MS_MGC_MSK == vfs.MS_MGC_VAL {
				s, f = "MS_MGC_VAL|", f&^vfs.MS_MGC_MSK
			}
			return s + straceFlags(f, mountFlagNames, "MS_???")
		}},
		argUmountFlags: {entry: func(_ *Kernel, _ *Task, r *SyscallRecord, i int) string {
			return straceFlags(uint64(uint32(r.Args[i])), []flagName{{vfs.MNT_FORCE, "MNT_FORCE"}, {vfs.MNT_DETACH, "MNT_DETACH"}, {vfs.MNT_EXPIRE, "MNT_EXPIRE"}, {vfs.UMOUNT_NOFOLLOW, "UMOUNT_NOFOLLOW"}}, "MNT_???")
		}},
		argRlimitResource: {entry: func(_ *Kernel, _ *Task, r *SyscallRecord, i int) string {
			return straceEnum(int(int32(r.Args[i])), rlimitNames, "RLIMIT_???")
		}},
		argArgv: {entry: func(k *Kernel, t *Task, r *SyscallRecord, i int) string {
			if r.Args[i] == 0 {
				return "NULL"
			}
			argv, err := k.userStrings(t, r.Args[i])
			if err != 0 {
				return fmtPtr(r.Args[i])
			}
			q := make([]string, len(argv))
			for j, s := range argv {
				q[j] = abi.QuoteString([]byte(s), abi.StraceStringLimit)
			}
			return "[" + strings.Join(q, ", ") + "]"
		}},
		argEnvp: {entry: func(k *Kernel, t *Task, r *SyscallRecord, i int) string {
			if r.Args[i] == 0 {
				return "NULL"
			}
			envp, err := k.userStrings(t, r.Args[i])
			if err != 0 {
				return fmtPtr(r.Args[i])
			}
			return fmt.Sprintf("%s /* %d vars */", fmtPtr(r.Args[i]), len(envp))
		}},
		argRlimitIn: {entry: func(k *Kernel, t *Task, r *SyscallRecord, i int) string { return k.straceRlimit(t, r.Args[i]) }},
		argFdPair: {entry: ptr, exit: func(k *Kernel, t *Task, r *SyscallRecord, i int) (string, bool) {
			if r.Ret != 0 {
				return "", false
			}
			return k.straceInts(t, r.Args[i], 2), true
		}},
		argRlimitOut: {entry: ptr, exit: func(k *Kernel, t *Task, r *SyscallRecord, i int) (string, bool) {
			if r.Ret != 0 {
				return "", false
			}
			return k.straceRlimit(t, r.Args[i]), true
		}},
	}
}

// stracePath prints a path argument: the whole string (strace prints paths
// up to PATH_MAX, not -s), or the address when it cannot be read.
func (k *Kernel) stracePath(t *Task, addr uint64) string {
	if addr == 0 {
		return "NULL"
	}
	s, err := k.strncpyFromUser(t, addr, vfs.PathMax)
	if err != 0 {
		return fmtPtr(addr)
	}
	return abi.QuoteString([]byte(s), vfs.PathMax)
}

// straceUserString prints n bytes at addr with a limit.
func (k *Kernel) straceUserString(t *Task, addr, n uint64, limit int) string {
	b := make([]byte, min(n, uint64(limit)))
	if got, _ := k.copyFromUser(t, b, addr); got < len(b) {
		return fmtPtr(addr)
	}
	return abi.QuoteString(b, limit)
}

// openFlagNames are strace's open_mode_flags in its printing order.
var openFlagNames = []flagName{
	{vfs.O_CREAT, "O_CREAT"}, {vfs.O_EXCL, "O_EXCL"}, {vfs.O_NOCTTY, "O_NOCTTY"}, {vfs.O_TRUNC, "O_TRUNC"},
	{vfs.O_APPEND, "O_APPEND"}, {vfs.O_NONBLOCK, "O_NONBLOCK"}, {vfs.O_SYNC, "O_SYNC"}, {vfs.O_DSYNC, "O_DSYNC"},
	{vfs.O_DIRECT, "O_DIRECT"}, {vfs.O_LARGEFILE, "O_LARGEFILE"}, {vfs.O_NOFOLLOW, "O_NOFOLLOW"},
	{vfs.O_NOATIME, "O_NOATIME"}, {vfs.O_CLOEXEC, "O_CLOEXEC"}, {vfs.O_PATH, "O_PATH"},
	{vfs.O_TMPFILE, "O_TMPFILE"}, {vfs.O_DIRECTORY, "O_DIRECTORY"}, {vfs.O_ASYNC, "FASYNC"},
}

// straceOpenFlags prints open's flags: the access mode, then the flags.
func straceOpenFlags(v uint64, accmode bool) string {
	f := uint64(uint32(v))
	if !accmode {
		return straceFlags(f, openFlagNames, "O_???")
	}
	acc := []string{"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"}[f&vfs.O_ACCMODE]
	if rest := f &^ vfs.O_ACCMODE; rest != 0 {
		return acc + "|" + straceFlags(rest, openFlagNames, "O_???")
	}
	return acc
}

// straceMode prints a mode as strace's print_numeric_umode_t: 0644.
func straceMode(v uint64) string { return fmt.Sprintf("%#03o", uint32(v)) }

var fileTypeNames = map[uint32]string{
	vfs.S_IFREG: "S_IFREG", vfs.S_IFDIR: "S_IFDIR", vfs.S_IFCHR: "S_IFCHR", vfs.S_IFBLK: "S_IFBLK",
	vfs.S_IFIFO: "S_IFIFO", vfs.S_IFLNK: "S_IFLNK", vfs.S_IFSOCK: "S_IFSOCK",
}

func straceFileType(m uint32) string {
	if n, ok := fileTypeNames[m&vfs.S_IFMT]; ok {
		return n
	}
	return fmt.Sprintf("%#o", m&vfs.S_IFMT)
}

// straceStat prints struct stat abbreviated as strace does: the mode and
// the size, or st_rdev for a device.
func (k *Kernel) straceStat(t *Task, addr uint64) (string, bool) {
	b := make([]byte, statSize)
	if n, _ := k.copyFromUser(t, b, addr); n != statSize {
		return "", false
	}
	le := binary.LittleEndian
	mode := le.Uint32(b[24:])
	m := straceSymbolicMode(mode)
	if t := mode & vfs.S_IFMT; t == vfs.S_IFCHR || t == vfs.S_IFBLK {
		d := le.Uint64(b[40:])
		return fmt.Sprintf("{st_mode=%s, st_rdev=%s, ...}", m, straceMakedev(d)), true
	}
	return fmt.Sprintf("{st_mode=%s, st_size=%d, ...}", m, int64(le.Uint64(b[48:]))), true
}

// straceIovec prints an iovec array: each buffer's bytes (all of them for
// writev, those the call filled for readv, as strace spreads the return
// value over them) and length.
func (k *Kernel) straceIovec(t *Task, addr uint64, cnt int64, filled int64) string {
	if cnt < 0 || cnt > uioMaxIOV {
		return fmtPtr(addr)
	}
	b := make([]byte, 16*cnt)
	if n, _ := k.copyFromUser(t, b, addr); n != len(b) {
		return fmtPtr(addr)
	}
	var parts []string
	for i := int64(0); i < cnt; i++ {
		base, ln := binary.LittleEndian.Uint64(b[16*i:]), binary.LittleEndian.Uint64(b[16*i+8:])
		show := ln
		if filled >= 0 {
			show = min(ln, uint64(filled))
			filled -= int64(show)
		}
		parts = append(parts, fmt.Sprintf("{iov_base=%s, iov_len=%d}", k.straceBuf(t, base, show), ln))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// countDirents counts the records getdents64 wrote.
func (k *Kernel) countDirents(t *Task, addr uint64, n int64) int {
	b := make([]byte, n)
	k.copyFromUser(t, b, addr)
	count := 0
	for off := 0; off+19 <= len(b); count++ {
		reclen := int(binary.LittleEndian.Uint16(b[off+16:]))
		if reclen == 0 {
			break
		}
		off += reclen
	}
	return count
}

var atFlagNames = []flagName{
	{atSymlinkNofollow, "AT_SYMLINK_NOFOLLOW"}, {atRemovedir, "AT_REMOVEDIR"}, {atSymlinkFollow, "AT_SYMLINK_FOLLOW"},
	{atNoAutomount, "AT_NO_AUTOMOUNT"}, {atEmptyPath, "AT_EMPTY_PATH"},
}

var mountFlagNames = []flagName{
	{vfs.MS_RDONLY, "MS_RDONLY"}, {vfs.MS_NOSUID, "MS_NOSUID"}, {vfs.MS_NODEV, "MS_NODEV"},
	{vfs.MS_NOEXEC, "MS_NOEXEC"}, {16, "MS_SYNCHRONOUS"}, {vfs.MS_REMOUNT, "MS_REMOUNT"},
	{64, "MS_MANDLOCK"}, {128, "MS_DIRSYNC"}, {256, "MS_NOSYMFOLLOW"}, {1024, "MS_NOATIME"},
	{2048, "MS_NODIRATIME"}, {vfs.MS_BIND, "MS_BIND"}, {vfs.MS_MOVE, "MS_MOVE"}, {vfs.MS_REC, "MS_REC"},
	{vfs.MS_SILENT, "MS_SILENT"}, {vfs.MS_RELATIME, "MS_RELATIME"},
}

var ioctlNames = map[uint32]string{
	tcgets: "TCGETS", 0x5402: "TCSETS", tiocgwinsz: "TIOCGWINSZ", fionclex: "FIONCLEX", fioclex: "FIOCLEX",
	fionread: "FIONREAD", 0x5421: "FIONBIO",
}

// straceIoctlExit prints what TCGETS and TIOCGWINSZ filled, as strace
// does for the console's termios and window size.
func straceIoctlExit(k *Kernel, t *Task, r *SyscallRecord) {
	if len(r.ArgText) < 3 {
		return
	}
	switch uint32(r.Args[1]) {
	case fioclex, fionclex:
		r.ArgText = r.ArgText[:2] // no argument
	case fionread:
		if r.Ret == 0 {
			r.ArgText[2] = k.straceInts(t, r.Args[2], 1)
		}
	case tcgets:
		if r.Ret == 0 {
			r.ArgText[2] = "{c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR, c_cflag=B38400|CS8|CREAD|HUPCL, c_lflag=ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE, ...}"
		}
	case tiocgwinsz:
		if r.Ret == 0 {
			r.ArgText[2] = "{ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}"
		}
	default:
		if _, ok := ioctlNames[uint32(r.Args[1])]; !ok {
			r.ArgText[2] = fmtRaw(r.Args[2]) // an unknown command's argument is a number
		}
	}
}

var fcntlCmdNames = map[int]string{
	fDupfd: "F_DUPFD", fGetfd: "F_GETFD", fSetfd: "F_SETFD", fGetfl: "F_GETFL", fSetfl: "F_SETFL",
	fDupfdCloexec: "F_DUPFD_CLOEXEC", 5: "F_GETLK", 6: "F_SETLK", 7: "F_SETLKW",
	fSetpipeSz: "F_SETPIPE_SZ", fGetpipeSz: "F_GETPIPE_SZ",
}

// straceFcntl prints fcntl's command by name, and its argument only for
// the commands that take one, in the argument's form.
func straceFcntl(k *Kernel, t *Task, r *SyscallRecord) {
	cmd := int(int32(r.Args[1]))
	name, ok := fcntlCmdNames[cmd]
	if !ok {
		name = fmt.Sprintf("%#x /* F_??? */", cmd)
	}
	r.ArgText = []string{fmt.Sprint(int32(r.Args[0])), name}
	switch cmd {
	case fGetfd, fGetfl, fGetpipeSz:
	case fSetfd:
		r.ArgText = append(r.ArgText, straceFlags(r.Args[2]&fdCloexec, []flagName{{fdCloexec, "FD_CLOEXEC"}}, "FD_???")+rest(r.Args[2]&^fdCloexec))
	case fSetfl:
		r.ArgText = append(r.ArgText, straceOpenFlags(r.Args[2], true))
	default:
		r.ArgText = append(r.ArgText, fmt.Sprint(int32(r.Args[2])))
	}
}

func rest(v uint64) string {
	if v == 0 {
		return ""
	}
	return fmt.Sprintf("|%#x", v)
}

// straceFcntlExit decodes F_GETFD's and F_GETFL's values after the
// number: "= 0x1 (flags FD_CLOEXEC)".
func straceFcntlExit(k *Kernel, t *Task, r *SyscallRecord) {
	if r.Errno() != 0 {
		return
	}
	switch int(int32(r.Args[1])) {
	case fGetfd:
		r.RetHex = r.Ret != 0
		if r.Ret&fdCloexec != 0 {
			r.RetNote = "(flags FD_CLOEXEC)"
		}
	case fGetfl:
		r.RetHex = r.Ret != 0 // strace's %#lx prints 0 bare
		r.RetNote = "(flags " + straceOpenFlags(uint64(r.Ret), true) + ")"
	}
}

// straceRlimit prints struct rlimit, with RLIM64_INFINITY by name.
func (k *Kernel) straceRlimit(t *Task, addr uint64) string {
	if addr == 0 {
		return "NULL"
	}
	var b [16]byte
	if n, _ := k.copyFromUser(t, b[:], addr); n != 16 {
		return fmtPtr(addr)
	}
	f := func(v uint64) string {
		if v == rlimInfinity {
			return "RLIM64_INFINITY"
		}
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("{rlim_cur=%s, rlim_max=%s}", f(binary.LittleEndian.Uint64(b[0:])), f(binary.LittleEndian.Uint64(b[8:])))
}

// straceMakedev prints a new_encode_dev device number as strace does:
// "makedev(0x2a, 0)", in C's %#x, where zero has no 0x.
func straceMakedev(d uint64) string {
	cx := func(v uint64) string {
		if v == 0 {
			return "0"
		}
		return fmt.Sprintf("%#x", v)
	}
	return "makedev(" + cx((d&0xfff00)>>8) + ", " + cx((d&0xff)|((d>>12)&0xfff00)) + ")"
}

// straceSymbolicMode is print_symbolic_mode_t: the file type, the
// set-id and sticky bits by name, then the permissions in octal
// ("S_IFREG|S_ISUID|0755").
func straceSymbolicMode(m uint32) string {
	s := straceFileType(m)
	for _, b := range []flagName{{vfs.S_ISUID, "S_ISUID"}, {vfs.S_ISGID, "S_ISGID"}, {vfs.S_ISVTX, "S_ISVTX"}} {
		if uint64(m)&b.bit != 0 {
			s += "|" + b.name
		}
	}
	return s + "|" + straceMode(uint64(m&0o777))
}
