//go:build linux && amd64

package abi

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// The live test runs this test binary under the local strace and checks
// QuoteString, FormatReturn and FormatUnknownSyscall against what strace
// prints. It needs strace and ptrace, so it runs only when asked:
//
//	KPLAY_LIVE_STRACE=1 go test -run Live ./kernel/abi/
//
// The expectations in strace_test.go were recorded from strace 6.1; a
// different strace version may legitimately differ.
const (
	liveEnv   = "KPLAY_LIVE_STRACE"
	helperEnv = "KPLAY_ABI_STRACE_HELPER" // mode for the traced child
	casesEnv  = "KPLAY_ABI_STRACE_CASES"  // file of hex-encoded buffers
	liveFD    = 100                       // the child writes its buffers here
)

// unknownSyscalls are numbers the child calls for FormatUnknownSyscall:
// none is a system call on any x86-64 kernel so far.
var unknownSyscalls = []int{1000, 4096, 0x3fffffff, -2}

// TestStraceHelperProcess is the traced child, not a test.
func TestStraceHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("helper for TestLiveStrace")
	}
	runtime.LockOSThread()
	code := 0
	if err := straceHelper(mode); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		code = 1
	}
	os.Exit(code)
}

func straceHelper(mode string) error {
	switch mode {
	case "write":
		data, err := os.ReadFile(os.Getenv(casesEnv))
		if err != nil {
			return err
		}
		f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		if err := syscall.Dup3(int(f.Fd()), liveFD, 0); err != nil {
			return err
		}
		for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			b, err := hex.DecodeString(line)
			if err != nil {
				return err
			}
			// A non-nil pointer even for an empty buffer: strace prints
			// NULL, not "", for a null address.
			b = append(b, 0)[:len(b)]
			p := unsafe.Pointer(unsafe.SliceData(b))
			_, _, e := syscall.RawSyscall(uintptr(SysWrite), liveFD, uintptr(p), uintptr(len(b)))
			if e != 0 {
				return e
			}
		}
	case "errno":
		// Make getppid(n) fail with errno n: SECCOMP_RET_ERRNO | args[0].
		type sockFilter struct {
			code   uint16
			jt, jf uint8
			k      uint32
		}
		filter := []sockFilter{
			{0x20, 0, 0, 0},                  // A = seccomp_data.nr
			{0x15, 0, 3, uint32(SysGetppid)}, // if A != getppid goto allow
			{0x20, 0, 0, 16},                 // A = low word of args[0]
			{0x44, 0, 0, 0x00050000},         // A |= SECCOMP_RET_ERRNO
			{0x16, 0, 0, 0},                  // return A
			{0x06, 0, 0, 0x7fff0000},         // allow: return SECCOMP_RET_ALLOW
		}
		prog := struct {
			len    uint16
			filter *sockFilter
		}{uint16(len(filter)), &filter[0]}
		prctl, _ := SyscallNumber("prctl")
		seccomp, _ := SyscallNumber("seccomp")
		const prSetNoNewPrivs, setModeFilter, flagTsync = 38, 1, 1
		if _, _, e := syscall.RawSyscall6(uintptr(prctl), prSetNoNewPrivs, 1, 0, 0, 0, 0); e != 0 {
			return fmt.Errorf("prctl: %v", e)
		}
		if r, _, e := syscall.RawSyscall(uintptr(seccomp), setModeFilter, flagTsync, uintptr(unsafe.Pointer(&prog))); e != 0 || r != 0 {
			return fmt.Errorf("seccomp: %d, %v", r, e)
		}
		runtime.KeepAlive(filter)
		for n := 0; n <= 4100; n++ {
			syscall.RawSyscall(uintptr(SysGetppid), uintptr(n), 0, 0)
		}
	case "unknown":
		for _, nr := range unknownSyscalls {
			syscall.RawSyscall(uintptr(nr), 0, 0, 0)
		}
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	return nil
}

// runUnderStrace runs the helper in the given mode under strace with the
// given options and returns strace's output lines.
func runUnderStrace(t *testing.T, mode, cases string, straceArgs ...string) []string {
	t.Helper()
	out := t.TempDir() + "/strace.out"
	args := append([]string{"-f", "-qq", "-o", out}, straceArgs...)
	args = append(args, os.Args[0], "-test.run=^TestStraceHelperProcess$", "-test.count=1")
	cmd := exec.Command("strace", args...)
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, casesEnv+"="+cases)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("strace %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(string(data), "\n")
}

// liveCases returns the buffers the write check uses: every byte alone and
// before a few others (octal digits, non-digits, escapes), buffers around
// each limit, and deterministic random ones.
func liveCases(limits []int) [][]byte {
	var cases [][]byte
	for c := 0; c < 256; c++ {
		cases = append(cases, []byte{byte(c)})
		for _, next := range []byte("0178 9a\x00\n\\") {
			cases = append(cases, []byte{byte(c), next})
		}
	}
	for _, lim := range limits {
		for n := max(lim-2, 0); n <= lim+2; n++ {
			b := bytes.Repeat([]byte("x"), n)
			cases = append(cases, b)
			for i := max(n-3, 0); i < n; i++ {
				c := bytes.Clone(b)
				c[i] = 0
				if i+1 < n {
					c[i+1] = '1'
				}
				cases = append(cases, c)
			}
		}
	}
	alphabet := []byte("\x00\x01\x07\x08\t\n\v\f\r\x1b\x7f\x80\xff\"\\'?0123456789abcXYZ ~")
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 400; i++ {
		b := make([]byte, r.IntN(80))
		for j := range b {
			if r.IntN(4) == 0 {
				b[j] = byte(r.IntN(256))
			} else {
				b[j] = alphabet[r.IntN(len(alphabet))]
			}
		}
		cases = append(cases, b)
	}
	return cases
}

// liveWriteRE matches strace's line for the helper's write, with -f's pid.
var liveWriteRE = regexp.MustCompile(`^(?:\d+ +)?write\(` + strconv.Itoa(liveFD) + `, (".*"(?:\.\.\.)?), (\d+)\) += (.*)$`)

func TestLiveStrace(t *testing.T) {
	if os.Getenv(liveEnv) == "" {
		t.Skipf("set %s=1 to compare with the local strace", liveEnv)
	}
	if _, err := exec.LookPath("strace"); err != nil {
		t.Skip("strace not installed")
	}
	if v, err := exec.Command("strace", "-V").Output(); err == nil {
		t.Logf("%s", bytes.SplitN(v, []byte("\n"), 2)[0])
	}

	limits := []int{StraceStringLimit, 0, 1, 3, 5, 100}
	cases := liveCases(limits)
	var enc strings.Builder
	for _, c := range cases {
		enc.WriteString(hex.EncodeToString(c) + "\n")
	}
	casesFile := t.TempDir() + "/cases.hex"
	if err := os.WriteFile(casesFile, []byte(enc.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, lim := range limits {
		t.Run(fmt.Sprintf("write/s=%d", lim), func(t *testing.T) {
			args := []string{"-e", "trace=write"}
			if lim != StraceStringLimit {
				args = append(args, "-s", strconv.Itoa(lim)) // default otherwise
			}
			var got [][]string
			for _, line := range runUnderStrace(t, "write", casesFile, args...) {
				if m := liveWriteRE.FindStringSubmatch(line); m != nil {
					got = append(got, m[1:])
				} else if strings.Contains(line, "write("+strconv.Itoa(liveFD)) {
					t.Fatalf("unparsed strace line %q", line)
				}
			}
			if len(got) != len(cases) {
				t.Fatalf("strace printed %d writes, want %d", len(got), len(cases))
			}
			bad := 0
			for i, c := range cases {
				want := []string{QuoteString(c, lim), strconv.Itoa(len(c)), FormatReturn(int64(len(c)))}
				if fmt.Sprint(got[i]) != fmt.Sprint(want) {
					t.Errorf("write of %q: strace printed %q, package gives %q", c, got[i], want)
					if bad++; bad > 20 {
						t.FailNow()
					}
				}
			}
		})
	}

	t.Run("errno", func(t *testing.T) {
		re := regexp.MustCompile(`^(?:\d+ +)?getppid\(\) += (.*)$`)
		var got []string
		for _, line := range runUnderStrace(t, "errno", "", "-e", "trace=getppid") {
			if m := re.FindStringSubmatch(line); m != nil {
				got = append(got, m[1])
			}
		}
		if len(got) != 4101 {
			t.Fatalf("strace printed %d getppid calls, want 4101", len(got))
		}
		for n, g := range got {
			want := FormatReturn(-int64(min(n, linuxMaxErrno))) // the kernel clamps to MAX_ERRNO
			if g != want {
				t.Errorf("errno %d: strace printed %q, FormatReturn gives %q", n, g, want)
			}
		}
	})

	t.Run("unknown", func(t *testing.T) {
		re := regexp.MustCompile(`(syscall_0x[0-9a-f]+)\(`)
		var got []string
		for _, line := range runUnderStrace(t, "unknown", "") {
			if m := re.FindStringSubmatch(line); m != nil {
				got = append(got, m[1])
			}
		}
		var want []string
		for _, nr := range unknownSyscalls {
			want = append(want, FormatUnknownSyscall(nr))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("strace printed %q, want %q", got, want)
		}
	})
}
