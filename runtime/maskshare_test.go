package runtime

import (
	"math/rand/v2"
	goruntime "runtime"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestMasksNotConverted checks that a float32 trainer and scorer over a
// MAF keep no float32 copy of its masks (unreadConsts): every step that
// uses a mask reads its runs, fixed when the program is planned, or
// skips what it zeroes, so converting it would only cost memory (46 MB
// for the 784-d MAF).
func TestMasksNotConverted(t *testing.T) {
	m := madeModel(t, 2, 64, 8)
	ps := NewParams(m.Params)
	ps.DType = Float32
	rng := rand.New(rand.NewPCG(1, 2))
	ps.Init(rng)
	tr, err := NewTrainer(m.Grad, ps, randomRows(64, 8, 3), 8, 32, DefaultAdam(1e-3), rng)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	mp := NewMapper(m.LogProb, ps, "logp", 16, nil)
	defer mp.Close()
	masks := 0
	for _, p := range []*ir.Program{m.Grad, m.LogProb} {
		for v := range p.Instrs {
			if d := maskOf(p, ir.Value(v)); d != nil {
				masks++
				if _, ok := ps.c32[constKey{&d[0], len(d)}]; ok {
					t.Errorf("%s: mask of %v (%d elements) converted to float32", p.Name, ir.Value(v), len(d))
				}
			}
		}
	}
	if masks == 0 {
		t.Fatal("no masks in the MAF's programs")
	}
}

// staticMasked returns the buffers of a part's masked parameter copies
// (ir.OpMaskCopy of a parameter), by key.
func staticMasked[T Float](pt part) map[maskedKey][]T {
	e := pt.(*execPart[T]).exec
	out := map[maskedKey][]T{}
	for v := range e.prog.Instrs {
		if k, ok := maskedKeyOf(e.prog, v); ok {
			out[k] = e.bufs[v]
		}
	}
	return out
}

// TestMapperBorrowsTrainerMasked checks that a scorer planned beside a
// trainer reads the trainer's masked weights instead of its own, and
// that its log-densities stay bit-identical to those of a scorer over a
// copy of the parameters with no trainer, step after step, in both
// dtypes; and that once the trainer is gone a new scorer plans its own.
func TestMapperBorrowsTrainerMasked(t *testing.T) {
	for _, dt := range []DType{Float64, Float32} {
		t.Run(dt.String(), func(t *testing.T) {
			if dt == Float64 {
				testBorrow[float64](t, dt)
			} else {
				testBorrow[float32](t, dt)
			}
		})
	}
}

func testBorrow[T Float](t *testing.T, dt DType) {
	const dim, rows = 8, 40
	m := madeModel(t, 2, 64, dim)
	ps := NewParams(m.Params)
	ps.DType = dt
	rng := rand.New(rand.NewPCG(1, 2))
	ps.Init(rng)
	tr, err := NewTrainer(m.Grad, ps, randomRows(64, dim, 3), dim, 32, DefaultAdam(1e-2), rng)
	if err != nil {
		t.Fatal(err)
	}
	mp := NewMapper(m.LogProb, ps, "logp", 16, nil)
	own, lent := staticMasked[T](tr.shards[0].p), staticMasked[T](mp.parts[0])
	if len(lent) == 0 {
		t.Fatal("the scorer has no masked weights")
	}
	for k, b := range lent {
		if o, ok := own[k]; !ok || &o[0] != &b[0] {
			t.Errorf("masked weight of parameter %d: the scorer has its own buffer, want the trainer's", k.param)
		}
	}
	x := randomRows(rows, dim, 9)
	got, want := make([]float64, rows), make([]float64, rows)
	for step := range 4 {
		mp.Map(got, x, rows)
		tr.Sync()
		ref := NewMapper(m.LogProb, ps.Clone(), "logp", 16, nil)
		ref.Map(want, x, rows)
		ref.Close()
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("step %d row %d: log-density %v beside the trainer, %v alone", step, i, got[i], want[i])
			}
		}
		tr.Step()
	}
	sizes := map[maskedKey]int{}
	for k, b := range lent {
		sizes[k] = len(b)
	}
	tr.Close()
	mp.Close()
	tr, mp, own, lent = nil, nil, nil, nil
	goruntime.GC()
	for k, n := range sizes {
		if sharedMasked[T](ps, k, n) != nil {
			t.Errorf("masked weight of parameter %d: still lent after the trainer and scorer were collected", k.param)
		}
	}
}

// TestMomentsPacked checks that Adam keeps moments only for the elements
// it visits: a masked weight's live runs and every element of the other
// parameters (TestDenseRuns checks the values against moments for every
// element).
func TestMomentsPacked(t *testing.T) {
	defer func(d int) { denseRun = d }(denseRun)
	denseRun = 0 // keep every masked parameter's runs, however short
	m := madeModel(t, 2, 64, 8)
	ps := NewParams(m.Params)
	rng := rand.New(rand.NewPCG(1, 2))
	ps.Init(rng)
	tr, err := NewTrainer(m.Grad, ps, randomRows(64, 8, 3), 8, 32, DefaultAdam(1e-3), rng)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	want := 0
	for i, v := range ps.Views {
		if tr.live[i] == nil {
			want += len(v)
		}
		for _, r := range tr.live[i] {
			want += r[1] - r[0]
		}
	}
	o := tr.upd.(*optState[float64])
	if len(o.m) != want || len(o.v) != want {
		t.Errorf("moments of %d and %d elements, want %d (of %d parameters)", len(o.m), len(o.v), want, len(ps.Data))
	}
	if want >= len(ps.Data) {
		t.Errorf("no element skipped: %d of %d", want, len(ps.Data))
	}
}
