package sched

import "fmt"

// Priorities (include/linux/sched/prio.h). A task's prio is 0-99 for the
// real-time classes (lower is more important) and 100-139 for the fair
// class, where static_prio = 120 + nice.
const (
	MaxNice     = 19
	MinNice     = -20
	MaxRTPrio   = 100
	MaxPrio     = MaxRTPrio + 40
	DefaultPrio = MaxRTPrio + 20
)

// Policies (include/uapi/linux/sched.h).
const (
	Normal = 0 // SCHED_NORMAL (SCHED_OTHER)
	FIFO   = 1
	RR     = 2
	Batch  = 3
	Idle   = 5 // SCHED_IDLE: the fair class at the lowest weight
)

// PolicyName is the SCHED_* name of a policy.
func PolicyName(p int) string {
	switch p {
	case Normal:
		return "SCHED_OTHER"
	case FIFO:
		return "SCHED_FIFO"
	case RR:
		return "SCHED_RR"
	case Batch:
		return "SCHED_BATCH"
	case Idle:
		return "SCHED_IDLE"
	case 6:
		return "SCHED_DEADLINE"
	}
	return "?"
}

// ValidPolicy reports whether kplay schedules policy p (SCHED_DEADLINE is
// not implemented).
func ValidPolicy(p int) bool {
	return p == Normal || p == FIFO || p == RR || p == Batch || p == Idle
}

// RTPolicy reports whether p is a real-time policy.
func RTPolicy(p int) bool { return p == FIFO || p == RR }

// NiceToPrio is NICE_TO_PRIO.
func NiceToPrio(nice int) int { return nice + DefaultPrio }

// PrioToNice is PRIO_TO_NICE.
func PrioToNice(prio int) int { return prio - DefaultPrio }

// NiceZeroLoad is the weight of a nice-0 task (NICE_0_LOAD after
// scale_load_down).
const NiceZeroLoad = 1024

// PrioToWeight is sched_prio_to_weight (kernel/sched/core.c): nice -20 to
// 19. Each step is about 10% of CPU time: the ratio between neighbours is
// about 1.25.
var PrioToWeight = [40]int64{
	/* -20 */ 88761, 71755, 56483, 46273, 36291,
	/* -15 */ 29154, 23254, 18705, 14949, 11916,
	/* -10 */ 9548, 7620, 6100, 4904, 3906,
	/*  -5 */ 3121, 2501, 1991, 1586, 1277,
	/*   0 */ 1024, 820, 655, 526, 423,
	/*   5 */ 335, 272, 215, 172, 137,
	/*  10 */ 110, 87, 70, 56, 45,
	/*  15 */ 36, 29, 23, 18, 15,
}

// PrioToWmult is sched_prio_to_wmult: 2^32 / weight, precomputed so that
// a division becomes a multiplication.
var PrioToWmult = [40]uint32{
	/* -20 */ 48388, 59856, 76040, 92818, 118348,
	/* -15 */ 147320, 184698, 229616, 287308, 360437,
	/* -10 */ 449829, 563644, 704093, 875809, 1099582,
	/*  -5 */ 1376151, 1717300, 2157191, 2708050, 3363326,
	/*   0 */ 4194304, 5237765, 6557202, 8165337, 10153587,
	/*   5 */ 12820798, 15790321, 19976592, 24970740, 31350126,
	/*  10 */ 39045157, 49367440, 61356676, 76695844, 95443717,
	/*  15 */ 119304647, 148102320, 186737708, 238609294, 286331153,
}

// SCHED_IDLE's weight and its inverse (WEIGHT_IDLEPRIO, WMULT_IDLEPRIO).
const (
	WeightIdlePrio = 3
	WmultIdlePrio  = 1431655765
)

// wmultConst is WMULT_CONST, ~0U; wmultShift is WMULT_SHIFT.
const (
	wmultConst = 0xffffffff
	wmultShift = 32
)

// PickKind is which rule chose the next entity.
type PickKind uint8

// The rules a class picks by.
const (
	PickNone      PickKind = iota
	PickLeftmost           // CFS: the leftmost of the timeline
	PickYieldSkip          // CFS: the second, since the leftmost yielded
	PickNextBuddy          // CFS: the next buddy (woke and preempted)
	PickLastBuddy          // CFS: the last buddy (preempted by a wakeup)
	PickRT                 // rt: the first of the highest priority list
	PickIdle               // idle: nothing else is runnable
)

// Pick says why a class chose the entity it did. It is a value, formatted
// only when someone reads it, so the switch path does no formatting.
type Pick struct {
	Kind       PickKind
	Vruntime   int64
	Nr         int // runnable entities (CFS) or in the priority list (rt)
	Prio       int
	RTPriority int
	// Runner is the vruntime the CFS pick was weighed against, when
	// HasRunner: for a leftmost pick the next entity in the tree (the
	// runner-up), for a skip or buddy pick the leftmost it beat.
	Runner    int64
	HasRunner bool
}

// String is the reason in words, as step switch prints it.
func (p Pick) String() string {
	switch p.Kind {
	case PickLeftmost:
		return fmt.Sprintf("leftmost vruntime %s ms of %d runnable", FormatNs(p.Vruntime), p.Nr)
	case PickYieldSkip:
		return fmt.Sprintf("vruntime %s ms: the leftmost yielded and this one is within the wakeup granularity", FormatNs(p.Vruntime))
	case PickNextBuddy:
		return fmt.Sprintf("next buddy (woke and preempted), vruntime %s ms", FormatNs(p.Vruntime))
	case PickLastBuddy:
		return fmt.Sprintf("last buddy (was preempted by a wakeup), vruntime %s ms", FormatNs(p.Vruntime))
	case PickRT:
		return fmt.Sprintf("highest rt priority: prio %d (rt_priority %d), first of %d at that priority", p.Prio, p.RTPriority, p.Nr)
	case PickIdle:
		return "nothing runnable: the idle class runs swapper"
	}
	return ""
}

// MarshalText makes a Pick a string in JSON.
func (p Pick) MarshalText() ([]byte, error) { return []byte(p.String()), nil }
