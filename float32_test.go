package nox

import (
	"fmt"
	"math"
	"testing"

	"github.com/noxlang/nox/runtime"
)

// TestFloat32Training trains the same flow in float64 and float32: the
// float32 run is deterministic, runs in float32, and reaches about the
// same test NLL.
func TestFloat32Training(t *testing.T) {
	const src = `data = csv("data/moons.csv")
flow = MAF(32) |> Reverse |> MAF(32) |> Gaussian
train flow on data { steps = 300, seed = 1%s }
`
	nll := func(opt string) (float64, *Model) {
		m := trainedMoons(t, fmt.Sprintf(src, opt))
		rows := testRows()
		lp := make([]float64, 5)
		if err := m.LogProb(lp, rows, nil); err != nil {
			t.Fatal(err)
		}
		s := 0.0
		for _, v := range lp {
			s -= v
		}
		return s / 5, m
	}
	a64, _ := nll("")
	a32, m := nll(", dtype = float32")
	b32, _ := nll(", dtype = float32")
	if m.params.DType != runtime.Float32 {
		t.Fatalf("model runs in %v", m.params.DType)
	}
	if a32 != b32 {
		t.Errorf("float32 runs differ: %v, %v", a32, b32)
	}
	if math.Abs(a32-a64) > 0.05 || math.IsNaN(a32) {
		t.Errorf("mean NLL float32 %.5f, float64 %.5f: further apart than 0.05", a32, a64)
	}
	t.Logf("mean NLL of the test rows: float64 %.9f, float32 %.9f", a64, a32)
}
