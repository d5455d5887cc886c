package kernel

import (
	"encoding/binary"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"kplay/kernel/abi"
)

var (
	straceGap  = regexp.MustCompile(` += `)
	straceAddr = regexp.MustCompile(`0x[0-9a-f]+`)
)

// credStraceLine is a record as strace prints it, with the padding before
// " = " squeezed and user addresses written ADDR.
func credStraceLine(r *SyscallRecord) string {
	return straceAddr.ReplaceAllString(straceGap.ReplaceAllString(r.String(), " = "), "ADDR")
}

// credProg spawns src as a child of init (root, as the shell's jobs
// are), lets 10 ms of simulated time pass, and returns the pid and the
// strace lines of the calls it made. Programs end with a sleep so that the
// task is still there to inspect.
func credProg(t *testing.T, k *Kernel, src string) (int, []string) {
	t.Helper()
	pid := spawn(t, k, src, SpawnOptions{})
	k.Run(Stop{For: 10e6})
	var lines []string
	for _, e := range k.Events() {
		if e.Kind == EvSyscall && e.Syscall.Task.PID == pid {
			lines = append(lines, credStraceLine(e.Syscall))
		}
	}
	return pid, lines
}

func ids(c *Cred) (uids, gids string) {
	return fmt.Sprint(c.UID, c.EUID, c.SUID, c.FSUID), fmt.Sprint(c.GID, c.EGID, c.SGID, c.FSGID)
}

// Each case runs a program as a spawned task, checks every strace line it
// produced, then the task's real, effective, saved and fs ids.
func TestSetIDCallsFollowLinuxRules(t *testing.T) {
	cases := []struct {
		name       string
		prog       string
		want       []string
		uids, gids string
	}{
		{"setuid as root sets real, effective and saved",
			`syscall setuid 1000; syscall getresuid "aaa" "bbb" "ccc"`,
			[]string{"setuid(1000) = 0", "getresuid([1000], [1000], [1000]) = 0"},
			"1000 1000 1000 1000", "0 0 0 0"},
		{"setuid(-1) is EINVAL",
			`syscall setuid -1`,
			[]string{"setuid(-1) = -1 EINVAL (Invalid argument)"},
			"0 0 0 0", "0 0 0 0"},
		{"setuid as non-root cannot become root",
			`syscall setuid 1000; syscall setuid 0`,
			[]string{"setuid(1000) = 0", "setuid(0) = -1 EPERM (Operation not permitted)"},
			"1000 1000 1000 1000", "0 0 0 0"},
		{"setuid as non-root may take the saved uid, and as root then drops it for good",
			`syscall setresuid 1000 1000 0; syscall setuid 0; syscall setuid 1000; syscall setuid 0`,
			[]string{"setresuid(1000, 1000, 0) = 0", "setuid(0) = 0", "setuid(1000) = 0",
				"setuid(0) = -1 EPERM (Operation not permitted)"},
			"1000 1000 1000 1000", "0 0 0 0"},
		{"setgid as root sets all four gids",
			`syscall setgid 100; syscall getresgid "aaa" "bbb" "ccc"`,
			[]string{"setgid(100) = 0", "getresgid([100], [100], [100]) = 0"},
			"0 0 0 0", "100 100 100 100"},
		{"setgid(-1) is EINVAL",
			`syscall setgid -1`,
			[]string{"setgid(-1) = -1 EINVAL (Invalid argument)"},
			"0 0 0 0", "0 0 0 0"},
		{"setgid as non-root takes only the real or saved gid",
			`syscall setresgid 100 100 200; syscall setuid 1000; syscall setgid 300; syscall setgid 200`,
			[]string{"setresgid(100, 100, 200) = 0", "setuid(1000) = 0",
				"setgid(300) = -1 EPERM (Operation not permitted)", "setgid(200) = 0"},
			"1000 1000 1000 1000", "100 200 200 200"},
		{"setreuid as root: setting the real uid sets the saved one to the new euid",
			`syscall setreuid 1000 2000`,
			[]string{"setreuid(1000, 2000) = 0"},
			"1000 2000 2000 2000", "0 0 0 0"},
		{"setreuid as non-root swaps real and effective, and swaps back",
			`syscall setresuid 1000 2000 3000; syscall setreuid 2000 1000; syscall setreuid 1000 2000; syscall setreuid 3000 -1`,
			[]string{"setresuid(1000, 2000, 3000) = 0", "setreuid(2000, 1000) = 0", "setreuid(1000, 2000) = 0",
				"setreuid(3000, -1) = -1 EPERM (Operation not permitted)"},
			"1000 2000 2000 2000", "0 0 0 0"},
		{"setreuid as non-root may set the euid to the saved uid",
			`syscall setresuid 1000 2000 3000; syscall setreuid -1 3000`,
			[]string{"setresuid(1000, 2000, 3000) = 0", "setreuid(-1, 3000) = 0"},
			"1000 3000 3000 3000", "0 0 0 0"},
		{"setreuid back to the real uid keeps the saved uid",
			`syscall setresuid 1000 2000 3000; syscall setreuid -1 1000; syscall setreuid -1 -1`,
			[]string{"setresuid(1000, 2000, 3000) = 0", "setreuid(-1, 1000) = 0", "setreuid(-1, -1) = 0"},
			"1000 1000 3000 1000", "0 0 0 0"},
		{"setreuid as non-root may not make the saved uid real",
			`syscall setresuid 1000 2000 3000; syscall setreuid 3000 -1`,
			[]string{"setresuid(1000, 2000, 3000) = 0", "setreuid(3000, -1) = -1 EPERM (Operation not permitted)"},
			"1000 2000 3000 2000", "0 0 0 0"},
		{"setregid as root and then as non-root",
			`syscall setregid 100 200; syscall setuid 1000; syscall setregid 200 100; syscall setregid 300 -1`,
			[]string{"setregid(100, 200) = 0", "setuid(1000) = 0", "setregid(200, 100) = 0",
				"setregid(300, -1) = -1 EPERM (Operation not permitted)"},
			"1000 1000 1000 1000", "200 100 100 100"},
		{"setresuid -1 leaves an id alone; the fsuid follows the euid",
			`syscall setresuid -1 1000 -1; syscall getresuid "aaa" "bbb" "ccc"`,
			[]string{"setresuid(-1, 1000, -1) = 0", "getresuid([0], [1000], [0]) = 0"},
			"0 1000 0 1000", "0 0 0 0"},
		{"setresuid as non-root: any of its own three ids, nothing else",
			`syscall setresuid -1 1000 -1; syscall setresuid -1 0 -1; syscall setresuid 1000 1000 1000; syscall setresuid 0 -1 -1`,
			[]string{"setresuid(-1, 1000, -1) = 0", "setresuid(-1, 0, -1) = 0", "setresuid(1000, 1000, 1000) = 0",
				"setresuid(0, -1, -1) = -1 EPERM (Operation not permitted)"},
			"1000 1000 1000 1000", "0 0 0 0"},
		{"setresuid that changes nothing succeeds without privilege",
			`syscall setuid 1000; syscall setresuid -1 -1 -1; syscall setresuid 1000 1000 1000`,
			[]string{"setuid(1000) = 0", "setresuid(-1, -1, -1) = 0", "setresuid(1000, 1000, 1000) = 0"},
			"1000 1000 1000 1000", "0 0 0 0"},
		{"uid_t is printed unsigned, (uid_t)-1 as -1",
			`syscall setresuid 4294967294 -1 -1`,
			[]string{"setresuid(4294967294, -1, -1) = 0"},
			"4294967294 0 0 0", "0 0 0 0"},
		{"setresgid as non-root permutes its own gids",
			`syscall setresgid 1 2 3; syscall setuid 1000; syscall setresgid 3 1 2; syscall setresgid 4 -1 -1`,
			[]string{"setresgid(1, 2, 3) = 0", "setuid(1000) = 0", "setresgid(3, 1, 2) = 0",
				"setresgid(4, -1, -1) = -1 EPERM (Operation not permitted)"},
			"1000 1000 1000 1000", "3 1 2 1"},
		{"setfsuid returns the old fsuid, and -1 only asks",
			`syscall setfsuid 1000; syscall setfsuid 1000; syscall setfsuid -1; syscall setfsuid 0`,
			[]string{"setfsuid(1000) = 0", "setfsuid(1000) = 1000", "setfsuid(-1) = 1000", "setfsuid(0) = 1000"},
			"0 0 0 0", "0 0 0 0"},
		{"setfsuid as non-root: its own ids only, and a refusal is silent",
			`syscall setresuid 1000 2000 3000; syscall setfsuid 3000; syscall setfsuid 4000`,
			[]string{"setresuid(1000, 2000, 3000) = 0", "setfsuid(3000) = 2000", "setfsuid(4000) = 3000"},
			"1000 2000 3000 3000", "0 0 0 0"},
		{"a setresuid that sets the euid resets a moved fsuid",
			`syscall setfsuid 1000; syscall setresuid -1 0 -1`,
			[]string{"setfsuid(1000) = 0", "setresuid(-1, 0, -1) = 0"},
			"0 0 0 0", "0 0 0 0"},
		{"setfsgid as root, then refused as non-root",
			`syscall setfsgid 50; syscall setuid 1000; syscall setfsgid 60`,
			[]string{"setfsgid(50) = 0", "setuid(1000) = 0", "setfsgid(60) = 50"},
			"1000 1000 1000 1000", "0 0 0 50"},
	}
	k, _ := boot(t, Config{Quiet: true})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pid, lines := credProg(t, k, c.prog+"; sleep 1s")
			if strings.Join(lines, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("strace:\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(c.want, "\n"))
			}
			uids, gids := ids(k.tasks[pid].Cred)
			if uids != c.uids || gids != c.gids {
				t.Errorf("uids %s gids %s, want %s and %s", uids, gids, c.uids, c.gids)
			}
		})
	}
}

// gidList is a gid_t array in the program language's string escapes.
func gidList(gids ...uint32) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, g := range gids {
		for i := 0; i < 4; i++ {
			fmt.Fprintf(&b, `\x%02x`, byte(g>>(8*i)))
		}
	}
	b.WriteByte('"')
	return b.String()
}

func TestSupplementaryGroups(t *testing.T) {
	cases := []struct {
		name   string
		prog   string
		want   []string
		groups []int
	}{
		{"setgroups keeps them sorted; getgroups(0, NULL) counts them",
			`syscall setgroups 3 ` + gidList(30, 10, 20) + `; syscall getgroups 0 0; syscall getgroups 3 "0123456789a"; syscall getgroups 4 "0123456789abcde"`,
			[]string{"setgroups(3, [30, 10, 20]) = 0", "getgroups(0, NULL) = 3", "getgroups(3, [10, 20, 30]) = 3",
				"getgroups(4, [10, 20, 30]) = 3"},
			[]int{10, 20, 30}},
		{"getgroups with too small a size is EINVAL, a negative one too",
			`syscall setgroups 2 ` + gidList(1, 2) + `; syscall getgroups 1 "abc"; syscall getgroups -1 0`,
			[]string{"setgroups(2, [1, 2]) = 0", "getgroups(1, ADDR) = -1 EINVAL (Invalid argument)",
				"getgroups(-1, NULL) = -1 EINVAL (Invalid argument)"},
			[]int{1, 2}},
		{"a new process has none",
			`syscall getgroups 0 0; syscall getgroups 4 0`,
			[]string{"getgroups(0, NULL) = 0", "getgroups(4, NULL) = 0"},
			nil},
		{"setgroups(0, NULL) clears them",
			`syscall setgroups 1 ` + gidList(5) + `; syscall setgroups 0 0; syscall getgroups 0 0`,
			[]string{"setgroups(1, [5]) = 0", "setgroups(0, NULL) = 0", "getgroups(0, NULL) = 0"},
			nil},
		{"setgroups beyond NGROUPS_MAX or negative is EINVAL",
			`syscall setgroups 1 ` + gidList(5) + `; syscall setgroups -1 0; syscall setgroups 65537 0`,
			[]string{"setgroups(1, [5]) = 0", "setgroups(-1, NULL) = -1 EINVAL (Invalid argument)",
				"setgroups(65537, NULL) = -1 EINVAL (Invalid argument)"},
			[]int{5}},
		{"setgroups of (gid_t)-1 is EINVAL",
			`syscall setgroups 2 ` + gidList(7, 0xffffffff),
			[]string{"setgroups(2, [7, -1]) = -1 EINVAL (Invalid argument)"},
			nil},
		{"setgroups and getgroups fault on a bad list",
			`syscall setgroups 1 0; syscall setgroups 65536 0; syscall setgroups 1 ` + gidList(5) + `; syscall getgroups 1 0`,
			[]string{"setgroups(1, NULL) = -1 EFAULT (Bad address)", "setgroups(65536, NULL) = -1 EFAULT (Bad address)",
				"setgroups(1, [5]) = 0", "getgroups(1, NULL) = -1 EFAULT (Bad address)"},
			[]int{5}},
		{"setgroups as non-root is EPERM, before its size is checked",
			`syscall setgroups 1 ` + gidList(5) + `; syscall setuid 1000; syscall setgroups 0 0; syscall setgroups -1 0; syscall getgroups 1 "abc"`,
			[]string{"setgroups(1, [5]) = 0", "setuid(1000) = 0", "setgroups(0, NULL) = -1 EPERM (Operation not permitted)",
				"setgroups(-1, NULL) = -1 EPERM (Operation not permitted)", "getgroups(1, [5]) = 1"},
			[]int{5}},
	}
	k, _ := boot(t, Config{Quiet: true})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pid, lines := credProg(t, k, c.prog+"; sleep 1s")
			if strings.Join(lines, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("strace:\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(c.want, "\n"))
			}
			cr := k.tasks[pid].Cred
			if fmt.Sprint(cr.Groups()) != fmt.Sprint(c.groups) && len(cr.Groups())+len(c.groups) > 0 {
				t.Errorf("groups %v, want %v", cr.Groups(), c.groups)
			}
			for _, g := range c.groups {
				if !cr.InGroup(g) {
					t.Errorf("InGroup(%d) false", g)
				}
			}
			if cr.InGroup(999) || !cr.InGroup(cr.FSGID) {
				t.Errorf("InGroup: 999 is no group, the fsgid %d always is", cr.FSGID)
			}
		})
	}
}

// /proc/<pid>/status shows real, effective, saved and fs ids, the groups
// each followed by a space, and the capabilities the ids leave.
func TestProcStatusShowsCredentials(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	status := readProc(t, k, "/proc/1/status")
	for _, want := range []string{"\nUid:\t0\t0\t0\t0\n", "\nGid:\t0\t0\t0\t0\n", "\nGroups:\t \n",
		"\nCapPrm:\t000001ffffffffff\n", "\nCapEff:\t000001ffffffffff\n"} {
		if !strings.Contains(status, want) {
			t.Errorf("init's status lacks %q", want)
		}
	}
	pid, _ := credProg(t, k, `syscall setgroups 2 `+gidList(20, 10)+`; syscall setresgid 5 6 7; syscall setresuid 1000 2000 3000; syscall setfsuid 3000; sleep 1s`)
	status = readProc(t, k, fmt.Sprintf("/proc/%d/status", pid))
	for _, want := range []string{"\nUid:\t1000\t2000\t3000\t3000\n", "\nGid:\t5\t6\t7\t6\n", "\nGroups:\t10 20 \n",
		"\nCapPrm:\t0000000000000000\n", "\nCapEff:\t0000000000000000\n"} {
		if !strings.Contains(status, want) {
			t.Errorf("status lacks %q:\n%s", want, status)
		}
	}
	// A saved uid of 0 keeps the capabilities permitted but not effective.
	pid, _ = credProg(t, k, `syscall setresuid 1000 1000 0; sleep 1s`)
	status = readProc(t, k, fmt.Sprintf("/proc/%d/status", pid))
	if !strings.Contains(status, "\nCapPrm:\t000001ffffffffff\nCapEff:\t0000000000000000\n") {
		t.Errorf("saved uid 0:\n%s", status)
	}
}

// The capability rule of cred.go: setuid-type capabilities follow the
// euid, filesystem ones the fsuid, and nothing is permitted once no id
// is 0.
func TestCapabilitiesFollowTheIDs(t *testing.T) {
	cases := []struct {
		uid, euid, suid, fsuid int
		setuid, dacOverride    bool
		permitted              bool
	}{
		{0, 0, 0, 0, true, true, true},
		{0, 0, 0, 1000, true, false, true},     // setfsuid(1000): an NFS server's file access
		{0, 1000, 0, 1000, false, false, true}, // seteuid(1000): may return
		{1000, 1000, 0, 0, false, true, true},  // setfsuid(0) back through the saved uid
		{1000, 1000, 1000, 1000, false, false, false},
		{1000, 0, 1000, 0, true, true, true}, // a set-user-ID root program
	}
	for _, c := range cases {
		cr := &Cred{UID: c.uid, EUID: c.euid, SUID: c.suid, FSUID: c.fsuid, groupInfo: &GroupInfo{}}
		if cr.Capable(abi.CAP_SETUID) != c.setuid || cr.Capable(abi.CAP_KILL) != c.setuid ||
			cr.Capable(abi.CAP_DAC_OVERRIDE) != c.dacOverride || cr.Capable(abi.CAP_FOWNER) != c.dacOverride ||
			(cr.CapPermitted() != 0) != c.permitted {
			t.Errorf("ids %d %d %d %d: CAP_SETUID %t CAP_DAC_OVERRIDE %t permitted %#x", c.uid, c.euid, c.suid, c.fsuid,
				cr.Capable(abi.CAP_SETUID), cr.Capable(abi.CAP_DAC_OVERRIDE), cr.CapPermitted())
		}
		if cr.Capable(-1) || cr.Capable(abi.CAP_LAST_CAP+1) {
			t.Errorf("an unknown capability is never held")
		}
	}
}

func credJar(t *testing.T, k *Kernel) int { return slabLine(t, k, "cred_jar").InUse }

// Every task but swapper (whose init_cred is static) has a cred of its
// own in cred_jar, held twice: by cred and real_cred.
func TestEveryProcessHasItsOwnCredInCredJar(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	if got, want := credJar(t, k), len(k.Tasks())-1; got != want {
		t.Fatalf("cred_jar has %d objects in use for %d tasks besides swapper", got, want)
	}
	for _, ti := range k.Tasks() {
		x := k.tasks[ti.PID]
		want := 2
		if x == k.idle {
			want = 4 // init_cred's static count
		}
		if x.Cred != x.realCred || x.Cred.Usage() != want {
			t.Errorf("%s: cred usage %d, want %d", x.Comm, x.Cred.Usage(), want)
		}
	}
	ts, _ := k.TaskStruct(1)
	f, err := ts.Lookup([]string{"cred", "real_cred", "cred.usage", "cred.group_info.usage", "cred.cap_effective"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(f[0].Value.(string), "0x") || f[1].Value != f[0].Value || f[2].Value != 2 ||
		f[3].Value.(int) < 2 || f[4].Value != "0x000001ffffffffff" {
		t.Fatalf("init's credentials: %+v", f)
	}
	ts, _ = k.TaskStruct(0)
	if f, _ := ts.Lookup([]string{"cred", "cred.usage"}); f[0].Value != "init_cred" || f[1].Value != 4 {
		t.Errorf("swapper's cred: %+v", f)
	}
}

// copy_creds: fork gives the child a copy (one more cred_jar object); a
// thread shares its creator's (usage 2 more, no object) until it commits
// credentials of its own. Everything goes back when the tasks are reaped.
func TestForkCopiesCredsThreadsShareThem(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	base := credJar(t, k)
	pid := spawn(t, k, "thread { sleep 20ms }; fork { sleep 20ms }; sleep 30ms", SpawnOptions{})
	if got := credJar(t, k); got != base+1 {
		t.Fatalf("spawn: %d cred_jar objects, want %d", got, base+1)
	}
	k.Run(Stop{For: 5e6})
	var thread, child *Task
	for _, x := range k.tasks {
		switch {
		case x.TGID == pid && x.PID != pid:
			thread = x
		case x.Parent != nil && x.Parent.PID == pid && x.TGID != pid:
			child = x
		}
	}
	p := k.tasks[pid]
	if thread == nil || child == nil {
		t.Fatal("no thread or no child")
	}
	if thread.Cred != p.Cred || p.Cred.Usage() != 4 {
		t.Errorf("thread: shares %t, usage %d; want the process's cred with usage 4", thread.Cred == p.Cred, p.Cred.Usage())
	}
	if child.Cred == p.Cred || child.Cred.Usage() != 2 {
		t.Errorf("fork child: own cred %t, usage %d; want a copy with usage 2", child.Cred != p.Cred, child.Cred.Usage())
	}
	if got := credJar(t, k); got != base+2 {
		t.Errorf("cred_jar %d, want %d: the process's and the child's", got, base+2)
	}
	k.Run(Stop{For: 100e6})
	if got := credJar(t, k); got != base {
		t.Fatalf("after the tasks were reaped cred_jar has %d, want %d (the last put_cred frees)", got, base)
	}
}

// Credentials belong to a thread: one that calls setuid gets a cred of
// its own, and its process keeps the old one.
func TestSetuidInAThreadChangesOnlyThatThread(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	base := credJar(t, k)
	pid := spawn(t, k, "thread { syscall setuid 1000; sleep 20ms }; sleep 30ms", SpawnOptions{})
	k.Run(Stop{For: 5e6})
	p := k.tasks[pid]
	var thread *Task
	for _, x := range k.tasks {
		if x.TGID == pid && x.PID != pid {
			thread = x
		}
	}
	if thread == nil {
		t.Fatal("no thread")
	}
	if thread.Cred == p.Cred || thread.Cred.UID != 1000 || p.Cred.UID != 0 || thread.Cred.Usage() != 2 || p.Cred.Usage() != 2 {
		t.Fatalf("thread uid %d usage %d, process uid %d usage %d", thread.Cred.UID, thread.Cred.Usage(), p.Cred.UID, p.Cred.Usage())
	}
	if got := credJar(t, k); got != base+2 {
		t.Fatalf("cred_jar %d, want %d", got, base+2)
	}
	k.Run(Stop{For: 100e6})
	if got := credJar(t, k); got != base {
		t.Fatalf("after exit cred_jar %d, want %d", got, base)
	}
}

// prepare_creds takes a cred_jar object; abort_creds and the last
// put_cred give it back; commit_creds drops the old cred. group_info
// memory goes back to kmalloc with the last cred that uses it.
func TestPrepareCommitAbortAndPutCred(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	init := k.initTsk
	base := credJar(t, k)
	n := k.prepareCreds(init)
	if n == nil || n.Usage() != 1 || credJar(t, k) != base+1 || n.groupInfo != init.Cred.groupInfo {
		t.Fatalf("prepare_creds: %+v, cred_jar %d", n, credJar(t, k))
	}
	k.abortCreds(n)
	if credJar(t, k) != base || n.obj != 0 {
		t.Fatalf("abort_creds left cred_jar at %d", credJar(t, k))
	}
	old := init.Cred
	n = k.prepareCreds(init)
	n.EUID = 1000
	if k.commitCreds(init, n) != 0 || init.Cred != n || init.realCred != n || n.Usage() != 2 || old.obj != 0 {
		t.Fatalf("commit_creds: cred %p usage %d, old freed %t", init.Cred, n.Usage(), old.obj == 0)
	}
	if credJar(t, k) != base {
		t.Fatalf("commit_creds must free the old cred: cred_jar %d, want %d", credJar(t, k), base)
	}
	n = k.prepareCreds(init)
	n.EUID = 0 // back to root, for the children below
	k.commitCreds(init, n)
	kmalloc16 := slabLine(t, k, "kmalloc-16").InUse
	pid, _ := credProg(t, k, "syscall setgroups 2 "+gidList(1, 2)+"; fork { sleep 20ms }; sleep 20ms")
	gi := k.tasks[pid].Cred.groupInfo
	if gi.usage.read() != 2 || slabLine(t, k, "kmalloc-16").InUse != kmalloc16+1 {
		t.Fatalf("group_info of 2 groups: usage %d (want the process's and its child's cred), kmalloc-16 %d", gi.usage.read(), slabLine(t, k, "kmalloc-16").InUse)
	}
	k.Run(Stop{For: 100e6})
	if slabLine(t, k, "kmalloc-16").InUse != kmalloc16 || gi.obj != 0 {
		t.Fatalf("group_info not freed with its last cred")
	}
}

// With no memory for a new cred the calls fail with ENOMEM, and change
// nothing; setfsuid, which cannot fail, returns the fsuid unchanged.
func TestCredCallsWithoutMemory(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	failNext := func() {
		k.SetFault("failslab", "ignore-gfp-wait", "N")
		k.SetFault("failslab", "probability", "100")
		k.SetFault("failslab", "interval", "1")
		k.SetFault("failslab", "times", "1")
	}
	base := credJar(t, k)
	for _, c := range []struct {
		nr   string
		args []uint64
		want string
	}{
		{"setuid", []uint64{1000}, "setuid(1000) = -1 ENOMEM (Cannot allocate memory)"},
		{"setresgid", []uint64{1, 2, 3}, "setresgid(1, 2, 3) = -1 ENOMEM (Cannot allocate memory)"},
		{"setfsuid", []uint64{1000}, "setfsuid(1000) = 0"},
		{"setgroups", []uint64{0, 0}, "setgroups(0, NULL) = -1 ENOMEM (Cannot allocate memory)"},
	} {
		failNext()
		rec, _, _ := k.SyscallAs(1, nr(c.nr), c.args...)
		if got := credStraceLine(rec); got != c.want {
			t.Errorf("%s", got)
		}
	}
	if u, g := ids(k.initTsk.Cred); u != "0 0 0 0" || g != "0 0 0 0" || credJar(t, k) != base {
		t.Fatalf("after the failures: uids %s gids %s, cred_jar %d (want %d)", u, g, credJar(t, k), base)
	}
	// A fork that cannot copy the creds fails and leaves nothing behind.
	tasks := len(k.tasks)
	k.SetFault("failslab", "interval", "5") // the fifth: after mm, vma, files, task_struct
	k.SetFault("failslab", "times", "1")
	if _, err := k.Spawn("sleep 1s", SpawnOptions{}); err == nil || len(k.tasks) != tasks || credJar(t, k) != base {
		t.Fatalf("spawn without a cred: %v, %d tasks (want %d), cred_jar %d", err, len(k.tasks), tasks, credJar(t, k))
	}
}

// getresuid and getresgid write each id with its own put_user: a bad
// pointer faults after the ids before it were written. strace then prints
// all three as addresses.
func TestGetresuidFaults(t *testing.T) {
	const bad = 0xdead0000
	k, _ := boot(t, Config{Quiet: true})
	for _, name := range []string{"getresuid", "getresgid"} {
		k.ResetUserData(1)
		buf, _ := k.PushUserData(1, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
		rec, _, _ := k.SyscallAs(1, nr(name), buf, bad, buf+4)
		if rec.Errno() != abi.EFAULT || rec.String() != fmt.Sprintf("%s(%#x, %#x, %#x) = -1 EFAULT (Bad address)", name, buf, bad, buf+4) {
			t.Errorf("%s", rec)
		}
		got, _ := k.ReadUser(1, buf, 8)
		if binary.LittleEndian.Uint32(got) != 0 || binary.LittleEndian.Uint32(got[4:]) != 0xffffffff {
			t.Errorf("%s: the first id must be written, the third not: % x", name, got)
		}
		for _, args := range [][]uint64{{0, buf, buf}, {buf, buf, bad}} {
			if rec, _ := k.Syscall(nr(name), args...); rec.Errno() != abi.EFAULT {
				t.Errorf("app path %s", rec)
			}
		}
	}
	for _, c := range []struct {
		name string
		args []uint64
	}{{"setgroups", []uint64{1, bad}}, {"getgroups", []uint64{1, bad}}} {
		k.SyscallAs(1, nr("setgroups"), 0, 0) // so that getgroups has none to write
		if c.name == "getgroups" {
			g, _ := k.PushUserData(1, []byte{5, 0, 0, 0})
			k.SyscallAs(1, nr("setgroups"), 1, g)
			k.Syscall(nr("setgroups"), 1, g)
		}
		rec, _, _ := k.SyscallAs(1, nr(c.name), c.args...)
		app, _ := k.Syscall(nr(c.name), c.args...)
		if rec.Errno() != abi.EFAULT || app.Errno() != abi.EFAULT {
			t.Errorf("%s: task path %v, app path %v", c.name, rec, app)
		}
	}
	if k.halted {
		t.Fatal("the machine must survive every bad pointer")
	}
}

// strace's print_groups: at most 32 groups and "...", the address alone
// when the first cannot be read, "... /* address */" where a later one
// cannot.
func TestStracePrintsGroupListsAsStraceDoes(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	k.ResetUserData(1)
	top, _ := k.PushUserData(1, []byte{7, 0, 0, 0, 8, 0, 0, 0}) // the last 8 bytes of the stack
	var forty []byte
	for i := 0; i < 40; i++ {
		forty = binary.LittleEndian.AppendUint32(forty, uint32(i))
	}
	many, _ := k.PushUserData(1, forty)
	var nums []string
	for i := 0; i < 32; i++ {
		nums = append(nums, fmt.Sprint(i))
	}
	for _, c := range []struct {
		nr   string
		args []uint64
		want string
	}{
		{"setgroups", []uint64{40, many}, "setgroups(40, [" + strings.Join(nums, ", ") + ", ...]) = 0"},
		{"getgroups", []uint64{0, 0}, "getgroups(0, NULL) = 40"},
		{"getgroups", []uint64{40, many}, "getgroups(40, [" + strings.Join(nums, ", ") + ", ...]) = 40"},
		{"getgroups", []uint64{39, many}, fmt.Sprintf("getgroups(39, %#x) = -1 EINVAL (Invalid argument)", many)},
		{"setgroups", []uint64{4, top}, fmt.Sprintf("setgroups(4, [7, 8, ... /* %#x */]) = -1 EFAULT (Bad address)", top+8)},
		{"setgroups", []uint64{2, top + 8}, fmt.Sprintf("setgroups(2, %#x) = -1 EFAULT (Bad address)", top+8)},
		{"setgroups", []uint64{0, top}, "setgroups(0, []) = 0"},
		{"getresuid", []uint64{top, top, top}, "getresuid([0], [0], [0]) = 0"},
		{"setfsuid", []uint64{0xffffffff}, "setfsuid(-1) = 0"},
		{"setfsuid", []uint64{0xffffffff_ffffffff}, "setfsuid(-1) = 0"},
	} {
		rec, _, _ := k.SyscallAs(1, nr(c.nr), c.args...)
		if got := straceGap.ReplaceAllString(rec.String(), " = "); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}

// The application path runs in ksyscalld's context with the caller's
// (init's) credentials borrowed: what it reads and changes are init's.
func TestAppPathActsWithTheCallersCreds(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	base := credJar(t, k)
	if rec, _ := k.Syscall(nr("setuid"), 1000); rec.Ret != 0 {
		t.Fatal(rec)
	}
	if rec, _, _ := k.SyscallAs(1, nr("getuid")); rec.Ret != 1000 {
		t.Fatalf("init's uid: %v", rec)
	}
	if rec, _ := k.Syscall(nr("getuid")); rec.Ret != 1000 {
		t.Fatalf("the app path's uid: %v", rec)
	}
	for _, x := range k.sortedTasks() {
		if isSyscalld(x) && (x.Cred != x.realCred || x.Cred.UID != 0) {
			t.Fatalf("%s kept a borrowed cred: %+v", x.Comm, x.Cred)
		}
	}
	if rec, _ := k.Syscall(nr("setuid"), 0); rec.Errno() != abi.EPERM {
		t.Fatalf("an unprivileged caller must not regain root: %v", rec)
	}
	if got := credJar(t, k); got != base {
		t.Fatalf("cred_jar: %d objects in use, %d before", got, base)
	}
}
