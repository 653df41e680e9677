package stdlib_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/noxlang/nox/runtime"
	"github.com/noxlang/nox/stdlib"
)

func init() {
	one := []stdlib.Args{{"hidden": {8}}, nil}
	two := []stdlib.Args{{"hidden": {6, 5}}, nil}
	addCases(
		layerCase{name: "AffineCoupling/d2", layers: []string{"AffineCoupling", "Gaussian"}, args: one, dim: 2},
		layerCase{name: "AffineCoupling/d3", layers: []string{"AffineCoupling", "Gaussian"}, args: two, dim: 3},
		layerCase{name: "AffineCoupling/d5-bound", layers: []string{"AffineCoupling", "Gaussian"},
			args: []stdlib.Args{{"hidden": {7}, "bound": {2}}, nil}, dim: 5},
		layerCase{name: "AffineCoupling/ctx-d3", layers: []string{"AffineCoupling", "Gaussian"}, args: one, dim: 3, ctx: 2},
		layerCase{name: "AffineCoupling/stack-d3", layers: []string{"AffineCoupling", "AffineCoupling", "AffineCoupling", "Gaussian"},
			args: []stdlib.Args{{"hidden": {6}}, {"hidden": {6}}, {"hidden": {6}}, nil}, dim: 3},
		layerCase{name: "AdditiveCoupling/d2", layers: []string{"AdditiveCoupling", "Gaussian"}, args: one, dim: 2},
		layerCase{name: "AdditiveCoupling/d5", layers: []string{"AdditiveCoupling", "Gaussian"}, args: two, dim: 5},
		layerCase{name: "AdditiveCoupling/ctx-stack-d4", layers: []string{"AdditiveCoupling", "AdditiveCoupling", "Gaussian"},
			args: []stdlib.Args{{"hidden": {6}}, {"hidden": {6}}, nil}, dim: 4, ctx: 2},
		layerCase{name: "Permute/d1", layers: []string{"Permute", "Gaussian"}, args: []stdlib.Args{nil, nil}, dim: 1},
		layerCase{name: "Permute/d6", layers: []string{"Permute", "AffineCoupling", "Permute", "Gaussian"},
			args: []stdlib.Args{{"seed": {3}}, {"hidden": {6}}, nil, nil}, dim: 6},
	)
}

// TestCouplingIdentityAtInit: a new coupling is the identity with log-det
// 0, so a flow of them starts as the Gaussian that whitening fits.
func TestCouplingIdentityAtInit(t *testing.T) {
	for _, layer := range []string{"AffineCoupling", "AdditiveCoupling"} {
		m, ps := lowerAt(t, []string{layer, layer, "Gaussian"}, []stdlib.Args{nil, nil, nil}, 5, 0)
		x := randRows(rand.New(rand.NewPCG(1, 1)), 8, 5, 2)
		z := run(m.Forward, ps, x, nil, 8, "z", 0)
		ld := run(m.Forward, ps, x, nil, 8, "logdet", 0)
		if e := maxAbsDiff(x, z); e != 0 {
			t.Errorf("%s: initial map moves x by %g", layer, e)
		}
		for _, v := range ld {
			if v != 0 {
				t.Errorf("%s: initial log-det %g", layer, v)
			}
		}
	}
}

// TestCouplingAlternates: of two stacked couplings, the first changes only
// the second half and the second only the first half.
func TestCouplingAlternates(t *testing.T) {
	const d = 5
	m, ps := lowerAt(t, []string{"AffineCoupling", "Gaussian"}, []stdlib.Args{nil, nil}, d, 0)
	m2, ps2 := lowerAt(t, []string{"AffineCoupling", "AffineCoupling", "Gaussian"}, []stdlib.Args{nil, nil, nil}, d, 0)
	rng := rand.New(rand.NewPCG(9, 9))
	for _, p := range []*runtime.Params{ps, ps2} {
		for i := range p.Data {
			p.Data[i] += 0.5 * rng.NormFloat64()
		}
	}
	x := randRows(rng, 4, d, 1)
	z := run(m.Forward, ps, x, nil, 4, "z", 0)
	for r := range 4 {
		for j := range d {
			changed := z[r*d+j] != x[r*d+j]
			if changed != (j >= d/2) {
				t.Errorf("first coupling: row %d column %d changed = %v", r, j, changed)
			}
		}
	}
	// The second stage of m2 must move the first half, which the first
	// stage leaves alone.
	z2 := run(m2.Forward, ps2, x, nil, 4, "z", 0)
	movedFirstHalf := false
	for r := range 4 {
		for j := range d / 2 {
			if z2[r*d+j] != x[r*d+j] {
				movedFirstHalf = true
			}
		}
	}
	if !movedFirstHalf {
		t.Error("the second coupling does not transform the first half")
	}
}

// TestPermuteSeeded: the same seed and position give the same
// permutation; other seeds and successive stages differ.
func TestPermuteSeeded(t *testing.T) {
	perm := func(args []stdlib.Args, layers []string) []float64 {
		m, ps := lowerAt(t, layers, args, 6, 0)
		x := []float64{0, 1, 2, 3, 4, 5}
		return run(m.Forward, ps, x, nil, 1, "z", 0)
	}
	a := perm([]stdlib.Args{{"seed": {1}}, nil}, []string{"Permute", "Gaussian"})
	b := perm([]stdlib.Args{{"seed": {1}}, nil}, []string{"Permute", "Gaussian"})
	c := perm([]stdlib.Args{{"seed": {2}}, nil}, []string{"Permute", "Gaussian"})
	if !slices.Equal(a, b) || slices.Equal(a, c) {
		t.Errorf("seed 1: %v and %v; seed 2: %v", a, b, c)
	}
	twice := perm([]stdlib.Args{{"seed": {1}}, {"seed": {1}}, nil}, []string{"Permute", "Permute", "Gaussian"})
	once := make([]float64, 6)
	for j := range once { // a applied twice
		once[j] = a[int(a[j])]
	}
	if slices.Equal(twice, once) {
		t.Error("successive Permute stages with one seed apply the same permutation")
	}
	sorted := slices.Clone(a)
	slices.Sort(sorted)
	if !slices.Equal(sorted, []float64{0, 1, 2, 3, 4, 5}) || math.IsNaN(a[0]) {
		t.Errorf("not a permutation: %v", a)
	}
}
