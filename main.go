// Command kplay is an interactive kernel playground: a small Linux-like
// kernel that boots inside this process as a library, with a REPL on top.
// See README.md and docs/.
package main

import (
	"os"

	"kplay/commands"
)

func main() {
	os.Exit(commands.Execute())
}
