package kernel

// Credentials (struct cred, kernel/cred.c and kernel/groups.c).
//
// A task acts with a set of credentials: the real, effective and saved
// user and group ids, the filesystem ids that permission checks use, and
// the supplementary groups. Linux keeps them in struct cred, which has two
// rules a student meets at once:
//
//   - A cred that a task has installed is never changed. To change its
//     ids a task copies its cred (prepare_creds), changes the copy, and
//     installs it (commit_creds), which drops the old one; a change it
//     gives up on is thrown away with abort_creds. So whoever holds a
//     pointer to a cred may read it without a lock.
//   - A cred is shared and counted: get_cred takes a reference, put_cred
//     drops one, and the last put frees it back to the cred_jar slab
//     cache. A new process gets a copy of its parent's (copy_creds); a new
//     thread shares its creator's until one of them commits another.
//
// Each task points at its cred twice: task->cred, the subjective
// credentials it acts with (current_cred()), and task->real_cred, the
// objective ones others see when they act on it (kill, /proc). They are
// the same cred, each pointer holding a reference, unless the kernel
// overrides the subjective ones for a while (override_creds), which kplay
// does not do. So a process with one thread holds its cred with usage 2,
// as crash shows on Linux.
//
// Capabilities. kplay has no capability sets of its own and no file
// capabilities; it derives them from the ids, as Linux's capability
// emulation (cap_emulate_setxuid, the fsuid fix-up and
// cap_bprm_creds_from_file's root rules in security/commoncap.c) leaves
// them for a process that descends from root, across set*id calls and
// execve, set-user-ID-root files included:
//
//   - permitted: all capabilities while the real, effective or saved
//     uid is 0; none once all three are not;
//   - effective: all of the permitted ones while the euid is 0, none
//     otherwise; except the filesystem capabilities (CAP_FS_SET:
//     CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER,
//     CAP_FSETID, CAP_LINUX_IMMUTABLE, CAP_MKNOD, CAP_MAC_OVERRIDE),
//     which follow the fsuid instead: present while the fsuid is 0 and
//     they are permitted.
//
// In short, CAP_SETUID, CAP_SETGID, CAP_KILL, CAP_SYS_NICE... mean euid 0,
// and CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_CHOWN... mean fsuid 0 (which is
// the euid unless setfsuid moved it): a root NFS server that calls
// setfsuid(1000) loses its filesystem privileges, as on Linux. There are
// no user namespaces: every id maps to itself, and only (uid_t)-1 is
// invalid.
//
// The VFS (package vfs) checks permissions with the cred itself, through
// the vfs.Cred interface: FSIDs, InGroup and Capable.
//
// Linux frees a cred after an RCU grace period (put_cred_rcu); kplay has
// one CPU and no RCU readers, so the last put frees it at once.

import (
	"fmt"
	"slices"
	"sort"

	"kplay/kernel/abi"
	"kplay/mm"
)

// noID is (uid_t)-1: "unchanged" in setresuid and friends, and the one
// invalid id (INVALID_UID) everywhere.
const noID = 0xffffffff

// capFSSet is CAP_FS_SET: the capabilities that follow the fsuid.
const capFSSet = 1<<abi.CAP_CHOWN | 1<<abi.CAP_MKNOD | 1<<abi.CAP_DAC_OVERRIDE |
	1<<abi.CAP_DAC_READ_SEARCH | 1<<abi.CAP_FOWNER | 1<<abi.CAP_FSETID |
	1<<abi.CAP_MAC_OVERRIDE | 1<<abi.CAP_LINUX_IMMUTABLE

// Cred is a task's credentials (struct cred). Ids are uid_t and gid_t
// values, 0 to 4294967294. The fields are read-only once the cred is
// installed: change a copy from prepareCreds and commit it.
type Cred struct {
	usage atomicT

	UID, GID   int // real ids: who owns the process
	SUID, SGID int // saved ids: what an unprivileged process may return to
	EUID, EGID int // effective ids: whose privileges it uses
	// FSUID and FSGID are the ids of filesystem permission checks and of
	// the files it creates; each follows its effective id unless
	// setfsuid or setfsgid moved it.
	FSUID, FSGID int

	groupInfo *GroupInfo

	// obj is the cred's object in the cred_jar cache; 0 for init_cred,
	// which is static.
	obj uint64
}

// GroupInfo is a set of supplementary groups (struct group_info): sorted,
// counted, and shared by every cred copied from one that has it, until
// setgroups installs another. Its memory comes from kmalloc (groups_alloc).
type GroupInfo struct {
	usage atomicT
	gids  []int
	obj   uint64 // its kmalloc'd memory; 0 for init_groups, which is static
}

// initCred is init_cred, swapper's credentials: root, no supplementary
// groups (init_groups). Its usage starts at 4 and its group_info's at 2,
// as Linux's static initialisers do; neither is ever freed.
func initCred() *Cred {
	return &Cred{usage: atomicT{4}, groupInfo: &GroupInfo{usage: atomicT{2}}}
}

// Usage is the cred's reference count (cred->usage).
func (c *Cred) Usage() int { return c.usage.read() }

// Groups returns the supplementary group ids, in ascending order.
func (c *Cred) Groups() []int { return append([]int(nil), c.groupInfo.gids...) }

// FSIDs returns the ids that filesystem permission checks use and that a
// new file gets as its owner and group (current_fsuid(), current_fsgid()).
func (c *Cred) FSIDs() (uid, gid int) { return c.FSUID, c.FSGID }

// InGroup reports whether gid is the fsgid or one of the supplementary
// groups (in_group_p): the test for a file's group permission bits.
func (c *Cred) InGroup(gid int) bool {
	if gid == c.FSGID {
		return true
	}
	g := c.groupInfo.gids
	i := sort.SearchInts(g, gid) // groups_search: the set is sorted
	return i < len(g) && g[i] == gid
}

// CapPermitted is the permitted capability set (cred->cap_permitted), as
// the package's capability rule derives it from the ids.
func (c *Cred) CapPermitted() uint64 {
	if c.UID == 0 || c.EUID == 0 || c.SUID == 0 {
		return capFullSet
	}
	return 0
}

// CapEffective is the effective capability set (cred->cap_effective):
// what Capable tests.
func (c *Cred) CapEffective() uint64 {
	var eff uint64
	if c.EUID == 0 {
		eff = c.CapPermitted()
	}
	if c.FSUID == 0 {
		return eff | c.CapPermitted()&capFSSet
	}
	return eff &^ capFSSet
}

// Capable reports whether the credentials carry capability cap, one of
// abi.CAP_* (has_capability, or capable() for current's cred). An unknown
// capability is never held.
func (c *Cred) Capable(cap int) bool {
	return cap >= 0 && cap <= abi.CAP_LAST_CAP && c.CapEffective()&(1<<cap) != 0
}

// accessCred is the cred access(2) checks with (access_override_creds):
// the real uid and gid in place of the fsuid and fsgid, so that a
// set-user-ID program asks what the user who ran it may do, and the
// filesystem capabilities follow the real uid as they follow the fsuid.
// Linux installs it with override_creds for the call; kplay checks with
// an uncounted copy that lives for the one call and is never installed.
func (c *Cred) accessCred() *Cred {
	a := *c
	a.FSUID, a.FSGID = c.UID, c.GID
	a.usage.set(0)
	return &a
}

// capable is capable(cap): does the calling task, t, have it.
func capable(t *Task, cap int) bool { return t.Cred.Capable(cap) }

// getCred takes a reference to a cred (get_cred).
func getCred(c *Cred) *Cred {
	c.usage.inc()
	return c
}

// putCred drops a reference (put_cred); the last one frees the cred and
// drops its group_info (__put_cred, put_cred_rcu).
func (k *Kernel) putCred(c *Cred) {
	if c.usage.read() < 1 {
		k.bug(fmt.Sprintf("put_cred: cred %#x has usage %d", c.obj, c.usage.read()))
	}
	if !c.usage.decAndTest() {
		return
	}
	k.putGroupInfo(c.groupInfo)
	k.kmemCacheFree("cred_jar", c.obj)
	c.obj, c.groupInfo = 0, nil
}

// prepareCreds copies t's credentials for changing (prepare_creds): a new
// cred_jar object with usage 1, sharing the group_info. It returns nil
// when there is no memory. t must be the calling task.
func (k *Kernel) prepareCreds(t *Task) *Cred {
	obj := k.kmemCacheAlloc("cred_jar", mm.GFPKernel)
	if obj == 0 {
		return nil
	}
	n := *t.Cred
	n.usage.set(1)
	n.obj = obj
	getGroupInfo(n.groupInfo)
	return &n
}

// commitCreds installs new as t's credentials, subjective and objective,
// and drops both references to the old ones (commit_creds). new must come
// from prepareCreds and not be installed anywhere yet; t must be the
// calling task. It always succeeds and returns 0.
//
// On the application path t is a ksyscalld thread acting for the caller
// (init) with the caller's cred borrowed: the change is the caller's, as
// if the caller had made the call itself, and the borrowed pointer follows.
func (k *Kernel) commitCreds(t *Task, new *Cred) int64 {
	owner := credOwner(t)
	old := owner.realCred
	if owner.Cred != old || t.Cred != old {
		k.bug("commit_creds: task->cred is not task->real_cred")
	}
	if new.usage.read() < 1 {
		k.bug(fmt.Sprintf("commit_creds: new cred %#x has usage %d", new.obj, new.usage.read()))
	}
	getCred(new) // one reference for each pointer
	owner.realCred, owner.Cred = new, new
	t.Cred = new
	k.putCred(old) // the old objective and subjective references
	k.putCred(old)
	return 0
}

// credOwner is the task whose credentials t acts with: t itself, or the
// caller a ksyscalld thread serves on the application path.
func credOwner(t *Task) *Task {
	if t.req != nil && t.req.Caller != nil && t.req.Caller != t && isSyscalld(t) {
		return t.req.Caller
	}
	return t
}

// abortCreds throws away credentials from prepareCreds that will not be
// committed (abort_creds).
func (k *Kernel) abortCreds(new *Cred) {
	if new.usage.read() < 1 {
		k.bug(fmt.Sprintf("abort_creds: cred %#x has usage %d", new.obj, new.usage.read()))
	}
	k.putCred(new)
}

// copyCreds gives a task being created its credentials from cur, the
// task that creates it (copy_creds): a thread (CLONE_THREAD) shares cur's
// cred; anything else gets a copy from prepareCreds, one more cred_jar
// object. The result holds one reference, for real_cred; the caller takes
// the second, for cred. nil when there is no memory for the copy.
func (k *Kernel) copyCreds(cur *Task, cloneFlags uint64) *Cred {
	if cloneFlags&cloneThread != 0 {
		return getCred(cur.Cred)
	}
	return k.prepareCreds(cur)
}

// exitCreds drops a dead task's two references (exit_creds, from
// put_task_struct).
func (k *Kernel) exitCreds(t *Task) {
	objective, subjective := t.realCred, t.Cred
	t.realCred, t.Cred = nil, nil
	k.putCred(objective)
	k.putCred(subjective)
}

// groupsAlloc allocates a group_info for n groups from kmalloc
// (groups_alloc): the header and n 4-byte gid_t. nil when there is no
// memory.
func (k *Kernel) groupsAlloc(n int) *GroupInfo {
	obj, err := k.Kmalloc(8+4*n, mm.GFPKernel)
	if err != nil {
		return nil
	}
	return &GroupInfo{usage: atomicT{1}, gids: make([]int, n), obj: obj}
}

// getGroupInfo takes a reference (get_group_info).
func getGroupInfo(g *GroupInfo) { g.usage.inc() }

// putGroupInfo drops a reference (put_group_info); the last one frees it.
func (k *Kernel) putGroupInfo(g *GroupInfo) {
	if !g.usage.decAndTest() {
		return
	}
	if err := k.Kfree(g.obj); err != nil {
		k.bug("put_group_info: " + err.Error())
	}
	g.obj = 0
}

// setGroups installs g in a cred being prepared (set_groups).
func (k *Kernel) setGroups(new *Cred, g *GroupInfo) {
	k.putGroupInfo(new.groupInfo)
	getGroupInfo(g)
	new.groupInfo = g
}

// credFields is task->cred as task PID shows it, with its usage count
// and the object it lives in.
func credFields(t *Task) []Field {
	c := t.Cred
	if c == nil { // a task being freed
		return []Field{{"cred", nil, ""}, {"real_cred", nil, ""}}
	}
	addr, what := credAddr(c)
	realAddr, realNote := credAddr(t.realCred)
	if t.realCred == c {
		realNote = "the same cred as cred"
	}
	gi := c.groupInfo
	return []Field{
		{"cred", addr, what},
		{"real_cred", realAddr, realNote},
		{"cred.usage", c.usage.read(), "cred and real_cred of each task sharing it"},
		{"cred.uid", c.UID, ""},
		{"cred.gid", c.GID, ""},
		{"cred.suid", c.SUID, ""},
		{"cred.sgid", c.SGID, ""},
		{"cred.euid", c.EUID, ""},
		{"cred.egid", c.EGID, ""},
		{"cred.fsuid", c.FSUID, ""},
		{"cred.fsgid", c.FSGID, ""},
		{"cred.cap_permitted", fmt.Sprintf("0x%016x", c.CapPermitted()), ""},
		{"cred.cap_effective", fmt.Sprintf("0x%016x", c.CapEffective()), ""},
		{"cred.group_info.usage", gi.usage.read(), ""},
		{"cred.group_info.ngroups", len(gi.gids), ""},
		{"cred.group_info.gid", append([]int{}, gi.gids...), ""},
	}
}

func credAddr(c *Cred) (string, string) {
	if c.obj == 0 {
		return "init_cred", "static, not in cred_jar"
	}
	return fmt.Sprintf("0x%x", c.obj), "a cred_jar object"
}

// spawnCreds prepares the credentials of a process spawned to run as c:
// init's cred, changed as login or su changes it before exec (setgroups,
// then setresgid and setresuid to one id each). The rules are those
// calls', applied with init's privileges: a uid that is none of init's
// needs CAP_SETUID, a gid that is none of init's or a different group set
// needs CAP_SETGID (EPERM). The result holds one reference.
//
// Preconditions: the caller holds the CPU.
func (k *Kernel) spawnCreds(c SpawnCreds) (*Cred, error) {
	if c.UID < 0 || c.UID >= noID {
		return nil, errInvalid("uid %d: want 0 to %d", c.UID, noID-1)
	}
	if c.GID < 0 || c.GID >= noID {
		return nil, errInvalid("gid %d: want 0 to %d", c.GID, noID-1)
	}
	if len(c.Groups) > abi.NGROUPS_MAX {
		return nil, errInvalid("%d groups: at most %d (NGROUPS_MAX)", len(c.Groups), abi.NGROUPS_MAX)
	}
	groups := append([]int(nil), c.Groups...)
	for _, g := range groups {
		if g < 0 || g >= noID {
			return nil, errInvalid("group %d: want 0 to %d", g, noID-1)
		}
	}
	sort.Ints(groups) // groups_sort
	old := k.initTsk.Cred
	ux := resIDs{cur: [4]int{old.UID, old.EUID, old.SUID, old.FSUID}, r: c.UID, e: c.UID, s: c.UID}
	gx := resIDs{cur: [4]int{old.GID, old.EGID, old.SGID, old.FSGID}, r: c.GID, e: c.GID, s: c.GID}
	if !slices.Equal(groups, old.Groups()) && !old.Capable(abi.CAP_SETGID) ||
		gx.needsPrivilege() && !old.Capable(abi.CAP_SETGID) ||
		ux.needsPrivilege() && !old.Capable(abi.CAP_SETUID) {
		return nil, &Error{Errno: abi.EPERM, Msg: fmt.Sprintf("uid %d gid %d: %v (init lacks CAP_SETUID or CAP_SETGID)", c.UID, c.GID, abi.EPERM)}
	}
	new := k.prepareCreds(k.initTsk)
	if new == nil {
		return nil, &Error{Errno: abi.ENOMEM, Msg: "no memory for a cred (cred_jar)"}
	}
	gi := k.groupsAlloc(len(groups))
	if gi == nil {
		k.abortCreds(new)
		return nil, &Error{Errno: abi.ENOMEM, Msg: "no memory for the groups (kmalloc)"}
	}
	copy(gi.gids, groups)
	k.setGroups(new, gi)
	k.putGroupInfo(gi)
	new.UID, new.EUID, new.SUID, new.FSUID = c.UID, c.UID, c.UID, c.UID
	new.GID, new.EGID, new.SGID, new.FSGID = c.GID, c.GID, c.GID, c.GID
	return new, nil
}

// killOK is check_kill_permission's credential test (kill_ok_by_cred):
// t may signal x if they are one process, if t's real or effective uid is
// x's real or saved uid, or with CAP_KILL. SIGCONT is allowed within a
// session, and kplay has one.
func killOK(t, x *Task, sig int) bool {
	if t.TGID == x.TGID || sig == abi.SIGCONT {
		return true
	}
	c, xc := t.Cred, x.realCred
	if xc == nil { // a task being freed
		return true
	}
	return c.EUID == xc.SUID || c.EUID == xc.UID || c.UID == xc.SUID || c.UID == xc.UID ||
		c.Capable(abi.CAP_KILL)
}

// sameOwnerOrNice is set_one_prio_perm and check_same_owner: t may change
// x's priority if t's euid is x's real or effective uid, or with
// CAP_SYS_NICE.
func sameOwnerOrNice(t, x *Task) bool {
	c, xc := t.Cred, x.realCred
	return xc == nil || c.EUID == xc.UID || c.EUID == xc.EUID || c.Capable(abi.CAP_SYS_NICE)
}

// canNice is can_nice: lowering x's nice value to nice needs RLIMIT_NICE
// (20 - nice within the limit, 0 by default) or CAP_SYS_NICE.
func canNice(t, x *Task, nice int) bool {
	return uint64(20-nice) <= x.rlim[rlimitNice].cur || capable(t, abi.CAP_SYS_NICE)
}
