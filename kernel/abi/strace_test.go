package abi

import (
	"strings"
	"testing"
)

// The expected strings in this file came from strace 6.1 (Debian 12, glibc
// 2.36, Linux 6.18 x86-64). The string cases were produced by a small C
// program that reads lines of hex from stdin and write(2)s each decoded line
// to /dev/null, run as
//
//	strace [-s N] -e trace=write -o out.txt ./hexwrite < cases.txt
//
// and copied from lines such as
//
//	write(3, "\0001", 2)                    = 2
//	write(3, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\0"..., 33) = 33
//
// strace_live_test.go runs the same comparison against the local strace.

func TestQuoteStringDefault(t *testing.T) {
	a := strings.Repeat("a", 31)
	tests := []struct {
		in   string
		want string
	}{
		{"", `""`},
		{"abc", `"abc"`},
		{"\x00", `"\0"`},
		{"\x001", `"\0001"`}, // next byte an octal digit: three digits
		{"\x007", `"\0007"`},
		{"\x008", `"\08"`}, // 8 and 9 are not octal digits
		{"\x009", `"\09"`},
		{"\x00a", `"\0a"`},
		{"\x01\x02", `"\1\2"`}, // a following escape is not a digit
		{"\x1b[0m", `"\33[0m"`},
		{"\x1b8", `"\338"`},
		{"\x7f", `"\177"`},
		{"\x7f0", `"\1770"`},
		{"\x80", `"\200"`},
		{"\xff", `"\377"`},
		{"\xff0", `"\3770"`},
		{"\x08", `"\10"`}, // \b is octal
		{"\x07", `"\7"`},  // \a is octal
		{"\v\f\r\t\n", `"\v\f\r\t\n"`},
		{"\"\\", `"\"\\"`},
		{"'?", `"'?"`},
		{"\t0", `"\t0"`}, // letter escapes are unaffected by a digit
		{"\n1", `"\n1"`},
		{"\n7", `"\n7"`},
		{" ~", `" ~"`},
		{a + "a", `"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"`},     // 32 bytes: all of it
		{a + "aa", `"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"...`}, // 33 bytes: 32 and "..."
		{a + "\x00", `"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\0"`},
		{a + "\x001", `"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\0"...`}, // the unprinted '1' does not count
		{a + "a1", `"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"...`},
		{
			string(bytesRange(0, 64)),
			`"\0\1\2\3\4\5\6\7\10\t\n\v\f\r\16\17\20\21\22\23\24\25\26\27\30\31\32\33\34\35\36\37"...`,
		},
		{
			string(bytesRange(128, 256)),
			`"\200\201\202\203\204\205\206\207\210\211\212\213\214\215\216\217\220\221\222\223\224\225\226\227\230\231\232\233\234\235\236\237"...`,
		},
		{
			strings.Repeat("\xff", 40),
			`"\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377"...`,
		},
	}
	for _, tt := range tests {
		if got := QuoteString([]byte(tt.in), StraceStringLimit); got != tt.want {
			t.Errorf("QuoteString(%q, %d) = %s, want %s", tt.in, StraceStringLimit, got, tt.want)
		}
	}
}

func TestQuoteStringLimit(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		// strace -s 0
		{"", 0, `""`},
		{"A", 0, `""...`},
		{"\x001", 0, `""...`},
		// strace -s 1
		{"\x00", 1, `"\0"`},
		{"\x001", 1, `"\0"...`},
		{"\x7f0", 1, `"\177"...`},
		{"\v\f\r\t\n", 1, `"\v"...`},
		{"\"\\", 1, `"\""...`},
		{"?", 1, `"?"`},
		// strace -s 3
		{"\x001", 3, `"\0001"`},
		{"\x1b[0m", 3, `"\33[0"...`},
		{"\v\f\r\t\n", 3, `"\v\f\r"...`},
		{"\xff\xff\xff\xff", 3, `"\377\377\377"...`},
		// Not strace's (it rejects -s -1): negative behaves as 0.
		{"A", -1, `""...`},
		{"", -1, `""`},
	}
	for _, tt := range tests {
		if got := QuoteString([]byte(tt.in), tt.max); got != tt.want {
			t.Errorf("QuoteString(%q, %d) = %s, want %s", tt.in, tt.max, got, tt.want)
		}
	}
}

// TestQuoteStringSafe checks that the output is printable ASCII for every
// byte followed by a few interesting others.
func TestQuoteStringSafe(t *testing.T) {
	for a := 0; a < 256; a++ {
		for _, b := range []byte{'0', '7', '8', 'x', 0, 0xff} {
			in := []byte{byte(a), b}
			q := QuoteString(in, StraceStringLimit)
			for i := 0; i < len(q); i++ {
				if q[i] < ' ' || q[i] > '~' {
					t.Fatalf("QuoteString(%q) = %q: not printable ASCII", in, q)
				}
			}
		}
	}
}

func TestFormatReturn(t *testing.T) {
	// From a C program that installs a seccomp filter making getppid(n) fail
	// with errno n (SECCOMP_RET_ERRNO | n), then calls it for n = 0..4100,
	// run as `strace -e trace=getppid -o ret.txt ./errret 0 4100`. Lines like

	//	getppid()                               = -1 ENOENT (No such file or directory)
	//	getppid()                               = -1 (errno 134)
	//	getppid()                               = ? ERESTARTSYS (To be restarted if SA_RESTART is set)

	// (The kernel clamps n > 4095 to 4095.) The non-error values came from
	// `strace -e inject=write:retval=N` on write(2):

	//	write(3, "A", 1)                        = 18446744073709547520 (INJECTED)

	// for N = -4096.
	tests := []struct {
		ret  int64
		want string
	}{
		{0, "0"},
		{1, "1"},
		{33, "33"},
		{2147483648, "2147483648"},
		{9223372036854775806, "9223372036854775806"},
		{-1, "-1 EPERM (Operation not permitted)"},
		{-2, "-1 ENOENT (No such file or directory)"},
		{-9, "-1 EBADF (Bad file descriptor)"},
		{-11, "-1 EAGAIN (Resource temporarily unavailable)"}, // never EWOULDBLOCK
		{-35, "-1 EDEADLK (Resource deadlock avoided)"},       // never EDEADLOCK
		{-38, "-1 ENOSYS (Function not implemented)"},
		{-40, "-1 ELOOP (Too many levels of symbolic links)"},
		{-41, "-1 (errno 41)"},
		{-58, "-1 (errno 58)"},
		{-84, "-1 EILSEQ (Invalid or incomplete multibyte or wide character)"},
		{-95, "-1 EOPNOTSUPP (Operation not supported)"},
		{-122, "-1 EDQUOT (Disk quota exceeded)"},
		{-133, "-1 EHWPOISON (Memory page has hardware error)"},
		{-134, "-1 (errno 134)"},
		{-511, "-1 (errno 511)"},
		{-512, "? ERESTARTSYS (To be restarted if SA_RESTART is set)"},
		{-513, "? ERESTARTNOINTR (To be restarted)"},
		{-514, "? ERESTARTNOHAND (To be restarted if no handler)"},
		{-515, "-1 ENOIOCTLCMD (Unknown error 515)"},
		{-516, "? ERESTART_RESTARTBLOCK (Interrupted by signal)"},
		{-517, "-1 EPROBE_DEFER (Unknown error 517)"},
		{-518, "-1 EOPENSTALE (Unknown error 518)"},
		{-519, "-1 (errno 519)"},
		{-520, "-1 (errno 520)"},
		{-521, "-1 EBADHANDLE (Unknown error 521)"},
		{-524, "-1 ENOTSUPP (Unknown error 524)"},
		{-530, "-1 ERECALLCONFLICT (Unknown error 530)"},
		{-531, "-1 (errno 531)"},
		{-4095, "-1 (errno 4095)"},
		{-4096, "18446744073709547520"},
		{-4097, "18446744073709547519"},
		{-100000, "18446744073709451616"},
	}
	for _, tt := range tests {
		if got := FormatReturn(tt.ret); got != tt.want {
			t.Errorf("FormatReturn(%d) = %q, want %q", tt.ret, got, tt.want)
		}
	}
}

func TestFormatUnknownSyscall(t *testing.T) {
	// From a C program calling syscall(n, 0, 0, 0, 0, 0, 0) under plain
	// strace, which printed for example

	//	syscall_0x3e8(0, 0, 0, 0, 0, 0)         = -1 ENOSYS (Function not implemented)
	//	syscall_0xfffffffffffffffe(0, 0, 0, 0, 0, 0) = -1 ENOSYS (Function not implemented)
	tests := []struct {
		nr   int
		want string
	}{
		{1000, "syscall_0x3e8"},
		{335, "syscall_0x14f"},
		{461, "syscall_0x1cd"},
		{512, "syscall_0x200"},
		{547, "syscall_0x223"},
		{548, "syscall_0x224"},
		{0x3fffffff, "syscall_0x3fffffff"},
		{0x4000014f, "syscall_0x4000014f"},
		{-2, "syscall_0xfffffffffffffffe"},
		{-4096, "syscall_0xfffffffffffff000"},
	}
	for _, tt := range tests {
		if got := FormatUnknownSyscall(tt.nr); got != tt.want {
			t.Errorf("FormatUnknownSyscall(%d) = %q, want %q", tt.nr, got, tt.want)
		}
	}
}

func bytesRange(lo, hi int) []byte {
	b := make([]byte, 0, hi-lo)
	for i := lo; i < hi; i++ {
		b = append(b, byte(i))
	}
	return b
}
