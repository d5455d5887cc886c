package kernel

import (
	"fmt"
	"strings"

	"kplay/kernel/abi"
)

// SyscallRecord is one system call as strace sees it: the arguments decoded
// at entry (and, for buffers the call fills, at exit) and the return value.
type SyscallRecord struct {
	Nr       int       `json:"nr"`
	Name     string    `json:"name"`
	Known    bool      `json:"known"` // Linux has this number
	Args     [6]uint64 `json:"-"`
	NArgs    int       `json:"-"`
	ArgText  []string  `json:"args"`
	Ret      int64     `json:"ret"`
	NoReturn bool      `json:"no_return,omitempty"`
	Path     Path      `json:"path"`
	Task     TaskRef   `json:"task"`
}

// displayName is the call's name, or strace's name for an unknown number.
func (r *SyscallRecord) displayName() string {
	if r.Known {
		return r.Name
	}
	return abi.FormatUnknownSyscall(r.Nr)
}

// String is the call as strace prints it, e.g.
// `write(1, "hello\n", 6)                  = 6` or `exit(0)   ...   = ?`.
func (r *SyscallRecord) String() string {
	ret := "?"
	if !r.NoReturn {
		ret = abi.FormatReturn(r.Ret)
	}
	call := fmt.Sprintf("%s(%s)", r.displayName(), strings.Join(r.ArgText, ", "))
	// strace aligns the result at column 40 (its -a default), or leaves
	// one space after a longer call.
	return fmt.Sprintf("%-39s = %s", call, ret)
}

// Errno is the error of a failed call, or 0.
func (r *SyscallRecord) Errno() abi.Errno {
	if r.NoReturn || r.Ret >= 0 || r.Ret < -4095 {
		return 0
	}
	return abi.Errno(-r.Ret)
}

// entry decodes the arguments strace prints before the call runs.
func (r *SyscallRecord) entry(k *Kernel, t *Task, def syscallDef, implemented bool) {
	if !implemented {
		// Without a signature, print what was given in strace's raw form.
		for i := 0; i < r.NArgs && i < 6; i++ {
			r.ArgText = append(r.ArgText, fmtRaw(r.Args[i]))
		}
		return
	}
	r.ArgText = make([]string, len(def.args))
	for i, kind := range def.args {
		a := r.Args[i]
		switch kind {
		case argInt:
			r.ArgText[i] = fmt.Sprint(int32(a))
		case argUint:
			r.ArgText[i] = fmt.Sprint(a)
		case argPtr, argBufOut, argUtsname:
			r.ArgText[i] = fmtPtr(a)
		case argBufCount:
			r.ArgText[i] = k.straceBuf(t, a, r.Args[i+1])
		}
	}
}

// exit decodes what the call wrote for the caller.
func (r *SyscallRecord) exit(k *Kernel, t *Task, def syscallDef, implemented bool) {
	if !implemented {
		return
	}
	for i, kind := range def.args {
		if kind == argUtsname && r.Ret == 0 {
			b := make([]byte, 2*utsLen)
			if n, _ := k.copyFromUser(t, b, r.Args[i]); n == len(b) {
				r.ArgText[i] = fmt.Sprintf("{sysname=%s, nodename=%s, ...}",
					abi.QuoteString(cstr(b[:utsLen]), utsLen), abi.QuoteString(cstr(b[utsLen:]), utsLen))
			}
		}
	}
}

// straceBuf prints a buffer of count bytes at addr, or its address when it
// cannot be read, as strace does.
func (k *Kernel) straceBuf(t *Task, addr, count uint64) string {
	b := make([]byte, min(count, abi.StraceStringLimit+1))
	got, errno := k.copyFromUser(t, b, addr)
	if errno != 0 && uint64(got) < min(count, abi.StraceStringLimit) {
		return fmtPtr(addr)
	}
	return abi.QuoteString(b[:got], abi.StraceStringLimit)
}

// fmtRaw prints a register as strace's raw mode does: 0, or hex.
func fmtRaw(a uint64) string {
	if a == 0 {
		return "0"
	}
	return fmt.Sprintf("%#x", a)
}

func fmtPtr(a uint64) string {
	if a == 0 {
		return "NULL"
	}
	return fmt.Sprintf("%#x", a)
}

func cstr(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}
