package runtime

import (
	"math/rand/v2"

	"github.com/noxlang/nox/compiler/ir"
)

// Mapper applies a program with at most one input and one output of
// interest to any number of rows, in chunks of a fixed batch size. Each
// chunk is split into Shards(batch) parts run concurrently. The last chunk
// is padded with copies of its first row and the padding's results
// dropped, so one plan serves every row count. Close releases its
// goroutines.
type Mapper struct {
	parts   []*mapPart
	team    *team
	batch   int
	inCols  int
	outCols int
}

type mapPart struct {
	exec    *Exec
	in, out []float64
	rows    int
}

// NewMapper plans p (input 0, if any, and the output named out) for chunks
// of batch rows. rng seeds the program's random ops (one stream per
// shard); it may be nil for a program without them.
func NewMapper(p *ir.Program, params *Params, out string, batch int, rng *rand.Rand) *Mapper {
	m := &Mapper{batch: batch, outCols: p.Type(p.Output(out)).Cols}
	if len(p.Inputs) > 0 {
		m.inCols = p.Inputs[0].Cols
	}
	for _, n := range shardSizes(batch, Shards(batch)) {
		var r *rand.Rand
		if rng != nil {
			r = rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
		}
		e := New(p, params, n, r)
		part := &mapPart{exec: e, out: e.Output(out), rows: n}
		if m.inCols > 0 {
			part.in = e.Input(0)
		}
		m.parts = append(m.parts, part)
	}
	m.team = newTeam(len(m.parts), func(i int) { m.parts[i].exec.Run() })
	return m
}

// Close stops the mapper's helper goroutines.
func (m *Mapper) Close() { m.team.close() }

// Map runs the program over n rows of src (n×inCols) into dst (n×outCols).
// A program without inputs (a sampler) ignores src.
func (m *Mapper) Map(dst, src []float64, n int) {
	ic, oc := m.inCols, m.outCols
	for lo := 0; lo < n; lo += m.batch {
		k := min(m.batch, n-lo) // real rows in this chunk
		if ic > 0 {
			r := lo
			for _, p := range m.parts {
				for i := range p.rows {
					row := r
					if row >= lo+k {
						row = lo // padding
					}
					copy(p.in[i*ic:(i+1)*ic], src[row*ic:(row+1)*ic])
					r++
				}
			}
		}
		m.team.run()
		r := lo
		for _, p := range m.parts {
			for i := 0; i < p.rows && r < lo+k; i++ {
				copy(dst[r*oc:(r+1)*oc], p.out[i*oc:(i+1)*oc])
				r++
			}
		}
	}
}
