package nox_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noxlang/nox"
)

// TestFitStopsAtNonFinite: a density that is NaN or −Inf at a draw stops
// the fit with an error naming the step and the cause, and the flow keeps
// the best parameters before it: the run's model exists and samples.
func TestFitStopsAtNonFinite(t *testing.T) {
	cases := []struct{ density, want string }{
		{"density d(z: 1) = log(z[0])", "NaN at step 1"},
		{"density d(z: 1) = gamma_lpdf(z[0], 2, 1)", "+Inf at step 1"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		path := filepath.Join(dir, "m.nox")
		src := c.density + "\nflow = Inverse(Planar) |> Gaussian\nfit flow to d { steps = 200, samples = 1000 }\nsample flow 10 to \"s.csv\"\n"
		s, err := nox.Compile(path, []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		err = s.Run(context.Background(), nox.RunOptions{})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "the parameters kept are those of step") {
			t.Errorf("%s: got %v, want an error %q keeping the best parameters", c.density, err, c.want)
			continue
		}
		m, merr := s.Model("flow")
		if merr != nil {
			t.Errorf("%s: the fitted flow was lost: %v", c.density, merr)
			continue
		}
		if _, serr := m.Sample(5, 1, nil); serr != nil {
			t.Errorf("%s: the kept flow does not sample: %v", c.density, serr)
		}
	}
}

// TestFittedFlowSavesAndLoads: a fitted flow is a model like a trained
// one: saved, loaded and sampled from, with the same log-densities.
func TestFittedFlowSavesAndLoads(t *testing.T) {
	dir := t.TempDir()
	src := `density banana(z: 2) = normal_lpdf(z[0], 0, 2) + normal_lpdf(z[1], z[0]^2 / 4, 0.5)
flow = repeat(4, Inverse(AffineCoupling(16, 16))) |> Gaussian
fit flow to banana { steps = 300, samples = 2000 }
save flow to "b.noxm"
sample flow 100 to "b.csv"
`
	m := runFlow(t, dir, src)
	l, err := nox.Load(filepath.Join(dir, "b.noxm"))
	if err != nil {
		t.Fatal(err)
	}
	x, err := m.Sample(50, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, b := make([]float64, 50), make([]float64, 50)
	if err := m.LogProb(a, x, nil); err != nil {
		t.Fatal(err)
	}
	if err := l.LogProb(b, x, nil); err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("row %d: log q %v in the run, %v loaded", i, a[i], b[i])
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "b.csv")); err != nil {
		t.Error(err)
	}
}
