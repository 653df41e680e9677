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
	parts   []part
	team    *team
	batch   int
	inCols  int
	cols    []int // per input
	outCols int
	out     ir.Value
}

// part is one shard of a Mapper's or a Trainer's batch: a program planned
// in some element type, filled and read in float64.
type part interface {
	// setRow stores row i of the program's inputs (side by side in src).
	setRow(i int, src []float64)
	// getRow copies row i of output v into dst.
	getRow(v ir.Value, i int, dst []float64)
	// value returns element j of value v.
	value(v ir.Value, j int) float64
	// accumulate sets dst = w·v[lo:hi] (or adds it, if add) for value v.
	accumulate(dst []float64, v ir.Value, lo int, w float64, add bool)
	run()
	numRows() int
}

type execPart[T Float] struct {
	exec *Exec[T]
	ins  [][]T // per program input
	cols []int
}

func newPart[T Float](p *ir.Program, params *Params, rows int, rng *rand.Rand) *execPart[T] {
	e := NewExec[T](p, params, rows, rng)
	pt := &execPart[T]{exec: e}
	for i, in := range p.Inputs {
		pt.ins = append(pt.ins, e.Input(i))
		pt.cols = append(pt.cols, in.Cols)
	}
	return pt
}

// newPartOf plans a part in params' DType.
func newPartOf(p *ir.Program, params *Params, rows int, rng *rand.Rand) part {
	if params.DType == Float32 {
		return newPart[float32](p, params, rows, rng)
	}
	return newPart[float64](p, params, rows, rng)
}

func (pt *execPart[T]) setRow(i int, src []float64) {
	for k, in := range pt.ins {
		c := pt.cols[k]
		convert(in[i*c:(i+1)*c], src[:c])
		src = src[c:]
	}
}

func (pt *execPart[T]) getRow(v ir.Value, i int, dst []float64) {
	n := len(dst)
	convert(dst, pt.exec.bufs[v][i*n:(i+1)*n])
}

func (pt *execPart[T]) value(v ir.Value, j int) float64 { return float64(pt.exec.bufs[v][j]) }

func (pt *execPart[T]) accumulate(dst []float64, v ir.Value, lo int, w float64, add bool) {
	src := pt.exec.bufs[v][lo : lo+len(dst)]
	if add {
		for j, x := range src {
			dst[j] += w * float64(x)
		}
		return
	}
	for j, x := range src {
		dst[j] = w * float64(x)
	}
}

func (pt *execPart[T]) run()         { pt.exec.Run() }
func (pt *execPart[T]) numRows() int { return pt.exec.Batch }

// NewMapper plans p (its inputs, side by side in each source row, and the
// output named out) for chunks of batch rows, in params.DType. rng seeds
// the program's random ops (one stream per shard); it may be nil for a
// program without them.
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
		m.parts = append(m.parts, newPartOf(p, params, n, r))
	}
	m.out = p.Output(out)
	m.team = newTeam(len(m.parts), func(i int) { m.parts[i].run() })
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
				for i := range p.numRows() {
					row := r
					if row >= lo+k {
						row = lo // padding
					}
					p.setRow(i, src[row*ic:(row+1)*ic])
					r++
				}
			}
		}
		m.team.run()
		r := lo
		for _, p := range m.parts {
			for i := 0; i < p.numRows() && r < lo+k; i++ {
				p.getRow(m.out, i, dst[r*oc:(r+1)*oc])
				r++
			}
		}
	}
}
