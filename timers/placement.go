package timers

// Placement says where internal_add_timer puts a timer, and why: the
// distance idx = expires - timer_jiffies picks the vector (tv1 holds the
// next 2^8 jiffies, tv2 the next 2^14, tv3 2^20, tv4 2^26, tv5 2^32), and
// the bits of expires at that vector's position pick the slot.
type Placement struct {
	Expires      uint64 `json:"expires"`       // the expiry the slot is chosen by (capped for a timeout beyond 2^32-1)
	TimerJiffies uint64 `json:"timer_jiffies"` // base->timer_jiffies when the timer was added
	Idx          int64  `json:"idx"`           // expires - timer_jiffies
	Vector       int    `json:"vector"`        // 1-5: tv1..tv5
	Slot         int    `json:"slot"`
	// Shift is how far expires is shifted right to find the slot (0, 8,
	// 14, 20, 26); the slot is (expires >> Shift) & (Slots-1).
	Shift   int  `json:"shift"`
	Slots   int  `json:"slots"`
	Capped  bool `json:"capped,omitempty"`  // beyond 2^32-1 jiffies: the maximum timeout
	Overdue bool `json:"overdue,omitempty"` // expires before timer_jiffies: the slot processed next
}

// VectorLimit is the distance below which a timer goes in vector v (1-4):
// 2^8, 2^14, 2^20, 2^26. tv5 takes everything up to 2^32-1.
func VectorLimit(v int) uint64 { return 1 << (tvrBits + uint(v-1)*tvnBits) }

// VectorShift is the bit position of vector v's slot number in expires:
// 0 for tv1, 8 for tv2, 14, 20, 26.
func VectorShift(v int) int {
	if v == 1 {
		return 0
	}
	return tvrBits + (v-2)*tvnBits
}

// Place computes the placement internal_add_timer chooses for a timer
// expiring at expires when the wheel's timer_jiffies is base.
func Place(expires, base uint64) Placement {
	v, slot, exp := place(expires, base)
	p := Placement{Expires: exp, TimerJiffies: base, Idx: int64(expires - base), Vector: v, Slot: slot,
		Shift: VectorShift(v), Slots: tvnSize, Capped: exp != expires, Overdue: int64(expires-base) < 0}
	if v == 1 {
		p.Slots = tvrSize
	}
	if p.Overdue {
		p.Shift = 0
	}
	return p
}

// place is internal_add_timer's choice: the vector (1-5), the slot, and
// the expiry used.
func place(expires, base uint64) (vector, slot int, used uint64) {
	idx := expires - base
	switch {
	case idx < tvrSize:
		return 1, int(expires & tvrMask), expires
	case idx < 1<<(tvrBits+tvnBits):
		return 2, int((expires >> tvrBits) & tvnMask), expires
	case idx < 1<<(tvrBits+2*tvnBits):
		return 3, int((expires >> (tvrBits + tvnBits)) & tvnMask), expires
	case idx < 1<<(tvrBits+3*tvnBits):
		return 4, int((expires >> (tvrBits + 2*tvnBits)) & tvnMask), expires
	case int64(idx) < 0:
		// Expires now or in the past: the slot processed next.
		return 1, int(base & tvrMask), expires
	}
	// Beyond 2^32-1 jiffies: use the maximum timeout.
	if idx > 0xffffffff {
		idx = 0xffffffff
		expires = idx + base
	}
	return 5, int((expires >> (tvrBits + 3*tvnBits)) & tvnMask), expires
}

// Cascade is one step of a timer's way down the wheel: at jiffy At the
// TIMER softirq empties its slot of tv From and re-adds it, to tv To.
type Cascade struct {
	At   uint64 `json:"at"`
	From int    `json:"from"`
	To   int    `json:"to"`
	Slot int    `json:"slot"` // its slot in tv To
}

// Cascades is the way a timer placed at p comes down to tv1 when nothing
// re-arms it: a slot of tvN (N >= 2) is cascaded when timer_jiffies reaches
// expires with its low VectorShift(N) bits cleared, the jiffy at which tv1
// and the vectors below tvN have all wrapped to that slot.
func (p Placement) Cascades() []Cascade {
	var out []Cascade
	v := p.Vector
	for v > 1 {
		at := p.Expires &^ (1<<uint(VectorShift(v)) - 1)
		next := Place(p.Expires, at)
		out = append(out, Cascade{At: at, From: v, To: next.Vector, Slot: next.Slot})
		v = next.Vector
	}
	return out
}

// Where reports the vector (1-5) and slot a pending timer sits in now,
// which after a cascade differs from where it was added.
func (w *Wheel) Where(t *TimerList) (vector, slot int, ok bool) {
	if !t.pending || t.slot == nil {
		return 0, 0, false
	}
	for i := range w.tv1 {
		if t.slot == &w.tv1[i] {
			return 1, i, true
		}
	}
	for n := range w.tv {
		for i := range w.tv[n] {
			if t.slot == &w.tv[n][i] {
				return n + 2, i, true
			}
		}
	}
	return 0, 0, false
}
