package host

import (
	"io"
	"sync"
	"time"
)

// Real is the host whose clock is the machine's monotonic clock; timers are
// time.AfterFunc and fire on their own goroutines.
type Real struct {
	base
	start time.Time
	kick  chan struct{} // buffered 1: a sticky wake-up for Wait
}

type realTimer struct {
	mu sync.Mutex
	t  *time.Timer
}

// NewReal returns a real-clock host whose Print writes to out.
func NewReal(out io.Writer) *Real {
	return &Real{base: newBase(out), start: time.Now(), kick: make(chan struct{}, 1)}
}

// Name implements Ops.
func (r *Real) Name() string { return "real" }

// BootRealtime implements Ops.
func (r *Real) BootRealtime() int64 { return r.start.UnixNano() }

// Time implements Ops.
func (r *Real) Time() int64 { return int64(time.Since(r.start)) }

// TimerAlloc implements Ops.
func (r *Real) TimerAlloc(fn func()) *Timer {
	return &Timer{fn: func() { fn(); r.Kick() }}
}

// TimerSet implements Ops.
func (r *Real) TimerSet(t *Timer, at int64) {
	t.rt.mu.Lock()
	defer t.rt.mu.Unlock()
	if t.rt.t != nil {
		t.rt.t.Stop()
	}
	t.rt.t = time.AfterFunc(time.Duration(at-r.Time()), t.fn)
}

// TimerCancel implements Ops.
func (r *Real) TimerCancel(t *Timer) bool {
	t.rt.mu.Lock()
	defer t.rt.mu.Unlock()
	if t.rt.t == nil {
		return false
	}
	ok := t.rt.t.Stop()
	t.rt.t = nil
	return ok
}

// TimerFree implements Ops.
func (r *Real) TimerFree(t *Timer) { r.TimerCancel(t) }

// Wait implements Ops: it blocks until deadline, a timer callback or Kick.
func (r *Real) Wait(deadline int64) int64 {
	if deadline == Forever {
		<-r.kick
		return r.Time()
	}
	d := time.Duration(deadline - r.Time())
	if d <= 0 {
		select {
		case <-r.kick:
		default:
		}
		return r.Time()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-r.kick:
	case <-tm.C:
	}
	return r.Time()
}

// Kick implements Ops.
func (r *Real) Kick() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}
