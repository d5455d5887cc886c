package vfs

import (
	"strconv"
	"strings"

	"kplay/kernel/abi"
)

// The page cache of ramfs and tmpfs (mm/filemap.c, mm/shmem.c).
//
// A ramfs or tmpfs file has no backing store: its contents are its page
// cache, one page frame from the machine's page allocator per 4 KiB of the
// file that was ever written. A hole (a range truncate or lseek skipped
// over) has no page and reads as zeros. The pages go back to the buddy
// allocator when truncate cuts them off and when the inode is freed (the
// last link gone and the last open file closed, or the filesystem
// unmounted), so /proc/meminfo's MemFree, Cached and Shmem move with the
// files.
//
// The VFS asks its owner for the frames through Config.AllocPage and
// Config.FreePage and reaches their memory through Config.Page: the
// contents live in the simulated RAM itself, so the host memory files use
// is bounded by the machine's size. A file's pages are found by index in
// a slice (Linux's xarray i_pages): entry i is page i's frame plus one, 0
// for a hole.
//
// tmpfs (and devtmpfs, which is tmpfs inside) counts its pages against
// the superblock's size limit (shmem_sb_info's max_blocks): a write past
// it fails with ENOSPC. ramfs has no limit: it takes pages until the page
// allocator has none left, as Linux's does.

// PageSize is the size of a page of the page cache (PAGE_SIZE).
const PageSize = 4096

// ramfsSB is a ramfs or tmpfs superblock's private part (struct
// shmem_sb_info): whether its pages are shmem pages, and for tmpfs its
// size limit and its use, in pages.
type ramfsSB struct {
	shmem bool
	// maxBlocks is the size limit in pages (0: none, as ramfs);
	// sizeGiven is whether a size= option set it, for /proc/mounts.
	maxBlocks, usedBlocks int64
	sizeGiven             bool
}

func ramfsInfo(sb *SuperBlock) *ramfsSB {
	r, _ := sb.Private.(*ramfsSB)
	return r
}

// parseShmemOptions reads the size= option of a tmpfs mount
// (shmem_parse_one): a number of bytes with an optional k, m, g, t, p or
// e suffix (memparse), or a percentage of RAM, rounded up to pages. Other
// options are ignored, as kplay models none of them; EINVAL for a bad
// size.
func parseShmemOptions(data string, totalram int64, r *ramfsSB) Errno {
	for _, opt := range strings.Split(data, ",") {
		val, ok := strings.CutPrefix(opt, "size=")
		if !ok {
			continue
		}
		var size int64
		if pct, ok := strings.CutSuffix(val, "%"); ok {
			n, err := strconv.ParseUint(pct, 10, 32)
			if err != nil {
				return abi.EINVAL
			}
			size = totalram * int64(n) / 100 * PageSize
		} else {
			n, err := memparse(val)
			if err != 0 {
				return err
			}
			size = n
		}
		r.maxBlocks = (size + PageSize - 1) / PageSize
		r.sizeGiven = true
	}
	return 0
}

// memparse is lib/cmdline.c's memparse: a number (decimal, 0x hex or 0
// octal) with an optional binary suffix.
func memparse(s string) (int64, Errno) {
	shift := 0
	if s != "" {
		if i := strings.IndexByte("kmgtpe", s[len(s)-1]|0x20); i >= 0 {
			shift = 10 * (i + 1)
			s = s[:len(s)-1]
		}
	}
	n, err := strconv.ParseUint(s, 0, 64)
	if err != nil || n > 1<<62>>shift {
		return 0, abi.EINVAL
	}
	return int64(n << shift), 0
}

// ShowOptions is what a filesystem adds to a mount's options in
// /proc/mounts (show_options): tmpfs shows its size only when a size=
// option set it (shmem_show_options).
func (sb *SuperBlock) ShowOptions() string {
	if r := ramfsInfo(sb); r != nil && r.sizeGiven {
		return ",size=" + strconv.FormatInt(r.maxBlocks*(PageSize>>10), 10) + "k"
	}
	return ""
}

// NrPages is how many pages of the page cache the file holds
// (i_mapping->nrpages).
func (in *Inode) NrPages() int { return in.nrPages }

// findPage returns the memory of the file's page idx, or nil for a hole.
func (in *Inode) findPage(idx int64) []byte {
	if idx >= int64(len(in.pages)) || in.pages[idx] == 0 {
		return nil
	}
	return in.SB.vfs.cfg.Page(int(in.pages[idx] - 1))
}

// getPage returns the file's page idx, allocating a zeroed one for a hole
// (shmem_get_folio with SGP_WRITE, grab_cache_page_write_begin): ENOSPC
// past a tmpfs's size, or the allocator's errno (ENOMEM) when there is
// no memory.
func (in *Inode) getPage(idx int64) ([]byte, Errno) {
	if p := in.findPage(idx); p != nil {
		return p, 0
	}
	v := in.SB.vfs
	r := ramfsInfo(in.SB)
	shmem := r != nil && r.shmem
	if r != nil && r.maxBlocks != 0 && r.usedBlocks >= r.maxBlocks {
		return nil, abi.ENOSPC // shmem_inode_acct_blocks
	}
	pfn, err := v.cfg.AllocPage(shmem)
	if err != 0 {
		return nil, err
	}
	if r != nil {
		r.usedBlocks++
	}
	for int64(len(in.pages)) <= idx {
		in.pages = append(in.pages, 0)
	}
	in.pages[idx] = int32(pfn + 1)
	in.nrPages++
	v.NrFilePages++
	if shmem {
		v.NrShmem++
	}
	p := v.cfg.Page(pfn)
	clear(p)
	return p, 0
}

// truncatePages frees the file's pages from index start on
// (truncate_inode_pages_range), lowest index first, and zeroes the tail of
// the page that keeps the new end of file (truncate_inode_partial_folio).
func (in *Inode) truncatePages(size int64) {
	v := in.SB.vfs
	start := (size + PageSize - 1) / PageSize
	if off := size % PageSize; off != 0 {
		if p := in.findPage(size / PageSize); p != nil {
			clear(p[off:])
		}
	}
	if start >= int64(len(in.pages)) {
		return
	}
	r := ramfsInfo(in.SB)
	shmem := r != nil && r.shmem
	for i := start; i < int64(len(in.pages)); i++ {
		e := in.pages[i]
		if e == 0 {
			continue
		}
		v.cfg.FreePage(int(e-1), shmem)
		in.nrPages--
		v.NrFilePages--
		if shmem {
			v.NrShmem--
		}
		if r != nil {
			r.usedBlocks--
		}
	}
	in.pages = in.pages[:start:start]
	if start == 0 {
		in.pages = nil
	}
}

// ReadAt copies the file's data at off into p, zeros for holes, up to
// the end of the file, and returns how much it copied.
func (in *Inode) ReadAt(p []byte, off int64) int {
	if off >= in.Size || off < 0 {
		return 0
	}
	p = p[:min(int64(len(p)), in.Size-off)]
	for n := 0; n < len(p); {
		pos := off + int64(n)
		var c int
		if page := in.findPage(pos / PageSize); page != nil {
			c = copy(p[n:], page[pos%PageSize:])
		} else {
			c = copy(p[n:], zeroPage[pos%PageSize:])
		}
		n += c
	}
	return len(p)
}

var zeroPage [PageSize]byte

// heapPages is where the page cache lives when the owner gives no page
// allocator (Config.AllocPage nil): host memory, page by page, with the
// freed ones reused. A VFS made for tests uses it.
type heapPages struct {
	pages [][]byte
	free  []int
}

func (h *heapPages) alloc(bool) (int, Errno) {
	if n := len(h.free); n > 0 {
		pfn := h.free[n-1]
		h.free = h.free[:n-1]
		return pfn, 0
	}
	h.pages = append(h.pages, make([]byte, PageSize))
	return len(h.pages) - 1, 0
}

func (h *heapPages) freePage(pfn int, _ bool) { h.free = append(h.free, pfn) }

func (h *heapPages) page(pfn int) []byte { return h.pages[pfn] }
