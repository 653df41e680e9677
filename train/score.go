package train

import (
	"math"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/runtime"
)

// evalBatch is the chunk size of scoring rows.
const evalBatch = 1000

// LogProb returns log p(x) (log p(x | c) for a conditional model, whose
// rows hold the context after the data) of every row, in nats, in the
// data's original units.
func LogProb(m *compiler.Model, params *runtime.Params, rows []float64) []float64 {
	n := len(rows) / (m.Dim + m.ContextDim)
	lp := make([]float64, n)
	sc := NewScorer(m, params, n)
	defer sc.Close()
	sc.LogProb(lp, rows)
	return lp
}

// Scorer is LogProb for rows that come chunk by chunk (a streamed data
// set's), with one evaluator planned for them all: rows scored in chunks
// of a multiple of 1000 (evalBatch) get the bits LogProb gives on all of
// them at once.
type Scorer struct {
	mp    *runtime.Mapper
	width int
}

// NewScorer plans a Scorer of m for n rows in all.
func NewScorer(m *compiler.Model, params *runtime.Params, n int) *Scorer {
	return &Scorer{mp: runtime.NewMapper(m.LogProb, params, "logp", max(1, min(n, evalBatch)), nil), width: m.Dim + m.ContextDim}
}

// LogProb writes the log-likelihood of each of rows (whole rows of the
// model's width) to dst.
func (s *Scorer) LogProb(dst, rows []float64) { s.mp.Map(dst, rows, len(rows)/s.width) }

// Close releases the evaluator's buffers.
func (s *Scorer) Close() { s.mp.Close() }

// MeanNLL returns the mean negative log-likelihood of rows, in nats per
// row.
func MeanNLL(m *compiler.Model, params *runtime.Params, rows []float64) float64 {
	return NegMean(LogProb(m, params, rows))
}

// NegMean is the mean negative log-likelihood of per-row
// log-likelihoods: −Σ lp / n, summed in order.
func NegMean(lp []float64) float64 {
	sum := 0.0
	for _, v := range lp {
		sum -= v
	}
	return sum / float64(len(lp))
}

// Summary sums up the per-row log-likelihoods of an eval. A row outside
// the model's support (log p = −Inf: a coordinate outside the domain of
// a Logit or Dequantize stage) has an infinite NLL, so the mean over all
// rows of a set holding one is +Inf and says nothing about the others:
// MeanNLL is the mean over the rows inside the support, and Outside
// counts the rows left out of it.
type Summary struct {
	// MeanNLL is −Σ lp / Inside over the rows with lp > −Inf, summed in
	// order; NaN when there are none.
	MeanNLL         float64
	Inside, Outside int
}

// Summarize returns the Summary of per-row log-likelihoods lp.
func Summarize(lp []float64) Summary {
	var z Summarizer
	z.Add(lp)
	return z.Summary()
}

// Summarizer is Summarize for log-likelihoods that come chunk by chunk
// (a streamed data set's): the rows are summed in the order they are
// added, so the Summary has the bits Summarize gives on all of them.
type Summarizer struct {
	nll             float64
	inside, outside int
}

// Add adds the log-likelihoods of the next rows.
func (z *Summarizer) Add(lp []float64) {
	for _, v := range lp {
		if math.IsInf(v, -1) {
			z.outside++
			continue
		}
		z.nll -= v
		z.inside++
	}
}

// Summary is the Summary of the rows added so far.
func (z *Summarizer) Summary() Summary {
	s := Summary{MeanNLL: math.NaN(), Inside: z.inside, Outside: z.outside}
	if z.inside > 0 {
		s.MeanNLL = z.nll / float64(z.inside)
	}
	return s
}
