package kernel

import (
	"errors"

	"kplay/kernel/abi"
	"kplay/mm"
)

// mmap's flags (include/uapi/linux/mman.h, asm-generic/mman-common.h).
const (
	mapShared         = 0x01
	mapPrivate        = 0x02
	mapSharedValidate = 0x03
	mapType           = 0x0f
	mapFixed          = 0x10
	mapAnonymous      = 0x20
)

var protNames = []flagName{{mm.ProtRead, "PROT_READ"}, {mm.ProtWrite, "PROT_WRITE"}, {mm.ProtExec, "PROT_EXEC"}}

var mapFlagNames = []flagName{
	{mapShared, "MAP_SHARED"}, {mapPrivate, "MAP_PRIVATE"}, {mapFixed, "MAP_FIXED"}, {mapAnonymous, "MAP_ANONYMOUS"},
}

// straceProt prints PROT_READ|PROT_WRITE, or PROT_NONE.
func straceProt(v uint64) string {
	if v == 0 {
		return "PROT_NONE"
	}
	return straceFlags(v, protNames, "PROT_???")
}

// syncVMAs keeps one vm_area_struct object per area after an mm call.
func (k *Kernel) syncVMAs(as *mm.AddrSpace) {
	o := k.mms[as]
	if o == nil {
		return
	}
	n := len(as.VMAs())
	for len(o.vmas) < n {
		o.vmas = append(o.vmas, k.kmemCacheAlloc("vm_area_struct", mm.GFPKernel))
	}
	for len(o.vmas) > n {
		k.kmemCacheFree("vm_area_struct", o.vmas[len(o.vmas)-1])
		o.vmas = o.vmas[:len(o.vmas)-1]
	}
}

// sysBrk implements Linux syscall brk(2): it returns the new break, or the
// old one when it cannot move.
func sysBrk(k *Kernel, t *Task, a *[6]uint64) int64 {
	if t.MM == nil {
		return 0
	}
	if a[0] == 0 {
		return int64(t.MM.Brk())
	}
	b := t.MM.SetBrk(a[0])
	k.syncVMAs(t.MM)
	return int64(b)
}

// sysMmap implements Linux syscall mmap(2) for anonymous memory; file
// mappings wait for the VFS (a console fd is ENODEV, as a tty's is).
func sysMmap(k *Kernel, t *Task, a *[6]uint64) int64 {
	addr, length, prot, flags, fd, off := a[0], a[1], int(a[2]), int(a[3]), int(int32(a[4])), a[5]
	switch {
	case t.MM == nil:
		return -int64(abi.ENOMEM)
	case length == 0, off%mm.PageSize != 0:
		return -int64(abi.EINVAL)
	case flags&mapType != mapShared && flags&mapType != mapPrivate && flags&mapType != mapSharedValidate:
		return -int64(abi.EINVAL)
	case flags&mapAnonymous == 0:
		if t.Files == nil || t.Files.get(fd) == nil {
			return -int64(abi.EBADF)
		}
		return -int64(abi.ENODEV)
	}
	got, err := t.MM.MmapAnon(addr, length, prot, flags&mapType != mapPrivate, flags&mapFixed != 0)
	switch {
	case errors.Is(err, mm.ErrNoMem):
		return -int64(abi.ENOMEM)
	case errors.Is(err, mm.ErrPerm):
		return -int64(abi.EPERM)
	case err != nil:
		return -int64(abi.EINVAL)
	}
	k.syncVMAs(t.MM)
	return int64(got)
}

// sysMunmap implements Linux syscall munmap(2).
func sysMunmap(k *Kernel, t *Task, a *[6]uint64) int64 {
	if t.MM == nil {
		return -int64(abi.EINVAL)
	}
	if err := t.MM.Unmap(a[0], a[1]); err != nil {
		return -int64(abi.EINVAL)
	}
	k.syncVMAs(t.MM)
	return 0
}

// sysMprotect implements Linux syscall mprotect(2).
func sysMprotect(k *Kernel, t *Task, a *[6]uint64) int64 {
	if t.MM == nil {
		return -int64(abi.ENOMEM)
	}
	switch err := t.MM.Protect(a[0], a[1], int(a[2])); {
	case errors.Is(err, mm.ErrNotMapped):
		return -int64(abi.ENOMEM)
	case err != nil:
		return -int64(abi.EINVAL)
	}
	k.syncVMAs(t.MM)
	return 0
}
