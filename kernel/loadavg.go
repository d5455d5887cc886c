package kernel

// The load average (kernel/sched/loadavg.c, include/linux/sched/loadavg.h,
// as of Linux 6.6).
//
// avenrun[] are three exponentially-decaying averages of the number of
// active tasks: those running or runnable, plus those in uninterruptible
// sleep (TASK_UNINTERRUPTIBLE). They are sampled once every LOAD_FREQ
// (5 s + 1 tick) and kept in fixed point with FSHIFT = 11 fraction bits:
//
//	load = load·e + active·(1 - e),  e = exp(-5 s / 1, 5 or 15 min)
//
// which EXP_1, EXP_5 and EXP_15 hold as 1884, 2014 and 2037 (of 2048).
//
// Linux samples in two steps so that many CPUs can contribute without a
// global lock: each CPU's tick folds the change in its run queue's active
// count into calc_load_tasks once its window opens
// (calc_global_load_tick), and ten ticks later do_timer folds the three
// averages (calc_global_load). A CPU that stops its tick in NO_HZ idle
// folds its count when it stops (calc_load_nohz_start) into one of two
// calc_load_nohz slots, the one for the window now open or the next, and
// whoever folds next picks it up. An idle CPU may sleep through many
// windows: the next fold catches up on all of them at once with
// calc_load_n, raising e to the n-th power (fixed_power_int) rather than
// looping, so that an idle machine's load decays as if it had been
// sampled all along. kplay has one CPU and follows the same steps.

// Fixed-point constants of include/linux/sched/loadavg.h.
const (
	fshift     = 11          // nr of bits of precision
	fixed1     = 1 << fshift // 1.0 as fixed-point
	exp1       = 1884        // 1/exp(5sec/1min) as fixed-point
	exp5       = 2014        // 1/exp(5sec/5min)
	exp15      = 2037        // 1/exp(5sec/15min)
	loadWindow = 10          // ticks after the window opens that do_timer folds
)

// loadFreq is LOAD_FREQ: 5 s and one tick, so that the sample does not
// fall in step with anything periodic at whole seconds.
func (k *Kernel) loadFreq() uint64 { return uint64(5*k.cfg.HZ + 1) }

// loadAvg is the state of the load average: the globals of
// kernel/sched/loadavg.c and the run queue's calc_load fields.
type loadAvg struct {
	avenrun  [3]uint64 // avenrun[]
	update   uint64    // calc_load_update: jiffies at which the window opens
	tasks    int64     // calc_load_tasks
	nohz     [2]int64  // calc_load_nohz[]
	idx      uint64    // calc_load_idx
	rqUpdate uint64    // rq->calc_load_update
	rqActive int64     // rq->calc_load_active
	freq     uint64    // LOAD_FREQ in ticks
}

// calcLoad is calc_load: one step of the decay, rounding up when the load
// rises so that a constant load converges on its value.
func calcLoad(load, exp, active uint64) uint64 {
	newload := load*exp + active*(fixed1-exp)
	if active >= load {
		newload += fixed1 - 1
	}
	return newload / fixed1
}

// fixedPowerInt is fixed_power_int: x^n in fixed point with fracBits
// fraction bits, by squaring, rounding at each step.
func fixedPowerInt(x uint64, fracBits uint, n uint64) uint64 {
	result := uint64(1) << fracBits
	for n != 0 {
		if n&1 != 0 {
			result = (result*x + 1<<(fracBits-1)) >> fracBits
		}
		n >>= 1
		if n == 0 {
			break
		}
		x = (x*x + 1<<(fracBits-1)) >> fracBits
	}
	return result
}

// calcLoadN is calc_load_n: n steps of calc_load with the same active
// count, in one.
func calcLoadN(load, exp, active, n uint64) uint64 {
	return calcLoad(load, fixedPowerInt(exp, fshift, n), active)
}

// init is the part of sched_init that opens the first window.
func (l *loadAvg) init(jiffies, freq uint64) {
	l.freq = freq
	l.update = jiffies + freq
	l.rqUpdate = l.update
}

// foldActive is calc_load_fold_active: the change in the run queue's
// active count since it was last folded.
func (l *loadAvg) foldActive(active int64) int64 {
	delta := active - l.rqActive
	l.rqActive = active
	return delta
}

// writeIdx is calc_load_write_idx: once the window has opened, NO_HZ
// folds count towards the next one.
func (l *loadAvg) writeIdx(jiffies uint64) uint64 {
	idx := l.idx
	if !before(jiffies, l.update) {
		idx++
	}
	return idx & 1
}

// nohzStart is calc_load_nohz_start: the CPU stops its tick and folds its
// active count now, since its tick will not.
func (l *loadAvg) nohzStart(jiffies uint64, active int64) {
	if d := l.foldActive(active); d != 0 {
		l.nohz[l.writeIdx(jiffies)] += d
	}
}

// nohzStop is calc_load_nohz_stop: the tick restarts; the run queue syncs
// with the window, skipping it if the NO_HZ fold already counted it.
func (l *loadAvg) nohzStop(jiffies uint64) {
	l.rqUpdate = l.update
	if before(jiffies, l.rqUpdate) {
		return
	}
	if before(jiffies, l.rqUpdate+loadWindow) {
		l.rqUpdate += l.freq
	}
}

// tick is calc_global_load_tick, from scheduler_tick: once the run
// queue's window has opened, fold its active count.
func (l *loadAvg) tick(jiffies uint64, active int64) {
	if before(jiffies, l.rqUpdate) {
		return
	}
	l.tasks += l.foldActive(active)
	l.rqUpdate += l.freq
}

// fold is calc_global_load, from do_timer: ten ticks into the window,
// fold the samples into the averages, then catch up on windows slept
// through (calc_global_nohz).
func (l *loadAvg) fold(jiffies uint64) {
	if before(jiffies, l.update+loadWindow) {
		return
	}
	ridx := l.idx & 1
	l.tasks += l.nohz[ridx] // calc_load_nohz_read
	l.nohz[ridx] = 0
	active := uint64(max(l.tasks, 0)) * fixed1
	l.avenrun[0] = calcLoad(l.avenrun[0], exp1, active)
	l.avenrun[1] = calcLoad(l.avenrun[1], exp5, active)
	l.avenrun[2] = calcLoad(l.avenrun[2], exp15, active)
	l.update += l.freq
	// calc_global_nohz
	if !before(jiffies, l.update+loadWindow) {
		n := 1 + (jiffies-l.update-loadWindow)/l.freq
		l.avenrun[0] = calcLoadN(l.avenrun[0], exp1, active, n)
		l.avenrun[1] = calcLoadN(l.avenrun[1], exp5, active, n)
		l.avenrun[2] = calcLoadN(l.avenrun[2], exp15, active, n)
		l.update += n * l.freq
	}
	l.idx++
}

// before is time_before on jiffies.
func before(a, b uint64) bool { return int64(a-b) < 0 }

// nrActive is what calc_load_fold_active counts: runnable tasks (the
// running one included) and tasks in uninterruptible sleep
// (rq->nr_uninterruptible).
func (k *Kernel) nrActive() int64 {
	n := int64(k.rq.NrRunning())
	for _, t := range k.tasks {
		if t.State == TaskUninterruptible {
			n++
		}
	}
	return n
}

// loadInt and loadFrac are LOAD_INT and LOAD_FRAC: the integer part and
// two decimals of a fixed-point load.
func loadInt(x uint64) uint64  { return x >> fshift }
func loadFrac(x uint64) uint64 { return loadInt((x & (fixed1 - 1)) * 100) }

// LoadAvg returns the 1, 5 and 15 minute load averages (avenrun) in
// FSHIFT fixed point.
func (k *Kernel) LoadAvg() [3]uint64 { return k.load.avenrun }

// ProcLoadavg renders /proc/loadavg (fs/proc/loadavg.c): the three
// averages rounded to two decimals (get_avenrun with FIXED_1/200 added),
// runnable tasks over all tasks, and the last pid allocated.
func (k *Kernel) ProcLoadavg() string {
	var s [3]uint64
	for i, a := range k.load.avenrun {
		s[i] = a + fixed1/200
	}
	threads := 0
	for _, t := range k.tasks {
		if t != k.idle {
			threads++ // nr_threads: every task but the idle task
		}
	}
	return sprintf("%d.%02d %d.%02d %d.%02d %d/%d %d\n",
		loadInt(s[0]), loadFrac(s[0]), loadInt(s[1]), loadFrac(s[1]), loadInt(s[2]), loadFrac(s[2]),
		k.rq.NrRunning(), threads, k.nextPID-1)
}
