package kernel

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync/atomic"

	"kplay/consoledrv"
	"kplay/irq"
	"kplay/kernel/arch"
	"kplay/kernel/host"
	"kplay/kernel/vfs"
	"kplay/mm"
	"kplay/sched"
	"kplay/timers"
)

// Release is the kernel release string, as uname -r prints it.
const Release = "6.6.0-kplay"

// Version is the kernel's UTS version (uname -v).
const Version = "#1"

// Fixed interrupt lines.
const (
	IRQTimer   = 0  // the tick, from a host one-shot timer
	IRQConsole = 4  // kcon0, on COM1's legacy line as ttyS0 is
	IRQSyscall = 16 // IRQ_SYSCALL: the application path's doorbell
)

// ChipName is the name of kplay's interrupt controller (irq_chip.name).
const ChipName = "kplay-pic"

// Config is what a front end chooses at boot.
type Config struct {
	// Clock is "virtual" (default) or "real".
	Clock string
	// HZ is the tick rate; 0 means 100.
	HZ int
	// Sched names the scheduler of the fair class; "" means "cfs".
	Sched string
	// MemBytes is the simulated RAM; 0 means 64 MiB. It is rounded down
	// to whole pages, as mem= is.
	MemBytes int64
	// LowmemBytes is where ZONE_HIGHMEM starts; 0 means 896 MiB (32-bit
	// x86's 3G/1G split).
	LowmemBytes int64
	// Quiet sets the console loglevel to 4, as the quiet boot option.
	Quiet bool
	// Console receives console output (printk above the loglevel, writes to
	// fds 1 and 2). Nil discards it.
	Console io.Writer
	// Strace receives the lines of strace (Kernel.Strace), a whole line
	// per write, as tracees make system calls. Nil discards them.
	Strace io.Writer
	// LogBufLen is the printk ring size in bytes; 0 means 128 KiB.
	LogBufLen int
	// PanicOnOops halts the machine on any Oops (the panic_on_oops sysctl).
	PanicOnOops bool
	// Host overrides the native operations (tests use a recording fake).
	// When nil, Clock selects host.NewVirtual or host.NewReal.
	Host host.Ops
}

// Check reports what Boot would refuse in c (an unknown clock, HZ out of
// range, too little memory) without booting.
func (c Config) Check() error { return c.setDefaults() }

func (c *Config) setDefaults() error {
	if c.Clock == "" {
		c.Clock = "virtual"
	}
	if c.Clock != "virtual" && c.Clock != "real" {
		return fmt.Errorf("clock %q: want virtual or real", c.Clock)
	}
	if c.HZ == 0 {
		c.HZ = 100
	}
	if c.HZ < 1 || c.HZ > 10000 {
		return fmt.Errorf("hz %d: want 1-10000 (100, 250, 300 and 1000 are Linux's choices)", c.HZ)
	}
	if c.Sched == "" {
		c.Sched = "cfs"
	}
	if _, ok := sched.Schedulers[c.Sched]; !ok {
		return fmt.Errorf("sched %q: want cfs", c.Sched)
	}
	if c.MemBytes == 0 {
		c.MemBytes = 64 << 20
	}
	if c.MemBytes < 4<<20 || c.MemBytes > 64<<30 {
		return fmt.Errorf("mem %s: want between 4M and 64G", FormatMem(c.MemBytes))
	}
	c.MemBytes &^= mm.PageSize - 1
	if c.LowmemBytes == 0 {
		c.LowmemBytes = mm.DefaultLowmemLimit
	}
	if c.LowmemBytes <= mm.DMALimit || c.LowmemBytes > 64<<30 {
		return fmt.Errorf("lowmem %s: want more than 16M (ZONE_DMA) and at most 64G", FormatMem(c.LowmemBytes))
	}
	c.LowmemBytes &^= mm.PageSize - 1
	if c.LogBufLen == 0 {
		c.LogBufLen = consoledrv.DefaultLogBufLen
	}
	return nil
}

// Kernel is one booted machine.
type Kernel struct {
	cfg    Config
	host   host.Ops
	cpu    *arch.CPU
	tickNs int64

	irqs     *irq.Table
	softirqs *irq.Softirqs
	timers   *timers.Wheel
	rq       *sched.RunQueue
	pm       *mm.PhysMem
	slabs    *mm.Slabs
	kmalloc  map[int]*mm.Cache
	caches   map[string]*mm.Cache
	mms      map[*mm.AddrSpace]*mmObjs
	// cacheObjs are each cache's descriptor objects (in kmem_cache and
	// kmem_cache_node).
	cacheObjs                     map[*mm.Cache][2]uint64
	cacheKmemCache, cacheKmemNode *mm.Cache
	madeAtPrompt                  map[*mm.Cache]bool
	vmAreas                       []*vmArea
	promptAllocs                  map[uint64]promptAlloc
	promptVmallocs                map[uint64]bool
	con                           *consoledrv.Driver
	vfs                           *vfs.VFS
	conFops                       *vfs.FileOperations
	pipefs                        *vfs.SuperBlock // pipefs's kern_mount
	pipeFops                      *vfs.FileOperations
	random                        *prng
	console                       *consoledrv.Console

	tasks   map[int]*Task
	nextPID int
	current *Task
	idle    *Task // swapper/0
	initTsk *Task
	kthrd   *Task // kthreadd
	softd   *Task // ksoftirqd/0
	worker  *Task // kworker/0:0

	kthreadCreateList []*kthreadReq
	sysReqs           []*Request // IRQ_SYSCALL's mailbox (filled by the front end)
	sysQueue          []*Request // ksyscalld's work queue
	consoleIn         []*Request // typed into the console, not yet read
	ttyQueue          []*Request // read side of the console, for init
	workList          []*work
	vmstatWork        *delayedWork
	nsyscalld         int
	nrForks           uint64       // processes created since boot (total_forks, /proc/stat)
	oomKills          uint64       // the OOM_KILL event of /proc/vmstat
	hostname          string       // utsname()->nodename: sethostname, /proc/sys/kernel/hostname
	demoDevs          []demoEntry  // handlers attached by RequestDemoIRQ
	userTimers        []*userTimer // timers added from the front end, in order

	// Time.
	jiffies         uint64
	lastUpdate      int64  // time of the last whole tick (last_jiffies_update)
	lastTickJiffies uint64 // jiffies at the last tick interrupt
	tickTimer       *host.Timer
	tickArmedAt     int64
	tickStopped     bool
	threadsMax      int // the threads-max sysctl; 0 until written
	// locks are the registered kernel locks (the locks command);
	// preemptCount counts held spinlocks (preempt_count), irqsOff the
	// spin_lock_irqsave sections that hold interrupt delivery.
	locks        []lock
	preemptCount int
	irqsOff      int
	consoleSem   *semaphore
	torture      *lockTorture
	breaks       []*Breakpoint
	// rtPeriodTimer replenishes a throttled RT class; rtThrottleSaid
	// makes "RT throttling activated" print once.
	rtPeriodTimer  timers.TimerList
	rtThrottleSaid bool
	slots          eventSlots
	nextBreak      int
	tortureMutex   *mutex
	tortureSpin    *spinlock
	nohz           NOHZStats
	idleSince      int64
	budgetTimer    *host.Timer
	uptimeOrigin   int64
	// cpustat is the CPU's time by bucket, in ns (kernel_cpustat).
	cpustat [nrCPUStats]int64
	// load is the load average's state.
	load loadAvg

	// Context flags of the code now on the CPU.
	hardirq     int
	softirqNest int
	needResched bool
	switchWhy   string

	// Run control, owned by the CPU holder; parkReq is the one field any
	// goroutine may set.
	stop    stopState
	parkReq atomic.Bool
	result  RunResult
	events  []Event
	evSeq   uint64
	tr      traceBuffer
	strace  straceState

	// Faults.
	oopses  int
	taint   uint64
	halted  bool
	haltWhy string
}

// Boot creates a machine and runs it until it settles: every boot-time
// thread has started and gone to sleep. The caller holds the CPU when Boot
// returns.
func Boot(cfg Config) (*Kernel, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	h := cfg.Host
	if h == nil {
		if cfg.Clock == "real" {
			h = host.NewReal(cfg.Console)
		} else {
			h = host.NewVirtual(cfg.Console)
		}
	}
	k := &Kernel{
		cfg:      cfg,
		host:     h,
		cpu:      arch.NewCPU(h),
		tickNs:   (1_000_000_000 + int64(cfg.HZ)/2) / int64(cfg.HZ), // TICK_NSEC
		irqs:     irq.NewTable(ChipName),
		softirqs: irq.NewSoftirqs(),
		tasks:    map[int]*Task{},
		jiffies:  timers.InitialJiffies(cfg.HZ),
		tr:       newTraceBuffer(),
		hostname: defaultHostname,
	}
	pm, err := mm.NewPhysMem(cfg.MemBytes, cfg.LowmemBytes, h.MemAlloc)
	if err != nil {
		return nil, err
	}
	k.pm = pm
	k.timers = timers.NewWheel(k.jiffies)
	k.timers.OnCascade = func(vector, slot, n int) {
		k.emit(Event{Kind: EvCascade, Cascade: &CascadeEvent{Vector: vector, Slot: slot, Timers: n, Jiffies: k.timers.TimerJiffies()}})
	}
	k.timers.OnExpire = func(t *timers.TimerList) {
		k.emit(Event{Kind: EvTimer, Timer: &TimerEvent{Function: t.Name, Owner: t.Owner, Expires: t.Expires, Jiffies: k.timers.TimerJiffies() - 1}})
		k.traceTimerExpire(t, k.timers.TimerJiffies()-1)
	}
	k.timers.OnExpired = k.traceTimerExpired
	k.traceHooks()
	k.uptimeOrigin = h.Time()
	k.lastUpdate = k.uptimeOrigin
	k.lastTickJiffies = k.jiffies
	k.load.init(k.jiffies, k.loadFreq())
	level := consoledrv.DefaultConsoleLoglevel
	if cfg.Quiet {
		level = consoledrv.QuietConsoleLoglevel
	}
	k.con = consoledrv.NewDriver(cfg.LogBufLen, level, k.clockNs)
	k.consoleSem = k.newSemaphore("console_sem", 1)
	k.slabInit()
	k.promptAllocs, k.promptVmallocs = map[uint64]promptAlloc{}, map[uint64]bool{}
	k.faultInit()
	k.idle = k.newTask("swapper/0", nil, pfIdle|pfKthread, k.startKernel)
	k.idle.PID, k.idle.TGID = 0, 0
	k.nextPID = 1
	k.current = k.idle
	k.rq, _ = sched.NewRunQueue(cfg.HZ, &k.idle.se, cfg.Sched)
	k.cpu.SetCurrent(k.idle.thread)
	res := k.Run(Stop{})
	if res.Reason == StopHalted {
		return k, fmt.Errorf("kernel panic during boot: %s", k.haltWhy)
	}
	return k, nil
}

// Config returns the configuration the machine booted with.
func (k *Kernel) Config() Config { return k.cfg }

// Host returns the native operations the machine runs on.
func (k *Kernel) Host() host.Ops { return k.host }

// clockNs is kernel time: ns since boot.
func (k *Kernel) clockNs() int64 { return k.host.Time() - k.uptimeOrigin }

// SetConsoleOutput redirects the console (kcon0) to w.
func (k *Kernel) SetConsoleOutput(w io.Writer) {
	if k.console != nil {
		k.console.SetOutput(w)
	}
}

// Shutdown stops every kernel thread and disarms the host timers. The
// Kernel must not be used afterwards.
func (k *Kernel) Shutdown() {
	if k.tickTimer != nil {
		k.host.TimerFree(k.tickTimer)
	}
	if k.budgetTimer != nil {
		k.host.TimerFree(k.budgetTimer)
	}
	k.cpu.Shutdown()
}

// startKernel is swapper/0's body: start_kernel, then rest_init, then the
// idle loop.
func (k *Kernel) startKernel(t *Task) {
	k.printk(consoledrv.Notice, "Linux version %s (kplay@kplay) (%s) %s", Release, runtime.Version(), Version)
	k.printk(consoledrv.Info, "Command line: %s", k.CommandLine())
	kb := k.cfg.MemBytes >> 10
	k.printk(consoledrv.Info, "Memory: %dK/%dK available (0K kernel code, 0K rwdata, 0K rodata, 0K init, 0K bss, 0K reserved, 0K cma-reserved)", kb, kb)
	k.printZoneRanges()
	k.printk(consoledrv.Info, "NR_IRQS: %d, nr_irqs: %d, preallocated irqs: %d", irq.NrIRQs, irq.NrIRQs, 16)
	k.irqInit()
	k.timeInit()
	k.consoleInit()
	k.vfsInit()
	k.printk(consoledrv.Info, "pid_max: default: 32768 minimum: 301")
	// rest_init: init must be pid 1, kthreadd pid 2.
	k.initTsk = k.kernelThread("init", k.kernelInit)
	k.kthrd = k.kernelThread("kthreadd", k.kthreadd)
	k.initTsk.Parent, k.kthrd.Parent = k.idle, k.idle
	k.idleLoop()
}

// CommandLine is the kernel command line the configuration amounts to.
func (k *Kernel) CommandLine() string {
	parts := []string{
		"clock=" + k.cfg.Clock,
		fmt.Sprintf("hz=%d", k.cfg.HZ),
		"mem=" + FormatMem(k.cfg.MemBytes),
	}
	if k.cfg.Quiet {
		parts = append(parts, "quiet")
	}
	if k.cfg.PanicOnOops {
		parts = append(parts, "oops=panic")
	}
	return strings.Join(parts, " ")
}

// FormatMem renders a size as the mem= option writes it (64M, 1G, 4096K).
func FormatMem(b int64) string {
	switch {
	case b%(1<<30) == 0:
		return fmt.Sprintf("%dG", b>>30)
	case b%(1<<20) == 0:
		return fmt.Sprintf("%dM", b>>20)
	default:
		return fmt.Sprintf("%dK", b>>10)
	}
}

// printk logs a formatted message at a level.
func (k *Kernel) printk(level consoledrv.Level, format string, args ...any) {
	// console_trylock: on one CPU nobody holds console_sem across a
	// printk, so the record goes straight to the console.
	locked := k.consoleSem != nil && k.downTrylock(k.consoleSem)
	k.con.Printk(level, fmt.Sprintf(format, args...))
	if locked {
		k.up(k.consoleSem) // console_unlock
	}
}
