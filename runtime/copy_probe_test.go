package runtime

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestProbeCopyInTasks is a measuring tool, run only with NOX_PROBE=1
// (go test ./runtime -run ProbeCopyInTasks -v): one float32 trainer of
// the digits MAF, and one of the moons shape, alternate 20 rounds of
// steps with the batch's rows copied on the calling goroutine and copied
// by the shards' tasks (copyInTasks), and print the median step and its
// quartiles. Figures quoted in runtime/train.go.
func TestProbeCopyInTasks(t *testing.T) {
	probeOnly(t)
	defer func() { copyInTasks = true }()
	for _, c := range []struct{ dim, hidden, batch, steps int }{{64, 512, 256, 100}, {2, 100, 256, 400}} {
		m, ps := probeMAF(t, c.dim, c.hidden)
		tr, err := NewTrainer(m.Grad, ps, randomRows(2000, c.dim, 3), c.dim, c.batch, DefaultAdam(1e-4), rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		var st [2][]float64
		for round := 0; round < 20; round++ {
			for k, on := range []bool{false, true} {
				copyInTasks = on
				for range c.steps {
					s := time.Now()
					tr.Step()
					st[k] = append(st[k], float64(time.Since(s).Nanoseconds())/1e3)
				}
			}
		}
		for k := range 2 {
			slices.Sort(st[k])
		}
		fmt.Printf("D=%d: drawn on the caller %.1f µs, copied in tasks %.1f µs (quartiles %.1f-%.1f, %.1f-%.1f)\n", c.dim, st[0][len(st[0])/2], st[1][len(st[1])/2], st[0][len(st[0])/4], st[0][3*len(st[0])/4], st[1][len(st[1])/4], st[1][3*len(st[1])/4])
	}
}
