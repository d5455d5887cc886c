package commands

import (
	"path/filepath"
	"strconv"
	"testing"
)

// TestLabsPassForSeveralSeeds grades every course lab with seeds 1 to 5:
// every variant a seed hands out must pass, not only the default one that
// TestEveryScriptPasses checks.
func TestLabsPassForSeveralSeeds(t *testing.T) {
	labs, err := filepath.Glob(filepath.Join("..", "scripts", "labs", "*.kp"))
	if err != nil || len(labs) < 10 {
		t.Fatalf("the ten labs: %v %v", labs, err)
	}
	for _, f := range labs {
		for seed := 1; seed <= 5; seed++ {
			t.Run(filepath.Base(f)+"/seed"+strconv.Itoa(seed), func(t *testing.T) {
				if out, stderr, err := kplay(t, "", "check", "--seed", strconv.Itoa(seed), f); err != nil {
					t.Fatalf("%v\n%s%s", err, stderr, out)
				}
			})
		}
	}
}
