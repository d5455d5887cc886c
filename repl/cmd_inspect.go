package repl

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"kplay/kernel"
	"kplay/sched"
)

// pidArg parses a PID argument.
func pidArg(cmd, text string) (int, error) {
	pid, err := strconv.Atoi(text)
	if err != nil || pid < 0 {
		return 0, usagef("%s: %q is not a PID", cmd, text)
	}
	return pid, nil
}

// pidArgs parses a command's PID arguments; none means the task on the
// CPU, as crash takes it.
func pidArgs(s *Session, inv *Invocation, cmd string) ([]int, error) {
	pids := []int{}
	for _, a := range inv.Args {
		pid, err := pidArg(cmd, a.Text)
		if err != nil {
			return nil, err
		}
		pids = append(pids, pid)
	}
	if len(pids) == 0 {
		pids = append(pids, s.K.Current().PID)
	}
	return pids, nil
}

// cValue renders a field's value as crash prints C values.
func cValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "0x0"
	case string:
		if strings.HasPrefix(x, "0x") {
			return x
		}
		return strconv.Quote(x)
	case []int:
		var parts []string
		for _, n := range x {
			parts = append(parts, strconv.Itoa(n))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []string:
		var parts []string
		for _, s := range x {
			parts = append(parts, strconv.Quote(s))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

func (s *Session) taskHeader(w io.Writer, ts kernel.TaskStruct) {
	fmt.Fprintf(w, "PID: %-7d CPU: 0   COMMAND: %q%s\n", ts.PID, ts.Comm, map[bool]string{true: "   (on the CPU)"}[ts.OnCPU])
}

func (s *Session) fieldLine(w io.Writer, f kernel.Field) {
	note := ""
	if f.Note != "" {
		note = "  " + s.cyan.Sprint("/* "+f.Note+" */")
	}
	fmt.Fprintf(w, "  %s = %s,%s\n", f.Name, cValue(f.Value), note)
}

var taskCmd = &Command{
	Names:   []string{"task"},
	Group:   "Inspection",
	Usage:   "task [-R MEMBER,...] [--json] [PID...]",
	Summary: "Print a task's task_struct, grouped (crash's task).",
	Help: `
With no PID it shows the task on the CPU. Members carry Linux's names,
with the path through embedded structs: se.vruntime is
task_struct.se.vruntime, cred.uid is task->cred->uid. Times are in ns.
-R prints only the named members, as crash's task -R does:

  task 6 -R prio,static_prio,se.vruntime

kplay's objects have no kernel addresses yet, so pointers (mm, parent)
print what they point at, and NULL as 0x0.`,
	SeeAlso: []string{"ps", "pstree", "runq", "bt"},
	MaxArgs: -1,
	Flags: func(fs *pflag.FlagSet) {
		fs.StringSliceP("members", "R", nil, "only these members (comma-separated)")
		jsonFlag(fs)
	},
	Run: func(s *Session, inv *Invocation) error {
		pids, err := pidArgs(s, inv, "task")
		if err != nil {
			return err
		}
		var members []string
		named, _ := inv.Flags.GetStringSlice("members")
		for _, m := range named {
			if m = strings.TrimSpace(m); m != "" {
				members = append(members, m)
			}
		}
		if inv.Flags.Changed("members") && len(members) == 0 {
			return usagef("task: -R wants member names (task -R prio,se.vruntime)")
		}
		var all []kernel.TaskStruct
		for _, pid := range pids {
			ts, err := s.K.TaskStruct(pid)
			if err != nil {
				return usagef("task: %v", err)
			}
			if len(members) > 0 {
				fs, err := ts.Lookup(members)
				if err != nil {
					return usagef("task: %v", err)
				}
				ts.Groups = []kernel.FieldGroup{{Name: "selected", Fields: fs}}
			}
			all = append(all, ts)
		}
		if inv.wantJSON() {
			if len(all) == 1 {
				return printJSON(inv.Out, all[0])
			}
			return printJSON(inv.Out, all)
		}
		for i, ts := range all {
			if i > 0 {
				fmt.Fprintln(inv.Out)
			}
			s.taskHeader(inv.Out, ts)
			if len(members) > 0 {
				for _, f := range ts.Groups[0].Fields {
					s.fieldLine(inv.Out, f)
				}
				continue
			}
			fmt.Fprintln(inv.Out, "struct task_struct {")
			for _, g := range ts.Groups {
				fmt.Fprintln(inv.Out, "  "+s.bold.Sprint("/* "+g.Name+" */"))
				for _, f := range g.Fields {
					s.fieldLine(inv.Out, f)
				}
			}
			fmt.Fprintln(inv.Out, "}")
		}
		return nil
	},
}

var pstreeCmd = &Command{
	Names:   []string{"pstree"},
	Group:   "Inspection",
	Usage:   "pstree [--json]",
	Summary: "Show the process tree with pids (pstree -p).",
	Help: `
The trees under swapper: init (pid 1, the REPL's shell, parent of spawned
processes and of orphans) and kthreadd (pid 2, parent of the kernel
threads). Threads are folded into their process as N*[{comm}], as pstree
does without -p for threads.`,
	SeeAlso: []string{"ps", "task", "spawn"},
	MaxArgs: 0,
	Flags:   jsonFlag,
	Run: func(s *Session, inv *Invocation) error {
		roots := s.K.ProcessTree()
		if inv.wantJSON() {
			return printJSON(inv.Out, roots)
		}
		for _, r := range roots {
			for _, l := range pstreeLines(r) {
				fmt.Fprintln(inv.Out, l)
			}
		}
		return nil
	},
}

// pstreeLines draws a tree as pstree does: the first child on the
// parent's line, the others below it, joined by box-drawing lines.
func pstreeLines(n *kernel.TreeNode) []string {
	label := fmt.Sprintf("%s(%d)", n.Comm, n.PID)
	var kids [][]string
	for _, c := range n.Children {
		kids = append(kids, pstreeLines(c))
	}
	if n.Threads > 1 {
		kids = append(kids, []string{fmt.Sprintf("%d*[{%s}]", n.Threads-1, n.Comm)})
	}
	if len(kids) == 0 {
		return []string{label}
	}
	pad := strings.Repeat(" ", len([]rune(label)))
	var out []string
	for i, k := range kids {
		var first, rest string
		switch {
		case len(kids) == 1:
			first, rest = "───", "   "
		case i == 0:
			first, rest = "─┬─", " │ "
		case i == len(kids)-1:
			first, rest = " └─", "   "
		default:
			first, rest = " ├─", " │ "
		}
		for j, l := range k {
			switch {
			case i == 0 && j == 0:
				out = append(out, label+first+l)
			case j == 0:
				out = append(out, pad+first+l)
			default:
				out = append(out, pad+rest+l)
			}
		}
	}
	return out
}

var runqCmd = &Command{
	Names:   []string{"runq"},
	Group:   "Inspection",
	Usage:   "runq [--json]",
	Summary: "Show the run queue: current, the RT priority arrays, the CFS tree (crash's runq).",
	Help: `
As crash's runq: CURRENT is the task on the CPU; RT PRIO_ARRAY lists the
non-empty lists of the real-time class by prio (0 is rt_priority 99),
each in FIFO order; CFS RB_ROOT lists the fair class's red-black tree in
vruntime order, leftmost (the next pick) first, with each task's vruntime
and load weight. The running fair task is cfs_rq->curr, outside the tree,
as in Linux. min_vruntime only moves forward.`,
	SeeAlso: []string{"ps", "task", "step", "sysctl"},
	MaxArgs: 0,
	Flags:   jsonFlag,
	Run: func(s *Session, inv *Invocation) error {
		rq := s.K.RunQueue()
		if inv.wantJSON() {
			return printJSON(inv.Out, rq)
		}
		w := inv.Out
		fmt.Fprintf(w, "CPU 0 RUNQUEUE: clock %s s, nr_running %d, nr_switches %d\n", secs(rq.Clock), rq.NrRunning, rq.NrSwitches)
		fmt.Fprintf(w, "  CURRENT: PID: %-6d COMMAND: %q\n", rq.Current.PID, rq.Current.Comm)
		fmt.Fprintln(w, "  RT PRIO_ARRAY:")
		if len(rq.RT) == 0 {
			fmt.Fprintln(w, "     [no tasks queued]")
		}
		for _, q := range rq.RT {
			for _, e := range q.Tasks {
				fmt.Fprintf(w, "     [%3d] PID: %-6d COMMAND: %q\n", q.Prio, e.PID, e.Comm)
			}
		}
		c := rq.CFS
		fmt.Fprintf(w, "  CFS RB_ROOT: nr_running %d, load %d, min_vruntime %s ms\n", c.NrRunning, c.Load, sched.FormatNs(c.MinVruntime))
		if c.Curr != nil {
			fmt.Fprintf(w, "     curr  PID: %-6d COMMAND: %-18q vruntime %14s ms  weight %d\n", c.Curr.PID, c.Curr.Comm, sched.FormatNs(c.Curr.Vruntime), c.Curr.Weight)
		}
		if len(c.Tree) == 0 {
			fmt.Fprintln(w, "     [no tasks queued]")
		}
		for _, e := range c.Tree {
			fmt.Fprintf(w, "     [%3d] PID: %-6d COMMAND: %-18q vruntime %14s ms  weight %d\n", e.Prio, e.PID, e.Comm, sched.FormatNs(e.Vruntime), e.Weight)
		}
		return nil
	},
}
