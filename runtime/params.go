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
	// zeros holds, per parameter, the runs of elements kept at +0
	// (ZeroMasked), nil for none, and keep the runs of the others (nil:
	// all); under caches zeroedUnder's answers.
	zeros, keep [][][2]int
	under       map[maskedKey]bool
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
	ps.zeroMasked()
	if ps.f32 != nil {
		convert(ps.f32, ps.Data)
	}
	ps.gen.Add(1)
}

// ZeroMasked declares progs the programs that will be planned over ps (a
// model's: its log-density, gradient, sampling and other programs), and
// sets to +0 the elements of each masked parameter that none of them
// reads (a MADE weight's autoregressive zeros: see maskedZeros), now and
// after every change (Changed, so Init, Set and Restore too); a Trainer
// leaves them at +0. No output of progs depends on those elements, so
// setting them changes none, and each masked weight W⊙M whose zeros are
// all among them is then W itself: programs planned afterwards may read
// W in place (maskInPlace), with no copy in their prelude and no buffer
// for it, and a Snapshot leaves them out. A program planned over ps that
// is not among progs and reads those elements would read zeros.
func (ps *Params) ZeroMasked(progs ...*ir.Program) {
	zeros := maskedZeros(ps.Table, progs)
	keep := make([][][2]int, len(zeros))
	for i, z := range zeros {
		keep[i] = exceptRuns(nil, z, len(ps.Views[i]))
	}
	ps.mu.Lock()
	ps.zeros, ps.keep, ps.under = zeros, keep, nil
	ps.mu.Unlock()
	ps.Changed()
}

// zeroMasked sets the elements ZeroMasked declared to +0 in Data; ps.mu
// is held.
func (ps *Params) zeroMasked() {
	for i, runs := range ps.zeros {
		for _, r := range runs {
			clear(ps.Views[i][r[0]:r[1]])
		}
	}
}

// zeroedUnder reports whether parameter i is kept at +0 wherever mask is
// 0, so that W⊙mask is W.
func (ps *Params) zeroedUnder(i int, mask []float64) bool {
	if len(mask) == 0 || i < 0 || i >= len(ps.Views) || len(mask) != len(ps.Views[i]) {
		return false
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.zeros == nil || ps.zeros[i] == nil {
		return false
	}
	k := maskedKey{param: i, mask: &mask[0], n: len(mask)}
	ok, known := ps.under[k]
	if !known {
		ok = coveredBy(mask, ps.zeros[i])
		if ps.under == nil {
			ps.under = map[maskedKey]bool{}
		}
		ps.under[k] = ok
	}
	return ok
}

// zeroRuns returns the runs of parameter i kept at +0, or nil.
func (ps *Params) zeroRuns(i int) [][2]int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.zeros == nil {
		return nil
	}
	return ps.zeros[i]
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

// Clone returns a deep copy, which keeps the elements ZeroMasked declared
// at +0 too.
func (ps *Params) Clone() *Params {
	c := NewParams(ps.Table)
	copy(c.Data, ps.Data)
	c.DType = ps.DType
	c.zeros, c.keep = ps.zeroRunsAll()
	return c
}

// zeroRunsAll returns the runs of every parameter kept at +0 and those
// of the others (never modified once set, so they can be shared).
func (ps *Params) zeroRunsAll() (zeros, keep [][][2]int) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.zeros, ps.keep
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
// memory: 48 MB instead of 96 MB each for the 784-d MAF. The elements
// ZeroMasked keeps at +0 are not copied (47 % of that MAF's), only the
// others, packed.
type Snapshot struct {
	v32 [][]float32
	v64 [][]float64
	// keep holds, per parameter, the runs of elements copied, nil for
	// all of them; the others are +0.
	keep [][][2]int
}

// Save copies the values into s, reusing its storage where it fits.
func (ps *Params) Save(s *Snapshot) { ps.save(s, nil) }

// save is Save, except that, if f32 is not nil (a float32 trainer's
// values, laid out as Data), the trained parameters (not state) are
// copied from it, as the same bits as Save gives after those are
// converted into Data.
func (ps *Params) save(s *Snapshot, f32 []float32) {
	if len(s.v32) != len(ps.Views) {
		s.v32, s.v64 = make([][]float32, len(ps.Views)), make([][]float64, len(ps.Views))
		s.keep = make([][][2]int, len(ps.Views))
	}
	_, keep := ps.zeroRunsAll()
	off := 0
	for i, v := range ps.Views {
		lo := off
		off += len(v)
		s.keep[i] = nil
		if keep != nil {
			s.keep[i] = keep[i]
		}
		n := keptLen(s.keep[i], len(v))
		if f32 != nil && !ps.Table[i].State && n > 0 {
			if cap(s.v32[i]) < n {
				s.v32[i] = make([]float32, n)
			}
			s.v32[i] = s.v32[i][:n]
			gather32(s.v32[i], f32[lo:off], s.keep[i])
			s.v64[i] = s.v64[i][:0]
		} else if exact32(v, s.keep[i]) {
			if cap(s.v32[i]) < n {
				s.v32[i] = make([]float32, n)
			}
			s.v32[i] = s.v32[i][:n]
			gather(s.v32[i], v, s.keep[i])
			s.v64[i] = s.v64[i][:0]
		} else {
			if cap(s.v64[i]) < n {
				s.v64[i] = make([]float64, n)
			}
			s.v64[i] = s.v64[i][:n]
			gather(s.v64[i], v, s.keep[i])
			s.v32[i] = s.v32[i][:0]
		}
	}
}

// Restore copies s, which Save filled from these parameters or ones of
// the same table, back into Data, then calls Changed.
func (ps *Params) Restore(s *Snapshot) {
	for i, v := range ps.Views {
		if len(s.v32[i]) == keptLen(s.keep[i], len(v)) {
			scatter(v, s.v32[i], s.keep[i])
		} else {
			scatter(v, s.v64[i], s.keep[i])
		}
	}
	ps.Changed()
}

// keptLen is the number of elements in runs, or n if runs is nil.
func keptLen(runs [][2]int, n int) int {
	if runs == nil {
		return n
	}
	k := 0
	for _, r := range runs {
		k += r[1] - r[0]
	}
	return k
}

// gather packs the elements of v in runs (nil: all) into dst.
func gather[T Float](dst []T, v []float64, runs [][2]int) {
	if runs == nil {
		convert(dst, v)
		return
	}
	k := 0
	for _, r := range runs {
		convert(dst[k:k+r[1]-r[0]], v[r[0]:r[1]])
		k += r[1] - r[0]
	}
}

// gather32 packs the elements of v in runs (nil: all) into dst.
func gather32(dst, v []float32, runs [][2]int) {
	if runs == nil {
		copy(dst, v)
		return
	}
	k := 0
	for _, r := range runs {
		k += copy(dst[k:], v[r[0]:r[1]])
	}
}

// scatter sets the elements of v in runs (nil: all) from src, packed,
// and the others to +0.
func scatter[T Float](v []float64, src []T, runs [][2]int) {
	if runs == nil {
		convert(v, src)
		return
	}
	clear(v)
	k := 0
	for _, r := range runs {
		convert(v[r[0]:r[1]], src[k:k+r[1]-r[0]])
		k += r[1] - r[0]
	}
}

// exact32 reports whether every value of v in runs (nil: all) is a
// float32 exactly, and there is one.
func exact32(v []float64, runs [][2]int) bool {
	if runs == nil {
		runs = [][2]int{{0, len(v)}}
	}
	n := 0
	for _, r := range runs {
		for _, x := range v[r[0]:r[1]] {
			if float64(float32(x)) != x {
				return false
			}
		}
		n += r[1] - r[0]
	}
	return n > 0
}
