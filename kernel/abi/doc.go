// Package abi holds facts about the Linux x86-64 user ABI as data: system
// call numbers and names, errno numbers, names and messages, and the way
// strace prints string arguments, return values and unknown system calls.
// It is a leaf package: it imports only the standard library and nothing in
// kplay, so every other part of the kernel (and its tests) may use it.
//
// All numbers are those of x86-64 (the 64-bit personality, not x32 or i386).
// The data was taken from the machine the package was written on, not typed
// from memory:
//
//   - syscall numbers: /usr/include/x86_64-linux-gnu/asm/unistd_64.h (Linux
//     UAPI headers of Debian 12, highest number 450), by gen_syscalls.go
//     into syscalls_table.go;
//   - errno numbers and names: /usr/include/x86_64-linux-gnu/asm/errno.h and
//     the asm-generic headers it includes; messages: glibc 2.36 strerror in
//     the C locale, both by gen_errno.go into errno_table.go;
//   - capability numbers and NGROUPS_MAX: /usr/include/linux/capability.h
//     and limits.h (TestCapabilitiesMatchHeader checks them);
//   - the strace formats: observed from strace 6.1 on that machine; the
//     cases are recorded in strace_test.go, and strace_live_test.go repeats
//     the comparison against a local strace when KPLAY_LIVE_STRACE=1.
//
// To regenerate the tables (gen_errno.go needs cgo and a C compiler):
//
//	go generate ./kernel/abi/
//
// TestSyscallTableMatchesHeader and TestErrnoTableMatchesHeader check the
// committed tables against the headers when the headers are present.
package abi

//go:generate go run gen_syscalls.go
//go:generate go run gen_errno.go
