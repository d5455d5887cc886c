// Package host is kplay's native-operations layer, the one seam between the
// kernel and its environment (LKL's struct lkl_host_operations).
//
// The kernel never starts a goroutine, reads a clock, sleeps or allocates its
// "physical" memory by itself: it asks an Ops. The groups are LKL's:
//
//	print, panic               console output before any driver, fatal errors
//	sem_alloc/free/up/down     counting semaphores (the control semaphores of threads)
//	mutex_alloc/free/lock/...  sleeping mutexes
//	thread_create/exit/join/self
//	mem_alloc/free             the backing store of simulated RAM
//	time                       monotonic nanoseconds since the host booted the kernel
//	timer_alloc/set/free       one-shot timers whose callback raises an interrupt
//	wait, kick                 let time pass while the CPU idles or computes
//	halt                       the machine stopped (power off or panic)
//
// Two implementations exist. Virtual (the default) has a clock that moves only
// when the kernel calls Wait: it jumps straight to the next timer event, runs
// the due callbacks on the calling goroutine and returns, so a run is
// deterministic to the byte. Real uses the host's monotonic clock and
// time.AfterFunc; timer callbacks arrive on their own goroutines, so they may
// only do what an interrupt line does: mark something pending and Kick.
//
// Threads, semaphores and mutexes are the same in both: goroutines, and sync
// primitives that the race detector understands.
package host
