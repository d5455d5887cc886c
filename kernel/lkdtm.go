package kernel

import (
	"sort"
	"strings"

	"kplay/consoledrv"
)

// lkdtmTests are the crash types kplay's LKDTM (the Linux Kernel Dump
// Test Module, drivers/misc/lkdtm) can provoke, by Linux's names.
var lkdtmTests = map[string]func(k *Kernel){
	"BUG":       (*Kernel).lkdtmBUG,
	"WARNING":   (*Kernel).lkdtmWARNING,
	"EXCEPTION": (*Kernel).lkdtmEXCEPTION,
	"PANIC":     (*Kernel).lkdtmPANIC,
}

// lkdtmBUG is lkdtm_BUG.
func (k *Kernel) lkdtmBUG() { k.bug("") }

// lkdtmWARNING is lkdtm_WARNING.
func (k *Kernel) lkdtmWARNING() { k.warn("lkdtm: Warning message trigger") }

// lkdtmEXCEPTION is lkdtm_EXCEPTION: a NULL pointer dereference.
func (k *Kernel) lkdtmEXCEPTION() {
	var t *Task
	k.printk(consoledrv.Info, "lkdtm: reading through a NULL task_struct pointer: %d", t.PID)
}

// lkdtmPANIC is lkdtm_PANIC.
func (k *Kernel) lkdtmPANIC() { k.panic("dumptest") }

// LkdtmTypes lists the crash types, sorted.
func LkdtmTypes() []string {
	var out []string
	for n := range lkdtmTests {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Provoke runs an LKDTM crash type in a new kernel thread named "lkdtm"
// (as writing it to /sys/kernel/debug/provoke-crash/DIRECT does) and lets
// the machine settle. An Oops kills only that thread.
func (k *Kernel) Provoke(kind string) (RunResult, error) {
	fn, ok := lkdtmTests[strings.ToUpper(kind)]
	if !ok {
		return RunResult{}, errInvalid("lkdtm: unknown crash type %q (want %s)", kind, strings.Join(LkdtmTypes(), ", "))
	}
	if k.halted {
		return RunResult{Reason: StopHalted}, nil
	}
	done := false
	k.requestKthread("lkdtm", func(t *Task) {
		defer func() { done = true }() // also when the crash type Oopses
		t.enter("ret_from_fork_asm", "ret_from_fork", "kthread", "direct_entry", "lkdtm_do_action", "lkdtm_"+strings.ToUpper(kind))
		k.printk(consoledrv.Info, "lkdtm: Performing direct entry %s", strings.ToUpper(kind))
		fn(k)
	}, nil)
	return k.Run(Stop{Done: func() bool { return done }, Breakpoints: true}), nil
}
