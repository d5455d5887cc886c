package mm

import (
	"errors"
	"fmt"
	"sort"
)

// TaskSize is the top of the user address space on x86-64 (TASK_SIZE_MAX:
// 2^47 minus one guard page).
const TaskSize = 1<<47 - PageSize

// VMA permission flags (VM_READ, VM_WRITE, VM_EXEC).
const (
	VMRead  = 0x1
	VMWrite = 0x2
	VMExec  = 0x4
)

// ErrFault is a user access to a bad address: the kernel returns -EFAULT.
var ErrFault = errors.New("bad address")

// VMA is a virtual memory area (struct vm_area_struct).
type VMA struct {
	Start, End uint64 // [Start, End), page aligned
	Flags      int
	Name       string // "[stack]", "[heap]", or empty
}

// zeroPage marks a page table entry that maps the shared zero page: a
// read fault on anonymous memory maps it, and only a write allocates.
const zeroPage = -1

// AddrSpace is a user address space (struct mm_struct): its areas, and a
// page table from virtual page numbers to page frames. Pages are
// allocated on first touch (demand paging).
type AddrSpace struct {
	vmas []*VMA // sorted by Start, never overlapping
	pm   *PhysMem
	pte  map[uint64]int // vpn → pfn, or zeroPage
	// cow marks pages shared with another address space since a fork:
	// mapped read-only, copied on the first write (copy-on-write).
	cow map[uint64]bool
	// Minflt counts the page faults served without I/O (min_flt); RSS is
	// the resident anonymous pages (MM_ANONPAGES), HiwaterRSS its peak.
	Minflt          uint64
	RSS, HiwaterRSS int
	// CowFaults counts the write faults that copied a shared page.
	CowFaults uint64
	// HiwaterVM is the peak of TotalVM (hiwater_vm, VmPeak).
	HiwaterVM int
	// OOMSkip is MMF_OOM_SKIP: the OOM killer reaped this address space
	// and will not choose it again.
	OOMSkip bool
	brk     uint64 // 0 until the first brk
}

// ErrNoPage is a fault that found no free page: the kernel's way out is
// the OOM killer (VM_FAULT_OOM).
var ErrNoPage = errors.New("out of memory in a page fault")

// NewAddrSpace returns an empty address space whose pages come from pm.
func NewAddrSpace(pm *PhysMem) *AddrSpace {
	return &AddrSpace{pm: pm, pte: map[uint64]int{}, cow: map[uint64]bool{}}
}

// Map creates an area of length bytes at start (both page aligned), like
// mmap with MAP_FIXED_NOREPLACE. No page is allocated until touched.
func (as *AddrSpace) Map(start, length uint64, flags int, name string) (*VMA, error) {
	end := start + length
	switch {
	case start%PageSize != 0 || length%PageSize != 0 || length == 0:
		return nil, fmt.Errorf("map %#x+%#x: not page aligned", start, length)
	case end < start || end > TaskSize:
		return nil, fmt.Errorf("map %#x+%#x: beyond TASK_SIZE", start, length)
	}
	for _, v := range as.vmas {
		if start < v.End && v.Start < end {
			return nil, fmt.Errorf("map %#x+%#x: overlaps %#x-%#x", start, length, v.Start, v.End)
		}
	}
	v := &VMA{Start: start, End: end, Flags: flags, Name: name}
	as.vmas = append(as.vmas, v)
	sort.Slice(as.vmas, func(i, j int) bool { return as.vmas[i].Start < as.vmas[j].Start })
	as.HiwaterVM = max(as.HiwaterVM, as.TotalVM())
	return v, nil
}

// TotalVM is the pages mapped (mm->total_vm).
func (as *AddrSpace) TotalVM() int {
	n := 0
	for _, v := range as.vmas {
		n += int((v.End - v.Start) / PageSize)
	}
	return n
}

// Find returns the area containing addr (find_vma, exact), or nil.
func (as *AddrSpace) Find(addr uint64) *VMA {
	i := sort.Search(len(as.vmas), func(i int) bool { return as.vmas[i].End > addr })
	if i < len(as.vmas) && as.vmas[i].Start <= addr {
		return as.vmas[i]
	}
	return nil
}

// VMAs returns the areas in address order.
func (as *AddrSpace) VMAs() []*VMA { return append([]*VMA(nil), as.vmas...) }

// ptesIn lists the virtual page numbers of [start, end) that have a page
// table entry, in order: by walking the range when it is small, by
// walking the table when the range is larger than the table (a huge
// mapping must not cost a loop over every page it could hold).
func (as *AddrSpace) ptesIn(start, end uint64) []uint64 {
	first, last := start/PageSize, (end+PageSize-1)/PageSize
	var out []uint64
	if last-first <= uint64(len(as.pte)) {
		for vpn := first; vpn < last; vpn++ {
			if _, ok := as.pte[vpn]; ok {
				out = append(out, vpn)
			}
		}
		return out
	}
	for vpn := range as.pte {
		if vpn >= first && vpn < last {
			out = append(out, vpn)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Resident reports how many pages of [start, end) are present (mincore).
func (as *AddrSpace) Resident(start, end uint64) int {
	n := 0
	for _, vpn := range as.ptesIn(start, end) {
		if as.pte[vpn] != zeroPage {
			n++
		}
	}
	return n
}

// PFN returns the frame behind user address addr, if one is present.
func (as *AddrSpace) PFN(addr uint64) (int, bool) {
	pfn, ok := as.pte[addr/PageSize]
	return pfn, ok && pfn != zeroPage
}

// fault is handle_mm_fault for anonymous memory: a read maps the zero
// page, a write (or a write to the zero page) allocates a zeroed page
// (GFP_HIGHUSER: user pages may live in HighMem). Each counts as a minor
// fault.
func (as *AddrSpace) fault(vpn uint64, write bool) (int, error) {
	pfn, ok := as.pte[vpn]
	if ok && write && as.cow[vpn] {
		return as.cowFault(vpn, pfn)
	}
	if ok && (pfn != zeroPage || !write) {
		return pfn, nil
	}
	as.Minflt++
	as.pm.PgFault++
	if !write {
		as.pte[vpn] = zeroPage
		return zeroPage, nil
	}
	pfn, err := as.pm.AllocPages(GFPHighUser|GFPZero, 0)
	if err != nil {
		as.Minflt--
		return 0, ErrNoPage
	}
	as.pte[vpn] = pfn
	as.pm.AnonPages++
	as.RSS++
	as.HiwaterRSS = max(as.HiwaterRSS, as.RSS)
	return pfn, nil
}

// cowFault is do_wp_page: the last sharer takes the page as it is (its
// refcount is 1); otherwise the writer gets a copy and drops its share.
func (as *AddrSpace) cowFault(vpn uint64, pfn int) (int, error) {
	as.Minflt++
	as.pm.PgFault++
	p := &as.pm.Pages[pfn]
	if p.Refcount == 1 {
		delete(as.cow, vpn) // wp_page_reuse
		return pfn, nil
	}
	npfn, err := as.pm.AllocPages(GFPHighUser, 0)
	if err != nil {
		as.Minflt--
		return 0, ErrNoPage
	}
	copy(as.pm.Frame(npfn), as.pm.Frame(pfn))
	p.Refcount--
	as.pm.AnonPages++
	as.pte[vpn] = npfn
	delete(as.cow, vpn)
	as.CowFaults++
	return npfn, nil
}

// putPage drops this address space's reference to a user page: the last
// one frees it.
func (as *AddrSpace) putPage(pfn int) {
	if p := &as.pm.Pages[pfn]; p.Refcount > 1 {
		p.Refcount--
		return
	}
	as.pm.FreePages(pfn, 0)
	as.pm.AnonPages--
}

var zeros [PageSize]byte

// access walks [addr, addr+n) page by page, faulting pages in, calling fn
// on each piece of memory, and fails with ErrFault at the first byte that
// is not mapped with perm (or ErrNoPage when a fault finds no memory). It
// returns the number of bytes fn was given.
func (as *AddrSpace) access(addr uint64, n int, perm int, fn func(b []byte)) (int, error) {
	if !AccessOK(addr, n) { // the whole range first, as the uaccess helpers do
		return 0, ErrFault
	}
	done := 0
	for done < n {
		a := addr + uint64(done)
		if a < addr || a >= TaskSize {
			return done, ErrFault
		}
		v := as.Find(a)
		if v == nil || v.Flags&perm != perm {
			return done, ErrFault
		}
		pfn, err := as.fault(a/PageSize, perm&VMWrite != 0)
		if err != nil {
			return done, err
		}
		off := a % PageSize
		k := int(min(uint64(n-done), PageSize-off))
		if pfn == zeroPage {
			fn(zeros[off : off+uint64(k)])
		} else {
			fn(as.pm.Frame(pfn)[off : off+uint64(k)])
		}
		done += k
	}
	return done, nil
}

// CopyFromUser copies len(dst) bytes from user address src (copy_from_user).
// On a fault it returns the bytes copied before the bad address and ErrFault.
func (as *AddrSpace) CopyFromUser(dst []byte, src uint64) (int, error) {
	off := 0
	return as.access(src, len(dst), VMRead, func(b []byte) { off += copy(dst[off:], b) })
}

// CopyToUser copies src to user address dst (copy_to_user).
func (as *AddrSpace) CopyToUser(dst uint64, src []byte) (int, error) {
	off := 0
	return as.access(dst, len(src), VMWrite, func(b []byte) { off += copy(b, src[off:]) })
}

// StrncpyFromUser reads a NUL-terminated string of at most max bytes from
// user address src (strncpy_from_user). The bool is false when no NUL came
// within max bytes (the string was truncated).
func (as *AddrSpace) StrncpyFromUser(src uint64, max int) (string, bool, error) {
	var out []byte
	for len(out) < max {
		var c [1]byte
		if _, err := as.CopyFromUser(c[:], src+uint64(len(out))); err != nil {
			return string(out), false, err
		}
		if c[0] == 0 {
			return string(out), true, nil
		}
		out = append(out, c[0])
	}
	return string(out), false, nil
}

// Dup copies the address space for fork (dup_mmap): every area, with the
// present pages shared copy-on-write (each gets one more reference and is
// mapped read-only in both; the first write copies it). It cannot run out
// of memory, but keeps the error for a caller that checks.
func (as *AddrSpace) Dup() (*AddrSpace, error) {
	c := NewAddrSpace(as.pm)
	c.brk, c.HiwaterVM = as.brk, as.HiwaterVM
	for _, v := range as.vmas {
		nv := *v
		c.vmas = append(c.vmas, &nv)
	}
	vpns := make([]uint64, 0, len(as.pte))
	for vpn := range as.pte {
		vpns = append(vpns, vpn)
	}
	sort.Slice(vpns, func(i, j int) bool { return vpns[i] < vpns[j] })
	for _, vpn := range vpns {
		pfn := as.pte[vpn]
		if pfn == zeroPage {
			c.pte[vpn] = zeroPage
			continue
		}
		as.pm.Pages[pfn].Refcount++
		if v := as.Find(vpn * PageSize); v == nil || v.Flags&VMShared == 0 {
			as.cow[vpn], c.cow[vpn] = true, true // private: copy on write
		}
		c.pte[vpn] = pfn
		c.RSS++
	}
	c.HiwaterRSS = c.RSS
	return c, nil
}

// Release frees every page of the address space (exit_mmap).
func (as *AddrSpace) Release() {
	vpns := make([]uint64, 0, len(as.pte))
	for vpn := range as.pte {
		vpns = append(vpns, vpn)
	}
	sort.Slice(vpns, func(i, j int) bool { return vpns[i] < vpns[j] })
	for _, vpn := range vpns {
		if pfn := as.pte[vpn]; pfn != zeroPage {
			as.putPage(pfn)
		}
		delete(as.pte, vpn)
		delete(as.cow, vpn)
	}
	as.RSS = 0
}

// Where kplay puts the heap and the mmap area: the addresses a
// non-randomized x86-64 process gets (the heap after a PIE binary at
// 0x555555554000, mmap_base below the stack's gap).
const (
	StartBrk = 0x555555559000
	MmapBase = 0x7ffff7fff000
)

// Protections (PROT_*) become VMA flags one to one; PROT_SEM is accepted
// and means nothing on x86.
const (
	ProtRead  = 0x1
	ProtWrite = 0x2
	ProtExec  = 0x4
	ProtSem   = 0x8
)

// MmapMinAddr is vm.mmap_min_addr's usual default: no mapping below 64 KiB.
const MmapMinAddr = 65536

// ErrPerm is a MAP_FIXED mapping below mmap_min_addr (-EPERM).
var ErrPerm = errors.New("operation not permitted")

// VMShared marks a MAP_SHARED area ('s' in /proc/<pid>/maps).
const VMShared = 0x8

// dropPages frees the pages of [start, end).
func (as *AddrSpace) dropPages(start, end uint64) {
	for _, vpn := range as.ptesIn(start, end) {
		if pfn := as.pte[vpn]; pfn != zeroPage {
			as.putPage(pfn)
			as.RSS--
		}
		delete(as.pte, vpn)
		delete(as.cow, vpn)
	}
}

// split cuts the areas that straddle addr, so that addr is an area
// boundary (split_vma).
func (as *AddrSpace) split(addr uint64) {
	for i, v := range as.vmas {
		if v.Start < addr && addr < v.End {
			tail := *v
			tail.Start = addr
			v.End = addr
			as.vmas = append(as.vmas[:i+1], append([]*VMA{&tail}, as.vmas[i+1:]...)...)
			return
		}
	}
}

// merge joins neighbouring anonymous areas with the same flags and name
// (vma_merge), as Linux shows them in /proc/<pid>/maps.
func (as *AddrSpace) merge() {
	out := as.vmas[:0]
	for _, v := range as.vmas {
		if n := len(out); n > 0 && out[n-1].End == v.Start && out[n-1].Flags == v.Flags && out[n-1].Name == v.Name {
			out[n-1].End = v.End
			continue
		}
		out = append(out, v)
	}
	as.vmas = out
}

// Unmap removes [start, start+length) from the address space (munmap):
// areas are split at the edges and the pages in between freed. Unmapping
// what is not mapped is no error.
func (as *AddrSpace) Unmap(start, length uint64) error {
	// __do_munmap's checks, in its order.
	if start%PageSize != 0 || start > TaskSize || length > TaskSize-start {
		return ErrInvalid
	}
	length = (length + PageSize - 1) &^ (PageSize - 1)
	if length == 0 {
		return ErrInvalid
	}
	end := start + length
	as.split(start)
	as.split(end)
	keep := as.vmas[:0]
	for _, v := range as.vmas {
		if v.Start >= start && v.End <= end {
			as.dropPages(v.Start, v.End)
			continue
		}
		keep = append(keep, v)
	}
	as.vmas = keep
	return nil
}

// ErrInvalid is a bad argument (-EINVAL); ErrNotMapped a range with holes
// (-ENOMEM for mprotect).
var (
	ErrInvalid   = errors.New("invalid argument")
	ErrNotMapped = errors.New("range not fully mapped")
)

// Protect changes the permissions of [start, start+length) (mprotect):
// the range must be mapped without holes.
func (as *AddrSpace) Protect(start, length uint64, prot int) error {
	// do_mprotect_pkey's checks, in its order: alignment, an empty range
	// (fine whatever prot says), a range that wraps, then prot.
	if start%PageSize != 0 {
		return ErrInvalid
	}
	if length == 0 {
		return nil
	}
	length = (length + PageSize - 1) &^ (PageSize - 1)
	end := start + length
	if length == 0 || end <= start {
		return ErrNotMapped
	}
	if prot&^(ProtRead|ProtWrite|ProtExec|ProtSem) != 0 {
		return ErrInvalid
	}
	prot &^= ProtSem
	for a := start; a < end; {
		v := as.Find(a)
		if v == nil {
			return ErrNotMapped
		}
		a = v.End
	}
	as.split(start)
	as.split(end)
	for _, v := range as.vmas {
		if v.Start >= start && v.End <= end {
			v.Flags = v.Flags&VMShared | prot
		}
	}
	as.merge()
	return nil
}

// free reports whether [addr, addr+length) can take a new mapping there.
func (as *AddrSpace) free(addr, length uint64) bool {
	if addr < MmapMinAddr || addr > TaskSize || length > TaskSize-addr {
		return false
	}
	for _, v := range as.vmas {
		if addr < v.End && v.Start < addr+length {
			return false
		}
	}
	return true
}

// unmappedArea finds the highest gap of length bytes below MmapBase
// (get_unmapped_area, top down), or 0.
func (as *AddrSpace) unmappedArea(length uint64) uint64 {
	top := uint64(MmapBase)
	for i := len(as.vmas) - 1; i >= -1; i-- {
		floor := uint64(PageSize) // never map page 0 (mmap_min_addr)
		if i >= 0 {
			v := as.vmas[i]
			if v.Start >= top {
				continue
			}
			floor = v.End
		}
		if top >= floor+length {
			return top - length
		}
		if i >= 0 {
			top = min(top, as.vmas[i].Start)
		}
	}
	return 0
}

// MmapAnon maps length bytes of anonymous memory (mmap with
// MAP_ANONYMOUS): at addr with fixed (MAP_FIXED, replacing what is
// there), else at the highest free gap below MmapBase. It returns the
// address.
func (as *AddrSpace) MmapAnon(addr, length uint64, prot int, shared, fixed bool) (uint64, error) {
	if length == 0 || prot&^(ProtRead|ProtWrite|ProtExec|ProtSem) != 0 {
		return 0, ErrInvalid
	}
	length = (length + PageSize - 1) &^ (PageSize - 1)
	// __vm_enough_memory's heuristic (overcommit_memory 0): no single
	// mapping larger than all of RAM (there is no swap).
	if length == 0 || length > TaskSize || length/PageSize > uint64(len(as.pm.Pages)) {
		return 0, ErrNoMem
	}
	switch {
	case fixed && addr%PageSize != 0:
		return 0, ErrInvalid
	case fixed && (addr > TaskSize || length > TaskSize-addr):
		return 0, ErrNoMem
	case fixed && addr < MmapMinAddr:
		return 0, ErrPerm
	case fixed:
		as.Unmap(addr, length)
	case addr != 0 && as.free(addr&^(PageSize-1), length):
		addr &^= PageSize - 1 // the hint is free: take it
	default:
		if addr = as.unmappedArea(length); addr == 0 {
			return 0, ErrNoMem
		}
	}
	flags := prot &^ ProtSem
	if shared {
		flags |= VMShared
	}
	if _, err := as.Map(addr, length, flags, ""); err != nil {
		return 0, err
	}
	if shared {
		// kplay has no shmem object to share pages that do not exist
		// yet, so a shared anonymous mapping is populated at once
		// (as with MAP_POPULATE); fork then shares its pages.
		for a := addr; a < addr+length; a += PageSize {
			if _, err := as.fault(a/PageSize, true); err != nil {
				as.Unmap(addr, length)
				return 0, ErrNoMem
			}
		}
	}
	as.merge()
	return addr, nil
}

// Brk is the program break (mm->brk); it starts at StartBrk.
func (as *AddrSpace) Brk() uint64 {
	if as.brk == 0 {
		return StartBrk
	}
	return as.brk
}

// SetBrk moves the program break (brk): the [heap] area grows or shrinks
// to cover [StartBrk, newBrk) in whole pages. It returns the break, which
// stays where it was when the move is impossible (below StartBrk, or into
// another mapping), as brk(2) does.
func (as *AddrSpace) SetBrk(newBrk uint64) uint64 {
	old := as.Brk()
	if newBrk < StartBrk || newBrk > TaskSize {
		return old
	}
	oldEnd := (old + PageSize - 1) &^ (PageSize - 1)
	newEnd := (newBrk + PageSize - 1) &^ (PageSize - 1)
	switch {
	case newEnd < oldEnd:
		as.Unmap(newEnd, oldEnd-newEnd)
	case newEnd > oldEnd:
		for _, v := range as.vmas {
			if v.Start < newEnd && oldEnd < v.End {
				return old // would run into another mapping
			}
		}
		if _, err := as.Map(oldEnd, newEnd-oldEnd, VMRead|VMWrite, "[heap]"); err != nil {
			return old
		}
		as.merge()
	}
	as.brk = newBrk
	return newBrk
}

// Touch writes to the page at addr from user mode: the fault allocates it
// if need be (ErrNoPage when there is no memory, ErrFault when addr is
// not writable).
func (as *AddrSpace) Touch(addr uint64) error {
	v := as.Find(addr)
	if v == nil || v.Flags&VMWrite == 0 {
		return ErrFault
	}
	_, err := as.fault(addr/PageSize, true)
	return err
}

// Reap frees every resident page but keeps the areas (__oom_reap_task_mm):
// the process is being killed; a later touch would fault pages in again.
func (as *AddrSpace) Reap() {
	for _, v := range as.vmas {
		as.dropPages(v.Start, v.End)
	}
}

// AccessOK is access_ok: the range [addr, addr+n) lies below TASK_SIZE
// and does not wrap. It says nothing of whether it is mapped; the copy
// finds that out.
func AccessOK(addr uint64, n int) bool {
	return n >= 0 && addr <= TaskSize && uint64(n) <= TaskSize-addr
}

// ClearUser zeroes n bytes of user memory at addr (clear_user) and returns
// the bytes cleared before a fault.
func (as *AddrSpace) ClearUser(addr uint64, n int) (int, error) {
	return as.access(addr, n, VMWrite, func(b []byte) { clear(b) })
}
