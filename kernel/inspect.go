package kernel

import (
	"sort"

	"kplay/consoledrv"
	"kplay/irq"
)

// TaskInfo is a task as plain values, for ps, --json and /proc.
type TaskInfo struct {
	PID        int    `json:"pid"`
	TGID       int    `json:"tgid"`
	PPID       int    `json:"ppid"`
	Comm       string `json:"comm"`
	State      string `json:"state"`
	Flags      uint32 `json:"flags"`
	Kthread    bool   `json:"kthread"`
	OnCPU      bool   `json:"on_cpu"`
	Prio       int    `json:"prio"`
	StaticPrio int    `json:"static_prio"`
	NormalPrio int    `json:"normal_prio"`
	RTPriority int    `json:"rt_priority"`
	Policy     int    `json:"policy"`
	Nice       int    `json:"nice"`
	Nvcsw      uint64 `json:"nvcsw"`
	Nivcsw     uint64 `json:"nivcsw"`
	UtimeNs    int64  `json:"utime_ns"`
	StimeNs    int64  `json:"stime_ns"`
	SumExecNs  int64  `json:"sum_exec_runtime_ns"`
	StartNs    int64  `json:"start_time_ns"`
	UID        int    `json:"uid"`
	HasMM      bool   `json:"has_mm"`
}

func (k *Kernel) sortedTasks() []*Task {
	ts := make([]*Task, 0, len(k.tasks)+1)
	ts = append(ts, k.idle)
	for _, t := range k.tasks {
		if t != k.idle {
			ts = append(ts, t)
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].PID < ts[j].PID })
	return ts
}

// Tasks returns every task, idle included, in pid order.
func (k *Kernel) Tasks() []TaskInfo {
	var out []TaskInfo
	for _, t := range k.sortedTasks() {
		ppid := 0
		if t.Parent != nil {
			ppid = t.Parent.TGID
		}
		out = append(out, TaskInfo{
			PID: t.PID, TGID: t.TGID, PPID: ppid, Comm: t.Comm, State: t.State.Letter(),
			Flags: t.Flags, Kthread: t.Kthread(), OnCPU: t == k.current,
			Prio: t.se.Prio, StaticPrio: t.se.StaticPrio, NormalPrio: t.se.NormalPrio,
			RTPriority: t.se.RTPriority, Policy: t.se.Policy, Nice: t.se.Nice(),
			Nvcsw: t.Nvcsw, Nivcsw: t.Nivcsw, UtimeNs: t.Utime, StimeNs: t.Stime,
			SumExecNs: t.se.SumExecRuntime, StartNs: t.StartTime, UID: t.Cred.UID,
			HasMM: t.MM != nil,
		})
	}
	return out
}

// Task returns one task by pid.
func (k *Kernel) Task(pid int) (TaskInfo, bool) {
	for _, t := range k.Tasks() {
		if t.PID == pid {
			return t, true
		}
	}
	return TaskInfo{}, false
}

// IRQs returns the interrupt lines as /proc/interrupts lists them (or all
// of them), and irq_err_count.
func (k *Kernel) IRQs(all bool) ([]irq.DescInfo, uint64) {
	return k.irqs.Info(all), k.irqs.ErrCount()
}

// SoftirqInfo is one softirq vector.
type SoftirqInfo struct {
	Name    string `json:"name"`
	Count   uint64 `json:"count"`
	Pending bool   `json:"pending"`
}

// Softirqs returns the softirq vectors in Linux's order.
func (k *Kernel) Softirqs() []SoftirqInfo {
	c := k.softirqs.Counts()
	p := k.softirqs.Pending()
	out := make([]SoftirqInfo, irq.NrSoftirqs)
	for i := range out {
		out[i] = SoftirqInfo{Name: irq.SoftirqNames[i], Count: c[i], Pending: p&(1<<i) != 0}
	}
	return out
}

// Status is the machine at a glance.
type Status struct {
	Clock       string    `json:"clock"`
	HZ          int       `json:"hz"`
	Jiffies     uint64    `json:"jiffies"`
	UptimeNs    int64     `json:"uptime_ns"`
	Current     TaskRef   `json:"current"`
	RunQueue    []TaskRef `json:"run_queue"`
	PendingIRQs []int     `json:"pending_irqs"`
	Softirqs    []string  `json:"pending_softirqs"`
	NOHZ        NOHZStats `json:"nohz"`
	Switches    uint64    `json:"context_switches"`
	Tainted     string    `json:"tainted"`
	Halted      bool      `json:"halted"`
	HaltReason  string    `json:"halt_reason,omitempty"`
	Loglevel    int       `json:"console_loglevel"`
}

// Status returns the machine's state.
func (k *Kernel) Status() Status {
	s := Status{
		Clock: k.cfg.Clock, HZ: k.cfg.HZ, Jiffies: k.jiffies, UptimeNs: k.clockNs(),
		Current: k.ref(k.current), NOHZ: k.nohz, Switches: k.cpu.Switches(),
		Tainted: k.Tainted(), Halted: k.halted, HaltReason: k.haltWhy,
		Loglevel: int(k.con.Loglevel), RunQueue: []TaskRef{}, PendingIRQs: []int{}, Softirqs: []string{},
	}
	s.NOHZ.TickStopped = k.tickStopped
	for _, t := range k.sortedTasks() {
		if t.se.OnRQ() {
			s.RunQueue = append(s.RunQueue, k.ref(t))
		}
	}
	p := k.irqs.Pending()
	for i := 0; i < irq.NrIRQs; i++ {
		if p&(1<<i) != 0 {
			s.PendingIRQs = append(s.PendingIRQs, i)
		}
	}
	for _, si := range k.Softirqs() {
		if si.Pending {
			s.Softirqs = append(s.Softirqs, si.Name)
		}
	}
	return s
}

// Jiffies is the tick count.
func (k *Kernel) Jiffies() uint64 { return k.jiffies }

// Dmesg returns the kernel log since the last clear.
func (k *Kernel) Dmesg() []consoledrv.Record { return k.con.Log.Records() }

// DmesgClear clears the kernel log (dmesg -C).
func (k *Kernel) DmesgClear() { k.con.Log.Clear() }

// ConsoleLoglevel is console_loglevel.
func (k *Kernel) ConsoleLoglevel() int { return int(k.con.Loglevel) }

// SetConsoleLoglevel sets console_loglevel (1-8, as syslog(2)'s
// SYSLOG_ACTION_CONSOLE_LEVEL accepts: messages below it are printed).
func (k *Kernel) SetConsoleLoglevel(l int) error {
	if l < 1 || l > 8 {
		return errInvalid("console loglevel %d: want 1-8", l)
	}
	k.con.Loglevel = consoledrv.Level(l)
	return nil
}
