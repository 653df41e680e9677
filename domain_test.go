package nox_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox"
)

// unitRows writes dir/NAME.csv: n rows of two columns in (0, 1), then the
// extra rows given.
func unitRows(t *testing.T, dir, name string, n int, extra ...[2]float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 6))
	var b strings.Builder
	for range n {
		u := rng.NormFloat64()
		fmt.Fprintf(&b, "%g,%g\n", 1/(1+math.Exp(-u)), 1/(1+math.Exp(-0.5*u-0.3*rng.NormFloat64())))
	}
	for _, r := range extra {
		fmt.Fprintf(&b, "%g,%g\n", r[0], r[1])
	}
	if err := os.WriteFile(filepath.Join(dir, name+".csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestEvalOutsideSupport (issue 23): a Logit flow trained on (0, 1)² gives
// log p = −Inf to points outside the square — from eval, which counts
// them (Event.Outside) and reports the mean NLL of the others, and from
// Model.LogProb — with or without the defensive mixture.
func TestEvalOutsideSupport(t *testing.T) {
	for _, defensive := range []string{"0", "0.01"} {
		t.Run("defensive="+defensive, func(t *testing.T) {
			dir := t.TempDir()
			unitRows(t, dir, "train", 300)
			unitRows(t, dir, "probe", 0, [2]float64{0.5, 0.5}, [2]float64{1, -1}, [2]float64{1, -1000}, [2]float64{0.2, 0.9}, [2]float64{1.5, 0.5})
			src := "data = csv(\"train.csv\")\nprobe = csv(\"probe.csv\")\nflow = Logit |> MAF(8) |> Gaussian\n" +
				"train flow on data { steps = 50, standardize = false, defensive = " + defensive + " }\n" +
				"eval flow on probe to \"ll.csv\"\n"
			path := filepath.Join(dir, "m.nox")
			os.WriteFile(path, []byte(src), 0o644)
			s, err := nox.CompileFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var evs []nox.Event
			if err := s.Run(context.Background(), nox.RunOptions{OnEvent: func(e nox.Event) { evs = append(evs, e) }}); err != nil {
				t.Fatal(s.Render(err))
			}
			m, err := s.Model("flow")
			if err != nil {
				t.Fatal(err)
			}
			x := []float64{0.5, 0.5, 1, -1, 1, -1000, 0.2, 0.9, 1.5, 0.5}
			lp := make([]float64, 5)
			if err := m.LogProb(lp, mat.NewDense(5, 2, x), nil); err != nil {
				t.Fatal(err)
			}
			for i, out := range []bool{false, true, true, false, true} {
				if out != math.IsInf(lp[i], -1) || math.IsNaN(lp[i]) {
					t.Errorf("LogProb(%v) = %v, outside the support: %v", x[2*i:2*i+2], lp[i], out)
				}
			}
			ev := evs[len(evs)-1]
			if ev.Statement != "eval" || ev.N != 5 || ev.Outside != 3 || ev.MeanNLL == nil {
				t.Fatalf("eval event %+v, want 5 rows, 3 outside", ev)
			}
			if want := -(lp[0] + lp[3]) / 2; math.Abs(*ev.MeanNLL-want) > 1e-12 {
				t.Errorf("eval mean NLL %v, want the mean over the rows inside, %v", *ev.MeanNLL, want)
			}
		})
	}
}

// TestFloat32LogitOutside: in float32 too, a row outside a leading
// Logit's domain has log-density −Inf, not NaN: the clamp into (1e-300,
// 1 − 2⁻⁵³) must not round to [0, 1] (runtime's bound).
func TestFloat32LogitOutside(t *testing.T) {
	x := mat.NewDense(300, 2, nil)
	for i := range 300 {
		for j := range 2 {
			x.Set(i, j, 0.5+0.4*math.Sin(float64(i*(j+3))))
		}
	}
	o := nox.DefaultFitOptions()
	o.Steps, o.ValFrac, o.TestFrac, o.Standardize, o.Dequantize, o.DType = 20, 0, 0, false, false, "float32"
	m, _, err := nox.Fit(context.Background(), "Logit |> MAF(8) |> Gaussian", x, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	rows := mat.NewDense(4, 2, []float64{1.5, 0.3, 0.3, 7, -0.5, 0.3, 0.3, math.Inf(1)})
	lp := make([]float64, 4)
	if err := m.LogProb(lp, rows, nil); err != nil {
		t.Fatal(err)
	}
	for i, v := range lp {
		if !math.IsInf(v, -1) {
			t.Errorf("row %v: log p = %v in float32, want -Inf", rows.RawRowView(i), v)
		}
	}
}
