package stdlib_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/runtime"
	"github.com/noxlang/nox/stdlib"
)

// ewSquashedInputs draws lim·tanh(scale·N(0,1)/lim): normal-looking values
// that never leave [-lim, lim]. Sigmoid and Tanh saturate, and a value
// whose image is within a few ulps of the boundary of (0,1) or (-1,1)
// cannot be recovered to 1e-9 from its rounded image (σ(x) for x > 37 is
// exactly 1): the round trip is checked where float64 represents the map's
// output well enough to invert it, TestElementwiseEdges checks finiteness
// beyond.
func ewSquashedInputs(lim float64) func(rng *rand.Rand, n, d int, scale float64) []float64 {
	return func(rng *rand.Rand, n, d int, scale float64) []float64 {
		x := make([]float64, n*d)
		for i := range x {
			x[i] = lim * math.Tanh(scale*rng.NormFloat64()/lim)
		}
		return x
	}
}

// ewUnitEdges are points of [0, 1] at and next to its ends.
var ewUnitEdges = []float64{0, math.SmallestNonzeroFloat64, 1e-300, 1e-15, 1e-9,
	1 - 1e-9, 1 - 1e-15, 1 - 0x1p-53, 1}

// ewUnitInputs draws points of (0, 1) for Logit: σ(scale·N(0,1)). At the
// round-trip scale (4) a quarter of them are replaced by ewUnitEdges. The
// log-det check (scale 1.5) differentiates with central differences of
// step 6e-6, which are only accurate well inside (0, 1), and the gradient
// check (scale 1) needs no edges: TestElementwiseEdges checks them.
func ewUnitInputs(rng *rand.Rand, n, d int, scale float64) []float64 {
	x := make([]float64, n*d)
	for i := range x {
		x[i] = 1 / (1 + math.Exp(-scale*rng.NormFloat64()))
		if scale == 4 && rng.IntN(4) == 0 {
			x[i] = ewUnitEdges[rng.IntN(len(ewUnitEdges))]
		}
	}
	return x
}

// ewIntInputs draws integers in [lo, hi] (widened by a factor 10 around
// their midpoint at scale 4, when wide is set).
func ewIntInputs(lo, hi int, wide bool) func(rng *rand.Rand, n, d int, scale float64) []float64 {
	return func(rng *rand.Rand, n, d int, scale float64) []float64 {
		l, h := lo, hi
		if wide && scale == 4 {
			mid, half := (lo+hi)/2, (hi-lo)/2
			l, h = mid-10*half, mid+10*half
		}
		x := make([]float64, n*d)
		for i := range x {
			x[i] = float64(l + rng.IntN(h-l+1))
		}
		return x
	}
}

func init() {
	for _, d := range []int{1, 2, 4} {
		addCases(
			layerCase{name: fmt.Sprintf("Sigmoid/d%d", d), layers: []string{"Sigmoid", "Gaussian"},
				args: []stdlib.Args{nil, nil}, dim: d, input: ewSquashedInputs(6)},
			layerCase{name: fmt.Sprintf("Logit/d%d", d), layers: []string{"Logit", "Gaussian"},
				args: []stdlib.Args{nil, nil}, dim: d, input: ewUnitInputs, noStd: true},
			layerCase{name: fmt.Sprintf("Tanh/d%d", d), layers: []string{"Tanh", "Gaussian"},
				args: []stdlib.Args{nil, nil}, dim: d, input: ewSquashedInputs(3)},
			layerCase{name: fmt.Sprintf("LeakyReLU/d%d", d), layers: []string{"LeakyReLU", "Gaussian"},
				args: []stdlib.Args{nil, nil}, dim: d},
			layerCase{name: fmt.Sprintf("Affine/d%d", d), layers: []string{"Affine", "Gaussian"},
				args: []stdlib.Args{nil, nil}, dim: d},
			layerCase{name: fmt.Sprintf("Dequantize/d%d", d), layers: []string{"Dequantize", "Gaussian"},
				args: []stdlib.Args{nil, nil}, dim: d, input: ewIntInputs(-5, 5, true), noStd: true},
		)
	}
	addCases(
		layerCase{name: "Logit/margin0", layers: []string{"Logit", "Gaussian"},
			args: []stdlib.Args{{"margin": {0}}, nil}, dim: 2, input: ewUnitInputs, noStd: true},
		layerCase{name: "Logit/margin0.1", layers: []string{"Logit", "Gaussian"},
			args: []stdlib.Args{{"margin": {0.1}}, nil}, dim: 3, input: ewUnitInputs, noStd: true},
		layerCase{name: "LeakyReLU/slope0.3", layers: []string{"LeakyReLU", "Gaussian"},
			args: []stdlib.Args{{"slope": {0.3}}, nil}, dim: 3},
		layerCase{name: "LeakyReLU/slope1", layers: []string{"LeakyReLU", "Gaussian"},
			args: []stdlib.Args{{"slope": {1}}, nil}, dim: 2},
		layerCase{name: "Dequantize/scale3", layers: []string{"Dequantize", "Gaussian"},
			args: []stdlib.Args{{"scale": {3}}, nil}, dim: 2, input: ewIntInputs(-20, 20, true), noStd: true},
		layerCase{name: "Dequantize/scale256", layers: []string{"Dequantize", "Gaussian"},
			args: []stdlib.Args{{"scale": {256}}, nil}, dim: 1, input: ewIntInputs(0, 255, true), noStd: true},
		// Stacks: gradients of the learned layers through the fixed ones.
		layerCase{name: "Affine-Sigmoid-Logit-Affine", layers: []string{"Affine", "Sigmoid", "Logit", "Affine", "Gaussian"},
			args: []stdlib.Args{nil, nil, nil, nil, nil}, dim: 2, input: ewSquashedInputs(3), noStd: true},
		layerCase{name: "Affine-Tanh", layers: []string{"Affine", "Tanh", "Gaussian"},
			args: []stdlib.Args{nil, nil, nil}, dim: 3, input: ewSquashedInputs(2)},
		layerCase{name: "LeakyReLU-Affine-LeakyReLU", layers: []string{"LeakyReLU", "Affine", "LeakyReLU", "Gaussian"},
			args: []stdlib.Args{{"slope": {0.2}}, nil, nil, nil}, dim: 3},
		layerCase{name: "Logit-Affine", layers: []string{"Logit", "Affine", "Gaussian"},
			args: []stdlib.Args{nil, nil, nil}, dim: 2, input: ewUnitInputs, noStd: true},
		layerCase{name: "Dequantize-Logit-Affine", layers: []string{"Dequantize", "Logit", "Affine", "Gaussian"},
			args: []stdlib.Args{{"scale": {16}}, nil, nil, nil}, dim: 2, input: ewIntInputs(0, 15, false), noStd: true},
		layerCase{name: "Dequantize-MAF", layers: []string{"Dequantize", "MAF", "Gaussian"},
			args: []stdlib.Args{{"scale": {4}}, {"hidden": {6}}, nil}, dim: 3, input: ewIntInputs(-6, 6, false), noStd: true},
	)
}

// ewGrads runs the gradient program on rows x and returns the loss and
// every parameter gradient by name.
func ewGrads(m *compiler.Model, ps *runtime.Params, x []float64) (float64, map[string][]float64) {
	n := len(x) / m.Dim
	e := runtime.New(m.Grad, ps, n, rand.New(rand.NewPCG(42, 7)))
	copy(e.Input(0), x)
	e.Run()
	g := map[string][]float64{}
	for _, p := range m.Params {
		if !p.State {
			g[p.Name] = append([]float64(nil), e.Output(ir.GradPrefix+p.Name)...)
		}
	}
	return e.Output("loss")[0], g
}

func ewFinite(v ...float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// ewCheckFinite runs the forward, log-density and gradient programs of
// m on the rows x (one column) and reports any non-finite output.
func ewCheckFinite(t *testing.T, what string, m *compiler.Model, ps *runtime.Params, x []float64) {
	t.Helper()
	n := len(x) / m.Dim
	ld := run(m.Forward, ps, x, nil, n, "logdet", 0)
	lp := run(m.LogProb, ps, x, nil, n, "logp", 0)
	for i := range n {
		if !ewFinite(ld[i], lp[i]) {
			t.Errorf("%s x=%v: log-det %v, log p %v", what, x[i*m.Dim:(i+1)*m.Dim], ld[i], lp[i])
		}
	}
	// One row at a time, so that a failure names its input.
	for i := range n {
		loss, g := ewGrads(m, ps, x[i*m.Dim:(i+1)*m.Dim])
		if !ewFinite(loss) {
			t.Errorf("%s x=%v: loss %v", what, x[i*m.Dim:(i+1)*m.Dim], loss)
		}
		for name, v := range g {
			if !ewFinite(v...) {
				t.Errorf("%s x=%v: gradient of %s = %v", what, x[i*m.Dim:(i+1)*m.Dim], name, v)
			}
		}
	}
}

// TestElementwiseEdges drives the elementwise layers to and beyond the
// ends of their ranges: log-dets, log-densities and gradients must stay
// finite, the log-dets must match their closed forms, and the round trip
// must hold wherever float64 can represent it.
func TestElementwiseEdges(t *testing.T) {
	t.Run("Sigmoid", func(t *testing.T) {
		xs := []float64{-1e300, -800, -700, -40, -30, -1e-12, 0, 1e-12, 15, 30, 40, 800, 1e300}
		m, ps := lowerAt(t, []string{"Sigmoid", "Gaussian"}, nil, 1, 0)
		ld := run(m.Forward, ps, xs, nil, len(xs), "logdet", 0)
		back := run(m.Inverse, ps, run(m.Forward, ps, xs, nil, len(xs), "z", 0), nil, len(xs), "x", 0)
		for i, x := range xs {
			// log σ(x)(1-σ(x)) = -|x| - 2·log(1 + e^-|x|)
			want := -math.Abs(x) - 2*math.Log1p(math.Exp(-math.Abs(x)))
			if math.Abs(ld[i]-want) > 1e-12*math.Max(1, math.Abs(want)) {
				t.Errorf("x=%v: log-det %v, want %v", x, ld[i], want)
			}
			if !ewFinite(back[i]) {
				t.Errorf("x=%v: inverse %v", x, back[i])
			}
			// σ(x) is exact to 1e-9 after inversion for x ≤ 15 (relative
			// precision of σ near 0 is full; near 1 it is 1e-16/(1-σ)).
			if x >= -700 && x <= 15 && math.Abs(back[i]-x) > 1e-9 {
				t.Errorf("x=%v: inverse(forward(x)) = %v", x, back[i])
			}
		}
		m, ps = lowerAt(t, []string{"Affine", "Sigmoid", "Affine", "Gaussian"}, nil, 1, 0)
		ewCheckFinite(t, "Affine-Sigmoid", m, ps, []float64{-800, -40, -30, 30, 40, 800})
	})
	t.Run("Logit", func(t *testing.T) {
		for _, margin := range []float64{1e-6, 0, 0.1} {
			args := []stdlib.Args{{"margin": {margin}}}
			m, ps := lowerAt(t, []string{"Logit", "Gaussian"}, args, 1, 0)
			xs := append([]float64{0.25, 0.5, 0.75}, ewUnitEdges...)
			z := run(m.Forward, ps, xs, nil, len(xs), "z", 0)
			ld := run(m.Forward, ps, xs, nil, len(xs), "logdet", 0)
			back := run(m.Inverse, ps, z, nil, len(xs), "x", 0)
			dom := stdlib.Lookup("Logit").Domain(stdlib.Lookup("Logit").Bind(args[0]))
			var inside []float64
			for i, x := range xs {
				if !dom.Contains(x) {
					// Only the ends of [0, 1] with margin 0: density 0
					// there, latents still finite.
					if margin != 0 || (x != 0 && x != 1) || !ewFinite(z[i]) || !math.IsInf(ld[i], -1) {
						t.Errorf("margin %v x=%v outside the domain: z %v, log-det %v", margin, x, z[i], ld[i])
					}
					continue
				}
				if x <= 1 {
					inside = append(inside, x)
				}
				if !ewFinite(z[i], ld[i], back[i]) {
					t.Errorf("margin %v x=%v: z %v, log-det %v, inverse %v", margin, x, z[i], ld[i], back[i])
				}
				if e := math.Abs(back[i] - x); e > 1e-9 {
					t.Errorf("margin %v x=%v: inverse(forward(x)) = %v", margin, x, back[i])
				}
				if x < 1e-6 || x > 1-1e-6 {
					continue // the closed form below loses precision there
				}
				xs := margin + (1-2*margin)*x
				wantZ := math.Log(xs / (1 - xs))
				wantLD := math.Log(1-2*margin) - math.Log(xs) - math.Log(1-xs)
				if math.Abs(z[i]-wantZ) > 1e-9 || math.Abs(ld[i]-wantLD) > 1e-9 {
					t.Errorf("margin %v x=%v: z %v log-det %v, want %v %v", margin, x, z[i], ld[i], wantZ, wantLD)
				}
			}
			if margin == 0.1 {
				// The ends of [0, 1] map to logit(margin) and logit(1-margin).
				lo, hi := math.Log(0.1/0.9), math.Log(0.9/0.1)
				if math.Abs(z[3]-lo) > 1e-12 || math.Abs(z[len(z)-1]-hi) > 1e-12 {
					t.Errorf("margin 0.1: z(0) = %v, z(1) = %v, want %v, %v", z[3], z[len(z)-1], lo, hi)
				}
			}
			mm, mps := lowerAt(t, []string{"Logit", "Affine", "Gaussian"}, args, 1, 0)
			ewCheckFinite(t, fmt.Sprintf("Logit(margin=%v)-Affine", margin), mm, mps, inside)
		}
	})
	t.Run("Tanh", func(t *testing.T) {
		xs := []float64{-1e300, -400, -30, -9, -1e-12, 0, 1e-12, 9, 30, 400, 1e300}
		m, ps := lowerAt(t, []string{"Tanh", "Gaussian"}, nil, 1, 0)
		ld := run(m.Forward, ps, xs, nil, len(xs), "logdet", 0)
		back := run(m.Inverse, ps, run(m.Forward, ps, xs, nil, len(xs), "z", 0), nil, len(xs), "x", 0)
		for i, x := range xs {
			// log(1 - tanh²x) = log 4 - 2|x| - 2·log(1 + e^-2|x|)
			want := math.Log(4) - 2*math.Abs(x) - 2*math.Log1p(math.Exp(-2*math.Abs(x)))
			if math.Abs(ld[i]-want) > 1e-12*math.Max(1, math.Abs(want)) {
				t.Errorf("x=%v: log-det %v, want %v", x, ld[i], want)
			}
			if !ewFinite(back[i]) {
				t.Errorf("x=%v: inverse %v", x, back[i])
			}
			if math.Abs(x) <= 9 && math.Abs(back[i]-x) > 1e-9 {
				t.Errorf("x=%v: inverse(forward(x)) = %v", x, back[i])
			}
		}
		m, ps = lowerAt(t, []string{"Affine", "Tanh", "Affine", "Gaussian"}, nil, 1, 0)
		ewCheckFinite(t, "Affine-Tanh", m, ps, []float64{-400, -30, 30, 400})
	})
	t.Run("LeakyReLU", func(t *testing.T) {
		m, ps := lowerAt(t, []string{"LeakyReLU", "Gaussian"}, []stdlib.Args{{"slope": {0.25}}}, 3, 0)
		x := []float64{0, -2, 3, -0.0, 1e-300, -1e-300}
		z := run(m.Forward, ps, x, nil, 2, "z", 0)
		ld := run(m.Forward, ps, x, nil, 2, "logdet", 0)
		want := []float64{0, -0.5, 3, 0, 1e-300, -0.25e-300}
		for i := range x {
			if z[i] != want[i] {
				t.Errorf("x=%v: z=%v, want %v", x[i], z[i], want[i])
			}
		}
		// Coordinates ≤ 0 count log(slope): two in each row.
		if l := 2 * math.Log(0.25); math.Abs(ld[0]-l) > 1e-15 || math.Abs(ld[1]-l) > 1e-15 {
			t.Errorf("log-dets %v, want %v", ld, l)
		}
		if back := run(m.Inverse, ps, z, nil, 2, "x", 0); maxAbsDiff(back, x) != 0 {
			t.Errorf("inverse(forward(x)) = %v, want %v", back, x)
		}
	})
}

// TestAffineIdentityAtInit checks that a new Affine is the identity.
func TestAffineIdentityAtInit(t *testing.T) {
	m, ps := lowerAt(t, []string{"Affine", "Gaussian"}, nil, 3, 0)
	x := []float64{1.5, -2, 0.25, 3, 7, -9}
	z := run(m.Forward, ps, x, nil, 2, "z", 0)
	ld := run(m.Forward, ps, x, nil, 2, "logdet", 0)
	if maxAbsDiff(z, x) != 0 || ld[0] != 0 || ld[1] != 0 {
		t.Errorf("z=%v log-det %v, want the identity", z, ld)
	}
	// Set scale and shift: z = x·e^ls + shift, log-det Σ ls.
	copy(param(t, ps, "Affine0.log_scale"), []float64{0.5, -1, 0})
	copy(param(t, ps, "Affine0.shift"), []float64{1, 2, 3})
	z = run(m.Forward, ps, x, nil, 2, "z", 0)
	ld = run(m.Forward, ps, x, nil, 2, "logdet", 0)
	for i := range x {
		ls := []float64{0.5, -1, 0}[i%3]
		want := x[i]*math.Exp(ls) + float64(i%3+1)
		if math.Abs(z[i]-want) > 1e-14 {
			t.Errorf("z[%d] = %v, want %v", i, z[i], want)
		}
	}
	if math.Abs(ld[0]+0.5) > 1e-15 || math.Abs(ld[1]+0.5) > 1e-15 {
		t.Errorf("log-det %v, want -0.5", ld)
	}
}

// TestDequantize checks the semantics of Dequantize: densities at the
// cell midpoints, a training loss that bounds the discrete NLL from above
// in expectation, integer samples and exact round trips of large integers.
func TestDequantize(t *testing.T) {
	const s = 4.0
	m, ps := lowerAt(t, []string{"Dequantize", "Gaussian"}, []stdlib.Args{{"scale": {s}}}, 2, 0)
	normLog := func(v float64) float64 { return -0.5*v*v - 0.5*math.Log(2*math.Pi) }
	// Eval: log p(x) = Σ log N((x_j + 1/2)/s) - D·log s.
	x := []float64{0, 3, -5, 11}
	lp := run(m.LogProb, ps, x, nil, 2, "logp", 0)
	for i := range 2 {
		want := normLog((x[2*i]+0.5)/s) + normLog((x[2*i+1]+0.5)/s) - 2*math.Log(s)
		if math.Abs(lp[i]-want) > 1e-12 {
			t.Errorf("row %d: log p = %v, want %v", i, lp[i], want)
		}
	}
	// Train: the loss of n copies of one row averages -log p(x + u) over
	// u ~ U[0,1)²; compare with the integral and with -log P(x).
	const n = 1 << 14
	row := []float64{2, -7}
	rows := make([]float64, 0, 2*n)
	for range n {
		rows = append(rows, row...)
	}
	loss := run(m.Loss, ps, rows, nil, n, "loss", 3)[0]
	want, nll := 2*math.Log(s), 0.0
	for _, v := range row {
		// E_u[-log N((v+u)/s)] = ∫₀¹ ((v+u)²/(2s²) + log√(2π)) du
		want += ((v+1)*(v+1)*(v+1)-v*v*v)/(6*s*s) + 0.5*math.Log(2*math.Pi)
		// P = Φ((v+1)/s) - Φ(v/s)
		p := 0.5 * (math.Erf((v+1)/s/math.Sqrt2) - math.Erf(v/s/math.Sqrt2))
		nll -= math.Log(p)
	}
	if math.Abs(loss-want) > 0.01 {
		t.Errorf("training loss %v, want E_u[-log p(x+u)] = %v", loss, want)
	}
	if !(loss >= nll) {
		t.Errorf("training loss %v is below the discrete NLL %v", loss, nll)
	}
	if evalNLL := -run(m.LogProb, ps, row, nil, 1, "logp", 0)[0]; math.Abs(evalNLL-nll) > 0.01 {
		t.Errorf("midpoint NLL %v far from the discrete NLL %v", evalNLL, nll)
	}
	// Samples are integers.
	for i, v := range run(m.Sample, ps, nil, nil, 500, "x", 9) {
		if v != math.Floor(v) || !ewFinite(v) {
			t.Fatalf("sample %d is %v, not an integer", i, v)
		}
	}
	// Large integers come back exactly, at scales that are not powers of 2.
	for _, sc := range []float64{1, 3, 0.7, 256, 1e6} {
		m, ps := lowerAt(t, []string{"Dequantize", "Gaussian"}, []stdlib.Args{{"scale": {sc}}}, 1, 0)
		xs := []float64{0, -1, 1, 255, -1e12, 1e12, 123456789, -987654321}
		back := run(m.Inverse, ps, run(m.Forward, ps, xs, nil, len(xs), "z", 0), nil, len(xs), "x", 0)
		if maxAbsDiff(back, xs) != 0 {
			t.Errorf("scale %v: inverse(forward(x)) = %v, want %v", sc, back, xs)
		}
	}
}

// TestElementwiseSignatures pins the rendered signatures the docs quote.
func TestElementwiseSignatures(t *testing.T) {
	want := map[string]string{
		"Sigmoid":    "Sigmoid()",
		"Logit":      "Logit(margin float = 1e-06)",
		"Tanh":       "Tanh()",
		"LeakyReLU":  "LeakyReLU(slope float = 0.01)",
		"Affine":     "Affine()",
		"Dequantize": "Dequantize(scale float = 1)",
		"Planar":     "Planar()",
		"Radial":     "Radial()",
	}
	for name, sig := range want {
		s := stdlib.Lookup(name)
		if s == nil {
			t.Errorf("no layer %s", name)
			continue
		}
		if got := s.Signature(); got != sig {
			t.Errorf("%s signature %q, want %q", name, got, sig)
		}
		if s.Context || !strings.Contains(s.Doc, "O(B*D") {
			t.Errorf("%s: context %v, doc without cost: %q", name, s.Context, s.Doc)
		}
	}
}
