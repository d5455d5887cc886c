package kernel

import (
	"encoding/binary"

	"kplay/kernel/abi"
)

// Resource limits (include/uapi/asm-generic/resource.h).
const (
	rlimitCPU        = 0
	rlimitFsize      = 1
	rlimitData       = 2
	rlimitStack      = 3
	rlimitCore       = 4
	rlimitRSS        = 5
	rlimitNproc      = 6
	rlimitNofile     = 7
	rlimitMemlock    = 8
	rlimitAS         = 9
	rlimitLocks      = 10
	rlimitSigpending = 11
	rlimitMsgqueue   = 12
	rlimitNice       = 13
	rlimitRtprio     = 14
	rlimitRttime     = 15
	rlimNLimits      = 16
)

// rlimit is struct rlimit: the soft (cur) and hard (max) limits.
type rlimit struct{ cur, max uint64 }

var rlimitNames = []string{
	"RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS",
	"RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS",
	"RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
}

// initRlimits is INIT_RLIMITS, with RLIMIT_NPROC and RLIMIT_SIGPENDING
// at max_threads/2 as fork_init sets them.
func (k *Kernel) initRlimits() [rlimNLimits]rlimit {
	inf := rlimInfinity
	half := uint64(k.maxThreads() / 2)
	return [rlimNLimits]rlimit{
		rlimitCPU: {inf, inf}, rlimitFsize: {inf, inf}, rlimitData: {inf, inf},
		rlimitStack: {8 << 20, inf}, rlimitCore: {0, inf}, rlimitRSS: {inf, inf},
		rlimitNproc: {half, half}, rlimitNofile: {nofileCur, nofileMax},
		rlimitMemlock: {8 << 20, 8 << 20}, rlimitAS: {inf, inf}, rlimitLocks: {inf, inf},
		rlimitSigpending: {half, half}, rlimitMsgqueue: {819200, 819200},
		rlimitNice: {0, 0}, rlimitRtprio: {0, 0}, rlimitRttime: {inf, inf},
	}
}

func init() {
	addSyscalls(map[string]syscallDef{
		"getrlimit": {fn: sysGetrlimit, args: []argKind{argRlimitResource, argRlimitOut},
			proto: "int getrlimit(int resource, struct rlimit *rlim);"},
		"setrlimit": {fn: sysSetrlimit, args: []argKind{argRlimitResource, argRlimitIn},
			proto: "int setrlimit(int resource, const struct rlimit *rlim);"},
		"prlimit64": {fn: sysPrlimit64, args: []argKind{argInt, argRlimitResource, argRlimitIn, argRlimitOut},
			proto: "int prlimit(pid_t pid, int resource, const struct rlimit *_Nullable new_limit, struct rlimit *_Nullable old_limit);"},
	})
}

func sysGetrlimit(k *Kernel, t *Task, a *[6]uint64) int64 {
	return k.doPrlimit(t, t, a[0], 0, a[1])
}

func sysSetrlimit(k *Kernel, t *Task, a *[6]uint64) int64 {
	if a[1] == 0 {
		return -int64(abi.EFAULT)
	}
	return k.doPrlimit(t, t, a[0], a[1], 0)
}

// sysPrlimit64 implements Linux syscall prlimit64(2): pid 0 is the caller;
// another task's limits need its real, effective and saved uids and gids
// all to be the caller's real ones, or CAP_SYS_RESOURCE (EPERM,
// check_prlimit_permission).
func sysPrlimit64(k *Kernel, t *Task, a *[6]uint64) int64 {
	target := t
	if pid := int(int32(a[0])); pid != 0 {
		target = k.tasks[pid]
		if target == nil || target == k.idle || target.State == ExitDead {
			return -int64(abi.ESRCH)
		}
		c, tc := t.Cred, target.realCred
		idMatch := c.UID == tc.UID && c.UID == tc.EUID && c.UID == tc.SUID &&
			c.GID == tc.GID && c.GID == tc.EGID && c.GID == tc.SGID
		if target != t && !idMatch && !c.Capable(abi.CAP_SYS_RESOURCE) {
			return -int64(abi.EPERM)
		}
	}
	return k.doPrlimit(t, target, a[1], a[2], a[3])
}

// doPrlimit is do_prlimit: old limits out to oldAddr, new ones in from
// newAddr. EINVAL for an unknown resource or soft above hard; EPERM for
// raising a hard limit unprivileged; RLIMIT_NOFILE above fs.nr_open is
// EPERM too.
func (k *Kernel) doPrlimit(t, target *Task, resource, newAddr, oldAddr uint64) int64 {
	if resource >= rlimNLimits {
		return -int64(abi.EINVAL)
	}
	var nl rlimit
	if newAddr != 0 {
		var b [16]byte
		if _, err := k.copyFromUser(t, b[:], newAddr); err != 0 {
			return -int64(err)
		}
		nl = rlimit{binary.LittleEndian.Uint64(b[0:]), binary.LittleEndian.Uint64(b[8:])}
		if nl.cur > nl.max {
			return -int64(abi.EINVAL)
		}
		if resource == rlimitNofile && nl.max > sysctlNrOpen {
			return -int64(abi.EPERM)
		}
		if nl.max > target.rlim[resource].max && !capable(t, abi.CAP_SYS_RESOURCE) {
			return -int64(abi.EPERM)
		}
	}
	old := target.rlim[resource]
	if newAddr != 0 {
		for _, g := range k.groupTasks(target, true) {
			g.rlim[resource] = nl
		}
	}
	if oldAddr != 0 {
		var b [16]byte
		binary.LittleEndian.PutUint64(b[0:], old.cur)
		binary.LittleEndian.PutUint64(b[8:], old.max)
		if err := k.copyToUser(t, oldAddr, b[:]); err != 0 {
			return -int64(err)
		}
	}
	return 0
}
