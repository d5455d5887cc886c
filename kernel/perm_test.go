package kernel

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"kplay/kernel/abi"
	"kplay/kernel/vfs"
)

// Permission checks as a user who is not root: the mode bits, the owner,
// the sticky bit of /tmp and the capabilities root has instead. The
// expected lines are what strace prints on Linux for the same calls.

// asUser spawns src (the program language) as uid and gid with no
// supplementary groups, runs 10 ms, and returns its strace lines.
func asUser(t *testing.T, k *Kernel, uid, gid int, src string) []string {
	t.Helper()
	pid := spawn(t, k, src, SpawnOptions{As: &SpawnCreds{UID: uid, GID: gid}})
	k.Run(Stop{For: 10e6})
	var lines []string
	for _, l := range syscallLines(k, pid) {
		lines = append(lines, straceGap.ReplaceAllString(l, " = "))
	}
	return lines
}

// sameLines fails the test unless got and want are the same lines.
func sameLines(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
}

// permKernel boots a kernel in which root has made, in sticky /tmp, a
// 0600 and a 0644 file, a 0755 and a 0700 directory, and programs (the
// program language's format) with modes 0644, 0744 and 0745.
func permKernel(t *testing.T) *Kernel {
	t.Helper()
	k, _ := boot(t, Config{Quiet: true})
	for _, f := range []string{"/tmp/prog644", "/tmp/prog744", "/tmp/prog745"} {
		if err := k.WriteFile(f, []byte(execMagicProg+"exit 7\n"), false); err != nil {
			t.Fatal(err)
		}
	}
	got := asUser(t, k, 0, 0, `syscall open "/tmp/secret" 0101 0600; syscall open "/tmp/public" 0101 0644; `+
		`syscall mkdir "/tmp/rootdir" 0755; syscall mkdir "/tmp/private" 0700; `+
		`syscall chmod "/tmp/prog644" 0644; syscall chmod "/tmp/prog744" 0744; syscall chmod "/tmp/prog745" 0745`)
	if len(got) != 8 || got[6] != `chmod("/tmp/prog745", 0745) = 0` {
		t.Fatalf("root's set-up: %q", got)
	}
	return k
}

func TestAUserMeetsTheModeBitsAndTheStickyBit(t *testing.T) {
	k := permKernel(t)
	got := asUser(t, k, 1000, 1000, `syscall open "/tmp/secret" 0; syscall open "/tmp/public" 0; syscall open "/tmp/public" 1; `+
		`syscall access "/tmp/secret" 4; syscall open "/tmp/rootdir/f" 0101 0644; syscall mkdir "/etc/x" 0755; `+
		`syscall unlink "/tmp/public"; syscall rmdir "/tmp/rootdir"; syscall rename "/tmp/public" "/tmp/mine"; `+
		`syscall chmod "/tmp/public" 0777; syscall chown "/tmp/public" 1000 1000; syscall chdir "/tmp/private"; `+
		`syscall chdir "/tmp/rootdir"; syscall open "/tmp/private/x" 0`)
	want := []string{
		`open("/tmp/secret", O_RDONLY) = -1 EACCES (Permission denied)`, // 0600, not the owner
		`open("/tmp/public", O_RDONLY) = 3`,                             // others' r
		`open("/tmp/public", O_WRONLY) = -1 EACCES (Permission denied)`,
		`access("/tmp/secret", R_OK) = -1 EACCES (Permission denied)`,
		`open("/tmp/rootdir/f", O_WRONLY|O_CREAT, 0644) = -1 EACCES (Permission denied)`, // 0755 root dir
		`mkdir("/etc/x", 0755) = -1 EACCES (Permission denied)`,
		`unlink("/tmp/public") = -1 EPERM (Operation not permitted)`, // sticky /tmp: not the owner
		`rmdir("/tmp/rootdir") = -1 EPERM (Operation not permitted)`,
		`rename("/tmp/public", "/tmp/mine") = -1 EPERM (Operation not permitted)`,
		`chmod("/tmp/public", 0777) = -1 EPERM (Operation not permitted)`,
		`chown("/tmp/public", 1000, 1000) = -1 EPERM (Operation not permitted)`,
		`chdir("/tmp/private") = -1 EACCES (Permission denied)`, // 0700: no search
		`chdir("/tmp/rootdir") = 0`,
		`open("/tmp/private/x", O_RDONLY) = -1 EACCES (Permission denied)`, // search refused before ENOENT
		`exit_group(0) = ?`,
	}
	sameLines(t, got, want)
}

func TestAUserOwnsWhatItCreates(t *testing.T) {
	k := permKernel(t)
	got := asUser(t, k, 1000, 1000, `syscall open "/tmp/mine" 0101 0600; syscall chmod "/tmp/mine" 0640; `+
		`syscall chown "/tmp/mine" 0 -1; syscall chown "/tmp/mine" -1 0; syscall chown "/tmp/mine" 1000 1000; `+
		`syscall mkdir "/tmp/mydir" 0700; syscall rename "/tmp/mine" "/tmp/mydir/f"; syscall unlink "/tmp/mydir/f"; syscall rmdir "/tmp/mydir"`)
	want := []string{
		`open("/tmp/mine", O_WRONLY|O_CREAT, 0600) = 3`,
		`chmod("/tmp/mine", 0640) = 0`,
		`chown("/tmp/mine", 0, -1) = -1 EPERM (Operation not permitted)`, // giving it away
		`chown("/tmp/mine", -1, 0) = -1 EPERM (Operation not permitted)`, // a group it is not in
		`chown("/tmp/mine", 1000, 1000) = 0`,                             // to itself: allowed
		`mkdir("/tmp/mydir", 0700) = 0`,
		`rename("/tmp/mine", "/tmp/mydir/f") = 0`,
		`unlink("/tmp/mydir/f") = 0`,
		`rmdir("/tmp/mydir") = 0`,
		`exit_group(0) = ?`,
	}
	sameLines(t, got, want)
}

// Root passes the mode bits (CAP_DAC_OVERRIDE), removes others' files in
// /tmp (CAP_FOWNER) and gives files away (CAP_CHOWN).
func TestRootBypassesTheModeBits(t *testing.T) {
	k := permKernel(t)
	asUser(t, k, 1000, 1000, `syscall open "/tmp/users" 0101 0000; syscall mkdir "/tmp/userdir" 0000`)
	got := asUser(t, k, 0, 0, `syscall open "/tmp/users" 2; syscall open "/tmp/userdir/f" 0101 0600; `+
		`syscall chmod "/tmp/users" 0644; syscall chown "/tmp/users" 2000 2000; syscall unlink "/tmp/users"`)
	want := []string{
		`open("/tmp/users", O_RDWR) = 3`,
		`open("/tmp/userdir/f", O_WRONLY|O_CREAT, 0600) = 4`,
		`chmod("/tmp/users", 0644) = 0`,
		`chown("/tmp/users", 2000, 2000) = 0`,
		`unlink("/tmp/users") = 0`,
		`exit_group(0) = ?`,
	}
	sameLines(t, got, want)
}

// execve needs an x bit that applies to the caller; root needs at least
// one x bit anywhere in the mode.
func TestExecNeedsAnXBitEvenForRoot(t *testing.T) {
	k := permKernel(t)
	for _, c := range []struct {
		uid  int
		prog string
		want string
	}{
		{0, "/tmp/prog644", `execve("/tmp/prog644", ["prog644"], NULL) = -1 EACCES (Permission denied)`},
		{0, "/tmp/prog744", `execve("/tmp/prog744", ["prog744"], NULL) = 0`},
		{1000, "/tmp/prog744", `execve("/tmp/prog744", ["prog744"], NULL) = -1 EACCES (Permission denied)`},
		{1000, "/tmp/prog745", `execve("/tmp/prog745", ["prog745"], NULL) = 0`},
	} {
		got := asUser(t, k, c.uid, c.uid, "exec "+c.prog)
		if len(got) == 0 || got[0] != c.want {
			t.Errorf("uid %d: %q, want %s", c.uid, got, c.want)
		}
	}
}

// A user's chmod of a file whose group it is not in drops S_ISGID
// silently; root's does not (CAP_FSETID). chown drops S_ISUID, even
// root's.
func TestSetgidAndSetuidBitsAreCleared(t *testing.T) {
	k := permKernel(t)
	asUser(t, k, 1000, 1000, `syscall open "/tmp/f" 0101 0644`)
	asUser(t, k, 0, 0, `syscall chown "/tmp/f" 1000 0`)
	mode := func() uint32 {
		e, err := k.Lstat("/tmp/f")
		if err != nil {
			t.Fatal(err)
		}
		return e.Mode & 0o7777
	}
	asUser(t, k, 1000, 1000, `syscall chmod "/tmp/f" 06755`)
	if m := mode(); m != 0o4755 {
		t.Errorf("user's chmod 06755 outside the group: %#o, want 04755", m)
	}
	asUser(t, k, 0, 0, `syscall chmod "/tmp/f" 06755`)
	if m := mode(); m != 0o6755 {
		t.Errorf("root's chmod 06755: %#o", m)
	}
	asUser(t, k, 0, 0, `syscall chown "/tmp/f" -1 -1`)
	if m := mode(); m != 0o0755 {
		t.Errorf("root's chown -1 -1 of a 06755 file: %#o, want 0755 (S_ISGID with g+x goes too)", m)
	}
	// A set-group-ID directory gives new files its group.
	asUser(t, k, 0, 0, `syscall mkdir "/tmp/shared" 0777; syscall chown "/tmp/shared" 0 50; syscall chmod "/tmp/shared" 02777`)
	asUser(t, k, 1000, 1000, `syscall mkdir "/tmp/shared/sub" 0755; syscall open "/tmp/shared/g" 0101 02755`)
	for path, want := range map[string][2]uint32{"/tmp/shared/sub": {vfs.S_ISGID | 0o755, 50}, "/tmp/shared/g": {0o755, 50}} {
		e, _ := k.Lstat(path)
		if e.Mode&0o7777 != want[0] || uint32(e.GID) != want[1] {
			t.Errorf("%s: mode %#o gid %d, want %#o gid %d", path, e.Mode&0o7777, e.GID, want[0], want[1])
		}
	}
}

// setfsuid moves only the filesystem identity: root with fsuid 1000 is
// refused what uid 1000 is refused, and access(2) checks the real uid.
func TestFsuidDecidesFileAccess(t *testing.T) {
	k := permKernel(t)
	got := asUser(t, k, 0, 0, `syscall setfsuid 1000; syscall open "/tmp/secret" 0; syscall setfsuid 0; syscall open "/tmp/secret" 0; `+
		`syscall setresuid 1000 0 0; syscall access "/tmp/secret" 4; syscall open "/tmp/secret" 0`)
	want := []string{
		`setfsuid(1000) = 0`,
		`open("/tmp/secret", O_RDONLY) = -1 EACCES (Permission denied)`,
		`setfsuid(0) = 1000`,
		`open("/tmp/secret", O_RDONLY) = 3`,
		`setresuid(1000, 0, 0) = 0`,
		`access("/tmp/secret", R_OK) = -1 EACCES (Permission denied)`, // the real uid is 1000
		`open("/tmp/secret", O_RDONLY) = 4`,                           // the effective one is 0
		`exit_group(0) = ?`,
	}
	sameLines(t, got, want)
}

// A supplementary group grants the group bits.
func TestSupplementaryGroupsGrantGroupBits(t *testing.T) {
	k := permKernel(t)
	asUser(t, k, 0, 0, `syscall chown "/tmp/secret" 0 50; syscall chmod "/tmp/secret" 0640`)
	if got := asUser(t, k, 1000, 1000, `syscall open "/tmp/secret" 0`); got[0] != `open("/tmp/secret", O_RDONLY) = -1 EACCES (Permission denied)` {
		t.Fatalf("outside group 50: %q", got)
	}
	pid := spawn(t, k, `syscall open "/tmp/secret" 0`, SpawnOptions{As: &SpawnCreds{UID: 1000, GID: 1000, Groups: []int{50}}})
	k.Run(Stop{For: 10e6})
	if got := syscallLines(k, pid); len(got) == 0 || straceGap.ReplaceAllString(got[0], " = ") != `open("/tmp/secret", O_RDONLY) = 3` {
		t.Fatalf("in group 50: %q", got)
	}
}

// Mounting takes CAP_SYS_ADMIN.
func TestAUserCannotMount(t *testing.T) {
	k := permKernel(t)
	got := asUser(t, k, 1000, 1000, `syscall mount "none" "/tmp/rootdir" "tmpfs" 0 0; syscall umount2 "/tmp" 0; syscall mount "none" "/nope" "tmpfs" 0 0`)
	want := []string{
		`mount("none", "/tmp/rootdir", "tmpfs", 0, NULL) = -1 EPERM (Operation not permitted)`,
		`umount2("/tmp", 0) = -1 EPERM (Operation not permitted)`,
		`mount("none", "/nope", "tmpfs", 0, NULL) = -1 ENOENT (No such file or directory)`, // the lookup comes first
		`exit_group(0) = ?`,
	}
	sameLines(t, got, want)
}

// spawn As is login's set-up, done with init's privileges: once init has
// dropped root it can only start processes as itself, and a path the user
// may not execute fails at once.
func TestSpawnAsAUserNeedsInitToBeRoot(t *testing.T) {
	k := permKernel(t)
	if _, err := k.Spawn("/tmp/prog744", SpawnOptions{As: &SpawnCreds{UID: 1000, GID: 1000}}); err == nil || err.Error() != "/tmp/prog744: Permission denied" {
		t.Errorf("user exec of a 0744 root program: %v", err)
	}
	for _, bad := range []SpawnCreds{{UID: -1}, {UID: 1, GID: 1 << 32}, {UID: 1, Groups: []int{-1}}} {
		if _, err := k.Spawn("yielder", SpawnOptions{As: &bad}); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	base := credJar(t, k)
	if rec, _, _ := k.SyscallAs(1, nr("setresuid"), 1000, 1000, 1000); rec.Ret != 0 {
		t.Fatal(rec)
	}
	for _, c := range []SpawnCreds{{UID: 0, GID: 0}, {UID: 1000, GID: 1000}, {UID: 1000, GID: 0, Groups: []int{5}}} {
		_, err := k.Spawn("yielder", SpawnOptions{As: &c})
		if e, ok := err.(*Error); !ok || e.Errno != abi.EPERM {
			t.Errorf("init uid 1000 spawning as %+v: %v, want EPERM", c, err)
		}
	}
	pid, err := k.Spawn("yielder", SpawnOptions{As: &SpawnCreds{UID: 1000, GID: 0}})
	if err != nil {
		t.Fatal(err)
	}
	if c := k.tasks[pid].Cred; c.UID != 1000 || c.GID != 0 || c.Usage() != 2 {
		t.Errorf("as itself: uid %d gid %d usage %d", c.UID, c.GID, c.Usage())
	}
	if got := credJar(t, k); got != base+1 {
		t.Errorf("cred_jar %d, want %d (the child's only)", got, base+1)
	}
}

// execve copies the effective ids to the saved ones; a set-user-ID file
// makes its owner the effective uid (root's, here: with its
// capabilities), except on a nosuid mount such as /tmp.
func TestExecOfASetuidFile(t *testing.T) {
	k := permKernel(t)
	show := execMagicProg + `syscall getresuid "aaaa" "bbbb" "cccc"; syscall getresgid "aaaa" "bbbb" "cccc"; syscall open "/tmp/secret" 0` + "\n"
	if got := asUser(t, k, 0, 0, `syscall mount "none" "/tmp/rootdir" "tmpfs" 0 0`); got[0] != `mount("none", "/tmp/rootdir", "tmpfs", 0, NULL) = 0` {
		t.Fatal(got)
	}
	for _, f := range []string{"/tmp/show", "/tmp/suid", "/tmp/rootdir/suid"} {
		if err := k.WriteFile(f, []byte(show), false); err != nil {
			t.Fatal(err)
		}
	}
	asUser(t, k, 0, 0, `syscall chmod "/tmp/show" 0755; syscall chmod "/tmp/suid" 04755; `+
		`syscall chown "/tmp/rootdir/suid" 0 50; syscall chmod "/tmp/rootdir/suid" 06755`)
	for _, c := range []struct {
		name string
		uid  int
		src  string
		want []string
	}{
		{"a plain file: the saved ids become the effective ones", 0, `syscall setresuid 1000 1000 0; exec /tmp/show`, []string{
			`getresuid([1000], [1000], [1000]) = 0`, `getresgid([1000], [1000], [1000]) = 0`,
			`open("/tmp/secret", O_RDONLY) = -1 EACCES (Permission denied)`}},
		{"set-user-ID and set-group-ID root", 1000, `exec /tmp/rootdir/suid`, []string{
			`getresuid([1000], [0], [0]) = 0`, `getresgid([1000], [50], [50]) = 0`,
			`open("/tmp/secret", O_RDONLY) = 3`}},
		{"on the nosuid /tmp", 1000, `exec /tmp/suid`, []string{
			`getresuid([1000], [1000], [1000]) = 0`, `getresgid([1000], [1000], [1000]) = 0`,
			`open("/tmp/secret", O_RDONLY) = -1 EACCES (Permission denied)`}},
	} {
		var got []string
		for _, l := range asUser(t, k, c.uid, 1000, c.src) {
			if strings.HasPrefix(l, "get") || strings.HasPrefix(l, "open") {
				got = append(got, l)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s:\ngot  %q\nwant %q", c.name, got, c.want)
		}
	}
}

// A user may signal and renice only its own processes (the real or saved
// uid of the target is its real or effective uid), may not lower a nice
// value (RLIMIT_NICE is 0) and may not take a real-time policy; root may
// do all of it (CAP_KILL, CAP_SYS_NICE).
func TestSignalsAndPrioritiesNeedTheSameOwner(t *testing.T) {
	k := permKernel(t)
	other := spawn(t, k, "sleep 10s", SpawnOptions{As: &SpawnCreds{UID: 2000, GID: 2000}})
	mine := spawn(t, k, "sleep 10s", SpawnOptions{As: &SpawnCreds{UID: 1000, GID: 1000}})
	k.Run(Stop{For: 1e6})
	one, zero := `"\x01\x00\x00"`, `"\x00\x00\x00"` // int sched_priority with the string's NUL
	got := asUser(t, k, 1000, 1000, fmt.Sprintf(`syscall kill %[1]d 0; syscall kill %[2]d 0; syscall setpriority 0 %[2]d 5; `+
		`syscall setpriority 0 %[1]d 5; syscall setpriority 0 %[2]d 0; syscall sched_setscheduler %[2]d 1 %[3]s; `+
		`syscall sched_setscheduler %[1]d 3 %[4]s; syscall sched_setscheduler %[2]d 3 %[4]s; syscall kill %[2]d 15`, other, mine, one, zero))
	want := []string{
		fmt.Sprintf(`kill(%d, 0) = -1 EPERM (Operation not permitted)`, other),
		fmt.Sprintf(`kill(%d, 0) = 0`, mine),
		fmt.Sprintf(`setpriority(PRIO_PROCESS, %d, 5) = 0`, mine),
		fmt.Sprintf(`setpriority(PRIO_PROCESS, %d, 5) = -1 EPERM (Operation not permitted)`, other),
		fmt.Sprintf(`setpriority(PRIO_PROCESS, %d, 0) = -1 EACCES (Permission denied)`, mine), // lowering 5 to 0
		fmt.Sprintf(`sched_setscheduler(%d, SCHED_FIFO, [1]) = -1 EPERM (Operation not permitted)`, mine),
		fmt.Sprintf(`sched_setscheduler(%d, SCHED_BATCH, [0]) = -1 EPERM (Operation not permitted)`, other),
		fmt.Sprintf(`sched_setscheduler(%d, SCHED_BATCH, [0]) = 0`, mine),
		fmt.Sprintf(`kill(%d, SIGTERM) = 0`, mine),
		`exit_group(0) = ?`,
	}
	sameLines(t, got, want)
	got = asUser(t, k, 0, 0, fmt.Sprintf(`syscall setpriority 0 %d -5; syscall kill %d 9`, other, other))
	sameLines(t, got, []string{
		fmt.Sprintf(`setpriority(PRIO_PROCESS, %d, -5) = 0`, other),
		fmt.Sprintf(`kill(%d, SIGKILL) = 0`, other),
		`exit_group(0) = ?`,
	})
}

// /proc/PID/status shows the task's own umask; a kernel thread's is
// init_fs's 0022.
func TestProcStatusShowsTheUmask(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	if rec, _, _ := k.SyscallAs(1, nr("umask"), 0o077); rec.Ret != 0o022 {
		t.Fatal(rec)
	}
	for pid, want := range map[int]string{1: "\nUmask:\t0077\n", 2: "\nUmask:\t0022\n"} {
		if st, _ := k.ReadProc(fmt.Sprintf("/proc/%d/status", pid)); !strings.Contains(st, want) {
			t.Errorf("pid %d: no %q in\n%s", pid, want, st)
		}
	}
}

// A write or a truncate by a user drops S_ISUID, and S_ISGID with group
// execute (file_remove_privs); S_ISGID without g+x (mandatory locking)
// stays; root (CAP_FSETID) keeps them all.
func TestWritingAProgramDropsItsSetIDBits(t *testing.T) {
	k := permKernel(t)
	mode := func() uint32 {
		e, err := k.Lstat("/tmp/p")
		if err != nil {
			t.Fatal(err)
		}
		return e.Mode & 0o7777
	}
	asUser(t, k, 1000, 1000, `syscall open "/tmp/p" 0101 0777`)
	for _, c := range []struct {
		uid     int
		chmod   uint32
		prog    string
		want    uint32
		comment string
	}{
		{1000, 0o6777, `syscall open "/tmp/p" 1; syscall write 3 "y" 1`, 0o0777, "user's write"},
		{1000, 0o6767, `syscall open "/tmp/p" 1; syscall write 3 "y" 1`, 0o2767, "user's write, S_ISGID without g+x"},
		{1000, 0o6777, `syscall truncate "/tmp/p" 0`, 0o0777, "user's truncate"},
		{1000, 0o6777, `syscall open "/tmp/p" 1; syscall ftruncate 3 1`, 0o0777, "user's ftruncate"},
		{1000, 0o6777, `syscall open "/tmp/p" 1; syscall write 3 "" 0`, 0o6777, "an empty write"},
		{0, 0o6777, `syscall open "/tmp/p" 1; syscall write 3 "y" 1`, 0o6777, "root's write"},
	} {
		asUser(t, k, 1000, 1000, fmt.Sprintf(`syscall chmod "/tmp/p" %d`, c.chmod))
		asUser(t, k, c.uid, c.uid, c.prog)
		if m := mode(); m != c.want {
			t.Errorf("%s of a %#o file: %#o, want %#o", c.comment, c.chmod, m, c.want)
		}
	}
}
