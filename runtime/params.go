package runtime

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/noxlang/nox/compiler/ir"
)

// Params holds the values of a parameter table in one contiguous slab, so
// that optimizers and checksums work over a single slice. View i aliases
// the elements of parameter i.
type Params struct {
	Table []ir.Param
	Data  []float64
	Views [][]float64
	// DType is the precision that trainers and mappers built over these
	// parameters run their programs in. The values are kept in float64;
	// a float32 trainer updates the float32 copy its programs read and
	// writes it back to Data on Trainer.Sync.
	DType DType

	mu  sync.Mutex
	f32 []float32   // float32 copy of Data, made by the first float32 program
	v32 [][]float32 // its views
	// c32 holds the float32 copies of the constants of the programs
	// planned over these parameters, by their float64 data, so that a
	// model's trainer shards, scorer and sampler share one copy of its
	// masks, which for a large MADE are as large as its weights, instead
	// of one each (sizes in bench/README.md).
	c32 map[constKey][]float32
	// masked points, by parameter and mask, at the buffer of a masked
	// weight W⊙M that a gradient program (a Trainer's) planned over these
	// parameters computes in its prelude, weakly: a Mapper planned while
	// that buffer lives (the validation scorer beside the trainer) reads
	// and refreshes it instead of keeping a copy of its own (plan,
	// sharedMasked). A 784-d MAF's masked weights are 46 MB in float32.
	masked map[maskedKey]maskedRef
	// gen counts the changes of Data (Changed, Init, training steps), so
	// that a Mapper recomputes values derived from the parameters alone
	// only after they change.
	gen atomic.Uint64
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

// Changed must be called after Data is written other than by a Trainer
// or Init (restoring saved values, for instance), so that programs see
// the new values: those running in float32 read a copy, and a Mapper
// keeps the values it derives from the parameters alone (masked weights)
// until the parameters change.
func (ps *Params) Changed() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.f32 != nil {
		convert(ps.f32, ps.Data)
	}
	ps.gen.Add(1)
}

// generation returns a number that changes whenever Data does.
func (ps *Params) generation() uint64 { return ps.gen.Load() }

// float32Views returns the views of the float32 copy of Data, making it
// on first use.
func (ps *Params) float32Views() [][]float32 {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.f32 == nil {
		ps.f32 = make([]float32, len(ps.Data))
		convert(ps.f32, ps.Data)
		ps.v32 = make([][]float32, len(ps.Views))
		off := 0
		for i, v := range ps.Views {
			ps.v32[i] = ps.f32[off : off+len(v) : off+len(v)]
			off += len(v)
		}
	}
	return ps.v32
}

// constKey names a constant's data: where it starts and its length.
type constKey struct {
	p *float64
	n int
}

// const32 returns the float32 copy of a constant's data, converting it
// on first use.
func (ps *Params) const32(data []float64) []float32 {
	if len(data) == 0 {
		return nil
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	k := constKey{&data[0], len(data)}
	c, ok := ps.c32[k]
	if !ok {
		c = make([]float32, len(data))
		convert(c, data)
		if ps.c32 == nil {
			ps.c32 = map[constKey][]float32{}
		}
		ps.c32[k] = c
	}
	return c
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
		case ir.InitIdentity:
			clear(v)
			for j := 0; j < len(v); j += p.Shape.Cols + 1 {
				v[j] = 1
			}
		case ir.InitData:
			copy(v, p.Init.Data)
		}
	}
	ps.Changed()
}

// Clone returns a deep copy.
func (ps *Params) Clone() *Params {
	c := NewParams(ps.Table)
	copy(c.Data, ps.Data)
	c.DType = ps.DType
	return c
}

// Count returns the number of scalar parameters, state included and
// fixed values (ir.Param.Fixed: a model's standardization) not.
func (ps *Params) Count() int {
	n := len(ps.Data)
	for i, p := range ps.Table {
		if p.Fixed {
			n -= len(ps.Views[i])
		}
	}
	return n
}

// Set copies values into the parameters they name (ir.Param.Name), then
// calls Changed. Every name must be a parameter of the table and every
// value list its size.
func (ps *Params) Set(values map[string][]float64) error {
	for name, v := range values {
		i := slices.IndexFunc(ps.Table, func(p ir.Param) bool { return p.Name == name })
		if i < 0 {
			return fmt.Errorf("runtime: no parameter %s", name)
		}
		if len(v) != len(ps.Views[i]) {
			return fmt.Errorf("runtime: parameter %s has %d values, got %d", name, len(ps.Views[i]), len(v))
		}
		copy(ps.Views[i], v)
	}
	ps.Changed()
	return nil
}

// Snapshot is a copy of a Params' values, each parameter in float32 if
// every one of its values is a float32 exactly, else in float64, so that
// restoring it gives back the same bits. A float32 trainer's values are
// float32s once synced (Trainer.Sync), and the copies a training loop
// keeps (the best values so far, the initial ones) then take half the
// memory: 48 MB instead of 96 MB each for the 784-d MAF.
type Snapshot struct {
	v32 [][]float32
	v64 [][]float64
}

// Save copies the values into s, reusing its storage where it fits.
func (ps *Params) Save(s *Snapshot) {
	if len(s.v32) != len(ps.Views) {
		s.v32, s.v64 = make([][]float32, len(ps.Views)), make([][]float64, len(ps.Views))
	}
	for i, v := range ps.Views {
		if exact32(v) {
			if cap(s.v32[i]) < len(v) {
				s.v32[i] = make([]float32, len(v))
			}
			s.v32[i] = s.v32[i][:len(v)]
			convert(s.v32[i], v)
			s.v64[i] = s.v64[i][:0]
		} else {
			s.v64[i] = append(s.v64[i][:0], v...)
			s.v32[i] = s.v32[i][:0]
		}
	}
}

// Restore copies s, which Save filled from these parameters or ones of
// the same table, back into Data, then calls Changed.
func (ps *Params) Restore(s *Snapshot) {
	for i, v := range ps.Views {
		if len(s.v32[i]) == len(v) {
			convert(v, s.v32[i])
		} else {
			copy(v, s.v64[i])
		}
	}
	ps.Changed()
}

// exact32 reports whether every value of v is a float32 exactly.
func exact32(v []float64) bool {
	for _, x := range v {
		if float64(float32(x)) != x {
			return false
		}
	}
	return len(v) > 0
}
