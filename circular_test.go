package nox_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/dataset"
)

// meanNLL is the mean negative log-likelihood of a model on rows.
func meanNLL(t *testing.T, m *nox.Model, rows *dataset.Table) float64 {
	t.Helper()
	lp := make([]float64, rows.Rows)
	if err := m.LogProb(lp, mat.NewDense(rows.Rows, rows.Cols, rows.Values), nil); err != nil {
		t.Fatal(err)
	}
	s := 0.0
	for _, v := range lp {
		s -= v
	}
	return s / float64(rows.Rows)
}

// TestCircularBeatsFlat trains a circular flow on the torus set and the
// same budget of ordinary splines on the same rows as plain numbers: on
// held-out rows (another seed) the circular one must have the lower NLL,
// both being densities of the angles in radians. The circular model,
// saved and loaded (model format 5, with its angle columns), must give
// the same densities.
func TestCircularBeatsFlat(t *testing.T) {
	dir := t.TempDir()
	src := `data = toy("torus", n = 4000, seed = 0)
flat = toy("torus", n = 4000, seed = 0, angles = false)
flow = CircularSpline(32, 32) |> Reverse |> CircularSpline(32, 32) |> Gaussian
base = SplineAR(32, 32) |> Reverse |> SplineAR(32, 32) |> Gaussian
train flow on data { steps = 300, seed = 0 }
train base on flat { steps = 300, seed = 0 }
save flow to "flow.noxm"
`
	path := filepath.Join(dir, "m.nox")
	sc, err := nox.Compile(path, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Run(context.Background(), nox.RunOptions{}); err != nil {
		t.Fatal(sc.Render(err))
	}
	circ, err := sc.Model("flow")
	if err != nil {
		t.Fatal(err)
	}
	base, err := sc.Model("base")
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := nox.Load(filepath.Join(dir, "flow.noxm"))
	if err != nil {
		t.Fatal(err)
	}
	held, err := dataset.Toy("torus", 4000, -1, 1)
	if err != nil {
		t.Fatal(err)
	}
	nc, nb, nl := meanNLL(t, circ, held), meanNLL(t, base, held), meanNLL(t, loaded, held)
	t.Logf("held-out NLL: circular %.4f, flat splines %.4f (circular wins by %.4f nats/row); loaded %.4f", nc, nb, nb-nc, nl)
	if !(nc < nb) {
		t.Errorf("the circular flow (NLL %.4f) does not beat the flat one (%.4f)", nc, nb)
	}
	if math.Abs(nl-nc) > 1e-12 {
		t.Errorf("the loaded model's NLL %.15g differs from the trained one's %.15g", nl, nc)
	}
	b, err := os.ReadFile(filepath.Join(dir, "flow.noxm"))
	if err != nil || len(b) < 8 || b[4] != 5 {
		t.Errorf("the model with angle columns is not saved in format 5 (%v)", err)
	}
}
