package repl

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"kplay/kernel"
)

var btCmd = &Command{
	Names:   []string{"bt"},
	Group:   "Inspection",
	Usage:   "bt [--json] [PID...]",
	Summary: "Show a task's kernel stack, innermost frame first (crash's bt).",
	Help: `
Every task keeps a shadow kernel stack of named frames, pushed where it
enters the kernel, blocks or is preempted, so a sleeping task shows why it
sleeps:

  #0 __schedule
  #1 schedule
  #2 schedule_timeout
  #3 do_nanosleep
  #4 __x64_sys_nanosleep
  #5 do_syscall_64
  #6 entry_SYSCALL_64_after_hwframe

With no PID it shows the task on the CPU. A user task that is computing
has no kernel frames; it says so.`,
	SeeAlso: []string{"task", "locks", "ps"},
	MaxArgs: -1,
	Flags:   jsonFlag,
	Run: func(s *Session, inv *Invocation) error {
		var bts []kernel.Backtrace
		pids, err := pidArgs(s, inv, "bt")
		if err != nil {
			return err
		}
		for _, pid := range pids {
			bt, err := s.K.Backtrace(pid)
			if err != nil {
				return usagef("bt: %v", err)
			}
			bts = append(bts, bt)
		}
		if inv.wantJSON() {
			return printJSON(inv.Out, bts)
		}
		for i, bt := range bts {
			if i > 0 {
				fmt.Fprintln(inv.Out)
			}
			fmt.Fprintf(inv.Out, "PID: %-7d CPU: 0   COMMAND: %q   STATE: %s\n", bt.PID, bt.Comm, bt.State)
			for n, f := range bt.Frames {
				fmt.Fprintf(inv.Out, "%3s %s\n", "#"+strconv.Itoa(n), f)
			}
			if bt.User {
				fmt.Fprintln(inv.Out, "    (in user mode: no kernel frames)")
			}
		}
		return nil
	},
}

var locksCmd = &Command{
	Names:   []string{"locks"},
	Group:   "Inspection",
	Usage:   "locks [--json]",
	Summary: "List the kernel's locks with their holders, waiters and counts.",
	Help: `
The kernel's spinlocks, mutexes, semaphores, completions and wait queues:
kind, state, holder, the tasks waiting (in order), how many times the lock
was taken and how many of those had to wait (lock_stat's acquisitions and
contentions). Wait queues and completions of tasks (wait_chldexit, which
wait4 sleeps on; vfork_done) are listed while someone waits on them.

On one CPU a spinlock only disables preemption (and, with _irqsave,
interrupt delivery): its holder is never preempted and nobody spins. A
mutex waiter sleeps in D and is handed the lock in FIFO order. locktorture
makes contention to look at.`,
	SeeAlso: []string{"bt", "locktorture", "ps"},
	MaxArgs: 0,
	Flags:   jsonFlag,
	Run: func(s *Session, inv *Invocation) error {
		locks := s.K.Locks()
		if inv.wantJSON() {
			return printJSON(inv.Out, locks)
		}
		var rows [][]string
		for _, l := range locks {
			holder := "-"
			if l.Holder != nil {
				holder = fmt.Sprintf("%s[%d]", l.Holder.Comm, l.Holder.PID)
			}
			var ws []string
			for _, w := range l.Waiters {
				ws = append(ws, fmt.Sprintf("%s[%d]", w.Comm, w.PID))
			}
			waiters := strings.Join(ws, " ")
			if waiters == "" {
				waiters = "-"
			}
			rows = append(rows, []string{l.Name, l.Kind, l.State, holder, waiters,
				strconv.FormatUint(l.Acquired, 10), strconv.FormatUint(l.Contended, 10)})
		}
		return RenderTable(inv.Out, []string{"LOCK", "KIND", "STATE", "HOLDER", "WAITERS", "ACQUIRED", "CONTENDED"}, rows, 5, 6)
	},
}

var locktortureCmd = &Command{
	Names:   []string{"locktorture"},
	Group:   "Kernel",
	Usage:   "locktorture start [--type T] [--writers N] [--hold DUR] | stop | stats",
	Summary: "Make lock contention to watch: writer kthreads hammering one lock.",
	Help: `
A deterministic version of Linux's locktorture module. start creates N
lock_torture_writer kernel threads (lock_torture_wr in ps) that each, for
ever: take the lock, busy-wait DUR in the kernel (mdelay), release it and
sleep one tick. --type is the torture_type:

  mutex_lock     torture_mutex: the holder can be preempted by the tick;
                 the others then sleep in D on it (locks, bt, ps show it)
  spin_lock      torture_spinlock: preemption is off while it is held; a
                 reschedule the tick asks for waits for the unlock
  spin_lock_irq  the same with spin_lock_irqsave: the tick itself waits

stats prints lock_torture_stats_print's line (Writes: Total, Max/Min per
writer, Fail: a writer that found another inside); stop ends the test
and prints it to dmesg as the module does at rmmod.`,
	SeeAlso: []string{"locks", "bt", "ps", "run"},
	MinArgs: 1, MaxArgs: 1,
	Flags: func(fs *pflag.FlagSet) {
		fs.String("type", "mutex_lock", "torture_type: "+strings.Join(kernel.LockTortureTypes, ", "))
		fs.Int("writers", 2, "nwriters_stress: writer threads (1-16)")
		fs.String("hold", "5ms", "how long each writer holds the lock")
	},
	Words: func(*Session, []string) []string { return []string{"start", "stats", "stop"} },
	Run: func(s *Session, inv *Invocation) error {
		switch inv.Args[0].Text {
		case "start":
			typ, _ := inv.Flags.GetString("type")
			n, _ := inv.Flags.GetInt("writers")
			h, _ := inv.Flags.GetString("hold")
			hold, err := parseDuration(h, s.K.Config().HZ)
			if err != nil {
				return usagef("locktorture --hold: %v", err)
			}
			if err := s.K.LockTortureStart(typ, n, hold); err != nil {
				return usagef("locktorture: %v", err)
			}
			fmt.Fprintf(inv.Out, "locktorture: %d lock_torture_writer threads on %s; run to let them go\n", n, typ)
		case "stop":
			line, err := s.K.LockTortureStop()
			if err != nil {
				return usagef("locktorture: %v", err)
			}
			fmt.Fprint(inv.Out, line)
		case "stats":
			line, ok := s.K.LockTortureStats()
			if !ok {
				return usagef("locktorture: no test has run (locktorture start)")
			}
			fmt.Fprint(inv.Out, line)
		default:
			return usagef("locktorture: %q: want start, stop or stats", inv.Args[0].Text)
		}
		return nil
	},
}
