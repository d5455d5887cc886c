package timers

import (
	"fmt"
	"testing"
)

// Each wheel benchmark sits beside the same workload on Go's runtime
// timers (time.AfterFunc + Stop); compare ns/op as a ratio (kplay bench
// prints it). Pre-loading the pending timers is not timed.

func BenchmarkTimers(b *testing.B) {
	for _, w := range Workloads {
		for _, n := range Pendings {
			b.Run(fmt.Sprintf("%s/pending=%d", w.Name, n), func(b *testing.B) {
				op, done := w.Setup(n)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					op(i)
				}
				done() // runtime add+expire waits for its timers here
				b.StopTimer()
			})
		}
	}
}

func TestBenchWorkloadsRun(t *testing.T) {
	for _, w := range Workloads {
		op, done := w.Setup(100)
		for i := 0; i < 1000; i++ {
			op(i)
		}
		done()
	}
}
