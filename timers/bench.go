package timers

import (
	"math/rand"
	"sync"
	"time"
)

// Benchmark workloads shared by go test -bench and kplay bench. Setup
// pre-loads `pending` timers spread over tv1..tv4 (like a busy kernel's
// timeouts) and returns the operation to time and a cleanup.

// Workload is one benchmark: Setup(pending) returns op, run b.N times,
// and done, called after timing.
type Workload struct {
	Name  string
	Setup func(pending int) (op func(i int), done func())
}

// preload returns a wheel holding n timers at deterministic distances.
func preload(n int) (*Wheel, uint64) {
	rng := rand.New(rand.NewSource(int64(n)))
	const start = 1 << 32
	w := NewWheel(start)
	for i := 0; i < n; i++ {
		// An expired preloaded timer re-arms itself at a new distance, so
		// that n timers stay pending however long the benchmark runs.
		w.Add(&TimerList{Expires: start + 1 + uint64(rng.Int63n(1<<22)), Function: func(t *TimerList) {
			w.Mod(t, t.Expires+1+uint64(rng.Int63n(1<<22)))
		}})
	}
	return w, start
}

// runtimePreload starts n far-away runtime timers and returns their stop.
func runtimePreload(n int) func() {
	pending := make([]*time.Timer, n)
	for i := range pending {
		pending[i] = time.AfterFunc(time.Hour+time.Duration(i), func() {})
	}
	return func() {
		for _, t := range pending {
			t.Stop()
		}
	}
}

// Workloads are the timer benchmarks, each wheel row before its runtime
// baseline.
var Workloads = []Workload{
	{"wheel add+del", func(n int) (func(int), func()) {
		// A timeout that did not time out: mod_timer then del_timer.
		w, now := preload(n)
		t := &TimerList{}
		return func(i int) {
			w.Mod(t, now+uint64(i&0xfffff)+1)
			w.Del(t)
		}, func() {}
	}},
	{"runtime add+del", func(n int) (func(int), func()) {
		stop := runtimePreload(n)
		return func(int) { time.AfterFunc(time.Hour, func() {}).Stop() }, stop
	}},
	{"wheel add+expire", func(n int) (func(int), func()) {
		// Arm one jiffy ahead and process that jiffy (cascades included).
		w, now := preload(n)
		t := &TimerList{}
		return func(int) {
			w.Mod(t, now+1)
			now++
			w.Run(now)
		}, func() {}
	}},
	{"runtime add+expire", func(n int) (func(int), func()) {
		stop := runtimePreload(n)
		var wg sync.WaitGroup
		return func(int) {
				wg.Add(1)
				time.AfterFunc(0, wg.Done)
			}, func() {
				wg.Wait()
				stop()
			}
	}},
}

// Pendings are the numbers of pending timers each workload runs with.
var Pendings = []int{1 << 10, 1 << 16, 1 << 20}
