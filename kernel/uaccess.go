package kernel

import (
	"errors"

	"kplay/kernel/abi"
	"kplay/mm"
)

// copyFromUser copies from user memory of t's active address space and
// returns the bytes copied and 0 or EFAULT (copy_from_user).
func (k *Kernel) copyFromUser(t *Task, dst []byte, src uint64) (int, abi.Errno) {
	if t.ActiveMM == nil || t.MM == nil {
		return 0, abi.EFAULT
	}
	n, err := t.MM.CopyFromUser(dst, src)
	if err != nil {
		return n, faultErrno(err)
	}
	return n, 0
}

// copyToUser copies to user memory (copy_to_user).
func (k *Kernel) copyToUser(t *Task, dst uint64, src []byte) abi.Errno {
	if t.MM == nil {
		return abi.EFAULT
	}
	if _, err := t.MM.CopyToUser(dst, src); err != nil {
		return faultErrno(err)
	}
	return 0
}

func faultErrno(err error) abi.Errno {
	// A bad address, and a fault in kernel mode that found no page
	// (VM_FAULT_OOM: the fixup returns -EFAULT), both fail the call.
	if errors.Is(err, mm.ErrFault) || errors.Is(err, mm.ErrNoPage) {
		return abi.EFAULT
	}
	return abi.EINVAL
}

// The stack of a user task: 128 KiB below the top of the address space,
// where Linux puts [stack].
const (
	stackTop  = 0x7ffffffff000
	stackSize = 128 << 10
)

// newUserMM makes an address space with a stack, as execve does
// (mm_alloc, setup_arg_pages); nil when there is no memory for its
// mm_struct or VMAs.
func (k *Kernel) newUserMM() *mm.AddrSpace {
	as := mm.NewAddrSpace(k.pm)
	if _, err := as.Map(stackTop-stackSize, stackSize, mm.VMRead|mm.VMWrite, "[stack]"); err != nil {
		k.panic("setup_arg_pages: " + err.Error())
	}
	if !k.mmAccount(as) {
		return nil
	}
	return as
}

// setupUserMM gives t an address space with a stack; at boot (init) there
// is always memory for it.
func (k *Kernel) setupUserMM(t *Task) {
	as := k.newUserMM()
	if as == nil {
		k.panic("execve: Out of memory for init's mm")
	}
	t.MM, t.ActiveMM = as, as
	t.scratch = stackTop
}

// PushUserData places data on the stack of task pid, the way execve places
// argument strings, and returns its user address. A front end uses it for
// the string arguments of a system call. ResetUserData reclaims the space.
func (k *Kernel) PushUserData(pid int, data []byte) (uint64, error) {
	t := k.tasks[pid]
	if t == nil || t.MM == nil {
		return 0, errInvalid("pid %d: no such user task", pid)
	}
	addr := (t.scratch - uint64(len(data))) &^ 7
	if addr < stackTop-stackSize/2 {
		return 0, errInvalid("argument data too large (at most %d bytes per call)", stackSize/2)
	}
	if _, err := t.MM.CopyToUser(addr, data); err != nil {
		return 0, errInvalid("pid %d: %v", pid, err)
	}
	t.scratch = addr
	return addr, nil
}

// ResetUserData forgets what PushUserData placed for pid, unless a queued
// request that has not run yet may still point at it.
func (k *Kernel) ResetUserData(pid int) {
	if len(k.consoleIn)+len(k.ttyQueue)+len(k.sysReqs)+len(k.sysQueue) > 0 {
		return
	}
	if t := k.tasks[pid]; t != nil && t.MM != nil {
		t.scratch = stackTop
	}
}

// ReadUser reads user memory of task pid, as a debugger does with
// PTRACE_PEEKDATA.
func (k *Kernel) ReadUser(pid int, addr uint64, n int) ([]byte, error) {
	t := k.tasks[pid]
	if t == nil || t.MM == nil {
		return nil, errInvalid("pid %d: no such user task", pid)
	}
	b := make([]byte, n)
	got, err := t.MM.CopyFromUser(b, addr)
	return b[:got], err
}
