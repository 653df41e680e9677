package runtime

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/stdlib"
)

func TestStaticValues(t *testing.T) {
	table := []ir.Param{{Name: "w", Shape: ir.Shape{Rows: 3, Cols: 3}}}
	b := ir.NewBuilder("p", &table)
	x := b.Input("x", 3)
	w := b.Param(0)
	m := b.Const(ir.Shape{Rows: 3, Cols: 3}, make([]float64, 9))
	wm := b.Mul(w, m)
	ww := b.MatMul(wm, wm, 0)
	y := b.MatMul(x, ww, 0)
	noise := b.RandNormal(ir.Shape{Rows: 1, Cols: 3})
	wn := b.Add(w, noise)
	p := b.Program()
	st := staticValues(p)
	for _, c := range []struct {
		v    ir.Value
		want bool
	}{
		{x, false}, {w, true}, {m, true}, {wm, true}, {ww, true}, {y, false},
		{noise, false}, {wn, false},
	} {
		if st[c.v] != c.want {
			t.Errorf("static[%v] (%v) = %v, want %v", c.v, p.Instrs[c.v].Op, st[c.v], c.want)
		}
	}
}

// MAFModel lowers layers MAF layers of one hidden layer of hidden units on
// dim columns, Reverse between them, a Gaussian prior, after std (nil:
// none). It is exported for the package's external tests and benchmarks.
func MAFModel(tb testing.TB, layers, hidden, dim int, std *compiler.Standardize) *compiler.Model {
	tb.Helper()
	maf, rev, g := stdlib.Lookup("MAF"), stdlib.Lookup("Reverse"), stdlib.Lookup("Gaussian")
	var stages []compiler.Stage
	for i := range layers {
		stages = append(stages, compiler.Stage{Spec: maf, Args: maf.Bind(stdlib.Args{"hidden": {float64(hidden)}}), Name: fmt.Sprintf("maf%d", i+1)})
		if i < layers-1 {
			stages = append(stages, compiler.Stage{Spec: rev, Args: rev.Bind(nil), Name: fmt.Sprintf("reverse%d", i+1)})
		}
	}
	stages = append(stages, compiler.Stage{Spec: g, Args: g.Bind(nil), Name: "gaussian1"})
	m, err := compiler.Lower("flow", stages, dim, compiler.Options{Standardize: std != nil})
	if err != nil {
		tb.Fatal(err)
	}
	if err := m.InitFixed(std, nil); err != nil {
		tb.Fatal(err)
	}
	return m
}

// madeModel is MAFModel without standardization.
func madeModel(t *testing.T, layers, hidden, dim int) *compiler.Model {
	t.Helper()
	return MAFModel(t, layers, hidden, dim, nil)
}

func randomRows(n, dim int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	v := make([]float64, n*dim)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// TestSplitGradScales checks that every MADE weight's mask is taken out of
// the gradient program and that output·scale reproduces the original
// gradient to the bit.
func TestSplitGradScales(t *testing.T) {
	const dim, rows = 5, 16
	m := madeModel(t, 2, 12, dim)
	ps := NewParams(m.Params)
	ps.Init(rand.New(rand.NewPCG(1, 2)))
	g2 := splitGradScales(m.Grad)
	in := randomRows(rows, dim, 3)
	run := func(p *ir.Program) *Exec[float64] {
		e := New(p, ps, rows, nil)
		copy(e.Input(0), in)
		e.Run()
		return e
	}
	e1, e2 := run(m.Grad), run(g2)
	split := 0
	for _, pr := range m.Params {
		name := ir.GradPrefix + pr.Name
		want := e1.Output(name)
		got := append([]float64(nil), e2.Output(name)...)
		if sc := g2.Output(maskPrefix + name); sc != ir.None {
			split++
			// The mask's data: a mask only the trainer applies has no
			// buffer (unreadConsts).
			for j, s := range g2.Instrs[sc].Data {
				got[j] *= s
			}
		}
		for j := range want {
			if math.Float64bits(got[j]) != math.Float64bits(want[j]) {
				t.Fatalf("%s[%d] = %v after the split, %v before", name, j, got[j], want[j])
			}
		}
	}
	if split != 4 { // two masked matrices per MADE layer
		t.Errorf("%d gradients split, want 4", split)
	}
}

// TestMapperPrelude checks that a Mapper whose shards share one prelude,
// run across its team, gives the bits of one Exec over each shard's rows,
// and that it recomputes the prelude after Params.Changed and after a
// training step.
func TestMapperPrelude(t *testing.T) {
	const dim, batch = 16, 64
	m := madeModel(t, 3, 1024, dim) // a prelude of 3·(16·1024+1024·32) elements: run by the team
	ps := NewParams(m.Params)
	ps.Init(rand.New(rand.NewPCG(5, 6)))
	in := randomRows(batch, dim, 7)
	mp := NewMapper(m.LogProb, ps, "logp", batch, nil)
	defer mp.Close()
	if n := mp.parts[0].preludeSize(); n < 1<<16 {
		t.Fatalf("prelude of %d elements: the test wants one run by the team", n)
	}
	check := func(when string) {
		t.Helper()
		got := make([]float64, batch)
		mp.Map(got, in, batch)
		half := batch / Shards(batch)
		for lo := 0; lo < batch; lo += half {
			e := New(m.LogProb, ps, half, nil)
			copy(e.Input(0), in[lo*dim:(lo+half)*dim])
			e.Run()
			for i, want := range e.Output("logp") {
				if math.Float64bits(got[lo+i]) != math.Float64bits(want) {
					t.Fatalf("%s: row %d: Mapper %v, Exec %v", when, lo+i, got[lo+i], want)
				}
			}
		}
	}
	check("first")
	for i := range ps.Data {
		ps.Data[i] *= 0.9
	}
	ps.Changed()
	check("after Changed")
	tr, err := NewTrainer(m.Grad, ps, randomRows(200, dim, 8), dim, batch, DefaultAdam(1e-2), rand.New(rand.NewPCG(9, 9)))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	tr.Step()
	check("after a training step")
}

func TestLiveRuns(t *testing.T) {
	for _, c := range []struct {
		data []float64
		want [][2]int
	}{
		{[]float64{1, 1, 0, 1, 0, 0, 1, 1}, [][2]int{{0, 2}, {3, 4}, {6, 8}}},
		{[]float64{0, 0, 0, 0, 0, 0, 0, 1}, [][2]int{{7, 8}}},
		{[]float64{0, 0, 0, 0, 0, 0, 0, 0}, [][2]int{}},
		{[]float64{1, 1, 1, 1, 1, 1, 1, 1}, nil}, // no zero: dense
		{nil, nil},                               // no mask
	} {
		got := liveRuns(c.data)
		if fmt.Sprint(got) != fmt.Sprint(c.want) || (got == nil) != (c.want == nil) {
			t.Errorf("liveRuns(%v) = %v, want %v", c.data, got, c.want)
		}
	}
}

// optArrays returns a trainer's parameters and Adam's moments, in float64.
// fullMoments returns o's packed moments laid out as Params.Data, zeros
// where the update keeps none.
func fullMoments[T Float](o *optState[T], packed []T) []float64 {
	full := make([]float64, len(o.p))
	off := 0
	for i, view := range o.t.params.Views {
		if o.mrun[i] == nil {
			convert(full[off:off+len(view)], packed[o.mbase[i]:o.mbase[i]+len(view)])
		}
		for r, run := range o.t.live[i] {
			at := o.mbase[i] + o.mrun[i][r]
			convert(full[off+run[0]:off+run[1]], packed[at:at+run[1]-run[0]])
		}
		off += len(view)
	}
	return full
}

// setScale makes tr multiply parameter i's combined gradient by mask.
func optArrays(tr *Trainer) map[string][]float64 {
	widen := func(x any) []float64 {
		switch x := x.(type) {
		case []float32:
			y := make([]float64, len(x))
			convert(y, x)
			return y
		}
		return append([]float64(nil), x.([]float64)...)
	}
	switch o := tr.upd.(type) {
	case *optState[float32]:
		return map[string][]float64{"params": widen(o.p), "m": fullMoments(o, o.m), "v": fullMoments(o, o.v)}
	case *optState[float64]:
		return map[string][]float64{"params": widen(o.p), "m": fullMoments(o, o.m), "v": fullMoments(o, o.v)}
	}
	panic("unknown optimizer state")
}

// TestClipUnbitten checks that a clipping bound the gradient never reaches
// changes no bit: the norm combines the shards' gradients in place
// (optState.combined) and the update must read exactly what it would
// have combined itself, masked and dense parameters alike, with weight
// decay, in both dtypes, over several shards.
func TestClipUnbitten(t *testing.T) {
	const dim, batch = 4, 256
	m := madeModel(t, 2, 16, dim)
	data := randomRows(600, dim, 12)
	for _, dt := range []DType{Float64, Float32} {
		var runs [2]*Trainer
		for k := range runs {
			opt := DefaultAdam(1e-2)
			opt.WeightDecay = 0.1
			if k == 1 {
				opt.Clip = 1e300
			}
			runs[k] = seededTrainer(t, m, dt, data, dim, batch, opt)
		}
		if len(runs[0].shards) < 2 {
			t.Fatalf("%d shards: the test needs several", len(runs[0].shards))
		}
		for range 5 {
			runs[0].Step()
			runs[1].Step()
		}
		sameArrays(t, dt.String()+", clipping bound never reached", optArrays(runs[1]), optArrays(runs[0]))
	}
}

// TestDenseRuns checks the update's choice for a masked parameter whose
// live runs are short (denseRun): visiting every element and multiplying
// the gradient by the mask changes no bit of the clipping norm (step by
// step), the parameters or Adam's moments against visiting its runs only
// (a mask's zeros never move: their gradient, moments and step stay 0),
// with weight decay and clipping, in both dtypes; and both choices occur.
func TestDenseRuns(t *testing.T) {
	const dim, batch = 8, 128
	m := madeModel(t, 2, 64, dim)
	data := randomRows(400, dim, 13)
	defer func(d int) { denseRun = d }(denseRun)
	for _, dt := range []DType{Float64, Float32} {
		var runs [2]*Trainer
		for k, d := range []int{0, 1 << 30} { // runs always; dense always
			denseRun = d
			opt := DefaultAdam(1e-2)
			opt.WeightDecay, opt.Clip = 0.1, 0.5
			runs[k] = seededTrainer(t, m, dt, data, dim, batch, opt)
		}
		if !slices.ContainsFunc(runs[0].live, func(r [][2]int) bool { return r != nil }) || !slices.ContainsFunc(runs[1].dense, func(m []float64) bool { return m != nil }) {
			t.Fatal("the two trainers do not update masked parameters differently")
		}
		for step := range 5 {
			runs[0].Step()
			runs[1].Step()
			for i, n := range runs[0].norms { // the clipping norm, to the bit
				if math.Float64bits(n) != math.Float64bits(runs[1].norms[i]) {
					t.Fatalf("%v: step %d: member %d's squared gradient norm %v by runs, %v dense", dt, step, i, n, runs[1].norms[i])
				}
			}
		}
		sameArrays(t, dt.String()+", dense", optArrays(runs[1]), optArrays(runs[0]))
	}
}

// seededTrainer returns a trainer over m's gradient in dtype dt, closed
// when t ends, whose initial parameters and minibatch draws come from
// fixed seeds: two built alike differ only in what a test changes.
func seededTrainer(t *testing.T, m *compiler.Model, dt DType, data []float64, dim, batch int, opt Adam) *Trainer {
	t.Helper()
	ps := NewParams(m.Params)
	ps.DType = dt
	ps.Init(rand.New(rand.NewPCG(1, 1)))
	tr, err := NewTrainer(m.Grad, ps, data, dim, batch, opt, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Close)
	return tr
}

// sameArrays fails t unless got and want (optArrays of two trainers)
// hold the same bits, array by array (sameBits).
func sameArrays(t *testing.T, label string, got, want map[string][]float64) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(want)) {
		sameBits(t, label+": "+name, got[name], want[name])
	}
}
