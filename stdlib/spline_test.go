package stdlib_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/runtime"
	"github.com/noxlang/nox/stdlib"
)

// splineEdgeInputs draws inputs that exercise a spline on [-bound, bound]
// with k bins: ordinary points, points exactly at ±bound and at the knots
// of uniform bins (and one ulp either side), points in the tails and, at
// round-trip scale 4, magnitudes up to 1e6 in the columns that huge says
// no conditioner reads (elsewhere the tails end at bound + 3).
//
// The limits follow from what each check can measure. A conditioner fed a
// huge value outputs extreme spline parameters, and a rational-quadratic
// spline with knot derivatives δ and bin slope s has derivatives as small
// as ~s²/δ between its knots, where no inverse can recover x to 1e-9 from
// a rounded y. The log-det check (scale 1.5) compares with central
// differences of step 6e-6, which are exact only where the map is smooth
// and x±6e-6 is represented to 1e-8 relative; the spline is only C¹ at
// ±bound and at the knots, so there the points stay at least 1e-3 off them
// and below 1e3 in magnitude. The gradient check (scale 1) differentiates
// a loss that would drown in rounding if a latent were huge, so there the
// tails stay below bound + 16. TestSplineEdges checks the exact edges and huge
// inputs (1e6, 1e300) everywhere for finiteness.
func splineEdgeInputs(bound float64, k int, huge func(col, d int) bool) func(rng *rand.Rand, n, d int, scale float64) []float64 {
	return func(rng *rand.Rand, n, d int, scale float64) []float64 {
		x := make([]float64, n*d)
		sign := func() float64 {
			if rng.IntN(2) == 0 {
				return -1
			}
			return 1
		}
		fdCheck := scale == 1.5
		for i := range x {
			switch r := rng.IntN(10); {
			case r < 3:
				x[i] = rng.NormFloat64() * bound / 2
			case r == 3 && !fdCheck:
				x[i] = sign() * bound
			case r == 4 && !fdCheck:
				knot := -bound + 2*bound*float64(rng.IntN(k+1))/float64(k)
				x[i] = math.Nextafter(knot, knot+float64(rng.IntN(3)-1))
			case r == 5:
				x[i] = sign() * (bound + 1e-3 + rng.Float64()*3)
			case r == 6:
				switch {
				case !huge(i%d, d):
					x[i] = sign() * (bound + 1e-3 + rng.Float64()*3)
				case scale == 4:
					x[i] = sign() * math.Pow(10, 2+4*rng.Float64()) // up to 1e6
				case fdCheck:
					x[i] = sign() * math.Pow(10, 1+2*rng.Float64()) // up to 1e3
				default:
					x[i] = sign() * (bound + 1 + 15*rng.Float64()) // up to bound + 16
				}
			default:
				x[i] = (2*rng.Float64() - 1) * (bound - 1e-3)
			}
		}
		return x
	}
}

// Columns no conditioner reads: a first coupling stage's transformed
// (even) columns; an autoregressive layer's last column.
func couplingOutputCol(col, d int) bool { return col%2 == 0 }
func arLastCol(col, d int) bool         { return col == d-1 }

func init() {
	coupling := func(name string, dim, ctx int, args stdlib.Args) layerCase {
		return layerCase{name: name, layers: []string{"SplineCoupling", "Gaussian"}, args: []stdlib.Args{args, nil}, dim: dim, ctx: ctx}
	}
	ar := func(name string, dim, ctx int, args stdlib.Args) layerCase {
		return layerCase{name: name, layers: []string{"SplineAR", "Gaussian"}, args: []stdlib.Args{args, nil}, dim: dim, ctx: ctx}
	}
	edges := func(c layerCase, bound float64, k int) layerCase {
		huge := arLastCol
		if c.layers[0] == "SplineCoupling" {
			huge = couplingOutputCol
		}
		c.input = splineEdgeInputs(bound, k, huge)
		c.noStd = true // the edges are in the layer's own coordinates
		return c
	}
	addCases(
		coupling("SplineCoupling/d2", 2, 0, stdlib.Args{"hidden": {8}, "bins": {4}}),
		coupling("SplineCoupling/d3", 3, 0, stdlib.Args{"hidden": {8, 6}, "bins": {5}, "bound": {2}}),
		coupling("SplineCoupling/d5", 5, 0, stdlib.Args{"hidden": {10}, "bins": {3}}),
		coupling("SplineCoupling/ctx-d2", 2, 2, stdlib.Args{"hidden": {8}, "bins": {4}}),
		coupling("SplineCoupling/ctx-d3", 3, 2, stdlib.Args{"hidden": {6, 6}, "bins": {6}}),
		edges(coupling("SplineCoupling/edges-d3", 3, 0, stdlib.Args{"hidden": {8}, "bins": {4}}), 3, 4),
		edges(coupling("SplineCoupling/edges-ctx-d2", 2, 2, stdlib.Args{"hidden": {8}, "bins": {2}, "bound": {1}}), 1, 2),
		layerCase{name: "SplineCoupling-twice", layers: []string{"SplineCoupling", "SplineCoupling", "Gaussian"},
			args: []stdlib.Args{{"hidden": {6}, "bins": {4}}, {"hidden": {6}, "bins": {4}}, nil}, dim: 3},
		ar("SplineAR/d1", 1, 0, stdlib.Args{"hidden": {6}, "bins": {4}}),
		ar("SplineAR/d2", 2, 0, stdlib.Args{"hidden": {8}, "bins": {5}}),
		ar("SplineAR/d4", 4, 0, stdlib.Args{"hidden": {10, 8}, "bins": {3}, "bound": {2.5}}),
		ar("SplineAR/ctx-d1", 1, 2, stdlib.Args{"hidden": {6}, "bins": {4}}),
		ar("SplineAR/ctx-d2", 2, 2, stdlib.Args{"hidden": {8}, "bins": {4}}),
		ar("SplineAR/ctx-d4", 4, 2, stdlib.Args{"hidden": {8}, "bins": {3}}),
		edges(ar("SplineAR/edges-d2", 2, 0, stdlib.Args{"hidden": {8}, "bins": {4}}), 3, 4),
		edges(ar("SplineAR/edges-ctx-d3", 3, 2, stdlib.Args{"hidden": {8}, "bins": {3}, "bound": {2}}), 2, 3),
	)
}

// splineModel lowers a one-layer spline flow without standardization, with
// perturbed parameters as the harness draws them; with identity set, the
// conditioner's output layer is zeroed, so every spline is the identity
// with uniform bins.
func splineModel(t *testing.T, layer string, dim, ctx int, args stdlib.Args, identity bool) (*compiler.Model, *runtime.Params) {
	t.Helper()
	c := layerCase{name: layer, layers: []string{layer, "Gaussian"}, args: []stdlib.Args{args, nil}, dim: dim, ctx: ctx}
	m, ps := lower(t, c, nil)
	if identity {
		for i, p := range m.Params {
			if p.Name == layer+"0.out.w" || p.Name == layer+"0.out.b" {
				clear(ps.Views[i])
			}
		}
	}
	return m, ps
}

// uniformKnots returns the knots of k uniform bins on [-bound, bound]
// computed as the layer computes them (fractions 1/k·(1 - k·1e-3) + 1e-3,
// inclusive running sums less the bin's own fraction, times 2·bound, less
// bound; each step rounded as the IR rounds it), so that an input equal to
// one lies exactly on the layer's knot.
func uniformKnots(bound float64, k int) []float64 {
	p := float64(float64(1/float64(k))*(1-1e-3*float64(k))) + 1e-3
	var out []float64
	cum := 0.0
	for range k {
		cum = float64(cum + p)
		before := float64(cum - p)
		out = append(out, float64(before*(2*bound))+(-bound))
	}
	return append(out, bound)
}

// TestSplineEdges evaluates spline layers at the points where a careless
// implementation breaks: exactly ±B, exactly on the knots and one ulp
// either side, far in the tails (±1e6, ±1e300), and checks that the
// log-densities and every parameter gradient are finite, that the round
// trip holds, that the tails are the identity with log-det 0, and that z
// and the log-det are continuous across ±B and the knots.
func TestSplineEdges(t *testing.T) {
	const bound, k = 3.0, 4
	for _, layer := range []string{"SplineCoupling", "SplineAR"} {
		for _, identity := range []bool{true, false} {
			for _, ctx := range []int{0, 2} {
				m, ps := splineModel(t, layer, 2, ctx, stdlib.Args{"hidden": {6}, "bins": {k}, "bound": {bound}}, identity)
				fwd, inv, grad := m.Forward, m.Inverse, m.Grad
				var pts []float64
				for _, v := range uniformKnots(bound, k) {
					pts = append(pts, v, math.Nextafter(v, math.Inf(1)), math.Nextafter(v, math.Inf(-1)))
				}
				pts = append(pts, 1e6, -1e6, 1e300, -1e300, 0, bound+1e-9, -bound-1e-9)
				// Every pair of points as a row.
				var x []float64
				for _, a := range pts {
					for _, b := range pts {
						x = append(x, a, b)
					}
				}
				n := len(x) / 2
				ctxRows := randRows(rand.New(rand.NewPCG(1, 9)), n, ctx, 1)
				z := run(fwd, ps, x, ctxRows, n, "z", 0)
				ld := run(fwd, ps, x, ctxRows, n, "logdet", 0)
				x2 := run(inv, ps, z, ctxRows, n, "x", 0)
				for r := range n {
					row := x[2*r : 2*r+2]
					if math.IsNaN(ld[r]) || math.IsInf(ld[r], 0) {
						t.Errorf("%s identity=%v ctx=%d x=%v: log-det %v", layer, identity, ctx, row, ld[r])
					}
					tails := math.Abs(row[0]) >= bound && math.Abs(row[1]) >= bound
					if tails && (z[2*r] != row[0] || z[2*r+1] != row[1] || ld[r] != 0) {
						t.Errorf("%s x=%v in the tails: z=%v log-det %v, want the identity", layer, row, z[2*r:2*r+2], ld[r])
					}
					// The conditioner reads column 1 of a coupling's first
					// stage and column 0 of an autoregressive layer. Fed a
					// huge value it makes an extreme spline whose inverse
					// is ill-conditioned (see splineEdgeInputs); there only
					// the tails, where the map is the identity, must come
					// back exactly.
					cond := row[0]
					if layer == "SplineCoupling" {
						cond = row[1]
					}
					wellPosed := identity || math.Abs(cond) <= 10
					for j := range 2 {
						e := math.Abs(x2[2*r+j] - row[j])
						switch {
						case math.IsNaN(z[2*r+j]) || math.IsInf(z[2*r+j], 0) || math.IsNaN(x2[2*r+j]):
							t.Errorf("%s identity=%v ctx=%d x=%v: z=%v, round trip %v", layer, identity, ctx, row, z[2*r:2*r+2], x2[2*r:2*r+2])
						case math.Abs(row[j]) >= bound && e != 0:
							t.Errorf("%s identity=%v ctx=%d x=%v: tail coordinate %d comes back as %v", layer, identity, ctx, row, j, x2[2*r+j])
						case wellPosed && e > 1e-9:
							t.Errorf("%s identity=%v ctx=%d x=%v: round trip gives %v", layer, identity, ctx, row, x2[2*r:2*r+2])
						}
					}
					if identity && !tails {
						if math.Abs(z[2*r]-row[0]) > 1e-12 || math.Abs(z[2*r+1]-row[1]) > 1e-12 || math.Abs(ld[r]) > 1e-12 {
							t.Errorf("%s zero output layer: x=%v gives z=%v log-det %v, want the identity", layer, row, z[2*r:2*r+2], ld[r])
						}
					}
				}
				// Log-densities of the rows without the ±1e300 points
				// (whose Gaussian log-density overflows by itself).
				var xg []float64
				for r := range n {
					if math.Abs(x[2*r]) < 1e299 && math.Abs(x[2*r+1]) < 1e299 {
						xg = append(xg, x[2*r:2*r+2]...)
					}
				}
				ng := len(xg) / 2
				ctxg := randRows(rand.New(rand.NewPCG(2, 9)), ng, ctx, 1)
				for r, v := range run(m.LogProb, ps, xg, ctxg, ng, "logp", 0) {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Errorf("%s identity=%v ctx=%d x=%v: log p = %v", layer, identity, ctx, xg[2*r:2*r+2], v)
					}
				}
				// Gradients: the training loss at rows without the
				// ±1e300 points (their Gaussian log-density overflows
				// by itself), every parameter gradient finite.
				e := runtime.New(grad, ps, ng, rand.New(rand.NewPCG(1, 1)))
				copy(e.Input(0), xg)
				if ctx > 0 {
					copy(e.Input(1), ctxg)
				}
				e.Run()
				for _, o := range grad.Outputs {
					for _, v := range e.Output(o.Name) {
						if math.IsNaN(v) || math.IsInf(v, 0) {
							t.Errorf("%s identity=%v ctx=%d: %s has %v", layer, identity, ctx, o.Name, v)
							break
						}
					}
				}
			}
		}
	}
}

// TestSplineContinuity checks that z and the log-det of a trained-looking
// (perturbed) spline layer are continuous across ±B and across the knots
// (the spline is C¹: derivatives match at the knots, and the boundary
// derivatives are 1 to match the identity tails).
func TestSplineContinuity(t *testing.T) {
	const bound, k = 2.0, 5
	for _, layer := range []string{"SplineCoupling", "SplineAR"} {
		m, ps := splineModel(t, layer, 2, 0, stdlib.Args{"hidden": {6}, "bins": {k}, "bound": {bound}}, false)
		fwd := m.Forward
		// Scan the transformed coordinate finely; neighbouring values
		// must be close in z and in the log-det.
		const n = 20001
		x := make([]float64, 2*n)
		for i := range n {
			x[2*i] = 0.4                                           // conditioner input (identity for coupling's odd stage)
			x[2*i+1] = -bound - 0.5 + (2*bound+1)*float64(i)/(n-1) // crosses -B, the knots and B
		}
		for _, swap := range []bool{false, true} {
			xs := append([]float64(nil), x...)
			if swap {
				for i := range n {
					xs[2*i], xs[2*i+1] = xs[2*i+1], xs[2*i]
				}
			}
			z := run(fwd, ps, xs, nil, n, "z", 0)
			ld := run(fwd, ps, xs, nil, n, "logdet", 0)
			step := (2*bound + 1) / (n - 1)
			for i := 1; i < n; i++ {
				for j := range 2 {
					if dz := math.Abs(z[2*i+j] - z[2*(i-1)+j]); dz > 50*step {
						t.Errorf("%s swap=%v: z_%d jumps by %.3g between x=%v and %v", layer, swap, j, dz, xs[2*(i-1):2*i], xs[2*i:2*i+2])
					}
				}
				if dl := math.Abs(ld[i] - ld[i-1]); dl > 0.05 {
					t.Errorf("%s swap=%v: log-det jumps by %.3g between x=%v and %v", layer, swap, dl, xs[2*(i-1):2*i], xs[2*i:2*i+2])
				}
			}
		}
	}
}

// TestSplineIdentityAtInit checks that a freshly initialised spline layer
// (default arguments, no perturbation) is close to the identity.
func TestSplineIdentityAtInit(t *testing.T) {
	for _, layer := range []string{"SplineCoupling", "SplineAR"} {
		spec := stdlib.Lookup(layer)
		stages := []compiler.Stage{
			{Spec: spec, Args: spec.Bind(stdlib.Args{}), Name: "s1"},
			{Spec: stdlib.Lookup("Gaussian"), Args: stdlib.Args{}, Name: "g"},
		}
		m, err := compiler.Lower("f", stages, 3, compiler.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ps := runtime.NewParams(m.Params)
		ps.Init(rand.New(rand.NewPCG(1, 2)))
		x := randRows(rand.New(rand.NewPCG(3, 3)), 64, 3, 1)
		z := run(m.Forward, ps, x, nil, 64, "z", 0)
		ld := run(m.Forward, ps, x, nil, 64, "logdet", 0)
		if e := maxAbsDiff(x, z); e > 0.05 {
			t.Errorf("%s at init: max |z - x| = %.3g", layer, e)
		}
		for _, v := range ld {
			if math.Abs(v) > 0.05 {
				t.Errorf("%s at init: log-det %v", layer, v)
				break
			}
		}
	}
}
