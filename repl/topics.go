package repl

import (
	"fmt"
	"strings"
)

// Topic is a concept of the course that help explains: what it is in the
// lecture's terms, where Linux and kplay keep it, and lines to type that
// show it live. The table of them drives help TOPIC, completion and
// docs/topics.md, and a test runs every topic's Try lines.
type Topic struct {
	// Name is what help takes: "cfs", "timer-wheel", "switch_to".
	Name string
	// Summary is one line for the topic list.
	Summary string
	// Text is the explanation, a few short paragraphs.
	Text string
	// Linux names the kernel source files where the concept lives.
	Linux []string
	// Kplay names kplay's files for it.
	Kplay []string
	// Try are REPL lines that show it, in order, from a fresh session.
	Try []string
	// SeeAlso names related topics and commands.
	SeeAlso []string
}

// topics is the concept table, in the order of the course.
var topics = []*Topic{
	{
		Name:    "syscall-paths",
		Summary: "The two ways into the system call table: the task path and the application path.",
		Text: `
A system call is a numbered entry into the kernel: the x86-64 numbers,
sys_call_table[nr], with arguments in registers and -errno on failure.
kplay, like LKL, has two ways in, and both reach the same table:

task path: a user task that holds the CPU traps in (syscall,
entry_SYSCALL_64, do_syscall_64) and the call runs in its own process
context; it may sleep there. The REPL's syscall command uses it as init.

application path: a caller outside the kernel (LKL's lkl_syscall) queues
the request and raises IRQ_SYSCALL (IRQ 16); the handler wakes a ksyscalld
kernel thread, which runs the call in its task context while the caller
sleeps on a completion semaphore. syscall --app takes this path.`,
		Linux:   []string{"arch/x86/entry/common.c", "arch/x86/entry/syscall_64.c", "arch/lkl/kernel/syscalls.c (LKL)"},
		Kplay:   []string{"kernel/syscall.go", "kernel/api.go", "kernel/sysent.go"},
		Try:     []string{"syscall getpid", "explain", "syscall --app getpid", "explain", "events 4"},
		SeeAlso: []string{"syscall", "sysent", "strace", "explain"},
	},
	{
		Name:    "switch_to",
		Summary: "The context switch as LKL does it: up(next.sem); down(prev.sem).",
		Text: `
Every kernel thread and user task is a host thread with its own control
semaphore, and exactly one of them holds the one CPU. __schedule picks
next and calls switch_to, which in LKL is a semaphore hand-off:

    up(next->sem);    next's thread wakes and runs
    down(prev->sem);  prev sleeps until someone switches back to it

No kernel code runs in prev after it has woken next: that is the
invariant that makes the hand-off safe. prev resumes inside its own
down(), in finish_task_switch, when a later switch names it as next.
step stops at each switch and prints the pick and the hand-off.`,
		Linux:   []string{"kernel/sched/core.c (__schedule, context_switch)", "arch/lkl/kernel/threads.c (LKL's switch_to)"},
		Kplay:   []string{"kernel/arch/cpu.go", "kernel/sched.go (doSchedule)"},
		Try:     []string{"spawn --name a cpu-hog", "spawn --name b cpu-hog", "step switch 3", "explain", "bt 6"},
		SeeAlso: []string{"cfs", "step", "bt", "explain"},
	},
	{
		Name:    "cfs",
		Summary: "The Completely Fair Scheduler: vruntime, weights, the red-black tree.",
		Text: `
CFS (SCHED_NORMAL, SCHED_BATCH, SCHED_IDLE) gives each task a share of the
CPU in proportion to its weight: nice 0 weighs 1024, each nice step about
1.25 times less (sched_prio_to_weight). A task's vruntime grows by its run
time scaled by 1024/weight, so heavy tasks age slowly.

Runnable tasks sit in a red-black tree ordered by vruntime; the scheduler
picks the leftmost, the one that has had least. The running task leaves
the tree (cfs_rq->curr). The tick checks whether it has had its slice of
the period (sched_latency 6 ms, min_granularity 0.75 ms); a waking task
preempts it when it is a wakeup granularity (1 ms) behind in vruntime.`,
		Linux:   []string{"kernel/sched/fair.c", "kernel/sched/core.c (sched_prio_to_weight)"},
		Kplay:   []string{"sched/fair.go", "sched/rbtree.go", "sched/prio.go"},
		Try:     []string{"spawn --name hog0 cpu-hog", "spawn --name hog5 --nice 5 cpu-hog", "run 1s", "runq", "ps", "step switch", "explain"},
		SeeAlso: []string{"rt", "switch_to", "runq", "renice", "explain"},
	},
	{
		Name:    "rt",
		Summary: "The real-time classes: SCHED_FIFO and SCHED_RR over 100 priority lists.",
		Text: `
The rt class is asked before CFS, so any runnable real-time task runs
before every fair one. It keeps one list per priority (prio 0-99, prio =
99 - rt_priority) and a bitmap of the non-empty ones; the pick is the head
of the first set bit's list, O(1).

SCHED_FIFO runs until it blocks or yields; SCHED_RR also goes to the tail
of its list when its timeslice (100 ms) ends. RT throttling
(sched_rt_runtime_us 950000 of sched_rt_period_us 1000000) keeps 5% of
each second for the fair class, so a runaway FIFO hog cannot starve it.`,
		Linux:   []string{"kernel/sched/rt.c", "kernel/sched/core.c (__sched_setscheduler)"},
		Kplay:   []string{"sched/rt.go", "kernel/rt_bandwidth.go", "kernel/sys_sched.go"},
		Try:     []string{"spawn --name fair cpu-hog", "spawn --name rt --policy fifo --rtprio 50 cpu-hog", "step switch", "explain", "chrt -p 7", "runq"},
		SeeAlso: []string{"cfs", "chrt", "runq", "explain"},
	},
	{
		Name:    "softirq",
		Summary: "Bottom halves: softirqs and tasklets, run after the hard interrupt.",
		Text: `
An interrupt handler (the top half) runs with the line masked and must be
short: it acknowledges the device, raises a softirq or schedules a
tasklet, and returns IRQ_HANDLED. On irq_exit the pending softirqs run
(do_softirq) with interrupts enabled: HI, TIMER, NET_TX, NET_RX, BLOCK,
IRQ_POLL, TASKLET, SCHED, HRTIMER, RCU, in that order.

When they keep being raised, do_softirq stops after a few rounds and
leaves the rest to the ksoftirqd/0 thread, so that a flood of interrupts
cannot starve tasks. The timer wheel runs from the TIMER softirq.`,
		Linux:   []string{"kernel/softirq.c", "kernel/irq/handle.c"},
		Kplay:   []string{"irq/softirq.go", "irq/desc.go", "kernel/interrupt.go"},
		Try:     []string{"irq request 5 demo", "irq raise 5", "step irq", "explain", "softirqs", "dmesg"},
		SeeAlso: []string{"irq", "softirqs", "timer-wheel"},
	},
	{
		Name:    "timer-wheel",
		Summary: "The cascading timer wheel of Linux 2.6: tv1..tv5, TVR_BITS 8, TVN_BITS 6.",
		Text: `
Pending timers live in five vectors of lists. tv1 has 256 slots, one per
jiffy, for timers less than 2^8 jiffies away; tv2..tv5 have 64 slots each,
for timers less than 2^14, 2^20, 2^26 and 2^32 jiffies away. The distance
idx = expires - timer_jiffies picks the vector, and bits 0-7, 8-13, 14-19,
20-25 or 26-31 of expires pick the slot (internal_add_timer): O(1).

Each tick the TIMER softirq runs tv1's current slot. When tv1's index
wraps to 0, the next slot of tv2 is cascaded: its timers are re-added and
fall into tv1; when tv2 wraps, tv3 cascades into tv2, and so on. Timers
deleted before they expire (most timeouts) never pay for the sorting.`,
		Linux:   []string{"kernel/timer.c (Linux 2.6; kernel/time/timer.c since 4.8)"},
		Kplay:   []string{"timers/wheel.go", "timers/placement.go", "kernel/time.go"},
		Try:     []string{"timer add 100ms", "explain", "timer add 200s", "explain", "timers", "timers -v"},
		SeeAlso: []string{"nohz", "timer", "timers", "step cascade", "explain"},
	},
	{
		Name:    "nohz",
		Summary: "NO_HZ idle: the tick stops while the CPU has nothing to do.",
		Text: `
With a periodic tick an idle CPU still wakes HZ times a second. With
NO_HZ idle (CONFIG_NO_HZ_IDLE), the idle loop asks the timer wheel for its
next expiry (get_next_timer_interrupt), programs the clock event device
for it and stops the tick (tick_nohz_idle_enter). When the CPU wakes,
jiffies catch up with the ticks it skipped in one step.

Under kplay's virtual clock idle jumps straight to the next timer, so an
idle second costs one wakeup (vmstat_update) instead of a hundred ticks.
status and the tick events count the skipped ticks.`,
		Linux:   []string{"kernel/time/tick-sched.c", "kernel/time/timer.c (get_next_timer_interrupt)"},
		Kplay:   []string{"kernel/time.go", "timers/wheel.go (NextExpiry)"},
		Try:     []string{"run 5s", "status", "step tick", "explain"},
		SeeAlso: []string{"timer-wheel", "status", "run"},
	},
	{
		Name:    "buddy",
		Summary: "The buddy page allocator: free lists of 2^order pages that split and merge.",
		Text: `
Physical memory is handed out in blocks of 2^order pages (order 0-10).
Each zone keeps one free list per order. An allocation takes a block of
the smallest order that fits, splitting a bigger one in halves, the
"buddies", as often as needed. On free, a block whose buddy (its address
with bit order flipped) is also free merges with it, and again one order
up, so free memory stays in large blocks.

/proc/buddyinfo shows each zone's free blocks per order; many small
blocks and no large ones is external fragmentation.`,
		Linux:   []string{"mm/page_alloc.c (__rmqueue_smallest, __free_one_page)"},
		Kplay:   []string{"mm/page_alloc.go"},
		Try:     []string{"buddyinfo", "kmalloc 65536", "buddyinfo", "cat /proc/buddyinfo"},
		SeeAlso: []string{"slab", "buddyinfo", "meminfo"},
	},
	{
		Name:    "slab",
		Summary: "The slab allocator: caches of same-sized objects carved from pages.",
		Text: `
kmalloc and kmem_cache_alloc serve small objects from caches: a cache
holds objects of one size, in slabs (one or more pages from the buddy
allocator) each with a freelist. An allocation takes an object from a
partial slab, else a new slab; a free puts it back on its slab's
freelist. kmalloc uses the kmalloc-8 ... kmalloc-8k caches by size class.

/proc/slabinfo (version 2.1) shows each cache's active and total
objects, object size and objects per slab; slabtop sorts them.`,
		Linux:   []string{"mm/slab.c", "mm/slub.c", "mm/slab_common.c"},
		Kplay:   []string{"mm/slab.go", "kernel/slab.go"},
		Try:     []string{"kmalloc 100", "slab kmalloc-128", "kmem_cache create demo 40", "kmem_cache alloc demo", "slabinfo"},
		SeeAlso: []string{"buddy", "kmalloc", "slabinfo", "kmem"},
	},
	{
		Name:    "page-fault",
		Summary: "Demand paging: a first touch faults a page in; a bad address is EFAULT or SIGSEGV.",
		Text: `
mmap only creates a VMA: a range of the address space with permissions.
No page is there until the task touches it. The touch faults
(do_page_fault, handle_mm_fault): the kernel finds the VMA, allocates a
page from the buddy allocator, zeroes it and maps it. An address in no
VMA, or a write to a read-only one, is SIGSEGV.

The kernel itself reaches user memory only through copy_from_user and
copy_to_user; a bad pointer there returns -EFAULT instead of an Oops
(the exception-fixup table).`,
		Linux:   []string{"arch/x86/mm/fault.c", "mm/memory.c (handle_mm_fault)", "mm/mmap.c"},
		Kplay:   []string{"mm/addrspace.go", "kernel/uaccess.go", "kernel/sys_mm.go"},
		Try:     []string{"spawn --name toucher -- \"alloc 64K; sleep 1s\"", "run 10ms", "vm 6", "syscall write 1 0x10 3", "explain"},
		SeeAlso: []string{"oom", "vm", "mem"},
	},
	{
		Name:    "oom",
		Summary: "The OOM killer: with no memory left, kill the process that holds the most.",
		Text: `
When a page allocation fails even after reclaim, the kernel picks a victim
(out_of_memory, select_bad_process): every process gets a badness score,
oom_badness, roughly the pages it holds plus oom_score_adj. Init and
kernel threads are never chosen. The victim gets SIGKILL and its memory
is reaped (the oom_reaper), and the allocation is retried.

dmesg shows "Out of memory: Killed process ..." and /proc/vmstat counts
oom_kill.`,
		Linux:   []string{"mm/oom_kill.c"},
		Kplay:   []string{"kernel/oom.go"},
		Try:     []string{"spawn memhog", "run 2s", "dmesg", "cat /proc/vmstat"},
		SeeAlso: []string{"page-fault", "buddy", "meminfo", "dmesg"},
	},
	{
		Name:    "vfs",
		Summary: "The virtual file system: path lookup, dentries, inodes and open files.",
		Text: `
open walks a path a component at a time (path_lookupat, link_path_walk),
through the dentry cache: a dentry names an inode in its parent
directory. The file system behind an inode supplies its operations
(inode_operations, file_operations). open returns the lowest free file
descriptor, an index into the task's file table pointing at a struct
file, which holds the offset and the open flags.

/proc is a file system too: its files are generated when read.`,
		Linux:   []string{"fs/namei.c", "fs/open.c", "fs/read_write.c", "fs/dcache.c"},
		Kplay:   []string{"kernel/vfs/namei.go", "kernel/vfs/file.go", "kernel/sys_fs.go"},
		Try:     []string{"ls /", "cat /proc/self/status", "syscall open \"/nonexistent\" 0", "explain", "ls -l /proc/1/fd"},
		SeeAlso: []string{"pipe", "cat", "ls"},
	},
	{
		Name:    "pipe",
		Summary: "Pipes: a ring of pages between a write end and a read end, with blocking.",
		Text: `
pipe(2) makes an inode of pipefs and two files on it, the read end and
the write end. The data sits in a ring of 16 pages (pipe_buffer). A
reader with nothing to read sleeps on the pipe's wait queue until a
writer wakes it; a writer to a full pipe sleeps likewise. With every
writer gone a read returns 0 (end of file); with every reader gone a
write is EPIPE and SIGPIPE.`,
		Linux:   []string{"fs/pipe.c"},
		Kplay:   []string{"kernel/pipe.go"},
		Try:     []string{"syscall pipe 0x7fffffffe000", "syscall write 4 \"hello\" 5", "syscall read 3 0x7fffffffd000 100", "syscall close 3", "syscall write 4 \"x\" 1", "explain"},
		SeeAlso: []string{"vfs", "syscall"},
	},
	{
		Name:    "cred",
		Summary: "Credentials: struct cred, real/effective/saved uids and capabilities.",
		Text: `
A task's identity is its struct cred: real, effective, saved and fs uids
and gids, supplementary groups and capability sets. Permission checks use
the effective ids (fsuid for files). Credentials are copied on write:
set*id calls prepare a new cred, change it and commit_creds it, so a
cred others hold is never changed under them.

setuid as root sets all three uids; as a user it may only switch between
its real and saved ones. Dropping to a non-zero uid drops the
capabilities too.`,
		Linux:   []string{"kernel/cred.c", "kernel/sys.c (setresuid)", "security/commoncap.c"},
		Kplay:   []string{"kernel/cred.go", "kernel/sys_cred.go"},
		Try:     []string{"syscall getresuid @4 @4 @4", "task 1 -R cred.uid,cred.euid", "cat /proc/1/status", "spawn --uid 1000 /bin/id", "run 10ms"},
		SeeAlso: []string{"task", "syscall"},
	},
}

// LookupTopic finds a topic by name.
func LookupTopic(name string) *Topic {
	for _, t := range topics {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Topics returns the topic table.
func Topics() []*Topic { return topics }

// text is the explanation without its surrounding blank lines.
func (t *Topic) text() string { return strings.Trim(t.Text, "\n") }

// HelpText is what help TOPIC prints.
func (t *Topic) HelpText() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n\n%s\n\n", t.Name, t.Summary, t.text())
	fmt.Fprintf(&b, "Linux: %s\n", strings.Join(t.Linux, ", "))
	fmt.Fprintf(&b, "kplay: %s\n", strings.Join(t.Kplay, ", "))
	b.WriteString("Try:\n")
	for _, l := range t.Try {
		b.WriteString("  " + l + "\n")
	}
	if len(t.SeeAlso) > 0 {
		fmt.Fprintf(&b, "See also: %s\n", strings.Join(t.SeeAlso, ", "))
	}
	return b.String()
}

// TopicsMarkdown renders the topic table as docs/topics.md.
func TopicsMarkdown() string {
	var b strings.Builder
	b.WriteString("# kplay concepts\n\n")
	b.WriteString("Generated from the REPL's topic table (`go test ./repl -run TestTopicsDoc -update`); do not edit by hand.\n")
	b.WriteString("In the REPL, `help TOPIC` prints the same text. Every line under *Try* runs as it stands in a fresh session (a test checks it).\n\n")
	for _, t := range topics {
		fmt.Fprintf(&b, "- [%s](#%s): %s\n", t.Name, anchor(t.Name), t.Summary)
	}
	for _, t := range topics {
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n%s\n\n", t.Name, t.Summary, helpMarkdown(t.text()))
		fmt.Fprintf(&b, "Linux: %s\n\n", "`"+strings.Join(t.Linux, "`, `")+"`")
		fmt.Fprintf(&b, "kplay: %s\n\n", "`"+strings.Join(t.Kplay, "`, `")+"`")
		fmt.Fprintf(&b, "Try:\n\n```\n%s\n```\n", strings.Join(t.Try, "\n"))
		if len(t.SeeAlso) > 0 {
			fmt.Fprintf(&b, "\nSee also: %s\n", strings.Join(t.SeeAlso, ", "))
		}
	}
	return b.String()
}

// anchor is the GitHub heading anchor of a topic name.
func anchor(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}
