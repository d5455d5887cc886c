package repl

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"kplay/kernel"
	"kplay/kernel/abi"
	"kplay/kernel/prog"
	"kplay/sched"
)

// policies maps --policy names to SCHED_* values.
var policies = map[string]int{
	"normal": sched.Normal, "other": sched.Normal, "batch": sched.Batch, "idle": sched.Idle,
	"fifo": sched.FIFO, "rr": sched.RR,
}

var policyNames = []string{"normal", "batch", "idle", "fifo", "rr"}

var spawnCmd = &Command{
	Names:   []string{"spawn"},
	Group:   "Kernel",
	Usage:   "spawn [--name N] [--nice N] [--policy P] [--rtprio P] [--uid U [--gid G] [--groups G,...]] [--] PROGRAM",
	Summary: "Start a simulated user process running a program.",
	Help: `
PROGRAM is a file to execve with its arguments (spawn /bin/sh -c "ls /";
/bin holds cat, echo, ls, sh, ...), the name of one of the language's
built-in programs below, or statements separated by ';' (quote the whole
program, or write it after --):

  compute DUR           burn CPU time in user mode (ticks and preemption
                        happen in the middle of it)
  sleep DUR             nanosleep
  yield                 sched_yield
  syscall NAME ARG...   a system call; ARG is an integer or "a string"
  fork { ... }          the child runs the block, then exits 0
  thread { ... }        a thread (CLONE_VM|CLONE_THREAD) runs the block
  wait                  wait4(-1, &status, 0, NULL)
  repeat N { ... }      the block N times
  forever { ... }       the block until the task dies
  exit CODE             exit_group(CODE)
  alloc SIZE            mmap SIZE bytes (64K, 10M) and write every page:
                        each write is a page fault; with no memory left
                        the OOM killer picks the biggest process
  exec PATH ARG...      execve(PATH, [name, ARG...], NULL): the program
                        is replaced (exec /bin/ls -l /proc/self/fd)

DUR is a number with a unit: ns, us, ms, s, or t (ticks). Every system call
costs 100 ns of CPU time and every loop iteration 10 ns, so no loop spins
without time passing.

Built-ins: cpu-hog, sleeper, pingpong, forker, zombie, orphan, yielder,
ticker, memhog; spawn --list prints their source.

The process is a child of init (the REPL's shell) in its own process group;
init reaps it when it exits. It is runnable but does not run until the
machine does: use run or step. --policy is normal, batch, idle, fifo or rr;
fifo and rr need --rtprio 1-99.

--uid runs the process as that user, as login or su would: its real,
effective, saved and fs uids are U, its gids G (U if --gid is not given),
and its supplementary groups the --groups list (none if not given). init
needs root's capabilities for that, so once init has dropped them (syscall
setuid 1000) it can only spawn as itself. spawn --uid 1000 /bin/id prints
uid=1000 gid=1000 groups=1000.`,
	SeeAlso: []string{"ps", "kill", "run", "runq"},
	MinArgs: 0,
	MaxArgs: -1,
	Flags: func(fs *pflag.FlagSet) {
		fs.String("name", "", "the process's name (comm)")
		fs.Int("nice", 0, "nice value, -20 to 19")
		fs.String("policy", "normal", "normal, batch, idle, fifo or rr")
		fs.Int("rtprio", 0, "real-time priority 1-99 (fifo, rr)")
		fs.Bool("list", false, "list the built-in programs and their source")
		fs.Int64("uid", 0, "run as this user (uid)")
		fs.Int64("gid", 0, "with --uid: the group (default: the uid)")
		fs.String("groups", "", "with --uid: supplementary groups, comma-separated")
	},
	FlagsFirst: true,
	Words: func(_ *Session, prev []string) []string {
		if len(prev) == 0 {
			return prog.BuiltinNames()
		}
		return nil
	},
	PathArgs: true,
	Run: func(s *Session, inv *Invocation) error {
		if l, _ := inv.Flags.GetBool("list"); l {
			if len(inv.Args) > 0 {
				return usagef("spawn --list takes no PROGRAM")
			}
			var rows [][]string
			for _, n := range prog.BuiltinNames() {
				p, _ := prog.Parse(n)
				rows = append(rows, []string{n, prog.Format(p.Body)})
			}
			return RenderTable(inv.Out, []string{"NAME", "PROGRAM"}, rows)
		}
		if len(inv.Args) == 0 {
			return usagef("spawn: a PROGRAM is required (try spawn cpu-hog, or spawn --list)")
		}
		var parts []string
		for _, a := range inv.Args {
			parts = append(parts, a.Text)
		}
		src := strings.Join(parts, " ")
		if len(parts) > 1 && slices.Contains(prog.BuiltinNames(), parts[0]) {
			return usagef("spawn: %s is a built-in program and takes no arguments (a file in /bin does: spawn /bin/sleep 5)", parts[0])
		}
		var o kernel.SpawnOptions
		if strings.HasPrefix(parts[0], "/") {
			o.Argv = parts // a file to execve, with its arguments as words
		}
		o.Name, _ = inv.Flags.GetString("name")
		o.Nice, _ = inv.Flags.GetInt("nice")
		o.RTPrio, _ = inv.Flags.GetInt("rtprio")
		pol, _ := inv.Flags.GetString("policy")
		p, ok := policies[strings.ToLower(pol)]
		if !ok {
			return usagef("spawn --policy %q: want one of %s", pol, strings.Join(policyNames, ", "))
		}
		o.Policy = p
		as, err := spawnCreds(inv)
		if err != nil {
			return err
		}
		o.As = as
		pid, err := s.K.Spawn(src, o)
		if err != nil {
			return usagef("spawn: %v", err)
		}
		t, _ := s.K.Task(pid)
		fmt.Fprintf(inv.Out, "[%d] %s: %s, nice %d, prio %d\n", pid, t.Comm, sched.PolicyName(t.Policy), t.Nice, t.Prio)
		return nil
	},
}

// spawnCreds reads spawn's --uid, --gid and --groups: nil without --uid.
func spawnCreds(inv *Invocation) (*kernel.SpawnCreds, error) {
	if !inv.Flags.Changed("uid") {
		if inv.Flags.Changed("gid") || inv.Flags.Changed("groups") {
			return nil, usagef("spawn: --gid and --groups go with --uid")
		}
		return nil, nil
	}
	uid, _ := inv.Flags.GetInt64("uid")
	gid := uid
	if inv.Flags.Changed("gid") {
		gid, _ = inv.Flags.GetInt64("gid")
	}
	c := &kernel.SpawnCreds{UID: int(uid), GID: int(gid)}
	if list, _ := inv.Flags.GetString("groups"); list != "" {
		for _, f := range strings.Split(list, ",") {
			g, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
			if err != nil {
				return nil, usagef("spawn --groups %q: want gids separated by commas", list)
			}
			c.Groups = append(c.Groups, int(g))
		}
	}
	return c, nil
}

var killCmd = &Command{
	Names:   []string{"kill"},
	Group:   "Kernel",
	Usage:   "kill [-SIGNAL | -s SIGNAL | -l] [--] PID...",
	Summary: "Send a signal to processes (SIGTERM by default).",
	Help: `
SIGNAL is a name (TERM, SIGKILL, STOP) or a number, as kill(1) takes it; the
default is TERM. The signal is sent from the front end, as SysRq would, so
it reaches a process even when init cannot run. It takes its default action
when the process next returns to user mode: TERM and KILL kill it, STOP
stops it (T), CONT continues it; a process asleep in nanosleep or wait4 is
woken for a fatal signal. Kernel threads and init ignore signals, as in
Linux. kill -l lists the signal names. A PID that does not exist is
reported and the others are still signalled. To make the kill(2) system
call instead (pid 0, -1 and -PGID too): syscall kill PID SIG.`,
	SeeAlso: []string{"spawn", "ps", "syscall"},
	MinArgs: 1,
	MaxArgs: -1,
	RawArgs: true,
	Run: func(s *Session, inv *Invocation) error {
		sig := abi.SIGTERM
		args := inv.Args
		switch args[0].Text {
		case "-l", "-L":
			// kill -l lists the names, as util-linux prints them.
			var names []string
			for n := 1; n <= 31; n++ {
				names = append(names, strings.TrimPrefix(abi.SignalName(n), "SIG"))
			}
			fmt.Fprintln(inv.Out, strings.Join(names[:16], " "))
			fmt.Fprintln(inv.Out, strings.Join(names[16:], " "))
			return nil
		case "-s":
			if len(args) < 2 {
				return usagef("kill -s: a SIGNAL is required")
			}
			args = append([]Token{{Text: "-" + args[1].Text}}, args[2:]...)
		}
		if args[0].Text == "--" {
			args = args[1:]
		} else if strings.HasPrefix(args[0].Text, "-") {
			n, ok := abi.SignalNumber(args[0].Text[1:])
			if !ok {
				return usagef("kill: %s: invalid signal specification", args[0].Text)
			}
			sig, args = n, args[1:]
		}
		if len(args) == 0 {
			return usagef("kill: a PID is required")
		}
		// Like kill(1), go on past a bad PID and fail at the end.
		var bad []string
		for _, a := range args {
			pid, err := strconv.Atoi(a.Text)
			if err != nil {
				bad = append(bad, fmt.Sprintf("kill: %s: arguments must be process IDs", a.Text))
				continue
			}
			if err := s.K.Kill(pid, sig); err != nil {
				bad = append(bad, err.Error())
			}
		}
		if len(bad) > 0 {
			return usagef("%s", strings.Join(bad, "; "))
		}
		return nil
	},
}

// cls is ps's CLS column for a policy.
func cls(policy int) string {
	switch policy {
	case sched.Normal:
		return "TS"
	case sched.FIFO:
		return "FF"
	case sched.RR:
		return "RR"
	case sched.Batch:
		return "B"
	case sched.Idle:
		return "IDL"
	}
	return "?"
}

// timePlus is top's TIME+ column: minutes:seconds.hundredths.
func timePlus(ns int64) string {
	cs := ns / 1e7
	return fmt.Sprintf("%d:%02d.%02d", cs/6000, cs/100%60, cs%100)
}

var psCmd = &Command{
	Names:   []string{"ps"},
	Group:   "Inspection",
	Usage:   "ps [--json]",
	Summary: "List the tasks (task_struct), kernel threads in brackets.",
	Help: `
Columns as crash's ps, with ps's scheduling columns: > marks the task on the
CPU; ST is the state letter (R running or runnable, S sleeping, D
uninterruptible, T stopped, Z zombie); CLS the policy (TS normal, B batch,
IDL idle, FF fifo, RR round robin); PRI task_struct.prio (0-99 real-time,
100-139 normal: 120 + nice; lower runs first); NI the nice value; TIME+ the
CPU time as top prints it: sum_exec_runtime, which utime + stime add up to
once Linux scales the tick samples (cputime_adjust), so a task that always
sleeps before the tick still shows the time it ran. --json has every field,
including the context-switch counts and times in ns.`,
	SeeAlso: []string{"task", "pstree", "runq", "status"},
	MaxArgs: 0,
	Flags:   jsonFlag,
	Run: func(s *Session, inv *Invocation) error {
		tasks := s.K.Tasks()
		if inv.wantJSON() {
			return printJSON(inv.Out, tasks)
		}
		var rows [][]string
		for _, t := range tasks {
			st := t.State
			switch st {
			case "R":
				st = s.green.Sprint(st)
			case "D", "T":
				st = s.yellow.Sprint(st)
			case "Z", "X":
				st = s.red.Sprint(st)
			}
			cur := ""
			if t.OnCPU {
				cur = ">"
			}
			rows = append(rows, []string{
				cur, strconv.Itoa(t.PID), strconv.Itoa(t.PPID), st, cls(t.Policy),
				strconv.Itoa(t.Prio), strconv.Itoa(t.Nice), timePlus(t.SumExecNs),
				taskName(t.Comm, t.Kthread),
			})
		}
		return RenderTable(inv.Out, []string{"", "PID", "PPID", "ST", "CLS", "PRI", "NI", "TIME+", "COMM"}, rows, 1, 2, 5, 6, 7)
	},
}
