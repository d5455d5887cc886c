package abi

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestErrno(t *testing.T) {
	// Numbers from /usr/include/asm-generic/errno{-base,}.h; texts printed by
	// strerror(n) in a C program linked against glibc 2.36 (Debian 12).
	tests := []struct {
		e    Errno
		num  int
		name string
		text string
	}{
		{EPERM, 1, "EPERM", "Operation not permitted"},
		{ENOENT, 2, "ENOENT", "No such file or directory"},
		{EIO, 5, "EIO", "Input/output error"},
		{EBADF, 9, "EBADF", "Bad file descriptor"},
		{EAGAIN, 11, "EAGAIN", "Resource temporarily unavailable"},
		{ENOMEM, 12, "ENOMEM", "Cannot allocate memory"},
		{EFAULT, 14, "EFAULT", "Bad address"},
		{EINVAL, 22, "EINVAL", "Invalid argument"},
		{ENOTTY, 25, "ENOTTY", "Inappropriate ioctl for device"},
		{ERANGE, 34, "ERANGE", "Numerical result out of range"},
		{EDEADLK, 35, "EDEADLK", "Resource deadlock avoided"},
		{ENOSYS, 38, "ENOSYS", "Function not implemented"},
		{ENOTEMPTY, 39, "ENOTEMPTY", "Directory not empty"},
		{ELOOP, 40, "ELOOP", "Too many levels of symbolic links"},
		{ENOMSG, 42, "ENOMSG", "No message of desired type"},
		{EBFONT, 59, "EBFONT", "Bad font file format"},
		{EILSEQ, 84, "EILSEQ", "Invalid or incomplete multibyte or wide character"},
		{EOPNOTSUPP, 95, "EOPNOTSUPP", "Operation not supported"},
		{ETIMEDOUT, 110, "ETIMEDOUT", "Connection timed out"},
		{EDQUOT, 122, "EDQUOT", "Disk quota exceeded"},
		{ECANCELED, 125, "ECANCELED", "Operation canceled"},
		{EHWPOISON, 133, "EHWPOISON", "Memory page has hardware error"},
		// Aliases: same number, canonical name.
		{EWOULDBLOCK, 11, "EAGAIN", "Resource temporarily unavailable"},
		{EDEADLOCK, 35, "EDEADLK", "Resource deadlock avoided"},
		// No name: glibc's texts for these too.
		{0, 0, "errno 0", "Success"},
		{41, 41, "errno 41", "Unknown error 41"},
		{58, 58, "errno 58", "Unknown error 58"},
		{134, 134, "errno 134", "Unknown error 134"},
		{530, 530, "errno 530", "Unknown error 530"},
		{-1, -1, "errno -1", "Unknown error -1"},
	}
	for _, tt := range tests {
		if int(tt.e) != tt.num {
			t.Errorf("%s = %d, want %d", tt.name, int(tt.e), tt.num)
		}
		if got := tt.e.Name(); got != tt.name {
			t.Errorf("Errno(%d).Name() = %q, want %q", tt.num, got, tt.name)
		}
		if got := tt.e.Error(); got != tt.text {
			t.Errorf("Errno(%d).Error() = %q, want %q", tt.num, got, tt.text)
		}
	}
	if EWOULDBLOCK != EAGAIN || EDEADLOCK != EDEADLK {
		t.Error("EWOULDBLOCK/EDEADLOCK are not aliases")
	}
	var err error = ENOENT
	if !errors.Is(err, ENOENT) || errors.Is(err, ENOTDIR) {
		t.Error("errors.Is does not compare Errno values")
	}
}

func TestErrnoByName(t *testing.T) {
	tests := []struct {
		name string
		e    Errno
		ok   bool
	}{
		{"EPERM", EPERM, true},
		{"ENOENT", 2, true},
		{"EAGAIN", 11, true},
		{"EWOULDBLOCK", 11, true},
		{"EDEADLK", 35, true},
		{"EDEADLOCK", 35, true},
		{"EHWPOISON", 133, true},
		{"ENOTSUP", 0, false}, // glibc's alias of EOPNOTSUPP, not the kernel's
		{"ERESTARTSYS", 0, false},
		{"enoent", 0, false},
		{"errno 41", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		e, ok := ErrnoByName(tt.name)
		if e != tt.e || ok != tt.ok {
			t.Errorf("ErrnoByName(%q) = %d, %v; want %d, %v", tt.name, e, ok, tt.e, tt.ok)
		}
	}
	// Every canonical name maps back to its number.
	named := 0
	for n := -1; n < 200; n++ {
		name := Errno(n).Name()
		e, ok := ErrnoByName(name)
		if strings.HasPrefix(name, "errno ") {
			if ok {
				t.Errorf("ErrnoByName(%q) = %d, true", name, e)
			}
			continue
		}
		named++
		if !ok || e != Errno(n) {
			t.Errorf("ErrnoByName(%q) = %d, %v; want %d, true", name, e, ok, n)
		}
	}
	if named != 131 {
		t.Errorf("%d named errno numbers, want 131 (1-133 less 41 and 58)", named)
	}
}

// TestErrnoTableMatchesHeader re-reads the headers with a parser independent
// of gen_errno.go and checks the committed constants against them.
func TestErrnoTableMatchesHeader(t *testing.T) {
	const dir = "/usr/include/asm-generic"
	values := map[string]int{} // every name, aliases resolved
	var order []string
	for _, file := range []string{"errno-base.h", "errno.h"} {
		path := filepath.Join(dir, file)
		f, err := os.Open(path)
		if os.IsNotExist(err) {
			t.Skipf("%s not present", path)
		}
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 3 || fields[0] != "#define" || !strings.HasPrefix(fields[1], "E") {
				continue
			}
			n, err := strconv.Atoi(fields[2])
			if err != nil {
				var ok bool
				if n, ok = values[fields[2]]; !ok {
					t.Fatalf("%s: cannot resolve %q", path, sc.Text())
				}
			}
			values[fields[1]] = n
			order = append(order, fields[1])
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	if len(order) != 133 {
		t.Errorf("headers define %d names, the table was generated from 133", len(order))
	}
	first := map[int]string{}
	for _, name := range order {
		n := values[name]
		if _, ok := first[n]; !ok {
			first[n] = name
		}
		if e, ok := ErrnoByName(name); !ok || int(e) != n {
			t.Errorf("ErrnoByName(%q) = %d, %v; header says %d", name, e, ok, n)
		}
		if got := Errno(n).Name(); got != first[n] {
			t.Errorf("Errno(%d).Name() = %q, want %q (the first name defined for it)", n, got, first[n])
		}
	}
	for n := 1; n <= maxErrno+1; n++ {
		if _, ok := first[n]; !ok && !strings.HasPrefix(Errno(n).Name(), "errno ") {
			t.Errorf("Errno(%d).Name() = %q; the header does not define %d", n, Errno(n).Name(), n)
		}
	}
}
