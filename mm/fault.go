package mm

import (
	"fmt"
	"math/rand"
)

// FaultAttr is struct fault_attr (lib/fault-inject.c): when and how often
// an allocation is made to fail, for exercising error paths. kplay's
// randomness is seeded, so a lab's failures are the same on every run.
type FaultAttr struct {
	Name        string // failslab or fail_page_alloc
	Probability int    // percent, 0-100; 0 disables
	Interval    int    // fail only every Interval-th eligible call
	Times       int    // failures left; -1 is unlimited
	Space       int    // bytes (failslab) or pages to let through first
	Verbose     int    // 0: quiet; 1 and 2: print FAULT_INJECTION lines
	// IgnoreGFPWait spares allocations that may sleep (ignore-gfp-wait,
	// default Y); IgnoreGFPHighmem spares __GFP_HIGHMEM ones and MinOrder
	// smaller orders (fail_page_alloc only).
	IgnoreGFPWait    bool
	IgnoreGFPHighmem bool
	MinOrder         int

	// OnFail receives fail_dump's lines (the kernel printks them).
	OnFail func(msg string)

	count uint64
	rng   *rand.Rand
	// Failures counts the failures injected.
	Failures uint64
}

// newFaultAttr returns FAULT_ATTR_INITIALIZER's defaults: off.
func newFaultAttr(name string, seed int64) *FaultAttr {
	return &FaultAttr{Name: name, Interval: 1, Times: 1, Verbose: 2, IgnoreGFPWait: true,
		IgnoreGFPHighmem: name == "fail_page_alloc", MinOrder: map[bool]int{true: 1}[name == "fail_page_alloc"],
		rng: rand.New(rand.NewSource(seed))}
}

// Seed restarts the attribute's random sequence.
func (a *FaultAttr) Seed(seed int64) { a.rng = rand.New(rand.NewSource(seed)) }

// shouldFail is should_fail_ex for an allocation of size (bytes or pages).
func (a *FaultAttr) shouldFail(size int) bool {
	switch {
	case a.Probability == 0, a.Times == 0:
		return false
	case a.Space > size:
		a.Space -= size
		return false
	}
	if a.Interval > 1 {
		a.count++
		if a.count%uint64(a.Interval) != 0 {
			return false
		}
	}
	if a.Probability <= a.rng.Intn(100) {
		return false
	}
	if a.Verbose > 0 && a.OnFail != nil {
		a.OnFail(fmt.Sprintf("FAULT_INJECTION: forcing a failure.\nname %s, interval %d, probability %d, space %d, times %d",
			a.Name, a.Interval, a.Probability, a.Space, a.Times))
	}
	if a.Times != -1 {
		a.Times--
	}
	a.Failures++
	return true
}
