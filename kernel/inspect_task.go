package kernel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"kplay/kernel/abi"
	"kplay/sched"
)

// Field is one task_struct member as crash prints it: the C name (with
// the path through embedded structs, "se.vruntime") and its value, which is
// an integer, a string, a list of pids, or nil for a NULL pointer. Note is
// the decoded meaning ("TASK_INTERRUPTIBLE", "PF_KTHREAD").
type Field struct {
	Name  string
	Value any
	Note  string
}

// FieldGroup is a named run of fields (identity, scheduling...).
type FieldGroup struct {
	Name   string
	Fields []Field
}

// TaskStruct is one task's task_struct, grouped.
type TaskStruct struct {
	PID    int
	Comm   string
	OnCPU  bool
	Groups []FieldGroup
}

// MarshalJSON writes the groups as objects keyed by field name, in order:
// {"pid": 6, "comm": "hog", "scheduling": {"prio": 120, ...}, ...}.
func (ts TaskStruct) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"pid":%d,"comm":%q,"on_cpu":%t`, ts.PID, ts.Comm, ts.OnCPU)
	for _, g := range ts.Groups {
		fmt.Fprintf(&b, ",%q:{", g.Name)
		for i, f := range g.Fields {
			v, err := json.Marshal(f.Value)
			if err != nil {
				return nil, err
			}
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%q:%s", f.Name, v)
		}
		b.WriteByte('}')
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Lookup finds fields by name, as crash's task -R takes them; an unknown
// name is an error that lists the names there are.
func (ts TaskStruct) Lookup(names []string) ([]Field, error) {
	var out []Field
	for _, n := range names {
		found := false
		for _, g := range ts.Groups {
			for _, f := range g.Fields {
				if f.Name == n {
					out = append(out, f)
					found = true
				}
			}
		}
		if !found {
			return nil, errInvalid("task_struct has no member %q (members: %s)", n, strings.Join(ts.names(), ", "))
		}
	}
	return out, nil
}

func (ts TaskStruct) names() []string {
	var out []string
	for _, g := range ts.Groups {
		for _, f := range g.Fields {
			out = append(out, f.Name)
		}
	}
	return out
}

// taskDead is TASK_DEAD, the __state of a task that has exited.
const taskDead = 0x80

// pfNames are the PF_* flags kplay sets, with Linux's values.
var pfNames = []struct {
	bit  uint32
	name string
}{{pfIdle, "PF_IDLE"}, {pfExiting, "PF_EXITING"}, {pfKthread, "PF_KTHREAD"}}

func flagNames(flags uint32) string {
	var out []string
	for _, f := range pfNames {
		if flags&f.bit != 0 {
			out = append(out, f.name)
		}
	}
	return strings.Join(out, "|")
}

// stateName is the TASK_* / EXIT_* name of a state.
func stateName(s TaskState) string {
	switch s {
	case TaskRunning:
		return "TASK_RUNNING"
	case TaskInterruptible:
		return "TASK_INTERRUPTIBLE"
	case TaskUninterruptible:
		return "TASK_UNINTERRUPTIBLE"
	case TaskStopped:
		return "__TASK_STOPPED"
	case TaskTraced:
		return "__TASK_TRACED"
	case ExitDead:
		return "EXIT_DEAD"
	case ExitZombie:
		return "EXIT_ZOMBIE"
	}
	return ""
}

// className is the sched_class a class implements.
func className(c sched.Class) string {
	if c == nil {
		return ""
	}
	return c.Name() + "_sched_class"
}

func taskLabel(t *Task) string {
	if t == nil {
		return ""
	}
	return fmt.Sprintf("%d (%s)", t.PID, t.Comm)
}

// ptr is a pointer field: nil prints as NULL; otherwise a description of
// what it points at, since kplay's objects have no kernel addresses yet.
func ptr(ok bool, what string) any {
	if !ok {
		return nil
	}
	return what
}

// sigNames lists the signals in a pending mask.
func sigNames(mask uint64) string {
	var out []string
	for s := 1; s <= abi.NSIG; s++ {
		if mask&(1<<(s-1)) != 0 {
			out = append(out, abi.SignalName(s))
		}
	}
	return strings.Join(out, " ")
}

// TaskStruct returns the task_struct of pid.
func (k *Kernel) TaskStruct(pid int) (TaskStruct, error) {
	t := k.tasks[pid]
	if t == nil {
		return TaskStruct{}, errInvalid("no task with pid %d (ps lists them)", pid)
	}
	se := &t.se
	var children []int
	for _, c := range t.Children {
		children = append(children, c.PID)
	}
	// A dead task's __state is TASK_DEAD and its exit_state says zombie
	// or dead (do_task_dead, exit_notify).
	state, stateNote, exitState := int(t.State), stateName(t.State), TaskState(0)
	if t.State == ExitZombie || t.State == ExitDead {
		state, stateNote, exitState = taskDead, "TASK_DEAD", t.State
	}
	threads := len(k.groupTasks(t, true))
	leader := k.tasks[t.TGID]
	var fds []string
	fileCount := 0
	if t.Files != nil {
		fileCount = t.Files.usage.read()
		for fd, f := range t.Files.fds {
			if f != nil {
				fds = append(fds, fmt.Sprintf("%d %s", fd, k.fileName(f)))
			}
		}
	}
	activeMM := "borrowed"
	if t.ActiveMM != nil && t.ActiveMM == t.MM {
		activeMM = "the task's own mm"
	}
	g := []FieldGroup{
		{"identity", []Field{
			{"pid", t.PID, ""},
			{"tgid", t.TGID, ""},
			{"comm", t.Comm, ""},
			{"__state", state, stateNote},
			{"exit_state", int(exitState), map[bool]string{true: stateName(exitState)}[exitState != 0]},
			{"flags", fmt.Sprintf("0x%08x", t.Flags), flagNames(t.Flags)},
			{"exit_code", t.ExitCode, ""},
			{"exit_signal", t.exitSignal, abi.SignalName(t.exitSignal)},
		}},
		{"family", []Field{
			{"real_parent", ptr(t.Parent != nil, taskLabel(t.Parent)), ""},
			{"parent", ptr(t.Parent != nil, taskLabel(t.Parent)), ""},
			{"group_leader", ptr(leader != nil, taskLabel(leader)), ""},
			{"children", children, ""},
			{"signal.nr_threads", threads, ""},
			{"signal.pgrp", t.PGID, ""},
		}},
		{"scheduling", []Field{
			{"sched_class", className(se.Class()), ""},
			{"policy", se.Policy, sched.PolicyName(se.Policy)},
			{"prio", se.Prio, ""},
			{"static_prio", se.StaticPrio, fmt.Sprintf("nice %d", se.Nice())},
			{"normal_prio", se.NormalPrio, ""},
			{"rt_priority", se.RTPriority, ""},
			{"on_rq", boolInt(se.OnRQ()), ""},
			{"on_cpu", boolInt(t == k.current), ""},
			{"se.load.weight", se.Weight, ""},
			{"se.vruntime", se.Vruntime, sched.FormatNs(se.Vruntime) + " ms"},
			{"se.exec_start", se.ExecStart, ""},
			{"se.sum_exec_runtime", se.SumExecRuntime, sched.FormatNs(se.SumExecRuntime) + " ms"},
			{"se.prev_sum_exec_runtime", se.PrevSumExecRuntime, ""},
			{"rt.time_slice", se.TimeSlice, "ticks"},
			{"sched_info.pcount", se.Pcount, ""},
			{"sched_info.run_delay", se.RunDelay, ""},
			{"sched_info.last_arrival", se.LastArrival, ""},
			{"nvcsw", t.Nvcsw, "voluntary switches"},
			{"nivcsw", t.Nivcsw, "involuntary switches"},
		}},
		{"time", []Field{
			{"utime", t.Utime, "ns"},
			{"stime", t.Stime, "ns"},
			{"signal.cutime", t.Cutime, "ns"},
			{"signal.cstime", t.Cstime, "ns"},
			{"start_time", t.StartTime, "ns since boot"},
		}},
		{"memory", []Field{
			{"mm", ptr(t.MM != nil, "the task's own mm"), ""},
			{"active_mm", ptr(t.ActiveMM != nil, activeMM), ""},
		}},
		{"credentials", credFields(t)},
		{"files", []Field{
			{"files.count", fileCount, ""},
			{"files.fd", fds, ""},
		}},
		{"signals", []Field{
			{"pending.signal", fmt.Sprintf("0x%016x", t.pendingSignals), sigNames(t.pendingSignals)},
			{"jobctl.stop", boolInt(t.groupStop), map[bool]string{true: abi.SignalName(t.stopSig)}[t.stopSig != 0]},
		}},
	}
	return TaskStruct{PID: t.PID, Comm: t.Comm, OnCPU: t == k.current, Groups: g}, nil
}

// RunQueueInfo is the CPU's run queue as crash's runq shows it.
type RunQueueInfo struct {
	Clock      int64        `json:"clock_ns"`
	NrRunning  int          `json:"nr_running"`
	NrSwitches uint64       `json:"nr_switches"`
	Current    RunqEntity   `json:"current"`
	RT         []RTQueue    `json:"rt"`
	CFS        CFSQueueInfo `json:"cfs"`
}

// RunqEntity is a task on the run queue.
type RunqEntity struct {
	PID      int    `json:"pid"`
	Comm     string `json:"comm"`
	Class    string `json:"class"`
	Prio     int    `json:"prio"`
	Vruntime int64  `json:"vruntime_ns"`
	Weight   int64  `json:"weight"`
	SumExec  int64  `json:"sum_exec_runtime_ns"`
}

// RTQueue is one non-empty priority list of the RT class.
type RTQueue struct {
	Prio  int          `json:"prio"`
	Tasks []RunqEntity `json:"tasks"`
}

// CFSQueueInfo is the fair class's cfs_rq.
type CFSQueueInfo struct {
	NrRunning   int          `json:"nr_running"`
	Load        int64        `json:"load_weight"`
	MinVruntime int64        `json:"min_vruntime_ns"`
	Curr        *RunqEntity  `json:"curr"`
	Tree        []RunqEntity `json:"tree"`
}

func (k *Kernel) runqEntity(e *sched.Entity) RunqEntity {
	t := e.Owner.(*Task)
	return RunqEntity{PID: t.PID, Comm: t.Comm, Class: e.Class().Name(), Prio: e.Prio,
		Vruntime: e.Vruntime, Weight: e.Weight, SumExec: e.SumExecRuntime}
}

// RunQueue returns the run queue: the current task, the RT priority
// arrays that hold tasks, and the CFS tree in vruntime order.
func (k *Kernel) RunQueue() RunQueueInfo {
	rq := k.rq
	info := RunQueueInfo{Clock: rq.Clock, NrRunning: rq.NrRunning(), NrSwitches: rq.NrSwitches,
		Current: k.runqEntity(&k.current.se)}
	for p := 0; p < sched.MaxRTPrio; p++ {
		q := rq.RT.Queue(p)
		if len(q) == 0 {
			continue
		}
		rt := RTQueue{Prio: p}
		for _, e := range q {
			rt.Tasks = append(rt.Tasks, k.runqEntity(e))
		}
		info.RT = append(info.RT, rt)
	}
	if f, ok := rq.Fair.(*sched.Fair); ok {
		info.CFS = CFSQueueInfo{NrRunning: f.NrRunning(), Load: f.Load(), MinVruntime: f.MinVruntime, Tree: []RunqEntity{}}
		if c := f.Curr(); c != nil {
			e := k.runqEntity(c)
			info.CFS.Curr = &e
		}
		for _, e := range f.Timeline() {
			info.CFS.Tree = append(info.CFS.Tree, k.runqEntity(e))
		}
	}
	return info
}

// TreeNode is a process in the process tree (pstree).
type TreeNode struct {
	PID      int         `json:"pid"`
	Comm     string      `json:"comm"`
	State    string      `json:"state"`
	Threads  int         `json:"threads"`
	Children []*TreeNode `json:"children"`
}

// ProcessTree returns the tree of processes under swapper's children
// (init and kthreadd), threads folded into their group leader as pstree
// shows them.
func (k *Kernel) ProcessTree() []*TreeNode {
	threads := map[int]int{}
	for _, t := range k.tasks {
		threads[t.TGID]++
	}
	var build func(t *Task) *TreeNode
	build = func(t *Task) *TreeNode {
		n := &TreeNode{PID: t.PID, Comm: t.Comm, State: t.State.Letter(), Threads: threads[t.TGID], Children: []*TreeNode{}}
		kids := append([]*Task(nil), t.Children...)
		sort.Slice(kids, func(i, j int) bool { return kids[i].PID < kids[j].PID })
		for _, c := range kids {
			if c.PID == c.TGID { // threads are folded into their leader
				n.Children = append(n.Children, build(c))
			}
		}
		return n
	}
	var roots []*TreeNode
	for _, t := range k.sortedTasks() {
		if t != k.idle && (t.Parent == nil || t.Parent == k.idle) {
			roots = append(roots, build(t))
		}
	}
	return roots
}

// Current is the task on the CPU.
func (k *Kernel) Current() TaskRef { return k.ref(k.current) }
