package kernel

// strace: a tracer that follows tasks' system calls, signals and exits and
// prints them as strace(1) does.
//
// Linux's strace is a user process. It attaches to its tracees with
// ptrace(PTRACE_SEIZE), and the kernel stops each tracee at system call
// entry and exit, at signal delivery, at fork (with -f the child is
// attached too) and at exit (PTRACE_EVENT_EXIT); at each stop strace
// prints. kplay's tracer lives in the kernel: the stops are hooks at the
// same sites (do_syscall_64's entry and exit, get_signal, do_signal_stop,
// copy_process, do_exit), and the tracer writes what strace would.
//
// Terms, from strace's src/strace.c and src/syscall.c:
//
//   - A tracer is one strace process: its options (-f, -c, -C, -w), its
//     tracees in attach order, its open line and its counts. Each strace
//     command at the prompt starts one.
//   - The printing tracee (printing_tcp) is the one whose line was
//     printed last. Its line is open (curcol != 0) while a call it
//     entered has not returned: strace prints the call's name and the
//     arguments known at entry, and the rest at exit.
//   - printleader starts a line. If another line is open it is ended
//     with " <unfinished ...>"; when the tracer has more than one tracee
//     (nprocs > 1) the line starts with "[pid %5u] ".
//   - A call whose line was cut resumes on a line of its own, "<... NAME
//     resumed>" and what is left.
//   - The return value is aligned at column 40 (strace's -a default), the
//     "[pid N] " prefix included; see straceAlign.
//   - "strace: Process N attached" and "... detached" are messages strace
//     writes to stderr as they happen, sometimes in the middle of a line.
//     kplay holds a message until the open line ends, which is also an
//     order real strace prints when the timing differs.
//
// Lines go to Config.Strace as whole lines. A line still open when the
// kernel parks for the front end is ended with " <unfinished ...>", as if
// another writer had started a line: the front end's output (a run's
// report, the prompt) then starts on a line of its own, and the call
// resumes on a "<... resumed>" line.
//
// Where kplay differs from Linux under ptrace: a signal whose default
// action is to ignore it (SIGCHLD) is reported to a traced task, as the
// kernel reports ignored signals to tracers, but it does not interrupt a
// sleep as it would there (no ERESTART_RESTARTBLOCK and restart_syscall
// for a parent in nanosleep); tracing never changes what the traced tasks
// do.
//
// Rejected: writing open lines as partial writes (a prompt or a run
// report would land in the middle of them), and rendering from the event
// ring (it has no entry for a call in progress and wraps).

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"kplay/kernel/abi"
)

// StraceOptions are a strace command's options.
type StraceOptions struct {
	Follow  bool `json:"follow"`  // -f: trace the children the tracees fork
	Count   bool `json:"count"`   // -c: count calls instead of printing them
	Summary bool `json:"summary"` // -C: print the calls and count them
	Wall    bool `json:"wall"`    // -w: count wall-clock time, not system time
}

// counting reports whether the tracer keeps counts.
func (o StraceOptions) counting() bool { return o.Count || o.Summary }

// String is the options as a strace command line writes them.
func (o StraceOptions) String() string {
	var s []string
	for _, f := range []struct {
		on   bool
		flag string
	}{{o.Follow, "-f"}, {o.Count, "-c"}, {o.Summary, "-C"}, {o.Wall, "-w"}} {
		if f.on {
			s = append(s, f.flag)
		}
	}
	return strings.Join(s, " ")
}

// StraceInfo describes one running strace.
type StraceInfo struct {
	ID      int           `json:"id"`
	Options StraceOptions `json:"options"`
	PIDs    []int         `json:"pids"` // the tracees, in attach order
}

// straceState is the kernel's tracers, owned by the CPU holder.
type straceState struct {
	tracers []*tracer
	byTask  map[*Task]*tracee
	nextID  int
	// from is the sender of the signal sendSignal is sending, for the
	// siginfo strace prints; unset means the kernel (SI_KERNEL).
	from sigInfo
}

// tracer is one strace process.
type tracer struct {
	id       int
	opts     StraceOptions
	tracees  []*tracee
	printing *tracee         // printing_tcp
	line     strings.Builder // the open line; empty when curcol == 0
	held     []string        // messages waiting for the open line to end
	counts   map[int]*callCount
}

// tracee is one traced task (strace's struct tcb).
type tracee struct {
	t  *Task
	tr *tracer
	// The call in progress, from its entry stop to its exit stop.
	inCall bool
	name   string // as printed: "nanosleep", or "restart_syscall"
	// split is the first argument printed at exit; sepAtExit says the
	// ", " before it is too; decoded: everything was printed at entry
	// (strace's RVAL_DECODED).
	split     int
	sepAtExit bool
	decoded   bool
	restart   bool // attached in the middle of a sleep: restart_syscall
	cut       bool // its line was ended with " <unfinished ...>"
	// lead is the "[pid N] " its open line starts with, or "".
	lead     string
	startNs  int64
	startRun int64
	// sigs are signals sent to the task and not yet reported.
	sigs []sigInfo
}

// stracing reports whether any task is traced: the hooks' fast check.
func (k *Kernel) stracing() bool { return len(k.strace.byTask) > 0 }

// Strace starts a strace on the tasks pids, as strace -p PID... does: it
// attaches to each (with Follow, to every thread of its process), and
// from then on their system calls, signals and exit are printed to
// Config.Strace, or counted. It refuses every pid if it refuses one, with
// strace's message.
//
// Preconditions: the caller holds the CPU.
func (k *Kernel) Strace(pids []int, o StraceOptions) (StraceInfo, error) {
	if o.Wall && !o.counting() {
		return StraceInfo{}, errInvalid("strace: -w/--summary-wall-clock must be given with (-c/--summary-only or -C/--summary)")
	}
	if o.Count && o.Summary {
		return StraceInfo{}, errInvalid("strace: -c/--summary-only and -C/--summary are mutually exclusive")
	}
	if len(pids) == 0 {
		return StraceInfo{}, errInvalid("strace: must have PROG [ARGS] or -p PID")
	}
	var attach [][]*Task // per pid: the task, or its threads with -f
	seen := map[*Task]bool{}
	for _, pid := range pids {
		t := k.tasks[pid]
		switch {
		case pid <= 0 || pid > math.MaxInt32:
			return StraceInfo{}, errInvalid("strace: Invalid process id: '%d'", pid)
		case t == nil || t.State == ExitDead:
			return StraceInfo{}, errInvalid("strace: attach: ptrace(PTRACE_SEIZE, %d): No such process", pid)
		case t.Kthread() || t.State == ExitZombie:
			return StraceInfo{}, errInvalid("strace: attach: ptrace(PTRACE_SEIZE, %d): Operation not permitted", pid)
		case k.strace.byTask[t] != nil:
			return StraceInfo{}, errInvalid("strace: attach: ptrace(PTRACE_SEIZE, %d): Operation not permitted (strace %d traces it)", pid, k.strace.byTask[t].tr.id)
		}
		group := []*Task{t}
		if o.Follow {
			group = nil
			for _, x := range k.threadGroup(t) {
				if k.strace.byTask[x] == nil {
					group = append(group, x)
				}
			}
		}
		var fresh []*Task
		for _, x := range group {
			if !seen[x] {
				seen[x] = true
				fresh = append(fresh, x)
			}
		}
		if len(fresh) > 0 {
			attach = append(attach, fresh)
		}
	}
	if k.strace.byTask == nil {
		k.strace.byTask = map[*Task]*tracee{}
	}
	k.strace.nextID++
	tr := &tracer{id: k.strace.nextID, opts: o}
	k.strace.tracers = append(k.strace.tracers, tr)
	for _, group := range attach {
		for _, x := range group {
			k.straceAttach(tr, x)
		}
		msg := fmt.Sprintf("strace: Process %d attached", group[0].PID)
		if len(group) > 1 {
			msg += fmt.Sprintf(" with %d threads", len(group))
		}
		k.straceMsg(tr, msg)
		for _, x := range group {
			k.straceResumeCall(tr.byTask(x))
		}
	}
	return tr.info(), nil
}

func (tr *tracer) byTask(t *Task) *tracee {
	for _, te := range tr.tracees {
		if te.t == t {
			return te
		}
	}
	return nil
}

func (tr *tracer) info() StraceInfo {
	in := StraceInfo{ID: tr.id, Options: tr.opts, PIDs: []int{}}
	for _, te := range tr.tracees {
		in.PIDs = append(in.PIDs, te.t.PID)
	}
	return in
}

// Straces lists the running straces, oldest first.
func (k *Kernel) Straces() []StraceInfo {
	out := []StraceInfo{}
	for _, tr := range k.strace.tracers {
		out = append(out, tr.info())
	}
	return out
}

// StraceOff detaches pid from the strace that traces it ("strace:
// Process N detached"), or with pid 0 ends every strace. A strace left
// with no process ends, and a counting one prints its table. It returns
// the straces it detached processes from, as they were before.
//
// Preconditions: the caller holds the CPU.
func (k *Kernel) StraceOff(pid int) ([]StraceInfo, error) {
	var detach []*tracee
	if pid == 0 {
		for _, tr := range k.strace.tracers {
			detach = append(detach, tr.tracees...)
		}
	} else {
		tr, err := k.tracerOf(pid)
		if err != nil {
			return nil, err
		}
		detach = []*tracee{tr.byTask(k.tasks[pid])}
	}
	var out []StraceInfo
	for _, te := range detach {
		if len(out) == 0 || out[len(out)-1].ID != te.tr.id {
			out = append(out, te.tr.info())
		}
		k.straceMsg(te.tr, fmt.Sprintf("strace: Process %d detached", te.t.PID))
		k.straceDetach(te)
	}
	return out, nil
}

// tracerOf finds the strace that traces pid.
func (k *Kernel) tracerOf(pid int) (*tracer, error) {
	t := k.tasks[pid]
	if t == nil {
		return nil, errInvalid("strace: no process %d", pid)
	}
	te := k.strace.byTask[t]
	if te == nil {
		return nil, errInvalid("strace: process %d is not traced", pid)
	}
	return te.tr, nil
}

// StraceCounts returns the counts so far of the counting strace that
// traces pid (strace -c's table, before it ends).
func (k *Kernel) StraceCounts(pid int) (StraceInfo, []StraceCount, error) {
	tr, err := k.tracerOf(pid)
	if err != nil {
		return StraceInfo{}, nil, err
	}
	if !tr.opts.counting() {
		return StraceInfo{}, nil, errInvalid("strace: strace %d (%s) does not count calls: start it with -c or -C", tr.id, tr.info().command())
	}
	return tr.info(), tr.countRows(), nil
}

// command is the strace's command line: strace -f -p 5 -p 6.
func (in StraceInfo) command() string {
	s := "strace"
	if o := in.Options.String(); o != "" {
		s += " " + o
	}
	for _, p := range in.PIDs {
		s += fmt.Sprintf(" -p %d", p)
	}
	return s
}

// straceAttach makes t a tracee of tr.
func (k *Kernel) straceAttach(tr *tracer, t *Task) *tracee {
	te := &tracee{t: t, tr: tr}
	tr.tracees = append(tr.tracees, te)
	k.strace.byTask[t] = te
	return te
}

// straceResumeCall handles a tracee attached in the middle of a system
// call. Linux interrupts the call to stop the tracee: a sleep in nanosleep
// or clock_nanosleep goes on as restart_syscall, and a call such as wait4
// is made again from its start, so strace prints it whole. kplay does not
// interrupt the call; the tracer prints the same lines.
func (k *Kernel) straceResumeCall(te *tracee) {
	t := te.t
	if t.req == nil || t.inKernel == 0 || t.req.Record == nil || t.req.Record.NoReturn {
		return
	}
	rec := t.req.Record
	def, ok := lookupSyscall(rec.Nr)
	if rec.Known && (rec.Name == "nanosleep" || rec.Name == "clock_nanosleep") {
		te.restart = true
	}
	k.straceEnterCall(te, rec, def, ok)
}

// straceDetach forgets a tracee; the last one ends its tracer.
func (k *Kernel) straceDetach(te *tracee) {
	tr := te.tr
	if tr.printing == te {
		// droptcb: a call line still open is ended.
		k.straceFlushLine(tr, " <detached ...>")
		tr.printing = nil
	}
	tr.tracees = slices.DeleteFunc(tr.tracees, func(x *tracee) bool { return x == te })
	delete(k.strace.byTask, te.t)
	if len(tr.tracees) > 0 {
		return
	}
	// strace exits: its last messages, then the table of a counting
	// strace (call_summary), printed only if a call was counted.
	k.straceFlushLine(tr, " <unfinished ...>")
	if tr.opts.counting() && tr.counts != nil {
		for _, l := range strings.Split(strings.TrimSuffix(StraceTable(tr.countRows()), "\n"), "\n") {
			k.straceWrite(l)
		}
	}
	k.strace.tracers = slices.DeleteFunc(k.strace.tracers, func(x *tracer) bool { return x == tr })
}

// straceWrite writes one whole line to the strace output.
func (k *Kernel) straceWrite(s string) {
	if w := k.cfg.Strace; w != nil {
		io.WriteString(w, s+"\n")
	}
}

// straceMsg prints one of strace's own messages, after the open line.
func (k *Kernel) straceMsg(tr *tracer, msg string) {
	if tr.line.Len() > 0 {
		tr.held = append(tr.held, msg)
		return
	}
	k.straceWrite(msg)
}

// straceFlushLine ends the open line, if one is open, with suffix: ""
// for a finished line, or " <unfinished ...>" for a call cut short; then
// it prints the messages the line held back.
func (k *Kernel) straceFlushLine(tr *tracer, suffix string) {
	if tr.line.Len() > 0 {
		if suffix != "" && tr.printing != nil {
			tr.printing.cut = true
		}
		k.straceWrite(tr.line.String() + suffix)
		tr.line.Reset()
	}
	for _, m := range tr.held {
		k.straceWrite(m)
	}
	tr.held = nil
}

// printleader starts a line for te (strace's printleader).
func (k *Kernel) printleader(te *tracee) {
	tr := te.tr
	k.straceFlushLine(tr, " <unfinished ...>")
	tr.printing = te
	te.lead = ""
	if len(tr.tracees) > 1 {
		te.lead = fmt.Sprintf("[pid %5d] ", te.t.PID)
	}
	tr.line.WriteString(te.lead)
}

// lineEnd prints the finished line.
func (k *Kernel) lineEnd(tr *tracer) { k.straceFlushLine(tr, "") }

// straceEndLine finishes te's call line with ")" and the return value
// aligned at column 40.
func (k *Kernel) straceEndLine(te *tracee, tail, ret string) {
	tr := te.tr
	line := tr.line.String() + tail + ")"
	tr.line.Reset()
	tr.line.WriteString(straceAlign(line, ret))
	k.lineEnd(tr)
}

// straceParked ends every open line before the front end prints: the
// kernel has parked with traced calls in progress.
func (k *Kernel) straceParked() {
	for _, tr := range k.strace.tracers {
		k.straceFlushLine(tr, " <unfinished ...>")
	}
}

// straceSplit is the first argument of a call that strace prints at exit:
// those the call fills in (wait4's status, uname's buffer) and whatever
// follows them; for calls where the kinds do not say, the table's
// exitFrom.
func straceSplit(def syscallDef, ok bool, n int) int {
	if !ok {
		return n
	}
	if def.exitFrom > 0 {
		return min(def.exitFrom, n)
	}
	for i, kind := range def.args {
		if kind.filledByCall() {
			return min(i, n)
		}
	}
	return n
}

// straceEnter is the syscall-entry stop of t's call rec.
func (k *Kernel) straceEnter(t *Task, rec *SyscallRecord, def syscallDef, ok bool) {
	if te := k.strace.byTask[t]; te != nil {
		te.restart = false
		k.straceEnterCall(te, rec, def, ok)
	}
}

func (k *Kernel) straceEnterCall(te *tracee, rec *SyscallRecord, def syscallDef, ok bool) {
	te.inCall, te.cut = true, false
	te.name = rec.displayName()
	te.split, te.sepAtExit = straceSplit(def, ok, len(rec.ArgText)), def.sepAtExit
	te.startNs, te.startRun = k.clockNs(), k.taskSchedRuntime(te.t)
	entry := strings.Join(rec.ArgText[:te.split], ", ")
	if te.split > 0 && te.split < len(rec.ArgText) && !te.sepAtExit {
		entry += ", "
	}
	if te.restart {
		te.name, te.split = "restart_syscall", len(rec.ArgText)
		entry = "<... resuming interrupted " + rec.displayName() + " ...>"
	}
	te.decoded = te.split == len(rec.ArgText)
	if te.tr.opts.Count {
		return // -c prints no calls
	}
	k.printleader(te)
	te.tr.line.WriteString(te.name + "(" + entry)
}

// straceExit is the syscall-exit stop of t's call rec.
func (k *Kernel) straceExit(t *Task, rec *SyscallRecord) {
	te := k.strace.byTask[t]
	if te == nil || !te.inCall {
		return
	}
	if t.pendingSignals&sigmask(abi.SIGKILL) != 0 {
		// A task being killed makes no exit stop: its call ends with
		// the exit (straceTaskExit), "= ?".
		return
	}
	te.inCall = false
	tr := te.tr
	if tr.opts.counting() {
		k.straceCount(te, rec)
	}
	if tr.opts.Count {
		return
	}
	if tr.printing == te && !te.cut && tr.line.Len() > 0 && !te.restart {
		// The line is still open: what entry printed, and what the
		// call wrote, make the whole call, decoded as the exit decoders
		// (ioctl's struct, read's buffer) left it.
		tr.line.Reset()
		tr.line.WriteString(te.lead + te.name + "(" + strings.Join(rec.ArgText, ", "))
		k.straceEndLine(te, "", rec.retText())
		return
	}
	k.straceResumed(te)
	tail := ""
	if !te.restart && te.split < len(rec.ArgText) {
		tail = strings.Join(rec.ArgText[te.split:], ", ")
		if te.sepAtExit && te.split > 0 {
			tail = ", " + tail
		}
	}
	k.straceEndLine(te, tail, rec.retText())
}

// straceResumed starts "<... NAME resumed>" when te's line is not the
// open one.
func (k *Kernel) straceResumed(te *tracee) {
	tr := te.tr
	if tr.printing != te || te.cut || tr.line.Len() == 0 {
		k.printleader(te)
		tr.line.WriteString("<... " + te.name + " resumed>")
	}
}

// straceFork attaches the child a traced task forked, when its strace
// follows forks (-f): PTRACE_O_TRACEFORK, TRACEVFORK and TRACECLONE.
func (k *Kernel) straceFork(parent, child *Task) {
	te := k.strace.byTask[parent]
	if te == nil || !te.tr.opts.Follow {
		return
	}
	k.straceAttach(te.tr, child)
	k.straceMsg(te.tr, fmt.Sprintf("strace: Process %d attached", child.PID))
}

// straceTaskExit is the exit stop of a tracee (PTRACE_EVENT_EXIT, then
// the wait status strace reaps): a call in progress ends with "= ?", then
// "+++ exited with N +++" or "+++ killed by SIG +++".
func (k *Kernel) straceTaskExit(t *Task, code int) {
	te := k.strace.byTask[t]
	if te == nil {
		return
	}
	tr := te.tr
	if !tr.opts.Count {
		if te.inCall {
			k.straceResumed(te)
			tail := ""
			if !te.decoded {
				tail = " <unfinished ...>"
			}
			k.straceEndLine(te, tail, "?")
		}
		k.printleader(te)
		if code&0x7f == 0 {
			fmt.Fprintf(&tr.line, "+++ exited with %d +++", code>>8&0xff)
		} else {
			core := ""
			if code&0x80 != 0 {
				core = " (core dumped)"
			}
			fmt.Fprintf(&tr.line, "+++ killed by %s%s +++", abi.SignalName(code&0x7f), core)
		}
		k.lineEnd(tr)
	}
	te.inCall = false
	k.straceDetach(te)
}
