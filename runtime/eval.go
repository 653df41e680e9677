package runtime

import (
	"math/rand/v2"

	"github.com/noxlang/nox/compiler/ir"
)

// Mapper applies a program with one input and one output of interest to
// any number of rows, in chunks of a fixed batch size. The last chunk is
// padded with copies of its first row and the padding's results dropped, so
// one planned Exec serves every row count.
type Mapper struct {
	exec    *Exec
	in, out []float64
	inCols  int
	outCols int
}

// NewMapper plans p (input 0, output named out) for chunks of batch rows.
func NewMapper(p *ir.Program, params *Params, out string, batch int, rng *rand.Rand) *Mapper {
	e := New(p, params, batch, rng)
	m := &Mapper{exec: e, out: e.Output(out), outCols: p.Type(p.Output(out)).Cols}
	if len(p.Inputs) > 0 {
		m.in = e.Input(0)
		m.inCols = p.Inputs[0].Cols
	}
	return m
}

// Map runs the program over n rows of src (n×inCols) into dst (n×outCols).
// A program without inputs (a sampler) ignores src.
func (m *Mapper) Map(dst, src []float64, n int) {
	b := m.exec.Batch
	for lo := 0; lo < n; lo += b {
		k := min(b, n-lo)
		if m.inCols > 0 {
			ic := m.inCols
			copy(m.in, src[lo*ic:(lo+k)*ic])
			for i := k; i < b; i++ {
				copy(m.in[i*ic:(i+1)*ic], src[lo*ic:(lo+1)*ic])
			}
		}
		m.exec.Run()
		oc := m.outCols
		copy(dst[lo*oc:(lo+k)*oc], m.out[:k*oc])
	}
}
