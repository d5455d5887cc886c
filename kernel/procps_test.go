package kernel

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The real procps tools read kplay's /proc files: each file is bind-mounted
// over the host's in a private mount namespace (unshare -rm, no root
// needed). Skipped where unshare, free or slabtop are missing or user
// namespaces are off.
func TestProcpsToolsReadTheFiles(t *testing.T) {
	for _, tool := range []string{"unshare", "free", "slabtop"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	k, _ := boot(t, Config{Quiet: true})
	dir := t.TempDir()
	for _, f := range []string{"meminfo", "slabinfo"} {
		text, err := k.ReadProc("/proc/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	script := "mount --bind " + dir + "/meminfo /proc/meminfo && mount --bind " + dir + "/slabinfo /proc/slabinfo && free && slabtop --once"
	out, err := exec.Command("unshare", "-rm", "sh", "-c", script).CombinedOutput()
	if err != nil {
		t.Skipf("no private mount namespace here: %v: %s", err, out)
	}
	m := map[string]uint64{}
	for _, l := range k.Meminfo() {
		m[l.Key] = l.KB
	}
	free := strings.Fields(strings.Split(string(out), "\n")[1])
	// Mem: total used free shared buff/cache available, in KiB.
	if len(free) < 7 || free[1] != "65536" || free[3] != sprintf("%d", m["MemFree"]) || free[6] != sprintf("%d", m["MemAvailable"]) {
		t.Fatalf("free read:\n%s", out)
	}
	if !strings.Contains(string(out), " Active / Total Caches (% used)     : 10 / 23 (43.5%)") ||
		!strings.Contains(string(out), "  OBJS ACTIVE  USE OBJ SIZE  SLABS OBJ/SLAB CACHE SIZE NAME") {
		t.Fatalf("slabtop read:\n%s", out)
	}
}
