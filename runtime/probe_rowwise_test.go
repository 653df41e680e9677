package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// TestProbeRowwise is a measuring tool, run only with NOX_PROBE_ROWWISE
// set to d784 or digits64 (go test ./runtime -run ProbeRowwise -v): on
// that MAF (784-d's shape, or digits' with a batch of 128, whose shards
// have 64 rows; synthetic rows) it alternates two float32 trainers, one
// planned with rowwise products off and one with them on (rowwise.go),
// at the default GOMAXPROCS, in rounds of 10 steps, the two taking turns
// to go first, and prints the median and minimum step of each and in how
// many rounds the rowwise one was faster. It then checks that the two
// trainers' parameters are the same bits. Figures quoted in
// bench/README.md.
func TestProbeRowwise(t *testing.T) {
	cfg := os.Getenv("NOX_PROBE_ROWWISE")
	if cfg == "" {
		t.Skip("a measuring tool: NOX_PROBE_ROWWISE=d784|digits64")
	}
	defer func(r bool) { rowwiseOn = r }(rowwiseOn)
	dim, hidden, batch, rounds := 784, 1024, 128, 30
	if cfg == "digits64" {
		dim, hidden, batch, rounds = 64, 512, 128, 100
	}
	rounds = probeCount("NOX_PROBE_ROUNDS", rounds)
	m := madeModel(t, 5, hidden, dim)
	data := randomRows(2000, dim, 3)
	var trs [2]*Trainer
	var pss [2]*Params
	for v := range 2 {
		ps := NewParams(m.Params)
		ps.DType = Float32
		ps.ZeroMasked(modelPrograms(m)...)
		ps.Init(rand.New(rand.NewPCG(0, 0)))
		rowwiseOn = v == 1
		opt := DefaultAdam(1e-4)
		opt.Clip = 5
		tr, err := NewTrainer(m.Grad, ps, data, dim, batch, opt, rand.New(rand.NewPCG(0, 0)))
		if err != nil {
			t.Fatal(err)
		}
		trs[v], pss[v] = tr, ps
	}
	steps, faster := alternateSteps(trs, rounds, nil)
	for v := range 2 {
		trs[v].Sync()
		trs[v].Close()
	}
	fmt.Printf("%s float32: median step packed %v, rowwise %v (%.3f); minimum %v, %v; rowwise faster in %d of %d rounds\n", cfg,
		steps[0][rounds/2], steps[1][rounds/2], float64(steps[1][rounds/2])/float64(steps[0][rounds/2]), steps[0][0], steps[1][0], faster, rounds)
	for i, x := range pss[0].Data {
		if y := pss[1].Data[i]; math.Float64bits(x) != math.Float64bits(y) {
			t.Fatalf("parameter %d: %v packed, %v rowwise", i, x, y)
		}
	}
}
