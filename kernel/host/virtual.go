package host

import (
	"io"
	"sort"
	"sync"
	"sync/atomic"
)

// Virtual is the deterministic host: its clock moves only inside Wait.
type Virtual struct {
	base

	tmu sync.Mutex // guards timers, seq, and writes of now
	// now is read without the lock (Time is on every hot path) and
	// written under it.
	now    atomic.Int64
	timers []*Timer // armed timers
	seq    uint64
	// next is the earliest armed expiry (Forever if none), kept with
	// timers, so a Wait that ends before it needs no lock.
	next atomic.Int64
}

// NewVirtual returns a virtual host whose Print writes to out.
func NewVirtual(out io.Writer) *Virtual {
	v := &Virtual{base: newBase(out)}
	v.next.Store(Forever)
	return v
}

// Name implements Ops.
func (v *Virtual) Name() string { return "virtual" }

// VirtualEpoch is the virtual host's wall clock at boot:
// 2026-01-01T00:00:00Z, fixed so that runs are deterministic.
const VirtualEpoch = 1767225600 * int64(1e9)

// BootRealtime implements Ops.
func (v *Virtual) BootRealtime() int64 { return VirtualEpoch }

// Time implements Ops.
func (v *Virtual) Time() int64 {
	return v.now.Load()
}

// TimerAlloc implements Ops.
func (v *Virtual) TimerAlloc(fn func()) *Timer { return &Timer{fn: fn} }

// TimerSet implements Ops.
func (v *Virtual) TimerSet(t *Timer, at int64) {
	v.tmu.Lock()
	defer v.tmu.Unlock()
	v.cancelLocked(t)
	v.seq++
	t.at, t.armed, t.seq = at, true, v.seq
	v.timers = append(v.timers, t)
	v.next.Store(min(v.next.Load(), at))
}

// TimerCancel implements Ops.
func (v *Virtual) TimerCancel(t *Timer) bool {
	v.tmu.Lock()
	defer v.tmu.Unlock()
	return v.cancelLocked(t)
}

func (v *Virtual) cancelLocked(t *Timer) bool {
	if !t.armed {
		return false
	}
	t.armed = false
	for i, x := range v.timers {
		if x == t {
			v.timers = append(v.timers[:i], v.timers[i+1:]...)
			break
		}
	}
	v.recomputeNext()
	return true
}

// recomputeNext refreshes next from timers; the caller holds tmu.
func (v *Virtual) recomputeNext() {
	next := Forever
	for _, t := range v.timers {
		next = min(next, t.at)
	}
	v.next.Store(next)
}

// TimerFree implements Ops.
func (v *Virtual) TimerFree(t *Timer) { v.TimerCancel(t) }

// NextTimer returns the earliest armed expiry, or Forever.
func (v *Virtual) NextTimer() int64 {
	v.tmu.Lock()
	defer v.tmu.Unlock()
	next := Forever
	for _, t := range v.timers {
		if t.at < next {
			next = t.at
		}
	}
	return next
}

// Wait implements Ops: the clock jumps to min(deadline, next timer) (never
// backwards) and every timer due by then runs, in expiry order, ties in the
// order they were set.
func (v *Virtual) Wait(deadline int64) int64 {
	// The common case on the hot paths: a short wait that no timer falls
	// inside moves the clock and nothing else. Only the CPU's holder
	// waits or arms timers, so next cannot move under us.
	if now := v.now.Load(); deadline != Forever && deadline < v.next.Load() {
		if deadline > now {
			v.now.Store(deadline)
			return deadline
		}
		return now
	}
	v.tmu.Lock()
	target := deadline
	for _, t := range v.timers {
		if t.at < target {
			target = t.at
		}
	}
	if target == Forever {
		// Nothing armed and no deadline: time has no reason to move.
		now := v.now.Load()
		v.tmu.Unlock()
		return now
	}
	if target > v.now.Load() {
		v.now.Store(target)
	}
	var due []*Timer
	keep := v.timers[:0]
	for _, t := range v.timers {
		if t.at <= v.now.Load() {
			t.armed = false
			due = append(due, t)
		} else {
			keep = append(keep, t)
		}
	}
	v.timers = keep
	v.recomputeNext()
	now := v.now.Load()
	v.tmu.Unlock()
	sort.SliceStable(due, func(i, j int) bool {
		if due[i].at != due[j].at {
			return due[i].at < due[j].at
		}
		return due[i].seq < due[j].seq
	})
	for _, t := range due {
		t.fn()
	}
	return now
}

// Kick implements Ops; a virtual Wait never blocks, so there is nothing to do.
func (v *Virtual) Kick() {}
