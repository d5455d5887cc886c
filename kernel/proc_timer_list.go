package kernel

import (
	"fmt"
	"strings"

	"kplay/kernel/host"
)

// ptrval is what %p prints before pointer hashing is seeded; kplay prints
// it always, so that output stays deterministic.
const ptrval = "(____ptrval____)"

// ProcTimerList renders /proc/timer_list in a reduced form of Linux's
// layout (kernel/time/timer_list.c, version v0.10): the one CPU's clock
// base, its active timers (kplay's are the wheel's: there are no
// hrtimers), the tick_sched NO_HZ fields, jiffies, and the tick device.
func (k *Kernel) ProcTimerList() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	now := k.clockNs()
	p("Timer List Version: v0.10\n")
	p("HRTIMER_MAX_CLOCK_BASES: 8\n")
	p("now at %d nsecs\n\n", now)
	p("cpu: 0\n")
	p(" clock 0:\n")
	p("  .base:       %s\n", ptrval)
	p("  .index:      0\n")
	p("  .resolution: %d nsecs\n", k.tickNs)
	p("  .get_time:   ktime_get\n")
	p("  .offset:     0 nsecs\n")
	p("active timers:\n")
	for i, t := range k.timers.Timers() {
		at := k.jiffiesToTime(t.Expires) - k.uptimeOrigin
		p(" #%d: <%s>, %s, S:01\n", i, ptrval, t.Name)
		p(" # expires at %d-%d nsecs [in %d to %d nsecs]\n", at, at, at-now, at-now)
	}
	n := k.nohz
	next := k.jiffiesToTime(k.jiffies+1) - k.uptimeOrigin
	if k.tickStopped {
		next = n.IdleExpires
	}
	nextTimer := int64(host.Forever)
	if e, ok := k.timers.NextExpiry(); ok {
		nextTimer = k.jiffiesToTime(e) - k.uptimeOrigin
	}
	p("  .expires_next   : %d nsecs\n", next)
	p("  .hres_active    : 0\n")
	p("  .nr_events      : %d\n", n.TickEvents)
	p("  .nr_retries     : 0\n")
	p("  .nr_hangs       : 0\n")
	p("  .max_hang_time  : 0\n")
	p("  .nohz           : 1\n")
	p("  .highres        : 0\n")
	p("  .last_tick      : %d nsecs\n", n.LastTickNs)
	p("  .tick_stopped   : %d\n", boolInt(k.tickStopped))
	p("  .idle_jiffies   : %d\n", n.IdleJiffies)
	p("  .idle_calls     : %d\n", n.IdleCalls)
	p("  .idle_sleeps    : %d\n", n.IdleSleeps)
	p("  .idle_entrytime : %d nsecs\n", n.IdleEntryNs)
	p("  .idle_waketime  : %d nsecs\n", n.IdleExitNs)
	p("  .idle_exittime  : %d nsecs\n", n.IdleExitNs)
	p("  .idle_sleeptime : %d nsecs\n", n.IdleNs)
	p("  .iowait_sleeptime: 0 nsecs\n")
	p("  .last_jiffies   : %d\n", k.lastTickJiffies)
	p("  .next_timer     : %d\n", nextTimer)
	p("  .idle_expires   : %d nsecs\n", n.IdleExpires)
	p("jiffies: %d\n\n", k.jiffies)
	mode := 3 // CLOCK_EVT_STATE_ONESHOT: NO_HZ programs each event
	p("Tick Device: mode:     1\n")
	p("Per CPU device: 0\n")
	p("Clock Event Device: kplay-%s\n", k.host.Name())
	p(" max_delta_ns:   %d\n", int64(host.Forever))
	p(" min_delta_ns:   1\n")
	p(" mult:           1\n")
	p(" shift:          0\n")
	p(" mode:           %d\n", mode)
	p(" next_event:     %d nsecs\n", next)
	p(" set_next_event: kplay_timer_set_next_event\n")
	p(" shutdown:       kplay_timer_shutdown\n")
	p(" event_handler:  tick_nohz_handler\n")
	p("\n")
	p(" retries:        0\n\n")
	return b.String()
}
