package repl

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"kplay/kernel"
)

var sysctlCmd = &Command{
	Names:   []string{"sysctl"},
	Group:   "Kernel",
	Usage:   "sysctl [-a] [--json] [NAME[=VALUE]...]",
	Summary: "Read or set kernel parameters (/proc/sys), as sysctl(8) does.",
	Help: `
With no NAME (or -a) it lists every parameter as "name = value". NAME may
be written with dots or slashes (kernel.sched_rr_timeslice_ms or
kernel/sched_rr_timeslice_ms); NAME=VALUE writes it and prints the value
the kernel kept. The RR timeslice is used in whole ticks (a write rounds up
to the next tick); 0 or less restores the default, (1000/HZ) x RR_TIMESLICE
ms: 100 at HZ=100, 90 at HZ=300, as Linux shows it.

  kernel.sched_rr_timeslice_ms       SCHED_RR timeslice (100)
  kernel.sched_latency_ns            CFS period for up to latency/min_granularity tasks (6000000)
  kernel.sched_min_granularity_ns    CFS minimum slice (750000)
  kernel.sched_wakeup_granularity_ns CFS wakeup preemption threshold (1000000)
  kernel.sched_rt_runtime_us         RT bandwidth: the rt class's runtime per
                                     period (950000); -1 for no limit
  kernel.sched_rt_period_us          RT bandwidth period (1000000)
  kernel.threads-max                 most tasks fork creates (EAGAIN beyond)
  kernel.panic_on_oops               halt on any Oops

The three CFS tunables are the sysctls of Linux before 5.13, which moved
them to /sys/kernel/debug/sched/. With RT bandwidth (Linux's default) a
real-time task that never sleeps leaves the fair class 50 ms of each
second, and dmesg says "sched: RT throttling activated". A value out of range is refused with
"Invalid argument", as proc_dointvec_minmax does.`,
	SeeAlso: []string{"runq", "spawn", "status"},
	MaxArgs: -1,
	Flags: func(fs *pflag.FlagSet) {
		fs.BoolP("all", "a", false, "list every parameter")
		jsonFlag(fs)
	},
	Words: func(s *Session, _ []string) []string {
		var out []string
		for _, c := range s.K.Sysctls() {
			out = append(out, c.Name)
		}
		return out
	},
	Run: func(s *Session, inv *Invocation) error {
		var res []kernel.Sysctl
		if len(inv.Args) == 0 {
			res = s.K.Sysctls()
		}
		for _, a := range inv.Args {
			var (
				c   kernel.Sysctl
				err error
			)
			if name, value, ok := strings.Cut(a.Text, "="); ok {
				c, err = s.K.SetSysctl(strings.TrimSpace(name), value)
			} else {
				c, err = s.K.GetSysctl(a.Text)
			}
			if err != nil {
				return usagef("sysctl: %v", err)
			}
			res = append(res, c)
		}
		if inv.wantJSON() {
			return printJSON(inv.Out, res)
		}
		for _, c := range res {
			fmt.Fprintf(inv.Out, "%s = %s\n", c.Name, c.Value)
		}
		return nil
	},
}
