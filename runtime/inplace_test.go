package runtime

import (
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestElemInPlace: an elementwise step writes over an operand that dies
// there (plan, overwritable). A MAF's training program plans such steps,
// and training and scoring give the same bits with and without them, in
// both dtypes.
func TestElemInPlace(t *testing.T) {
	defer func(was bool) { elemInPlace = was }(elemInPlace)
	data := randomRows(300, 16, 5)
	m := madeModel(t, 2, 64, 16)
	for _, dt := range []DType{Float64, Float32} {
		var got [2]map[string][]float64
		var logp [2][]float64
		for k, on := range []bool{false, true} {
			elemInPlace = on
			tr := seededTrainer(t, m, dt, data, 16, 128, DefaultAdam(1e-3))
			n := inPlaceSteps(tr)
			if on && n == 0 || !on && n != 0 {
				t.Fatalf("%v, in place %v: %d steps write over an operand", dt, on, n)
			}
			for range 5 {
				tr.Step()
			}
			tr.Close()
			got[k] = optArrays(tr)
			ps := NewParams(m.Params)
			ps.DType = dt
			ps.Init(rand.New(rand.NewPCG(3, 3)))
			mp := NewMapper(m.LogProb, ps, "logp", 100, nil)
			logp[k] = make([]float64, 100)
			mp.Map(logp[k], data[:100*16], 100)
			mp.Close()
		}
		sameArrays(t, dt.String()+" trained, in place", got[1], got[0])
		sameBits(t, dt.String()+" log-density, in place", logp[1], logp[0])
	}
}

// inPlaceSteps counts the elementwise steps of tr's first shard whose
// output is one of their operands' buffers.
func inPlaceSteps(tr *Trainer) int {
	switch p := tr.parts[0].(type) {
	case *execPart[float64]:
		return inPlaceOf(p.exec)
	case *execPart[float32]:
		return inPlaceOf(p.exec)
	}
	return 0
}

func inPlaceOf[T Float](e *Exec[T]) int {
	same := func(x, y []T) bool { return len(x) > 0 && len(y) > 0 && &x[0] == &y[0] }
	n := 0
	for j := range e.steps {
		s := &e.steps[j]
		if perIndex(e.prog.Instrs[s.value].Op) && (same(s.out, s.a) || same(s.out, s.b)) {
			n++
		}
	}
	return n
}

// TestOverwritable: which operand an elementwise step's result takes
// over. x−e^x takes e^x's buffer (its second operand, dying there; x is
// an input), d·d takes d's; an output and a broadcast operand are never
// taken. The results are those of the same program planned without it.
func TestOverwritable(t *testing.T) {
	defer func(was bool) { elemInPlace = was }(elemInPlace)
	var table []ir.Param
	b := ir.NewBuilder("p", &table)
	x := b.Input("x", 8)
	ex := b.Exp(x)
	d := b.Sub(x, ex)      // takes ex's buffer
	sq := b.Mul(d, d)      // d read twice: takes d's buffer
	row := b.SumRows(sq)   // [1,8]
	sc := b.Add(sq, row)   // takes sq's buffer, never row's
	kept := b.Scale(sc, 2) // takes sc's buffer
	b.Output("kept", kept) // an output: never taken
	b.Output("next", b.Neg(kept))
	wide := b.Add(x, b.Exp(b.SumRows(x))) // the dying operand is broadcast: takes none
	b.Output("wide", wide)
	p := b.Program()
	in := randomRows(16, 8, 9)
	run := func(on bool) *Exec[float64] {
		elemInPlace = on
		e := NewExec[float64](p, NewParams(table), 16, nil)
		copy(e.Input(0), in)
		e.Run()
		return e
	}
	off, on := run(false), run(true)
	addr := func(e *Exec[float64], v ir.Value) *float64 { return &e.Value(v)[0] }
	want := map[ir.Value]ir.Value{d: ex, sq: d, sc: sq, kept: sc}
	for v, over := range want {
		if addr(on, v) != addr(on, over) {
			t.Errorf("%%%d does not take %%%d's buffer", v, over)
		}
		if addr(off, v) == addr(off, over) {
			t.Errorf("%%%d takes %%%d's buffer with elemInPlace off", v, over)
		}
	}
	if wi := p.Instrs[wide]; addr(on, wide) == addr(on, wi.Args[1]) {
		t.Errorf("a broadcast operand's buffer was taken")
	}
	for _, name := range []string{"kept", "next", "wide"} {
		v := p.Output(name)
		sameBits(t, name, on.Value(v), off.Value(v))
	}
	if addr(on, p.Output("next")) == addr(on, kept) {
		t.Errorf("an output's buffer was taken")
	}
}
