package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestNarrowKernelsSameBits: the plain loops of narrow layout steps and
// row sums (narrowLoops) and the column-sum kernel (colSums) give every
// output of a MAF's programs bit for bit as the per-row calls do, in
// both dtypes, on widths below, at and above narrowCols and on an odd
// number of rows.
func TestNarrowKernelsSameBits(t *testing.T) {
	defer func() { narrowLoops, colSums = true, true }()
	const rows = 37
	for _, c := range []struct{ dim, hidden int }{{1, 5}, {2, 100}, {3, 17}, {7, 33}, {16, 64}, {20, 40}} {
		m := MAFModel(t, 3, c.hidden, c.dim, nil)
		ps := NewParams(m.Params)
		ps.Init(rand.New(rand.NewPCG(3, 4)))
		in := randomRows(rows, c.dim, 5)
		// A −0 in every row: a row sum starts from +0 either way.
		for r := range rows {
			in[r*c.dim] = math.Copysign(0, -1)
		}
		for _, p := range []*ir.Program{m.LogProb, m.Grad, splitGradScales(m.Grad), m.Forward, m.Inverse} {
			for _, dt := range []DType{Float64, Float32} {
				ps.DType = dt
				var got [2][][]float64
				for k, on := range []bool{false, true} {
					narrowLoops, colSums = on, on
					got[k], _ = runOutputs(p, ps, in, rows, c.dim)
				}
				for i, o := range p.Outputs {
					for j, x := range got[1][i] {
						if y := got[0][i][j]; math.Float64bits(x) != math.Float64bits(y) {
							t.Fatalf("%s, %d dims, %d hidden, %v: output %s[%d] is %v with the narrow loops and the column sums, %v without",
								p.Name, c.dim, c.hidden, dt, o.Name, j, x, y)
						}
					}
				}
			}
		}
	}
}

// TestNarrowRowSums: a narrow row's sum is sumRow's, bit for bit, on rows
// whose elements are all −0 (+0 plus −0 is +0), infinite or NaN.
func TestNarrowRowSums(t *testing.T) {
	defer func() { narrowLoops = true }()
	nz := math.Copysign(0, -1)
	rows := [][]float64{{nz}, {nz, nz, nz}, {1, nz}, {math.Inf(1), math.Inf(-1)}, {math.NaN(), 2}, {1e308, 1e308, -1e308}, {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7}}
	for _, row := range rows {
		for _, on := range []bool{false, true} {
			narrowLoops = on
			e := &Exec[float64]{k: kernelsFor[float64]()}
			out := []float64{42}
			e.reduce(&step[float64]{op: ir.OpSumCols, out: out, a: row, rows: 1, cols: 1, ar: 1, ac: len(row)})
			if want := sumRow(row); math.Float64bits(out[0]) != math.Float64bits(want) {
				t.Errorf("narrow loops %v: the sum of %v is %v, want %v", on, row, out[0], want)
			}
		}
	}
}
