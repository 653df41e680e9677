package nox_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/lang"
)

// banana is log p of z[0] ~ N(0, 2), z[1] | z[0] ~ N(z[0]²/4, 0.5), with
// its gradient: normalised, so KL(q‖p) = −ELBO.
func banana(x, g []float64) float64 {
	a := x[1] - x[0]*x[0]/4
	g[0] = -x[0]/4 + a/0.25*(x[0]/2)
	g[1] = -a / 0.25
	return -0.5*x[0]*x[0]/4 - 0.5*a*a/0.25 - math.Log(2*math.Pi*2*0.5)
}

// TestFitDensityExpressionAndFunc fits one flow to the banana written in
// nox and given as a Go function with its gradient: both reach a KL
// below 0.01 nats with an effective sample size above 0.95, and their
// log Z estimates agree with the truth (0).
func TestFitDensityExpressionAndFunc(t *testing.T) {
	src := `density banana(z: 2) = normal_lpdf(z[0], 0, 2) + normal_lpdf(z[1], z[0]^2 / 4, 0.5)`
	d, err := nox.ParseDensity(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	fn, err := nox.DensityFunc(2, banana)
	if err != nil {
		t.Fatal(err)
	}
	o := nox.DefaultVIOptions()
	o.Steps, o.Anneal, o.Samples = 1500, 500, 20000
	const flow = "repeat(4, Inverse(AffineCoupling(32, 32))) |> Gaussian"
	for name, target := range map[string]*nox.Density{"expression": d, "function": fn} {
		m, r, err := nox.FitDensity(context.Background(), flow, target, o)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: KL %.4f, log Z %.4f ± %.4f, ESS %.3f", name, -r.ELBO, r.LogZ, r.LogZErr, r.ESS)
		if -r.ELBO > 0.01 || r.ESS < 0.95 || math.Abs(r.LogZ) > max(4*r.LogZErr, 0.005) {
			t.Errorf("%s: KL %.4f, ESS %.3f, log Z %.4f ± %.4f; want KL < 0.01, ESS > 0.95, log Z ≈ 0", name, -r.ELBO, r.ESS, r.LogZ, r.LogZErr)
		}
		if m.Dim() != 2 {
			t.Errorf("%s: model of %d dimensions", name, m.Dim())
		}
	}
}

// TestDensityAPIErrors: the Go API's mistakes are errors, positioned in
// the source they come from.
func TestDensityAPIErrors(t *testing.T) {
	if _, err := nox.ParseDensity("density d(z: 2) = normal_lpdf(z[2], 0, 1)", nil); err == nil || !strings.Contains(nox.RenderError(err, "density", nil), "density:1:") {
		t.Errorf("an index out of range: %v", err)
	}
	if _, err := nox.ParseDensity("density d(w: 2) = sum(r in rows: dot(w, r))", map[string]*mat.Dense{"rows": mat.NewDense(2, 3, nil)}); err == nil || !strings.Contains(err.Error(), "one length") {
		t.Errorf("rows of 3 against a variable of 2: %v", err)
	}
	d, err := nox.ParseDensity("density d(w: 2) = sum(r in rows: dot(w, r))", map[string]*mat.Dense{"rows": mat.NewDense(2, 2, []float64{1, 2, 3, 4})})
	if err != nil {
		t.Fatal(err)
	}
	if d.Dim() != 2 {
		t.Errorf("Dim %d", d.Dim())
	}
	if _, err := nox.ParseDensity("density a(z: 1) = z[0]\ndensity b(z: 1) = z[0]", nil); err == nil || !strings.Contains(err.Error(), "2 densities") {
		t.Errorf("two densities: %v", err)
	}
	if _, err := nox.DensityFunc(0, banana); err == nil {
		t.Error("DensityFunc of dimension 0: no error")
	}
	fn, _ := nox.DensityFunc(2, banana)
	_, _, err = nox.FitDensity(context.Background(), "Planar |> Gaussian", fn, nox.DefaultVIOptions())
	var list lang.ErrorList
	if !errors.As(err, &list) || !strings.Contains(err.Error(), "Inverse(Planar)") || list[0].Pos.Column != 1 {
		t.Errorf("a Planar flow: %v, want a positioned error suggesting Inverse(Planar)", err)
	}
	o := nox.DefaultVIOptions()
	o.Estimator = "stll"
	if _, _, err := nox.FitDensity(context.Background(), "Inverse(Planar) |> Gaussian", fn, o); err == nil || !strings.Contains(err.Error(), "estimator") {
		t.Errorf("estimator stll: %v", err)
	}
}
