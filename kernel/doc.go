// Package kernel composes kplay's kernel core: tasks, the scheduler entry
// points, interrupts and softirqs, the tick, system calls, printk and
// faults. It is a library (LKL's model): a front end boots it with Boot,
// holds the one CPU while it inspects, and hands the CPU to the kernel with
// Run and a stop condition to let the machine move.
//
// # Execution model
//
// Every kernel thread (swapper/0, init, kthreadd, ksoftirqd/0, kworker/0:0,
// ksyscalld/0, ...) is a goroutine that sleeps in its own control semaphore
// when it does not hold the CPU (see package arch). The Kernel's fields are
// owned by the CPU holder; no field is locked, because exactly one goroutine
// holds the CPU at a time. The exceptions, safe from any goroutine, are
// the IRQ pending bitmap (irq.Table.Raise) and RequestPark.
//
// Interrupts are never delivered asynchronously. Raising a line marks it
// pending; the kernel services pending lines at its delivery points: in the
// idle loop, on return from a system call, where a kernel thread calls
// condResched, and between compute quanta. Softirqs run on irq exit and, when
// they keep coming back, in ksoftirqd/0.
//
// # System calls
//
// Both of LKL's paths reach one table indexed by x86-64 numbers:
//
//   - the application path: Syscall queues a request, raises IRQ_SYSCALL and
//     runs the machine until the request completes; the interrupt hands the
//     request to a ksyscalld thread, which runs it in its own task context
//     after adopting the caller's address space (kthread_use_mm).
//   - the task path: a task on the CPU traps straight in. The REPL's shell
//     is init (pid 1): SyscallAs types the request into the console, whose
//     interrupt (IRQ 4) wakes init from its read; init makes the call.
//
// # Preconditions
//
// Methods of Kernel called by a front end (Run, Syscall, the inspection
// accessors) require that the caller holds the CPU, which it does whenever
// no Run is in progress. Lower-case methods run on kernel threads and carry
// their own preconditions.
package kernel
