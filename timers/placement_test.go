package timers

import "testing"

func TestPlaceChoosesVectorByDistance(t *testing.T) {
	base := uint64(4294937297)
	cases := []struct {
		delta        uint64
		vector, slot int
	}{
		{0, 1, int(base & 255)},
		{255, 1, int((base + 255) & 255)},
		{256, 2, int(((base + 256) >> 8) & 63)},
		{1<<14 - 1, 2, int(((base + 1<<14 - 1) >> 8) & 63)},
		{1 << 14, 3, int(((base + 1<<14) >> 14) & 63)},
		{1 << 20, 4, int(((base + 1<<20) >> 20) & 63)},
		{1 << 26, 5, int(((base + 1<<26) >> 26) & 63)},
	}
	for _, c := range cases {
		p := Place(base+c.delta, base)
		if p.Vector != c.vector || p.Slot != c.slot || p.Idx != int64(c.delta) {
			t.Errorf("delta %d: got tv%d slot %d idx %d, want tv%d slot %d", c.delta, p.Vector, p.Slot, p.Idx, c.vector, c.slot)
		}
	}
	if p := Place(base-3, base); !p.Overdue || p.Vector != 1 || p.Slot != int(base&255) {
		t.Errorf("overdue: %+v", p)
	}
	if p := Place(base+1<<33, base); !p.Capped || p.Expires != base+0xffffffff || p.Vector != 5 {
		t.Errorf("capped: %+v", p)
	}
}

// The predicted cascades are the ones the wheel makes: the timer sits where
// Place says until each cascade's jiffy, then where the cascade says.
func TestCascadesPredictTheWheel(t *testing.T) {
	base := uint64(4294937297)
	for _, delta := range []uint64{10, 300, 20000, 70000, 1<<14 + 5} {
		w := NewWheel(base)
		tm := &TimerList{Expires: base + delta}
		w.Add(tm)
		p := Place(tm.Expires, base)
		v, slot := p.Vector, p.Slot
		for _, c := range p.Cascades() {
			w.Run(c.At - 1)
			if gv, gs, ok := w.Where(tm); !ok || gv != v || gs != slot {
				t.Fatalf("delta %d: before jiffy %d in tv%d slot %d, want tv%d slot %d", delta, c.At, gv, gs, v, slot)
			}
			w.Run(c.At)
			v, slot = c.To, c.Slot
			if gv, gs, ok := w.Where(tm); !ok || gv != v || gs != slot || c.From <= c.To {
				t.Fatalf("delta %d: after jiffy %d in tv%d slot %d, want tv%d slot %d", delta, c.At, gv, gs, v, slot)
			}
		}
		if v != 1 || slot != int(tm.Expires&255) {
			t.Fatalf("delta %d: ends in tv%d slot %d", delta, v, slot)
		}
		if w.Run(tm.Expires-1) != 0 || w.Run(tm.Expires) != 1 {
			t.Fatalf("delta %d: did not run at its expiry", delta)
		}
	}
}
