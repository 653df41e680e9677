package stdlib_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/runtime"
	"github.com/noxlang/nox/stdlib"
)

func init() {
	for _, d := range []int{1, 2, 5} {
		addCases(
			layerCase{name: fmt.Sprintf("ActNorm/d%d", d), layers: []string{"ActNorm", "Gaussian"},
				args: []stdlib.Args{nil, nil}, dim: d},
			layerCase{name: fmt.Sprintf("LULinear/d%d", d), layers: []string{"LULinear", "Gaussian"},
				args: []stdlib.Args{nil, nil}, dim: d},
			layerCase{name: fmt.Sprintf("BatchNorm/d%d", d), layers: []string{"BatchNorm", "Gaussian"},
				args: []stdlib.Args{nil, nil}, dim: d},
		)
	}
	addCases(
		layerCase{name: "BatchNorm/args", layers: []string{"BatchNorm", "Gaussian"},
			args: []stdlib.Args{{"momentum": {0.5}, "eps": {1e-3}}, nil}, dim: 3},
		// Two LULinear stages: the second has a different permutation.
		layerCase{name: "LULinear/twice", layers: []string{"LULinear", "Reverse", "LULinear", "Gaussian"},
			args: []stdlib.Args{nil, nil, nil, nil}, dim: 4},
		layerCase{name: "ActNorm/twice", layers: []string{"ActNorm", "MAF", "ActNorm", "Gaussian"},
			args: []stdlib.Args{nil, {"hidden": {6}}, nil, nil}, dim: 2},
		layerCase{name: "Glow-stack", layers: []string{"ActNorm", "LULinear", "MAF", "BatchNorm", "Gaussian"},
			args: []stdlib.Args{nil, nil, {"hidden": {8}}, nil, nil}, dim: 3},
	)
}

// columnMoments returns the mean and the (biased) variance of each column
// of n rows of d columns.
func columnMoments(x []float64, n, d int) (mean, variance []float64) {
	mean, variance = make([]float64, d), make([]float64, d)
	for j := range d {
		for i := range n {
			mean[j] += x[i*d+j]
		}
		mean[j] /= float64(n)
		for i := range n {
			c := x[i*d+j] - mean[j]
			variance[j] += c * c
		}
		variance[j] /= float64(n)
	}
	return mean, variance
}

// shiftedRows draws n rows whose column j is mean[j] + std[j]·N(0,1).
func shiftedRows(rng *rand.Rand, n int, mean, std []float64) []float64 {
	d := len(mean)
	x := make([]float64, n*d)
	for i := range n {
		for j := range d {
			x[i*d+j] = mean[j] + std[j]*rng.NormFloat64()
		}
	}
	return x
}

// TestActNormDataInit: after the initialisation pass on data with mean 3
// and standard deviation 5 per column, the forward map sends that data to
// mean 0 and standard deviation 1 per column, in a single ActNorm and in a
// second ActNorm behind a mixing layer.
func TestActNormDataInit(t *testing.T) {
	const n, d = 500, 3
	rng := rand.New(rand.NewPCG(11, 12))
	x := shiftedRows(rng, n, []float64{3, 3, 3}, []float64{5, 5, 5})
	for _, layers := range [][]string{
		{"ActNorm", "Gaussian"},
		{"ActNorm", "LULinear", "ActNorm", "Gaussian"},
	} {
		t.Run(fmt.Sprint(layers), func(t *testing.T) {
			m, ps := lowerAt(t, layers, make([]stdlib.Args, len(layers)), d, 0)
			if m.Init == nil {
				t.Fatal("no initialisation program")
			}
			// Move the LULinear (if any) away from a permutation, so the
			// second ActNorm sees correlated, unnormalised columns.
			for i, p := range ps.Table {
				if strings.HasPrefix(p.Name, "LULinear") {
					for j := range ps.Views[i] {
						ps.Views[i][j] += 0.5 * rng.NormFloat64()
					}
				}
			}
			if err := runtime.Initialize(m.Init, ps, x, d, n); err != nil {
				t.Fatal(err)
			}
			z := run(m.Forward, ps, x, nil, n, "z", 0)
			mean, variance := columnMoments(z, n, d)
			for j := range d {
				if math.Abs(mean[j]) > 1e-9 || math.Abs(math.Sqrt(variance[j])-1) > 1e-6 {
					t.Errorf("column %d of z: mean %.3g std %.9g, want 0 and 1", j, mean[j], math.Sqrt(variance[j]))
				}
			}
			if len(layers) == 2 {
				// A single ActNorm: the parameters are the data's moments
				// and the log-det is -Σ log std.
				xm, xv := columnMoments(x, n, d)
				loc, logs := param(t, ps, "ActNorm0.loc"), param(t, ps, "ActNorm0.logs")
				want := 0.0
				for j := range d {
					if math.Abs(loc[j]-xm[j]) > 1e-12 || math.Abs(logs[j]-0.5*math.Log(xv[j]+1e-6)) > 1e-12 {
						t.Errorf("column %d: loc %v logs %v, want %v and %v", j, loc[j], logs[j], xm[j], 0.5*math.Log(xv[j]+1e-6))
					}
					want -= logs[j]
				}
				ld := run(m.Forward, ps, x, nil, n, "logdet", 0)
				for i := range n {
					if math.Abs(ld[i]-want) > 1e-12 {
						t.Fatalf("row %d: logdet %v, want %v", i, ld[i], want)
					}
				}
			}
		})
	}
}

// TestActNormConstantColumn: a constant column initialises to a finite
// scale, and the initialised layer maps it to 0.
func TestActNormConstantColumn(t *testing.T) {
	const n, d = 8, 2
	m, ps := lowerAt(t, []string{"ActNorm", "Gaussian"}, []stdlib.Args{nil, nil}, d, 0)
	x := make([]float64, n*d)
	for i := range n {
		x[i*d], x[i*d+1] = float64(i), 7
	}
	if err := runtime.Initialize(m.Init, ps, x, d, n); err != nil {
		t.Fatal(err)
	}
	z := run(m.Forward, ps, x, nil, n, "z", 0)
	for i := range n {
		if v := z[i*d+1]; v != 0 {
			t.Errorf("row %d: constant column maps to %v, want 0", i, v)
		}
	}
	for _, v := range ps.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("parameters after initialisation: %v", ps.Data)
		}
	}
}

// TestLULinearInitAndInverse: at initialisation the layer is its
// permutation (log-det 0), and its inverse program is two triangular
// solves with no general matrix product.
func TestLULinearInitAndInverse(t *testing.T) {
	const d = 5
	m, ps := lowerAt(t, []string{"LULinear", "LULinear", "Gaussian"}, []stdlib.Args{nil, nil, nil}, d, 0)
	single, sps := lowerAt(t, []string{"LULinear", "Gaussian"}, []stdlib.Args{nil, nil}, d, 0)
	eye := make([]float64, d*d)
	for i := range d {
		eye[i*d+i] = 1
	}
	z := run(single.Forward, sps, eye, nil, d, "z", 0)
	seen := make([]bool, d)
	for i := range d {
		ones := 0
		for j := range d {
			switch z[i*d+j] {
			case 1:
				ones++
				if seen[j] {
					t.Errorf("column %d holds two inputs", j)
				}
				seen[j] = true
			case 0:
			default:
				t.Errorf("initial W[%d][%d] = %v, want 0 or 1", i, j, z[i*d+j])
			}
		}
		if ones != 1 {
			t.Errorf("initial W row %d has %d ones", i, ones)
		}
	}
	if ld := run(single.Forward, sps, eye, nil, d, "logdet", 0); ld[0] != 0 {
		t.Errorf("initial log-det %v, want 0", ld[0])
	}
	// The second stage has its own permutation, so two stages are not the
	// first one's permutation applied once (permutations are fixed, so
	// this is deterministic).
	z2 := run(m.Forward, ps, eye, nil, d, "z", 0)
	same := true
	for i := range eye {
		same = same && z2[i] == z[i]
	}
	if same {
		t.Error("two LULinear stages have the same permutation")
	}
	counts := map[ir.Op]int{}
	for _, in := range single.Inverse.Instrs {
		counts[in.Op]++
	}
	if counts[ir.OpTriSolve] != 2 || counts[ir.OpMatMul] != 0 {
		t.Errorf("inverse program has %d triangular solves and %d matrix products, want 2 and 0",
			counts[ir.OpTriSolve], counts[ir.OpMatMul])
	}
}

// TestBatchNormStateUpdate: the training program's state outputs are the
// momentum updates of the running statistics by the batch's mean and
// biased variance, and its loss uses the batch statistics.
func TestBatchNormStateUpdate(t *testing.T) {
	const n, d, momentum, eps = 10, 3, 0.2, 1e-3
	m, ps := lowerAt(t, []string{"BatchNorm", "Gaussian"}, []stdlib.Args{{"momentum": {momentum}, "eps": {eps}}, nil}, d, 0)
	if m.Init != nil {
		t.Error("BatchNorm alone has an initialisation program")
	}
	runMean, runVar := param(t, ps, "BatchNorm0.mean"), param(t, ps, "BatchNorm0.var")
	for j := range d {
		if runMean[j] != 0 || runVar[j] != 1 {
			t.Fatalf("initial running statistics %v %v, want 0 and 1", runMean, runVar)
		}
	}
	copy(runMean, []float64{1, -2, 0.5})
	copy(runVar, []float64{2, 0.5, 3})
	rng := rand.New(rand.NewPCG(13, 14))
	x := shiftedRows(rng, n, []float64{-1, 4, 0}, []float64{2, 0.3, 1})
	e := runtime.New(m.Grad, ps, n, rng)
	copy(e.Input(0), x)
	e.Run()
	bm, bv := columnMoments(x, n, d)
	gotMean, gotVar := e.Output(stdlib.StatePrefix+"BatchNorm0.mean"), e.Output(stdlib.StatePrefix+"BatchNorm0.var")
	for j := range d {
		wm := (1-momentum)*runMean[j] + momentum*bm[j]
		wv := (1-momentum)*runVar[j] + momentum*bv[j]
		if math.Abs(gotMean[j]-wm) > 1e-12 || math.Abs(gotVar[j]-wv) > 1e-12 {
			t.Errorf("column %d: state mean %v var %v, want %v and %v", j, gotMean[j], gotVar[j], wm, wv)
		}
	}
	// gamma = beta = 0: the loss is the Gaussian NLL of the batch-normalised
	// rows minus the log-det Σ -log(var+eps)/2.
	want := 0.0
	for i := range n {
		for j := range d {
			v := (x[i*d+j] - bm[j]) / math.Sqrt(bv[j]+eps)
			want += 0.5*v*v + 0.5*math.Log(2*math.Pi) + 0.5*math.Log(bv[j]+eps)
		}
	}
	want /= n
	if got := e.Output("loss")[0]; math.Abs(got-want) > 1e-12 {
		t.Errorf("training loss %v, want %v (batch statistics)", got, want)
	}
	// Evaluation uses the running statistics.
	lp := run(m.LogProb, ps, x, nil, n, "logp", 0)
	for i := range n {
		w := 0.0
		for j := range d {
			v := (x[i*d+j] - runMean[j]) / math.Sqrt(runVar[j]+eps)
			w += -0.5*v*v - 0.5*math.Log(2*math.Pi) - 0.5*math.Log(runVar[j]+eps)
		}
		if math.Abs(lp[i]-w) > 1e-12 {
			t.Errorf("row %d: log p %v, want %v (running statistics)", i, lp[i], w)
		}
	}
}

// TestBatchNormTrainerRunningStats: training steps move the running mean
// and variance to the data's.
func TestBatchNormTrainerRunningStats(t *testing.T) {
	const n, d = 2000, 3
	mean, std := []float64{2, -1, 0.5}, []float64{0.5, 2, 1}
	m, ps := lowerAt(t, []string{"BatchNorm", "Gaussian"}, []stdlib.Args{nil, nil}, d, 0)
	rng := rand.New(rand.NewPCG(15, 16))
	x := shiftedRows(rng, n, mean, std)
	tr, err := runtime.NewTrainer(m.Grad, ps, x, d, 64, runtime.DefaultAdam(1e-3), rng)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	runMean, runVar := param(t, ps, "BatchNorm0.mean"), param(t, ps, "BatchNorm0.var")
	for step := range 150 {
		if loss := tr.Step(); math.IsNaN(loss) {
			t.Fatalf("step %d: loss NaN", step)
		}
	}
	for j := range d {
		if math.Abs(runMean[j]-mean[j]) > 0.2*std[j] {
			t.Errorf("column %d: running mean %v, data mean %v", j, runMean[j], mean[j])
		}
		if v := std[j] * std[j]; math.Abs(runVar[j]-v) > 0.3*v {
			t.Errorf("column %d: running variance %v, data variance %v", j, runVar[j], v)
		}
	}
}
