package stdlib_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/stdlib"
)

func init() {
	for _, d := range []int{1, 2, 4} {
		addCases(
			layerCase{name: fmt.Sprintf("Planar/d%d", d), layers: []string{"Planar", "Gaussian"},
				args: []stdlib.Args{nil, nil}, dim: d},
			layerCase{name: fmt.Sprintf("Radial/d%d", d), layers: []string{"Radial", "Gaussian"},
				args: []stdlib.Args{nil, nil}, dim: d},
		)
	}
	addCases(
		layerCase{name: "Affine-Planar-Radial", layers: []string{"Affine", "Planar", "Radial", "Gaussian"},
			args: []stdlib.Args{nil, nil, nil, nil}, dim: 3},
		layerCase{name: "Planar-stack", layers: []string{"Planar", "Planar", "Planar", "Gaussian"},
			args: []stdlib.Args{nil, nil, nil, nil}, dim: 2},
		layerCase{name: "Radial-Planar-Radial", layers: []string{"Radial", "Planar", "Radial", "Gaussian"},
			args: []stdlib.Args{nil, nil, nil, nil}, dim: 5},
		layerCase{name: "Planar-MAF", layers: []string{"Planar", "MAF", "Radial", "Gaussian"},
			args: []stdlib.Args{nil, {"hidden": {6}}, nil, nil}, dim: 2},
	)
}

// softplus is log(1 + e^a).
func ewSoftplus(a float64) float64 { return max(a, 0) + math.Log1p(math.Exp(-math.Abs(a))) }

// TestPlanarConstraint sets u against w (w·u ≪ -1, where the raw map
// would fold over) and checks that the reparametrised û keeps the map
// invertible: log-dets finite and equal to log(1 + w·û·sech²(w·x + b))
// with w·û = -1 + ewSoftplus(w·u) > -1, the round trip exact, and
// gradients finite, also where the slope is smallest (w·x + b = 0) and
// at w = 0.
func TestPlanarConstraint(t *testing.T) {
	w := []float64{0.6, -0.8, 0}
	const bias = 0.3
	for _, c := range []float64{-2, 0, 0.5, 5, 50, 1e3} {
		m, ps := lowerAt(t, []string{"Planar", "Gaussian"}, nil, 3, 0)
		copy(param(t, ps, "Planar0.w"), w)
		u := param(t, ps, "Planar0.u")
		for j := range u {
			u[j] = -c * w[j]
		}
		param(t, ps, "Planar0.b")[0] = bias
		a := -c // w·u with |w| = 1
		s := -1 + ewSoftplus(max(a, -300))
		// Rows: random, and rows on the plane w·x + b = 0 where the
		// slope 1 + s·sech² is smallest.
		rng := rand.New(rand.NewPCG(11, 12))
		x := randRows(rng, 8, 3, 2)
		for i := range 4 {
			r := x[3*i : 3*i+3]
			dot := w[0]*r[0] + w[1]*r[1]
			r[0] -= (dot + bias) * w[0]
			r[1] -= (dot + bias) * w[1]
		}
		n := len(x) / 3
		z := run(m.Forward, ps, x, nil, n, "z", 0)
		ld := run(m.Forward, ps, x, nil, n, "logdet", 0)
		back := run(m.Inverse, ps, z, nil, n, "x", 0)
		for i := range n {
			r := x[3*i : 3*i+3]
			tt := w[0]*r[0] + w[1]*r[1] + bias
			sech2 := 1 / (math.Cosh(tt) * math.Cosh(tt))
			want := math.Log(1 + s*sech2)
			if !ewFinite(ld[i]) || math.Abs(ld[i]-want) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Errorf("w·u=%v x=%v: log-det %v, want %v", a, r, ld[i], want)
			}
			// Where 1 + s·sech² is tiny, x is determined by z only to
			// (rounding of z)/slope: the round trip holds to 1e-9 while
			// the slope is not below 1e-6.
			slope := 1 + s*sech2
			if slope > 1e-6 {
				if e := maxAbsDiff(back[3*i:3*i+3], r); e > 1e-9 {
					t.Errorf("w·u=%v x=%v: round-trip error %.3g", a, r, e)
				}
			} else if !ewFinite(back[3*i : 3*i+3]...) {
				t.Errorf("w·u=%v x=%v: inverse %v", a, r, back[3*i:3*i+3])
			}
		}
		ewCheckFinite(t, fmt.Sprintf("Planar w·u=%v", a), m, ps, x)
	}
	// w = 0: û = u, z = x + u·tanh(b), log-det 0.
	m, ps := lowerAt(t, []string{"Planar", "Gaussian"}, nil, 2, 0)
	copy(param(t, ps, "Planar0.w"), []float64{0, 0})
	copy(param(t, ps, "Planar0.u"), []float64{0.5, -1})
	param(t, ps, "Planar0.b")[0] = 0.4
	x := []float64{1, 2, -3, 0.5}
	z := run(m.Forward, ps, x, nil, 2, "z", 0)
	ld := run(m.Forward, ps, x, nil, 2, "logdet", 0)
	for i := range x {
		want := x[i] + []float64{0.5, -1}[i%2]*math.Tanh(0.4)
		if math.Abs(z[i]-want) > 1e-15 {
			t.Errorf("w=0: z[%d] = %v, want %v", i, z[i], want)
		}
	}
	// tanh² + sech² is 1 to rounding.
	if math.Abs(ld[0]) > 1e-15 || math.Abs(ld[1]) > 1e-15 {
		t.Errorf("w=0: log-det %v, want 0", ld)
	}
	if back := run(m.Inverse, ps, z, nil, 2, "x", 0); maxAbsDiff(back, x) > 1e-15 {
		t.Errorf("w=0: inverse(forward(x)) = %v, want %v", back, x)
	}
	ewCheckFinite(t, "Planar w=0", m, ps, x)
}

// TestPlanarInverseScale checks the inverse where the bracket of the root
// solve is wide (|w·û| large) and far from 0 (|w·z| large).
func TestPlanarInverseScale(t *testing.T) {
	for _, scale := range []float64{1e-3, 1, 30, 1e3} {
		m, ps := lowerAt(t, []string{"Planar", "Gaussian"}, nil, 2, 0)
		copy(param(t, ps, "Planar0.w"), []float64{0.8 * scale, 0.6})
		copy(param(t, ps, "Planar0.u"), []float64{2 * scale, -scale})
		rng := rand.New(rand.NewPCG(13, 14))
		x := randRows(rng, 32, 2, 3)
		x = append(x, 1e4, -2e4, -1e5, 3)
		n := len(x) / 2
		back := run(m.Inverse, ps, run(m.Forward, ps, x, nil, n, "z", 0), nil, n, "x", 0)
		for i := range n {
			// Absolute error relative to the row's magnitude.
			mag := math.Max(1, math.Max(math.Abs(x[2*i]), math.Abs(x[2*i+1])))
			if e := maxAbsDiff(back[2*i:2*i+2], x[2*i:2*i+2]); e > 1e-9*mag {
				t.Errorf("scale %v x=%v: round-trip error %.3g", scale, x[2*i:2*i+2], e)
			}
		}
	}
}

// TestRadialEdges checks the radial flow at its centre (r = 0, where the
// norm's derivative is singular) and with β near its bound -α (a strong
// contraction toward x0): finite log-dets and gradients, log-dets equal
// to the closed form, exact round trips.
func TestRadialEdges(t *testing.T) {
	x0 := []float64{0.5, -1, 2}
	for _, bp := range []float64{-40, -3, 0, 2, 8} {
		for _, ap := range []float64{-5, 0, 3} {
			m, ps := lowerAt(t, []string{"Radial", "Gaussian"}, nil, 3, 0)
			copy(param(t, ps, "Radial0.x0"), x0)
			param(t, ps, "Radial0.alpha")[0] = ap
			param(t, ps, "Radial0.beta")[0] = bp
			alpha := ewSoftplus(ap)
			ab := ewSoftplus(bp)                         // α + β
			x := append([]float64(nil), x0...)           // r = 0
			x = append(x, x0[0]+1e-9, x0[1], x0[2])      // r = 1e-9
			x = append(x, x0[0]+1e-3, x0[1]-1e-3, x0[2]) // r ≈ 1.4e-3
			x = append(x, randRows(rand.New(rand.NewPCG(5, 5)), 5, 3, 2)...)
			x = append(x, 1e3, -2e3, 5e2)
			n := len(x) / 3
			z := run(m.Forward, ps, x, nil, n, "z", 0)
			ld := run(m.Forward, ps, x, nil, n, "logdet", 0)
			back := run(m.Inverse, ps, z, nil, n, "x", 0)
			for i := range n {
				row := x[3*i : 3*i+3]
				r := math.Sqrt((row[0]-x0[0])*(row[0]-x0[0]) + (row[1]-x0[1])*(row[1]-x0[1]) + (row[2]-x0[2])*(row[2]-x0[2]))
				// 1 + β/(α+r) = (α+β+r)/(α+r) and 1 + αβ/(α+r)² =
				// (α(α+β) + 2αr + r²)/(α+r)², free of cancellation
				// when β is close to -α.
				want := 2*math.Log((ab+r)/(alpha+r)) + math.Log((alpha*ab+2*alpha*r+r*r)/((alpha+r)*(alpha+r)))
				if !ewFinite(ld[i]) || math.Abs(ld[i]-want) > 1e-9*math.Max(1, math.Abs(want)) {
					t.Errorf("α'=%v β'=%v x=%v: log-det %v, want %v", ap, bp, row, ld[i], want)
				}
				mag := math.Max(1, math.Abs(row[0])+math.Abs(row[1])+math.Abs(row[2]))
				if e := maxAbsDiff(back[3*i:3*i+3], row); e > 1e-9*mag {
					t.Errorf("α'=%v β'=%v x=%v: round-trip error %.3g", ap, bp, row, e)
				}
			}
			ewCheckFinite(t, fmt.Sprintf("Radial α'=%v β'=%v", ap, bp), m, ps, x)
		}
	}
}

// TestPlanarRadialIdentityAtInit checks that new Planar and Radial layers
// are the identity, and that the planar stages of one flow start with
// different directions w (so that they do not move in lockstep).
func TestPlanarRadialIdentityAtInit(t *testing.T) {
	m, ps := lowerAt(t, []string{"Planar", "Radial", "Planar", "Gaussian"}, nil, 3, 0)
	x := randRows(rand.New(rand.NewPCG(3, 3)), 16, 3, 2)
	z := run(m.Forward, ps, x, nil, 16, "z", 0)
	ld := run(m.Forward, ps, x, nil, 16, "logdet", 0)
	if e := maxAbsDiff(z, x); e > 1e-15 {
		t.Errorf("max |z - x| = %.3g at initialisation, want the identity", e)
	}
	for i, v := range ld {
		if math.Abs(v) > 1e-15 {
			t.Errorf("row %d: log-det %v at initialisation, want 0", i, v)
		}
	}
	w0, w2 := param(t, ps, "Planar0.w"), param(t, ps, "Planar2.w")
	n0, n2, same := 0.0, 0.0, true
	for j := range w0 {
		n0 += w0[j] * w0[j]
		n2 += w2[j] * w2[j]
		same = same && w0[j] == w2[j]
	}
	if same || math.Abs(n0-1) > 1e-12 || math.Abs(n2-1) > 1e-12 {
		t.Errorf("initial w %v and %v: want different unit vectors", w0, w2)
	}
	// The parameters still get a gradient at the identity.
	_, g := ewGrads(m, ps, x)
	for _, name := range []string{"Planar0.u", "Planar0.w", "Radial1.beta"} {
		nz := false
		for _, v := range g[name] {
			nz = nz || v != 0
		}
		if !nz {
			t.Errorf("gradient of %s is zero at the identity", name)
		}
	}
}
