package train

import (
	"context"
	"math"
	"reflect"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/runtime"
	"github.com/noxlang/nox/stdlib"
)

// TestProgramsComplete checks that zeroMasked declares every program of
// a compiler.Model: ZeroMasked may zero what none of them reads, so a
// program it missed could read zeros where the model has values. Program
// j of the model reads only element j of a parameter of one more
// element than there are programs, so element j stays, and only the
// last, which none reads, is zeroed.
func TestProgramsComplete(t *testing.T) {
	var m compiler.Model
	v := reflect.ValueOf(&m).Elem()
	var fields []string
	for i := range v.NumField() {
		if v.Field(i).Type() == reflect.TypeFor[*ir.Program]() {
			fields = append(fields, v.Type().Field(i).Name)
		}
	}
	n := len(fields) + 1
	sh := ir.Shape{Rows: 1, Cols: n}
	m.Params = []ir.Param{{Name: "w", Shape: sh}}
	for j, name := range fields {
		f := v.FieldByName(name)
		if !f.CanSet() {
			t.Fatalf("compiler.Model.%s: an unexported program", name)
		}
		b := ir.NewBuilder(name, &m.Params)
		mask := make([]float64, n)
		mask[j] = 1
		b.Output("y", b.Mask(b.Param(0), b.Const(sh, mask)))
		f.Set(reflect.ValueOf(b.Program()))
	}
	ps := runtime.NewParams(m.Params)
	for i := range ps.Data {
		ps.Data[i] = 1
	}
	zeroMasked(ps, &m)
	for j, x := range ps.Data {
		switch {
		case j < len(fields) && x != 1:
			t.Errorf("zeroMasked leaves out compiler.Model.%s", fields[j])
		case j == len(fields) && x != 0:
			t.Errorf("element %d, which no program reads, is %v, want 0", j, x)
		}
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
