package mm

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func newAS(t *testing.T) *AddrSpace {
	as := NewAddrSpace(newPM(t, 16<<20, DefaultLowmemLimit))
	if _, err := as.Map(0x10000, 2*PageSize, VMRead|VMWrite, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := as.Map(0x12000, PageSize, VMRead, "ro"); err != nil {
		t.Fatal(err)
	}
	return as
}

func TestCopyRoundTripsAcrossAdjacentAreas(t *testing.T) {
	as := newAS(t)
	msg := []byte("hello, kernel")
	if n, err := as.CopyToUser(0x11ff8, msg[:8]); err != nil || n != 8 {
		t.Fatalf("CopyToUser: %d %v", n, err)
	}
	// Reading straddles the rw area and the ro area after it.
	got := make([]byte, 16)
	if n, err := as.CopyFromUser(got, 0x11ff8); err != nil || n != 16 {
		t.Fatalf("CopyFromUser: %d %v", n, err)
	}
	if !bytes.Equal(got[:8], msg[:8]) {
		t.Fatalf("read back %q", got)
	}
}

func TestBadAddressesFaultInsteadOfCrashing(t *testing.T) {
	as := newAS(t)
	buf := make([]byte, 8)
	cases := []struct {
		name string
		do   func() (int, error)
		n    int
	}{
		{"null", func() (int, error) { return as.CopyFromUser(buf, 0) }, 0},
		{"unmapped", func() (int, error) { return as.CopyFromUser(buf, 0x50000) }, 0},
		{"kernel half", func() (int, error) { return as.CopyFromUser(buf, 0xffff_8000_0000_0000) }, 0},
		{"runs off the end", func() (int, error) { return as.CopyFromUser(buf, 0x12ffc) }, 4},
		{"write to read-only", func() (int, error) { return as.CopyToUser(0x12000, buf) }, 0},
		{"wraps around", func() (int, error) { return as.CopyFromUser(buf, ^uint64(0)-3) }, 0},
	}
	for _, c := range cases {
		n, err := c.do()
		if !errors.Is(err, ErrFault) || n != c.n {
			t.Errorf("%s: n=%d err=%v, want %d bytes then EFAULT", c.name, n, err, c.n)
		}
	}
}

func TestStrncpyFromUser(t *testing.T) {
	as := newAS(t)
	as.CopyToUser(0x10000, []byte("abc\x00def"))
	if s, ok, err := as.StrncpyFromUser(0x10000, 100); s != "abc" || !ok || err != nil {
		t.Fatalf("%q %v %v", s, ok, err)
	}
	if s, ok, err := as.StrncpyFromUser(0x10000, 2); s != "ab" || ok || err != nil {
		t.Fatalf("truncated: %q %v %v", s, ok, err)
	}
	if _, _, err := as.StrncpyFromUser(0x40, 10); !errors.Is(err, ErrFault) {
		t.Fatal("unmapped string must fault")
	}
}

func TestMapRefusesOverlapAndMisalignment(t *testing.T) {
	as := newAS(t)
	for _, c := range []struct{ start, length uint64 }{
		{0x11000, PageSize}, {0x10001, PageSize}, {0x20000, 100}, {TaskSize, PageSize}, {0x30000, 0},
	} {
		if _, err := as.Map(c.start, c.length, VMRead, ""); err == nil {
			t.Errorf("Map(%#x, %#x) accepted", c.start, c.length)
		}
	}
	if v := as.Find(0x12fff); v == nil || v.Name != "ro" {
		t.Fatal("Find missed the last byte of an area")
	}
	if as.Find(0x13000) != nil {
		t.Fatal("Find matched past the end")
	}
}

func TestDupCopiesContentsIndependently(t *testing.T) {
	as := newAS(t)
	if _, err := as.CopyToUser(0x10000, []byte("parent")); err != nil {
		t.Fatal(err)
	}
	c, err := as.Dup()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CopyToUser(0x10000, []byte("child!")); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	as.CopyFromUser(b, 0x10000)
	if string(b) != "parent" {
		t.Fatalf("the parent sees %q after the child wrote", b)
	}
	c.CopyFromUser(b, 0x10000)
	if string(b) != "child!" || len(c.VMAs()) != len(as.VMAs()) {
		t.Fatalf("child %q, %d areas", b, len(c.VMAs()))
	}
}

// Pages are allocated on first write; a read maps the zero page; each is a
// minor fault; Release gives every page back.
func TestDemandPaging(t *testing.T) {
	pm := newPM(t, 16<<20, DefaultLowmemLimit)
	as := NewAddrSpace(pm)
	as.Map(0x400000, 64*PageSize, VMRead|VMWrite, "[heap]")
	free := pm.TotalFree()
	buf := make([]byte, 10)
	if _, err := as.CopyFromUser(buf, 0x400000+5*PageSize); err != nil || as.RSS != 0 || as.Minflt != 1 || pm.TotalFree() != free {
		t.Fatalf("a read: rss %d minflt %d, %d pages taken", as.RSS, as.Minflt, free-pm.TotalFree())
	}
	if _, err := as.CopyToUser(0x400000+5*PageSize+4000, make([]byte, 200)); err != nil { // crosses into page 6
		t.Fatal(err)
	}
	if as.RSS != 2 || as.Minflt != 3 || pm.TotalFree() != free-2 || as.Resident(0x400000, 0x400000+64*PageSize) != 2 {
		t.Fatalf("after a write across two pages: rss %d minflt %d", as.RSS, as.Minflt)
	}
	c, _ := as.Dup()
	if c.RSS != 2 || pm.TotalFree() != free-2 {
		t.Fatalf("fork shares the present pages copy-on-write: child rss %d, %d pages taken", c.RSS, free-pm.TotalFree())
	}
	// The parent's write copies the page (the child still shares the
	// original); the child's write then finds itself the last sharer and
	// takes the original as it is: one copy in all.
	as.CopyToUser(0x400000+5*PageSize, []byte("parent"))
	c.CopyToUser(0x400000+5*PageSize, []byte("child!"))
	pb, cb := make([]byte, 6), make([]byte, 6)
	as.CopyFromUser(pb, 0x400000+5*PageSize)
	c.CopyFromUser(cb, 0x400000+5*PageSize)
	if string(pb) != "parent" || string(cb) != "child!" || pm.TotalFree() != free-3 || as.CowFaults != 1 || c.CowFaults != 0 {
		t.Fatalf("after writes: parent %q child %q, %d pages taken, %d+%d COW faults", pb, cb, free-pm.TotalFree(), as.CowFaults, c.CowFaults)
	}
	as.Release()
	c.Release()
	if pm.TotalFree() != free {
		t.Fatalf("%d pages not given back", free-pm.TotalFree())
	}
	// No memory: the fault fails with ErrNoPage, not a crash.
	for {
		if _, err := pm.AllocPages(GFPHighUser, 0); err != nil {
			break
		}
	}
	for {
		if _, err := pm.AllocPages(GFPAtomic, 0); err != nil {
			break
		}
	}
	if _, err := as.CopyToUser(0x400000, []byte{1}); !errors.Is(err, ErrNoPage) {
		t.Fatalf("a fault with no memory: %v", err)
	}
}

func layout(as *AddrSpace) string {
	var parts []string
	for _, v := range as.VMAs() {
		parts = append(parts, fmt.Sprintf("%x-%x:%d%s", v.Start, v.End, v.Flags, v.Name))
	}
	return strings.Join(parts, " ")
}

func TestMmapMunmapMprotectBrk(t *testing.T) {
	pm := newPM(t, 16<<20, DefaultLowmemLimit)
	as := NewAddrSpace(pm)
	rw := ProtRead | ProtWrite
	a, err := as.MmapAnon(0, 3*PageSize, rw, false, false)
	if err != nil || a != MmapBase-3*PageSize {
		t.Fatalf("first mmap at %x: %v", a, err)
	}
	b, _ := as.MmapAnon(0, PageSize, rw, false, false)
	if b != a-PageSize || len(as.VMAs()) != 1 {
		t.Fatalf("the next mapping goes right below and merges: %s", layout(as))
	}
	as.CopyToUser(a, []byte{1}) // one resident page
	// mprotect the middle page read-only: three areas.
	if err := as.Protect(a, PageSize, ProtRead); err != nil || len(as.VMAs()) != 3 {
		t.Fatalf("mprotect: %v %s", err, layout(as))
	}
	if _, err := as.CopyToUser(a, []byte{2}); !errors.Is(err, ErrFault) {
		t.Fatal("a read-only page must refuse writes")
	}
	if err := as.Protect(a, PageSize, rw); err != nil || len(as.VMAs()) != 1 {
		t.Fatalf("mprotect back merges: %s", layout(as))
	}
	if err := as.Protect(a-10*PageSize, 12*PageSize, ProtRead); !errors.Is(err, ErrNotMapped) {
		t.Fatalf("mprotect over a hole: %v", err)
	}
	// munmap the page with data: it is freed.
	free := pm.TotalFree()
	if err := as.Unmap(a, PageSize); err != nil || len(as.VMAs()) != 2 || pm.TotalFree() != free+1 || as.RSS != 0 {
		t.Fatalf("munmap: %v %s, rss %d", err, layout(as), as.RSS)
	}
	if err := as.Unmap(a+1, PageSize); !errors.Is(err, ErrInvalid) {
		t.Fatal("unaligned munmap")
	}
	// MAP_FIXED replaces what is there.
	if c, err := as.MmapAnon(b, 2*PageSize, ProtRead, false, true); err != nil || c != b {
		t.Fatalf("MAP_FIXED: %x %v", c, err)
	}
	// brk grows [heap] page by page and refuses to go below its start.
	if as.Brk() != StartBrk || as.SetBrk(StartBrk+5000) != StartBrk+5000 || as.Find(StartBrk+4096+903).Name != "[heap]" {
		t.Fatalf("brk: %s", layout(as))
	}
	if as.SetBrk(StartBrk-1) != StartBrk+5000 || as.SetBrk(StartBrk) != StartBrk || as.Find(StartBrk) != nil {
		t.Fatalf("brk shrink: %s", layout(as))
	}
}

func TestAccessOKAndClearUser(t *testing.T) {
	for _, c := range []struct {
		addr uint64
		n    int
		ok   bool
	}{{0x1000, 10, true}, {TaskSize - 4, 4, true}, {TaskSize - 4, 5, false}, {^uint64(0) - 2, 8, false}, {0x1000, -1, false}} {
		if AccessOK(c.addr, c.n) != c.ok {
			t.Errorf("access_ok(%#x, %d) != %v", c.addr, c.n, c.ok)
		}
	}
	as := newAS(t)
	as.CopyToUser(0x10000, []byte("abcdef"))
	if n, err := as.ClearUser(0x10002, 3); n != 3 || err != nil {
		t.Fatal(n, err)
	}
	b := make([]byte, 6)
	as.CopyFromUser(b, 0x10000)
	if string(b) != "ab\x00\x00\x00f" {
		t.Fatalf("%q", b)
	}
	if n, err := as.ClearUser(0x12000-2, 4); n != 2 || !errors.Is(err, ErrFault) {
		t.Fatalf("clearing into the read-only area: %d %v", n, err)
	}
}

func TestMmapErrorsAsLinux(t *testing.T) {
	pm := newPM(t, 16<<20, DefaultLowmemLimit)
	as := NewAddrSpace(pm)
	rw := ProtRead | ProtWrite
	for _, c := range []struct {
		addr, length uint64
		prot         int
		fixed        bool
		want         error
	}{
		{0, 0, rw, false, ErrInvalid},               // len 0
		{0, 1 << 40, rw, false, ErrNoMem},           // more than RAM (no overcommit of that size)
		{0, 4096, 0x40, false, ErrInvalid},          // a bad prot
		{0x10001, 4096, rw, true, ErrInvalid},       // MAP_FIXED unaligned
		{TaskSize - 4096, 8192, rw, true, ErrNoMem}, // MAP_FIXED past TASK_SIZE
		{0, 4096, rw, true, ErrPerm},                // MAP_FIXED below mmap_min_addr
	} {
		if _, err := as.MmapAnon(c.addr, c.length, c.prot, false, c.fixed); !errors.Is(err, c.want) {
			t.Errorf("mmap(%#x, %#x, %#x, fixed %v): %v, want %v", c.addr, c.length, c.prot, c.fixed, err, c.want)
		}
	}
	// A free hint is taken; PROT_SEM is accepted.
	if a, err := as.MmapAnon(0x40000000, 4096, rw|ProtSem, false, false); err != nil || a != 0x40000000 {
		t.Fatalf("hint: %#x %v", a, err)
	}
	if err := as.Unmap(0x40000000, ^uint64(0)); !errors.Is(err, ErrInvalid) {
		t.Errorf("munmap(addr, -1): %v", err)
	}
	if err := as.Protect(0x40000000, ^uint64(0), rw); !errors.Is(err, ErrNotMapped) {
		t.Errorf("mprotect(addr, -1): %v, want ENOMEM", err)
	}
	if err := as.Protect(0x40000000, 0, 0x40); err != nil {
		t.Errorf("mprotect with length 0 and a bad prot: %v, want 0", err)
	}
	// MAP_SHARED memory stays shared across fork.
	s, _ := as.MmapAnon(0, 2*PageSize, rw, true, false)
	c, _ := as.Dup()
	as.CopyToUser(s, []byte("shared"))
	got := make([]byte, 6)
	c.CopyFromUser(got, s)
	if string(got) != "shared" {
		t.Fatalf("the child reads %q from a MAP_SHARED page the parent wrote", got)
	}
	c.Release()
	as.Release()
}
