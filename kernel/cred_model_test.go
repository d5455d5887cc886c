package kernel

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"slices"
	"sort"
	"testing"

	"kplay/kernel/abi"
)

// credModel is the reference for the set*id rules, written from the
// manual pages (setuid(2), setreuid(2), setresuid(2), setfsuid(2),
// setgroups(2)) for a process that descends from root and has no
// capabilities of its own: CAP_SETUID and CAP_SETGID are "euid 0".
type credModel struct {
	uid, gid [4]int // real, effective, saved, fs
	groups   []int
}

const minus1 = -1

func (m *credModel) priv() bool { return m.uid[1] == 0 }

func in3(x int, ids [4]int) bool { return x == ids[0] || x == ids[1] || x == ids[2] }

// call applies one call and returns what it returns.
func (m *credModel) call(name string, a []int) int64 {
	eperm, einval := -int64(abi.EPERM), -int64(abi.EINVAL)
	ids := &m.uid
	if name[len(name)-3:] == "gid" {
		ids = &m.gid
	}
	switch name {
	case "setuid", "setgid":
		x := a[0]
		switch {
		case x == minus1:
			return einval
		case m.priv() && name == "setuid":
			*ids = [4]int{x, x, x, x}
		case m.priv(): // setgid
			*ids = [4]int{x, x, x, x}
		case x == ids[0] || x == ids[2]:
			ids[1], ids[3] = x, x
		default:
			return eperm
		}
	case "setreuid", "setregid":
		r, e := a[0], a[1]
		if !m.priv() && (r != minus1 && r != ids[0] && r != ids[1] || e != minus1 && !in3(e, *ids)) {
			return eperm
		}
		old := *ids
		if r != minus1 {
			ids[0] = r
		}
		if e != minus1 {
			ids[1] = e
		}
		if r != minus1 || e != minus1 && e != old[0] {
			ids[2] = ids[1]
		}
		ids[3] = ids[1]
	case "setresuid", "setresgid":
		// Linux 6.x returns at once when nothing would change, leaving an
		// fsuid that setfsuid moved where it is.
		if (a[0] == minus1 || a[0] == ids[0]) && (a[1] == minus1 || a[1] == ids[1] && a[1] == ids[3]) &&
			(a[2] == minus1 || a[2] == ids[2]) {
			return 0
		}
		for _, x := range a {
			if x != minus1 && !in3(x, *ids) && !m.priv() {
				return eperm
			}
		}
		for i, x := range a {
			if x != minus1 {
				ids[i] = x
			}
		}
		ids[3] = ids[1]
	case "setfsuid", "setfsgid":
		old := ids[3]
		if x := a[0]; x != minus1 && (in3(x, *ids) || x == ids[3] || m.priv()) {
			ids[3] = x
		}
		return int64(old)
	case "setgroups":
		if !m.priv() {
			return eperm
		}
		m.groups = slices.Clone(a)
		sort.Ints(m.groups)
	}
	return 0
}

// Random sequences of the set*id calls, made by init on the task path,
// agree with the model call by call: the return value, all eight ids
// and the groups; and the cred_jar does not grow (each commit frees the
// cred it replaces, each refusal its copy).
func TestSetIDCallsMatchTheModel(t *testing.T) {
	names := []string{"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid", "setgroups"}
	nargs := map[string]int{"setreuid": 2, "setregid": 2, "setresuid": 3, "setresgid": 3}
	pool := []int{0, 1, 2, minus1}
	rng := rand.New(rand.NewSource(6))
	for seq := 0; seq < 150; seq++ {
		k, _ := boot(t, Config{Quiet: true})
		base := credJar(t, k)
		m := &credModel{}
		var trail []string
		for step := 0; step < 25; step++ {
			name := names[rng.Intn(len(names))]
			var a []int
			var rec *SyscallRecord
			if name == "setgroups" {
				for range rng.Intn(4) {
					a = append(a, rng.Intn(3)*10)
				}
				var b []byte
				for _, g := range a {
					b = binary.LittleEndian.AppendUint32(b, uint32(g))
				}
				k.ResetUserData(1)
				addr, err := k.PushUserData(1, append(b, 0, 0, 0, 0))
				if err != nil {
					t.Fatal(err)
				}
				rec, _, _ = k.SyscallAs(1, nr(name), uint64(len(a)), addr)
			} else {
				n := max(nargs[name], 1)
				regs := make([]uint64, n)
				for i := range regs {
					a = append(a, pool[rng.Intn(len(pool))])
					regs[i] = uint64(uint32(a[i]))
				}
				rec, _, _ = k.SyscallAs(1, nr(name), regs...)
			}
			want := m.call(name, a)
			trail = append(trail, straceGap.ReplaceAllString(rec.String(), " = "))
			c := k.initTsk.Cred
			got := credModel{uid: [4]int{c.UID, c.EUID, c.SUID, c.FSUID}, gid: [4]int{c.GID, c.EGID, c.SGID, c.FSGID}, groups: c.Groups()}
			if rec.Ret != want || got.uid != m.uid || got.gid != m.gid || !slices.Equal(got.groups, m.groups) && len(got.groups)+len(m.groups) > 0 {
				t.Fatalf("sequence %d:\n%s\nreturned %d, want %d\nkernel %+v\nmodel  %+v", seq, fmt.Sprint(trail), rec.Ret, want, got, *m)
			}
			if n := credJar(t, k); n != base {
				t.Fatalf("sequence %d: cred_jar has %d objects in use, %d at the start\n%s", seq, n, base, fmt.Sprint(trail))
			}
		}
	}
}

// Processes that fork, start threads, change their ids and exit give
// back every cred and group_info: cred_jar and kmalloc-16 (a group_info
// of two groups) are where they were at boot, and init's cred is still
// held twice.
func TestCredJarReturnsToBaselineWhenTasksExit(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	jar, km := credJar(t, k), slabLine(t, k, "kmalloc-16").InUse
	src := `fork { syscall setuid 1000; compute 1ms }; thread { syscall setgid 5; compute 1ms }; ` +
		`thread { compute 1ms }; syscall setresuid 7 7 7; wait; compute 2ms`
	var pids []int
	for i := range 10 {
		o := SpawnOptions{}
		if i%2 == 1 {
			o.As = &SpawnCreds{UID: 1000 + i, GID: 100, Groups: []int{20, 10}}
		}
		pids = append(pids, spawn(t, k, src, o))
	}
	k.Run(Stop{For: 5e6})
	if got := credJar(t, k); got <= jar+10 {
		t.Fatalf("cred_jar while they run: %d objects, %d at boot", got, jar)
	}
	k.Run(Stop{For: 1e9})
	for _, pid := range pids {
		if _, ok := k.Task(pid); ok {
			t.Fatalf("pid %d still there", pid)
		}
	}
	if got := credJar(t, k); got != jar {
		t.Errorf("cred_jar: %d objects in use, %d at boot", got, jar)
	}
	if got := slabLine(t, k, "kmalloc-16").InUse; got != km {
		t.Errorf("kmalloc-16: %d objects in use, %d at boot (a group_info leaked)", got, km)
	}
	if u := k.initTsk.Cred.Usage(); u != 2 {
		t.Errorf("init's cred usage %d, want 2", u)
	}
}
