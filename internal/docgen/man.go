package docgen

import (
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"kplay/repl"
)

// ManDate is the date every man page carries in its header. It is fixed,
// not the day of generation, so that `make man` is byte-for-byte
// reproducible; move it when a release changes repl.Version.
var ManDate = time.Date(2026, time.November, 23, 0, 0, 0, 0, time.UTC)

// ManPages writes a section 1 man page for root and each of its
// subcommands into dir (kplay.1, kplay-run.1, ...), cobra's completion
// command included.
func ManPages(root *cobra.Command, dir string) error {
	root.InitDefaultCompletionCmd()
	root.DisableAutoGenTag = true
	for _, c := range root.Commands() {
		disableAutoGenTag(c)
	}
	date := ManDate
	return doc.GenManTree(root, &doc.GenManHeader{
		Title:   "KPLAY",
		Section: "1",
		Date:    &date,
		Source:  "kplay " + repl.Version,
		Manual:  "kplay Manual",
	}, dir)
}

func disableAutoGenTag(c *cobra.Command) {
	c.DisableAutoGenTag = true
	for _, sub := range c.Commands() {
		disableAutoGenTag(sub)
	}
}
