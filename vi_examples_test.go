package nox_test

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/train"
)

// viExamples are examples/vi's targets with log Z: the grid integrals of
// ../shared/bench/torch_vi.py for U1–U4 (2001² trapezoid points on
// [−8, 8]², its output for the same formulas), 0 for the normalised
// banana and funnel; and the largest KL(q‖p) = log Z − ELBO each example
// may reach with its own flow and options (the measured KL plus a
// margin: bench/results/vi-*.txt).
var viExamples = []struct {
	file     string
	logZ     float64
	maxKL    float64
	gridBox  float64 // half-width of the grid that integrates the density (0: not 2-D)
	measured string
}{
	{"u1.nox", 1.8775, 0.10, 8, "planar K = 32: 0.054"},
	{"u2.nox", 2.1429, 0.30, 8, "planar K = 32: 0.200"},
	{"u3.nox", 2.7025, 0.05, 8, "spline coupling, stl: 0.009 (seeds 1-3: 0.004, 0.005, 0.005)"},
	{"u4.nox", 2.7715, 0.04, 8, "spline coupling, stl, batch 512: 0.008 (seeds 1-3: 0.004, 0.008, 0.004)"},
	{"banana.nox", 0, 0.06, 14, "planar K = 32: 0.027"},
	{"funnel.nox", 0, 0.15, 0, "affine coupling: 0.113"},
}

// targetOf compiles an example and returns its density.
func targetOf(t *testing.T, path string) *compiler.Target {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := lang.Parse(path, src)
	if err != nil {
		t.Fatal(err)
	}
	p, err := compiler.Check(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p.Targets[0]
}

// TestVIExampleDensities: each 2-D example's density, integrated on a
// grid by nox itself, has the reference's normaliser, so that the
// examples are the reference's targets and the KL of the fits below is
// measured against the right log Z.
func TestVIExampleDensities(t *testing.T) {
	for _, ex := range viExamples {
		if ex.gridBox == 0 {
			continue
		}
		tg := targetOf(t, filepath.Join("examples", "vi", ex.file))
		const n = 801
		h := 2 * ex.gridBox / (n - 1)
		xy := make([]float64, 0, 2*n*n)
		for i := range n {
			for j := range n {
				xy = append(xy, -ex.gridBox+float64(i)*h, -ex.gridBox+float64(j)*h)
			}
		}
		lp := make([]float64, n*n)
		if err := train.TargetLogProb(tg, xy, lp); err != nil {
			t.Fatal(err)
		}
		m := math.Inf(-1)
		for _, v := range lp {
			m = max(m, v)
		}
		sum := 0.0
		for i := range n {
			for j := range n {
				w := 1.0
				if i == 0 || i == n-1 {
					w /= 2
				}
				if j == 0 || j == n-1 {
					w /= 2
				}
				sum += w * math.Exp(lp[i*n+j]-m)
			}
		}
		logZ := m + math.Log(sum*h*h)
		if math.Abs(logZ-ex.logZ) > 2e-3 {
			t.Errorf("%s: log Z on the grid is %.5f, want %.4f", ex.file, logZ, ex.logZ)
		}
	}
}

// TestVIExamples fits every example with its own flow and options and
// checks KL(q‖p) = log Z − ELBO, the importance-sampling log Z (within
// four standard errors and 0.05 of the truth when the effective sample
// size is not tiny) and the outputs.
func TestVIExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("fits six examples to convergence (about a minute)")
	}
	for _, ex := range viExamples {
		t.Run(ex.file, func(t *testing.T) {
			evs := runFile(t, copyExample(t, filepath.Join("vi", ex.file)), 0)
			fit := evs[0]
			if fit.Statement != "fit" || fit.ELBO == nil || fit.LogZ == nil || fit.ESS == nil {
				t.Fatalf("first event %+v, want a fit with its estimates", fit)
			}
			kl := ex.logZ - *fit.ELBO
			t.Logf("KL %.4f (measured %s), log Z %.4f ± %.4f, ESS %.3f, %.0f steps/s", kl, ex.measured, *fit.LogZ, *fit.LogZErr, *fit.ESS, fit.StepsPerS)
			if kl > ex.maxKL || kl < -4**fit.ELBOErr {
				t.Errorf("KL(q‖p) = %.4f, want in [0, %g]", kl, ex.maxKL)
			}
			if *fit.ESS > 0.2 && math.Abs(*fit.LogZ-ex.logZ) > max(4**fit.LogZErr, 0.05) {
				t.Errorf("importance-sampling log Z %.4f ± %.4f, want %.4f", *fit.LogZ, *fit.LogZErr, ex.logZ)
			}
			for _, e := range evs[1:] {
				if e.Path == "" {
					t.Errorf("%s wrote nothing", e.Statement)
				}
			}
		})
	}
}
