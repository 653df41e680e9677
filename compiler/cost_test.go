package compiler_test

import (
	"strings"
	"testing"
	"time"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/lang"
)

// TestFlowCostMatchesLower: the cost FlowCost adds up from static shapes
// (each distinct stage built once) is the parameter table Lower builds:
// the same scalars and tensors, for every layer family, couplings of odd
// width (whose halves alternate with their ordinal), splits, contexts,
// whitening and the defensive fit; and the learned ones among them.
func TestFlowCostMatchesLower(t *testing.T) {
	for _, c := range []struct {
		flow     string
		dim, ctx int
		opt      compiler.Options
	}{
		{"MAF(8) |> Gaussian", 2, 0, compiler.Options{}},
		{"repeat(3, MAF(16, 16) |> Reverse) |> Gaussian", 3, 0, compiler.Options{Standardize: true, Whiten: true, Defensive: 0.01}},
		{"repeat(4, AffineCoupling(8) |> LULinear) |> Gaussian", 5, 0, compiler.Options{Standardize: true}},
		{"repeat(3, SplineCoupling(8, bins = 4)) |> DiagGaussian", 5, 0, compiler.Options{}},
		{"repeat(2, SplineAR(8) |> Permute) |> StudentT", 3, 0, compiler.Options{}},
		{"MAF(8) |> Split(2) |> MAF(4) |> GaussianMixture(k = 3)", 5, 2, compiler.Options{ContextDim: 2, Standardize: true}},
		{"repeat(3, ActNorm |> Planar |> Radial |> BatchNorm) |> Logistic", 4, 0, compiler.Options{}},
		{"Logit |> repeat(2, IAF(8, residual = true)) |> Gaussian", 3, 1, compiler.Options{ContextDim: 1, Defensive: 0.05}},
	} {
		e, err := lang.ParseExpr("flow", []byte(c.flow))
		if err != nil {
			t.Fatal(err)
		}
		f, err := compiler.CheckFlow(e, c.dim, c.ctx)
		if err != nil {
			t.Fatalf("%s: %v", c.flow, err)
		}
		m, err := compiler.Lower(f.Name, f.StageList(), c.dim, c.opt)
		if err != nil {
			t.Fatalf("%s: %v", c.flow, err)
		}
		var params, learned int64
		for _, p := range m.Params {
			params += int64(p.Shape.Rows * p.Shape.Cols)
			if !p.State {
				learned += int64(p.Shape.Rows * p.Shape.Cols)
			}
		}
		cost, err := compiler.FlowCost(f.Name, f.StageList(), c.dim, c.opt)
		if err != nil {
			t.Fatalf("%s: %v", c.flow, err)
		}
		if cost.Params != params || cost.Learned != learned || cost.Tensors != len(m.Params) || cost.Stages != len(f.Stages) {
			t.Errorf("%s: FlowCost %+v, Lower has %d scalars (%d learned) in %d tensors", c.flow, cost, params, learned, len(m.Params))
		}
	}
}

// TestFlowCostOfWideRepeats: a thousand copies of a MAF with 1024 hidden
// layers are costed (and refused) in a fraction of a second: before,
// FlowCost built every copy's two million tensors (2.9 s, 450 MB).
func TestFlowCostOfWideRepeats(t *testing.T) {
	widths := strings.TrimSuffix(strings.Repeat("4,", 1024), ",")
	e, err := lang.ParseExpr("flow", []byte("repeat(1000, MAF("+widths+")) |> Gaussian"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := compiler.CheckFlow(e, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	cost, err := compiler.FlowCost(f.Name, f.StageList(), 2, compiler.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("FlowCost took %v", took)
	}
	if cost.Tensors != 1000*2*1025 {
		t.Errorf("tensors %d", cost.Tensors)
	}
	err = compiler.TrainFits(f.Name, f.StageList(), 2, 20000, compiler.Options{}, 256, compiler.Limits{MaxMemory: 1 << 30})
	if err == nil || !strings.Contains(err.Error(), "needs an estimated") {
		t.Errorf("TrainFits: %v", err)
	}
}

// TestFlowCostCountsSolves: an autoregressive layer's programs solve one
// dimension at a time, and on wide data they are most of a model's
// memory (a MAF(8) on 20,000 columns peaks at 608 MB, a SplineAR(8) at
// 10 GB, where parameters and activations come to a few MB): the
// estimate counts them, so such a flow is refused under a limit it
// would have crossed.
func TestFlowCostCountsSolves(t *testing.T) {
	for _, c := range []struct {
		flow     string
		min, max float64 // the actual peak, and 3× it
	}{
		{"MAF(8) |> Gaussian", 608e6, 3 * 608e6},
		{"SplineAR(8) |> Gaussian", 10.1e9, 3 * 10.1e9},
	} {
		e, _ := lang.ParseExpr("flow", []byte(c.flow))
		f, err := compiler.CheckFlow(e, 20000, 0)
		if err != nil {
			t.Fatal(err)
		}
		cost, err := compiler.FlowCost(f.Name, f.StageList(), 20000, compiler.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if mem := compiler.TrainMemory(cost, 3, 20000, 256, 2); mem < c.min || mem > c.max {
			t.Errorf("%s on 20,000 columns: estimate %s, measured %s", c.flow, dataset.FormatBytes(mem), dataset.FormatBytes(c.min))
		}
	}
}
