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

	data []byte
}

// AddrSpace is a user address space (struct mm_struct).
type AddrSpace struct {
	vmas  []*VMA // sorted by Start, never overlapping
	alloc func(n int) []byte
}

// NewAddrSpace returns an empty address space whose areas are backed by
// memory from alloc (the host's mem_alloc).
func NewAddrSpace(alloc func(n int) []byte) *AddrSpace {
	return &AddrSpace{alloc: alloc}
}

// Map creates an area of length bytes at start (both page aligned), like
// mmap with MAP_FIXED_NOREPLACE.
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
	v := &VMA{Start: start, End: end, Flags: flags, Name: name, data: as.alloc(int(length))}
	as.vmas = append(as.vmas, v)
	sort.Slice(as.vmas, func(i, j int) bool { return as.vmas[i].Start < as.vmas[j].Start })
	return v, nil
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

// access walks [addr, addr+n) area by area, calling fn on each piece of
// backing memory, and fails with ErrFault at the first byte that is not
// mapped with perm. It returns the number of bytes fn was given.
func (as *AddrSpace) access(addr uint64, n int, perm int, fn func(b []byte)) (int, error) {
	if n < 0 {
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
		off := a - v.Start
		k := int(min(uint64(n-done), v.End-a))
		fn(v.data[off : off+uint64(k)])
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

// Dup copies the address space for fork (dup_mmap): every area and its
// contents. The copy is eager; copy-on-write comes with the page
// allocator.
func (as *AddrSpace) Dup() *AddrSpace {
	c := &AddrSpace{alloc: as.alloc}
	for _, v := range as.vmas {
		nv := *v
		nv.data = as.alloc(len(v.data))
		copy(nv.data, v.data)
		c.vmas = append(c.vmas, &nv)
	}
	return c
}
