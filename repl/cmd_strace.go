package repl

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"kplay/kernel"
)

var straceCmd = &Command{
	Names:   []string{"strace"},
	Group:   "Inspection",
	Usage:   "strace [-f] [-c|-C [-w]] PID|COMM... | strace off [PID|COMM] | strace summary [PID|COMM]",
	Summary: "Trace processes' system calls, signals and exit, printed as strace prints them.",
	Help: `
  strace                      the straces running, and what each traces
  strace [-f] PID|COMM...     trace these processes, as strace -p PID does
  strace -c [-w] PID|COMM...  count their calls instead; print the table at the end
  strace -C [-w] PID|COMM...  print the calls and count them too
  strace summary [PID|COMM]   the table of a counting strace so far
  strace off [PID|COMM]       stop tracing PID (every process COMM names; all without one)

COMM names every live process with that command name; -p PID is taken too.
Each strace command starts one strace, as running strace does: it prints
"strace: Process N attached", then a line for each system call its
processes make while the machine runs (run, step, syscall), in strace's
exact form:

  write(1, "hi\n", 3)                     = 3
  wait4(-1,  <unfinished ...>
  [pid     7] nanosleep({tv_sec=0, tv_nsec=10000000}, NULL) = 0
  <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 7
  --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=7, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---
  +++ exited with 0 +++

A call that blocks while another traced process prints, or while the
machine stops for the prompt, is cut with " <unfinished ...>" and resumes
as "<... NAME resumed>". With -f the children the processes fork (and
their threads) are traced too, and once a strace traces more than one
process its lines start with "[pid N] ". Signals print as --- SIG... ---,
stops as --- stopped by SIGSTOP ---, and the end as +++ exited with N +++
or +++ killed by SIG +++. strace off PID detaches one process ("strace:
Process N detached"), as if its own strace -p had been interrupted; a
strace ends when its last process exits or is detached.

-c prints no calls: it counts calls, errors and time per system call and
prints strace -c's table when the strace ends (or strace summary shows it
so far). The time is system time: kplay charges each call 100 ns for its
trap and return, plus any CPU time the task spends in it, so a sleep
costs no more than getpid; with -w it is the wall-clock time from entry
to exit, in which a sleep counts whole.

Attaching to a process asleep in nanosleep prints restart_syscall(<...
resuming interrupted nanosleep ...>), as Linux restarts a call interrupted
by the attach. Kernel threads cannot be traced. To trace the REPL's own
system calls, trace init: strace 1.`,
	SeeAlso: []string{"syscall", "spawn", "run", "trace", "sysent"},
	MaxArgs: -1,
	Flags: func(fs *pflag.FlagSet) {
		fs.BoolP("follow-forks", "f", false, "trace the children the processes fork, and all their threads")
		fs.BoolP("summary-only", "c", false, "count calls, errors and time instead of printing the calls")
		fs.BoolP("summary", "C", false, "print the calls and count them too")
		fs.BoolP("summary-wall-clock", "w", false, "with -c or -C: count wall-clock time from entry to exit, not system time")
		fs.StringArrayP("attach", "p", nil, "a process to trace (PID or COMM), as well as the arguments")
		jsonFlag(fs)
	},
	Words: func(s *Session, prev []string) []string {
		var out []string
		if len(prev) == 0 {
			out = append(out, "off", "summary")
		}
		if s.K.Config().Clock == "real" {
			return out // the kernel runs: its tasks cannot be read at the prompt
		}
		for _, t := range s.K.Tasks() {
			if !t.Kthread && t.State != "Z" && t.State != "X" {
				out = append(out, t.Comm, strconv.Itoa(t.PID))
			}
		}
		return out
	},
	Run: runStrace,
}

func runStrace(s *Session, inv *Invocation) error {
	args := make([]string, len(inv.Args))
	for i, a := range inv.Args {
		args[i] = a.Text
	}
	attach, _ := inv.Flags.GetStringArray("attach")
	var o kernel.StraceOptions
	o.Follow, _ = inv.Flags.GetBool("follow-forks")
	o.Count, _ = inv.Flags.GetBool("summary-only")
	o.Summary, _ = inv.Flags.GetBool("summary")
	o.Wall, _ = inv.Flags.GetBool("summary-wall-clock")
	sub := ""
	if len(args) > 0 && (args[0] == "off" || args[0] == "summary") {
		sub, args = args[0], args[1:]
		if o != (kernel.StraceOptions{}) || len(attach) > 0 {
			return usagef("strace %s takes no -f, -c, -C, -w or -p (usage: strace %s [PID|COMM])", sub, sub)
		}
		if len(args) > 1 {
			return usagef("usage: strace %s [PID|COMM]", sub)
		}
	}
	if inv.wantJSON() && (sub != "" || len(args)+len(attach) > 0) {
		return usagef("strace: --json goes with strace alone (the list)")
	}
	switch {
	case sub == "off":
		return straceOff(s, inv, args)
	case sub == "summary":
		return straceSummary(s, inv, args)
	case len(args)+len(attach) == 0:
		if o != (kernel.StraceOptions{}) {
			return usagef("strace: must have PID or COMM (usage: %s)", inv.Cmd.Usage)
		}
		return straceList(s, inv)
	}
	if err := s.requireRunning(); err != nil {
		return err
	}
	var pids []int
	for _, a := range append(attach, args...) {
		ps, err := stracePIDs(s, a, false)
		if err != nil {
			return err
		}
		pids = append(pids, ps...)
	}
	if _, err := s.K.Strace(pids, o); err != nil {
		return usagef("%v", err)
	}
	return nil
}

// stracePIDs reads a PID, or finds the live processes named COMM (only
// the traced ones, for strace off and summary).
func stracePIDs(s *Session, word string, traced bool) ([]int, error) {
	if n, err := strconv.Atoi(word); err == nil {
		return []int{n}, nil
	}
	tracedPIDs := map[int]bool{}
	for _, in := range s.K.Straces() {
		for _, p := range in.PIDs {
			tracedPIDs[p] = true
		}
	}
	var pids []int
	for _, t := range s.K.Tasks() {
		if t.Comm == word && t.State != "Z" && t.State != "X" && (!traced || tracedPIDs[t.PID]) {
			pids = append(pids, t.PID)
		}
	}
	if len(pids) == 0 {
		what := "no process"
		if traced {
			what = "no traced process"
		}
		return nil, usagef("strace: %s named %q (want a PID or a command name; ps lists them)", what, word)
	}
	return pids, nil
}

// straceList prints the running straces.
func straceList(s *Session, inv *Invocation) error {
	list := s.K.Straces()
	if inv.wantJSON() {
		return printJSON(inv.Out, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(inv.Out, "no strace is running (strace PID|COMM starts one)")
		return nil
	}
	for _, in := range list {
		fmt.Fprintf(inv.Out, "strace %d: %s\n", in.ID, straceCommand(s, in))
	}
	return nil
}

// straceCommand is a strace as its command line: strace -f -p 6 -p 7,
// with each process's name.
func straceCommand(s *Session, in kernel.StraceInfo) string {
	b := []string{"strace"}
	if o := in.Options.String(); o != "" {
		b = append(b, o)
	}
	for _, p := range in.PIDs {
		comm := ""
		if t, ok := s.K.Task(p); ok {
			comm = " (" + t.Comm + ")"
		}
		b = append(b, fmt.Sprintf("-p %d%s", p, comm))
	}
	return strings.Join(b, " ")
}

// straceTargets are the straces a PID or COMM argument names: every
// strace without one.
func straceTargets(s *Session, args []string) ([]kernel.StraceInfo, error) {
	all := s.K.Straces()
	if len(args) == 0 {
		return all, nil
	}
	pids, err := stracePIDs(s, args[0], true)
	if err != nil {
		return nil, err
	}
	var out []kernel.StraceInfo
	for _, in := range all {
		for _, p := range pids {
			if slices.Contains(in.PIDs, p) {
				out = append(out, in)
				break
			}
		}
	}
	if len(out) == 0 {
		return nil, usagef("strace: process %s is not traced (strace lists what is)", args[0])
	}
	return out, nil
}

// straceOff detaches the processes PID or COMM names, or every traced
// process; the kernel prints the detach messages and the tables of
// counting straces that end.
func straceOff(s *Session, inv *Invocation, args []string) error {
	if len(args) == 0 {
		if len(s.K.Straces()) == 0 {
			return usagef("strace off: no strace is running")
		}
		_, err := s.K.StraceOff(0)
		return err
	}
	if _, err := straceTargets(s, args); err != nil {
		return err
	}
	pids, err := stracePIDs(s, args[0], true)
	if err != nil {
		return err
	}
	for _, pid := range pids {
		if _, err := s.K.StraceOff(pid); err != nil {
			return usagef("%v", err)
		}
	}
	return nil
}

// straceSummary prints counting straces' tables so far.
func straceSummary(s *Session, inv *Invocation, args []string) error {
	targets, err := straceTargets(s, args)
	if err != nil {
		return err
	}
	var counting []kernel.StraceInfo
	for _, in := range targets {
		if in.Options.Count || in.Options.Summary {
			counting = append(counting, in)
		}
	}
	if len(counting) == 0 {
		if len(args) > 0 {
			return usagef("strace summary: strace %d does not count calls (start one with -c or -C)", targets[0].ID)
		}
		return usagef("strace summary: no strace counts calls (start one with strace -c PID)")
	}
	for _, in := range counting {
		_, rows, err := s.K.StraceCounts(in.PIDs[0])
		if err != nil {
			return usagef("%v", err)
		}
		if len(counting) > 1 {
			fmt.Fprintf(inv.Out, "strace %d: %s\n", in.ID, straceCommand(s, in))
		}
		if len(rows) == 0 {
			fmt.Fprintln(inv.Out, "no system call has returned yet")
			continue
		}
		fmt.Fprint(inv.Out, kernel.StraceTable(rows))
	}
	return nil
}
