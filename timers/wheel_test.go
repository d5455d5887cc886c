package timers

import (
	"math/rand"
	"testing"
)

// wheelModel drives a Wheel and checks each timer runs at exactly the jiffy
// a sorted-list reference says: its expires, or the next jiffy processed
// when it was armed for the past.
type wheelModel struct {
	t      *testing.T
	w      *Wheel
	due    map[int]uint64 // id -> jiffy it must run at
	raw    map[int]uint64 // id -> expires as armed
	timers []*TimerList
	ran    int
}

func newWheelModel(t *testing.T, start uint64, n int) *wheelModel {
	m := &wheelModel{t: t, w: NewWheel(start), due: map[int]uint64{}, raw: map[int]uint64{}}
	for i := 0; i < n; i++ {
		i := i
		m.timers = append(m.timers, &TimerList{Function: func(*TimerList) {
			at := m.w.TimerJiffies() - 1 // the jiffy being processed
			want, ok := m.due[i]
			if !ok {
				t.Fatalf("timer %d ran at %d but is not pending", i, at)
			}
			if at != want {
				t.Fatalf("timer %d (expires %d) ran at jiffy %d, want %d", i, m.raw[i], at, want)
			}
			delete(m.due, i)
			delete(m.raw, i)
			m.ran++
		}})
	}
	return m
}

func (m *wheelModel) mod(i int, expires uint64) {
	wasPending := m.timers[i].Pending()
	if got := m.w.Mod(m.timers[i], expires); got != wasPending {
		m.t.Fatalf("mod_timer returned %v for a timer pending=%v", got, wasPending)
	}
	due := expires
	if TimeBefore(expires, m.w.TimerJiffies()) {
		due = m.w.TimerJiffies()
	}
	m.due[i], m.raw[i] = due, expires
}

func (m *wheelModel) del(i int) {
	_, pending := m.due[i]
	if got := m.w.Del(m.timers[i]); got != pending {
		m.t.Fatalf("del_timer returned %v for pending=%v", got, pending)
	}
	delete(m.due, i)
	delete(m.raw, i)
}

func (m *wheelModel) checkNext() {
	next, ok := m.w.NextExpiry()
	if ok != (len(m.due) > 0) {
		m.t.Fatalf("NextExpiry ok=%v with %d pending", ok, len(m.due))
	}
	if !ok {
		return
	}
	base := m.w.TimerJiffies()
	first := true
	var want uint64
	for _, e := range m.raw {
		if first || int64(e-base) < int64(want-base) {
			want, first = e, false
		}
	}
	if next != want {
		m.t.Fatalf("NextExpiry = %d, want %d (timer_jiffies %d)", next, want, base)
	}
	if m.w.Len() != len(m.due) {
		m.t.Fatalf("Len %d, model %d", m.w.Len(), len(m.due))
	}
}

// distance draws a distance spread over every vector tv1..tv4 (and a few
// in the past).
func distance(rng *rand.Rand) uint64 {
	switch rng.Intn(10) {
	case 0:
		return uint64(-rng.Intn(50)) // in the past
	case 1, 2, 3:
		return uint64(rng.Intn(256)) // tv1
	case 4, 5:
		return 256 + uint64(rng.Intn(1<<14-256)) // tv2
	case 6, 7:
		return 1<<14 + uint64(rng.Intn(1<<20-1<<14)) // tv3
	default:
		return 1<<20 + uint64(rng.Intn(1<<22)) // tv4
	}
}

// TestWheelMatchesSortedList is the property test of the issue: random
// adds, mods and dels; runs tick by tick and in long jumps that cross the
// cascade levels and the 32-bit jiffies wrap; every timer fires at its own
// jiffy, and get_next_timer_interrupt agrees with the reference.
func TestWheelMatchesSortedList(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for round := 0; round < 12; round++ {
		start := InitialJiffies(100) - uint64(rng.Intn(1<<16))
		m := newWheelModel(t, start, 200)
		now := start
		for step := 0; step < 3000; step++ {
			for k := rng.Intn(4); k > 0; k-- {
				i := rng.Intn(len(m.timers))
				if rng.Intn(5) == 0 {
					m.del(i)
				} else {
					m.mod(i, now+distance(rng))
				}
			}
			m.checkNext()
			adv := uint64(1)
			if rng.Intn(20) == 0 {
				adv = uint64(rng.Intn(1 << 16))
			}
			now += adv
			m.w.Run(now)
		}
		// Drain: run far enough for every tv4 timer.
		now += 1 << 23
		m.w.Run(now)
		if len(m.due) != 0 || m.w.Len() != 0 {
			t.Fatalf("round %d: %d timers never ran", round, len(m.due))
		}
	}
}

// TestTimerCascadesFromEveryLevel arms one timer in each vector, at
// distances that sit just past each level's boundary, with timer_jiffies
// just below the 32-bit wrap (where every level cascades at once), and
// runs one jiffy at a time past all of them.
func TestTimerCascadesFromEveryLevel(t *testing.T) {
	start := uint64(1<<32) - 300
	m := newWheelModel(t, start, 5)
	dists := []uint64{255, 256 + 7, 1<<14 + 3, 1<<20 + 5, 1<<26 + 11}
	for i, d := range dists {
		m.mod(i, start+d)
	}
	info := m.w.Info()
	for v := 0; v < 5; v++ {
		if len(info[v].Used) != 1 {
			t.Fatalf("%s holds %v, want exactly the timer at distance %d", info[v].Name, info[v].Used, dists[v])
		}
	}
	var casc []int
	m.w.OnCascade = func(vector, slot, n int) { casc = append(casc, vector) }
	m.w.Run(start + 1<<26 + 20)
	if m.ran != 5 {
		t.Fatalf("%d of 5 timers ran", m.ran)
	}
	seen := map[int]bool{}
	for _, v := range casc {
		seen[v] = true
	}
	for v := 2; v <= 5; v++ {
		if !seen[v] {
			t.Errorf("no cascade out of tv%d (cascades: %v)", v, casc)
		}
	}
}

func TestTimerBeyondTwoToThe32IsCappedInTv5(t *testing.T) {
	w := NewWheel(1000)
	tm := &TimerList{Expires: 1000 + 1<<40}
	w.Add(tm)
	info := w.Info()
	capped := (uint64(1000) + 0xffffffff) >> 26 & 63
	if n := info[4].Used[int(capped)]; n != 1 {
		t.Fatalf("tv5 %v, want the timer in slot %d", info[4].Used, capped)
	}
	if tm.Expires != 1000+1<<40 {
		t.Fatal("the cap must not change expires")
	}
}

func TestSlotRunsFIFO(t *testing.T) {
	w := NewWheel(0)
	var order []string
	for _, n := range []string{"a", "b", "c"} {
		n := n
		w.Add(&TimerList{Expires: 5, Function: func(*TimerList) { order = append(order, n) }})
	}
	w.Run(5)
	if len(order) != 3 || order[0] != "a" || order[1] != "b" || order[2] != "c" {
		t.Fatalf("order %v", order)
	}
}

func TestWheelTimersListsInExpiryOrder(t *testing.T) {
	w := NewWheel(100)
	for _, d := range []uint64{1 << 21, 3, 300, 1 << 15, 40} {
		w.Add(&TimerList{Expires: 100 + d})
	}
	var got []uint64
	for _, tm := range w.Timers() {
		got = append(got, tm.Expires-100)
	}
	want := []uint64{3, 40, 300, 1 << 15, 1 << 21}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Timers() %v, want %v", got, want)
		}
	}
}

// TestTimerFunctionMayDelOrModAnotherDueTimer: Linux keeps the expiring
// timers on work_list, so a timer function can del_timer or mod_timer one
// that is due in the same jiffy; it then does not run now.
func TestTimerFunctionMayDelOrModAnotherDueTimer(t *testing.T) {
	type base interface {
		Add(*TimerList)
		Mod(*TimerList, uint64) bool
		Del(*TimerList) bool
		Run(uint64) int
	}
	for name, b := range map[string]base{"wheel": NewWheel(0), "list": &List{}} {
		var ran []string
		victim := &TimerList{Expires: 5, Function: func(*TimerList) { ran = append(ran, "victim") }}
		moved := &TimerList{Expires: 5, Function: func(*TimerList) { ran = append(ran, "moved") }}
		killer := &TimerList{Expires: 5, Function: func(*TimerList) {
			ran = append(ran, "killer")
			if !b.Del(victim) {
				t.Errorf("%s: del_timer of a due timer must report it pending", name)
			}
			b.Mod(moved, 9)
		}}
		b.Add(killer)
		b.Add(victim)
		b.Add(moved)
		if n := b.Run(5); n != 1 || len(ran) != 1 {
			t.Fatalf("%s: at jiffy 5 ran %v", name, ran)
		}
		b.Run(9)
		if len(ran) != 2 || ran[1] != "moved" {
			t.Fatalf("%s: ran %v, want the re-armed timer at jiffy 9", name, ran)
		}
	}
}

func TestNextExpiryIsNeverLaterThanTheRealEarliestWithCappedTimers(t *testing.T) {
	w := NewWheel(1000)
	w.Add(&TimerList{Expires: 1000 + 1<<40}) // capped into tv5
	real := &TimerList{Expires: 1000 + 1<<31}
	w.Add(real)
	next, ok := w.NextExpiry()
	if !ok || TimeAfter(next, real.Expires) {
		t.Fatalf("NextExpiry %d is after the earliest timer %d", next, real.Expires)
	}
}

func TestOverdueTimersAreListedFirst(t *testing.T) {
	w := NewWheel(100)
	w.Run(200) // timer_jiffies 201
	w.Add(&TimerList{Expires: 150, Name: "overdue"})
	w.Add(&TimerList{Expires: 300, Name: "future"})
	if ts := w.Timers(); ts[0].Name != "overdue" {
		t.Fatalf("first listed %s", ts[0].Name)
	}
}
