package abi

import (
	"strconv"
	"sync"
)

// Errno is a Linux error number, as a positive value: a system call that
// fails returns -Errno. The named constants (EPERM ... EHWPOISON, and the
// aliases EWOULDBLOCK and EDEADLOCK) are generated into errno_table.go from
// the x86-64 UAPI headers.
//
// Errno implements error; Error returns glibc's strerror text.
type Errno int

// Name returns the constant's name, such as "ENOENT". For a number with two
// names it returns the canonical one, the first the header defines:
// EWOULDBLOCK.Name() is "EAGAIN" and EDEADLOCK.Name() is "EDEADLK". For a
// number with no name (0, a negative number, a gap such as 41 or 58, or one
// above EHWPOISON) it returns "errno N".
func (e Errno) Name() string {
	if e > 0 && int(e) < len(errnoNames) && errnoNames[e] != "" {
		return errnoNames[e]
	}
	return "errno " + strconv.Itoa(int(e))
}

// Error returns the message glibc's strerror gives for e in the C locale:
// "No such file or directory" for ENOENT, "Success" for 0, and
// "Unknown error N" for a number glibc has no message for (including
// negative numbers and the gaps 41 and 58).
func (e Errno) Error() string {
	if e >= 0 && int(e) < len(errnoText) && errnoText[e] != "" {
		return errnoText[e]
	}
	return "Unknown error " + strconv.Itoa(int(e))
}

// errnoByName maps every name, canonical or alias, to its number. Built on
// first use.
var errnoByName = sync.OnceValue(func() map[string]Errno {
	m := make(map[string]Errno, len(errnoNames)+len(errnoAliases))
	for n, name := range errnoNames {
		if name != "" {
			m[name] = Errno(n)
		}
	}
	for _, a := range errnoAliases {
		m[a.name] = a.errno
	}
	return m
})

// ErrnoByName returns the error number with the given name, which may be an
// alias: "ENOENT" gives ENOENT and "EWOULDBLOCK" gives EAGAIN. Names are
// case-sensitive. It reports false for a name that is not a Linux errno
// (including glibc-only names such as ENOTSUP).
func ErrnoByName(s string) (Errno, bool) {
	e, ok := errnoByName()[s]
	return e, ok
}
