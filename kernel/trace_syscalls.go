package kernel

// The raw_syscalls events (include/trace/events/syscalls.h, recorded from
// syscall_trace_enter and syscall_exit_work as kernel/trace/
// trace_syscalls.c sets them up): every system call's number and its six
// argument registers at entry, and its number and return value at exit,
// printed with TP_printk's formats
//
//	sys_enter: NR 1 (1, 7ffffffde000, 6, 0, 0, 0)
//	sys_exit: NR 1 = 6
//
// The registers print as %lx (hex without 0x) and the return value as %ld
// (-2 for ENOENT). exit and exit_group never reach sys_exit. A call on the
// application path is recorded in ksyscalld's context, the task that
// makes it.

import "fmt"

// traceSysEnter records sys_enter for req, if the event is on.
func (k *Kernel) traceSysEnter(req *Request) {
	if !k.tr.on || !k.tr.enabled[evSysEnter] {
		return
	}
	a := req.Args
	k.trace(held{}, "sys_enter", fmt.Sprintf("NR %d (%x, %x, %x, %x, %x, %x)",
		req.Nr, a[0], a[1], a[2], a[3], a[4], a[5]), nil)
}

// traceSysExit records sys_exit, if the event is on.
func (k *Kernel) traceSysExit(nr int, ret int64) {
	if !k.tr.on || !k.tr.enabled[evSysExit] {
		return
	}
	k.trace(held{}, "sys_exit", fmt.Sprintf("NR %d = %d", nr, ret), nil)
}
