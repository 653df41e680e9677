package nox_test

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/dataset"
)

// TestAPIRefusesBadArguments: the embedding API returns errors, never
// panics, for nil or mis-shaped arguments (issue 23: LogProb(dst, nil,
// nil) on a nil model, Forward(nil, nil), Fit with a nil context, a
// Sample that could never fit in memory all crashed the host).
func TestAPIRefusesBadArguments(t *testing.T) {
	ctx := context.Background()
	x := mat.NewDense(40, 2, nil)
	for i := range 40 {
		x.Set(i, 0, float64(i%7))
		x.Set(i, 1, float64(i%5)-float64(i%3))
	}
	o := nox.DefaultFitOptions()
	o.Steps = 2
	fitted, _, err := nox.Fit(ctx, "Gaussian", x, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	var none *nox.Model
	zero := &nox.Model{}
	var noScript *nox.Script
	for _, c := range []struct {
		name, want string
		call       func() error
	}{
		{"nil model LogProb", "no model", func() error { return none.LogProb(nil, nil, nil) }},
		{"zero model LogProb", "no model", func() error { return zero.LogProb(make([]float64, 1), x, nil) }},
		{"nil model Forward", "no model", func() error { _, _, err := none.Forward(nil, nil); return err }},
		{"nil model Inverse", "no model", func() error { _, err := none.Inverse(x, nil); return err }},
		{"nil model Sample", "no model", func() error { _, err := none.Sample(1, 0, nil); return err }},
		{"nil model Save", "no model", func() error { return none.Save(t.TempDir() + "/m.noxm") }},
		{"LogProb nil rows", "no rows", func() error { return fitted.LogProb(nil, nil, nil) }},
		{"Forward nil rows", "no rows", func() error { _, _, err := fitted.Forward(nil, nil); return err }},
		{"LogProb empty matrix", "columns", func() error { return fitted.LogProb(nil, &mat.Dense{}, nil) }},
		{"LogProb short dst", "dst has 3 elements for 40 rows", func() error { return fitted.LogProb(make([]float64, 3), x, nil) }},
		{"LogProb context on unconditional", "not conditional", func() error { return fitted.LogProb(make([]float64, 40), x, x) }},
		{"Sample absurd count", "more than the memory available", func() error { _, err := fitted.Sample(1<<50, 0, nil); return err }},
		{"Sample context on unconditional", "context values", func() error { _, err := fitted.Sample(3, 0, []float64{1}); return err }},
		{"Fit nil rows", "x or ctx is nil", func() error { _, _, err := nox.Fit(ctx, "Gaussian", nil, nil, o); return err }},
		{"Fit nil context", "x or ctx is nil", func() error { _, _, err := nox.Fit(nil, "Gaussian", x, nil, o); return err }}, //nolint:staticcheck // the point
		{"SampleTo nil writer", "no writer", func() error { return fitted.SampleTo(nil, false, 3, 0, nil) }},
		{"Fit empty matrix", "x has no rows or no columns (0×0)", func() error { _, _, err := nox.Fit(ctx, "Gaussian", &mat.Dense{}, nil, o); return err }},
		{"Fit context rows differ", "x has 40 rows, c 3", func() error { _, _, err := nox.Fit(ctx, "Gaussian", x, mat.NewDense(3, 1, nil), o); return err }},
		{"Fit statements in the flow", "", func() error {
			_, _, err := nox.Fit(ctx, "Gaussian\nsave flow to \"/tmp/injected.noxm\"", x, nil, o)
			return err
		}},
		{"Fit huge flow", "parameters", func() error { _, _, err := nox.Fit(ctx, "MAF(65536, 65536) |> Gaussian", x, nil, o); return err }},
		{"Run nil script", "no script", func() error { return noScript.Run(ctx, nox.RunOptions{}) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panics: %v", r)
					}
				}()
				err = c.call()
			}()
			if err == nil {
				t.Fatalf("no error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
		})
	}
}

// TestSampleToStreams: SampleTo writes, a chunk at a time, exactly the
// draws Sample returns at once, across chunk boundaries, as CSV and as
// .npy (a sample statement of any size then runs in bounded memory).
func TestSampleToStreams(t *testing.T) {
	x := mat.NewDense(200, 3, nil)
	for i := range 200 {
		x.Set(i, 0, float64(i%13))
		x.Set(i, 1, float64(i%7)*float64(i%3))
		x.Set(i, 2, float64(i%11)-float64(i%5))
	}
	o := nox.DefaultFitOptions()
	o.Steps = 20
	m, _, err := nox.Fit(context.Background(), "MAF(8) |> Gaussian", x, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	const n = 33_517 // more than two chunks of 16 batches of 1000
	want, err := m.Sample(n, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	var csv, npy bytes.Buffer
	if err := m.SampleTo(&csv, false, n, 7, nil); err != nil {
		t.Fatal(err)
	}
	if err := m.SampleTo(&npy, true, n, 7, nil); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"x.csv": csv.Bytes(), "x.npy": npy.Bytes()} {
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		tab, err := dataset.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if name == "x.csv" {
			if tab, err = dataset.ParseCSV([]byte(tab.Text)); err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(tab.Values, want.RawMatrix().Data) {
			t.Errorf("%s: the streamed draws differ from Sample's", name)
		}
	}
}

// TestReorderedLogitHasNoOutside: a Logit after a column reordering
// (Reverse |> Logit) is as restricted as a leading one: its defensive
// fit comes after it too, so a point outside (0,1)² gets −Inf, not the
// fit's finite density (review of issue 23: −7.44 at (1, −1)).
func TestReorderedLogitHasNoOutside(t *testing.T) {
	x := mat.NewDense(300, 2, nil)
	for i := range 300 {
		x.Set(i, 0, 0.05+0.9*float64(i%17)/17)
		x.Set(i, 1, 0.05+0.9*float64(i%23)/23)
	}
	o := nox.DefaultFitOptions()
	o.Steps, o.Standardize = 20, false
	for _, flow := range []string{"Logit |> MAF(8) |> Gaussian", "Reverse |> Logit |> MAF(8) |> Gaussian"} {
		m, _, err := nox.Fit(context.Background(), flow, x, nil, o)
		if err != nil {
			t.Fatal(err)
		}
		lp := make([]float64, 3)
		if err := m.LogProb(lp, mat.NewDense(3, 2, []float64{1, -1, 1, -1000, 0.5, 0.5}), nil); err != nil {
			t.Fatal(err)
		}
		if !math.IsInf(lp[0], -1) || !math.IsInf(lp[1], -1) || math.IsInf(lp[2], 0) {
			t.Errorf("%s: log p at (1, −1), (1, −1000), (0.5, 0.5) = %v", flow, lp)
		}
	}
}

// TestFitWarnings: Fit reports what the checker warns a program of — a
// MAF on one column is an affine map; fewer training rows than columns
// let a flow fit their subspace without bound — in Report.Warnings.
func TestFitWarnings(t *testing.T) {
	o := nox.DefaultFitOptions()
	o.Steps = 2
	one := mat.NewDense(50, 1, nil)
	for i := range 50 {
		one.Set(i, 0, float64(i%7)+float64(i)/50)
	}
	_, r, err := nox.Fit(context.Background(), "MAF(4) |> Gaussian", one, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "MAF on 1 column is only an affine map") {
		t.Errorf("warnings %q", r.Warnings)
	}
	wide := mat.NewDense(12, 10, nil)
	for i := range 12 {
		for j := range 10 {
			wide.Set(i, j, float64((i*7+j*3)%11)+float64(i*j)/100)
		}
	}
	_, r, err = nox.Fit(context.Background(), "Gaussian", wide, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "no more than the 10 columns") {
		t.Errorf("warnings %q", r.Warnings)
	}
}
