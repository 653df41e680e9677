package compiler_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/compiler/ad"
	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/runtime"
)

// The derivative of every lowered log-density with respect to its
// variable, from the AD of the target's IR (ad.Grad), against central
// differences of the lowered values. AD differentiates with respect to
// parameters, so z is a [1,D] parameter broadcast to the batch, and the
// loss is the mean of log p̃ over a batch of one.

// gradDensity returns the gradient of tg at each point, reading m data
// rows (0: all), and log p̃ there.
func gradDensity(t *testing.T, tg *compiler.Target, points [][]float64, m int) (grads [][]float64, values []float64) {
	t.Helper()
	var table []ir.Param
	zp := ir.AddParam(&table, ir.Param{Name: "z", Shape: ir.Shape{Rows: 1, Cols: tg.Dim}})
	rows := dataRows(&table, tg, m)
	b := ir.NewBuilder("target-grad", &table)
	x := b.BroadcastRows(b.Param(zp), ir.Shape{Rows: ir.Batch, Cols: tg.Dim}, false)
	b.Output("loss", b.MeanRows(tg.Emit(b, x, rows)))
	g, err := ad.Grad(b.Program(), "loss")
	if err != nil {
		t.Fatalf("%s: %v", tg.Name, err)
	}
	ps := runtime.NewParams(table)
	ps.Init(rand.New(rand.NewPCG(1, 2)))
	e := runtime.New(g, ps, 1, nil)
	for _, z := range points {
		copy(ps.Views[zp], z)
		ps.Changed()
		e.Run()
		grads = append(grads, append([]float64(nil), e.Output(ad.GradPrefix+"z")...))
		values = append(values, e.Output("loss")[0])
	}
	return grads, values
}

// numericGrad is the central difference of tg at z, one coordinate at a
// time, all evaluated in one batch.
func numericGrad(t *testing.T, tg *compiler.Target, z []float64, m int) []float64 {
	t.Helper()
	var pts [][]float64
	hs := make([]float64, len(z))
	for i := range z {
		hs[i] = 1e-5 * math.Max(1, math.Abs(z[i]))
		for _, s := range []float64{1, -1} {
			p := append([]float64(nil), z...)
			p[i] += s * hs[i]
			pts = append(pts, p)
		}
	}
	v := evalDensity(t, tg, pts, m)
	out := make([]float64, len(z))
	for i := range z {
		out[i] = (v[2*i] - v[2*i+1]) / (2 * hs[i])
	}
	return out
}

func compareGrad(t *testing.T, what string, z, got, want []float64) {
	t.Helper()
	for i := range want {
		if math.IsNaN(got[i]) || math.Abs(got[i]-want[i]) > 1e-5*math.Max(1, math.Abs(want[i])) {
			t.Errorf("%s at %v: ∂/∂z[%d] = %v, central difference %v", what, z, i, got[i], want[i])
		}
	}
}

func TestTargetGradients(t *testing.T) {
	for _, c := range append(functionCases(), distributionCases()...) {
		if c.noGrad {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			tg := checkDensity(t, fmt.Sprintf("density T(z: %d) = %s\n", c.dim, c.body), nil)
			grads, values := gradDensity(t, tg, c.points, 0)
			for i, z := range c.points {
				if c.smooth != nil && !c.smooth[i] {
					// Outside the support log p̃ is −Inf; its gradient
					// must not be NaN, or one such draw would poison a
					// whole batch's.
					for j, g := range grads[i] {
						if math.IsNaN(g) || math.IsInf(g, 0) {
							t.Errorf("%s at %v (log p̃ = %v): ∂/∂z[%d] = %v, want a finite number", c.body, z, values[i], j, g)
						}
					}
					continue
				}
				compareGrad(t, c.body, z, grads[i], numericGrad(t, tg, z, 0))
			}
		})
	}
}

func TestTargetSumRowsGradients(t *testing.T) {
	for _, c := range sumCases() {
		for _, m := range []int{0, 2} {
			t.Run(fmt.Sprintf("%s/M=%d", c.name, m), func(t *testing.T) {
				src := "data = csv(\"d.csv\")\ndensity T(z: 2) = " + c.body + "\n"
				tg := checkDensity(t, src, map[string]string{"d.csv": dataCSV})
				grads, _ := gradDensity(t, tg, sumPoints, m)
				for i, z := range sumPoints {
					compareGrad(t, c.body, z, grads[i], numericGrad(t, tg, z, m))
				}
			})
		}
	}
}
