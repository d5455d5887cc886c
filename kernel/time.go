package kernel

import (
	"kplay/consoledrv"
	"kplay/irq"
	"kplay/kernel/host"
	"kplay/sched"
	"kplay/timers"
)

// NOHZStats are the tickless-idle counters (struct tick_sched).
type NOHZStats struct {
	IdleCalls    uint64 `json:"idle_calls"`    // times the CPU went idle
	IdleSleeps   uint64 `json:"idle_sleeps"`   // times it stopped the tick
	TicksSkipped uint64 `json:"ticks_skipped"` // ticks never taken while stopped
	IdleNs       int64  `json:"idle_ns"`       // time spent idle
	TickStopped  bool   `json:"tick_stopped"`

	TickEvents  uint64 `json:"nr_events"`       // tick interrupts taken
	LastTickNs  int64  `json:"last_tick_ns"`    // when the last one came
	IdleJiffies uint64 `json:"idle_jiffies"`    // jiffies at the last idle entry
	IdleEntryNs int64  `json:"idle_entrytime"`  // time of the last idle entry
	IdleExitNs  int64  `json:"idle_exittime"`   // time of the last idle exit
	IdleExpires int64  `json:"idle_expires_ns"` // tick programmed for, when stopped
}

// timeInit sets up the tick: IRQ 0 driven by a host one-shot timer
// (time_init, tick_setup_device).
func (k *Kernel) timeInit() {
	k.must(k.irqs.RequestIRQ(IRQTimer, k.timerInterrupt, 0, "timer", nil))
	k.tickTimer = k.host.TimerAlloc(func() { k.irqs.Raise(IRQTimer) })
	k.budgetTimer = k.host.TimerAlloc(func() {})
	k.printk(consoledrv.Info, "kplay: %s clock, HZ=%d (tick %d ns), NO_HZ idle, INITIAL_JIFFIES=%d", k.host.Name(), k.cfg.HZ, k.tickNs, k.jiffies)
	k.armTick(k.lastUpdate + k.tickNs)
}

// armTick programs the host timer for the tick at time at.
func (k *Kernel) armTick(at int64) {
	k.tickArmedAt = at
	k.host.TimerSet(k.tickTimer, at)
}

// updateJiffies advances jiffies by the whole ticks elapsed up to now
// (tick_do_update_jiffies64), charges them to the CPU time bucket of the
// context they passed in, folds the load average if a window is due
// (do_timer's calc_global_load), and returns how many ticks passed.
func (k *Kernel) updateJiffies(now int64, bucket cpuUsageStat) uint64 {
	if now < k.lastUpdate+k.tickNs {
		return 0
	}
	n := uint64((now - k.lastUpdate) / k.tickNs)
	k.jiffies += n
	k.lastUpdate += int64(n) * k.tickNs
	k.cpustat[bucket] += int64(n) * k.tickNs
	k.load.fold(k.jiffies)
	return n
}

// timerInterrupt is IRQ 0 (tick_handle_periodic, or tick_nohz_handler
// when the tick was stopped): it brings jiffies up to date, charges the tick
// to the current task, asks the scheduler whether to preempt, raises the
// TIMER softirq when a timer is due, and programs the next tick.
func (k *Kernel) timerInterrupt(int, any) irq.Return {
	k.updateJiffies(k.host.Time(), k.tickBucket()) // idle exit may have done it already
	k.tickStopped = false
	ticks := k.jiffies - k.lastTickJiffies
	k.lastTickJiffies = k.jiffies
	k.nohz.TickEvents++
	k.nohz.LastTickNs = k.clockNs()
	// account_process_tick: a whole tick to whoever was interrupted.
	if k.current != k.idle {
		if k.current.Kthread() || k.current.inKernel > 0 {
			k.current.Stime += k.tickNs
		} else {
			k.current.Utime += k.tickNs
		}
		k.rq.Update(k.clockNs())
		if k.rq.Tick() {
			k.needResched = true
			k.switchWhy = "preempted: timeslice used up (tick)"
			if k.rq.RT.Throttled && k.current.se.Class() == sched.Class(k.rq.RT) {
				k.switchWhy = "preempted: RT throttling (the rt class used sched_rt_runtime_us of this period)"
			}
		}
		k.rtThrottleCheck()
	}
	k.load.tick(k.jiffies, k.nrActive()) // scheduler_tick's calc_global_load_tick
	// run_local_timers: the TIMER softirq is raised on every tick, as
	// in 2.6; it finds the jiffies the wheel has still to process.
	if k.timers.Due(k.jiffies) {
		k.softirqs.Raise(irq.TimerSoftirq)
	}
	skipped := uint64(0)
	if ticks > 1 {
		skipped = ticks - 1
	}
	k.emit(Event{Kind: EvTick, Tick: &TickEvent{Jiffies: k.jiffies, Ticks: ticks, Skipped: skipped}})
	k.armNextTick()
	return irq.IRQHandled
}

// armNextTick programs the next periodic tick; the idle loop stops it again
// if the CPU goes idle.
func (k *Kernel) armNextTick() {
	k.armTick(k.lastUpdate + k.tickNs)
}

// runTimerSoftirq is TIMER_SOFTIRQ's action (run_timer_softirq): it
// processes every jiffy the wheel has not yet, cascading as it goes.
func (k *Kernel) runTimerSoftirq() {
	if k.timers.Due(k.jiffies) {
		k.timers.Run(k.jiffies)
	}
}

// jiffiesToTime is the host time at which jiffy j begins.
func (k *Kernel) jiffiesToTime(j uint64) int64 {
	return k.lastUpdate + int64(j-k.jiffies)*k.tickNs
}

// nohzIdleEnter stops the tick if nothing needs it before the next timer
// (tick_nohz_idle_stop_tick): the host timer is programmed for the next
// timer's jiffy, or disarmed when there is none.
func (k *Kernel) nohzIdleEnter() {
	k.nohz.IdleCalls++
	k.idleSince = k.host.Time()
	k.nohz.IdleJiffies = k.jiffies
	k.nohz.IdleEntryNs = k.clockNs()
	next, ok := k.timers.NextExpiry()
	if ok && timers.TimeBeforeEq(next, k.jiffies+1) {
		k.armNextTick() // the next tick is needed anyway: keep it
		return
	}
	if !k.tickStopped {
		k.nohz.IdleSleeps++
		k.load.nohzStart(k.jiffies, k.nrActive())
	}
	k.tickStopped = true
	if ok {
		k.armTick(k.jiffiesToTime(next))
		k.nohz.IdleExpires = k.tickArmedAt - k.uptimeOrigin
	} else {
		k.host.TimerCancel(k.tickTimer)
		k.nohz.IdleExpires = host.Forever
	}
}

// nohzIdleExit brings jiffies up to date after idle (tick_nohz_idle_exit):
// ticks that passed with the tick stopped are counted as skipped.
func (k *Kernel) nohzIdleExit() {
	now := k.host.Time()
	k.nohz.IdleNs += now - k.idleSince
	k.idleSince = now
	k.nohz.IdleExitNs = k.clockNs()
	n := k.updateJiffies(now, cpuIdle)
	if n > 0 && k.tickStopped {
		if k.irqs.Pending()&(1<<IRQTimer) != 0 {
			n-- // the tick that woke the CPU is taken, not skipped
		}
		k.nohz.TicksSkipped += n
	}
}

// nohzRestartTick restarts a stopped tick when the CPU leaves idle to run a
// task (tick_nohz_restart_sched_tick): a task woken by an interrupt other
// than the tick, or by the front end, must still be ticked.
func (k *Kernel) nohzRestartTick() {
	if !k.tickStopped {
		return
	}
	k.updateJiffies(k.host.Time(), cpuIdle)
	k.tickStopped = false
	k.load.nohzStop(k.jiffies)
	k.armNextTick()
}

// idleLoop is swapper/0's loop (do_idle): service interrupts, run whatever
// became runnable, and otherwise stop the tick and let time pass until the
// next event or the end of the run budget.
func (k *Kernel) idleLoop() {
	k.idle.enter("secondary_startup_64_no_verify", "x86_64_start_kernel", "x86_64_start_reservations",
		"start_kernel", "arch_call_rest_init", "rest_init", "cpu_startup_entry", "do_idle")
	for {
		k.deliverIRQs()
		k.maybePark() // a step that stops at an irq or tick stops here
		if k.needResched || k.rq.HasRunnable() {
			k.nohzRestartTick()
			k.schedule()
			continue
		}
		if k.idleMayPark() {
			k.park()
			continue
		}
		k.nohzIdleEnter()
		deadline := k.stop.deadline
		before := k.host.Time()
		now := k.host.Wait(deadline)
		k.nohzIdleExit()
		if now == before && k.irqs.Pending() == 0 && !k.parkReq.Load() && now < deadline {
			// Nothing armed and nothing to wait for: under the virtual
			// clock no event can ever come.
			k.stop.stalled = true
		}
	}
}

// delayedWork is a work item run by kworker/0:0 after a delay
// (struct delayed_work).
type delayedWork struct {
	work  work
	timer timers.TimerList
}

// work is a work item (struct work_struct).
type work struct {
	name    string
	fn      func()
	pending bool
}

// queueWork puts w on the worker's list and wakes it (queue_work).
func (k *Kernel) queueWork(w *work) {
	if w.pending {
		return
	}
	w.pending = true
	k.workList = append(k.workList, w)
	if k.worker != nil {
		k.wakeUpProcess(k.worker)
	}
}

// queueDelayedWork queues w after delay jiffies (queue_delayed_work): a
// timer whose function queues the work (delayed_work_timer_fn).
func (k *Kernel) queueDelayedWork(dw *delayedWork, delay uint64) {
	dw.timer.Function = func(*timers.TimerList) { k.queueWork(&dw.work) }
	dw.timer.Name = "delayed_work_timer_fn"
	dw.timer.Owner = dw.work.name
	k.timers.Mod(&dw.timer, k.jiffies+delay)
}

// kworker runs queued work items (worker_thread).
func (k *Kernel) kworker(self *Task) {
	self.enter(kthreadFrames("worker_thread")...)
	for {
		for len(k.workList) > 0 {
			w := k.workList[0]
			k.workList = k.workList[1:]
			w.pending = false
			w.fn()
			k.condResched()
		}
		k.sleepOn(TaskInterruptible, "no work queued")
	}
}

// startVmstat arms vmstat_update, the per-second housekeeping work that
// keeps even an idle Linux waking once a second (sysctl_stat_interval = HZ).
func (k *Kernel) startVmstat() {
	k.vmstatWork = &delayedWork{work: work{name: "vmstat_update"}}
	k.vmstatWork.work.fn = func() {
		// Folding per-CPU counters has nothing to fold on one CPU; the work
		// re-arms itself as Linux's does.
		k.queueDelayedWork(k.vmstatWork, k.roundJiffiesRelative(uint64(k.cfg.HZ)))
	}
	k.queueDelayedWork(k.vmstatWork, k.roundJiffiesRelative(uint64(k.cfg.HZ)))
}

// roundJiffiesRelative rounds a relative delay so that it ends on a
// jiffies value that is a multiple of HZ (round_jiffies_relative: below a
// quarter second the remainder is dropped, otherwise rounded up), so that
// periodic housekeeping wakes the CPU once for many timers.
func (k *Kernel) roundJiffiesRelative(delay uint64) uint64 {
	hz := uint64(k.cfg.HZ)
	abs := k.jiffies + delay
	rem := abs % hz
	rounded := abs - rem
	if rem >= hz/4 {
		rounded += hz
	}
	if timers.TimeBeforeEq(rounded, k.jiffies) {
		return delay
	}
	return rounded - k.jiffies
}
