package irq

// Softirq vectors, in Linux's order (include/linux/interrupt.h).
const (
	HISoftirq = iota
	TimerSoftirq
	NetTxSoftirq
	NetRxSoftirq
	BlockSoftirq
	IRQPollSoftirq
	TaskletSoftirq
	SchedSoftirq
	HRTimerSoftirq
	RCUSoftirq
	NrSoftirqs
)

// SoftirqNames is softirq_to_name, as /proc/softirqs prints it.
var SoftirqNames = [NrSoftirqs]string{
	"HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU",
}

// MaxSoftirqRestart bounds __do_softirq's restarts before it defers to
// ksoftirqd (MAX_SOFTIRQ_RESTART).
const MaxSoftirqRestart = 10

// Softirqs is the softirq vector of the one CPU with its tasklet lists.
// It is owned by the CPU holder.
type Softirqs struct {
	pending uint32
	actions [NrSoftirqs]func()
	counts  [NrSoftirqs]uint64

	tasklets   []*Tasklet // TASKLET_SOFTIRQ list (tasklet_vec)
	hiTasklets []*Tasklet // HI_SOFTIRQ list (tasklet_hi_vec)

	// OnEntry and OnExit, if set, are told of each vector just before
	// its action runs and just after it returns (the softirq_entry and
	// softirq_exit tracepoints of __do_softirq).
	OnEntry, OnExit func(nr int)
}

// NewSoftirqs returns a vector with the tasklet actions opened on HI and
// TASKLET, as softirq_init does.
func NewSoftirqs() *Softirqs {
	s := &Softirqs{}
	s.Open(TaskletSoftirq, func() {
		list := s.tasklets
		s.tasklets = nil
		runTasklets(list)
	})
	s.Open(HISoftirq, func() {
		list := s.hiTasklets
		s.hiTasklets = nil
		runTasklets(list)
	})
	return s
}

// Open installs the action of a vector (open_softirq).
func (s *Softirqs) Open(nr int, action func()) { s.actions[nr] = action }

// Raise marks a vector pending (raise_softirq_irqoff).
func (s *Softirqs) Raise(nr int) { s.pending |= 1 << nr }

// Pending is the bitmap of raised vectors (local_softirq_pending).
func (s *Softirqs) Pending() uint32 { return s.pending }

// Counts returns the per-vector run counts (the CPU0 column of /proc/softirqs).
func (s *Softirqs) Counts() [NrSoftirqs]uint64 { return s.counts }

// DoSoftirq is __do_softirq: it takes the pending bitmap, runs each raised
// vector in order, and restarts while actions raised more, up to
// MaxSoftirqRestart passes. It reports whether work is left for ksoftirqd.
//
// Preconditions: the caller holds the CPU and is not in hard-irq context.
func (s *Softirqs) DoSoftirq() (leftover bool) {
	for restart := 0; s.pending != 0; restart++ {
		if restart == MaxSoftirqRestart {
			return true
		}
		p := s.pending
		s.pending = 0
		for nr := 0; nr < NrSoftirqs; nr++ {
			if p&(1<<nr) == 0 {
				continue
			}
			s.counts[nr]++
			if s.OnEntry != nil {
				s.OnEntry(nr)
			}
			if a := s.actions[nr]; a != nil {
				a()
			}
			if s.OnExit != nil {
				s.OnExit(nr)
			}
		}
	}
	return false
}

// Tasklet is a deferred function run once from softirq context after it is
// scheduled (struct tasklet_struct). Scheduling a tasklet that is already
// scheduled does nothing, as TASKLET_STATE_SCHED ensures in Linux.
type Tasklet struct {
	Name      string
	Func      func()
	scheduled bool
	Runs      uint64
}

// TaskletSchedule queues t on the TASKLET vector (tasklet_schedule).
func (s *Softirqs) TaskletSchedule(t *Tasklet) { s.schedule(&s.tasklets, TaskletSoftirq, t) }

// TaskletHiSchedule queues t on the HI vector (tasklet_hi_schedule).
func (s *Softirqs) TaskletHiSchedule(t *Tasklet) { s.schedule(&s.hiTasklets, HISoftirq, t) }

func (s *Softirqs) schedule(list *[]*Tasklet, nr int, t *Tasklet) {
	if t.scheduled {
		return
	}
	t.scheduled = true
	*list = append(*list, t)
	s.Raise(nr)
}

// runTasklets runs a detached list (tasklet_action_common). A tasklet
// scheduled while the list runs goes on the fresh list and raises the
// vector again.
func runTasklets(list []*Tasklet) {
	for _, t := range list {
		t.scheduled = false
		t.Runs++
		t.Func()
	}
}
