package kernel

// The system calls that read and change credentials (kernel/sys.c and
// kernel/groups.c), with Linux 6.x's rules.
//
// Every change follows the pattern of cred.go: prepareCreds copies the
// caller's cred, the copy is changed, and commitCreds installs it, or
// abortCreds drops it when the change is refused. Unprivileged means
// without CAP_SETUID (for uids) or CAP_SETGID (for gids), which in kplay
// is euid != 0.
//
// What an unprivileged process may do with its user ids (the gid calls
// mirror them):
//
//   - setuid(id): set the euid (and fsuid) to its real or saved uid. A
//     privileged one sets all of real, effective and saved: there is no
//     way back, which is how a root daemon drops privileges for good.
//   - setreuid(r, e): set the real uid to the real or effective uid, and
//     the effective uid to the real, effective or saved uid. If the real
//     uid is set, or the euid is set to anything but the old real uid,
//     the saved uid becomes the new euid (the BSD rule that lets a setuid
//     program swap real and effective and swap back).
//   - setresuid(r, e, s): set each of the three to any of the current
//     three; -1 leaves one alone.
//   - setfsuid(id): set the fsuid to any of real, effective, saved or
//     current fsuid. It returns the old fsuid whether it changed or not:
//     it never fails, so a caller learns of a refusal only by calling it
//     again.
//
// In every call but setfsuid the fsuid follows the new euid. (uid_t)-1
// means "unchanged" where a call takes several ids; setuid(-1) is EINVAL.

import (
	"encoding/binary"
	"sort"

	"kplay/kernel/abi"
)

func init() {
	addSyscalls(map[string]syscallDef{
		"setuid": {fn: sysSetuid, args: []argKind{argUID},
			proto: "int setuid(uid_t uid);"},
		"setgid": {fn: sysSetgid, args: []argKind{argUID},
			proto: "int setgid(gid_t gid);"},
		"setreuid": {fn: sysSetreuid, args: []argKind{argUID, argUID},
			proto: "int setreuid(uid_t ruid, uid_t euid);"},
		"setregid": {fn: sysSetregid, args: []argKind{argUID, argUID},
			proto: "int setregid(gid_t rgid, gid_t egid);"},
		"setresuid": {fn: sysSetresuid, args: []argKind{argUID, argUID, argUID},
			proto: "int setresuid(uid_t ruid, uid_t euid, uid_t suid);"},
		"setresgid": {fn: sysSetresgid, args: []argKind{argUID, argUID, argUID},
			proto: "int setresgid(gid_t rgid, gid_t egid, gid_t sgid);"},
		"getresuid": {fn: sysGetresuid, args: []argKind{argUIDOut, argUIDOut, argUIDOut},
			proto: "int getresuid(uid_t *ruid, uid_t *euid, uid_t *suid);"},
		"getresgid": {fn: sysGetresgid, args: []argKind{argUIDOut, argUIDOut, argUIDOut},
			proto: "int getresgid(gid_t *rgid, gid_t *egid, gid_t *sgid);"},
		"setfsuid": {fn: sysSetfsuid, args: []argKind{argUID},
			proto: "[[deprecated]] int setfsuid(uid_t fsuid);"},
		"setfsgid": {fn: sysSetfsgid, args: []argKind{argUID},
			proto: "[[deprecated]] int setfsgid(gid_t fsgid);"},
		"getgroups": {fn: sysGetgroups, args: []argKind{argInt, argGroupsOut},
			proto: "int getgroups(int size, gid_t list[_Nullable size]);"},
		"setgroups": {fn: sysSetgroups, args: []argKind{argInt, argGroupsIn},
			proto: "int setgroups(size_t size, const gid_t list[size]);"},
	})
}

// idArg reads a uid_t or gid_t argument: the low 32 bits of the register.
func idArg(a uint64) int { return int(uint32(a)) }

// sysSetuid implements Linux syscall setuid(2) (__sys_setuid).
func sysSetuid(k *Kernel, t *Task, a *[6]uint64) int64 {
	uid := idArg(a[0])
	if uid == noID {
		return -int64(abi.EINVAL)
	}
	new := k.prepareCreds(t)
	if new == nil {
		return -int64(abi.ENOMEM)
	}
	old := t.Cred
	if old.Capable(abi.CAP_SETUID) {
		new.SUID, new.UID = uid, uid
	} else if uid != old.UID && uid != new.SUID {
		k.abortCreds(new)
		return -int64(abi.EPERM)
	}
	new.FSUID, new.EUID = uid, uid
	return k.commitCreds(t, new)
}

// sysSetgid implements Linux syscall setgid(2) (__sys_setgid).
func sysSetgid(k *Kernel, t *Task, a *[6]uint64) int64 {
	gid := idArg(a[0])
	if gid == noID {
		return -int64(abi.EINVAL)
	}
	new := k.prepareCreds(t)
	if new == nil {
		return -int64(abi.ENOMEM)
	}
	old := t.Cred
	switch {
	case old.Capable(abi.CAP_SETGID):
		new.GID, new.EGID, new.SGID, new.FSGID = gid, gid, gid, gid
	case gid == old.GID || gid == old.SGID:
		new.EGID, new.FSGID = gid, gid
	default:
		k.abortCreds(new)
		return -int64(abi.EPERM)
	}
	return k.commitCreds(t, new)
}

// sysSetreuid implements Linux syscall setreuid(2) (__sys_setreuid).
func sysSetreuid(k *Kernel, t *Task, a *[6]uint64) int64 {
	ruid, euid := idArg(a[0]), idArg(a[1])
	new := k.prepareCreds(t)
	if new == nil {
		return -int64(abi.ENOMEM)
	}
	old := t.Cred
	privileged := old.Capable(abi.CAP_SETUID)
	if ruid != noID {
		new.UID = ruid
		if ruid != old.UID && ruid != old.EUID && !privileged {
			k.abortCreds(new)
			return -int64(abi.EPERM)
		}
	}
	if euid != noID {
		new.EUID = euid
		if euid != old.UID && euid != old.EUID && euid != old.SUID && !privileged {
			k.abortCreds(new)
			return -int64(abi.EPERM)
		}
	}
	if ruid != noID || (euid != noID && euid != old.UID) {
		new.SUID = new.EUID
	}
	new.FSUID = new.EUID
	return k.commitCreds(t, new)
}

// sysSetregid implements Linux syscall setregid(2) (__sys_setregid).
func sysSetregid(k *Kernel, t *Task, a *[6]uint64) int64 {
	rgid, egid := idArg(a[0]), idArg(a[1])
	new := k.prepareCreds(t)
	if new == nil {
		return -int64(abi.ENOMEM)
	}
	old := t.Cred
	privileged := old.Capable(abi.CAP_SETGID)
	if rgid != noID {
		if rgid != old.GID && rgid != old.EGID && !privileged {
			k.abortCreds(new)
			return -int64(abi.EPERM)
		}
		new.GID = rgid
	}
	if egid != noID {
		if egid != old.GID && egid != old.EGID && egid != old.SGID && !privileged {
			k.abortCreds(new)
			return -int64(abi.EPERM)
		}
		new.EGID = egid
	}
	if rgid != noID || (egid != noID && egid != old.GID) {
		new.SGID = new.EGID
	}
	new.FSGID = new.EGID
	return k.commitCreds(t, new)
}

// resIDs is the common part of setresuid and setresgid: the current real,
// effective, saved and fs ids, and the requested three.
type resIDs struct {
	cur     [4]int // real, effective, saved, fs
	r, e, s int
}

// noop reports whether the call would change nothing (setresuid's "check
// for no-op", which also spares the cred copy).
func (x resIDs) noop() bool {
	return (x.r == noID || x.r == x.cur[0]) &&
		(x.e == noID || (x.e == x.cur[1] && x.e == x.cur[3])) &&
		(x.s == noID || x.s == x.cur[2])
}

// needsPrivilege reports whether one of the requested ids is none of the
// current real, effective and saved ids.
func (x resIDs) needsPrivilege() bool {
	for _, id := range []int{x.r, x.e, x.s} {
		if id != noID && id != x.cur[0] && id != x.cur[1] && id != x.cur[2] {
			return true
		}
	}
	return false
}

// sysSetresuid implements Linux syscall setresuid(2) (__sys_setresuid).
func sysSetresuid(k *Kernel, t *Task, a *[6]uint64) int64 {
	old := t.Cred
	x := resIDs{cur: [4]int{old.UID, old.EUID, old.SUID, old.FSUID}, r: idArg(a[0]), e: idArg(a[1]), s: idArg(a[2])}
	if x.noop() {
		return 0
	}
	if x.needsPrivilege() && !old.Capable(abi.CAP_SETUID) {
		return -int64(abi.EPERM)
	}
	new := k.prepareCreds(t)
	if new == nil {
		return -int64(abi.ENOMEM)
	}
	if x.r != noID {
		new.UID = x.r
	}
	if x.e != noID {
		new.EUID = x.e
	}
	if x.s != noID {
		new.SUID = x.s
	}
	new.FSUID = new.EUID
	return k.commitCreds(t, new)
}

// sysSetresgid implements Linux syscall setresgid(2) (__sys_setresgid).
func sysSetresgid(k *Kernel, t *Task, a *[6]uint64) int64 {
	old := t.Cred
	x := resIDs{cur: [4]int{old.GID, old.EGID, old.SGID, old.FSGID}, r: idArg(a[0]), e: idArg(a[1]), s: idArg(a[2])}
	if x.noop() {
		return 0
	}
	if x.needsPrivilege() && !old.Capable(abi.CAP_SETGID) {
		return -int64(abi.EPERM)
	}
	new := k.prepareCreds(t)
	if new == nil {
		return -int64(abi.ENOMEM)
	}
	if x.r != noID {
		new.GID = x.r
	}
	if x.e != noID {
		new.EGID = x.e
	}
	if x.s != noID {
		new.SGID = x.s
	}
	new.FSGID = new.EGID
	return k.commitCreds(t, new)
}

// putIDs writes three uid_t or gid_t, one put_user each: a bad second
// pointer leaves the first written, as in Linux.
func (k *Kernel) putIDs(t *Task, addrs []uint64, ids ...int) int64 {
	for i, id := range ids {
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], uint32(id))
		if err := k.copyToUser(t, addrs[i], b[:]); err != 0 {
			return -int64(err)
		}
	}
	return 0
}

// sysGetresuid implements Linux syscall getresuid(2).
func sysGetresuid(k *Kernel, t *Task, a *[6]uint64) int64 {
	c := t.Cred
	return k.putIDs(t, a[:3], c.UID, c.EUID, c.SUID)
}

// sysGetresgid implements Linux syscall getresgid(2).
func sysGetresgid(k *Kernel, t *Task, a *[6]uint64) int64 {
	c := t.Cred
	return k.putIDs(t, a[:3], c.GID, c.EGID, c.SGID)
}

// sysSetfsuid implements Linux syscall setfsuid(2) (__sys_setfsuid). It
// returns the old fsuid, changed or not.
func sysSetfsuid(k *Kernel, t *Task, a *[6]uint64) int64 {
	old := t.Cred
	oldFsuid := int64(old.FSUID)
	uid := idArg(a[0])
	if uid == noID {
		return oldFsuid
	}
	new := k.prepareCreds(t)
	if new == nil {
		return oldFsuid
	}
	if (uid == old.UID || uid == old.EUID || uid == old.SUID || uid == old.FSUID ||
		old.Capable(abi.CAP_SETUID)) && uid != old.FSUID {
		new.FSUID = uid
		k.commitCreds(t, new)
		return oldFsuid
	}
	k.abortCreds(new)
	return oldFsuid
}

// sysSetfsgid implements Linux syscall setfsgid(2) (__sys_setfsgid). It
// returns the old fsgid, changed or not.
func sysSetfsgid(k *Kernel, t *Task, a *[6]uint64) int64 {
	old := t.Cred
	oldFsgid := int64(old.FSGID)
	gid := idArg(a[0])
	if gid == noID {
		return oldFsgid
	}
	new := k.prepareCreds(t)
	if new == nil {
		return oldFsgid
	}
	if (gid == old.GID || gid == old.EGID || gid == old.SGID || gid == old.FSGID ||
		old.Capable(abi.CAP_SETGID)) && gid != old.FSGID {
		new.FSGID = gid
		k.commitCreds(t, new)
		return oldFsgid
	}
	k.abortCreds(new)
	return oldFsgid
}

// sysGetgroups implements Linux syscall getgroups(2): with size 0 it only
// counts the supplementary groups; otherwise it copies them to list, and
// fails with EINVAL when they do not fit.
func sysGetgroups(k *Kernel, t *Task, a *[6]uint64) int64 {
	size, list := int32(a[0]), a[1]
	if size < 0 {
		return -int64(abi.EINVAL)
	}
	gids := t.Cred.groupInfo.gids
	if size == 0 {
		return int64(len(gids))
	}
	if len(gids) > int(size) {
		return -int64(abi.EINVAL)
	}
	// groups_to_user: one put_user per group.
	for i, g := range gids {
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], uint32(g))
		if err := k.copyToUser(t, list+4*uint64(i), b[:]); err != 0 {
			return -int64(abi.EFAULT)
		}
	}
	return int64(len(gids))
}

// sysSetgroups implements Linux syscall setgroups(2): a privileged caller
// replaces its supplementary groups with size gids from list, which the
// kernel keeps sorted. size 0 clears them.
func sysSetgroups(k *Kernel, t *Task, a *[6]uint64) int64 {
	size, list := int32(a[0]), a[1]
	if !capable(t, abi.CAP_SETGID) { // may_setgroups
		return -int64(abi.EPERM)
	}
	if uint32(size) > abi.NGROUPS_MAX {
		return -int64(abi.EINVAL)
	}
	gi := k.groupsAlloc(int(size))
	if gi == nil {
		return -int64(abi.ENOMEM)
	}
	// groups_from_user: one get_user per group; (gid_t)-1 is invalid.
	for i := range gi.gids {
		var b [4]byte
		if n, _ := k.copyFromUser(t, b[:], list+4*uint64(i)); n != len(b) {
			k.putGroupInfo(gi)
			return -int64(abi.EFAULT)
		}
		if gi.gids[i] = int(binary.LittleEndian.Uint32(b[:])); gi.gids[i] == noID {
			k.putGroupInfo(gi)
			return -int64(abi.EINVAL)
		}
	}
	sort.Ints(gi.gids) // groups_sort
	ret := k.setCurrentGroups(t, gi)
	k.putGroupInfo(gi)
	return ret
}

// setCurrentGroups installs a group set in the caller's credentials
// (set_current_groups).
func (k *Kernel) setCurrentGroups(t *Task, gi *GroupInfo) int64 {
	new := k.prepareCreds(t)
	if new == nil {
		return -int64(abi.ENOMEM)
	}
	k.setGroups(new, gi)
	return k.commitCreds(t, new)
}
