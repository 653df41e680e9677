package stdlib_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/stdlib"
)

func init() {
	maf := func(name string, dim, ctx int, args stdlib.Args) layerCase {
		return layerCase{name: name, layers: []string{"MAF", "Gaussian"}, args: []stdlib.Args{args, nil}, dim: dim, ctx: ctx}
	}
	iaf := func(name string, dim, ctx int, args stdlib.Args) layerCase {
		return layerCase{name: name, layers: []string{"IAF", "Gaussian"}, args: []stdlib.Args{args, nil}, dim: dim, ctx: ctx}
	}
	addCases(
		maf("MAF/residual", 3, 0, stdlib.Args{"hidden": {8, 8, 8}, "residual": {1}}),
		maf("MAF/residual-unequal", 3, 0, stdlib.Args{"hidden": {8, 6, 6}, "residual": {1}, "dropout": {0.2}}),
		maf("MAF/random-degrees", 4, 0, stdlib.Args{"hidden": {9, 7}, "random_degrees": {1}, "seed": {3}}),
		maf("MAF/random-residual", 4, 0, stdlib.Args{"hidden": {6, 6}, "random_degrees": {1}, "residual": {1}, "seed": {5}}),
		maf("MAF/random-d1", 1, 0, stdlib.Args{"hidden": {5}, "random_degrees": {1}}),
		maf("MAF/bounded", 3, 0, stdlib.Args{"hidden": {8}, "bound": {2}}),
		maf("MAF/ctx-d1", 1, 2, stdlib.Args{"hidden": {6}}),
		maf("MAF/ctx-d3", 3, 2, stdlib.Args{"hidden": {8, 8}}),
		maf("MAF/ctx-d3-residual-dropout-bounded", 3, 2, stdlib.Args{"hidden": {8, 8}, "residual": {1}, "dropout": {0.2}, "bound": {3}}),
		iaf("IAF/d1", 1, 0, stdlib.Args{"hidden": {6}}),
		iaf("IAF/d3", 3, 0, stdlib.Args{"hidden": {8}}),
		iaf("IAF/d3-two-hidden-dropout", 3, 0, stdlib.Args{"hidden": {7, 5}, "dropout": {0.3}}),
		iaf("IAF/d4-random-bounded", 4, 0, stdlib.Args{"hidden": {9}, "random_degrees": {1}, "seed": {1}, "bound": {1.5}}),
		iaf("IAF/ctx-d1", 1, 2, stdlib.Args{"hidden": {6}}),
		iaf("IAF/ctx-d3", 3, 2, stdlib.Args{"hidden": {8}, "residual": {1}}),
		// IAF's density direction is a sequential solve, which with
		// random weights overflows far out like any flow's inverse: the
		// inputs stay within 1.5 standard deviations.
		layerCase{name: "MAF-IAF-Reverse", layers: []string{"MAF", "Reverse", "IAF", "Gaussian"},
			args: []stdlib.Args{{"hidden": {6}}, nil, {"hidden": {6}}, nil}, dim: 3, ctx: 2,
			input: func(rng *rand.Rand, n, d int, scale float64) []float64 { return randRows(rng, n, d, min(scale, 1.5)) }},
	)
}

// TestMAFAutoregressive checks, for each network option, that z_i of the
// forward map does not change (bit for bit) when an input x_j with j > i
// changes: the masks make the Jacobian triangular. For IAF the forward map
// is the sequential solve, triangular in the same sense.
func TestMAFAutoregressive(t *testing.T) {
	for _, c := range []layerCase{
		{name: "sequential", layers: []string{"MAF", "Gaussian"}, args: []stdlib.Args{{"hidden": {7, 5}}, nil}, dim: 5},
		{name: "random", layers: []string{"MAF", "Gaussian"}, args: []stdlib.Args{{"hidden": {7, 5}, "random_degrees": {1}, "seed": {11}}, nil}, dim: 5},
		{name: "residual", layers: []string{"MAF", "Gaussian"}, args: []stdlib.Args{{"hidden": {6, 6, 6}, "residual": {1}, "random_degrees": {1}}, nil}, dim: 5},
		{name: "context", layers: []string{"MAF", "Gaussian"}, args: []stdlib.Args{{"hidden": {6}}, nil}, dim: 4, ctx: 3},
		{name: "iaf", layers: []string{"IAF", "Gaussian"}, args: []stdlib.Args{{"hidden": {6, 6}}, nil}, dim: 4, ctx: 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, ps := lower(t, c, nil)
			rng := rand.New(rand.NewPCG(1, 1))
			x := randRows(rng, 1, c.dim, 1)
			ctx := randRows(rng, 1, c.ctx, 1)
			z := run(m.Forward, ps, x, ctx, 1, "z", 0)
			for j := range c.dim {
				x2 := append([]float64(nil), x...)
				x2[j] += 0.7
				z2 := run(m.Forward, ps, x2, ctx, 1, "z", 0)
				for i := range j {
					if z2[i] != z[i] {
						t.Errorf("z_%d changed when x_%d changed: %v → %v", i, j, z[i], z2[i])
					}
				}
				if z2[j] == z[j] {
					t.Errorf("z_%d did not change with x_%d", j, j)
				}
			}
		})
	}
}

// TestMADERandomDegrees checks the random degree rule through the masks'
// effect and its determinism: the same seed gives the same parameters'
// masks (same forward map), another seed another.
func TestMADERandomDegrees(t *testing.T) {
	eval := func(seed float64) []float64 {
		c := layerCase{name: "r", layers: []string{"MAF", "Gaussian"},
			args: []stdlib.Args{{"hidden": {10}, "random_degrees": {1}, "seed": {seed}}, nil}, dim: 6}
		m, ps := lower(t, c, nil)
		x := randRows(rand.New(rand.NewPCG(2, 2)), 4, 6, 1)
		return run(m.Forward, ps, x, nil, 4, "z", 0)
	}
	a, b, c := eval(1), eval(1), eval(2)
	if maxAbsDiff(a, b) != 0 {
		t.Errorf("same seed, different maps")
	}
	if maxAbsDiff(a, c) == 0 {
		t.Errorf("different seeds, same map")
	}
}

// TestMAFContextMatters checks that the context reaches the network.
func TestMAFContextMatters(t *testing.T) {
	for _, name := range []string{"MAF", "IAF"} {
		c := layerCase{name: name, layers: []string{name, "Gaussian"}, args: []stdlib.Args{{"hidden": {6}}, nil}, dim: 2, ctx: 2}
		m, ps := lower(t, c, nil)
		x := []float64{0.3, -0.2}
		z1 := run(m.Forward, ps, x, []float64{0, 0}, 1, "z", 0)
		z2 := run(m.Forward, ps, x, []float64{1, -1}, 1, "z", 0)
		if z1[0] == z2[0] || z1[1] == z2[1] {
			t.Errorf("%s: context does not change z: %v vs %v", name, z1, z2)
		}
	}
}

// TestMAFBound checks |alpha| <= bound: the log-det of a bounded layer
// stays within D·bound even with large weights.
func TestMAFBound(t *testing.T) {
	for _, name := range []string{"MAF", "IAF"} {
		c := layerCase{name: name, layers: []string{name, "Gaussian"}, args: []stdlib.Args{{"hidden": {8}, "bound": {0.5}}, nil}, dim: 3}
		m, ps := lower(t, c, nil)
		for i := range ps.Data {
			ps.Data[i] *= 20
		}
		x := randRows(rand.New(rand.NewPCG(4, 4)), 32, 3, 3)
		ld := run(m.Forward, ps, x, nil, 32, "logdet", 0)
		for _, v := range ld {
			if math.IsNaN(v) || math.Abs(v) > 3*0.5 {
				t.Fatalf("%s: log-det %v outside ±1.5", name, v)
			}
		}
	}
}

// TestIAFCosts checks the direction costs, in multiply-adds per row:
// IAF samples in one MADE pass and MAF evaluates densities in one; the
// sequential direction of each (madeNet.solve) costs about one pass too,
// where evaluating the network once per input would cost D.
func TestIAFCosts(t *testing.T) {
	const d, h = 8, 16
	macs := func(p *ir.Program) int {
		n := 0
		for _, in := range p.Instrs {
			// Products over the batch; those of the parameters alone
			// (masked weights, transposes) run once per change of them.
			if in.Op != ir.OpMatMul {
				continue
			}
			if a := p.Instrs[in.Args[0]].Shape; a.Batched() {
				n += a.Cols * in.Shape.Cols
			}
		}
		return n
	}
	pass := d*h + h*2*d // one MADE pass
	for _, name := range []string{"MAF", "IAF"} {
		spec := stdlib.Lookup(name)
		stages := []compiler.Stage{
			{Spec: spec, Args: spec.Bind(stdlib.Args{"hidden": {h}}), Name: "l1"},
			{Spec: stdlib.Lookup("Gaussian"), Args: stdlib.Args{}, Name: "g"},
		}
		m, err := compiler.Lower("f", stages, d, compiler.Options{})
		if err != nil {
			t.Fatal(err)
		}
		fwd, inv := macs(m.Forward), macs(m.Inverse)
		if name == "IAF" {
			fwd, inv = inv, fwd
		}
		if fwd != pass {
			t.Errorf("%s one-pass direction: %d multiply-adds per row, want %d", name, fwd, pass)
		}
		if inv > pass {
			t.Errorf("%s sequential direction: %d multiply-adds per row, want at most one pass (%d), not D passes (%d)", name, inv, pass, d*pass)
		}
	}
}

// TestMAFDefaultsUnchanged pins the parameter table of a default MAF: the
// names and shapes existing programs and goldens rely on.
func TestMAFDefaultsUnchanged(t *testing.T) {
	spec := stdlib.Lookup("MAF")
	var table []ir.Param
	spec.New(stdlib.Config{Args: spec.Bind(stdlib.Args{"hidden": {3}}), Dim: 2, Name: "maf1", Table: &table})
	want := []string{"maf1.h0.w [2,3]", "maf1.h0.b [1,3]", "maf1.out.w [3,4]", "maf1.out.b [1,4]"}
	if len(table) != len(want) {
		t.Fatalf("%d parameters, want %d", len(table), len(want))
	}
	for i, p := range table {
		if got := p.Name + " " + p.Shape.String(); got != want[i] {
			t.Errorf("parameter %d: %s, want %s", i, got, want[i])
		}
	}
}
