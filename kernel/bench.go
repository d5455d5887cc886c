package kernel

import "kplay/kernel/abi"

// Benchmark hooks: each runs a hot path n times inside the kernel, so that
// `kplay bench` and `go test -bench` measure the same code.

// spawnAndRun creates kernel threads through kthreadd and runs the machine
// until all of them have finished their body.
func (k *Kernel) spawnAndRun(fns ...func(t *Task)) {
	left := len(fns)
	for i, fn := range fns {
		k.requestKthread(sprintf("bench/%d", i), func(t *Task) { fn(t); left-- }, nil)
	}
	k.Run(Stop{Done: func() bool { return left == 0 }})
}

// BenchTaskGetpid makes n getpid calls on the task path from a kernel
// thread that already holds the CPU: dispatch, record and return path.
func (k *Kernel) BenchTaskGetpid(n int) {
	k.spawnAndRun(func(t *Task) {
		req := &Request{Nr: int(abi.SysGetpid), Path: PathTask}
		for i := 0; i < n; i++ {
			k.doSyscall(t, req)
		}
	})
}

// BenchKthreadSwitch makes two kernel threads hand the CPU to each other
// with sched_yield until n context switches have happened between them.
func (k *Kernel) BenchKthreadSwitch(n int) {
	half := (n + 1) / 2
	yield := func(t *Task) {
		for i := 0; i < half; i++ {
			sysSchedYield(k, t, nil)
		}
	}
	k.spawnAndRun(yield, yield)
}

// BenchUserYield spawns two user processes that call sched_yield in a
// loop, n context switches between them in all, and runs the machine until
// both have exited: the trap, the syscall, CFS's yield and pick, and the
// control-semaphore hand-off, per switch.
func (k *Kernel) BenchUserYield(n int) error {
	src := sprintf("repeat %d { yield }", max(1, (n+1)/2))
	a, err := k.Spawn(src, SpawnOptions{Name: "yield-a"})
	if err != nil {
		return err
	}
	b, err := k.Spawn(src, SpawnOptions{Name: "yield-b"})
	if err != nil {
		return err
	}
	k.Run(Stop{Done: func() bool { return k.tasks[a] == nil && k.tasks[b] == nil }, For: 1 << 62})
	return nil
}
