package host

import (
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
)

// Ops is the native-operations interface (struct lkl_host_operations).
// Every method may be called from any kernel thread; Print and Panic may also
// be called before the scheduler exists.
type Ops interface {
	// Name is "virtual" or "real".
	Name() string

	// Print writes console output that bypasses every kernel driver
	// (lkl_host_ops.print), used for the earliest boot messages and panics.
	Print(s string)
	// Panic reports a fatal kernel error and halts the machine
	// (lkl_host_ops.panic). It returns: the caller parks for ever.
	Panic(msg string)

	// SemAlloc returns a counting semaphore with the given initial count.
	SemAlloc(count int) *Sem
	// SemFree releases a semaphore; it must have no waiters.
	SemFree(s *Sem)

	// MutexAlloc returns a sleeping mutex (lkl_host_ops.mutex_alloc).
	MutexAlloc() *Mutex
	// MutexFree releases a mutex; it must be unlocked.
	MutexFree(m *Mutex)

	// ThreadCreate starts fn on a new host thread (a goroutine) and returns
	// its handle (lkl_host_ops.thread_create).
	ThreadCreate(name string, fn func()) *Thread
	// ThreadExit ends the calling host thread; it does not return.
	ThreadExit()
	// ThreadJoin waits until t has ended.
	ThreadJoin(t *Thread)
	// ThreadSelf is the handle of the calling host thread, or nil for a
	// goroutine the host did not create (the front end).
	ThreadSelf() *Thread

	// MemAlloc returns n zeroed bytes (lkl_host_ops.mem_alloc). The Go
	// runtime takes large blocks straight from mmap, so untouched pages cost
	// no resident memory: a 64 MiB machine is cheap until it is used.
	MemAlloc(n int) []byte
	// MemFree returns memory from MemAlloc.
	MemFree(b []byte)

	// Time is monotonic nanoseconds since the host was created
	// (lkl_host_ops.time).
	Time() int64
	// BootRealtime is the wall-clock time, in ns since the Unix epoch, at
	// which Time was 0: CLOCK_REALTIME is BootRealtime + Time.
	BootRealtime() int64

	// TimerAlloc returns a one-shot timer that calls fn when it expires
	// (lkl_host_ops.timer_alloc). Under the virtual clock fn runs on the
	// goroutine that called Wait; under the real clock on a host goroutine.
	TimerAlloc(fn func()) *Timer
	// TimerSet arms t to fire at absolute time at (ns), replacing any earlier
	// setting (lkl_host_ops.timer_set_oneshot takes a delta; an absolute time
	// keeps a tickless idle simple). A time in the past fires at the next Wait.
	TimerSet(t *Timer, at int64)
	// TimerCancel disarms t; it reports whether t was armed.
	TimerCancel(t *Timer) bool
	// TimerFree disarms and releases t.
	TimerFree(t *Timer)

	// Wait lets time pass on the CPU until deadline, until a timer fires, or
	// until Kick is called, whichever is first; it returns the time then.
	// Virtual: the clock jumps to min(deadline, next timer), the due timers
	// run, and Wait returns without blocking (Kick is irrelevant). Real:
	// blocks the calling thread.
	Wait(deadline int64) int64
	// Kick makes the current or the next Wait return at once. Safe from any
	// goroutine.
	Kick()

	// Halt records that the machine stopped (power off, or a panic).
	Halt(reason string)
	// Halted reports whether Halt was called, and why.
	Halted() (bool, string)
}

// Forever is a Wait deadline that never comes by itself.
const Forever = int64(1<<63 - 1)

// Sem is a counting semaphore (lkl_host_ops.sem_*). Up never blocks.
// It is a channel of empty tokens: a hand-off between two goroutines is
// one send and one receive, the cheapest wake-up the Go runtime has.
type Sem struct {
	ch chan struct{}
}

// semMax bounds a semaphore's count; tokens take no memory.
const semMax = 1 << 30

func newSem(count int) *Sem {
	s := &Sem{ch: make(chan struct{}, semMax)}
	for i := 0; i < count; i++ {
		s.ch <- struct{}{}
	}
	return s
}

// Up increments the semaphore and wakes one waiter (lkl_host_ops.sem_up).
func (s *Sem) Up() { s.ch <- struct{}{} }

// Down waits until the count is positive and decrements it
// (lkl_host_ops.sem_down).
func (s *Sem) Down() { <-s.ch }

// Mutex is a sleeping mutex (lkl_host_ops.mutex_*).
type Mutex struct{ mu sync.Mutex }

// Lock acquires the mutex.
func (m *Mutex) Lock() { m.mu.Lock() }

// Unlock releases the mutex.
func (m *Mutex) Unlock() { m.mu.Unlock() }

// Thread is a host thread handle.
type Thread struct {
	Name string
	done chan struct{}
}

// Timer is a host one-shot timer.
type Timer struct {
	fn    func()
	at    int64 // virtual: absolute expiry while armed
	armed bool  // virtual
	seq   uint64
	rt    realTimer
}

// base holds what both implementations share: threads, semaphores, memory,
// print, halt.
type base struct {
	out io.Writer

	mu       sync.Mutex
	threads  map[uint64]*Thread // goroutine id -> thread, for ThreadSelf
	halted   bool
	haltWhy  string
	memBytes atomic.Int64
}

func newBase(out io.Writer) base {
	if out == nil {
		out = io.Discard
	}
	return base{out: out, threads: map[uint64]*Thread{}}
}

func (b *base) Print(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	io.WriteString(b.out, s)
}

func (b *base) Panic(msg string) {
	b.Print(fmt.Sprintf("---[ end Kernel panic - not syncing: %s ]---\n", msg))
	b.Halt("panic: " + msg)
}

func (b *base) Halt(reason string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.halted {
		b.halted, b.haltWhy = true, reason
	}
}

func (b *base) Halted() (bool, string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.halted, b.haltWhy
}

func (b *base) SemAlloc(count int) *Sem { return newSem(count) }
func (b *base) SemFree(*Sem)            {}
func (b *base) MutexAlloc() *Mutex      { return &Mutex{} }
func (b *base) MutexFree(*Mutex)        {}

func (b *base) ThreadCreate(name string, fn func()) *Thread {
	t := &Thread{Name: name, done: make(chan struct{})}
	ready := make(chan struct{})
	go func() {
		id := goid()
		b.mu.Lock()
		b.threads[id] = t
		b.mu.Unlock()
		close(ready)
		defer func() {
			b.mu.Lock()
			delete(b.threads, id)
			b.mu.Unlock()
			close(t.done)
		}()
		fn()
	}()
	<-ready
	return t
}

func (b *base) ThreadExit() { runtime.Goexit() }

func (b *base) ThreadJoin(t *Thread) { <-t.done }

func (b *base) ThreadSelf() *Thread {
	id := goid()
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.threads[id]
}

func (b *base) MemAlloc(n int) []byte {
	b.memBytes.Add(int64(n))
	return make([]byte, n)
}

func (b *base) MemFree(p []byte) { b.memBytes.Add(-int64(cap(p))) }

// goid returns the calling goroutine's id, parsed from its stack header
// ("goroutine 18 [running]:"). Only ThreadSelf needs it, and only for
// assertions and diagnostics, never on a hot path.
func goid() uint64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	var id uint64
	for _, c := range buf[len("goroutine "):n] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}
