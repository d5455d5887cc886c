package kernel

import (
	"encoding/binary"
	"fmt"
	"strings"

	"kplay/kernel/abi"
	"kplay/sched"
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
	RetNote  string    `json:"ret_note,omitempty"` // strace's decoding of the value: "(SCHED_FIFO)"
	NoReturn bool      `json:"no_return,omitempty"`
	// Entering: the call has not run yet (a breakpoint at its entry).
	Entering bool `json:"entering,omitempty"`
	// RetHex: the return value is an address (strace prints it in hex).
	RetHex bool `json:"-"`
	// RetOctal: the return value is a mode (umask).
	RetOctal bool    `json:"-"`
	Path     Path    `json:"path"`
	Task     TaskRef `json:"task"`
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
	if r.Entering {
		// strace's line for a call that has not returned.
		return fmt.Sprintf("%s(%s <unfinished ...>", r.displayName(), strings.Join(r.ArgText, ", "))
	}
	return straceAlign(fmt.Sprintf("%s(%s)", r.displayName(), strings.Join(r.ArgText, ", ")), r.retText())
}

// retText is what strace prints after "= ": the value, decoded, or "?"
// for a call that does not return.
func (r *SyscallRecord) retText() string {
	if r.NoReturn {
		return "?"
	}
	ret := abi.FormatReturn(r.Ret)
	if r.RetHex && r.Errno() == 0 {
		ret = fmt.Sprintf("%#x", uint64(r.Ret))
	}
	if r.RetOctal && r.Errno() == 0 {
		ret = fmt.Sprintf("%#03o", r.Ret)
	}
	if r.RetNote != "" && r.Ret >= 0 {
		ret += " " + r.RetNote
	}
	return ret
}

// straceColumn is strace's -a default (acolumn): the column of "= ".
const straceColumn = 40

// straceAlign ends a line as strace's syscall_exiting_trace does: after
// the call comes a space, then spaces up to column 40 (tabto), then "= "
// and the return value. line is everything before, the "[pid N] "
// prefix included, which counts toward the column.
func straceAlign(line, ret string) string {
	line += " "
	if n := len(line); n < straceColumn {
		line += strings.Repeat(" ", straceColumn-n)
	}
	return line + "= " + ret
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
	if def.straceEntry != nil {
		def.straceEntry(k, t, r)
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
		case argPtr, argBufOut, argUtsname, argTimespecOut, argTms, argSysinfo, argWaitStatus, argSchedParamOut,
			argUIDOut, argGroupsOut:
			r.ArgText[i] = fmtPtr(a)
		case argUID:
			r.ArgText[i] = straceUID(a)
		case argGroupsIn:
			r.ArgText[i] = k.straceGroups(t, uint32(r.Args[i-1]), a)
		case argBufCount:
			r.ArgText[i] = k.straceBuf(t, a, r.Args[i+1])
		case argTimespecIn:
			r.ArgText[i] = k.straceTimespec(t, a)
		case argUint32:
			r.ArgText[i] = fmt.Sprint(uint32(a))
		case argSignal:
			r.ArgText[i] = straceSignal(int(int32(a)))
		case argWaitOptions:
			r.ArgText[i] = straceFlags(uint64(uint32(a)), waitOptionNames, "W???")
		case argProt:
			r.ArgText[i] = straceProt(uint64(uint32(a)))
		case argMapFlags:
			r.ArgText[i] = straceFlags(uint64(uint32(a)), mapFlagNames, "MAP_???")
		case argHex:
			r.ArgText[i] = "0" // C's %#lx prints zero without 0x
			if a != 0 {
				r.ArgText[i] = fmt.Sprintf("%#x", a)
			}
		case argPrioWhich:
			r.ArgText[i] = straceEnum(int(int32(a)), []string{"PRIO_PROCESS", "PRIO_PGRP", "PRIO_USER"}, "PRIO_???")
		case argSchedPolicy:
			r.ArgText[i] = stracePolicy(int(int32(a)))
		case argSchedParamIn:
			r.ArgText[i] = k.straceSchedParam(t, a)
		case argClockID:
			if name, ok := clockNames[uint64(uint32(a))]; ok {
				r.ArgText[i] = name
			} else {
				r.ArgText[i] = fmt.Sprintf("%#x /* CLOCK_??? */", uint32(a))
			}
		default:
			if f := argFormats[kind].entry; f != nil {
				r.ArgText[i] = f(k, t, r, i)
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
	// An argument strace leaves out (open's mode without O_CREAT) is
	// always the last.
	for n := len(r.ArgText); n > 0 && r.ArgText[n-1] == argOmitted; n-- {
		r.ArgText = r.ArgText[:n-1]
	}
}

// filledByCall reports whether an argument is one the call writes, which
// strace prints at exit: with the arguments after it, it goes on the
// "<... resumed>" line of a call that blocks.
// The kinds with an exit decoder (read's buffer, fstat's struct) are.
func (a argKind) filledByCall() bool {
	switch a {
	case argBufOut, argUtsname, argTimespecOut, argTms, argSysinfo, argWaitStatus, argSchedParamOut:
		return true
	}
	return argFormats[a].exit != nil
}

// exit decodes what the call wrote for the caller.
func (r *SyscallRecord) exit(k *Kernel, t *Task, def syscallDef, implemented bool) {
	if !implemented {
		return
	}
	if def.retPolicy && r.Ret >= 0 {
		r.RetNote = "(" + stracePolicy(int(r.Ret)) + ")"
	}
	r.RetHex = def.retAddr
	r.RetOctal = def.retOctal
	for i, kind := range def.args {
		a := r.Args[i]
		if f := argFormats[kind].exit; f != nil && i < len(r.ArgText) {
			if s, ok := f(k, t, r, i); ok {
				r.ArgText[i] = s
			}
		}
		switch {
		case kind == argWaitStatus && r.Ret > 0 && a != 0:
			var b [4]byte
			if n, _ := k.copyFromUser(t, b[:], a); n == 4 {
				r.ArgText[i] = "[" + straceWaitStatus(int(binary.LittleEndian.Uint32(b[:]))) + "]"
			}
		case kind == argUIDOut:
			r.ArgText[i] = k.straceIDOut(t, r, a)
		case kind == argGroupsOut && r.Errno() == 0:
			r.ArgText[i] = k.straceGroups(t, uint32(r.Ret), a)
		case kind == argSchedParamOut && r.Ret == 0:
			r.ArgText[i] = k.straceSchedParam(t, a)
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
	if def.straceExit != nil {
		def.straceExit(k, t, r)
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

// straceSignal prints a signal number as strace does: SIGTERM, or 0.
func straceSignal(sig int) string {
	if sig == 0 {
		return "0"
	}
	if sig < 0 || sig > abi.NSIG {
		return fmt.Sprint(sig)
	}
	return abi.SignalName(sig)
}

var waitOptionNames = []flagName{
	{wNohang, "WNOHANG"}, {wUntraced, "WUNTRACED"}, {wContinued, "WCONTINUED"},
	{wNothread, "__WNOTHREAD"}, {wAll, "__WALL"}, {wClone, "__WCLONE"},
}

var cloneFlagNames = []flagName{
	{cloneVM, "CLONE_VM"}, {cloneFS, "CLONE_FS"}, {cloneFiles, "CLONE_FILES"},
	{cloneSighand, "CLONE_SIGHAND"}, {clonePidfd, "CLONE_PIDFD"}, {clonePtrace, "CLONE_PTRACE"},
	{cloneVfork, "CLONE_VFORK"}, {cloneParent, "CLONE_PARENT"}, {cloneThread, "CLONE_THREAD"},
	{cloneNewns, "CLONE_NEWNS"}, {cloneSysvsem, "CLONE_SYSVSEM"}, {cloneSettls, "CLONE_SETTLS"},
	{cloneParentSettid, "CLONE_PARENT_SETTID"}, {cloneChildCleartid, "CLONE_CHILD_CLEARTID"},
	{cloneDetached, "CLONE_DETACHED"}, {cloneUntraced, "CLONE_UNTRACED"},
	{cloneChildSettid, "CLONE_CHILD_SETTID"},
}

type flagName struct {
	bit  uint64
	name string
}

// straceFlags prints a flag set as A|B|0x40, or 0, or with no known flag
// 0x40 /* unknown */ (AT_???, O_???), as strace's printflags does. An
// entry of several bits prints only when all are set.
func straceFlags(v uint64, names []flagName, unknown string) string {
	var parts []string
	for _, f := range names {
		if v&f.bit == f.bit && f.bit != 0 { // all of a multi-bit entry (O_SYNC holds O_DSYNC)
			parts = append(parts, f.name)
			v &^= f.bit
		}
	}
	switch {
	case v != 0 && len(parts) == 0:
		// Nothing known: strace's printflags_ex names the kind of flag
		// it expected.
		return fmt.Sprintf("%#x /* %s */", v, unknown)
	case v != 0:
		parts = append(parts, fmt.Sprintf("%#x", v))
	case len(parts) == 0:
		return "0"
	}
	return strings.Join(parts, "|")
}

func straceEnum(v int, names []string, unknown string) string {
	if v >= 0 && v < len(names) {
		return names[v]
	}
	return fmt.Sprintf("%#x /* %s */", v, unknown)
}

// stracePolicy prints a scheduling policy: SCHED_FIFO, with
// |SCHED_RESET_ON_FORK.
func stracePolicy(p int) string {
	s := ""
	if p&schedResetOnFork != 0 {
		s, p = "|SCHED_RESET_ON_FORK", p&^schedResetOnFork
	}
	name := sched.PolicyName(p)
	if name == "?" {
		return fmt.Sprintf("%#x /* SCHED_??? */", p) + s
	}
	return name + s
}

// straceSchedParam prints struct sched_param as [prio].
func (k *Kernel) straceSchedParam(t *Task, addr uint64) string { return k.straceInts(t, addr, 1) }

// straceInts prints n ints in user memory as strace prints an int array
// ([3, 4]), or the pointer when they cannot be read.
func (k *Kernel) straceInts(t *Task, addr uint64, n int) string {
	if addr == 0 {
		return "NULL"
	}
	b := make([]byte, 4*n)
	if got, _ := k.copyFromUser(t, b, addr); got != len(b) {
		return fmtPtr(addr)
	}
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprint(int32(binary.LittleEndian.Uint32(b[4*i:])))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// straceWaitStatus prints a wait status with the W* macros, as strace
// does.
func straceWaitStatus(s int) string {
	switch {
	case s&0x7f == 0: // WIFEXITED
		return fmt.Sprintf("{WIFEXITED(s) && WEXITSTATUS(s) == %d}", (s>>8)&0xff)
	case s == 0xffff:
		return "{WIFCONTINUED(s)}"
	case s&0xff == 0x7f: // WIFSTOPPED
		return fmt.Sprintf("{WIFSTOPPED(s) && WSTOPSIG(s) == %s}", straceSignal((s>>8)&0xff))
	}
	out := fmt.Sprintf("{WIFSIGNALED(s) && WTERMSIG(s) == %s", straceSignal(s&0x7f))
	if s&0x80 != 0 {
		out += " && WCOREDUMP(s)"
	}
	return out + "}"
}

// straceClone prints clone's arguments by name, as strace does on x86-64:
// child_stack, flags, then parent_tid, child_tidptr and tls when the
// flags use them.
func straceClone(k *Kernel, t *Task, r *SyscallRecord) {
	a := r.Args
	flags := straceFlags(a[0]&^csignal, cloneFlagNames, "CLONE_???")
	if sig := int(a[0] & csignal); sig != 0 {
		if a[0]&^csignal == 0 {
			flags = straceSignal(sig)
		} else {
			flags += "|" + straceSignal(sig)
		}
	}
	r.ArgText = []string{"child_stack=" + fmtPtr(a[1]), "flags=" + flags}
	if a[0]&cloneParentSettid != 0 {
		r.ArgText = append(r.ArgText, "parent_tid="+fmtPtr(a[2]))
	}
	if a[0]&(cloneChildSettid|cloneChildCleartid) != 0 {
		r.ArgText = append(r.ArgText, "child_tidptr="+fmtPtr(a[3]))
	}
	if a[0]&cloneSettls != 0 {
		r.ArgText = append(r.ArgText, "tls="+fmtPtr(a[4]))
	}
}
