package nox_test

import (
	"math"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/internal/modelfile"
	"github.com/noxlang/nox/stdlib"
)

// FuzzLoadSizes mutates the sizes a model file states, not its bytes:
// the dimensions, the stages (their layers, hidden widths and counts, the
// other numeric arguments), the parameter table's shapes and the number
// of values. Each mutated file is sealed with a valid checksum, so the
// loader's own checks meet it. Load must never panic, must answer within
// two seconds and allocate less than 500 MB; a model it returns must
// score and sample rows without panicking.
//
// The input is a fixture (base) and a program of 4-byte operations:
// an opcode, an index and a 16-bit operand (see mutate).
func FuzzLoadSizes(f *testing.F) {
	op := func(code, index byte, v uint16) []byte { return []byte{code, index, byte(v), byte(v >> 8)} }
	f.Add(uint8(0), []byte{})
	f.Add(uint8(0), op(opHidden, 0, 11))                                // hidden 65536
	f.Add(uint8(0), slices.Concat(op(opDim, 0, 10), op(opLayer, 0, 0))) // a wide first stage
	f.Add(uint8(1), op(opContext, 0, 12))                               // context 2^20
	f.Add(uint8(0), slices.Concat(op(opHiddenCount, 0, 1023), op(opRefit, 0, 0)))
	f.Add(uint8(2), slices.Concat(op(opHidden, 0, 3), op(opRefit, 0, 0))) // a consistent, different model
	f.Add(uint8(0), slices.Concat(op(opValue, 7, 1), op(opShape, 2, 5)))
	f.Add(uint8(3), slices.Concat(op(opStages, 0, 3), op(opRefit, 0, 0), op(opArg, 1, 9)))
	f.Add(uint8(5), slices.Concat(op(opFlags, 0, 3|64), op(opLayer, 0, 0), op(opRefit, 0, 0))) // an inverted stage
	dir := f.TempDir()
	bases := []*modelfile.File{}
	for _, name := range []string{"v3_moons", "v3_cond", "v2_moons", "v3_f32_std", "v1_moons", "v4_logit"} {
		bases = append(bases, fixtureFile(f, name))
	}
	f.Fuzz(func(t *testing.T, base uint8, ops []byte) {
		if len(ops) > 64*4 {
			return
		}
		fl := cloneFile(bases[int(base)%len(bases)])
		for i := 0; i+4 <= len(ops); i += 4 {
			mutate(fl, ops[i], int(ops[i+1]), uint16(ops[i+2])|uint16(ops[i+3])<<8)
		}
		path := filepath.Join(dir, "m.noxm")
		if err := os.WriteFile(path, sealed(t, fl), 0o644); err != nil {
			t.Fatal(err)
		}
		var before, after goruntime.MemStats
		goruntime.ReadMemStats(&before)
		start := time.Now()
		m, err := nox.Load(path)
		if err == nil {
			use(t, m)
		}
		took := time.Since(start)
		goruntime.ReadMemStats(&after)
		if took > 2*time.Second {
			t.Errorf("took %v (%v)", took, err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 500<<20 {
			t.Errorf("allocated %d MB (%v)", grew>>20, err)
		}
	})
}

// use scores and samples two rows of a loaded model.
func use(t *testing.T, m *nox.Model) {
	x := mat.NewDense(2, m.Dim(), nil)
	var c *mat.Dense
	var sc []float64
	if m.ContextDim() > 0 {
		c, sc = mat.NewDense(2, m.ContextDim(), nil), make([]float64, m.ContextDim())
	}
	if err := m.LogProb(make([]float64, 2), x, c); err != nil {
		t.Errorf("LogProb: %v", err)
	}
	if _, err := m.Sample(2, 1, sc); err != nil {
		t.Errorf("Sample: %v", err)
	}
}

// The operations of FuzzLoadSizes.
const (
	opDim         = iota // the data dimension: sizes[v]
	opContext            // the context dimension: sizes[v]
	opHidden             // hidden width i of a stage: sizes[v]
	opHiddenCount        // a stage's number of hidden layers: v+1 (widths repeated)
	opShape              // parameter i's rows (v even) or columns: sizes[v/2]
	opCount              // drop (v even) or add v/2 values, keeping the table's count
	opStages             // duplicate (v even) or delete stage i
	opLayer              // stage i's layer: stdlib.Names()[v]
	opArg                // stage i's first scalar argument: sizes[v]
	opFlags              // version, standardize, whiten, defensive: bits of v
	opValue              // value i·v (mod the count): NaN, ±Inf, 1e308, 0 by v
	opRefit              // the table and values of the flow the header states, when small
	opCodes
)

// sizes are the sizes an operation picks from: small ones, the limits
// of the layers and the format, and past them.
var sizes = []int{0, 1, 2, 3, 7, 8, 64, 1000, 32768, 60000, 65535, 65536, 1 << 20, 1<<20 + 1, -1, 1 << 31, 1 << 40, 5}

func pick(v uint16) int { return sizes[int(v)%len(sizes)] }

// mutate applies one operation to f.
func mutate(f *modelfile.File, code byte, i int, v uint16) {
	h := &f.Header
	st := &h.Stages[i%len(h.Stages)]
	switch code % opCodes {
	case opDim:
		h.Dim, h.Columns = pick(v), nil
	case opContext:
		h.ContextDim, h.ContextColumns = pick(v), nil
	case opHidden:
		if hs := st.Args["hidden"]; len(hs) > 0 {
			hs[i%len(hs)] = float64(pick(v))
		}
	case opHiddenCount:
		if hs := st.Args["hidden"]; len(hs) > 0 {
			st.Args["hidden"] = slices.Repeat(hs[:1], int(v%2048)+1)
		}
	case opShape:
		if len(h.Params) > 0 {
			p := &h.Params[i%len(h.Params)]
			if v%2 == 0 {
				p.Rows = pick(v / 2)
			} else {
				p.Cols = pick(v / 2)
			}
		}
	case opCount:
		if n := int(v / 2); v%2 == 0 {
			f.Values = f.Values[:max(0, len(f.Values)-n)]
		} else {
			f.Values = append(f.Values, make([]float64, n)...)
		}
	case opStages:
		j := i % len(h.Stages)
		if v%2 == 0 {
			h.Stages = slices.Insert(h.Stages, j, cloneStage(h.Stages[j]))
		} else if len(h.Stages) > 1 {
			h.Stages = slices.Delete(h.Stages, j, j+1)
		}
	case opLayer:
		names := stdlib.Names()
		st.Layer = names[int(v)%len(names)]
	case opArg:
		for _, name := range []string{"keep", "bins", "bound", "seed", "components", "df"} {
			if a := st.Args[name]; len(a) == 1 {
				a[0] = float64(pick(v))
				break
			}
		}
	case opFlags:
		f.Version = uint32(v%4) + 1
		h.Standardize, h.Whiten = v&4 != 0, v&8 != 0
		h.Defensive = []float64{0, 0.01, 0.5, 1}[(v>>4)%4]
		st.Inverse = v&64 != 0 // an inverted stage (format 4)
	case opValue:
		if len(f.Values) > 0 {
			f.Values[(i*int(v))%len(f.Values)] = []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1e308, 0}[v%5]
		}
	case opRefit:
		refit(f)
	}
}

// refit gives f the parameter table and values of the flow its header
// states, if that flow is small (≤ 10⁵ parameters, costed first).
func refit(f *modelfile.File) {
	h := &f.Header
	var stages []compiler.Stage
	for _, s := range h.Stages {
		st, err := compiler.NewStage(s.Layer, s.Name, s.Args)
		if err != nil {
			return
		}
		stages = append(stages, st)
	}
	if h.Dim < 1 || h.Dim > 1<<12 || h.ContextDim < 0 || h.ContextDim > 1<<12 || len(stages) > 1000 {
		return
	}
	opt := compiler.Options{Standardize: h.Standardize && f.Version >= 3, Whiten: h.Whiten && f.Version >= 3, ContextDim: h.ContextDim, Defensive: h.Defensive}
	if c, err := compiler.FlowCost(h.Name, stages, h.Dim, opt); err != nil || c.Params > 1e5 {
		return
	}
	cm, err := compiler.Lower(h.Name, stages, h.Dim, opt)
	if err != nil {
		return
	}
	h.Params, f.Values = nil, nil
	for _, p := range cm.Params {
		h.Params = append(h.Params, modelfile.Param{Name: p.Name, Rows: p.Shape.Rows, Cols: p.Shape.Cols, State: p.State, Fixed: p.Fixed})
		for k := range p.Shape.Rows * p.Shape.Cols {
			v := 0.01 * float64(k%7)
			switch {
			case !p.Fixed:
			case p.Init.Kind == ir.InitConst:
				v = p.Init.Scale // the identity standardization
			case p.Init.Kind == ir.InitIdentity && k%(p.Shape.Cols+1) == 0:
				v = 1
			default:
				v = 0
			}
			f.Values = append(f.Values, v)
		}
	}
}

func cloneStage(s modelfile.Stage) modelfile.Stage {
	args := map[string][]float64{}
	for k, v := range s.Args {
		args[k] = slices.Clone(v)
	}
	s.Args = args
	return s
}

func cloneFile(f *modelfile.File) *modelfile.File {
	g := *f
	g.Values = slices.Clone(f.Values)
	g.Header.Stages = nil
	for _, s := range f.Header.Stages {
		g.Header.Stages = append(g.Header.Stages, cloneStage(s))
	}
	g.Header.Params = slices.Clone(f.Header.Params)
	if f.Header.Std != nil {
		std := *f.Header.Std
		g.Header.Std = &std
	}
	return &g
}
