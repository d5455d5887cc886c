package kernel

// How strace prints credentials (strace's src/uid.c): a uid_t or gid_t as
// unsigned decimal, except (uid_t)-1, which it prints as -1; an id the
// call stores as [1000]; a list of groups as [10, 20].

import (
	"encoding/binary"
	"fmt"
	"strings"

	"kplay/kernel/abi"
)

// straceUID prints an id as printuid does (PRINT_VAL_ID).
func straceUID(a uint64) string {
	if uint32(a) == noID {
		return "-1"
	}
	return fmt.Sprint(uint32(a))
}

// straceIDOut prints an id the call stored at addr, as getresuid's
// get_print_uid does: [1000], or the address when the call failed or the
// id cannot be read (umove_or_printaddr).
func (k *Kernel) straceIDOut(t *Task, r *SyscallRecord, addr uint64) string {
	var b [4]byte
	if addr == 0 || r.Errno() != 0 {
		return fmtPtr(addr)
	}
	if n, _ := k.copyFromUser(t, b[:], addr); n != len(b) {
		return fmtPtr(addr)
	}
	return "[" + straceUID(uint64(binary.LittleEndian.Uint32(b[:]))) + "]"
}

// straceGroups prints n gid_t at addr as print_groups does: the address
// when n is more than NGROUPS_MAX, NULL, [] for none; then each group
// read one by one (print_array): at most StraceStringLimit of them and
// "..." for the rest, and where one cannot be read, "..." and its address
// in a comment (or only the address, if the first cannot).
func (k *Kernel) straceGroups(t *Task, n uint32, addr uint64) string {
	switch {
	case n > abi.NGROUPS_MAX || addr == 0:
		return fmtPtr(addr)
	case n == 0:
		return "[]"
	case addr+4*uint64(n) <= addr:
		return fmtPtr(addr) // the array wraps around the address space
	}
	var parts []string
	for i := uint32(0); i < n; i++ {
		cur := addr + 4*uint64(i)
		var b [4]byte
		if got, _ := k.copyFromUser(t, b[:], cur); got != len(b) {
			if i == 0 {
				return fmtPtr(addr)
			}
			parts = append(parts, fmt.Sprintf("... /* %#x */", cur))
			break
		}
		if i == abi.StraceStringLimit {
			parts = append(parts, "...")
			break
		}
		parts = append(parts, straceUID(uint64(binary.LittleEndian.Uint32(b[:]))))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
