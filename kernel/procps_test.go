package kernel

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The real procps tools read kplay's /proc: a snapshot of the tree (what
// the REPL's proc dump writes) is bind-mounted over the host's /proc in a
// private mount namespace (unshare -rm, no root needed). ps also looks
// itself up by its pid, so it runs as pid 1 of a pid namespace of its own
// (unshare -p -f, then exec), where it finds kplay's init. Skipped where
// the tools are missing or user namespaces are off.

// procpsSetup boots a machine with a CPU hog (pid 6) and a sleeping
// /bin/sleep (pid 7) that has run for a minute, and writes its /proc
// under a temporary directory.
func procpsSetup(t *testing.T, tools ...string) (*Kernel, string) {
	t.Helper()
	for _, tool := range append([]string{"unshare"}, tools...) {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	k, _ := boot(t, Config{Quiet: true})
	if _, err := k.Spawn("cpu-hog", SpawnOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Spawn("", SpawnOptions{Argv: []string{"/bin/sleep", "100"}}); err != nil {
		t.Fatal(err)
	}
	k.Run(Stop{For: 60e9})
	dir := t.TempDir()
	for _, e := range k.ProcTree() {
		path := filepath.Join(dir, strings.TrimPrefix(e.Path, "/proc/"))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		if e.Target != "" {
			err = os.Symlink(e.Target, path)
		} else {
			err = os.WriteFile(path, []byte(e.Text), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return k, dir
}

// underProc runs script with dir mounted over /proc, in a pid namespace
// of its own when pidns is set.
func underProc(t *testing.T, dir string, pidns bool, script string) string {
	t.Helper()
	flags := "-rm"
	if pidns {
		flags = "-rmpf"
	}
	out, err := exec.Command("unshare", flags, "sh", "-c", "mount --bind "+dir+" /proc && "+script).CombinedOutput()
	if err != nil {
		t.Skipf("no private mount namespace here: %v: %s", err, out)
	}
	return string(out)
}

func TestProcpsFreeVmstatUptimeSlabtopReadTheFiles(t *testing.T) {
	k, dir := procpsSetup(t, "free", "vmstat", "uptime", "slabtop")
	out := underProc(t, dir, false, "free && echo @ && vmstat && echo @ && uptime && echo @ && slabtop --once")
	parts := strings.Split(out, "@\n")
	if len(parts) != 4 {
		t.Fatalf("tools' output:\n%s", out)
	}
	free, vmstat, uptime, slabtop := parts[0], parts[1], parts[2], parts[3]
	m := map[string]uint64{}
	for _, l := range k.Meminfo() {
		m[l.Key] = l.KB
	}
	kb := func(keys ...string) string {
		var n uint64
		for _, key := range keys {
			n += m[key]
		}
		return strconv.FormatUint(n, 10)
	}

	// free: Mem: total used free shared buff/cache available, in KiB;
	// used is total less available (procps 4), buff/cache is Buffers,
	// Cached and SReclaimable.
	want := []string{"Mem:", "65536", kb("MemTotal") /* replaced below */, kb("MemFree"), kb("Shmem"),
		kb("Buffers", "Cached", "SReclaimable"), kb("MemAvailable")}
	want[2] = strconv.FormatUint(m["MemTotal"]-m["MemAvailable"], 10)
	if got := strings.Fields(strings.Split(free, "\n")[1]); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("free's Mem: line is %q, want %q:\n%s", got, want, free)
	}
	if got := strings.Fields(strings.Split(free, "\n")[2]); strings.Join(got, " ") != "Swap: 0 0 0" {
		t.Errorf("free's Swap: line is %q:\n%s", got, free)
	}

	// vmstat's first line is the averages since boot: one runnable task
	// (the hog), none blocked; memory as free reads it; 100 interrupts a
	// second (the tick); every tick charged to user time.
	lines := strings.Split(vmstat, "\n")
	got := strings.Fields(lines[2])
	want = []string{"1", "0", "0", kb("MemFree"), kb("Buffers"), kb("Cached", "SReclaimable"), "0", "0", "0", "0", "100"}
	if len(got) != 17 || strings.Join(got[:11], " ") != strings.Join(want, " ") || strings.Join(got[12:], " ") != "100 0 0 0 0" {
		t.Errorf("vmstat's line is %q, want %q, cs, then 100 0 0 0 0:\n%s", got, want, vmstat)
	}
	// The context switches per second: the hog and sleep's few.
	if cs := got[11]; cs != strconv.FormatUint(k.cpu.Switches()/60, 10) {
		t.Errorf("vmstat's cs is %s, want %d", cs, k.cpu.Switches()/60)
	}

	// uptime: a minute of one hog, as /proc/loadavg says.
	la, _ := k.ReadProc("/proc/loadavg")
	f := strings.Fields(la)
	if !strings.Contains(uptime, " up 1 min, ") || !strings.HasSuffix(uptime, "load average: "+f[0]+", "+f[1]+", "+f[2]+"\n") {
		t.Errorf("uptime for %q:\n%s", la, uptime)
	}

	// slabtop: the summary, then the caches by object count.
	for _, s := range []string{
		" Active / Total Caches (% used)     : 10 / 23 (43.5%)",
		"  OBJS ACTIVE  USE OBJ SIZE  SLABS OBJ/SLAB CACHE SIZE NAME",
	} {
		if !strings.Contains(slabtop, s) {
			t.Errorf("slabtop lacks %q:\n%s", s, slabtop)
		}
	}
	for _, c := range k.SlabCaches() {
		if c.Name != "dentry" {
			continue
		}
		row := sprintf("%6d %6d", c.NumObjs, c.ActiveObjs)
		if !strings.Contains(slabtop, "\n"+row) {
			t.Errorf("slabtop lacks dentry's %q:\n%s", row, slabtop)
		}
	}
}

func TestProcpsPsReadsTheTasks(t *testing.T) {
	_, dir := procpsSetup(t, "ps")
	out := underProc(t, dir, true, "exec ps -eo pid,ppid,stat,ni,pri,rss,vsz,comm")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	// ps lists /proc's directories in readdir order, which on the host's
	// file system is not by pid.
	body := lines[1:]
	sort.Slice(body, func(i, j int) bool {
		a, _ := strconv.Atoi(strings.Fields(body[i])[0])
		b, _ := strconv.Atoi(strings.Fields(body[j])[0])
		return a < b
	})
	got := strings.Join(lines, "\n")
	// pri is 39 - (prio - 100) for a nice-0 task: 19. The hog's stack is
	// 32 pages (128 KiB) of address space and none of it touched; sleep
	// touched one page of its stack.
	want := strings.Join([]string{
		"  PID  PPID STAT  NI PRI   RSS    VSZ COMMAND",
		"    1     0 S      0  19     0    128 init",
		"    2     0 S      0  19     0      0 kthreadd",
		"    3     2 S      0  19     0      0 ksoftirqd/0",
		"    4     2 S      0  19     0      0 kworker/0:0",
		"    5     2 S      0  19     0      0 ksyscalld/0",
		"    6     1 R      0  19     0    128 cpu-hog",
		"    7     1 S      0  19     4    128 sleep",
	}, "\n")
	if got != want {
		t.Errorf("ps -eo pid,ppid,stat,ni,pri,rss,vsz,comm:\n%s\nwant:\n%s", got, want)
	}
}
