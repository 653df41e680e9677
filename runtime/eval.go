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
	cols    []int // per input
	outCols int
}

type mapPart struct {
	exec *Exec
	ins  [][]float64 // per program input
	out  []float64
	rows int
}

// NewMapper plans p (its inputs, side by side in each source row, and the
// output named out) for chunks of batch rows. rng seeds the program's random ops (one stream per
// shard); it may be nil for a program without them.
func NewMapper(p *ir.Program, params *Params, out string, batch int, rng *rand.Rand) *Mapper {
	m := &Mapper{batch: batch, outCols: p.Type(p.Output(out)).Cols}
	for _, in := range p.Inputs {
		m.inCols += in.Cols
		m.cols = append(m.cols, in.Cols)
	}
	for _, n := range shardSizes(batch, Shards(batch)) {
		var r *rand.Rand
		if rng != nil {
			r = rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64()))
		}
		e := New(p, params, n, r)
		part := &mapPart{exec: e, out: e.Output(out), rows: n}
		for i := range p.Inputs {
			part.ins = append(part.ins, e.Input(i))
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
					s := src[row*ic : (row+1)*ic]
					for k, in := range p.ins {
						c := m.cols[k]
						copy(in[i*c:(i+1)*c], s[:c])
						s = s[c:]
					}
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
