package timers

// The cascading timer wheel of Linux 2.6 (kernel/timer.c).
//
// Five vectors of lists hold the pending timers. tv1 has 256 slots, one
// per jiffy: the timers that expire within the next 256 jiffies, each in
// the slot expires & 255. tv2 has 64 slots of 256 jiffies each, tv3 64
// slots of 2^14, tv4 of 2^20 and tv5 of 2^26, so together they reach 2^32
// jiffies ahead; a timer further away is capped there (internal_add_timer).
//
// Every tick __run_timers takes the timers of tv1's current slot and runs
// them. When tv1's index wraps to 0, the next slot of tv2 is "cascaded":
// its timers are re-added, and now fall into tv1 slot by slot; when tv2's
// index wraps too, tv3 cascades into tv2, and so on. Adding and deleting
// are O(1); the cost of sorting is paid a little at a time, 256 ticks at
// a time, and only for timers that live that long (most are deleted before
// they expire: timeouts that did not time out).
//
// The designs rejected: a sorted list (O(n) insert, kept as the reference
// model in List) and a heap (O(log n) per operation, and no cheap batch
// deletion); the hierarchical wheel trades exactness of nothing — every
// timer still fires at its own jiffy — for constant-time operations.
// (Linux 4.8 replaced this wheel by a non-cascading one that accepts some
// slack; the course teaches 2.6's, and so does kplay.)

const (
	tvnBits = 6 // TVN_BITS
	tvrBits = 8 // TVR_BITS
	tvnSize = 1 << tvnBits
	tvrSize = 1 << tvrBits
	tvnMask = tvnSize - 1
	tvrMask = tvrSize - 1
)

// slot is one list of a vector: a circular list with a sentinel, so that a
// timer leaves it in O(1) and timers are appended at the tail (FIFO).
type slot struct{ head TimerList }

func (s *slot) init() { s.head.next, s.head.prev = &s.head, &s.head }

func (s *slot) empty() bool { return s.head.next == &s.head }

func (s *slot) pushBack(t *TimerList) {
	t.prev, t.next = s.head.prev, &s.head
	s.head.prev.next = t
	s.head.prev = t
	t.slot = s
}

func (t *TimerList) unlink() {
	t.prev.next, t.next.prev = t.next, t.prev
	t.next, t.prev, t.slot = nil, nil, nil
}

// splice moves every timer of from to the tail of s, in order, leaving
// from empty.
func (s *slot) splice(from *slot) {
	if from.empty() {
		return
	}
	for t := from.head.next; t != &from.head; {
		next := t.next
		s.pushBack(t)
		t = next
	}
	from.init()
}

// takeAll detaches the slot's timers (list_replace_init) in order.
func (s *slot) takeAll() []*TimerList {
	var out []*TimerList
	for t := s.head.next; t != &s.head; {
		next := t.next
		t.next, t.prev, t.slot = nil, nil, nil
		out = append(out, t)
		t = next
	}
	s.init()
	return out
}

// Wheel is a timer base (struct tvec_base). It is owned by the CPU holder.
type Wheel struct {
	// timerJiffies is the next jiffy __run_timers will process.
	timerJiffies uint64
	tv1          [tvrSize]slot
	tv           [4][tvnSize]slot // tv2..tv5
	work         slot             // work_list of __run_timers, reused
	pending      int

	// Cascades counts the cascades from each of tv2..tv5.
	Cascades [4]uint64
	// OnCascade, if set, is told of each cascade that moved timers: the
	// vector (2-5), its slot and how many timers were re-added.
	OnCascade func(vector, slot, n int)
	// OnExpire, if set, is called with each expiring timer just before
	// its function runs, and OnExpired just after it returns (the
	// timer_expire_entry and timer_expire_exit tracepoints of
	// call_timer_fn).
	OnExpire, OnExpired func(t *TimerList)

	lastAddr uint64 // the last Addr handed out
}

// NewWheel returns an empty wheel whose first processed jiffy is jiffies
// (init_timers_cpu sets timer_jiffies = jiffies).
func NewWheel(jiffies uint64) *Wheel {
	w := &Wheel{timerJiffies: jiffies}
	w.work.init()
	for i := range w.tv1 {
		w.tv1[i].init()
	}
	for l := range w.tv {
		for i := range w.tv[l] {
			w.tv[l][i].init()
		}
	}
	return w
}

// TimerJiffies is base->timer_jiffies.
func (w *Wheel) TimerJiffies() uint64 { return w.timerJiffies }

// Len is the number of pending timers.
func (w *Wheel) Len() int { return w.pending }

// internalAdd puts t in the slot its distance chooses (internal_add_timer).
func (w *Wheel) internalAdd(t *TimerList) {
	v, i, _ := place(t.Expires, w.timerJiffies)
	s := &w.tv1[i]
	if v > 1 {
		s = &w.tv[v-2][i]
	}
	s.pushBack(t)
}

// Add is add_timer (for a pending timer, mod_timer).
func (w *Wheel) Add(t *TimerList) { w.Mod(t, t.Expires) }

// Mod is mod_timer: it (re)arms t for expires and reports whether t was
// pending.
func (w *Wheel) Mod(t *TimerList, expires uint64) bool {
	if t.addr == 0 {
		w.lastAddr++
		t.addr = w.lastAddr
	}
	was := w.Del(t)
	t.Expires = expires
	t.pending = true
	w.pending++
	w.internalAdd(t)
	return was
}

// Del is del_timer: it disarms t and reports whether t was pending. With
// one CPU no timer function runs concurrently, so it is del_timer_sync too.
func (w *Wheel) Del(t *TimerList) bool {
	if !t.pending {
		return false
	}
	t.unlink()
	t.pending = false
	w.pending--
	return true
}

// index is INDEX(n): the slot of vector tv(n+2) that cascades next.
func (w *Wheel) index(n int) int {
	return int((w.timerJiffies >> (tvrBits + uint(n)*tvnBits)) & tvnMask)
}

// cascade re-adds the timers of one slot of tv(n+2) and returns the slot.
func (w *Wheel) cascade(n, index int) int {
	ts := w.tv[n][index].takeAll()
	w.Cascades[n]++
	for _, t := range ts {
		w.internalAdd(t)
	}
	if len(ts) > 0 && w.OnCascade != nil {
		w.OnCascade(n+2, index, len(ts))
	}
	return index
}

// Run processes every jiffy from timer_jiffies up to jiffies
// (__run_timers): cascading when tv1's index wraps, then running the
// current tv1 slot's timers in the order they were added. A timer that
// its function re-arms for a jiffy already processed goes to the next
// slot processed, so it runs at the next tick. It returns how many ran.
func (w *Wheel) Run(jiffies uint64) int {
	ran := 0
	if w.pending == 0 && TimeAfterEq(jiffies, w.timerJiffies) {
		// Nothing to cascade or run: skip the empty jiffies at once.
		w.timerJiffies = jiffies + 1
		return 0
	}
	for TimeAfterEq(jiffies, w.timerJiffies) {
		index := int(w.timerJiffies & tvrMask)
		if index == 0 && w.cascade(0, w.index(0)) == 0 &&
			w.cascade(1, w.index(1)) == 0 && w.cascade(2, w.index(2)) == 0 {
			w.cascade(3, w.index(3))
		}
		w.timerJiffies++
		// list_replace_init onto work_list: the slot is free for timers
		// added while these run, and a timer function may still
		// del_timer or mod_timer a timer waiting in work_list.
		work := &w.work
		work.splice(&w.tv1[index])
		for !work.empty() {
			t := work.head.next
			t.unlink()
			t.pending = false
			w.pending--
			ran++
			if w.OnExpire != nil {
				w.OnExpire(t)
			}
			if t.Function != nil {
				t.Function(t)
			}
			if w.OnExpired != nil {
				w.OnExpired(t)
			}
		}
	}
	return ran
}

// Due reports whether Run(jiffies) has any jiffy left to process at all
// (run_timer_softirq's time_after_eq(jiffies, base->timer_jiffies)).
func (w *Wheel) Due(jiffies uint64) bool { return TimeAfterEq(jiffies, w.timerJiffies) }

// NextExpiry is the earliest expiry of a pending timer
// (get_next_timer_interrupt). tv1 is scanned from its current index, each
// higher vector from the slot it cascades next; in each, the first
// non-empty slot holds that vector's earliest timers.
func (w *Wheel) NextExpiry() (uint64, bool) {
	if w.pending == 0 {
		return 0, false
	}
	var best uint64
	found := false
	consider := func(s *slot) bool {
		if s.empty() {
			return false
		}
		for t := s.head.next; t != &s.head; t = t.next {
			if !found || TimeBefore(t.Expires, best) {
				best, found = t.Expires, true
			}
		}
		return true
	}
	start := int(w.timerJiffies & tvrMask)
	for i := 0; i < tvrSize; i++ {
		if consider(&w.tv1[(start+i)&tvrMask]) {
			break
		}
	}
	for n := 0; n < 4; n++ {
		first := w.nextCascade(n)
		for i := 0; i < tvnSize; i++ {
			if consider(&w.tv[n][(first+i)&tvnMask]) {
				break
			}
		}
	}
	// A timer beyond 2^32-1 sits in a capped slot with its real, far
	// expiry; never report later than NEXT_TIMER_MAX_DELTA ahead.
	if limit := w.timerJiffies + nextTimerMaxDelta; found && TimeAfter(best, limit) {
		best = limit
	}
	return best, found
}

// nextTimerMaxDelta is NEXT_TIMER_MAX_DELTA.
const nextTimerMaxDelta = 1<<30 - 1

// nextCascade is the slot of tv(n+2) that cascades next: INDEX(n) when the
// lower vectors wrap on the very next jiffy processed, else the one after.
func (w *Wheel) nextCascade(n int) int {
	shift := tvrBits + uint(n)*tvnBits
	if (w.timerJiffies>>shift)<<shift == w.timerJiffies {
		return w.index(n)
	}
	return (w.index(n) + 1) & tvnMask
}

// Timers returns every pending timer sorted by expiry (then FIFO within a
// slot), as crash's `timer` lists them.
func (w *Wheel) Timers() []*TimerList {
	var out []*TimerList
	each := func(s *slot) {
		for t := s.head.next; t != &s.head; t = t.next {
			out = append(out, t)
		}
	}
	start := int(w.timerJiffies & tvrMask)
	for i := 0; i < tvrSize; i++ {
		each(&w.tv1[(start+i)&tvrMask])
	}
	for n := 0; n < 4; n++ {
		for i := 0; i < tvnSize; i++ {
			each(&w.tv[n][(w.index(n)+i)&tvnMask])
		}
	}
	base := w.timerJiffies
	sortStable(out, func(a, b *TimerList) bool { return int64(a.Expires-base) < int64(b.Expires-base) })
	return out
}

// VectorInfo describes one vector for the wheel diagram.
type VectorInfo struct {
	Name  string      `json:"name"`  // tv1 ... tv5
	Slots int         `json:"slots"` // 256 or 64
	Index int         `json:"index"` // the slot processed (tv1) or cascaded (tv2-5) next
	Used  map[int]int `json:"used"`  // non-empty slot -> number of timers
}

// Info returns the vectors as plain values.
func (w *Wheel) Info() []VectorInfo {
	count := func(s *slot) int {
		n := 0
		for t := s.head.next; t != &s.head; t = t.next {
			n++
		}
		return n
	}
	out := []VectorInfo{{Name: "tv1", Slots: tvrSize, Index: int(w.timerJiffies & tvrMask), Used: map[int]int{}}}
	for i := range w.tv1 {
		if c := count(&w.tv1[i]); c > 0 {
			out[0].Used[i] = c
		}
	}
	for n := 0; n < 4; n++ {
		v := VectorInfo{Name: "tv" + string(rune('2'+n)), Slots: tvnSize, Index: w.nextCascade(n), Used: map[int]int{}}
		for i := range w.tv[n] {
			if c := count(&w.tv[n][i]); c > 0 {
				v.Used[i] = c
			}
		}
		out = append(out, v)
	}
	return out
}
