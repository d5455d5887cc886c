// Package mm holds kplay's memory management. For now that is the user
// address space (struct mm_struct): a sorted set of virtual memory areas
// (struct vm_area_struct), each backed by memory from the host, and the
// checked copies between it and the kernel.
//
// A system call never dereferences a user pointer. It calls CopyFromUser,
// CopyToUser or StrncpyFromUser, which look the address up in the VMAs and
// return ErrFault for an address that is unmapped, beyond TASK_SIZE, or
// mapped without the needed permission. That is Linux's exception-fixup
// idea (a faulting uaccess instruction jumps to a fixup that returns
// -EFAULT) done as an explicit check: a bad pointer from a user costs the
// user an error, never the kernel.
//
// Physical memory (page_alloc.go) is Linux's: a struct page per frame,
// zones (DMA, Normal, HighMem), and the buddy allocator with its
// watermarks; frames are host memory allocated on first touch. The slab
// allocator (slab.go) is SLUB's model on top of it. A user address space
// maps its pages through a page table and gets them on first touch
// (demand paging): a read maps the zero page, a write allocates, and each
// is a minor fault. fork shares the pages copy-on-write.
package mm
