package stdlib_test

// Tests of the coupling layers (AffineCoupling, AdditiveCoupling) and
// Permute beyond those in realnvp_test.go: the remaining harness
// configurations (odd D for both layers, one and two hidden layers, the
// smallest dimension with a context, exactly two stacked couplings) and
// exact checks of the halves, the identity at initialisation (with a
// context, and in the inverse direction), the log-scale bound and the
// registry entries.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/runtime"
	"github.com/noxlang/nox/stdlib"
)

func init() {
	h := func(w ...float64) stdlib.Args { return stdlib.Args{"hidden": w} }
	pair := func(a stdlib.Args) []stdlib.Args { return []stdlib.Args{a, nil} }
	addCases(
		layerCase{name: "AffineCoupling/d2-two-hidden", layers: []string{"AffineCoupling", "Gaussian"}, args: pair(h(6, 5)), dim: 2},
		layerCase{name: "AffineCoupling/d2-ctx", layers: []string{"AffineCoupling", "Gaussian"}, args: pair(h(7)), dim: 2, ctx: 2},
		layerCase{name: "AffineCoupling/d5-two-hidden", layers: []string{"AffineCoupling", "Gaussian"}, args: pair(h(8, 6)), dim: 5},
		layerCase{name: "AffineCoupling/stack2-ctx-d5", layers: []string{"AffineCoupling", "AffineCoupling", "Gaussian"},
			args: []stdlib.Args{h(6), h(5, 4), nil}, dim: 5, ctx: 2},
		layerCase{name: "AdditiveCoupling/d3", layers: []string{"AdditiveCoupling", "Gaussian"}, args: pair(h(7)), dim: 3},
		layerCase{name: "AdditiveCoupling/d3-two-hidden-ctx", layers: []string{"AdditiveCoupling", "Gaussian"}, args: pair(h(6, 5)), dim: 3, ctx: 2},
		layerCase{name: "AdditiveCoupling/d2-ctx", layers: []string{"AdditiveCoupling", "Gaussian"}, args: pair(h(5)), dim: 2, ctx: 2},
		layerCase{name: "AdditiveCoupling/stack2-d3", layers: []string{"AdditiveCoupling", "AdditiveCoupling", "Gaussian"},
			args: []stdlib.Args{h(6), h(6), nil}, dim: 3},
		layerCase{name: "Coupling/mixed-permute-d5", layers: []string{"AffineCoupling", "Permute", "AdditiveCoupling", "Permute", "AffineCoupling", "Gaussian"},
			args: []stdlib.Args{h(6), nil, h(5), {"seed": {11}}, h(4, 4), nil}, dim: 5, ctx: 2},
		layerCase{name: "Permute/d2", layers: []string{"Permute", "Permute", "Gaussian"},
			args: []stdlib.Args{{"seed": {5}}, {"seed": {5}}, nil}, dim: 2},
	)
}

// cplCopyByName copies the values of src's parameters into the parameters
// of dst with the same names.
func cplCopyByName(dst, src *runtime.Params) {
	for i, p := range src.Table {
		for j, q := range dst.Table {
			if p.Name == q.Name {
				copy(dst.Views[j], src.Views[i])
			}
		}
	}
}

// TestCouplingIdentityAtInitAll: before any perturbation a coupling, or a
// stack of two, is exactly the identity both ways with log-det exactly 0,
// for odd and even D, one or two hidden layers, with and without a
// context.
func TestCouplingIdentityAtInitAll(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, layer := range []string{"AffineCoupling", "AdditiveCoupling"} {
		for _, d := range []int{2, 3, 5} {
			for _, ctx := range []int{0, 2} {
				for _, hidden := range [][]float64{{8}, {6, 5}} {
					name := fmt.Sprintf("%s/d%d/ctx%d/hidden%v", layer, d, ctx, hidden)
					a := stdlib.Args{"hidden": hidden}
					m, ps := lowerAt(t, []string{layer, layer, "Gaussian"}, []stdlib.Args{a, a, nil}, d, ctx)
					const n = 9
					x := randRows(rng, n, d, 3)
					c := randRows(rng, n, ctx, 1)
					z := run(m.Forward, ps, x, c, n, "z", 0)
					ld := run(m.Forward, ps, x, c, n, "logdet", 0)
					x2 := run(m.Inverse, ps, x, c, n, "x", 0)
					if e := maxAbsDiff(x, z); e != 0 {
						t.Errorf("%s: initial forward map moves x by %g", name, e)
					}
					if e := maxAbsDiff(x, x2); e != 0 {
						t.Errorf("%s: initial inverse map moves z by %g", name, e)
					}
					for _, v := range ld {
						if v != 0 {
							t.Errorf("%s: initial log-det %g", name, v)
							break
						}
					}
				}
			}
		}
	}
}

// TestCouplingHalvesExact: in a stack of two couplings, the first changes
// exactly the columns [⌊D/2⌋, D) and the second exactly the columns
// [0, ⌊D/2⌋) of the first's output, for both layers, odd and even D, with
// and without a context.
func TestCouplingHalvesExact(t *testing.T) {
	for _, layer := range []string{"AffineCoupling", "AdditiveCoupling"} {
		for _, d := range []int{2, 3, 5, 6} {
			for _, ctx := range []int{0, 2} {
				name := fmt.Sprintf("%s/d%d/ctx%d", layer, d, ctx)
				a := stdlib.Args{"hidden": {7}}
				m2, ps2 := lowerAt(t, []string{layer, layer, "Gaussian"}, []stdlib.Args{a, a, nil}, d, ctx)
				m1, ps1 := lowerAt(t, []string{layer, "Gaussian"}, []stdlib.Args{a, nil}, d, ctx)
				rng := rand.New(rand.NewPCG(uint64(d), uint64(ctx)))
				for i := range ps2.Data {
					ps2.Data[i] += 0.5 * rng.NormFloat64()
				}
				cplCopyByName(ps1, ps2)
				const n = 6
				x := randRows(rng, n, d, 1)
				c := randRows(rng, n, ctx, 1)
				z1 := run(m1.Forward, ps1, x, c, n, "z", 0)
				z2 := run(m2.Forward, ps2, x, c, n, "z", 0)
				half := d / 2
				for r := range n {
					for j := range d {
						i := r*d + j
						if first := z1[i] != x[i]; first != (j >= half) {
							t.Errorf("%s: first coupling, row %d column %d: changed = %v", name, r, j, first)
						}
						if second := z2[i] != z1[i]; second != (j < half) {
							t.Errorf("%s: second coupling, row %d column %d: changed = %v", name, r, j, second)
						}
					}
				}
			}
		}
	}
}

// TestCouplingContextMatters: with a context, the coupling's output
// depends on it (the context reaches the conditioner).
func TestCouplingContextMatters(t *testing.T) {
	for _, layer := range []string{"AffineCoupling", "AdditiveCoupling"} {
		m, ps := lowerAt(t, []string{layer, "Gaussian"}, []stdlib.Args{{"hidden": {6}}, nil}, 3, 2)
		rng := rand.New(rand.NewPCG(31, 32))
		for i := range ps.Data {
			ps.Data[i] += 0.5 * rng.NormFloat64()
		}
		x := randRows(rng, 1, 3, 1)
		za := run(m.Forward, ps, x, []float64{0.5, -1}, 1, "z", 0)
		zb := run(m.Forward, ps, x, []float64{-2, 1.5}, 1, "z", 0)
		if za[0] != zb[0] || za[2] == zb[2] {
			t.Errorf("%s: z with two contexts %v and %v: want the first column equal and the last different", layer, za, zb)
		}
	}
}

// TestAffineCouplingBound: however large the conditioner's raw log-scale,
// |s| ≤ bound per transformed dimension, so |log-det| ≤ bound·⌈D/2⌉ and
// the map stays finite and invertible.
func TestAffineCouplingBound(t *testing.T) {
	const d, bound = 5, 2.0
	m, ps := lowerAt(t, []string{"AffineCoupling", "Gaussian"}, []stdlib.Args{{"hidden": {6}, "bound": {bound}}, nil}, d, 0)
	for i, p := range ps.Table {
		if p.Name == "AffineCoupling0.out.b" {
			for j := range ps.Views[i] {
				ps.Views[i][j] = 1e4 * float64(1-2*(j%2))
			}
		}
	}
	rng := rand.New(rand.NewPCG(41, 42))
	const n = 16
	x := randRows(rng, n, d, 100)
	z := run(m.Forward, ps, x, nil, n, "z", 0)
	ld := run(m.Forward, ps, x, nil, n, "logdet", 0)
	x2 := run(m.Inverse, ps, z, nil, n, "x", 0)
	limit := bound * float64(d-d/2)
	for r, v := range ld {
		if math.IsNaN(v) || math.Abs(v) > limit+1e-9 {
			t.Errorf("row %d: log-det %g outside ±%g", r, v, limit)
		}
	}
	for i := range x {
		if math.IsNaN(z[i]) || math.IsInf(z[i], 0) || math.Abs(x2[i]-x[i]) > 1e-9*math.Max(1, math.Abs(x[i])) {
			t.Fatalf("element %d: x %g, z %g, inverse %g", i, x[i], z[i], x2[i])
		}
	}
}

// TestCouplingSpecs checks the registry entries: couplings need two
// dimensions and take a context; Permute works from one dimension and
// takes none; the defaults are as documented.
func TestCouplingSpecs(t *testing.T) {
	want := map[string]struct {
		sig     string
		minDim  int
		context bool
	}{
		"AffineCoupling":   {"AffineCoupling(hidden ...int = [64 64], bound float = 5)", 2, true},
		"AdditiveCoupling": {"AdditiveCoupling(hidden ...int = [64 64])", 2, true},
		"Permute":          {"Permute(seed int = 0)", 1, false},
	}
	for name, w := range want {
		s := stdlib.Lookup(name)
		if s == nil {
			t.Errorf("no layer %s", name)
			continue
		}
		if s.Signature() != w.sig || s.MinDim != w.minDim || s.Context != w.context || s.Kind != stdlib.Bijector || s.Paper == "" {
			t.Errorf("%s: signature %q MinDim %d Context %v Kind %v Paper %q; want %q, %d, %v, bijector, a citation",
				name, s.Signature(), s.MinDim, s.Context, s.Kind, s.Paper, w.sig, w.minDim, w.context)
		}
	}
}

// TestPermuteDeterministic: Permute at D=1 is the identity; at larger D
// the permutation is a valid one, the same in every lowering with the same
// seed, and differs between successive stages.
func TestPermuteDeterministic(t *testing.T) {
	m, ps := lowerAt(t, []string{"Permute", "Gaussian"}, []stdlib.Args{nil, nil}, 1, 0)
	if z := run(m.Forward, ps, []float64{3.5}, nil, 1, "z", 0); z[0] != 3.5 {
		t.Errorf("D=1: Permute maps 3.5 to %g", z[0])
	}
	for _, d := range []int{2, 6, 17} {
		x := make([]float64, d)
		for j := range x {
			x[j] = float64(j)
		}
		perm := func() []float64 {
			m, ps := lowerAt(t, []string{"Permute", "Gaussian"}, []stdlib.Args{{"seed": {9}}, nil}, d, 0)
			return run(m.Forward, ps, x, nil, 1, "z", 0)
		}
		a, b := perm(), perm()
		seen := make([]bool, d)
		for j := range a {
			if a[j] != b[j] {
				t.Errorf("D=%d: two lowerings with seed 9 give %v and %v", d, a, b)
				break
			}
			k := int(a[j])
			if float64(k) != a[j] || k < 0 || k >= d || seen[k] {
				t.Errorf("D=%d: not a permutation: %v", d, a)
				break
			}
			seen[k] = true
		}
		if d < 6 {
			continue
		}
		// The second of two Permute stages with the same seed applies a
		// different permutation from the first.
		m2, ps2 := lowerAt(t, []string{"Permute", "Permute", "Gaussian"}, []stdlib.Args{{"seed": {9}}, {"seed": {9}}, nil}, d, 0)
		twice := run(m2.Forward, ps2, x, nil, 1, "z", 0)
		same := true
		for j := range twice {
			if twice[j] != a[int(a[j])] {
				same = false
			}
		}
		if same {
			t.Errorf("D=%d: successive Permute stages with one seed apply the same permutation", d)
		}
	}
}
