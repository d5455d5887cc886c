package arch

import (
	"testing"

	"kplay/kernel/host"
)

// TestSwitchToPingPongHasOneOwner runs two kernel threads that hand the CPU
// to each other many times. A plain (non-atomic) counter is incremented by
// whichever holds the CPU: the race detector and the holder count both
// fail the test if two goroutines ever ran at once.
func TestSwitchToPingPongHasOneOwner(t *testing.T) {
	const rounds = 2000
	c := NewCPU(host.NewVirtual(nil))
	var ping, pong *Thread
	var shared int // written only by the CPU holder
	var trace []string
	ping = c.NewThread("ping", nil, func(self *Thread) {
		for i := 0; i < rounds; i++ {
			shared++
			if c.Holders() != 1 {
				t.Errorf("round %d: %d holders", i, c.Holders())
			}
			if i < 2 {
				trace = append(trace, "ping")
			}
			c.SwitchTo(ping, pong)
		}
		c.Park(self)
	})
	pong = c.NewThread("pong", nil, func(self *Thread) {
		for {
			shared++
			if len(trace) < 4 {
				trace = append(trace, "pong")
			}
			c.SwitchTo(pong, ping)
		}
	})
	c.SetCurrent(ping)
	c.Resume()
	if shared != 2*rounds {
		t.Fatalf("shared = %d, want %d", shared, 2*rounds)
	}
	if got := c.Switches(); got != 2*rounds {
		t.Fatalf("switches = %d, want %d", got, 2*rounds)
	}
	want := []string{"ping", "pong", "ping", "pong"}
	for i := range want {
		if trace[i] != want[i] {
			t.Fatalf("trace = %v, want %v", trace, want)
		}
	}
	if c.Current() != ping {
		t.Fatalf("current = %s, want ping", c.Current().Name)
	}
	c.Shutdown()
}

// TestExitToRunsDefersBeforeNextRuns checks LKL's rule "no kernel code after
// wakeup next": the dying thread's deferred code finishes before next starts.
func TestExitToRunsDefersBeforeNextRuns(t *testing.T) {
	h := host.NewVirtual(nil)
	c := NewCPU(h)
	var order []string
	var a, b *Thread
	a = c.NewThread("a", nil, func(self *Thread) {
		defer func() { order = append(order, "a-defer") }()
		c.ExitTo(b)
	})
	b = c.NewThread("b", nil, func(self *Thread) {
		order = append(order, "b-runs")
		c.Park(self)
	})
	c.SetCurrent(a)
	c.Resume()
	if len(order) != 2 || order[0] != "a-defer" || order[1] != "b-runs" {
		t.Fatalf("order = %v", order)
	}
	if len(c.threads) != 1 || c.threads[0] != b {
		t.Fatalf("live threads = %d, want only b", len(c.threads))
	}
	c.Shutdown()
}

// TestShutdownEndsParkedAndSleepingThreads leaves one thread parked and one
// sleeping in its semaphore, never started; Shutdown must end both host
// threads (ThreadJoin returns) without running their code.
func TestShutdownEndsParkedAndSleepingThreads(t *testing.T) {
	c := NewCPU(host.NewVirtual(nil))
	ran := false
	a := c.NewThread("a", nil, func(self *Thread) {
		c.Park(self)
		ran = true
	})
	c.NewThread("never", nil, func(self *Thread) { ran = true })
	c.SetCurrent(a)
	c.Resume()
	c.Shutdown()
	if ran {
		t.Fatal("a thread ran after shutdown")
	}
}

func TestUnwinding(t *testing.T) {
	if !Unwinding(errShutdown{}) || !Unwinding(exitUnwind{}) || Unwinding("boom") || Unwinding(nil) {
		t.Fatal("Unwinding misclassifies")
	}
}

// BenchmarkSwitchTo measures one switch_to between two kernel threads.
func BenchmarkSwitchTo(b *testing.B) {
	c := NewCPU(host.NewVirtual(nil))
	var x, y *Thread
	n := b.N
	x = c.NewThread("x", nil, func(self *Thread) {
		for i := 0; i < n; i++ {
			c.SwitchTo(x, y)
		}
		c.Park(self)
	})
	y = c.NewThread("y", nil, func(self *Thread) {
		for {
			c.SwitchTo(y, x)
		}
	})
	c.SetCurrent(x)
	b.ResetTimer()
	c.Resume()
	b.StopTimer()
	c.Shutdown()
}
