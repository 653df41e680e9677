package runtime

import (
	"math"
	"math/rand/v2"
	goruntime "runtime"
	"slices"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/compiler/ad"
	"github.com/noxlang/nox/compiler/ir"
)

// TestMaskedZeros checks which elements of which parameters ZeroMasked
// may set to zero: those of a masked parameter that no use in any
// program reads, through a mask or through transposes, slices and
// permutations of it.
func TestMaskedZeros(t *testing.T) {
	sq := ir.Shape{Rows: 2, Cols: 3}
	m1 := []float64{1, 0, 0, 1, 1, 0} // zeros at 1, 2, 5
	m2 := []float64{1, 1, 0, 0, 1, 0} // zeros at 2, 3, 5
	table := []ir.Param{
		{Name: "w", Shape: sq},
		{Name: "s", Shape: sq, State: true},
	}
	// prog builds a program with input x ([B,2]) whose loss uses
	// parameter 0 (then 1) as use says: "m1", "m2" (x·(W⊙M)), "raw"
	// (x·W), "out" (W an output), "" (unused).
	prog := func(uses ...string) *ir.Program {
		tb := table
		b := ir.NewBuilder("p", &tb)
		x := b.Input("x", 2)
		sum := ir.None
		for k, u := range uses {
			var y ir.Value
			w := b.Param(k % 2)
			switch u {
			case "m1":
				y = b.MatMul(x, b.Mask(w, b.Const(sq, m1)), 0)
			case "m2":
				y = b.MatMul(x, b.Mask(w, b.Const(sq, m2)), 0)
			case "raw":
				y = b.MatMul(x, w, 0)
			case "out":
				b.Output("w", w)
				continue
			case "t0": // row 0 of Wᵀ: W's column 0, elements 0 and 3
				b.Output(u, b.SliceRows(b.Transpose(w), 0, 1))
				continue
			case "c1": // W's column 1: elements 1 and 4
				b.Output(u, b.SliceCols(w, 1, 2))
				continue
			case "p2": // column 0 of W's columns permuted: W's column 2
				b.Output(u, b.SliceCols(b.PermuteCols(w, []int{2, 0, 1}), 0, 1))
				continue
			default:
				continue
			}
			if sum == ir.None {
				sum = y
			} else {
				sum = b.Add(sum, y)
			}
		}
		if sum == ir.None {
			sum = b.MatMul(x, b.Const(sq, m1), 0)
		}
		b.Output("y", sum)
		return b.Program()
	}
	for _, c := range []struct {
		name  string
		progs []*ir.Program
		want  [][][2]int
	}{
		{"one mask", []*ir.Program{prog("m1")}, [][][2]int{{{1, 3}, {5, 6}}, nil}},
		{"same mask twice, two programs", []*ir.Program{prog("m1", ""), prog("m1", "m1")}, [][][2]int{{{1, 3}, {5, 6}}, nil}},
		{"two masks: their common zeros", []*ir.Program{prog("m1"), prog("m2")}, [][][2]int{{{2, 3}, {5, 6}}, nil}},
		{"two masks in one program", []*ir.Program{prog("m1", "", "m2")}, [][][2]int{{{2, 3}, {5, 6}}, nil}},
		{"read whole in another program", []*ir.Program{prog("m1"), prog("raw")}, [][][2]int{nil, nil}},
		{"an output", []*ir.Program{prog("m1"), prog("out")}, [][][2]int{nil, nil}},
		{"a slice of the transpose within the ones", []*ir.Program{prog("m1"), prog("t0")}, [][][2]int{{{1, 3}, {5, 6}}, nil}},
		{"a slice over zeros", []*ir.Program{prog("m1", "", "c1")}, [][][2]int{{{2, 3}, {5, 6}}, nil}},
		{"a permuted slice over zeros", []*ir.Program{prog("p2"), prog("m1")}, [][][2]int{{{1, 2}}, nil}},
		{"only slices, no mask", []*ir.Program{prog("t0")}, [][][2]int{nil, nil}},
		{"state is never zeroed", []*ir.Program{prog("m1", "m1")}, [][][2]int{{{1, 3}, {5, 6}}, nil}},
		{"unused", []*ir.Program{prog(""), nil}, [][][2]int{nil, nil}},
		{"no programs", nil, [][][2]int{nil, nil}},
	} {
		got := maskedZeros(table, c.progs)
		if !slices.EqualFunc(got, c.want, func(a, b [][2]int) bool { return slices.Equal(a, b) }) {
			t.Errorf("%s: zeros %v, want %v", c.name, got, c.want)
		}
	}
}

// TestRuns checks the run arithmetic behind ZeroMasked.
func TestRuns(t *testing.T) {
	mask := []float64{0, 1, 1, 0, 0, 1, 0}
	if got, want := deadRuns(mask), [][2]int{{0, 1}, {3, 5}, {6, 7}}; !slices.Equal(got, want) {
		t.Errorf("deadRuns = %v, want %v", got, want)
	}
	a, b := [][2]int{{0, 4}, {6, 9}}, [][2]int{{2, 7}, {8, 12}}
	if got, want := intersectRuns(a, b), [][2]int{{2, 4}, {6, 7}, {8, 9}}; !slices.Equal(got, want) {
		t.Errorf("intersectRuns = %v, want %v", got, want)
	}
	for _, c := range []struct {
		live, zeros, want [][2]int
	}{
		{nil, nil, nil},
		{nil, [][2]int{{2, 4}}, [][2]int{{0, 2}, {4, 10}}},
		{[][2]int{{0, 3}, {5, 10}}, [][2]int{{2, 6}}, [][2]int{{0, 2}, {6, 10}}},
		{[][2]int{{0, 3}}, [][2]int{{0, 10}}, [][2]int{}},
	} {
		got := exceptRuns(c.live, c.zeros, 10)
		if !slices.Equal(got, c.want) || (got == nil) != (c.want == nil) {
			t.Errorf("exceptRuns(%v, %v) = %#v, want %#v", c.live, c.zeros, got, c.want)
		}
	}
	for _, c := range []struct {
		runs [][2]int
		want bool
	}{
		{[][2]int{{0, 1}, {3, 5}, {6, 7}}, true},
		{[][2]int{{0, 7}}, true},
		{[][2]int{{0, 1}, {3, 4}, {6, 7}}, false},
		{nil, false},
	} {
		if got := coveredBy(mask, c.runs); got != c.want {
			t.Errorf("coveredBy(%v) = %v, want %v", c.runs, got, c.want)
		}
	}
}

// modelPrograms returns a model's programs.
func modelPrograms(m *compiler.Model) []*ir.Program {
	return []*ir.Program{m.Forward, m.Inverse, m.LogProb, m.Loss, m.Grad, m.Sample, m.Init}
}

// TestZeroMaskedKept checks that the elements ZeroMasked declares are +0
// after every way values enter the parameters, and that a MADE's are
// exactly its masks' zeros.
func TestZeroMaskedKept(t *testing.T) {
	m := madeModel(t, 2, 24, 5)
	ps := NewParams(m.Params)
	ps.DType = Float32
	ps.ZeroMasked(modelPrograms(m)...)
	dead := 0
	for i := range ps.Table {
		for _, r := range ps.zeros[i] {
			dead += r[1] - r[0]
		}
	}
	masks := map[int][]float64{}
	for _, in := range m.LogProb.Instrs {
		if in.Op == ir.OpMask && m.LogProb.Instrs[in.Args[0]].Op == ir.OpParam {
			masks[m.LogProb.Instrs[in.Args[0]].Int] = m.LogProb.Instrs[in.Args[1]].Data
		}
	}
	want := 0
	for i, mk := range masks {
		want += len(deadRuns(mk))
		if !slices.Equal(ps.zeros[i], deadRuns(mk)) {
			t.Errorf("parameter %s: zeros %v, want its mask's %v", ps.Table[i].Name, ps.zeros[i], deadRuns(mk))
		}
	}
	if len(masks) != 4 || dead == 0 {
		t.Fatalf("%d masked weights, %d elements zeroed: want 4 and some", len(masks), dead)
	}
	f32 := ps.float32Views()
	noise := func() {
		for i := range ps.Data {
			ps.Data[i] = -1 - float64(i)
		}
	}
	var snap Snapshot
	check := func(how string) {
		t.Helper()
		for i, runs := range ps.zeros {
			for _, r := range runs {
				for j := r[0]; j < r[1]; j++ {
					if math.Float64bits(ps.Views[i][j]) != 0 || math.Float32bits(f32[i][j]) != 0 {
						t.Fatalf("after %s: %s[%d] = %v (float32 %v), want +0", how, ps.Table[i].Name, j, ps.Views[i][j], f32[i][j])
					}
				}
			}
		}
		if ps.Data[0] == 0 && ps.Data[1] == 0 && ps.Data[2] == 0 {
			t.Fatalf("after %s: live values zeroed too", how)
		}
	}
	ps.Init(rand.New(rand.NewPCG(1, 2)))
	check("Init")
	ps.Save(&snap)
	noise()
	ps.Changed()
	check("Changed")
	noise()
	vals := map[string][]float64{}
	for i, p := range ps.Table {
		vals[p.Name] = slices.Repeat([]float64{-0.5}, len(ps.Views[i]))
	}
	if err := ps.Set(vals); err != nil {
		t.Fatal(err)
	}
	check("Set")
	noise()
	ps.Restore(&snap)
	check("Restore")
	c := ps.Clone()
	noise()
	c.Changed()
	if !slices.EqualFunc(c.zeros, ps.zeros, func(a, b [][2]int) bool { return slices.Equal(a, b) }) {
		t.Errorf("Clone does not keep the zeros")
	}
}

// TestMaskInPlace checks that with ZeroMasked a scorer's masked weights
// are their parameters, read in place (no prelude copy, no buffer), and a
// trainer's too if they are large enough (inPlaceMinBytes), and that
// training and scoring give the same
// bits as without it — losses, the parameters (those outside the masks'
// zeros, which without ZeroMasked keep their initial values), Adam's
// moments and log-densities — at any core count, in both dtypes, with
// clipping and weight decay.
func TestMaskInPlace(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(0))
	minBytes := inPlaceMinBytes
	defer func() { inPlaceMinBytes = minBytes }()
	const dim, batch, rows = 16, 64, 200
	m := madeModel(t, 2, 256, dim)
	data := randomRows(rows, dim, 3)
	opt := DefaultAdam(1e-2)
	opt.Clip, opt.WeightDecay = 0.5, 0.1
	for _, dt := range []DType{Float64, Float32} {
		type result struct {
			losses, lp []float64
			arrays     map[string][]float64
			zeros      [][][2]int
		}
		var ref *result
		var zeros [][][2]int // ZeroMasked's, once a case has made them
		for _, c := range []struct {
			procs int
			zero  bool
			small bool // a trainer reads masked weights this small in place
		}{{1, true, true}, {1, false, false}, {2, true, true}, {3, true, true}, {2, false, false}, {2, true, false}} {
			goruntime.GOMAXPROCS(c.procs)
			if c.small {
				inPlaceMinBytes = 0
			}
			ps := NewParams(m.Params)
			ps.DType = dt
			if c.zero {
				ps.ZeroMasked(modelPrograms(m)...)
			}
			ps.Init(rand.New(rand.NewPCG(1, 1)))
			tr, err := NewTrainer(m.Grad, ps, data, dim, batch, opt, rand.New(rand.NewPCG(2, 2)))
			if err != nil {
				t.Fatal(err)
			}
			mp := NewMapper(m.LogProb, ps, "logp", 50, nil)
			inPlaceMinBytes = minBytes
			trained, scored := inPlaceCount(tr.shards[0].p), inPlaceCount(mp.parts[0])
			wantT, wantS := 0, 0
			if c.zero {
				wantS = 4
				if c.small {
					wantT = 4
				}
			}
			if trained != wantT || scored != wantS {
				t.Fatalf("%v, %+v: %d masked weights read in place by the trainer, %d by the scorer, want %d and %d", dt, c, trained, scored, wantT, wantS)
			}
			r := &result{lp: make([]float64, rows), zeros: ps.zeros}
			for range 5 {
				r.losses = append(r.losses, tr.Step())
			}
			tr.Sync()
			mp.Map(r.lp, data, rows)
			mp.Close()
			tr.Close()
			r.arrays = optArrays(tr)
			if r.zeros != nil {
				zeros = r.zeros
			}
			if ref == nil {
				ref = r
				continue
			}
			// Without ZeroMasked the masks' zeros keep their initial
			// values, which nothing reads: compare them as zeros.
			for _, a := range []map[string][]float64{ref.arrays, r.arrays} {
				off := 0
				for i, v := range ps.Views {
					for _, z := range zeros[i] {
						clear(a["params"][off+z[0] : off+z[1]])
					}
					off += len(v)
				}
			}
			name := func(what string) string { return dt.String() + " " + what }
			sameBits(t, name("losses"), r.losses, ref.losses)
			sameBits(t, name("log-densities"), r.lp, ref.lp)
			sameArrays(t, name("trainer"), r.arrays, ref.arrays)
		}
	}
}

// TestTrainerInPlaceSize pins which trainers read their masked weights
// in place (inPlaceMinBytes, 256 KB): the digits MAF's (2 MB of masked
// weights in float32, 4 MB in float64), which were copied until the
// thirty-first session; a model on either side of the line (two MADE
// layers of 512 hidden units on 16 columns: 192 KB in float32, copied,
// 384 KB in float64, in place); the moons MAF's (12 and 24 KB), copied.
// Measured on a Zen 4 host (bench/README.md, "Figures behind runtime
// design choices"): in place made a digits step 1.03–1.11× as fast in
// both dtypes, and steps of 0.5–4 MB of masked weights 0.91–0.96× as
// long, where moons' were level.
func TestTrainerInPlaceSize(t *testing.T) {
	for _, c := range []struct {
		name                 string
		layers, hidden, dim  int
		inPlace32, inPlace64 bool
	}{
		{"moons", 5, 100, 2, false, false},
		{"either side of 256 KB", 2, 512, 16, false, true},
		{"digits", 5, 512, 64, true, true},
	} {
		m := madeModel(t, c.layers, c.hidden, c.dim)
		data := randomRows(300, c.dim, 3)
		for _, dt := range []DType{Float32, Float64} {
			ps := NewParams(m.Params)
			ps.DType = dt
			ps.ZeroMasked(modelPrograms(m)...)
			ps.Init(rand.New(rand.NewPCG(1, 1)))
			tr, err := NewTrainer(m.Grad, ps, data, c.dim, 256, DefaultAdam(1e-3), rand.New(rand.NewPCG(2, 2)))
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			if dt == Float32 && c.inPlace32 || dt == Float64 && c.inPlace64 {
				want = 2 * c.layers // a MADE layer's two masked weights
			}
			if got := inPlaceCount(tr.shards[0].p); got != want {
				t.Errorf("%s %v: the trainer reads %d masked weights in place, want %d", c.name, dt, got, want)
			}
			tr.Close()
		}
	}
}

// inPlaceCount returns how many of a part's values are masked weights
// read in place: OpMaskCopy values with no prelude step whose buffer is
// their parameter's.
func inPlaceCount(pt part) int {
	switch p := pt.(type) {
	case *execPart[float64]:
		return inPlaceIn(p.exec)
	case *execPart[float32]:
		return inPlaceIn(p.exec)
	}
	panic("unknown part")
}

func inPlaceIn[T Float](e *Exec[T]) int {
	n := 0
	for v, in := range e.prog.Instrs {
		if in.Op != ir.OpMaskCopy {
			continue
		}
		if &e.bufs[v][0] != &e.bufs[in.Args[0]][0] {
			continue
		}
		for _, s := range e.pre {
			if s.value == ir.Value(v) {
				panic("a masked weight read in place has a prelude step")
			}
		}
		n++
	}
	return n
}

// sameBits fails t unless got and want hold the same bits.
func sameBits(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestZerosNotUpdated checks that a trainer leaves the elements
// ZeroMasked keeps at +0 alone where the gradient program took no single
// mask out of their gradient (a weight used through two masks: the
// gradient is a sum of two masked terms), and updates the others.
func TestZerosNotUpdated(t *testing.T) {
	sq := ir.Shape{Rows: 2, Cols: 3}
	table := []ir.Param{{Name: "w", Shape: sq, Init: ir.Init{Kind: ir.InitNormal, Scale: 1}}}
	b := ir.NewBuilder("p", &table)
	x := b.Input("x", 2)
	w := b.Param(0)
	y := b.Add(b.MatMul(x, b.Mask(w, b.Const(sq, []float64{1, 0, 0, 1, 1, 0})), 0),
		b.MatMul(x, b.Mask(w, b.Const(sq, []float64{1, 1, 0, 0, 1, 0})), 0))
	b.Output("loss", b.MeanRows(b.SumCols(b.Mul(y, y))))
	p := b.Program()
	g, err := ad.Grad(p, "loss")
	if err != nil {
		t.Fatal(err)
	}
	for _, dt := range []DType{Float64, Float32} {
		ps := NewParams(table)
		ps.DType = dt
		ps.ZeroMasked(p, g)
		ps.Init(rand.New(rand.NewPCG(1, 1)))
		before := slices.Clone(ps.Data)
		opt := DefaultAdam(0.1)
		opt.WeightDecay = 0.5
		tr, err := NewTrainer(g, ps, randomRows(20, 2, 4), 2, 8, opt, rand.New(rand.NewPCG(2, 2)))
		if err != nil {
			t.Fatal(err)
		}
		if want := [][2]int{{0, 2}, {3, 5}}; !slices.Equal(tr.live[0], want) {
			t.Errorf("%v: live runs %v, want %v", dt, tr.live[0], want)
		}
		for range 3 {
			tr.Step()
		}
		tr.Sync()
		tr.Close()
		for j, v := range ps.Data {
			zero := j == 2 || j == 5
			if zero && math.Float64bits(v) != 0 || !zero && v == before[j] {
				t.Errorf("%v: w[%d] = %v after training from %v", dt, j, v, before[j])
			}
		}
	}
}

// TestSnapshotZeros checks that a Snapshot leaves out the elements
// ZeroMasked keeps at +0, and that Restore gives back every bit, in
// float32 and float64 storage.
func TestSnapshotZeros(t *testing.T) {
	m := madeModel(t, 2, 24, 5)
	ps := NewParams(m.Params)
	ps.ZeroMasked(modelPrograms(m)...)
	for _, narrow := range []bool{true, false} {
		ps.Init(rand.New(rand.NewPCG(1, 2)))
		if narrow {
			for i, x := range ps.Data {
				ps.Data[i] = float64(float32(x))
			}
		}
		var s Snapshot
		ps.Save(&s)
		want := slices.Clone(ps.Data)
		kept, zeroed := 0, 0
		for i := range ps.Views {
			kept += len(s.v32[i]) + len(s.v64[i])
			for _, r := range ps.zeros[i] {
				zeroed += r[1] - r[0]
			}
		}
		if zeroed == 0 || kept != len(ps.Data)-zeroed {
			t.Errorf("float32 values %v: %d elements saved, want %d of %d", narrow, kept, len(ps.Data)-zeroed, len(ps.Data))
		}
		for i := range ps.Data {
			ps.Data[i] = 7
		}
		ps.Restore(&s)
		sameBits(t, "restored", ps.Data, want)
		into := NewParams(m.Params) // same table, no zeros declared
		into.Data[0] = 3
		into.Restore(&s)
		sameBits(t, "restored into other parameters", into.Data, want)
	}
}
