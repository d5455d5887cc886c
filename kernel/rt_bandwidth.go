package kernel

import (
	"kplay/consoledrv"
	"kplay/timers"
)

// rtThrottleCheck follows the RT class's bandwidth after the scheduler has
// charged time: the first throttling prints Linux's message, and while the
// class is throttled the period timer is armed so that even an idle CPU
// (its tick stopped) wakes to replenish it (sched_rt_period_timer).
func (k *Kernel) rtThrottleCheck() {
	rt := k.rq.RT
	if rt.Throttles > 0 && !k.rtThrottleSaid {
		k.rtThrottleSaid = true
		k.printk(consoledrv.Warning, "sched: RT throttling activated") // printk_deferred_once
	}
	if !rt.Throttled || k.rtPeriodTimer.Pending() {
		return
	}
	wait := rt.PeriodEnd() - k.clockNs()
	k.rtPeriodTimer.Name = "sched_rt_period_timer"
	k.rtPeriodTimer.Owner = "rt_bandwidth"
	k.rtPeriodTimer.Function = func(*timers.TimerList) {
		k.rq.Update(k.clockNs())
		if k.rq.RTPeriodTimer(k.clockNs()) {
			k.needResched = true
			k.switchWhy = "RT throttling ends: the period timer replenished the rt class"
		}
	}
	k.timers.Mod(&k.rtPeriodTimer, k.jiffies+k.nsToJiffies(max(wait, 0))+1)
}
