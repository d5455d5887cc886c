package timers

import (
	"math/rand"
	"sort"
	"testing"
)

func TestInitialJiffiesIsFiveMinutesBeforeTheWrap(t *testing.T) {
	for _, hz := range []int{100, 250, 1000} {
		j := InitialJiffies(hz)
		if j+uint64(300*hz) != 1<<32 {
			t.Errorf("HZ=%d: INITIAL_JIFFIES=%d does not wrap 32 bits after 300 s", hz, j)
		}
	}
}

func TestTimeAfterSurvivesWrap(t *testing.T) {
	near := ^uint64(0) - 5
	cases := []struct {
		a, b  uint64
		after bool
	}{
		{10, 5, true}, {5, 10, false}, {5, 5, false},
		{near + 10, near, true}, // a wrapped past zero, still after
		{near, near + 10, false},
	}
	for _, c := range cases {
		if got := TimeAfter(c.a, c.b); got != c.after {
			t.Errorf("TimeAfter(%d, %d) = %v", c.a, c.b, got)
		}
		if got := TimeBefore(c.b, c.a); got != c.after {
			t.Errorf("TimeBefore(%d, %d) = %v", c.b, c.a, got)
		}
	}
	if !TimeAfterEq(5, 5) || !TimeBeforeEq(5, 5) || TimeAfterEq(4, 5) {
		t.Error("*Eq forms wrong at equality")
	}
}

func TestModReportsWhetherPending(t *testing.T) {
	var l List
	tm := &TimerList{Expires: 10}
	if l.Mod(tm, 10) {
		t.Fatal("first mod of an idle timer reported pending")
	}
	if !l.Mod(tm, 20) || !tm.Pending() {
		t.Fatal("mod of a pending timer must report true")
	}
	if !l.Del(tm) || l.Del(tm) || tm.Pending() {
		t.Fatal("del must report pending exactly once")
	}
}

// TestTimersRunAtTheirJiffy is a property test against a brute-force model:
// random adds, mods and dels while ticking one jiffy at a time across the
// 32-bit wrap. Every timer must run exactly at its expiry (or at the next
// tick when it was armed for a jiffy already passed), and nothing else runs.
func TestTimersRunAtTheirJiffy(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for round := 0; round < 50; round++ {
		var l List
		now := InitialJiffies(100) - 150 // the run crosses the 32-bit wrap
		model := map[int]uint64{}        // id -> jiffy it must run at
		var ran []int
		var ts []*TimerList
		for i := 0; i < 40; i++ {
			i := i
			ts = append(ts, &TimerList{Function: func(*TimerList) { ran = append(ran, i) }})
		}
		for step := 0; step < 2000; step++ {
			if step < 1500 { // then drain
				for k := rng.Intn(3); k > 0; k-- {
					i := rng.Intn(len(ts))
					if rng.Intn(4) == 0 {
						l.Del(ts[i])
						delete(model, i)
						continue
					}
					e := now + uint64(rng.Intn(400)) - 20 // some in the past
					l.Mod(ts[i], e)
					if TimeAfter(e, now) {
						model[i] = e
					} else {
						model[i] = now + 1
					}
				}
			}
			now++
			ran = ran[:0]
			l.Run(now)
			var want []int
			for id, at := range model {
				if at == now {
					want = append(want, id)
					delete(model, id)
				}
			}
			sort.Ints(want)
			got := append([]int(nil), ran...)
			sort.Ints(got)
			if len(got) != len(want) {
				t.Fatalf("round %d jiffy %d: ran %v, want %v", round, now, got, want)
			}
			for k := range got {
				if got[k] != want[k] {
					t.Fatalf("round %d jiffy %d: ran %v, want %v", round, now, got, want)
				}
			}
		}
		if len(model) != 0 || len(l.Timers()) != 0 {
			t.Fatalf("round %d: %d timers never ran", round, len(model))
		}
	}
}

func TestEqualExpiriesRunFIFO(t *testing.T) {
	var l List
	var order []string
	for _, n := range []string{"a", "b", "c"} {
		n := n
		l.Add(&TimerList{Expires: 7, Name: n, Function: func(*TimerList) { order = append(order, n) }})
	}
	early := &TimerList{Expires: 3, Name: "early", Function: func(*TimerList) { order = append(order, "early") }}
	l.Add(early)
	if e, ok := l.NextExpiry(); !ok || e != 3 {
		t.Fatalf("NextExpiry = %d %v", e, ok)
	}
	if n := l.Run(6); n != 1 {
		t.Fatalf("Run(6) ran %d", n)
	}
	l.Run(7)
	if got := order; len(got) != 4 || got[0] != "early" || got[1] != "a" || got[2] != "b" || got[3] != "c" {
		t.Fatalf("order %v", got)
	}
}

func TestTimerRearmedForNowRunsNextTick(t *testing.T) {
	var l List
	runs := 0
	tm := &TimerList{Expires: 10}
	tm.Function = func(t *TimerList) { runs++; l.Mod(t, 10) } // mod_timer(t, jiffies)
	l.Add(tm)
	if n := l.Run(10); n != 1 || runs != 1 {
		t.Fatalf("ran %d times in one call", runs)
	}
	l.Run(11)
	if runs != 2 {
		t.Fatalf("the re-armed timer must run at the next tick, runs=%d", runs)
	}
}
