package kernel

import (
	"strings"
	"testing"

	"kplay/internal/hostbench"

	"kplay/kernel/abi"
)

// Each kplay benchmark sits beside its host baseline; compare the two
// ns/op figures as a ratio (kplay bench prints the ratios).

func BenchmarkHostGetpid(b *testing.B) { hostbench.Getpid(b.N) }

func BenchmarkTaskPathGetpid(b *testing.B) {
	k, _ := boot(b, Config{Quiet: true})
	b.ResetTimer()
	k.BenchTaskGetpid(b.N)
}

func BenchmarkAppPathGetpid(b *testing.B) {
	k, _ := boot(b, Config{Quiet: true})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k.Syscall(int(abi.SysGetpid))
	}
}

func BenchmarkHostGoroutineHandoff(b *testing.B) { hostbench.GoroutineHandoff(b.N) }

// BenchmarkHostPipeRoundTrip is the baseline of BenchmarkUserYieldSwitch:
// issue 4's target is a kernel context switch at most 0.05x of it.
func BenchmarkHostPipeRoundTrip(b *testing.B) {
	if err := hostbench.PipeRoundTrip(b.N); err != nil {
		b.Skip(err)
	}
}

func BenchmarkUserYieldSwitch(b *testing.B) {
	k, _ := boot(b, Config{Quiet: true})
	if err := k.BenchUserYield(b.N, b.ResetTimer); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkKthreadSwitch(b *testing.B) {
	k, _ := boot(b, Config{Quiet: true})
	b.ResetTimer()
	k.BenchKthreadSwitch(b.N)
}

func TestBenchHooksDoWhatTheySay(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	before := k.Status().Switches
	k.BenchKthreadSwitch(100)
	// 100 yields between the pair, plus the few switches to start them
	// and back to idle.
	if d := k.Status().Switches - before; d < 100 || d > 110 {
		t.Fatalf("%d switches for 100", d)
	}
	// The page-fault hook faults pages in and gives them all back.
	free := k.pm.TotalFree()
	k.BenchPageFault(3000)
	if k.pm.TotalFree() != free {
		t.Fatalf("BenchPageFault kept %d pages", free-k.pm.TotalFree())
	}
	n := len(k.Events())
	k.BenchTaskGetpid(10)
	evs := k.Events()[n:]
	calls := 0
	for _, e := range evs {
		if e.Kind == EvSyscall && e.Syscall.Name == "getpid" && e.Syscall.Path == PathTask {
			calls++
		}
	}
	if calls != 10 {
		t.Fatalf("%d getpid calls recorded, want 10", calls)
	}
	// The user-task hook counts real switches, not yields that found the
	// yielder still leftmost.
	if err := k.BenchUserYield(100, func() { before = k.Status().Switches }); err != nil {
		t.Fatal(err)
	}
	// 100 between the pair, then the switches of their deaths.
	if d := k.Status().Switches - before; d < 100 || d > 106 {
		t.Fatalf("%d switches for 100 user yield switches", d)
	}
	for _, ti := range k.Tasks() {
		if strings.HasPrefix(ti.Comm, "yield-") {
			t.Fatalf("%s[%d] survived stop", ti.Comm, ti.PID)
		}
	}
}

func BenchmarkHostSyncPool(b *testing.B) { hostbench.SyncPool(b.N) }

// BenchmarkKmemCacheAllocFree is issue 5's slab row: at most 1.5x a
// sync.Pool Get+Put.
func BenchmarkKmemCacheAllocFree(b *testing.B) {
	k, _ := boot(b, Config{Quiet: true})
	b.ResetTimer()
	k.BenchKmemCache(b.N)
}

func BenchmarkHostHeapPage(b *testing.B) { hostbench.HeapPage(b.N) }

func BenchmarkBuddyOrder0(b *testing.B) {
	k, _ := boot(b, Config{Quiet: true})
	b.ResetTimer()
	k.BenchBuddy(b.N)
}

func BenchmarkHostPageFault(b *testing.B) {
	if err := hostbench.PageFault(b.N); err != nil {
		b.Skip(err)
	}
}

func BenchmarkUserPageFault(b *testing.B) {
	k, _ := boot(b, Config{Quiet: true})
	b.ResetTimer()
	k.BenchPageFault(b.N)
}
