package repl

import (
	"fmt"
	"strconv"
	"strings"

	"kplay/sched"
)

var reniceCmd = &Command{
	Names:   []string{"renice"},
	Group:   "Kernel",
	Usage:   "renice [-n] N [-p] PID...",
	Summary: "Change the nice value of processes, as renice(1) does.",
	Help: `
Sets the nice value (-20 to 19) of each process, from the front end, and
prints renice(1)'s line for each. A running fair task's share changes at
once: its weight is sched_prio_to_weight[nice + 20]. To make the
setpriority(2) system call instead: syscall setpriority 0 PID N.`,
	SeeAlso: []string{"chrt", "ps", "spawn"},
	MinArgs: 2, MaxArgs: -1,
	RawArgs: true,
	Run: func(s *Session, inv *Invocation) error {
		args := words(inv.Args)
		if len(args) > 0 && args[0] == "-n" {
			args = args[1:]
		}
		if len(args) < 2 {
			return usagef("usage: %s", inv.Cmd.Usage)
		}
		nice, err := strconv.Atoi(args[0])
		if err != nil {
			return usagef("renice: %q is not a nice value", args[0])
		}
		args = args[1:]
		if args[0] == "-p" {
			args = args[1:]
		}
		var bad []string
		for _, a := range args {
			pid, err := strconv.Atoi(a)
			if err != nil {
				bad = append(bad, fmt.Sprintf("renice: %q is not a process ID", a))
				continue
			}
			t, ok := s.K.Task(pid)
			if !ok {
				bad = append(bad, fmt.Sprintf("renice: failed to get priority for %d (process ID): No such process", pid))
				continue
			}
			if err := s.K.SetScheduler(pid, t.Policy, nice, t.RTPriority); err != nil {
				bad = append(bad, fmt.Sprintf("renice: %v", err))
				continue
			}
			fmt.Fprintf(inv.Out, "%d (process ID) old priority %d, new priority %d\n", pid, t.Nice, nice)
		}
		if len(bad) > 0 {
			return usagef("%s", strings.Join(bad, "; "))
		}
		return nil
	},
}

// chrtPolicies are chrt(1)'s policy options.
var chrtPolicies = map[string]int{
	"-o": sched.Normal, "--other": sched.Normal, "-f": sched.FIFO, "--fifo": sched.FIFO,
	"-r": sched.RR, "--rr": sched.RR, "-b": sched.Batch, "--batch": sched.Batch,
	"-i": sched.Idle, "--idle": sched.Idle,
}

var chrtCmd = &Command{
	Names:   []string{"chrt"},
	Group:   "Kernel",
	Usage:   "chrt [-f|-r|-o|-b|-i] -p [PRIO] PID",
	Summary: "Show or set a process's scheduling policy and RT priority, as chrt(1) does.",
	Help: `
chrt -p PID prints the policy and priority as chrt(1) does. With a policy
(-f fifo, -r rr, -o other, -b batch, -i idle; the default is rr, as in
chrt) and PRIO it sets them: PRIO is 1-99 for fifo and rr and 0 for the
others. The task moves between classes at once (an RT task preempts the
fair ones). To make the sched_setscheduler(2) call instead, write
sched_param as a buffer: syscall sched_setscheduler PID 1 "\x0a\x00\x00\x00".`,
	SeeAlso: []string{"renice", "runq", "spawn", "sysctl"},
	MinArgs: 2, MaxArgs: 4,
	RawArgs: true,
	Run: func(s *Session, inv *Invocation) error {
		args := words(inv.Args)
		policy, setPolicy := sched.RR, false
		if p, ok := chrtPolicies[args[0]]; ok {
			policy, setPolicy, args = p, true, args[1:]
		}
		if len(args) == 0 || args[0] != "-p" {
			return usagef("chrt: kplay's chrt works on running processes: %s", inv.Cmd.Usage)
		}
		args = args[1:]
		if len(args) == 0 || len(args) > 2 {
			return usagef("usage: %s", inv.Cmd.Usage)
		}
		pid, err := strconv.Atoi(args[len(args)-1])
		if err != nil {
			return usagef("chrt: %q is not a process ID", args[len(args)-1])
		}
		t, ok := s.K.Task(pid)
		if !ok {
			return usagef("chrt: failed to get pid %d's policy: No such process", pid)
		}
		if len(args) == 1 && !setPolicy {
			fmt.Fprintf(inv.Out, "pid %d's current scheduling policy: %s\n", pid, sched.PolicyName(t.Policy))
			fmt.Fprintf(inv.Out, "pid %d's current scheduling priority: %d\n", pid, t.RTPriority)
			return nil
		}
		prio := 0
		if len(args) == 2 {
			if prio, err = strconv.Atoi(args[0]); err != nil {
				return usagef("chrt: %q is not a priority", args[0])
			}
		}
		if err := s.K.SetScheduler(pid, policy, t.Nice, prio); err != nil {
			return usagef("chrt: failed to set pid %d's policy: %v", pid, err)
		}
		return nil
	},
}

// words are the texts of a command's arguments.
func words(args []Token) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a.Text
	}
	return out
}
