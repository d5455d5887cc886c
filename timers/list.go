package timers

import "sort"

// TimerList is a kernel timer (struct timer_list).
type TimerList struct {
	// Expires is the jiffy at which the timer runs.
	Expires uint64
	// Function runs from the TIMER softirq when the timer expires.
	Function func(t *TimerList)
	// Name is the function's name as crash's `timer` shows it.
	Name string
	// Owner says who armed it (a task's comm, a subsystem), for inspection.
	Owner string

	pending bool
	seq     uint64 // List: insertion order, for FIFO among equal expiries
	addr    uint64 // Wheel: see Addr

	next, prev *TimerList // Wheel: the slot's list
	slot       *slot
}

// Addr stands in for the timer's address, which tracepoints print: the
// wheel numbers each timer the first time it is armed (1, 2, ...), so the
// number is stable for the timer's life, tells timers apart, and is the
// same in every run, as a Go pointer would not be. 0 means never armed
// on a wheel.
func (t *TimerList) Addr() uint64 { return t.addr }

// Pending is timer_pending.
func (t *TimerList) Pending() bool { return t.pending }

// List is a timer base kept as a list sorted by (Expires, insertion).
// It is owned by the CPU holder.
type List struct {
	timers []*TimerList
	seq    uint64
}

// Add is add_timer. Adding a pending timer is a bug in Linux (BUG_ON);
// here it re-queues, like mod_timer.
func (l *List) Add(t *TimerList) { l.Mod(t, t.Expires) }

// Mod is mod_timer: (re)arms t for expires and reports whether it was
// pending before.
func (l *List) Mod(t *TimerList, expires uint64) bool {
	was := l.Del(t)
	t.Expires = expires
	l.seq++
	t.seq, t.pending = l.seq, true
	i := len(l.timers)
	for i > 0 && TimeAfter(l.timers[i-1].Expires, expires) {
		i--
	}
	l.timers = append(l.timers, nil)
	copy(l.timers[i+1:], l.timers[i:])
	l.timers[i] = t
	return was
}

// Del is del_timer: it disarms t and reports whether it was pending.
// On one CPU a timer function never runs concurrently, so del_timer_sync
// is the same call.
func (l *List) Del(t *TimerList) bool {
	if !t.pending {
		return false
	}
	l.seq++
	t.seq = l.seq // invalidates a pending run of t in Run
	for i, x := range l.timers {
		if x == t {
			l.timers = append(l.timers[:i], l.timers[i+1:]...)
			break
		}
	}
	t.pending = false
	return true
}

// NextExpiry is the earliest pending expiry (get_next_timer_interrupt).
func (l *List) NextExpiry() (uint64, bool) {
	if len(l.timers) == 0 {
		return 0, false
	}
	return l.timers[0].Expires, true
}

// Due reports whether some timer expires at or before jiffies.
func (l *List) Due(jiffies uint64) bool {
	return len(l.timers) > 0 && TimeAfterEq(jiffies, l.timers[0].Expires)
}

// Run runs, in expiry order, every timer that expires at or before jiffies
// (__run_timers) and returns how many ran. The due timers are taken off the
// list first: one that its function re-arms for a jiffy already reached
// runs at the next tick, as in Linux, not again in this call.
func (l *List) Run(jiffies uint64) int {
	i := 0
	for i < len(l.timers) && TimeAfterEq(jiffies, l.timers[i].Expires) {
		i++
	}
	due := append([]*TimerList(nil), l.timers[:i]...)
	seqs := make([]uint64, len(due))
	for j, t := range due {
		seqs[j] = t.seq
	}
	l.timers = l.timers[i:]
	ran := 0
	for j, t := range due {
		// Skip a timer another one deleted (or re-armed) meanwhile.
		if !t.pending || t.seq != seqs[j] {
			continue
		}
		t.pending = false
		ran++
		if t.Function != nil {
			t.Function(t)
		}
	}
	return ran
}

// Timers returns the pending timers in expiry order.
func (l *List) Timers() []*TimerList {
	return append([]*TimerList(nil), l.timers...)
}

// sortStable is sort.SliceStable for timers.
func sortStable(ts []*TimerList, less func(a, b *TimerList) bool) {
	sort.SliceStable(ts, func(i, j int) bool { return less(ts[i], ts[j]) })
}
