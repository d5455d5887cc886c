package commands

import (
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/spf13/cobra"

	"kplay/internal/hostbench"
	"kplay/kernel"
	"kplay/kernel/abi"
	"kplay/repl"
	"kplay/timers"
)

// BenchRow is one line of `kplay bench`: ns/op beside the host baseline it
// is compared with.
type BenchRow struct {
	Name     string  `json:"name"`
	NsPerOp  float64 `json:"ns_per_op"`
	Baseline string  `json:"baseline"`
	Ratio    float64 `json:"ratio"`
}

type benchCase struct {
	name     string
	baseline string
	fn       func(b *testing.B)
}

// withKernel boots a quiet machine for one benchmark run.
func withKernel(fn func(b *testing.B, k *kernel.Kernel)) func(b *testing.B) {
	return func(b *testing.B) {
		k, err := kernel.Boot(kernel.Config{Quiet: true})
		if err != nil {
			b.Fatal(err)
		}
		defer k.Shutdown()
		b.ResetTimer()
		fn(b, k)
		b.StopTimer()
	}
}

var benchCases = []benchCase{
	{"host getpid", "", func(b *testing.B) { hostbench.Getpid(b.N) }},
	{"getpid, task path", "host getpid", withKernel(func(b *testing.B, k *kernel.Kernel) {
		k.BenchTaskGetpid(b.N)
	})},
	{"getpid, application path", "host getpid", withKernel(func(b *testing.B, k *kernel.Kernel) {
		for i := 0; i < b.N; i++ {
			k.Syscall(int(abi.SysGetpid))
		}
	})},
	{"host goroutine hand-off", "", func(b *testing.B) { hostbench.GoroutineHandoff(b.N) }},
	{"kthread context switch", "host goroutine hand-off", withKernel(func(b *testing.B, k *kernel.Kernel) {
		k.BenchKthreadSwitch(b.N)
	})},
	{"host pipe round trip, 2 threads", "", func(b *testing.B) {
		if err := hostbench.PipeRoundTrip(b.N); err != nil {
			b.Skip(err)
		}
	}},
	{"host sync.Pool get+put", "", func(b *testing.B) { hostbench.SyncPool(b.N) }},
	{"kmem_cache alloc+free", "host sync.Pool get+put", withKernel(func(b *testing.B, k *kernel.Kernel) {
		k.BenchKmemCache(b.N)
	})},
	{"host 4 KiB heap alloc", "", func(b *testing.B) { hostbench.HeapPage(b.N) }},
	{"buddy order-0 alloc+free", "host 4 KiB heap alloc", withKernel(func(b *testing.B, k *kernel.Kernel) {
		k.BenchBuddy(b.N)
	})},
	{"host page fault", "", func(b *testing.B) {
		if err := hostbench.PageFault(b.N); err != nil {
			b.Skip(err)
		}
	}},
	{"user page fault", "host page fault", withKernel(func(b *testing.B, k *kernel.Kernel) {
		k.BenchPageFault(b.N)
	})},
	{"user yield context switch", "host pipe round trip, 2 threads", withKernel(func(b *testing.B, k *kernel.Kernel) {
		if err := k.BenchUserYield(b.N, b.ResetTimer); err != nil {
			b.Fatal(err)
		}
	})},
}

// timerCases are the timer wheel rows: each workload at each number of
// pending timers, the wheel beside Go's runtime timers.
func timerCases(pendings []int) []benchCase {
	var out []benchCase
	for _, n := range pendings {
		for i := 0; i+1 < len(timers.Workloads); i += 2 {
			wheel, rt := timers.Workloads[i], timers.Workloads[i+1]
			suffix := fmt.Sprintf(", %s pending", countName(n))
			out = append(out,
				benchCase{rt.Name + suffix, "", timerBench(rt, n)},
				benchCase{wheel.Name + suffix, rt.Name + suffix, timerBench(wheel, n)})
		}
	}
	return out
}

func timerBench(w timers.Workload, n int) func(b *testing.B) {
	return func(b *testing.B) {
		op, done := w.Setup(n)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			op(i)
		}
		done()
	}
}

// countName renders 1024 as 1K and 1048576 as 1M.
func countName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dM", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dK", n>>10)
	}
	return fmt.Sprint(n)
}

// RunBench measures every row in this process and computes the ratios;
// the timer rows run with each number of pending timers given.
func RunBench(timerPendings []int) []BenchRow {
	ns := map[string]float64{}
	var rows []BenchRow
	for _, c := range append(append([]benchCase(nil), benchCases...), timerCases(timerPendings)...) {
		r := testing.Benchmark(c.fn)
		v := float64(r.T.Nanoseconds()) / float64(max(r.N, 1))
		ns[c.name] = v
		row := BenchRow{Name: c.name, NsPerOp: v, Baseline: c.baseline, Ratio: 1}
		if c.baseline != "" && ns[c.baseline] > 0 {
			row.Ratio = v / ns[c.baseline]
		}
		rows = append(rows, row)
	}
	return rows
}

func newBenchCmd(g *globalOpts, stdout io.Writer) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the kernel's hot paths beside host baselines",
		Long: `Runs, in this one process, a host getpid system call and a host goroutine
hand-off as baselines, and beside them kplay's getpid on the task path and
on the application path (IRQ_SYSCALL and ksyscalld), a context switch
between two kernel threads, and the timer wheel's add+del and add+expire
with 1K, 64K and 1M timers pending beside Go's runtime timers
(time.AfterFunc + Stop). Prints ns/op and each row's ratio to its baseline.
The same benchmarks run under go test -bench ./kernel ./timers.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			rows := RunBench(timers.Pendings)
			if asJSON {
				return printJSON(stdout, rows)
			}
			fmt.Fprintf(stdout, "kplay %s, %s, %s/%s, GOMAXPROCS=%d\n", repl.Version, goVersion(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0))
			var cells [][]string
			for _, r := range rows {
				base := r.Baseline
				if base == "" {
					base = "-"
				}
				cells = append(cells, []string{r.Name, fmt.Sprintf("%.1f", r.NsPerOp), base, fmt.Sprintf("%.2fx", r.Ratio)})
			}
			return repl.RenderTable(stdout, []string{"BENCHMARK", "NS/OP", "BASELINE", "RATIO"}, cells, 1, 3)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the rows as JSON")
	return cmd
}

func goVersion() string { return runtime.Version() }
