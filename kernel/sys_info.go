package kernel

import (
	"bytes"

	"kplay/kernel/abi"
)

func init() {
	addSyscalls(map[string]syscallDef{
		"sethostname": {fn: sysSethostname, args: []argKind{argBufCount, argUint32},
			proto: "int sethostname(const char *name, size_t len);"},
	})
}

// sysGetpid implements Linux syscall getpid(2): the thread group id.
func sysGetpid(k *Kernel, t *Task, _ *[6]uint64) int64 { return int64(t.TGID) }

// sysGettid implements Linux syscall gettid(2).
func sysGettid(k *Kernel, t *Task, _ *[6]uint64) int64 { return int64(t.PID) }

// sysGetppid implements Linux syscall getppid(2): the real parent's tgid,
// 0 for a task whose parent is the idle task.
func sysGetppid(k *Kernel, t *Task, _ *[6]uint64) int64 {
	if t.Parent == nil {
		return 0
	}
	return int64(t.Parent.TGID)
}

// sysGetuid implements Linux syscall getuid(2).
func sysGetuid(k *Kernel, t *Task, _ *[6]uint64) int64 { return int64(t.Cred.UID) }

// sysGeteuid implements Linux syscall geteuid(2).
func sysGeteuid(k *Kernel, t *Task, _ *[6]uint64) int64 { return int64(t.Cred.EUID) }

// sysGetgid implements Linux syscall getgid(2).
func sysGetgid(k *Kernel, t *Task, _ *[6]uint64) int64 { return int64(t.Cred.GID) }

// sysGetegid implements Linux syscall getegid(2).
func sysGetegid(k *Kernel, t *Task, _ *[6]uint64) int64 { return int64(t.Cred.EGID) }

// Utsname is struct new_utsname: six NUL-padded 65-byte fields.
type Utsname struct {
	Sysname, Nodename, Release, Version, Machine, Domainname string
}

const utsLen = 65

// Uname returns the machine's identity as uname(2) reports it.
func (k *Kernel) Uname() Utsname {
	return Utsname{Sysname: "Linux", Nodename: k.hostname, Release: Release, Version: Version, Machine: "x86_64", Domainname: "(none)"}
}

// defaultHostname is the nodename at boot (init_uts_ns), as /etc/hostname
// also says.
const defaultHostname = "kplay"

// sysSethostname implements Linux syscall sethostname(2): CAP_SYS_ADMIN
// or EPERM; a length from 0 to __NEW_UTS_LEN (64) or
// EINVAL; then the len bytes, copied in (EFAULT), become the nodename,
// which uname reads up to its first NUL.
func sysSethostname(k *Kernel, t *Task, a *[6]uint64) int64 {
	if !capable(t, abi.CAP_SYS_ADMIN) {
		return errno(abi.EPERM)
	}
	n := int(int32(a[1]))
	if n < 0 || n > utsLen-1 {
		return errno(abi.EINVAL)
	}
	buf := make([]byte, n)
	if _, err := k.copyFromUser(t, buf, a[0]); err != 0 {
		return errno(err)
	}
	k.setHostname(buf)
	return 0
}

// setHostname stores a nodename: the bytes up to the first NUL.
func (k *Kernel) setHostname(b []byte) {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	k.hostname = string(b)
}

func (u Utsname) bytes() []byte {
	b := make([]byte, 6*utsLen)
	for i, f := range []string{u.Sysname, u.Nodename, u.Release, u.Version, u.Machine, u.Domainname} {
		copy(b[i*utsLen:i*utsLen+utsLen-1], f)
	}
	return b
}

// sysUname implements Linux syscall uname(2).
func sysUname(k *Kernel, t *Task, a *[6]uint64) int64 {
	if err := k.copyToUser(t, a[0], k.Uname().bytes()); err != 0 {
		return -int64(err)
	}
	return 0
}

// sysSchedYield implements Linux syscall sched_yield(2): the class
// moves the caller back (behind its rt priority, or as CFS's skip buddy)
// and the scheduler runs. It always succeeds.
func sysSchedYield(k *Kernel, t *Task, _ *[6]uint64) int64 {
	k.rq.Update(k.clockNs())
	k.rq.Yield()
	k.switchWhy = "yield"
	k.schedule()
	return 0
}

// sysExit implements Linux syscall exit(2). It does not return.
func sysExit(k *Kernel, t *Task, a *[6]uint64) int64 {
	k.syscallExitNoReturn(t)
	k.doExit(t, int(a[0]&0xff)<<8)
	return 0
}

// sysExitGroup implements Linux syscall exit_group(2): every thread of
// the group exits with the status (do_group_exit).
func sysExitGroup(k *Kernel, t *Task, a *[6]uint64) int64 {
	k.syscallExitNoReturn(t)
	k.doGroupExit(t, int(a[0]&0xff)<<8)
	return 0
}

// maxRWCount is MAX_RW_COUNT: INT_MAX rounded down to a page.
const maxRWCount = 0x7ffff000

// syscallExitNoReturn records that the current call never returns.
func (k *Kernel) syscallExitNoReturn(t *Task) {
	if t.req != nil && t.req.Record != nil {
		t.req.Record.NoReturn = true
	}
}
