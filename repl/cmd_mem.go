package repl

import (
	"fmt"
	"strconv"
	"strings"

	"kplay/kernel"
)

var buddyinfoCmd = &Command{
	Names:   []string{"buddyinfo"},
	Group:   "Inspection",
	Usage:   "buddyinfo [--json]",
	Summary: "Show the buddy allocator's free lists per zone and order, with a bar per order.",
	Help: `
For each zone (DMA: the first 16 MiB; Normal: up to --lowmem; HighMem:
beyond it), the number of free blocks of each order (a block of order n
is 2^n pages, 4 KiB to 4 MiB) as /proc/buddyinfo counts them, and a bar
of the free memory each order holds. Below the table: free pages and the
min/low/high watermarks. A freshly booted machine has only order-10
blocks; allocations split them, and frees merge buddies back.`,
	SeeAlso: []string{"cat", "meminfo"},
	MaxArgs: 0,
	Flags:   jsonFlag,
	Run: func(s *Session, inv *Invocation) error {
		zones := s.K.Zones()
		if inv.wantJSON() {
			return printJSON(inv.Out, zones)
		}
		for i, z := range zones {
			if i > 0 {
				fmt.Fprintln(inv.Out)
			}
			fmt.Fprintf(inv.Out, "zone %s: %d of %d pages free (%s), watermarks min %d low %d high %d\n",
				z.Name, z.Free, z.Managed, kernel.FormatMem(int64(z.Free)*4096), z.Min, z.Low, z.High)
			var rows [][]string
			for o, n := range z.FreeArea {
				pages := n << o
				bar := ""
				if z.Free > 0 {
					bar = strings.Repeat("#", (pages*40+z.Free-1)/z.Free)
				}
				rows = append(rows, []string{strconv.Itoa(o), blockSize(o), strconv.Itoa(n), strconv.Itoa(pages), s.cyan.Sprint(bar)})
			}
			if err := RenderTable(inv.Out, []string{"ORDER", "BLOCK", "FREE", "PAGES", "SHARE OF FREE MEMORY"}, rows, 0, 2, 3); err != nil {
				return err
			}
		}
		return nil
	},
}

// blockSize is the size of an order's blocks: 4K to 4M.
func blockSize(order int) string {
	kb := 4 << order
	if kb >= 1024 {
		return fmt.Sprintf("%dM", kb/1024)
	}
	return fmt.Sprintf("%dK", kb)
}
