package kernel

import (
	"strings"

	"kplay/consoledrv"
)

// locktorture is a deterministic kplay version of Linux's locktorture
// module (kernel/locking/locktorture.c): writer kthreads named
// lock_torture_writer (lock_torture_wr in ps) take one lock, hold it for a
// busy delay, release it, and sleep a tick, for ever. Linux draws its
// delays at random; here every hold is the same, so a run is reproducible
// and still shows what each lock does: a mutex holder can be preempted and
// its waiters sleep in D, a spinlock holder cannot be preempted until the
// unlock, and spin_lock_irq holds the tick off as well.

// writeDelay is each type's write_delay operation.
var writeDelay = map[string]string{
	"mutex_lock": "torture_mutex_delay", "spin_lock": "torture_spin_lock_write_delay",
	"spin_lock_irq": "torture_spin_lock_write_delay",
}

// LockTortureTypes are the torture_type values kplay implements.
var LockTortureTypes = []string{"mutex_lock", "spin_lock", "spin_lock_irq"}

type lockTorture struct {
	typ     string
	holdNs  int64
	writers []*Task
	counts  []uint64
	fails   uint64
	held    bool // lock_is_write_held
	stop    bool
	mutex   *mutex
	spin    *spinlock
}

// LockTortureStart starts nwriters writer threads on the torture_type's
// lock, each holding it for holdNs of busy kernel time per acquisition.
func (k *Kernel) LockTortureStart(typ string, nwriters int, holdNs int64) error {
	switch {
	case k.torture != nil && !k.torture.stop:
		return errInvalid("locktorture is already running (%s); stop it first", k.torture.typ)
	case !contains(LockTortureTypes, typ):
		return errInvalid("torture_type %q: want %s", typ, strings.Join(LockTortureTypes, ", "))
	case nwriters < 1 || nwriters > 16:
		return errInvalid("nwriters_stress %d: want 1-16", nwriters)
	case holdNs < 1000 || holdNs > 1e9:
		return errInvalid("hold %d ns: want 1us-1s", holdNs)
	}
	lt := &lockTorture{typ: typ, holdNs: holdNs, counts: make([]uint64, nwriters)}
	if k.tortureMutex == nil {
		k.tortureMutex, k.tortureSpin = k.newMutex("torture_mutex"), k.newSpinlock("torture_spinlock")
	}
	lt.mutex, lt.spin = k.tortureMutex, k.tortureSpin
	k.torture = lt
	k.printk(consoledrv.Info, "%s-torture:--- Start of test: nwriters_stress=%d nreaders_stress=0 hold=%dus", typ, nwriters, holdNs/1000)
	for i := range nwriters {
		k.requestKthread("lock_torture_writer", func(self *Task) { k.lockTortureWriter(self, lt, i) }, nil)
	}
	return nil
}

// LockTortureStop stops the writers as rmmod does (torture_stop_kthread,
// which waits for each): the machine runs until every writer has finished
// its round and exited. It returns the final statistics line.
func (k *Kernel) LockTortureStop() (string, error) {
	lt := k.torture
	if lt == nil || lt.stop {
		return "", errInvalid("locktorture is not running")
	}
	lt.stop = true
	k.Run(Stop{Done: func() bool {
		for _, w := range lt.writers {
			if k.tasks[w.PID] == w {
				return false
			}
		}
		return true
	}})
	s := lt.typ + "-torture: " + lt.stats()
	k.printk(consoledrv.Info, "%s", strings.TrimRight(s, "\n"))
	end := "SUCCESS"
	if lt.fails > 0 {
		end = "FAILURE"
	}
	k.printk(consoledrv.Info, "%s-torture:--- End of test: %s", lt.typ, end)
	return s, nil
}

// LockTortureStats is lock_torture_stats_print's line, or false when no
// test has run.
func (k *Kernel) LockTortureStats() (string, bool) {
	if k.torture == nil {
		return "", false
	}
	return k.torture.typ + "-torture: " + k.torture.stats(), true
}

// stats is __torture_print_stats for the writers, in Linux 6.6's format.
func (lt *lockTorture) stats() string {
	var sum, max uint64
	min := lt.counts[0]
	for _, c := range lt.counts {
		sum += c
		max = maxU(max, c)
		min = minU(min, c)
	}
	odd := ""
	if max/2 > min {
		odd = "???"
	}
	fail := ""
	if lt.fails > 0 {
		fail = "!!!"
	}
	return sprintf("Writes:  Total: %d  Max/Min: %d/%d %s  Fail: %d %s\n", sum, max, min, odd, lt.fails, fail)
}

func maxU(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

func minU(a, b uint64) uint64 {
	if a < b {
		return a
	}
	return b
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// lockTortureWriter is lock_torture_writer.
func (k *Kernel) lockTortureWriter(self *Task, lt *lockTorture, id int) {
	self.enter(kthreadFrames("lock_torture_writer")...)
	lt.writers = append(lt.writers, self)
	for !lt.stop {
		switch lt.typ {
		case "mutex_lock":
			d := self.enter("torture_mutex_lock")
			k.mutexLock(lt.mutex)
			self.leave(d)
		case "spin_lock":
			k.spinLock(lt.spin)
		case "spin_lock_irq":
			k.spinLockIrqsave(lt.spin)
		}
		if lt.held {
			lt.fails++ // two writers inside: the lock is broken
		}
		lt.held = true
		lt.counts[id]++
		d := self.enter(writeDelay[lt.typ], "__const_udelay", "delay_tsc")
		k.mdelay(lt.holdNs)
		self.leave(d)
		lt.held = false
		if lt.typ == "mutex_lock" {
			k.mutexUnlock(lt.mutex)
		} else {
			k.spinUnlock(lt.spin)
		}
		d = self.enter("stutter_wait", "schedule_timeout_uninterruptible")
		self.State = TaskUninterruptible
		k.scheduleTimeout(1, "locktorture: between rounds")
		self.leave(d)
	}
}

// mdelay busy-waits ns in kernel mode (mdelay/udelay): time passes and
// interrupts are taken (unless a spin_lock_irqsave holds them off), and a
// reschedule they ask for is taken at once when no spinlock is held, as a
// kernel built with CONFIG_PREEMPT does on return from an interrupt.
func (k *Kernel) mdelay(ns int64) {
	t := k.current
	t.inKernel++
	defer func() { t.inKernel-- }()
	end := k.host.Time() + ns
	for {
		k.deliverIRQs()
		if k.needResched && k.preemptCount == 0 {
			d := t.enter("asm_sysvec_apic_timer_interrupt", "irqentry_exit", "preempt_schedule_irq")
			k.preemptSchedule()
			t.leave(d)
		}
		k.maybePark()
		now := k.host.Time()
		if now >= end {
			return
		}
		if now >= k.stop.deadline {
			k.parkFor(StopBudget)
			continue
		}
		k.host.Wait(min(end, k.stop.deadline))
	}
}
