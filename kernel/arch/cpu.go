package arch

import (
	"fmt"
	"sync/atomic"

	"kplay/kernel/host"
)

// Thread is the arch part of a kernel thread (LKL's thread_info): the host
// thread it runs on and its control semaphore.
type Thread struct {
	// Name is the thread's name at creation, for diagnostics.
	Name string
	// Owner is the kernel's task for this thread (container_of by pointer).
	Owner any

	sem     *host.Sem
	ht      *host.Thread
	started bool
}

// CPU is the one simulated CPU and the baton that says who runs on it.
type CPU struct {
	host  host.Ops
	front *host.Sem

	// Fields below are owned by whoever holds the CPU.
	current *Thread
	parked  *Thread
	threads []*Thread // live threads in creation order, for Shutdown
	dead    bool

	// holders counts goroutines that believe they hold the CPU. It is the
	// one-owner invariant made checkable: it must never exceed 1.
	holders atomic.Int32
	// switches counts switch_to calls, for benchmarks and tests.
	switches atomic.Uint64
}

// errShutdown unwinds a thread whose machine is being torn down.
type errShutdown struct{}

// exitUnwind unwinds a dying thread to its top, where the CPU is handed to
// next after every deferred function of the thread has run.
type exitUnwind struct{ next *Thread }

// Unwinding reports whether a recovered panic value is arch's own unwinding
// (thread exit or machine shutdown) rather than a fault. Kernel code that
// recovers panics must re-panic these.
func Unwinding(r any) bool {
	switch r.(type) {
	case errShutdown, exitUnwind:
		return true
	}
	return false
}

// NewCPU returns a CPU whose baton starts with the calling front end.
func NewCPU(h host.Ops) *CPU {
	c := &CPU{host: h, front: h.SemAlloc(0)}
	c.holders.Store(1)
	return c
}

// Host returns the native operations the CPU runs on.
func (c *CPU) Host() host.Ops { return c.host }

// Current is the thread that holds the CPU (or held it last, when parked).
func (c *CPU) Current() *Thread { return c.current }

// Switches is the number of context switches so far.
func (c *CPU) Switches() uint64 { return c.switches.Load() }

// NewThread creates a kernel thread that will run fn the first time it is
// switched to. fn must never return normally: a thread ends by Exit.
//
// Preconditions: the caller holds the CPU.
func (c *CPU) NewThread(name string, owner any, fn func(t *Thread)) *Thread {
	t := &Thread{Name: name, Owner: owner, sem: c.host.SemAlloc(0)}
	c.threads = append(c.threads, t)
	t.ht = c.host.ThreadCreate(name, func() {
		defer func() {
			switch r := recover().(type) {
			case errShutdown:
			case exitUnwind:
				// The thread's stack is unwound: only now may next run.
				c.forget(t)
				c.switches.Add(1)
				c.current = r.next
				c.leave()
				r.next.sem.Up()
			default:
				panic(r)
			}
		}()
		t.sem.Down()
		c.enter(t)
		fn(t)
		panic(fmt.Sprintf("arch: thread %s returned without exit", t.Name))
	})
	return t
}

// enter is the first thing a thread does after waking on its semaphore.
func (c *CPU) enter(t *Thread) {
	if c.dead {
		panic(errShutdown{})
	}
	if n := c.holders.Add(1); n != 1 {
		panic(fmt.Sprintf("arch: %d holders of the CPU after waking %s", n, t.Name))
	}
	t.started = true
}

// leave gives up the CPU before waking the next holder.
func (c *CPU) leave() {
	if n := c.holders.Add(-1); n != 0 {
		panic(fmt.Sprintf("arch: %d holders of the CPU while handing it off", n+1))
	}
}

// SwitchTo is switch_to: the calling thread prev hands the CPU to next and
// sleeps until some thread switches back to it.
//
// Preconditions: prev is the calling thread and holds the CPU.
func (c *CPU) SwitchTo(prev, next *Thread) {
	c.switches.Add(1)
	c.current = next
	c.leave()
	next.sem.Up()
	// No kernel code is allowed after waking next.
	prev.sem.Down()
	c.enter(prev)
}

// ExitTo is the last switch of a dying thread: it unwinds the calling
// thread's stack (running its deferred functions while it still holds the
// CPU), then wakes next and ends the host thread. It does not return.
//
// Preconditions: the calling thread holds the CPU.
func (c *CPU) ExitTo(next *Thread) {
	panic(exitUnwind{next})
}

func (c *CPU) forget(t *Thread) {
	for i, x := range c.threads {
		if x == t {
			c.threads = append(c.threads[:i], c.threads[i+1:]...)
			return
		}
	}
}

// SetCurrent names the thread that will run when the front end first resumes.
//
// Preconditions: the front end holds the CPU and no thread has run yet.
func (c *CPU) SetCurrent(t *Thread) {
	c.current, c.parked = t, t
}

// Park hands the CPU back to the front end and sleeps until it resumes this
// thread.
//
// Preconditions: self is the calling thread and holds the CPU.
func (c *CPU) Park(self *Thread) {
	c.parked = self
	c.leave()
	c.front.Up()
	self.sem.Down()
	c.enter(self)
}

// Resume hands the CPU from the front end to the parked thread and waits
// until a thread parks again.
//
// Preconditions: the calling front end holds the CPU.
func (c *CPU) Resume() {
	t := c.parked
	if t == nil || c.dead {
		panic("arch: Resume with no parked thread")
	}
	c.parked = nil
	c.leave()
	t.sem.Up()
	c.front.Down()
	if n := c.holders.Add(1); n != 1 {
		panic(fmt.Sprintf("arch: %d holders of the CPU after Park", n))
	}
}

// Holders is the number of goroutines that hold the CPU right now; anything
// but 1 is a bug. Tests read it.
func (c *CPU) Holders() int32 { return c.holders.Load() }

// Shutdown ends every kernel thread. Threads are woken one at a time with
// the CPU marked dead; each unwinds and its host thread ends before the next
// is woken, so no two ever run at once.
//
// Preconditions: the calling front end holds the CPU.
func (c *CPU) Shutdown() {
	if c.dead {
		return
	}
	c.dead = true
	threads := c.threads
	c.threads = nil
	for _, t := range threads {
		t.sem.Up()
		c.host.ThreadJoin(t.ht)
	}
	c.parked = nil
}
