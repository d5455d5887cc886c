// Command kplay is an interactive kernel playground: a small Linux-like
// kernel that boots inside this process as a library, with a REPL on top.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stdout, "kplay")
}
