package nox

import (
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox/compiler"
)

// split divides a data set's rows into train, validation and test sets
// with a seeded permutation: the first round(test_frac·n) permuted rows
// are the test set, the next round(val_frac·rest) the validation set.
// Rows are the data set's rows with their context columns after the data
// columns (compiler.Data.Rows).
func split(d *compiler.Data, testFrac, valFrac float64, rng *rand.Rand) (train, val, test []float64) {
	rows, n := d.Rows(), d.Table.Rows
	w := len(rows) / n
	perm := rng.Perm(n)
	nTest := int(math.Round(testFrac * float64(n)))
	nVal := int(math.Round(valFrac * float64(n-nTest)))
	for i, r := range perm {
		row := rows[r*w : (r+1)*w]
		switch {
		case i < nTest:
			test = append(test, row...)
		case i < nTest+nVal:
			val = append(val, row...)
		default:
			train = append(train, row...)
		}
	}
	return train, val, test
}

// standardization returns the per-column mean and population standard
// deviation of columns [lo, lo+dim) of rows of width w; a constant column
// gets std 1.
func standardization(rows []float64, w, lo, dim int) *compiler.Standardize {
	n := len(rows) / w
	mean, std := make([]float64, dim), make([]float64, dim)
	for i := range n {
		for j := range dim {
			mean[j] += rows[i*w+lo+j]
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	for i := range n {
		for j := range dim {
			d := rows[i*w+lo+j] - mean[j]
			std[j] += d * d
		}
	}
	for j := range std {
		std[j] = math.Sqrt(std[j] / float64(n))
		if std[j] < 1e-12*math.Max(1, math.Abs(mean[j])) {
			std[j] = 1
		}
	}
	return &compiler.Standardize{Mean: mean, Std: std}
}

// whiten extends a per-column standardization to the full covariance of
// the first dim columns of rows (width w): W = diag(1/std)·L⁻ᵀ where
// L·Lᵀ is the correlation matrix, so (x - mean)·W has identity covariance
// on the training rows and a flow at its identity starts as the
// full-covariance Gaussian fit. Constant columns stay as they are. If the
// correlation matrix is singular even after a small ridge, the
// per-column standardization is kept.
func whiten(s *compiler.Standardize, rows []float64, w, dim int) {
	n := len(rows) / w
	if dim < 2 || n < 2 {
		return
	}
	z := mat.NewDense(n, dim, nil)
	for i := range n {
		for j := range dim {
			z.Set(i, j, (rows[i*w+j]-s.Mean[j])/s.Std[j])
		}
	}
	var c mat.SymDense
	c.SymOuterK(1/float64(n), z.T())
	for j := range dim {
		if c.At(j, j) < 1e-12 { // a constant column
			for k := range dim {
				c.SetSym(j, k, 0)
			}
			c.SetSym(j, j, 1)
		}
	}
	var chol mat.Cholesky
	ok := false
	for _, ridge := range []float64{0, 1e-10, 1e-8, 1e-6} {
		r := mat.NewSymDense(dim, nil)
		r.CopySym(&c)
		for j := range dim {
			r.SetSym(j, j, r.At(j, j)+ridge)
		}
		if chol.Factorize(r) {
			ok = true
			break
		}
	}
	if !ok {
		return
	}
	var l mat.TriDense
	chol.LTo(&l)
	// W = diag(1/std)·L⁻ᵀ, WInv = Lᵀ·diag(std).
	var linv mat.TriDense
	if err := linv.InverseTri(&l); err != nil {
		return
	}
	wm, wi := make([]float64, dim*dim), make([]float64, dim*dim)
	logdet := 0.0
	for j := range dim {
		logdet -= math.Log(s.Std[j]) + math.Log(l.At(j, j))
		for k := range dim {
			wm[j*dim+k] = linv.At(k, j) / s.Std[j]
			wi[j*dim+k] = l.At(k, j) * s.Std[k]
		}
	}
	for _, v := range append(wm, wi...) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
	}
	s.W, s.WInv, s.LogDetW = wm, wi, logdet
}

// prepare splits the data and lowers the flow for a train statement.
func prepare(t *compiler.Train) (m *compiler.Model, train, val, test []float64, rng *rand.Rand, err error) {
	rng = rand.New(rand.NewPCG(t.Opts.Seed, 0x6e6f78))
	train, val, test = split(t.Data, t.Opts.TestFrac, t.Opts.ValFrac, rng)
	opt := compiler.Options{ContextDim: t.Flow.ContextDim, Defensive: t.Opts.Defensive}
	if t.Opts.Standardize {
		w := t.Flow.Dim + t.Flow.ContextDim
		opt.Std = standardization(train, w, 0, t.Flow.Dim)
		if t.Opts.Whiten {
			whiten(opt.Std, train, w, t.Flow.Dim)
		}
		if t.Flow.ContextDim > 0 {
			opt.CtxStd = standardization(train, w, t.Flow.Dim, t.Flow.ContextDim)
		}
	}
	m, err = compiler.Lower(t.Flow.Name, t.Flow.StageList(), t.Flow.Dim, opt)
	return m, train, val, test, rng, err
}

// gridWidths detects data recorded on a grid: for each of the first dim
// columns of rows (width w) whose values take fewer than n/2 distinct
// values that are all multiples of their smallest positive gap δ (to
// 1e-6 relative), it returns δ/2, the half-width of the uniform noise
// that dequantizes the column; 0 for continuous columns. A constant
// column, whose density no continuous model can fit (it would shrink it
// forever), gets the median step of the gridded columns, if there are
// any.
func gridWidths(rows []float64, w, dim int) []float64 {
	n := len(rows) / w
	out := make([]float64, w)
	vals := make([]float64, n)
	var constant []int
	var steps []float64
	for j := range dim {
		for i := range n {
			vals[i] = rows[i*w+j]
		}
		slices.Sort(vals)
		distinct := slices.Compact(slices.Clone(vals))
		if len(distinct) == 1 {
			constant = append(constant, j)
			continue
		}
		if len(distinct) >= n/2 {
			continue
		}
		gap := math.Inf(1)
		for k := 1; k < len(distinct); k++ {
			gap = min(gap, distinct[k]-distinct[k-1])
		}
		onGrid := true
		for _, v := range distinct {
			q := (v - distinct[0]) / gap
			if math.Abs(q-math.Round(q)) > 1e-6*math.Max(1, math.Abs(q)) {
				onGrid = false
				break
			}
		}
		if onGrid {
			out[j] = gap / 2
			steps = append(steps, gap)
		}
	}
	if len(steps) > 0 {
		slices.Sort(steps)
		for _, j := range constant {
			out[j] = steps[len(steps)/2] / 2
		}
	}
	return out
}
