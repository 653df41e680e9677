package runtime

import (
	"math/rand/v2"

	"github.com/noxlang/nox/compiler/ir"
)

// Params holds the values of a parameter table in one contiguous slab, so
// that optimizers and checksums work over a single slice. View i aliases
// the elements of parameter i.
type Params struct {
	Table []ir.Param
	Data  []float64
	Views [][]float64
}

// NewParams allocates zeroed storage for a parameter table.
func NewParams(table []ir.Param) *Params {
	n := 0
	for _, p := range table {
		n += p.Shape.Rows * p.Shape.Cols
	}
	ps := &Params{Table: table, Data: make([]float64, n), Views: make([][]float64, len(table))}
	off := 0
	for i, p := range table {
		sz := p.Shape.Rows * p.Shape.Cols
		ps.Views[i] = ps.Data[off : off+sz : off+sz]
		off += sz
	}
	return ps
}

// Init sets every parameter from its initialiser, drawing from rng in table
// order, so a seed determines the result.
func (ps *Params) Init(rng *rand.Rand) {
	for i, p := range ps.Table {
		v := ps.Views[i]
		switch p.Init.Kind {
		case ir.InitZero:
			clear(v)
		case ir.InitConst:
			for j := range v {
				v[j] = p.Init.Scale
			}
		case ir.InitUniform:
			for j := range v {
				v[j] = (2*rng.Float64() - 1) * p.Init.Scale
			}
		case ir.InitNormal:
			for j := range v {
				v[j] = rng.NormFloat64() * p.Init.Scale
			}
		case ir.InitData:
			copy(v, p.Init.Data)
		}
	}
}

// Clone returns a deep copy.
func (ps *Params) Clone() *Params {
	c := NewParams(ps.Table)
	copy(c.Data, ps.Data)
	return c
}

// Count returns the number of scalar parameters.
func (ps *Params) Count() int { return len(ps.Data) }
