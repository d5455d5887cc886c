package kernel

import (
	"kplay/consoledrv"
	"kplay/timers"
)

// userTimer is a kernel timer a front end added: its function logs to the
// kernel log when it runs and, if periodic, re-arms itself.
type userTimer struct {
	name   string
	period uint64 // jiffies; 0 for a one-shot timer
	timer  timers.TimerList
	// armed is where internal_add_timer put it at the last AddTimer or
	// ModTimer, for explain.
	armed timers.Placement
}

// userTimerFn is the function name user timers show in the wheel.
const userTimerFn = "kplay_timer_fn"

func (k *Kernel) findUserTimer(name string) *userTimer {
	for _, u := range k.userTimers {
		if u.name == name {
			return u
		}
	}
	return nil
}

// HasTimer reports whether a timer added with AddTimer is named name.
func (k *Kernel) HasTimer(name string) bool { return k.findUserTimer(name) != nil }

// NsToJiffies converts a delay to ticks, rounding up (timespec_to_jiffies).
func (k *Kernel) NsToJiffies(ns int64) uint64 { return k.nsToJiffies(ns) }

// AddTimer adds a kernel timer named name that expires delay jiffies from
// now (add_timer); with periodic it re-arms itself every delay jiffies.
// When it runs it logs "timer NAME: expired at jiffies J" to the kernel log.
func (k *Kernel) AddTimer(name string, delay uint64, periodic bool) error {
	if name == "" {
		return errInvalid("a timer needs a name")
	}
	if k.findUserTimer(name) != nil {
		return errBusy("timer %q exists already (use timer mod or timer del)", name)
	}
	if periodic && delay == 0 {
		return errInvalid("a periodic timer needs a delay of at least one tick")
	}
	u := &userTimer{name: name}
	if periodic {
		u.period = delay
	}
	u.timer.Name, u.timer.Owner = userTimerFn, name
	u.timer.Function = func(t *timers.TimerList) {
		k.printk(consoledrv.Info, "timer %s: expired at jiffies %d (expires %d)", name, k.timers.TimerJiffies()-1, t.Expires)
		if u.period > 0 {
			k.timers.Mod(t, t.Expires+u.period)
		}
	}
	k.userTimers = append(k.userTimers, u)
	k.timers.Mod(&u.timer, k.jiffies+delay)
	u.armed = timers.Place(u.timer.Expires, k.timers.TimerJiffies())
	return nil
}

// ModTimer re-arms timer name for delay jiffies from now (mod_timer) and
// reports whether it was pending.
func (k *Kernel) ModTimer(name string, delay uint64) (bool, error) {
	u := k.findUserTimer(name)
	if u == nil {
		return false, errInvalid("no timer named %q (timer add creates one)", name)
	}
	was := k.timers.Mod(&u.timer, k.jiffies+delay)
	u.armed = timers.Place(u.timer.Expires, k.timers.TimerJiffies())
	return was, nil
}

// TimerArmed returns where internal_add_timer put timer name when AddTimer
// or ModTimer last armed it: the vector and slot its distance chose.
func (k *Kernel) TimerArmed(name string) (timers.Placement, bool) {
	u := k.findUserTimer(name)
	if u == nil {
		return timers.Placement{}, false
	}
	return u.armed, true
}

// DelTimer deletes timer name (del_timer_sync) and reports whether it was
// pending; the name is free again afterwards.
func (k *Kernel) DelTimer(name string) (bool, error) {
	for i, u := range k.userTimers {
		if u.name == name {
			k.userTimers = append(k.userTimers[:i], k.userTimers[i+1:]...)
			return k.timers.Del(&u.timer), nil
		}
	}
	return false, errInvalid("no timer named %q", name)
}

// TimerInfo is a pending timer, as crash's `timer` lists it.
type TimerInfo struct {
	Expires  uint64 `json:"expires"`
	TTE      int64  `json:"tte"` // jiffies to expiry (negative: overdue)
	Function string `json:"function"`
	Owner    string `json:"owner"`
}

// WheelInfo is the timer wheel as plain values.
type WheelInfo struct {
	Jiffies      uint64              `json:"jiffies"`
	TimerJiffies uint64              `json:"timer_jiffies"`
	Pending      int                 `json:"pending"`
	Cascades     [4]uint64           `json:"cascades"` // from tv2..tv5
	Vectors      []timers.VectorInfo `json:"vectors"`
	Timers       []TimerInfo         `json:"timers"`
}

// Wheel returns the timer wheel: its vectors and every pending timer in
// expiry order.
func (k *Kernel) Wheel() WheelInfo {
	w := WheelInfo{Jiffies: k.jiffies, TimerJiffies: k.timers.TimerJiffies(), Pending: k.timers.Len(),
		Cascades: k.timers.Cascades, Vectors: k.timers.Info(), Timers: []TimerInfo{}}
	for _, t := range k.timers.Timers() {
		w.Timers = append(w.Timers, TimerInfo{Expires: t.Expires, TTE: int64(t.Expires - k.jiffies), Function: t.Name, Owner: t.Owner})
	}
	return w
}
