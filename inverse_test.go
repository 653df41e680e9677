package nox_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/internal/modelfile"
)

// TestInverseFlowSaved: a flow with inverted stages trains, samples, and
// is saved and loaded as it was (the stages' "inverse" flag, model
// format 4): the same densities, bit for bit; a file that inverts MAF
// (which nox writes as IAF) or inverts a stage in format 3 is refused.
func TestInverseFlowSaved(t *testing.T) {
	dir := t.TempDir()
	src := `data = toy("moons", n = 2000, seed = 1)
flow = Inverse(AffineCoupling(8) |> Radial |> MAF(8)) |> Gaussian
train flow on data { steps = 100, seed = 1 }
save flow to "inv.noxm"
`
	m := runFlow(t, dir, src)
	loaded, err := nox.Load(filepath.Join(dir, "inv.noxm"))
	if err != nil {
		t.Fatal(err)
	}
	x := mat.NewDense(4, 2, []float64{0, 0, 1, 0.5, -1, 0.3, 2, -0.2})
	a, b := make([]float64, 4), make([]float64, 4)
	if err := m.LogProb(a, x, nil); err != nil {
		t.Fatal(err)
	}
	if err := loaded.LogProb(b, x, nil); err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if a[i] != b[i] || math.IsNaN(a[i]) || math.IsInf(a[i], 0) {
			t.Errorf("row %d: log p %v trained, %v loaded", i, a[i], b[i])
		}
	}
	// Forward then Inverse of the inverted flow is the identity.
	z, _, err := loaded.Forward(x, nil)
	if err != nil {
		t.Fatal(err)
	}
	back, err := loaded.Inverse(z, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.EqualApprox(back, x, 1e-9) {
		t.Errorf("round trip: %v", mat.Formatted(back))
	}
	for _, c := range []struct {
		name, want string
		edit       func(f *modelfile.File)
	}{
		{"an inverted MAF", "Inverse(MAF) is IAF, which nox writes instead", func(f *modelfile.File) {
			for i := range f.Header.Stages {
				if f.Header.Stages[i].Layer == "IAF" {
					f.Header.Stages[i].Layer, f.Header.Stages[i].Inverse = "MAF", true
				}
			}
		}},
		{"an inverted stage in format 3", "an inverted stage, which format 3 does not have", func(f *modelfile.File) { f.Version = 3 }},
	} {
		path := editModel(t, filepath.Join(dir, "inv.noxm"), c.edit)
		if _, err := nox.Load(path); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// editModel writes the model at path changed by edit, resealed, beside
// it, and returns the new file's path.
func editModel(t *testing.T, path string, edit func(f *modelfile.File)) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := modelfile.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	edit(f)
	out := filepath.Join(filepath.Dir(path), "edited.noxm")
	if err := os.WriteFile(out, sealed(t, f), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}
