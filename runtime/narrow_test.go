package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestNarrowKernelsSameBits: the plain loops of narrow layout steps and
// row sums (narrowLoops), the column-sum kernel (colSums), the narrow
// layout steps' gathers and windowed permutations (narrowGathers,
// narrowPermutes, gather.go) and the small products with their bias
// (smallKOn, smallk.go) give every output of a MAF's programs bit for
// bit as the per-row calls and the product and bias pass do, in both
// dtypes, on widths below, at and above narrowCols and on an odd number
// of rows.
func TestNarrowKernelsSameBits(t *testing.T) {
	defer func() {
		narrowLoops, colSums, narrowGathers, narrowPermutes, smallKOn = true, true, true, true, true
	}()
	configs := []struct {
		name                             string
		loops, gathers, permutes, smallK bool
	}{
		{"the narrow loops and the column sums", true, false, false, false},
		{"the gathers", true, true, false, false},
		{"the gathers, their windowed permutations and the small products", true, true, true, true},
	}
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
		for _, p := range []*ir.Program{m.LogProb, m.Grad, splitGradScales(m.Grad), m.Forward, m.Inverse, m.Sample} {
			for _, dt := range []DType{Float64, Float32} {
				ps.DType = dt
				narrowLoops, colSums, narrowGathers, narrowPermutes, smallKOn = false, false, false, false, false
				want, _ := runOutputs(p, ps, in, rows, c.dim)
				for _, cf := range configs {
					narrowLoops, colSums, narrowGathers, narrowPermutes, smallKOn = cf.loops, cf.loops, cf.gathers, cf.permutes, cf.smallK
					got, _ := runOutputs(p, ps, in, rows, c.dim)
					for i, o := range p.Outputs {
						for j, x := range got[i] {
							if y := want[i][j]; math.Float64bits(x) != math.Float64bits(y) {
								t.Fatalf("%s, %d dims, %d hidden, %v: output %s[%d] is %v with %s, %v without",
									p.Name, c.dim, c.hidden, dt, o.Name, j, x, cf.name, y)
							}
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
