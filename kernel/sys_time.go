package kernel

import (
	"encoding/binary"

	"kplay/kernel/abi"
	"kplay/mm"
	"kplay/timers"
)

// Clock ids (include/uapi/linux/time.h).
const (
	clockRealtime        = 0
	clockMonotonic       = 1
	clockMonotonicRaw    = 4
	clockRealtimeCoarse  = 5
	clockMonotonicCoarse = 6
	clockBoottime        = 7
	timerAbstime         = 0x01
)

var clockNames = map[uint64]string{
	0: "CLOCK_REALTIME", 1: "CLOCK_MONOTONIC", 2: "CLOCK_PROCESS_CPUTIME_ID",
	3: "CLOCK_THREAD_CPUTIME_ID", 4: "CLOCK_MONOTONIC_RAW", 5: "CLOCK_REALTIME_COARSE",
	6: "CLOCK_MONOTONIC_COARSE", 7: "CLOCK_BOOTTIME", 8: "CLOCK_REALTIME_ALARM",
	9: "CLOCK_BOOTTIME_ALARM", 11: "CLOCK_TAI",
}

// clockNow reads a clock in ns, or false for a clock kplay does not keep.
func (k *Kernel) clockNow(id uint64) (int64, bool) {
	switch uint64(uint32(id)) { // clockid_t is a 32-bit int
	case clockRealtime, clockRealtimeCoarse:
		return k.host.BootRealtime() + k.clockNs(), true
	case clockMonotonic, clockMonotonicRaw, clockMonotonicCoarse, clockBoottime:
		// Nothing suspends: boot time and monotonic time agree.
		return k.clockNs(), true
	}
	return 0, false
}

// timespec is struct __kernel_timespec: two 64-bit fields.
type timespec struct{ sec, nsec int64 }

const timespecSize = 16

func (k *Kernel) getTimespec(t *Task, addr uint64) (timespec, abi.Errno) {
	var b [timespecSize]byte
	if _, err := k.copyFromUser(t, b[:], addr); err != 0 {
		return timespec{}, err
	}
	return timespec{int64(binary.LittleEndian.Uint64(b[0:])), int64(binary.LittleEndian.Uint64(b[8:]))}, 0
}

func (k *Kernel) putTimespec(t *Task, addr uint64, ns int64) abi.Errno {
	var b [timespecSize]byte
	binary.LittleEndian.PutUint64(b[0:], uint64(ns/1e9))
	binary.LittleEndian.PutUint64(b[8:], uint64(ns%1e9))
	return k.copyToUser(t, addr, b[:])
}

// valid is timespec64_valid.
func (ts timespec) valid() bool { return ts.sec >= 0 && ts.nsec >= 0 && ts.nsec < 1e9 }

// nsToJiffies rounds a duration up to whole ticks (timespec_to_jiffies).
func (k *Kernel) nsToJiffies(ns int64) uint64 {
	if ns <= 0 {
		return 0
	}
	const max = int64(1) << 62
	if ns > max {
		ns = max
	}
	return uint64((ns + k.tickNs - 1) / k.tickNs)
}

// processTimeout is the timer function of schedule_timeout: it wakes the
// task whose sleep ran out.
func (k *Kernel) processTimeout(t *timers.TimerList, task *Task) {
	k.wakeUpProcess(task)
}

// scheduleTimeout sleeps the current task (whose state the caller has set)
// for at most timeout jiffies on a wheel timer and returns the jiffies
// left when it was woken (schedule_timeout).
//
// Preconditions: process context.
func (k *Kernel) scheduleTimeout(timeout uint64, why string) uint64 {
	t := k.current
	defer t.leave(t.enter("schedule_timeout"))
	expire := k.jiffies + timeout
	tm := &timers.TimerList{Name: "process_timeout", Owner: sprintf("%s[%d]", t.Comm, t.PID)}
	tm.Function = func(tl *timers.TimerList) { k.processTimeout(tl, t) }
	k.timers.Mod(tm, expire)
	state := t.State
	for t.State == state && tm.Pending() {
		k.switchWhy = "sleeps: " + why
		k.schedule()
	}
	t.State = TaskRunning
	k.timers.Del(tm) // del_singleshot_timer_sync
	if timers.TimeAfter(expire, k.jiffies) {
		return expire - k.jiffies
	}
	return 0
}

// sleepNs puts the current task to sleep for ns, as the 2.6 nanosleep did:
// timespec_to_jiffies rounded up, plus one tick so that the sleep is never
// shorter than asked (the current tick is already partly over). A wakeup
// that is not the timeout goes back to sleep until the same expiry, as
// do_nanosleep loops and a restarted call does after a stop; only a fatal
// signal cuts the sleep short, and then sleepNs reports true.
func (k *Kernel) sleepNs(ns int64, why string) (interrupted bool) {
	if ns <= 0 {
		return false
	}
	t := k.current
	defer t.leave(t.enter("do_nanosleep"))
	expire := k.jiffies + k.nsToJiffies(ns) + 1
	for timers.TimeBefore(k.jiffies, expire) {
		t.State = TaskInterruptible
		k.scheduleTimeout(expire-k.jiffies, why)
		if timers.TimeBefore(k.jiffies, expire) && k.interruptedSleep(t) {
			return true
		}
	}
	return false
}

// timespecNs converts a valid timespec to ns, saturating instead of
// overflowing (sleep infinity passes {INT64_MAX, 999999999}).
func timespecNs(ts timespec) int64 {
	const max = int64(1<<63 - 1)
	if ts.sec >= max/1e9 {
		return max
	}
	return ts.sec*1e9 + ts.nsec
}

// sysNanosleep implements Linux syscall nanosleep(2).
func sysNanosleep(k *Kernel, t *Task, a *[6]uint64) int64 {
	ts, err := k.getTimespec(t, a[0])
	if err != 0 {
		return -int64(err)
	}
	if !ts.valid() {
		return -int64(abi.EINVAL)
	}
	if k.sleepNs(timespecNs(ts), "nanosleep") {
		return -int64(errRestartRestartblock)
	}
	return 0
}

// sysClockGettime implements Linux syscall clock_gettime(2).
func sysClockGettime(k *Kernel, t *Task, a *[6]uint64) int64 {
	now, ok := k.clockNow(a[0])
	if !ok {
		return -int64(abi.EINVAL)
	}
	if err := k.putTimespec(t, a[1], now); err != 0 {
		return -int64(err)
	}
	return 0
}

// sysClockNanosleep implements Linux syscall clock_nanosleep(2), relative
// or, with TIMER_ABSTIME, until an absolute time of the clock.
func sysClockNanosleep(k *Kernel, t *Task, a *[6]uint64) int64 {
	switch uint32(a[0]) {
	case clockRealtime, clockMonotonic, clockBoottime:
	default:
		if _, ok := clockNames[uint64(uint32(a[0]))]; ok {
			return -int64(abi.EOPNOTSUPP) // a clock that cannot be slept on
		}
		return -int64(abi.EINVAL)
	}
	ts, err := k.getTimespec(t, a[2])
	if err != 0 {
		return -int64(err)
	}
	if !ts.valid() {
		return -int64(abi.EINVAL)
	}
	ns := timespecNs(ts)
	if a[1]&timerAbstime != 0 {
		now, _ := k.clockNow(a[0])
		ns -= now
	}
	if k.sleepNs(ns, "clock_nanosleep") {
		if a[1]&timerAbstime != 0 {
			return -int64(errRestartNohand)
		}
		return -int64(errRestartRestartblock)
	}
	return 0
}

// alarmRealTimer is a process's ITIMER_REAL (signal->real_timer).
type alarmRealTimer struct {
	timer timers.TimerList
}

// sysAlarm implements Linux syscall alarm(2): it arms the process's real
// timer for seconds (0 disarms it) and returns the seconds that were left
// on the previous one, rounded as alarm_setitimer does.
func sysAlarm(k *Kernel, t *Task, a *[6]uint64) int64 {
	secs := uint32(a[0])
	if t.alarm == nil {
		t.alarm = &alarmRealTimer{}
		t.alarm.timer.Name = "it_real_fn"
		t.alarm.timer.Owner = sprintf("%s[%d]", t.Comm, t.PID)
		t.alarm.timer.Function = func(*timers.TimerList) {
			k.printk(7, "alarm: SIGALRM for %s[%d]", t.Comm, t.PID)
			k.sendSignal(t, abi.SIGALRM)
		}
	}
	var old int64
	if t.alarm.timer.Pending() {
		left := int64(t.alarm.timer.Expires-k.jiffies) * k.tickNs
		old = left / 1e9
		if left%1e9 >= 5e8 || old == 0 {
			old++ // round: alarm() must not return 0 for a pending alarm
		}
		k.timers.Del(&t.alarm.timer)
	}
	if secs > 0 {
		// it_real_arm: interval + 1, as the current tick is partly over.
		k.timers.Mod(&t.alarm.timer, k.jiffies+k.nsToJiffies(int64(secs)*1e9)+1)
	}
	return old
}

// userHZ is USER_HZ, the unit of clock_t.
const userHZ = 100

// jiffiesToClockT is jiffies_64_to_clock_t.
func (k *Kernel) jiffiesToClockT(j uint64) uint64 {
	return j * userHZ / uint64(k.cfg.HZ)
}

// nsToClockT converts CPU time to clock ticks.
func nsToClockT(ns int64) uint64 { return uint64(ns / (1e9 / userHZ)) }

// sysTimes implements Linux syscall times(2).
func sysTimes(k *Kernel, t *Task, a *[6]uint64) int64 {
	if a[0] != 0 {
		var b [32]byte
		binary.LittleEndian.PutUint64(b[0:], nsToClockT(t.Utime))
		binary.LittleEndian.PutUint64(b[8:], nsToClockT(t.Stime))
		binary.LittleEndian.PutUint64(b[16:], nsToClockT(t.Cutime))
		binary.LittleEndian.PutUint64(b[24:], nsToClockT(t.Cstime))
		if err := k.copyToUser(t, a[0], b[:]); err != 0 {
			return -int64(err)
		}
	}
	return int64(k.jiffiesToClockT(k.jiffies))
}

// sysinfoSize is sizeof(struct sysinfo) on x86-64.
const sysinfoSize = 112

// sysSysinfo implements Linux syscall sysinfo(2).
func sysSysinfo(k *Kernel, t *Task, a *[6]uint64) int64 {
	var b [sysinfoSize]byte
	up := k.clockNs()
	secs := up / 1e9
	if up%1e9 != 0 {
		secs++ // uptime rounds up, as do_sysinfo does
	}
	le := binary.LittleEndian
	le.PutUint64(b[0:], uint64(secs))
	// loads[3] stay 0 until the load average exists.
	le.PutUint64(b[32:], uint64(k.totalramPages())*mm.PageSize) // totalram
	le.PutUint64(b[40:], uint64(k.nrFreePages())*mm.PageSize)   // freeram
	le.PutUint64(b[48:], uint64(k.vfs.NrShmem)*mm.PageSize)     // sharedram
	le.PutUint16(b[80:], uint16(len(k.tasks)))                  // procs (threads)
	le.PutUint32(b[104:], 1)                                    // mem_unit
	if err := k.copyToUser(t, a[0], b[:]); err != 0 {
		return -int64(err)
	}
	return 0
}
