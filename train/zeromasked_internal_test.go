package train

import (
	"context"
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/stdlib"
)

// TestProgramsComplete checks that programs lists every program of a
// compiler.Model: ZeroMasked may zero what none of them reads, so a
// program it missed could read zeros where the model has values.
func TestProgramsComplete(t *testing.T) {
	var m compiler.Model
	v := reflect.ValueOf(&m).Elem()
	var want []*ir.Program
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Type() == reflect.TypeFor[*ir.Program]() {
			if !f.CanSet() {
				t.Fatalf("compiler.Model.%s: an unexported program", v.Type().Field(i).Name)
			}
			p := &ir.Program{Name: v.Type().Field(i).Name}
			f.Set(reflect.ValueOf(p))
			want = append(want, p)
		}
	}
	got := programs(&m)
	for _, p := range want {
		if !slices.Contains(got, p) {
			t.Errorf("programs leaves out compiler.Model.%s", p.Name)
		}
	}
	if len(got) != len(want) {
		t.Errorf("programs returns %d programs, compiler.Model has %d", len(got), len(want))
	}
}

// TestLikelihoodZeroesMasked checks that a trained MAF's parameters hold
// +0 wherever its masks are 0 (ZeroMasked), so that its masked weights
// were read in place, and trained values elsewhere.
func TestLikelihoodZeroesMasked(t *testing.T) {
	maf, rev, g := stdlib.Lookup("MAF"), stdlib.Lookup("Reverse"), stdlib.Lookup("Gaussian")
	h := stdlib.Args{"hidden": {8}}
	stages := []compiler.Stage{
		{Spec: maf, Args: maf.Bind(h), Name: "maf1"},
		{Spec: rev, Args: rev.Bind(nil), Name: "reverse1"},
		{Spec: maf, Args: maf.Bind(h), Name: "maf2"},
		{Spec: g, Args: g.Bind(nil), Name: "gaussian1"},
	}
	o := compiler.DefaultTrainOptions()
	o.Steps, o.Batch, o.EvalEvery, o.Defensive = 20, 64, 10, 0
	m, err := compiler.Lower("flow", stages, 2, o.ModelOptions(0))
	if err != nil {
		t.Fatal(err)
	}
	tab, err := dataset.Toy("moons", 400, -1, 1)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Likelihood(context.Background(), m, tab.Values, o, o.Steps, Hooks{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	zeros, live := 0, 0
	for _, in := range m.LogProb.Instrs {
		if in.Op != ir.OpMask || m.LogProb.Instrs[in.Args[0]].Op != ir.OpParam {
			continue
		}
		w := res.Params.Views[m.LogProb.Instrs[in.Args[0]].Int]
		for j, x := range m.LogProb.Instrs[in.Args[1]].Data {
			switch {
			case x == 0 && math.Float64bits(w[j]) != 0:
				t.Fatalf("%s[%d] = %v where its mask is 0, want +0", in.Note, j, w[j])
			case x == 0:
				zeros++
			case w[j] != 0:
				live++
			}
		}
	}
	if zeros == 0 || live == 0 {
		t.Errorf("%d zeros and %d nonzero values under the masks: want some of each", zeros, live)
	}
}
