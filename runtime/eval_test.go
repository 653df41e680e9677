package runtime

import (
	"math"
	"math/rand/v2"
	goruntime "runtime"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestMapParts pins how a chunk is split: one part per member unless the
// program sweeps its activations many times, and then parts of at most
// partBytes of activations, within [Shards(batch), maxParts] parts, in a
// multiple of Shards(batch).
func TestMapParts(t *testing.T) {
	for _, c := range []struct {
		batch, rowBytes, sweeps, want int
	}{
		{1000, 5704, 2, 2},       // one pass: a part per member
		{1000, 5704, 130, 6},     // 1 MB / 5704 B = 183 rows a part: 5, made even
		{1000, 100, 130, 2},      // narrow rows: all fit
		{512, 27040, 200, 8},     // 38 rows would fit; 64 rows at least
		{4096, 27040, 200, 8},    // at most maxParts
		{64, 27040, 200, 2},      // no fewer than Shards(batch)
		{32, 27040, 200, 1},      // which is 1 below 64 rows
		{1000, 5704, 15, 2},      // just under minSweeps
		{1000, 5704, 16, 6},      // at minSweeps
		{1000, 0, 130, 2},        // a program without activations
		{100000, 5704, 130, 8},   //
		{300, 1 << 20, 130, 4},   // a row over budget: partRows rows
		{127, 1 << 20, 130, 2},   //
		{191, 1 << 20, 130, 2},   //
		{192, 1 << 20, 130, 4},   // 3, made even
		{1 << 20, 8, 1 << 10, 8}, //
	} {
		if got := mapParts(c.batch, c.rowBytes, c.sweeps); got != c.want {
			t.Errorf("mapParts(%d, %d, %d) = %d, want %d", c.batch, c.rowBytes, c.sweeps, got, c.want)
		}
	}
}

// TestSweeps checks that a MAF's sampler (the solve) counts as
// sequential and its density (one pass) does not, and that rowFloats is
// within a factor of two of the floats per row the plan allocates.
func TestSweeps(t *testing.T) {
	const dim = 32
	m := madeModel(t, 2, 256, dim)
	ps := NewParams(m.Params)
	ps.Init(rand.New(rand.NewPCG(1, 2)))
	for _, c := range []struct {
		p          *ir.Program
		sequential bool
	}{{m.Sample, true}, {m.LogProb, false}, {m.Inverse, true}, {m.Forward, false}} {
		q := fuse(c.p)
		if got := sweeps(q) >= minSweeps; got != c.sequential {
			t.Errorf("%s: %d sweeps, sequential %v, want %v", c.p.Name, sweeps(q), got, c.sequential)
		}
		a1 := NewExec[float64](c.p, ps, 100, nil).ArenaFloats
		a2 := NewExec[float64](c.p, ps, 200, nil).ArenaFloats
		planned, est := (a2-a1)/100, rowFloats(q)
		if est < planned/2 || est > 2*planned {
			t.Errorf("%s: rowFloats %d, plan allocates %d per row", c.p.Name, est, planned)
		}
	}
}

// TestMapperParts: a Mapper whose chunks have more parts than its team
// has members gives, on one core and on two, the bits of each part run
// alone with the random stream it was given, in order: who claims a part
// changes nothing. Rows of the last chunk beyond n are padding.
func TestMapperParts(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(0))
	defer SetMapParts(1, 1, 6, 0)() // parts of the fewest rows, at most 6
	const dim, batch, n = 8, 203, 350
	m := madeModel(t, 2, 32, dim)
	data := randomRows(n, dim, 3)
	for _, dt := range []DType{Float64, Float32} {
		ps := NewParams(m.Params)
		ps.DType = dt
		ps.Init(rand.New(rand.NewPCG(1, 1)))
		for _, c := range []struct {
			p   *ir.Program
			out string
			src []float64
		}{{m.Sample, "x", nil}, {m.LogProb, "logp", data}} {
			cols := c.p.Type(c.p.Output(c.out)).Cols
			// Each part alone, with the streams NewMapper seeds in order.
			want := make([]float64, n*cols)
			seed := rand.New(rand.NewPCG(9, 9))
			sizes := shardSizes(batch, 6)
			var parts []part
			for _, rows := range sizes {
				parts = append(parts, newPartOf(c.p, ps, rows, rand.New(rand.NewPCG(seed.Uint64(), seed.Uint64())), nil))
				parts[len(parts)-1].prelude(allSteps(parts[len(parts)-1].preludeWork(1)))
			}
			for lo := 0; lo < n; lo += batch {
				r := lo
				for _, pt := range parts {
					for i := range pt.numRows() {
						if c.src != nil {
							row := r
							if row >= min(n, lo+batch) {
								row = lo
							}
							pt.setRow(i, c.src[row*dim:(row+1)*dim])
						}
						r++
					}
					pt.run()
				}
				r = lo
				for _, pt := range parts {
					for i := 0; i < pt.numRows() && r < n; i++ {
						pt.getRow(c.p.Output(c.out), i, want[r*cols:(r+1)*cols])
						r++
					}
				}
			}
			for _, procs := range []int{1, 2} {
				goruntime.GOMAXPROCS(procs)
				mp := NewMapper(c.p, ps, c.out, batch, rand.New(rand.NewPCG(9, 9)))
				if len(mp.parts) != 6 {
					t.Fatalf("%d parts, want 6", len(mp.parts))
				}
				for round := range 3 {
					got := make([]float64, n*cols)
					mp.Map(got, c.src, n)
					// A sampler's streams move on: compare its first round.
					if c.src == nil && round > 0 {
						continue
					}
					for j := range got {
						if math.Float64bits(got[j]) != math.Float64bits(want[j]) {
							mp.Close()
							t.Fatalf("%v %s GOMAXPROCS %d round %d: element %d = %v, want %v", dt, c.p.Name, procs, round, j, got[j], want[j])
						}
					}
				}
				mp.Close()
			}
		}
	}
}
