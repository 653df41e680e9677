package train

import (
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
	mp := runtime.NewMapper(m.LogProb, params, "logp", min(n, evalBatch), nil)
	defer mp.Close()
	mp.Map(lp, rows, n)
	return lp
}

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
