package abi

import (
	"strconv"
	"strings"
)

// The formats in this file are those of strace 6.1 with default options
// (no -x, -X, -e quiet=..., --decode-pids, ...). Each rule was observed from
// the real strace; the observations are recorded in strace_test.go.

// StraceStringLimit is strace's default string limit (its -s option): the
// number of bytes of a buffer argument it prints before "...".
const StraceStringLimit = 32

// QuoteString returns b as strace prints a buffer argument such as write's,
// printing at most max bytes (strace -s max); pass StraceStringLimit for
// strace's default. A negative max is treated as 0.
//
// The output is b between double quotes, then "..." if len(b) > max (so
// QuoteString([]byte("abcd"), 3) is `"abc"...`; with max 0 any non-empty b is
// `""...`). Within the quotes:
//
//   - '"' and '\\' are escaped as \" and \\;
//   - \f, \n, \r, \t and \v are printed as those escapes (but not \a, \b
//     or \e, which are octal);
//   - other bytes from ' ' to '~' are printed as themselves;
//   - every other byte (0-31, 127-255) is printed in octal with no leading
//     zeros ("\0", "\7", "\33", "\177", "\377"), unless the next printed byte
//     is an octal digit '0'-'7', in which case it takes three digits so that
//     the digit is not read as part of the escape ("\0001", "\1770"). An '8'
//     or '9' does not count ("\08"), and nor does a digit beyond the limit:
//     with max 1, "\x001" prints as `"\0"...`.
func QuoteString(b []byte, max int) string {
	if max < 0 {
		max = 0
	}
	truncated := len(b) > max
	if truncated {
		b = b[:max]
	}
	var sb strings.Builder
	sb.Grow(len(b) + 5)
	sb.WriteByte('"')
	for i, c := range b {
		switch c {
		case '"', '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case '\f':
			sb.WriteString(`\f`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\t':
			sb.WriteString(`\t`)
		case '\v':
			sb.WriteString(`\v`)
		default:
			if c >= ' ' && c < 0x7f {
				sb.WriteByte(c)
				continue
			}
			sb.WriteByte('\\')
			if i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '7' {
				sb.WriteByte('0' + c>>6)
				sb.WriteByte('0' + c>>3&7)
			} else {
				if c>>6 != 0 {
					sb.WriteByte('0' + c>>6)
				}
				if c>>3 != 0 {
					sb.WriteByte('0' + c>>3&7)
				}
			}
			sb.WriteByte('0' + c&7)
		}
	}
	sb.WriteByte('"')
	if truncated {
		sb.WriteString("...")
	}
	return sb.String()
}

// linuxMaxErrno is the kernel's MAX_ERRNO: a system call return value in
// [-linuxMaxErrno, -1] is an error.
const linuxMaxErrno = 4095

// straceRestart holds strace's whole return text for the kernel-internal
// ERESTART* codes (include/linux/errno.h), which a tracer can see at system
// call exit: strace prints "?" rather than "-1" for them.
var straceRestart = map[Errno]string{
	512: "? ERESTARTSYS (To be restarted if SA_RESTART is set)",
	513: "? ERESTARTNOINTR (To be restarted)",
	514: "? ERESTARTNOHAND (To be restarted if no handler)",
	516: "? ERESTART_RESTARTBLOCK (Interrupted by signal)",
}

// straceKernelErrnoNames holds the names strace 6.1 knows for the other
// kernel-internal codes (include/linux/errno.h). It has no name for 519
// (ENOPARAM, newer than its table) or 520 (unused).
var straceKernelErrnoNames = map[Errno]string{
	515: "ENOIOCTLCMD",
	517: "EPROBE_DEFER",
	518: "EOPENSTALE",
	521: "EBADHANDLE",
	522: "ENOTSYNC",
	523: "EBADCOOKIE",
	524: "ENOTSUPP",
	525: "ETOOSMALL",
	526: "ESERVERFAULT",
	527: "EBADTYPE",
	528: "EJUKEBOX",
	529: "EIOCBQUEUED",
	530: "ERECALLCONFLICT",
}

// FormatReturn returns what strace prints after " = " for a system call that
// returned ret (the raw rax value, negative errno on failure):
//
//   - for -4095 <= ret <= -1 (an error), "-1 ENAME (message)", where ENAME is
//     the canonical name (EAGAIN, never EWOULDBLOCK) and message is glibc's
//     strerror text: "-1 ENOENT (No such file or directory)";
//   - for an error number strace has no name for (41, 58, 134-511, 519, 520,
//     531-4095), "-1 (errno N)": strace prints neither a name nor a message;
//   - for the kernel-internal codes it does know, the name with glibc's text
//     for an unknown number: "-1 ERECALLCONFLICT (Unknown error 530)", except
//     that the four ERESTART* codes print as "? ERESTARTSYS (To be restarted
//     if SA_RESTART is set)" and the like;
//   - otherwise (ret >= 0 or ret < -4095) the value in decimal, as an
//     unsigned 64-bit number: strace's default for system calls such as
//     read, write, lseek, close and getuid, so -4096 prints as
//     "18446744073709547520".
//
// This is the generic rendering. strace formats some system calls' successful
// results differently, which FormatReturn does not model: those returning a
// pid or a file descriptor (getpid, getppid, gettid, dup, ...) as a signed
// 32-bit int, brk and mmap in hex, umask in octal.
func FormatReturn(ret int64) string {
	if ret >= -linuxMaxErrno && ret < 0 {
		e := Errno(-ret)
		if s, ok := straceRestart[e]; ok {
			return s
		}
		name := ""
		if int(e) < len(errnoNames) {
			name = errnoNames[e]
		} else {
			name = straceKernelErrnoNames[e]
		}
		if name == "" {
			return "-1 (errno " + strconv.Itoa(int(e)) + ")"
		}
		return "-1 " + name + " (" + e.Error() + ")"
	}
	return strconv.FormatUint(uint64(ret), 10)
}

// FormatUnknownSyscall returns the name strace gives a system call number it
// has no name for: "syscall_0x" and the number in lower-case hex, as a 64-bit
// register value, so 1000 is "syscall_0x3e8" and -2 is
// "syscall_0xfffffffffffffffe".
//
// It does not decide whether nr is known: callers use SyscallName first.
// (strace 6.1 itself also names numbers with the x32 bit 0x40000000 set after
// the 64-bit call they alias, which this package does not model.)
func FormatUnknownSyscall(nr int) string {
	return "syscall_0x" + strconv.FormatUint(uint64(nr), 16)
}
