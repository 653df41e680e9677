package nox

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/internal/modelfile"
	"github.com/noxlang/nox/runtime"
	"github.com/noxlang/nox/train"
)

// Model is a trained flow: exact log-densities, samples, and its map in
// both directions, in the data's original units. Its parameters are never
// written after training, and every call plans its own buffers (or takes
// a planned evaluator from a small free list), so a Model is safe for
// concurrent use by many goroutines.
//
// Rows are gonum matrices: x has one row per point and Dim columns; a
// conditional model (ContextDim > 0) takes the context of each row in c
// (ContextDim columns), and c must be nil for an unconditional one.
type Model struct {
	name   string
	m      *compiler.Model
	params *runtime.Params
	source string      // the program that trained it, kept for provenance
	cols   [2][]string // the data's and the context's column names (nil: unnamed)

	// History is the training curve, when the model was trained in this
	// process (not saved with it).
	History *History
	parts   train.Parts // the rows of that run's split, for eval (not saved)

	lp *runtime.Pool // LogProb's planned evaluators
}

// History is a training run's curve: the minibatch loss of every
// stride-th and every validated step, and the validation NLL where it was
// evaluated (NaN elsewhere).
type History = train.History

func newModel(name string, m *compiler.Model, params *runtime.Params, source string, cols [2][]string) *Model {
	cols = [2][]string{modelfile.Usable(cols[0], m.Dim), modelfile.Usable(cols[1], m.ContextDim)} // names a file cannot hold: none
	return &Model{name: name, m: m, params: params, source: source, cols: cols, lp: runtime.NewPool(m.LogProb, params, "logp")}
}

// Name is the flow's name in the program that trained it.
func (m *Model) Name() string { return m.name }

// Dim is the number of data columns.
func (m *Model) Dim() int { return m.m.Dim }

// ContextDim is the number of context columns (0: unconditional).
func (m *Model) ContextDim() int { return m.m.ContextDim }

// Columns are the names of the data and the context columns, from the CSV
// header line of the training data; nil without one, and from Fit.
func (m *Model) Columns() (data, context []string) { return m.cols[0], m.cols[1] }

// DType is the precision the model's programs run in: "float64" or
// "float32" (its train or fit statement's dtype).
func (m *Model) DType() string { return m.params.DType.String() }

// NumParams is the number of scalar parameters (state included; the
// standardization's values not).
func (m *Model) NumParams() int { return m.params.Count() }

// Source is the nox program the model was trained by (for Fit, its flow
// and options).
func (m *Model) Source() string { return m.source }

// usable returns an error for a nil or zero Model, which has no flow.
func (m *Model) usable(what string) error {
	if m == nil || m.m == nil || m.params == nil {
		return fmt.Errorf("%s: no model (a Model comes from Fit, Load or Script.Model)", what)
	}
	return nil
}

// rows lays out x and c side by side, row-major, checking their shapes.
func (m *Model) rows(what string, x, c *mat.Dense) ([]float64, int, error) {
	if err := m.usable(what); err != nil {
		return nil, 0, err
	}
	if x == nil {
		return nil, 0, fmt.Errorf("%s: no rows (x is nil)", what)
	}
	n, d := x.Dims()
	if d != m.m.Dim {
		return nil, 0, fmt.Errorf("%s: x has %d columns, the model maps %d", what, d, m.m.Dim)
	}
	cd := m.m.ContextDim
	switch {
	case cd == 0 && c != nil:
		return nil, 0, fmt.Errorf("%s: the model is not conditional; pass a nil context", what)
	case cd > 0 && c == nil:
		return nil, 0, fmt.Errorf("%s: the model is conditioned on %d context columns; pass them", what, cd)
	case c != nil:
		if cn, cc := c.Dims(); cn != n || cc != cd {
			return nil, 0, fmt.Errorf("%s: context is %d×%d, want %d×%d", what, cn, cc, n, cd)
		}
	}
	return interleave(x, c), n, nil
}

// interleave lays out the rows of x, each followed by c's (if not nil),
// row-major: the layout of a conditional model's program inputs.
func interleave(x, c *mat.Dense) []float64 {
	n, d := x.Dims()
	cd := 0
	if c != nil {
		_, cd = c.Dims()
	}
	out := make([]float64, 0, n*(d+cd))
	for i := range n {
		out = append(out, x.RawRowView(i)...)
		if c != nil {
			out = append(out, c.RawRowView(i)...)
		}
	}
	return out
}

// LogProb writes log p(x) (log p(x | c)) of every row of x into dst, in
// nats. dst must have one element per row. p is the model's density: with
// a defensive weight ε > 0 (train option defensive) the mixture
// (1−ε)·p_flow + ε·p_fit of the flow and the Gaussian fit of its training
// rows, so it is not exactly the prior at Forward's latents plus
// Forward's log-det.
func (m *Model) LogProb(dst []float64, x, c *mat.Dense) error {
	rows, n, err := m.rows("LogProb", x, c)
	if err != nil {
		return err
	}
	if len(dst) != n {
		return fmt.Errorf("LogProb: dst has %d elements for %d rows", len(dst), n)
	}
	m.lp.Map(dst, rows, n)
	return nil
}

// Sample draws n rows (at context c, one value per context column; nil
// for an unconditional model) from the model's density: with a defensive
// weight ε > 0, each row comes from the Gaussian fit with probability ε
// and from the flow otherwise. The draws depend only on n, seed and the
// model.
func (m *Model) Sample(n int, seed uint64, c []float64) (*mat.Dense, error) {
	if err := m.usable("Sample"); err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, fmt.Errorf("Sample: n must be positive, got %d", n)
	}
	// Only a large request reads the machine's available memory, so
	// that a server drawing a few rows at a time does no I/O for it.
	if need := 8 * float64(n) * float64(m.m.Dim); need > 1<<30 && need > float64(compiler.AvailableMemory()) {
		return nil, fmt.Errorf("Sample: %d draws of %d columns need %s, more than the memory available", n, m.m.Dim, dataset.FormatBytes(need))
	}
	if len(c) != m.m.ContextDim {
		return nil, fmt.Errorf("Sample: %d context values for a model conditioned on %d", len(c), m.m.ContextDim)
	}
	out := make([]float64, n*m.m.Dim)
	m.sample(out, n, seed, c)
	return mat.NewDense(n, m.m.Dim, out), nil
}

// SampleTo writes the draws of Sample(n, seed, c) to w, a chunk at a
// time, so that any n runs in bounded memory: as a NumPy float64 array
// if npy is set, else as CSV with the model's column names (if it has
// them) as its header line. A draw that is not finite stops it with an
// error that numbers the draw.
func (m *Model) SampleTo(w io.Writer, npy bool, n int, seed uint64, c []float64) error {
	if err := m.usable("SampleTo"); err != nil {
		return err
	}
	if w == nil {
		return fmt.Errorf("SampleTo: no writer (w is nil)")
	}
	if n < 1 || len(c) != m.m.ContextDim {
		return fmt.Errorf("SampleTo: %d draws at %d context values, for a model conditioned on %d", n, len(c), m.m.ContextDim)
	}
	d, done := m.draws(n, seed, c), 0
	defer d.close()
	return dataset.WriteRows(w, npy, m.cols[0], n, m.m.Dim, sampleChunk*evalBatch, func(dst []float64) error {
		d.next(dst)
		for i, v := range dst {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("draw %d is not finite (%v); the flow may be badly trained", done+i/m.m.Dim+1, v)
			}
		}
		done += len(dst) / m.m.Dim
		return nil
	})
}

// sample writes n draws at context c to out.
func (m *Model) sample(out []float64, n int, seed uint64, c []float64) {
	d := m.draws(n, seed, c)
	defer d.close()
	d.next(out)
}

// drawer makes a model's draws a chunk at a time, the same draws for any
// chunks: its mapper's random streams advance by whole batches.
type drawer struct {
	mp  *runtime.Mapper
	c   []float64 // the context, repeated for one batch
	ctx []float64 // the context of one draw
	dim int
}

// draws starts the draws of Sample(n, seed, c).
func (m *Model) draws(n int, seed uint64, c []float64) *drawer {
	rng := rand.New(rand.NewPCG(seed, 0x73616d))
	return &drawer{mp: runtime.NewMapper(m.m.Sample, m.params, "x", min(n, evalBatch), rng), ctx: c, dim: m.m.Dim}
}

// next fills dst with the next len(dst)/dim draws; every call but the
// last must ask for a whole number of batches (evalBatch rows).
func (d *drawer) next(dst []float64) {
	n := len(dst) / d.dim
	if len(d.c) < n*len(d.ctx) {
		d.c = slices.Repeat(d.ctx, n) // one context row per draw
	}
	d.mp.Map(dst, d.c, n)
}

func (d *drawer) close() { d.mp.Close() }

// Forward maps rows x to latents z, with log|det ∂z/∂x| per row: the
// flow's bijection, with or without a defensive mixture (which LogProb
// and Sample include and Forward and Inverse do not).
func (m *Model) Forward(x, c *mat.Dense) (z *mat.Dense, logdet []float64, err error) {
	rows, n, err := m.rows("Forward", x, c)
	if err != nil {
		return nil, nil, err
	}
	zs := make([]float64, n*m.m.Dim)
	logdet = make([]float64, n)
	runtime.Apply(m.m.Forward, m.params, rows, n, evalBatch, map[string][]float64{"z": zs, "logdet": logdet})
	return mat.NewDense(n, m.m.Dim, zs), logdet, nil
}

// Inverse maps latents z back to data rows.
func (m *Model) Inverse(z, c *mat.Dense) (*mat.Dense, error) {
	rows, n, err := m.rows("Inverse", z, c)
	if err != nil {
		return nil, err
	}
	xs := make([]float64, n*m.m.Dim)
	runtime.Apply(m.m.Inverse, m.params, rows, n, evalBatch, map[string][]float64{"x": xs})
	return mat.NewDense(n, m.m.Dim, xs), nil
}
