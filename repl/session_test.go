package repl

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kplay/kernel"
)

func newSession(t testing.TB) (*Session, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	s, err := NewSession(Options{Kernel: kernel.Config{Quiet: true}}, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	out.Reset()
	return s, &out
}

// run executes lines and returns the output of the last one.
func run(t *testing.T, s *Session, out *bytes.Buffer, lines ...string) string {
	t.Helper()
	for _, l := range lines {
		out.Reset()
		if err := s.Exec(l); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
	}
	return out.String()
}

func TestSyscallCommandPrintsStraceLines(t *testing.T) {
	s, out := newSession(t)
	cases := map[string]string{
		"syscall getpid":              "getpid()                                = 1\n",
		"syscall 39":                  "getpid()                                = 1\n",
		"sys getppid":                 "getppid()                               = 0\n",
		`syscall write 1 "hello\n" 6`: "hello\nwrite(1, \"hello\\n\", 6)                  = 6\n",
		"syscall write 1 0x10 3":      "write(1, 0x10, 3)                       = -1 EFAULT (Bad address)\n",
		"syscall --app gettid":        "gettid()                                = 5\n",
		"syscall 1000 1 2":            "syscall_0x3e8(0x1, 0x2, 0, 0, 0, 0)     = -1 ENOSYS (Function not implemented)\n",
	}
	for line, want := range cases {
		if got := run(t, s, out, line); got != want {
			t.Errorf("%s:\n got %q\nwant %q", line, got, want)
		}
	}
}

func TestBadInputIsOneLineAndLosesNothing(t *testing.T) {
	s, out := newSession(t)
	run(t, s, out, "irq request 7 mydev")
	cases := map[string]string{
		"frobnicate":                         `unknown command "frobnicate" (type help for the list)`,
		"syscall":                            "usage: syscall [--app] [--queue] [--json] NAME|NR [ARG...]",
		"syscall nosuchcall":                 `syscall: "nosuchcall" is neither a Linux system call name nor a number`,
		"syscall write 1 abc":                `argument 2: "abc" is not a number (want decimal, 0x hex, or a "quoted string")`,
		`syscall write "oops`:                `column 15: unterminated " quote`,
		"irq fire 99":                        `irq fire: line "99": want a number 0-31`,
		"irq fire x":                         `irq fire: line "x": want a number 0-31`,
		"irq zap 1":                          `irq: unknown subcommand "zap" (want list, fire, raise, request, free, disable or enable)`,
		"irq enable 3":                       "irq enable: Unbalanced enable for IRQ 3: invalid argument",
		"irq free 7 other":                   `irq free: irq 7: no handler named "other" (only handlers attached with irq request can be freed)`,
		"run":                                "usage: run [--json] DURATION",
		"run 10parsecs":                      `run: duration "10parsecs": want a positive duration like 100ms, 500us, 2s or 5t (ticks)`,
		"run -5s":                            `run: duration "-5s": want a positive duration like 100ms, 500us, 2s or 5t (ticks)`,
		"run 48h":                            "run: 48h is more than 24h at a time",
		"step sideways":                      `step: "sideways": want switch, irq, syscall, tick, timer or cascade`,
		"dmesg -l loud":                      `dmesg -l: unknown level "loud" (want emerg, alert, crit, err, warn, notice, info, debug or 0-7)`,
		"lkdtm FOO":                          `lkdtm: unknown crash type "FOO" (want BUG, EXCEPTION, PANIC, SLAB_FREE_DOUBLE, WARNING, WRITE_AFTER_FREE)`,
		"ps --frobnicate":                    "ps: unknown flag: --frobnicate (usage: ps [--json])",
		"help nope":                          `help: no command or topic "nope" (help lists them)`,
		"events -3":                          `events: N must be a positive number, not "-3"`,
		"syscall getpid 1 2 3 4 5 6 7":       "syscall: too many arguments, at most 7 (usage: syscall [--app] [--queue] [--json] NAME|NR [ARG...])",
		"syscall 99999999999999999999":       "syscall: 99999999999999999999 does not fit in a 64-bit register",
		"syscall getpid 0x1ffffffffffffffff": `argument 1: "0x1ffffffffffffffff" does not fit in a 64-bit register`,
	}
	wantUsageErrors(t, s, out, cases)
	if got := run(t, s, out, "irq"); !strings.Contains(got, "mydev") {
		t.Fatalf("state lost after bad input:\n%s", got)
	}
}

// wantUsageErrors runs each bad line and checks that it fails with its
// one-line usage error and prints nothing else.
func wantUsageErrors(t *testing.T, s *Session, out *bytes.Buffer, cases map[string]string) {
	t.Helper()
	for line, want := range cases {
		out.Reset()
		err := s.Exec(line)
		var ue *UsageError
		if !errors.As(err, &ue) || err.Error() != want {
			t.Errorf("%s:\n got %v\nwant %s", line, err, want)
			continue
		}
		if strings.Contains(err.Error(), "\n") || out.Len() != 0 {
			t.Errorf("%s: error must be one line with no other output, got %q / %q", line, err, out.String())
		}
	}
}

func TestPanicInACommandIsAnInternalErrorNotACrash(t *testing.T) {
	s, _ := newSession(t)
	boom := &Command{Names: []string{"boom"}, MaxArgs: -1, Run: func(*Session, *Invocation) error { panic("kaboom") }}
	table = append(table, boom)
	defer func() { table = table[:len(table)-1] }()
	err := s.Exec("boom")
	var ie *InternalError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "internal error: kaboom") {
		t.Fatalf("got %v", err)
	}
	if err := s.Exec("syscall getpid"); err != nil {
		t.Fatalf("session unusable after an internal error: %v", err)
	}
}

func TestHaltedMachineRefusesToMoveUntilReboot(t *testing.T) {
	s, out := newSession(t)
	if got := run(t, s, out, "lkdtm PANIC"); !strings.Contains(got, "kernel halted: dumptest (type reboot)") {
		t.Fatalf("%q", got)
	}
	for _, line := range []string{"syscall getpid", "run 1s", "step", "irq fire 3", "lkdtm BUG"} {
		if err := s.Exec(line); err == nil || !strings.Contains(err.Error(), "type reboot") {
			t.Errorf("%s on a halted machine: %v", line, err)
		}
	}
	if got := run(t, s, out, "dmesg -l emerg"); !strings.Contains(got, "Kernel panic - not syncing: dumptest") {
		t.Fatalf("the log must survive the panic: %q", got)
	}
	run(t, s, out, "reboot")
	if got := run(t, s, out, "syscall getpid"); !strings.Contains(got, "= 1") {
		t.Fatalf("after reboot: %q", got)
	}
}

func TestStepSwitchShowsTheHandOff(t *testing.T) {
	s, out := newSession(t)
	got := run(t, s, out, "step switch")
	want := "[    1.040000] switch swapper/0[0] (R) -> kworker/0:0[4]: kworker/0:0[4] is runnable and the CPU was idle\n" +
		"                 pick: leftmost vruntime 7.999997 ms of 1 runnable\n" +
		"                 switch_to: up(kworker/0:0.sem); down(swapper/0.sem)\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	got = run(t, s, out, "step tick")
	if got != "[    2.040000] tick jiffies 4294937500 (+100, 99 skipped by NO_HZ)\n" {
		t.Fatalf("step tick: %q", got)
	}
	got = run(t, s, out, "step irq --for 10ms")
	if got != "no irq within 0.010000 s of simulated time\n" {
		t.Fatalf("bounded step: %q", got)
	}
}

func TestCompletion(t *testing.T) {
	s, _ := newSession(t)
	cases := map[string]string{
		"sy":                     "sys syscall sysctl sysent",
		"sysctl kernel.sched_rr": "kernel.sched_rr_timeslice_ms",
		"irq ":                   "disable enable fire free list raise request",
		"irq f":                  "fire free",
		"step t":                 "tick timer",
		"step c":                 "cascade",
		"step ti":                "tick timer",
		"syscall getp":           "getpeername getpgid getpgrp getpid getpmsg getppid getpriority",
		"dmesg --j":              "--json",
		"help ir":                "irq",
		"lkdtm ":                 "BUG EXCEPTION PANIC SLAB_FREE_DOUBLE WARNING WRITE_AFTER_FREE",
		"nosuchcommand x":        "",
		"cat /proc/l":            "/proc/loadavg",
		"cat /proc/2/s":          "/proc/2/sched /proc/2/schedstat /proc/2/stat /proc/2/statm /proc/2/status",
		"cat /proc/0":            "",
		"st":                     "st status step strace",
		"strace o":               "off",
		"strace -":               "--attach --follow-forks --json --summary --summary-only --summary-wall-clock",
		"trace e":                "enable events",
		"trace enable raw":       "raw_syscalls raw_syscalls:sys_enter raw_syscalls:sys_exit",
	}
	for line, want := range cases {
		if got := strings.Join(Complete(s, line), " "); got != want {
			t.Errorf("Complete(%q) = %q, want %q", line, got, want)
		}
	}
}

var update = flag.Bool("update", false, "rewrite docs/commands.md and docs/topics.md from their tables")

// checkGenerated fails when docs/name differs from want, the text the
// table generates; with -update it rewrites the file first.
func checkGenerated(t *testing.T, name, want, table, test string) {
	t.Helper()
	path := filepath.Join("..", "docs", name)
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("docs/%s is out of date with the %s; run: go test ./repl -run %s -update", name, table, test)
	}
}

func TestCommandsDoc(t *testing.T) {
	want := Markdown()
	checkGenerated(t, "commands.md", want, "command table", "TestCommandsDoc")
	for _, c := range Commands() {
		if !strings.Contains(want, "### "+c.Name()+"\n") {
			t.Errorf("docs lack command %s", c.Name())
		}
		if c.Group == "" || c.Summary == "" || c.Usage == "" {
			t.Errorf("command %s lacks group, summary or usage", c.Name())
		}
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	s, out := newSession(t)
	got := run(t, s, out, "help")
	for _, c := range Commands() {
		if !strings.Contains(got, "  "+c.Name()+" ") {
			t.Errorf("help lacks %s", c.Name())
		}
	}
	if got := run(t, s, out, "help irq"); !strings.Contains(got, "\tirq [list|fire|raise|request|free|disable|enable] ...") {
		t.Errorf("help irq:\n%s", got)
	}
	if got := run(t, s, out, "ps --help"); !strings.HasPrefix(got, "List the tasks") {
		t.Errorf("ps --help: %q", got)
	}
}

// A negative number after a flag that takes a value is that value; on its
// own it stays an argument (syscall getpriority 0 -1).
func TestNegativeFlagValues(t *testing.T) {
	s, out := newSession(t)
	if got := run(t, s, out, "spawn --nice -5 --name n cpu-hog"); !strings.Contains(got, "n: SCHED_OTHER, nice -5, prio 115") {
		t.Fatalf("spawn --nice -5: %q", got)
	}
	if got := run(t, s, out, "syscall getpriority 0 -1"); !strings.Contains(got, "getpriority(PRIO_PROCESS, -1)") {
		t.Fatalf("negative argument: %q", got)
	}
	if err := s.Exec("step --for -1s"); err == nil || !strings.Contains(err.Error(), `duration "-1s"`) {
		t.Fatalf("step --for -1s: %v", err)
	}
}

func TestKillListsSignalsAndGoesPastABadPID(t *testing.T) {
	s, out := newSession(t)
	if got := run(t, s, out, "kill -l"); !strings.HasPrefix(got, "HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT\nCHLD CONT STOP") {
		t.Fatalf("kill -l: %q", got)
	}
	run(t, s, out, "spawn --name victim cpu-hog")
	if err := s.Exec("kill -s KILL 99 6"); err == nil || !strings.Contains(err.Error(), "kill 99: No such process") {
		t.Fatalf("bad pid: %v", err)
	}
	if got := run(t, s, out, "run 10ms", "ps"); strings.Contains(got, "victim") {
		t.Fatalf("pid 6 after the bad pid was not killed:\n%s", got)
	}
	if err := s.Exec(`task -R ""`); err == nil || !strings.Contains(err.Error(), "-R wants member names") {
		t.Fatalf("task -R \"\": %v", err)
	}
}

func TestReniceAndChrt(t *testing.T) {
	s, out := newSession(t)
	run(t, s, out, "spawn --name a cpu-hog", "spawn --name b cpu-hog")
	if got := run(t, s, out, "renice -n 5 -p 6"); got != "6 (process ID) old priority 0, new priority 5\n" {
		t.Fatalf("renice: %q", got)
	}
	run(t, s, out, "chrt -f -p 10 7")
	if got := run(t, s, out, "chrt -p 7"); got != "pid 7's current scheduling policy: SCHED_FIFO\npid 7's current scheduling priority: 10\n" {
		t.Fatalf("chrt -p: %q", got)
	}
	if got := run(t, s, out, "run 100ms", "ps"); !strings.Contains(got, "   6     1  R   TS   125   5  0:00.00  a") || !strings.Contains(got, ">    7     1  R   FF    89   0  0:00.10  b") {
		t.Fatalf("the FIFO task must have the CPU:\n%s", got)
	}
	for _, bad := range []string{"renice 30 6", "renice 5 99", "chrt -f -p 0 7", "chrt -p 99", "chrt -f 10 7"} {
		if err := s.Exec(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

// A double kfree from the prompt Oopses the kmem thread, not the session.
func TestKmallocAndADoubleKfree(t *testing.T) {
	s, out := newSession(t)
	got := run(t, s, out, "kmalloc 100")
	addr := strings.Fields(got)[0]
	if !strings.HasPrefix(addr, "0xffff888") || !strings.Contains(got, "(128 bytes usable)") {
		t.Fatalf("kmalloc 100: %q", got)
	}
	if got := run(t, s, out, "kfree "+addr); got != "" {
		t.Fatalf("first kfree: %q", got)
	}
	if got := run(t, s, out, "kfree "+addr); !strings.Contains(got, "kmalloc-128: Object "+addr+" already free: double free: the kmem thread Oopsed") {
		t.Fatalf("double kfree: %q", got)
	}
	if got := run(t, s, out, "ps"); strings.Contains(got, "kmem") {
		t.Fatalf("the Oopsed thread is still there:\n%s", got)
	}
	if got := run(t, s, out, "slabinfo -s n 1"); !strings.Contains(got, "  OBJS ACTIVE  USE OBJ SIZE  SLABS OBJ/SLAB CACHE SIZE NAME") || !strings.Contains(got, "21     21 100%    0.19K      1       21         4K cred_jar") {
		t.Fatalf("slabinfo:\n%s", got)
	}
	for _, bad := range []string{"kmalloc 0", "kmalloc x", "kmalloc 8 GFP_NOPE", "kfree zz", "slabinfo -s q"} {
		if err := s.Exec(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

func TestKmemCacheFromThePrompt(t *testing.T) {
	s, out := newSession(t)
	if got := run(t, s, out, "kmem_cache create mycache 100 --poison"); got != "mycache: objects of 100 bytes take 112 (align 8), 36 per slab of 1 page(s)\n" {
		t.Fatalf("create: %q", got)
	}
	a := strings.TrimSpace(run(t, s, out, "kmem_cache alloc mycache"))
	if err := s.Exec("kmem_cache destroy mycache"); err == nil || !strings.Contains(err.Error(), "Slab cache still has objects (1 remaining)") {
		t.Fatalf("destroy with an object left: %v", err)
	}
	if got := run(t, s, out, "kmem_cache free mycache "+a); got != "" {
		t.Fatalf("free: %q", got)
	}
	if got := run(t, s, out, "kmem_cache free mycache "+a); !strings.Contains(got, "already free: double free: the kmem thread Oopsed") {
		t.Fatalf("double free: %q", got)
	}
	run(t, s, out, "kmem_cache destroy mycache")
	if err := s.Exec("slab mycache"); err == nil {
		t.Fatal("the cache must be gone")
	}
	for _, bad := range []string{"kmem_cache free task_struct 0x1", "kmem_cache destroy kmalloc-64", "kmem_cache create x 0",
		"kmem_cache create 'a b' 8", "kmem_cache create y 8 --align 3", "kmem_cache grow x", "kmem_cache alloc"} {
		if err := s.Exec(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

func TestMemReadWriteAndVM(t *testing.T) {
	s, out := newSession(t)
	run(t, s, out, "syscall mmap 0 8192 3 0x22 -1 0")
	if got := run(t, s, out, "mem write 1 0x7ffff7ffd000 01 02 ff"); got != "3 bytes written at 0x7ffff7ffd000\n" {
		t.Fatalf("write: %q", got)
	}
	if got := run(t, s, out, "mem read 1 0x7ffff7ffd000 4"); got != "00007ffff7ffd000  01 02 ff 00                                       |....|\n" {
		t.Fatalf("read: %q", got)
	}
	for _, bad := range []string{"mem read 1 0x1000 4", "mem write 1 0x1000 00", "mem read 2 0x7ffff7ffd000 4",
		"mem write 1 0x7ffff7ffd000 0", "mem write 1 0x7ffff7ffd000 zz", "mem read 1 0x7ffff7ffd000 0", "vm 2", "vm 999"} {
		if err := s.Exec(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

// Kernel calls from the prompt finish even while a user task computes.
func TestKernelCallsFinishBesideAHog(t *testing.T) {
	s, out := newSession(t)
	run(t, s, out, "spawn cpu-hog")
	got := run(t, s, out, "kmalloc 64")
	if !strings.Contains(got, "(64 bytes usable)") || strings.HasPrefix(got, "0x0 ") {
		t.Fatalf("kmalloc beside a hog: %q", got)
	}
	addr := strings.Fields(got)[0]
	run(t, s, out, "kfree "+addr)
	if got := run(t, s, out, "kfree "+addr); !strings.Contains(got, "the kmem thread Oopsed") {
		t.Fatalf("a double kfree beside a hog: %q", got)
	}
	// The kernel's own objects are refused, not freed.
	if err := s.Exec("kfree 0x1"); err == nil || !strings.Contains(err.Error(), "not yours to free") {
		t.Fatalf("kfree of a non-prompt address: %v", err)
	}
}

// Addresses in JSON are hex strings: a number above 2^53 would lose bits.
func TestMemoryJSON(t *testing.T) {
	s, out := newSession(t)
	got := run(t, s, out, "kmalloc 100 --json")
	var m map[string]any
	if err := json.Unmarshal([]byte(got), &m); err != nil || !strings.HasPrefix(m["addr"].(string), "0xffff888") || m["usable"] != 128.0 {
		t.Fatalf("kmalloc --json: %s (%v)", got, err)
	}
	got = run(t, s, out, "kmem --json "+m["addr"].(string))
	if err := json.Unmarshal([]byte(got), &m); err != nil || m["what"] != "allocated object" || m["cache"].(map[string]any)["name"] != "kmalloc-128" {
		t.Fatalf("kmem --json: %s (%v)", got, err)
	}
}

func TestProcDump(t *testing.T) {
	s, out := newSession(t)
	dir := t.TempDir()
	for range 2 { // the second dump replaces the first's links
		if got := run(t, s, out, "proc dump "+dir); !strings.HasSuffix(got, " files and links written under "+dir+"\n") {
			t.Fatalf("proc dump: %q", got)
		}
	}
	want, _ := s.K.ReadProc("/proc/1/status")
	got, err := os.ReadFile(filepath.Join(dir, "1", "status"))
	if err != nil || string(got) != want {
		t.Fatalf("1/status: %v\n%s", err, got)
	}
	for link, target := range map[string]string{"self": "1", "1/fd/0": "/dev/console", "1/cwd": "/"} {
		if got, err := os.Readlink(filepath.Join(dir, link)); err != nil || got != target {
			t.Errorf("%s -> %q (%v), want %q", link, got, err, target)
		}
	}
	if err := s.Exec("proc dump /dev/null/x"); err == nil {
		t.Fatal("a directory that cannot be made must fail")
	}
}
