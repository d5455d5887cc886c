package repl

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"kplay/kernel"
	"kplay/kernel/abi"
)

var syscallCmd = &Command{
	Names:   []string{"syscall", "sys"},
	Group:   "Kernel",
	Usage:   "syscall [--app] [--queue] [--json] NAME|NR [ARG...]",
	Summary: "Make a system call and print it as strace does.",
	Help: `
NAME is a Linux system call name or its x86-64 number. Each ARG is one of:

  42, 0x2a, -1   an integer
  "text\n"       a string with C escapes, NUL-terminated
  {1,500}        a struct of 64-bit integers (a struct timespec)
  [10,20]        an array of 32-bit integers (an int[] or a gid_t list)
  @16            16 zero bytes for the kernel to fill (an output buffer)

Strings, structs, arrays and buffers are placed in the calling task's
memory (its stack) and passed as pointers; strace shows what the kernel
read and wrote. Calls that sleep (nanosleep, clock_nanosleep) let
simulated time pass until they return.

By default the call takes the task path: the REPL types it into the
console, the console's interrupt (IRQ 4) wakes init (pid 1), the REPL's
shell, and init traps into the kernel. With --app it takes the
application path, LKL's: IRQ_SYSCALL (16) hands it to ksyscalld/0, which
runs it in its own context with init's memory adopted.

With --queue the call is only submitted: its interrupt is raised and the
machine does not move, so step irq, step switch and step syscall walk
through every stage of the path.

A failing call prints -1 and the errno, as strace does. Numbers Linux has
but kplay does not implement return ENOSYS. exit and exit_group never
return (= ?); exiting init panics the kernel, as in Linux. syscall fork
makes init fork: the child has no program and exits at once, and stays a
zombie until you reap it with syscall wait4 -1 @4 0 0 (processes started
with spawn are reaped by init as they exit). execve as init checks the
file as Linux does (ENOENT, EACCES, ENOEXEC) and then fails with EPERM:
the REPL's shell cannot replace itself; spawn /bin/NAME runs a program.`,
	SeeAlso: []string{"step syscall", "events", "ps"},
	MinArgs: 1, MaxArgs: 7,
	FlagsFirst: true,
	Flags: func(fs *pflag.FlagSet) {
		fs.Bool("app", false, "use the application path (IRQ_SYSCALL and ksyscalld)")
		fs.Bool("queue", false, "submit the call without running the machine (then step through it)")
		jsonFlag(fs)
	},
	Words: func(_ *Session, prev []string) []string {
		if len(prev) > 0 {
			return nil
		}
		return abi.SyscallNames()
	},
	Run: runSyscall,
}

func runSyscall(s *Session, inv *Invocation) error {
	if err := s.requireRunning(); err != nil {
		return err
	}
	nr, err := syscallNumber(inv.Args[0])
	if err != nil {
		return err
	}
	s.K.ResetUserData(1)
	var args []uint64
	for i, a := range inv.Args[1:] {
		data, isMem, err := memoryArg(a)
		if err != nil {
			return usagef("argument %d: %v", i+1, err)
		}
		if isMem {
			addr, err := s.K.PushUserData(1, data)
			if err != nil {
				return usagef("argument %d: %v", i+1, err)
			}
			args = append(args, addr)
			continue
		}
		v, err := ParseInt(a.Text)
		if err != nil {
			return usagef("argument %d: %v", i+1, err)
		}
		args = append(args, v)
	}
	app, _ := inv.Flags.GetBool("app")
	if queue, _ := inv.Flags.GetBool("queue"); queue {
		path, how := kernel.PathTask, "the console's IRQ 4 will wake init"
		if app {
			path, how = kernel.PathApp, "IRQ_SYSCALL (16) will hand it to ksyscalld"
		}
		if _, err := s.K.Queue(path, nr, args...); err != nil {
			return usagef("syscall: %v", err)
		}
		name, _ := abi.SyscallName(nr)
		if name == "" {
			name = abi.FormatUnknownSyscall(nr)
		}
		fmt.Fprintf(inv.Out, "queued %s on the %s path: %s; step to follow it\n", name, path, how)
		return nil
	}
	var rec *kernel.SyscallRecord
	var res kernel.RunResult
	if app {
		rec, res = s.K.Syscall(nr, args...)
	} else {
		rec, res, err = s.K.SyscallAs(1, nr, args...)
		if err != nil {
			return err
		}
	}
	if rec == nil {
		if res.Reason == kernel.StopHalted {
			_, why := s.K.Halted()
			return usagef("kernel halted: %s (type reboot)", why)
		}
		where := ""
		if w, err := s.K.ReadProc("/proc/1/wchan"); err == nil && w != "0" && w != "" {
			where = fmt.Sprintf("; init sleeps in %s until something wakes it (another task, or a call on the application path: syscall --app)", w)
		}
		fmt.Fprintf(inv.Out, "the call has not completed after %s s of simulated time (%s)%s; it stays pending: run or step to go on\n", secs(res.ElapsedNs), res.Reason, where)
		return nil
	}
	s.remember(kernel.Event{Kind: kernel.EvSyscall, TimeNs: s.K.Status().UptimeNs, Syscall: rec})
	if inv.wantJSON() {
		return printJSON(inv.Out, rec)
	}
	line := rec.String()
	if rec.Errno() != 0 {
		line = s.red.Sprint(line)
	}
	fmt.Fprintln(inv.Out, line)
	if rec.NoReturn && res.Reason != kernel.StopHalted {
		fmt.Fprintf(inv.Out, "+++ exited with %d +++\n", rec.Args[0]&0xff)
	}
	return nil
}

// maxMemArg bounds what one argument places in user memory.
const maxMemArg = 4096

// memoryArg reads an argument that lives in user memory: a "string"
// (NUL-terminated), a {1,500} struct of 64-bit integers (a timespec), a
// [10,20] array of 32-bit integers (a gid_t list), or @N, N zero bytes
// for the kernel to fill (an output buffer).
func memoryArg(a Token) ([]byte, bool, error) {
	switch {
	case a.Quoted:
		return append([]byte(a.Text), 0), true, nil
	case strings.HasPrefix(a.Text, "{"):
		if !strings.HasSuffix(a.Text, "}") {
			return nil, false, fmt.Errorf("%q: a struct is {int,int,...} without spaces", a.Text)
		}
		var b []byte
		for _, f := range strings.Split(a.Text[1:len(a.Text)-1], ",") {
			v, err := ParseInt(strings.TrimSpace(f))
			if err != nil {
				return nil, false, err
			}
			b = binary.LittleEndian.AppendUint64(b, v)
		}
		return b, true, nil
	case strings.HasPrefix(a.Text, "["):
		if !strings.HasSuffix(a.Text, "]") {
			return nil, false, fmt.Errorf("%q: an array is [int,int,...] without spaces", a.Text)
		}
		b := []byte{}
		if inner := a.Text[1 : len(a.Text)-1]; inner != "" {
			for _, f := range strings.Split(inner, ",") {
				v, err := ParseInt(strings.TrimSpace(f))
				if err != nil {
					return nil, false, err
				}
				if int64(v) < -1<<31 || int64(v) > 1<<32-1 {
					return nil, false, fmt.Errorf("%q: %s does not fit in 32 bits", a.Text, f)
				}
				b = binary.LittleEndian.AppendUint32(b, uint32(v))
			}
		}
		if len(b) == 0 {
			b = make([]byte, 4) // [] still needs an address; nothing is read from it
		}
		return b, true, nil
	case strings.HasPrefix(a.Text, "@"):
		n, err := strconv.Atoi(a.Text[1:])
		if err != nil || n < 1 || n > maxMemArg {
			return nil, false, fmt.Errorf("%q: an output buffer is @N with N from 1 to %d", a.Text, maxMemArg)
		}
		return make([]byte, n), true, nil
	}
	return nil, false, nil
}

// syscallNumber accepts a name or a number.
func syscallNumber(t Token) (int, error) {
	if nr, ok := abi.SyscallNumber(t.Text); ok {
		return nr, nil
	}
	if n, err := strconv.ParseInt(t.Text, 0, 64); err == nil {
		return int(n), nil
	} else if errors.Is(err, strconv.ErrRange) {
		return 0, usagef("syscall: %s does not fit in a 64-bit register", t.Text)
	}
	return 0, usagef("syscall: %q is neither a Linux system call name nor a number", t.Text)
}

var lkdtmCmd = &Command{
	Names:   []string{"lkdtm"},
	Group:   "Kernel",
	Usage:   "lkdtm TYPE",
	Summary: "Provoke a kernel fault on purpose (Linux's LKDTM).",
	Help: `
Runs TYPE in a new kernel thread named lkdtm, as writing TYPE to
/sys/kernel/debug/provoke-crash/DIRECT does on Linux:

  BUG        BUG(): "kernel BUG at ...", an Oops; the thread dies
  EXCEPTION  a NULL pointer dereference: an Oops; the thread dies
  WARNING    WARN(): a warning with a call trace; the kernel is tainted W
  PANIC      panic(): the machine halts (type reboot)
  SLAB_FREE_DOUBLE  an object freed twice: SLUB's check reports it and
             the thread Oopses
  WRITE_AFTER_FREE  a write to a freed object: the poison it breaks is
             found at the next allocation, reported, and the thread Oopses
             (lkdtm's heap caches are made with SLAB_POISON, as with
             slub_debug=P)

After an Oops the kernel runs on, tainted D. With --panic-on-oops at boot
any Oops halts the machine instead.`,
	SeeAlso: []string{"dmesg", "reboot", "status"},
	MinArgs: 1, MaxArgs: 1,
	Words: func(*Session, []string) []string { return kernel.LkdtmTypes() },
	Run: func(s *Session, inv *Invocation) error {
		if err := s.requireRunning(); err != nil {
			return err
		}
		res, err := s.K.Provoke(inv.Args[0].Text)
		if err != nil {
			return usagef("%v", err)
		}
		s.reportStop(inv, res, "")
		return nil
	},
}

var statusCmd = &Command{
	Names:   []string{"status", "st"},
	Group:   "Inspection",
	Usage:   "status [--json]",
	Summary: "Show the machine: clock, jiffies, uptime, current task, pending work, NO_HZ.",
	SeeAlso: []string{"jiffies", "ps", "irq"},
	MaxArgs: 0,
	Flags:   jsonFlag,
	Run: func(s *Session, inv *Invocation) error {
		st := s.K.Status()
		if inv.wantJSON() {
			return printJSON(inv.Out, st)
		}
		refs := func(rs []kernel.TaskRef) string {
			var out []string
			for _, r := range rs {
				out = append(out, fmt.Sprintf("%s[%d]", r.Comm, r.PID))
			}
			if len(out) == 0 {
				return "(empty)"
			}
			return strings.Join(out, " ")
		}
		ints := func(xs []int) string {
			var out []string
			for _, x := range xs {
				out = append(out, strconv.Itoa(x))
			}
			if len(out) == 0 {
				return "none"
			}
			return strings.Join(out, " ")
		}
		state := "running"
		if st.Halted {
			state = s.red.Sprintf("halted: %s", st.HaltReason)
		}
		softs := strings.Join(st.Softirqs, " ")
		if softs == "" {
			softs = "none"
		}
		fmt.Fprintf(inv.Out, "machine:      %s\n", state)
		fmt.Fprintf(inv.Out, "clock:        %s, HZ=%d\n", st.Clock, st.HZ)
		fmt.Fprintf(inv.Out, "uptime:       %s s\n", secs(st.UptimeNs))
		fmt.Fprintf(inv.Out, "jiffies:      %d\n", st.Jiffies)
		fmt.Fprintf(inv.Out, "current:      %s[%d]\n", st.Current.Comm, st.Current.PID)
		rq := st.RunQueue
		more := ""
		if len(rq) > 8 { // a fork bomb's queue is not one 6 KB line
			rq, more = rq[:8], fmt.Sprintf(" (+%d more; runq lists them)", len(st.RunQueue)-8)
		}
		fmt.Fprintf(inv.Out, "run queue:    %s%s\n", refs(rq), more)
		fmt.Fprintf(inv.Out, "pending irqs: %s\n", ints(st.PendingIRQs))
		fmt.Fprintf(inv.Out, "softirqs:     %s\n", softs)
		fmt.Fprintf(inv.Out, "switches:     %d\n", st.Switches)
		tick := "running"
		if st.NOHZ.TickStopped {
			tick = "stopped (NO_HZ idle)"
		}
		fmt.Fprintf(inv.Out, "tick:         %s\n", tick)
		fmt.Fprintf(inv.Out, "NO_HZ:        %d idle entries, %d tick stops, %d ticks skipped, %s s idle\n",
			st.NOHZ.IdleCalls, st.NOHZ.IdleSleeps, st.NOHZ.TicksSkipped, secs(st.NOHZ.IdleNs))
		fmt.Fprintf(inv.Out, "taint:        %s\n", strings.TrimRight(st.Tainted, " "))
		fmt.Fprintf(inv.Out, "loglevel:     %d\n", st.Loglevel)
		return nil
	},
}

var jiffiesCmd = &Command{
	Names:   []string{"jiffies"},
	Group:   "Time and stepping",
	Usage:   "jiffies",
	Summary: "Print jiffies, the tick count (it starts five minutes before its 32-bit wrap).",
	SeeAlso: []string{"status", "run", "step tick"},
	MaxArgs: 0,
	Run: func(s *Session, inv *Invocation) error {
		fmt.Fprintln(inv.Out, s.K.Jiffies())
		return nil
	},
}

var eventsCmd = &Command{
	Names:   []string{"events"},
	Group:   "Inspection",
	Usage:   "events [--json] [N]",
	Summary: "Show the last N kernel events (switches, IRQs, system calls, ticks).",
	SeeAlso: []string{"step", "trace"},
	MaxArgs: 1,
	Flags:   jsonFlag,
	Run: func(s *Session, inv *Invocation) error {
		n := 20
		if len(inv.Args) == 1 {
			v, err := strconv.Atoi(inv.Args[0].Text)
			if err != nil || v <= 0 {
				return usagef("events: N must be a positive number, not %q", inv.Args[0].Text)
			}
			n = v
		}
		evs := s.K.Events()
		if len(evs) > n {
			evs = evs[len(evs)-n:]
		}
		if inv.wantJSON() {
			return printJSON(inv.Out, evs)
		}
		for _, e := range evs {
			fmt.Fprintln(inv.Out, s.eventLine(e))
		}
		return nil
	},
}

var versionCmd = &Command{
	Names:   []string{"version"},
	Group:   "Session",
	Usage:   "version",
	Summary: "Print kplay's version and the kernel release (uname -a).",
	MaxArgs: 0,
	Run: func(s *Session, inv *Invocation) error {
		u := s.K.Uname()
		fmt.Fprintf(inv.Out, "kplay %s\n%s %s %s %s %s\n", Version, u.Sysname, u.Nodename, u.Release, u.Version, u.Machine)
		return nil
	},
}

// Version is kplay's version, set by the build or "dev".
var Version = "0.1.0-dev"

var rebootCmd = &Command{
	Names:   []string{"reboot"},
	Group:   "Session",
	Usage:   "reboot",
	Summary: "Boot a fresh kernel with the same options (after a panic, or to start over).",
	MaxArgs: 0,
	Run: func(s *Session, inv *Invocation) error {
		s.K.Shutdown()
		s.K = nil
		return s.boot()
	},
}

var quitCmd = &Command{
	Names:   []string{"quit", "exit", "q"},
	Group:   "Session",
	Usage:   "quit",
	Summary: "Leave kplay (Ctrl-D does too).",
	MaxArgs: 0,
	Run: func(s *Session, inv *Invocation) error {
		s.quit = true
		return nil
	},
}

var sysentCmd = &Command{
	Names:   []string{"sysent"},
	Group:   "Kernel",
	Usage:   "sysent [--all] [--json] [NAME|NR]",
	Summary: "List the system call table: number, name, arguments, implemented or ENOSYS.",
	Help: `
With no NAME, the calls kplay implements (--all: every x86-64 number
Linux has; the others return ENOSYS). With NAME or NR, that entry: its
number, its C signature from its manual page, and the manual page to read
(section 2).`,
	SeeAlso: []string{"syscall"},
	MaxArgs: 1,
	Flags: func(fs *pflag.FlagSet) {
		fs.Bool("all", false, "every call Linux has, ENOSYS ones too")
		jsonFlag(fs)
	},
	Words: func(_ *Session, prev []string) []string {
		if len(prev) == 0 {
			return abi.SyscallNames()
		}
		return nil
	},
	Run: func(s *Session, inv *Invocation) error {
		if len(inv.Args) == 1 {
			name := inv.Args[0].Text
			if n, err := strconv.Atoi(name); err == nil {
				nm, ok := abi.SyscallName(n)
				if !ok {
					return usagef("sysent: %d is not an x86-64 system call number", n)
				}
				name = nm
			}
			e, err := s.K.SyscallEntry(name)
			if err != nil {
				return usagef("%v", err)
			}
			if inv.wantJSON() {
				return printJSON(inv.Out, e)
			}
			status := "implemented"
			if !e.Implemented {
				status = "not implemented: returns -1 ENOSYS (Function not implemented)"
			}
			fmt.Fprintf(inv.Out, "%s: number %d, %s\n", e.Name, e.Nr, status)
			if e.Prototype != "" {
				fmt.Fprintf(inv.Out, "  %s\n", e.Prototype)
			}
			fmt.Fprintf(inv.Out, "  see %s\n", e.Manual)
			return nil
		}
		all, _ := inv.Flags.GetBool("all")
		var list []kernel.Sysent
		for _, e := range s.K.SyscallTable() {
			if all || e.Implemented {
				list = append(list, e)
			}
		}
		if inv.wantJSON() {
			return printJSON(inv.Out, list)
		}
		var rows [][]string
		for _, e := range list {
			impl := "yes"
			if !e.Implemented {
				impl = "ENOSYS"
			}
			args := "-"
			if e.Implemented {
				args = strconv.Itoa(e.Args)
			}
			rows = append(rows, []string{strconv.Itoa(e.Nr), e.Name, args, impl})
		}
		return RenderTable(inv.Out, []string{"NR", "NAME", "ARGS", "IMPLEMENTED"}, rows, 0, 2)
	},
}

var procCmd = &Command{
	Names:   []string{"proc"},
	Group:   "Inspection",
	Usage:   "proc dump DIR",
	Summary: "Write every /proc file the kernel generates into a host directory.",
	Help: `
proc dump DIR writes the generated /proc tree (the files cat can read:
/proc/stat, /proc/meminfo, /proc/PID/stat..., and the links self,
PID/cwd, PID/root and PID/fd/N as init reads them) under DIR, creating
it, so that host tools can read a snapshot. The real procps tools read
/proc only, so bind-mount the tree over it in a private mount namespace:

  unshare -rm sh -c 'mount --bind DIR /proc && free && vmstat && uptime'

ps also looks itself up in /proc by its pid: give it a pid namespace of
its own in which it is pid 1, and it finds kplay's init there:

  unshare -rmpf sh -c 'mount --bind DIR /proc && exec ps -e'`,
	SeeAlso: []string{"cat"},
	MinArgs: 2, MaxArgs: 2,
	Words: func(_ *Session, prev []string) []string {
		if len(prev) == 0 {
			return []string{"dump"}
		}
		return nil
	},
	Run: func(s *Session, inv *Invocation) error {
		if inv.Args[0].Text != "dump" {
			return usagef("proc: %q: want dump", inv.Args[0].Text)
		}
		dir := inv.Args[1].Text
		n := 0
		for _, e := range s.K.ProcTree() {
			rel, _ := strings.CutPrefix(e.Path, "/proc/")
			path := filepath.Join(dir, filepath.FromSlash(rel))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return usagef("proc dump: %v", err)
			}
			var err error
			if e.Target != "" {
				os.Remove(path) // a link from an earlier dump
				err = os.Symlink(e.Target, path)
			} else {
				err = os.WriteFile(path, []byte(e.Text), 0o644)
			}
			if err != nil {
				return usagef("proc dump: %v", err)
			}
			n++
		}
		fmt.Fprintf(inv.Out, "%d files and links written under %s\n", n, dir)
		return nil
	},
}
