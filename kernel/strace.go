package kernel

import (
	"encoding/binary"
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
		case argPtr, argBufOut, argUtsname, argTimespecOut, argTms, argSysinfo:
			r.ArgText[i] = fmtPtr(a)
		case argBufCount:
			r.ArgText[i] = k.straceBuf(t, a, r.Args[i+1])
		case argTimespecIn:
			r.ArgText[i] = k.straceTimespec(t, a)
		case argUint32:
			r.ArgText[i] = fmt.Sprint(uint32(a))
		case argClockID:
			if name, ok := clockNames[uint64(uint32(a))]; ok {
				r.ArgText[i] = name
			} else {
				r.ArgText[i] = fmt.Sprintf("%#x /* CLOCK_??? */", uint32(a))
			}
		case argClockFlags:
			f := uint32(a)
			switch {
			case f == 0:
				r.ArgText[i] = "0"
			case f == timerAbstime:
				r.ArgText[i] = "TIMER_ABSTIME"
			case f&timerAbstime != 0:
				r.ArgText[i] = fmt.Sprintf("TIMER_ABSTIME|%#x", f&^timerAbstime)
			default:
				r.ArgText[i] = fmt.Sprintf("%#x /* TIMER_??? */", f)
			}
		}
	}
}

// exit decodes what the call wrote for the caller.
func (r *SyscallRecord) exit(k *Kernel, t *Task, def syscallDef, implemented bool) {
	if !implemented {
		return
	}
	for i, kind := range def.args {
		a := r.Args[i]
		switch {
		case kind == argTimespecOut && r.Ret == 0:
			r.ArgText[i] = k.straceTimespec(t, a)
		case kind == argTms && r.Ret >= -4095 && r.Errno() == 0 && a != 0:
			var b [32]byte
			if n, _ := k.copyFromUser(t, b[:], a); n == len(b) {
				le := binary.LittleEndian
				r.ArgText[i] = fmt.Sprintf("{tms_utime=%d, tms_stime=%d, tms_cutime=%d, tms_cstime=%d}",
					le.Uint64(b[0:]), le.Uint64(b[8:]), le.Uint64(b[16:]), le.Uint64(b[24:]))
			}
		case kind == argSysinfo && r.Ret == 0:
			var b [sysinfoSize]byte
			if n, _ := k.copyFromUser(t, b[:], a); n == len(b) {
				le := binary.LittleEndian
				u := func(off int) uint64 { return le.Uint64(b[off:]) }
				r.ArgText[i] = fmt.Sprintf("{uptime=%d, loads=[%d, %d, %d], totalram=%d, freeram=%d, sharedram=%d, bufferram=%d, totalswap=%d, freeswap=%d, procs=%d, totalhigh=%d, freehigh=%d, mem_unit=%d}",
					int64(u(0)), u(8), u(16), u(24), u(32), u(40), u(48), u(56), u(64), u(72), le.Uint16(b[80:]), u(88), u(96), le.Uint32(b[104:]))
			}
		}
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

// straceTimespec prints a struct timespec as strace does, or its address
// when it cannot be read.
func (k *Kernel) straceTimespec(t *Task, addr uint64) string {
	if addr == 0 {
		return "NULL"
	}
	ts, err := k.getTimespec(t, addr)
	if err != 0 {
		return fmtPtr(addr)
	}
	return fmt.Sprintf("{tv_sec=%d, tv_nsec=%d}", ts.sec, ts.nsec)
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
