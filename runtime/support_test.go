package runtime

import (
	"math"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestSupportKernel checks OpSupport in both precisions: 0 for a row
// whose elements all lie strictly inside the interval (and are integers
// when asked), −Inf for any other row — the ends, values beyond them,
// infinities and NaN included.
func TestSupportKernel(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	cases := []struct {
		name     string
		lo, hi   float64
		integers bool
		rows     [][2]float64
		want     []bool // inside
	}{
		{"open interval", 0, 1, false,
			[][2]float64{{0.5, 0.25}, {0, 0.5}, {0.5, 1}, {1e-30, 0.999}, {-1e-30, 0.5}, {2, 0.5}, {nan, 0.5}, {0.5, inf}},
			[]bool{true, false, false, true, false, false, false, false}},
		{"integers", math.Inf(-1), inf, true,
			[][2]float64{{0, -3}, {0.5, 1}, {1e9, 2}, {-inf, 0}, {nan, 1}, {1, 1 + 0x1p-20}},
			[]bool{true, false, true, false, false, false}},
	}
	for _, c := range cases {
		var table []ir.Param
		b := ir.NewBuilder("support", &table)
		x := b.Input("x", 2)
		b.Output("s", b.Support(x, c.lo, c.hi, c.integers))
		p := b.Program()
		n := len(c.rows)
		ps := NewParams(table)
		e64 := NewExec[float64](p, ps, n, nil)
		e32 := NewExec[float32](p, ps, n, nil)
		for i, r := range c.rows {
			copy(e64.Input(0)[2*i:], r[:])
			e32.Input(0)[2*i], e32.Input(0)[2*i+1] = float32(r[0]), float32(r[1])
		}
		e64.Run()
		e32.Run()
		for i, in := range c.want {
			got64, got32 := e64.Output("s")[i], float64(e32.Output("s")[i])
			want := math.Inf(-1)
			if in {
				want = 0
			}
			if got64 != want || got32 != want {
				t.Errorf("%s: row %v: support %v (float32 %v), want %v", c.name, c.rows[i], got64, got32, want)
			}
		}
	}
}
