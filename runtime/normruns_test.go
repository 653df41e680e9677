package runtime

import (
	"math"
	"slices"
	"testing"
)

// TestNormRuns: with clipping, the norm's runs kernel (normRuns: the
// combined gradient's squares summed in registers, nothing written back,
// the update combining the gradient itself) gives the same clipping norms
// to the bit and the same parameters and moments as combining into
// shard 0's buffer block by block, in both dtypes, with two shards and
// with one, with weight decay, for masked parameters updated run by run
// and densely; and it is used.
func TestNormRuns(t *testing.T) {
	defer func(d int) { normRuns, denseRun = true, d }(denseRun)
	// Odd sizes put the parameters at places that are not multiples of
	// 8 and give runs that start and end inside groups of eight.
	for _, c := range []struct{ dim, hidden int }{{16, 96}, {13, 37}} {
		testNormRuns(t, c.dim, c.hidden)
	}
}

func testNormRuns(t *testing.T, dim, hidden int) {
	m := madeModel(t, 2, hidden, dim)
	data := randomRows(500, dim, 17)
	for _, dt := range []DType{Float64, Float32} {
		for _, batch := range []int{128, 16} { // two shards, one
			for _, d := range []int{0, 1 << 30} { // masked parameters by runs; dense
				denseRun = d
				var trs [2]*Trainer
				for k, on := range []bool{false, true} {
					normRuns = on
					opt := DefaultAdam(1e-2)
					opt.WeightDecay, opt.Clip = 0.01, 1e-3 // every step clips
					trs[k] = seededTrainer(t, m, dt, data, dim, batch, opt)
				}
				regs := trs[1].upd.(interface{ normRegs() []bool }).normRegs()
				if !useAVX512 {
					if slices.Contains(regs, true) {
						t.Fatal("the norm's runs kernel planned on a machine without AVX-512")
					}
				} else if !slices.Contains(regs, true) {
					t.Fatalf("%d dims, %d hidden, %v, batch %d, denseRun %d: no parameter's norm by the runs kernel", dim, hidden, dt, batch, d)
				}
				for step := range 6 {
					trs[0].Step()
					trs[1].Step()
					for i, n := range trs[0].norms {
						if math.Float64bits(n) != math.Float64bits(trs[1].norms[i]) {
							t.Fatalf("%d dims, %d hidden, %v, batch %d, denseRun %d: step %d: member %d's squared norm %v in blocks, %v by the runs kernel", dim, hidden, dt, batch, d, step, i, n, trs[1].norms[i])
						}
					}
				}
				sameArrays(t, dt.String()+", norm by runs", optArrays(trs[1]), optArrays(trs[0]))
			}
		}
	}
}
