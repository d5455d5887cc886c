package kernel

import (
	"strings"
	"testing"

	"kplay/sched"
)

func TestSysctlReadsWritesAndRefuses(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true, HZ: 300})
	get := func(name string) string {
		t.Helper()
		c, err := k.GetSysctl(name)
		if err != nil {
			t.Fatal(err)
		}
		return c.Value
	}
	// Linux's default at HZ=300: (1000/300) * RR_TIMESLICE(30 ticks) = 90.
	if v := get("kernel.sched_rr_timeslice_ms"); v != "90" {
		t.Fatalf("default RR timeslice at HZ=300 reads %s, Linux shows 90", v)
	}
	if _, err := k.SetSysctl("kernel/sched_rr_timeslice_ms", "50"); err != nil {
		t.Fatal(err)
	}
	// 50 ms is 15 ticks at HZ=300; the value reads back as written.
	if v := get("kernel.sched_rr_timeslice_ms"); v != "50" || k.rq.RRTimesliceTicks() != 15 {
		t.Fatalf("after writing 50: reads %s, %d ticks", v, k.rq.RRTimesliceTicks())
	}
	if c, _ := k.SetSysctl("kernel.sched_rr_timeslice_ms", "0"); c.Value != "90" {
		t.Fatalf("writing 0 must restore the default, reads %s", c.Value)
	}
	for _, bad := range [][2]string{
		{"kernel.threads-max", "19"}, {"kernel.sched_latency_ns", "99999"},
		{"kernel.sched_wakeup_granularity_ns", "-1"}, {"kernel.panic_on_oops", "2"},
		{"kernel.sched_min_granularity_ns", "1ms"}, {"kernel.sched_latency_ns", ""},
	} {
		if _, err := k.SetSysctl(bad[0], bad[1]); err == nil || !strings.Contains(err.Error(), "Invalid argument") {
			t.Errorf("%s=%q: %v, want Invalid argument", bad[0], bad[1], err)
		}
	}
	if _, err := k.GetSysctl("kernel.nope"); err == nil || !strings.Contains(err.Error(), "/proc/sys/kernel/nope: No such file") {
		t.Errorf("unknown sysctl: %v", err)
	}
	var names []string
	for _, c := range k.Sysctls() {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, " "); got != "kernel.panic_on_oops kernel.sched_latency_ns kernel.sched_min_granularity_ns kernel.sched_rr_timeslice_ms kernel.sched_rt_period_us kernel.sched_rt_runtime_us kernel.sched_wakeup_granularity_ns kernel.threads-max" {
		t.Fatalf("sysctl -a order: %s", got)
	}
}

func TestSysctlThreadsMaxLimitsFork(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	n := len(k.Tasks()) - 1 // less swapper, which is not counted
	if _, err := k.SetSysctl("kernel.threads-max", "20"); err != nil {
		t.Fatal(err)
	}
	for i := n; i < 20; i++ {
		spawn(t, k, "sleep 1s", SpawnOptions{})
	}
	if _, err := k.Spawn("sleep 1s", SpawnOptions{}); err == nil || !strings.Contains(err.Error(), "threads-max is 20") {
		t.Fatalf("spawn past threads-max: %v", err)
	}
}

func TestSysctlLatencyStretchesTheSlice(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true, HZ: 1000})
	slices := func() []int64 {
		var out []int64
		var last int64
		for _, e := range k.Events() {
			if e.Kind == EvSwitch && e.Switch.Prev.Comm == "hog" && e.Switch.Next.Comm == "hog" {
				if last != 0 {
					out = append(out, e.TimeNs-last)
				}
				last = e.TimeNs
			}
		}
		return out
	}
	if _, err := k.SetSysctl("kernel.sched_latency_ns", "24000000"); err != nil {
		t.Fatal(err)
	}
	spawn(t, k, "cpu-hog", SpawnOptions{Name: "hog"})
	spawn(t, k, "cpu-hog", SpawnOptions{Name: "hog"})
	k.Run(Stop{For: 150e6}) // the event ring holds the ticks too
	// Two equal tasks split a 24 ms period: each runs 12 ms at HZ=1000.
	s := slices()
	if len(s) < 8 {
		t.Fatalf("only %d switches between the hogs", len(s))
	}
	for _, d := range s[2:] {
		if d != 12e6 {
			t.Fatalf("slices %v: want 12 ms each with sched_latency 24 ms", s)
		}
	}
}

func TestRTThrottlingLeavesTheFairClassFivePercent(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	rt := spawn(t, k, "cpu-hog", SpawnOptions{Name: "rt", Policy: sched.FIFO, RTPrio: 50})
	fair := spawn(t, k, "cpu-hog", SpawnOptions{Name: "fair"})
	k.Run(Stop{For: 10e9})
	// 950 ms of every second to the rt class, the rest to the fair one.
	if r, f := cpu(k, rt), cpu(k, fair); r < 9.4e9 || r > 9.6e9 || f < 0.4e9 || f > 0.6e9 {
		t.Fatalf("rt %d ns, fair %d ns in 10 s: want 9.5 s and 0.5 s", r, f)
	}
	said := 0
	for _, r := range k.Dmesg() {
		said += strings.Count(r.Text, "sched: RT throttling activated")
	}
	if said != 1 {
		t.Fatalf("dmesg says RT throttling activated %d times, want once", said)
	}
	// Alone, a throttled FIFO hog leaves the CPU idle for the rest of the
	// period; the period timer wakes it even with the tick stopped.
	k.Kill(fair, 9)
	before := cpu(k, rt)
	k.Run(Stop{For: 10e9})
	if d := cpu(k, rt) - before; d < 9.4e9 || d > 9.6e9 {
		t.Fatalf("alone: rt ran %d ns of 10 s", d)
	}
	// sched_rt_runtime_us = -1 turns throttling off: the fair task starves.
	if _, err := k.SetSysctl("kernel.sched_rt_runtime_us", "-1"); err != nil {
		t.Fatal(err)
	}
	f2 := spawn(t, k, "cpu-hog", SpawnOptions{Name: "fair2"})
	k.Run(Stop{For: 3e9})
	if c := cpu(k, f2); c > 0.06e9 {
		t.Fatalf("with no RT limit the fair task still ran %d ns", c)
	}
	k.SetSysctl("kernel.sched_rt_runtime_us", "950000")
	if _, err := k.SetSysctl("kernel.sched_rt_period_us", "100"); err == nil || !strings.Contains(err.Error(), "not below kernel.sched_rt_runtime_us") {
		t.Fatalf("a period below the runtime: %v", err)
	}
}
