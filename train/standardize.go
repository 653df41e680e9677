package train

import (
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox/compiler"
)

// Standardization returns the per-column mean and population standard
// deviation of columns [lo, lo+dim) of rows of width w; a constant column
// gets std 1.
func Standardization(rows []float64, w, lo, dim int) *compiler.Standardize {
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

// Whiten extends a per-column standardization to the full covariance of
// the first dim columns of rows (width w): W = diag(1/std)·L⁻ᵀ where
// L·Lᵀ is the correlation matrix, so (x - mean)·W has identity covariance
// on the training rows and a flow at its identity starts as the
// full-covariance Gaussian fit. Constant columns stay as they are. If the
// correlation matrix is singular even after a small ridge, the
// per-column standardization is kept.
func Whiten(s *compiler.Standardize, rows []float64, w, dim int) {
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
