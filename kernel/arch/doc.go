// Package arch is kplay's architecture port (LKL's arch/lkl/kernel): how a
// kernel thread runs on the host and how the one CPU passes between threads.
//
// Every kernel thread is a host thread (a goroutine) with its own control
// semaphore. Exactly one thread holds the CPU at a time. A context switch is
// LKL's switch_to:
//
//	up(next->sem); down(prev->sem)
//
// after which prev is asleep in its own semaphore and next runs. No kernel code
// runs in prev after it has woken next: that is what makes the hand-off safe.
//
// The front end (the REPL, a test, a file server) is one more holder of the
// CPU, in the manner of lkl_cpu_get/lkl_cpu_put. While it holds the CPU the
// kernel is parked: some thread sleeps in its semaphore at a safe point and
// the front end may read kernel state freely. Resume hands the CPU to the
// parked thread and waits; a kernel thread that reaches its stop condition
// calls Park, which hands the CPU back:
//
//	front end: up(parked->sem); down(front)        (Resume)
//	kernel:    up(front);        down(self->sem)   (Park)
//
// Shutdown wakes the threads one at a time with the CPU marked dead; each
// unwinds its stack and ends, so a reboot leaks no goroutines.
package arch
