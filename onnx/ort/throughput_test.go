package ort_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox"
)

// TestONNXThroughput measures, with NOX_ONNX_BENCH=1 (bench/onnx.sh),
// the log-density throughput of ONNX Runtime on exported models beside
// nox's own on the same rows, and the exported files' sizes, for the
// suite's moons and digits configurations (MAF, 5 layers, hidden 100 on
// 2 columns, hidden 512 on 64), both dtypes. Each figure is the best of
// five runs over the same batch.
func TestONNXThroughput(t *testing.T) {
	if os.Getenv("NOX_ONNX_BENCH") == "" {
		t.Skip("a measurement, not a test: NOX_ONNX_BENCH=1 (bench/onnx.sh) runs it")
	}
	node, script := ortRunner(t)
	for _, c := range []struct {
		name           string
		dim, hidden, n int
	}{{"moons", 2, 100, 100000}, {"digits", 64, 512, 10000}} {
		for _, dt := range []string{"float32", "float64"} {
			flow := "MAF(H) |> Reverse |> MAF(H) |> Reverse |> MAF(H) |> Reverse |> MAF(H) |> Reverse |> MAF(H) |> Gaussian"
			flow = string(bytes.ReplaceAll([]byte(flow), []byte("H"), []byte(itoa(c.hidden))))
			x := mat.NewDense(c.n, c.dim, nil)
			for i := range c.n {
				for j := range c.dim {
					x.Set(i, j, math.Sin(float64(i*(j+2)))+0.1*float64(j))
				}
			}
			o := nox.DefaultFitOptions()
			o.Steps, o.DType, o.ValFrac, o.TestFrac, o.Dequantize = 5, dt, 0, 0, false
			m, _, err := nox.Fit(context.Background(), flow, x, nil, o)
			if err != nil {
				t.Fatal(err)
			}
			lp := make([]float64, c.n)
			noxS := math.Inf(1)
			for range 5 {
				start := time.Now()
				if err := m.LogProb(lp, x, nil); err != nil {
					t.Fatal(err)
				}
				noxS = min(noxS, time.Since(start).Seconds())
			}
			path := filepath.Join(t.TempDir(), "m.onnx")
			if err := m.SaveONNX(path, nox.ONNXOptions{Function: "log_prob"}); err != nil {
				t.Fatal(err)
			}
			st, _ := os.Stat(path)
			ortS := ortTime(t, node, script, path, dt, x)
			t.Logf("%s %s: %d rows; nox %.3g rows/s, ONNX Runtime %.3g rows/s (ratio %.2f); file %d bytes, %d parameters",
				c.name, dt, c.n, float64(c.n)/noxS, float64(c.n)/ortS, ortS/noxS, st.Size(), m.NumParams())
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// ortTime is ONNX Runtime's best time of five runs of model on x.
func ortTime(t *testing.T, node, script, model, dtype string, x *mat.Dense) float64 {
	t.Helper()
	r, c := x.Dims()
	data := make([]float64, 0, r*c)
	for i := range r {
		data = append(data, x.RawRowView(i)...)
	}
	b, _ := json.Marshal(map[string]any{"model": model, "dtype": dtype, "repeat": 5,
		"inputs": map[string]any{"x": map[string]any{"dims": []int{r, c}, "data": data}}})
	req := filepath.Join(t.TempDir(), "req.json")
	if err := os.WriteFile(req, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, script, req).Output()
	if err != nil {
		t.Fatalf("onnxruntime: %v", err)
	}
	var res struct{ Seconds float64 }
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	return res.Seconds
}
