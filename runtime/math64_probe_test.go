package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

// TestProbeMath64 is a measuring tool, run only with NOX_PROBE=1 (go
// test ./runtime -run ProbeMath64 -v): two trainers of the digits MAF in
// float64 (batch 256) and a Mapper of its log-density (1,024 rows),
// alternating 16 times in one process between float64 exp and tanh by
// math.Exp and math.Tanh and by the kernels of math64.go; it prints
// each one's median step and log-prob times. Figures quoted in
// bench/README.md.
func TestProbeMath64(t *testing.T) {
	probeOnly(t)
	oldExp := func(out, a []float64) {
		for i, x := range a[:len(out)] {
			out[i] = math.Exp(x)
		}
	}
	oldTanh := func(out, a []float64) {
		for i, x := range a[:len(out)] {
			out[i] = math.Tanh(x)
		}
	}
	newExp, newTanh := kernels64.exp, kernels64.tanh
	defer func() { kernels64.exp, kernels64.tanh = newExp, newTanh }()
	m, ps := probeMAF(t, 64, 512)
	ps.DType = Float64
	var trs [2]*Trainer
	for k := range 2 {
		tr, err := NewTrainer(m.Grad, ps, randomRows(2000, 64, 3), 64, 256, DefaultAdam(1e-4), rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close()
		trs[k] = tr
	}
	mp := NewMapper(m.LogProb, ps, "logp", 1024, nil)
	defer mp.Close()
	rows := randomRows(1024, 64, 5)
	lp := make([]float64, 1024)
	var st, lt [2][]float64
	for range 16 {
		for k := range 2 {
			if k == 0 {
				kernels64.exp, kernels64.tanh = oldExp, oldTanh
			} else {
				kernels64.exp, kernels64.tanh = newExp, newTanh
			}
			t0 := time.Now()
			for range 20 {
				trs[k].Step()
			}
			st[k] = append(st[k], float64(time.Since(t0).Microseconds())/20)
			t0 = time.Now()
			for range 5 {
				mp.Map(lp, rows, 1024)
			}
			lt[k] = append(lt[k], float64(time.Since(t0).Microseconds())/5)
		}
	}
	med := func(x []float64) float64 { sort.Float64s(x); return x[len(x)/2] }
	fmt.Printf("float64 digits step µs: math %.0f, vector %.0f; log-prob 1024 rows µs: math %.0f, vector %.0f\n", med(st[0]), med(st[1]), med(lt[0]), med(lt[1]))
}
