package kernel

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"testing"

	"kplay/kernel/vfs"
)

// The programs below keep the pipe's fd pair at the top of the stack
// (pipe 0x7fffffffe000 gives fds 3 and 4 in a fresh process) and move
// data through a buffer under it.

// pipeTask returns pid's state letter and whether its kernel stack holds
// frame.
func pipeTask(k *Kernel, pid int, frame string) (string, bool) {
	t := k.tasks[pid]
	if t == nil {
		return "gone", false
	}
	return t.State.Letter(), slices.Contains(t.kstack, frame)
}

// countLines counts the lines that start with prefix and end with suffix.
func countLines(lines []string, prefix, suffix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) && strings.HasSuffix(l, suffix) {
			n++
		}
	}
	return n
}

func TestPipeWriterFillsSixtyFourKiBThenSleepsUntilTheReaderDrains(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	parent := spawn(t, k, `syscall pipe 0x7fffffffe000
fork { syscall close 3; repeat 20 { syscall write 4 0x7fffffff0000 4096 }; exit 7 }
syscall close 4
sleep 50ms
repeat 21 { syscall read 3 0x7fffffff0000 4096 }
wait`, SpawnOptions{})
	writer := parent + 1
	k.Run(Stop{For: 45e6})
	// 16 pages of PIPE_BUF went in; the 17th write sleeps in pipe_write,
	// off the run queue, until the reader wakes up at 50 ms.
	if n := countLines(syscallLines(k, writer), "write(4, ", "= 4096"); n != 16 {
		t.Fatalf("writes done before the reader ran: %d, want 16", n)
	}
	if st, in := pipeTask(k, writer, "pipe_write"); st != "S" || !in {
		t.Fatalf("writer is %s (in pipe_write: %v), want S in pipe_write", st, in)
	}
	if k.tasks[writer].se.OnRQ() {
		t.Fatal("a sleeping writer is on the run queue")
	}
	k.Run(Stop{For: 100e6})
	wl, pl := syscallLines(k, writer), syscallLines(k, parent)
	if n := countLines(wl, "write(4, ", "= 4096"); n != 20 {
		t.Fatalf("writer: %d writes of 4096, want 20:\n%s", n, strings.Join(wl, "\n"))
	}
	if n := countLines(pl, "read(3, ", "= 4096"); n != 20 {
		t.Fatalf("reader: %d reads of 4096, want 20:\n%s", n, strings.Join(pl, "\n"))
	}
	want := []string{
		`read(3, "", 4096)                       = 0`,
		`wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 7}], 0, NULL) = 7`,
		`exit_group(0)                           = ?`,
	}
	if got := pl[len(pl)-3:]; !slices.Equal(got, want) {
		t.Fatalf("reader ends with\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestPipeReaderSleepsUntilDataThenSeesEndOfFile(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	parent := spawn(t, k, `syscall pipe 0x7fffffffe000
fork { syscall close 3; sleep 30ms; syscall write 4 "hello" 5; sleep 30ms }
syscall close 4
syscall read 3 0x7fffffff0000 100
syscall read 3 0x7fffffff0000 100
wait`, SpawnOptions{})
	for _, c := range []struct {
		at    int64
		reads []string
	}{
		{20e6, nil},
		{45e6, []string{`read(3, "hello", 100)                   = 5`}},
		{100e6, []string{`read(3, "hello", 100)                   = 5`, `read(3, "", 100)                        = 0`}},
	} {
		k.Run(Stop{For: c.at - k.clockNs()})
		var reads []string
		for _, l := range syscallLines(k, parent) {
			if strings.HasPrefix(l, "read(") {
				reads = append(reads, l)
			}
		}
		if !slices.Equal(reads, c.reads) {
			t.Fatalf("at %d ms reads\n%s\nwant\n%s", c.at/1e6, strings.Join(reads, "\n"), strings.Join(c.reads, "\n"))
		}
		if c.at < 100e6 {
			if st, in := pipeTask(k, parent, "pipe_read"); st != "S" || !in {
				t.Fatalf("at %d ms the reader is %s (in pipe_read: %v), want S in pipe_read", c.at/1e6, st, in)
			}
		}
	}
}

func TestPipeWriteWithNoReaderGetsEPIPEAndSIGPIPEKillsTheWriter(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	// One writer finds the reader gone at once; the other is asleep on a
	// full pipe when the reader closes it, and wakes to the same fate.
	parent := spawn(t, k, `syscall pipe 0x7fffffffe000
fork { syscall close 3; sleep 10ms; syscall write 4 "x" 1; exit 3 }
syscall close 4
fork { syscall close 3; syscall pipe 0x7fffffffe000; fork { syscall close 4; sleep 20ms; syscall close 3 }; syscall close 3; repeat 20 { syscall write 4 0x7fffffff0000 4096 }; exit 4 }
syscall close 3
wait
wait`, SpawnOptions{})
	k.Run(Stop{For: 100e6})
	first, second := parent+1, parent+2
	if l := syscallLines(k, first); l[len(l)-1] != `write(4, "x", 1)                        = -1 EPIPE (Broken pipe)` {
		t.Fatalf("first writer ends with %q", l[len(l)-1])
	}
	l := syscallLines(k, second)
	if n := countLines(l, "write(4, ", "= 4096"); n != 16 {
		t.Fatalf("second writer: %d writes before the reader closed, want 16", n)
	}
	if !strings.HasSuffix(l[len(l)-1], "= -1 EPIPE (Broken pipe)") || !strings.HasPrefix(l[len(l)-1], "write(4, ") {
		t.Fatalf("second writer ends with %q", l[len(l)-1])
	}
	waits := []string{}
	for _, l := range syscallLines(k, parent) {
		if strings.HasPrefix(l, "wait4") {
			waits = append(waits, l)
		}
	}
	want := []string{
		fmt.Sprintf("wait4(-1, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGPIPE}], 0, NULL) = %d", first),
		fmt.Sprintf("wait4(-1, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGPIPE}], 0, NULL) = %d", second),
	}
	if !slices.Equal(waits, want) {
		t.Fatalf("waits\n%s\nwant\n%s", strings.Join(waits, "\n"), strings.Join(want, "\n"))
	}
}

func TestAFatalSignalCutsABlockedReadOrWrite(t *testing.T) {
	for _, c := range []struct {
		child, frame, sig string
		signo             int
	}{
		{"syscall read 3 0x7fffffff0000 100", "pipe_read", "SIGTERM", 15},
		{"repeat 17 { syscall write 4 0x7fffffff0000 4096 }", "pipe_write", "SIGKILL", 9},
	} {
		k, _ := boot(t, Config{Quiet: true})
		parent := spawn(t, k, fmt.Sprintf(`syscall pipe 0x7fffffffe000
fork { %s; exit 5 }
sleep 10ms
syscall kill 7 %d
wait`, c.child, c.signo), SpawnOptions{})
		k.Run(Stop{For: 5e6})
		if st, in := pipeTask(k, parent+1, c.frame); st != "S" || !in {
			t.Fatalf("%s: child is %s (in %s: %v)", c.child, st, c.frame, in)
		}
		k.Run(Stop{For: 50e6})
		l := syscallLines(k, parent)
		if want := fmt.Sprintf("wait4(-1, [{WIFSIGNALED(s) && WTERMSIG(s) == %s}], 0, NULL) = 7", c.sig); l[len(l)-2] != want {
			t.Fatalf("%s: got %q, want %q", c.child, l[len(l)-2], want)
		}
		// The cut call returns ERESTARTSYS, which only strace sees: the
		// task dies on its way back to user mode.
		cl := syscallLines(k, parent+1)
		if last := cl[len(cl)-1]; !strings.HasSuffix(last, "= ? ERESTARTSYS (To be restarted if SA_RESTART is set)") {
			t.Errorf("%s: the cut call is %q", c.child, last)
		}
	}
}

// initCall makes a system call as init and returns its strace line.
func initCall(t *testing.T, k *Kernel, name string, args ...uint64) string {
	t.Helper()
	rec, _, err := k.SyscallAs(1, nr(name), args...)
	if err != nil || rec == nil {
		t.Fatalf("%s: %v", name, err)
	}
	return strings.Join(strings.Fields(rec.String()), " ")
}

func TestPipeSystemCallsAsStraceShowsThem(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	fds, _ := k.PushUserData(1, make([]byte, 8))
	page, _ := k.PushUserData(1, bytes.Repeat([]byte("p"), 5000))
	inodes := k.vfs.NrInodes
	for _, c := range []struct {
		name string
		args []uint64
		want string
	}{
		{"pipe", []uint64{fds}, "pipe([3, 4]) = 0"},
		{"fstat", []uint64{3, page + 4096}, "fstat(3, {st_mode=S_IFIFO|0600, st_size=0, ...}) = 0"},
		{"fcntl", []uint64{3, fGetfl}, "fcntl(3, F_GETFL) = 0 (flags O_RDONLY)"},
		{"fcntl", []uint64{4, fGetfl}, "fcntl(4, F_GETFL) = 0x1 (flags O_WRONLY)"},
		{"fcntl", []uint64{3, fGetpipeSz}, "fcntl(3, F_GETPIPE_SZ) = 65536"},
		{"lseek", []uint64{3, 0, 0}, "lseek(3, 0, SEEK_SET) = -1 ESPIPE (Illegal seek)"},
		{"write", []uint64{3, page, 1}, `write(3, "p", 1) = -1 EBADF (Bad file descriptor)`},
		{"write", []uint64{4, page, 3}, `write(4, "ppp", 3) = 3`},
		// A small write merges into the last page.
		{"write", []uint64{4, page, 2}, `write(4, "pp", 2) = 2`},
		{"ioctl", []uint64{3, fionread, page + 4096}, "ioctl(3, FIONREAD, [5]) = 0"},
		{"read", []uint64{3, page + 4096, 4}, `read(3, "pppp", 4) = 4`},
		{"pipe2", []uint64{fds, vfs.O_NONBLOCK | vfs.O_CLOEXEC}, "pipe2([5, 6], O_NONBLOCK|O_CLOEXEC) = 0"},
		{"fcntl", []uint64{5, fGetfd}, "fcntl(5, F_GETFD) = 0x1 (flags FD_CLOEXEC)"},
		{"read", []uint64{5, page, 1}, "read(5, 0x" + fmt.Sprintf("%x", page) + ", 1) = -1 EAGAIN (Resource temporarily unavailable)"},
		{"fcntl", []uint64{6, fSetpipeSz, 5000}, "fcntl(6, F_SETPIPE_SZ, 5000) = 8192"},
		{"write", []uint64{6, page, 4096}, `write(6, "pppppppppppppppppppppppppppppppp"..., 4096) = 4096`},
		// Room for one page: a write past PIPE_BUF is cut to what fits.
		{"write", []uint64{6, page, 5000}, `write(6, "pppppppppppppppppppppppppppppppp"..., 5000) = 4096`},
		{"write", []uint64{6, page, 1}, `write(6, "p", 1) = -1 EAGAIN (Resource temporarily unavailable)`},
		{"ioctl", []uint64{5, fionread, page + 4096}, "ioctl(5, FIONREAD, [8192]) = 0"},
		{"fcntl", []uint64{6, fSetpipeSz, 4096}, "fcntl(6, F_SETPIPE_SZ, 4096) = -1 EBUSY (Device or resource busy)"},
		{"fcntl", []uint64{6, fSetpipeSz, 0}, "fcntl(6, F_SETPIPE_SZ, 0) = -1 EBUSY (Device or resource busy)"},
		{"fcntl", []uint64{6, fSetpipeSz, 1 << 20}, "fcntl(6, F_SETPIPE_SZ, 1048576) = 1048576"},
		// 512 Ki slots: a ring of 20 MiB is more than kmalloc gives.
		{"fcntl", []uint64{6, fSetpipeSz, 1 << 31}, "fcntl(6, F_SETPIPE_SZ, -2147483648) = -1 ENOMEM (Cannot allocate memory)"},
		{"fcntl", []uint64{6, fSetpipeSz, 1<<31 + 1}, "fcntl(6, F_SETPIPE_SZ, -2147483647) = -1 EINVAL (Invalid argument)"},
		{"fcntl", []uint64{0, fGetpipeSz}, "fcntl(0, F_GETPIPE_SZ) = -1 EBADF (Bad file descriptor)"},
		{"ioctl", []uint64{3, fionread, 0}, "ioctl(3, FIONREAD, NULL) = -1 EFAULT (Bad address)"},
		{"close", []uint64{6}, "close(6) = 0"},
		// The writer gone, what is left is read, then end of file.
		{"read", []uint64{5, page + 4096, 3}, `read(5, "ppp", 3) = 3`},
		{"close", []uint64{3}, "close(3) = 0"},
		// init is not killed by SIGPIPE; it sees EPIPE.
		{"write", []uint64{4, page, 1}, `write(4, "p", 1) = -1 EPIPE (Broken pipe)`},
		{"close", []uint64{4}, "close(4) = 0"},
		{"close", []uint64{5}, "close(5) = 0"},
		// O_DIRECT: a packet pipe. Each write is a packet; a read takes at
		// most one, and drops what of it does not fit.
		{"pipe2", []uint64{fds, vfs.O_DIRECT}, "pipe2([3, 4], O_DIRECT) = 0"},
		{"fcntl", []uint64{4, fGetfl}, "fcntl(4, F_GETFL) = 0x4001 (flags O_WRONLY|O_DIRECT)"},
		{"write", []uint64{4, page, 3}, `write(4, "ppp", 3) = 3`},
		{"write", []uint64{4, page, 2}, `write(4, "pp", 2) = 2`},
		{"read", []uint64{3, page + 4096, 1}, `read(3, "p", 1) = 1`},
		{"read", []uint64{3, page + 4096, 10}, `read(3, "pp", 10) = 2`},
		{"close", []uint64{3}, "close(3) = 0"},
		{"close", []uint64{4}, "close(4) = 0"},
	} {
		if got := initCall(t, k, c.name, c.args...); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
	if k.vfs.NrInodes != inodes {
		t.Fatalf("%d inodes after closing both pipes, want %d", k.vfs.NrInodes, inodes)
	}
}

func TestAPipeIsAnUnnamedFIFOOfPipefs(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	fds, _ := k.PushUserData(1, make([]byte, 8))
	st, _ := k.PushUserData(1, make([]byte, statSize))
	initCall(t, k, "pipe", fds)
	initCall(t, k, "pipe", fds)
	for fd, want := range map[string]string{"3": "pipe:[1]", "4": "pipe:[1]", "6": "pipe:[2]"} {
		de, err := k.Lstat("/proc/1/fd/" + fd)
		if got := de.Target; err != nil || got != want {
			t.Errorf("fd %s -> %q %v, want %q", fd, got, err, want)
		}
	}
	inodes := k.vfs.NrInodes // with the pipes' two
	initCall(t, k, "fstat", 4, st)
	b, _ := k.MemRead(1, st, statSize)
	le := binary.LittleEndian
	// As Linux: S_IFIFO|0600, one link, st_blksize a page, pipefs's
	// anonymous device.
	got := fmt.Sprintf("mode %o nlink %d blksize %d dev %#x ino %d", le.Uint32(b[24:]), le.Uint64(b[16:]), le.Uint64(b[56:]), le.Uint64(b[0:]), le.Uint64(b[8:]))
	if want := fmt.Sprintf("mode 10600 nlink 1 blksize 4096 dev %#x ino 1", k.pipefs.Dev.Encode()); got != want || k.pipefs.Dev.Encode()>>8 != 0 {
		t.Fatalf("fstat: %s, want %s", got, want)
	}
	for _, fd := range []uint64{3, 4, 5, 6} {
		initCall(t, k, "close", fd)
	}
	if k.vfs.NrInodes != inodes-2 {
		t.Fatalf("%d inodes after the pipes closed, want %d", k.vfs.NrInodes, inodes-2)
	}
}

func TestPipe2Errors(t *testing.T) {
	k, _ := boot(t, Config{Quiet: true})
	fds, _ := k.PushUserData(1, make([]byte, 8))
	rlim, _ := k.PushUserData(1, make([]byte, 16))
	inodes, kmalloc := k.vfs.NrInodes, slabInUse(k, "kmalloc-192")
	for _, c := range []struct {
		name string
		args []uint64
		want string
	}{
		{"pipe2", []uint64{fds, vfs.O_APPEND}, fmt.Sprintf("pipe2(%#x, O_APPEND) = -1 EINVAL (Invalid argument)", fds)},
		{"pipe2", []uint64{fds, 1}, fmt.Sprintf("pipe2(%#x, 0x1 /* O_??? */) = -1 EINVAL (Invalid argument)", fds)},
		{"pipe2", []uint64{fds, vfs.O_EXCL}, fmt.Sprintf("pipe2(%#x, O_EXCL) = -1 ENOPKG (Package not installed)", fds)},
		{"pipe2", []uint64{0, 0}, "pipe2(NULL, 0) = -1 EFAULT (Bad address)"},
		{"pipe", []uint64{0x1000}, "pipe(0x1000) = -1 EFAULT (Bad address)"},
		// No descriptor leaked: the next file is 3.
		{"dup", []uint64{0}, "dup(0) = 3"},
		{"prlimit64", []uint64{0, rlimitNofile, rlim, 0}, "prlimit64(0, RLIMIT_NOFILE, {rlim_cur=4, rlim_max=4096}, NULL) = 0"},
		{"pipe2", []uint64{fds, 0}, fmt.Sprintf("pipe2(%#x, 0) = -1 EMFILE (Too many open files)", fds)},
		{"close", []uint64{3}, "close(3) = 0"},
		{"pipe2", []uint64{fds, 0}, fmt.Sprintf("pipe2(%#x, 0) = -1 EMFILE (Too many open files)", fds)},
	} {
		if c.name == "prlimit64" {
			var b [16]byte
			binary.LittleEndian.PutUint64(b[0:], 4)
			binary.LittleEndian.PutUint64(b[8:], nofileMax)
			if err := k.MemWrite(1, rlim, b[:]); err != nil {
				t.Fatal(err)
			}
		}
		if got := initCall(t, k, c.name, c.args...); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
	if k.vfs.NrInodes != inodes || slabInUse(k, "kmalloc-192") != kmalloc {
		t.Fatalf("failed pipes leaked: %d inodes (was %d), %d kmalloc-192 (was %d)",
			k.vfs.NrInodes, inodes, slabInUse(k, "kmalloc-192"), kmalloc)
	}
}

// slabInUse is the objects of a cache in use.
func slabInUse(k *Kernel, name string) int {
	for _, c := range k.SlabCaches() {
		if c.Name == name {
			return c.InUse
		}
	}
	return -1
}

func TestWritesOfAtMostPIPE_BUFAreNotInterleaved(t *testing.T) {
	k, out := boot(t, Config{Quiet: true})
	out.Reset()
	// Two writers of 3000-byte records take turns on the CPU; cat starts
	// 10 ms late, so the pipe is full and both sleep in pipe_write. A
	// record that does not fit the room left in the last page (3000 +
	// 3000 > 4096) goes whole into a fresh page when one frees up; were it
	// split to fill the page, the other writer's record would land in the
	// middle of it.
	const rec, n = 3000, 60
	a, b := strings.Repeat("a", rec), strings.Repeat("b", rec)
	writer := func(s string) string {
		return fmt.Sprintf(`fork { syscall close 3; repeat %d { syscall write 4 "%s" %d; compute 300us } }`, n, s, rec)
	}
	spawn(t, k, `syscall pipe 0x7fffffffe000
`+writer(a)+`
`+writer(b)+`
syscall close 4
syscall dup2 3 0
syscall close 3
sleep 10ms
exec /bin/cat`, SpawnOptions{})
	k.Run(Stop{For: 500e6})
	got := out.String()
	if len(got) != 2*n*rec {
		t.Fatalf("cat copied %d bytes, want %d", len(got), 2*n*rec)
	}
	switches := 0
	for i := 0; i < len(got); i += rec {
		r := got[i : i+rec]
		if r != a && r != b {
			t.Fatalf("record %d is interleaved: %q...%q", i/rec, r[:8], r[rec-8:])
		}
		if i > 0 && r[0] != got[i-1] {
			switches++
		}
	}
	if switches < n {
		t.Fatalf("the writers took turns only %d times: the test shows nothing", switches)
	}
}

func TestShellPipelines(t *testing.T) {
	for _, c := range []struct{ script, want string }{
		{`echo hi | cat`, "hi\n"},
		{`echo hi | cat | cat | cat`, "hi\n"},
		// yes dies of SIGPIPE when true exits; the status is true's.
		{`yes | true; echo $?`, "0\n"},
		{`echo hi | false; echo $?`, "1\n"},
		{`cat /etc/hostname | nope; echo $?`, "sh: 1: nope: not found\n127\n"},
		{`echo a |`, "sh: 1: Syntax error: end of file unexpected\n"},
		{`| cat`, "sh: 1: Syntax error: \"|\" unexpected\n"},
	} {
		if _, got := shRun(t, c.script); got != c.want {
			t.Errorf("sh -c %q:\n got %q\nwant %q", c.script, got, c.want)
		}
	}
}

func TestShellPipesProcVersionIntoAFile(t *testing.T) {
	k, out := shRun(t, `cat /proc/version | cat > /tmp/v`)
	if out != "" {
		t.Fatalf("console %q", out)
	}
	got, err := k.ReadFile("/tmp/v")
	want, _ := k.ReadFile("/proc/version")
	if err != nil || len(want) == 0 || string(got) != string(want) {
		t.Fatalf("/tmp/v %q %v, want %q", got, err, want)
	}
}

func TestAnEndlessPipelineKeepsABoundedPipeAndEndsWhenItsHeadDies(t *testing.T) {
	k, out := boot(t, Config{Quiet: true})
	out.Reset()
	sh := spawn(t, k, "", SpawnOptions{Argv: []string{"/bin/sh", "-c", "yes | cat | cat > /dev/null; echo done $?"}})
	// Simulated time moves only by the system calls' cost (100 ns each),
	// so a few milliseconds are tens of thousands of reads and writes.
	k.Run(Stop{For: 2e6})
	free := freePages(k)
	k.Run(Stop{For: 3e6})
	// Two pipes of at most 16 pages each, plus a kept page each: the
	// memory in flight stays within that while thousands of pages go
	// through.
	if d := free - freePages(k); d > 34 || d < -34 {
		t.Fatalf("free pages moved by %d while the pipeline ran", d)
	}
	yes := sh + 1
	if k.tasks[yes] == nil || k.tasks[yes].Comm != "yes" {
		t.Fatalf("pid %d is not yes", yes)
	}
	initCall(t, k, "kill", uint64(yes), 15)
	k.Run(Stop{For: 100e6})
	if out.String() != "done 0\n" {
		t.Fatalf("console %q", out.String())
	}
	if k.tasks[sh] != nil {
		t.Fatal("sh did not end")
	}
}

// freePages counts the free pages of every zone.
func freePages(k *Kernel) int {
	n := 0
	for _, z := range k.pm.Zones {
		if z != nil {
			n += z.Free
		}
	}
	return n
}
