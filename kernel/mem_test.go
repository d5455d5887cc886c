package kernel

import (
	"strings"
	"testing"

	"kplay/mm"
)

func TestZonesAndBuddyinfoFollowMemAndLowmem(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true, MemBytes: 1 << 30})
	// 1 GiB with the 896 MiB split: DMA 16 MiB, Normal 880 MiB, HighMem
	// 128 MiB, all in order-10 (4 MiB) blocks.
	want := "Node 0, zone      DMA      0      0      0      0      0      0      0      0      0      0      4 \n" +
		"Node 0, zone   Normal      0      0      0      0      0      0      0      0      0      0    220 \n" +
		"Node 0, zone  HighMem      0      0      0      0      0      0      0      0      0      0     32 \n"
	if got, _ := k.ReadProc("/proc/buddyinfo"); got != want {
		t.Fatalf("buddyinfo:\n%q\nwant\n%q", got, want)
	}
	zi, _ := k.ReadProc("/proc/zoneinfo")
	for _, line := range []string{"Node 0, zone   Normal\n  pages free     225280\n", "        protection: (0, 880, 1008)\n", "        managed  32768\n"} {
		if !strings.Contains(zi, line) {
			t.Errorf("zoneinfo lacks %q:\n%s", line, zi)
		}
	}
	var ranges []string
	for _, r := range k.Dmesg() {
		if strings.Contains(r.Text, "[mem ") {
			ranges = append(ranges, r.Text)
		}
	}
	if strings.Join(ranges, "\n") != "  DMA      [mem 0x0000000000000000-0x0000000000ffffff]\n"+
		"  Normal   [mem 0x0000000001000000-0x0000000037ffffff]\n"+
		"  HighMem  [mem 0x0000000038000000-0x000000003fffffff]" {
		t.Fatalf("zone ranges:\n%s", strings.Join(ranges, "\n"))
	}
	// A fresh machine has touched none of its RAM.
	if k.pm.BackedBytes != 0 {
		t.Fatalf("%d bytes of host memory back a fresh machine", k.pm.BackedBytes)
	}
	if _, err := Boot(Config{Quiet: true, LowmemBytes: 8 << 20}); err == nil {
		t.Fatal("a lowmem limit inside ZONE_DMA must be refused")
	}
	k2, _ := boot(t, Config{Quiet: true, MemBytes: 64<<20 + 123})
	if len(k2.pm.Pages) != 64<<20/mm.PageSize {
		t.Fatalf("mem= rounds down to pages: %d pages", len(k2.pm.Pages))
	}
}
