package commands

import (
	"path/filepath"
	"strconv"
	"testing"
)

// TestLabsPassForSeveralSeeds grades the course labs with seeds 1 to 5:
// every variant a seed hands out must pass, not only the default one that
// TestEveryScriptPasses checks.
func TestLabsPassForSeveralSeeds(t *testing.T) {
	for _, name := range []string{"interrupts", "cfs", "rt", "switching"} {
		f := filepath.Join("..", "scripts", "labs", name+".kp")
		for seed := 1; seed <= 5; seed++ {
			t.Run(name+"/seed"+strconv.Itoa(seed), func(t *testing.T) {
				if out, stderr, err := kplay(t, "", "check", "--seed", strconv.Itoa(seed), f); err != nil {
					t.Fatalf("%v\n%s%s", err, stderr, out)
				}
			})
		}
	}
}
