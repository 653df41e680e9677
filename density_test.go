package nox_test

import (
	"context"
	"math"
	"testing"

	"github.com/noxlang/nox"
)

func TestFitDensityExpressionAndFunc(t *testing.T) {
	src := `density banana(z: 2) = normal_lpdf(z[0], 0, 2) + normal_lpdf(z[1], z[0]^2 / 4, 0.5)`
	d, err := nox.ParseDensity(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := nox.DefaultVIOptions()
	o.Steps = 1500
	o.Anneal = 500
	_, r, err := nox.FitDensity(context.Background(), "repeat(4, Inverse(AffineCoupling(32, 32))) |> Gaussian", d, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("expr: %+v", *r)
	fn, _ := nox.DensityFunc(2, func(x, g []float64) float64 {
		a := x[1] - x[0]*x[0]/4
		g[0] = -x[0]/4 + a/0.25*(x[0]/2)
		g[1] = -a / 0.25
		return -0.5*x[0]*x[0]/4 - 0.5*a*a/0.25 - math.Log(2*math.Pi*2*0.5)
	})
	_, r2, err := nox.FitDensity(context.Background(), "repeat(4, Inverse(AffineCoupling(32, 32))) |> Gaussian", fn, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("func: %+v", *r2)
}
