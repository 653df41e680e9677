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

// Whiten extends a per-column standardization to a full covariance of
// the first dim columns of rows (width w): W = diag(1/std)·L⁻ᵀ where
// L·Lᵀ = (1 − ρ)·R + ρ·I is the correlation matrix R of the training
// rows shrunk toward the identity by the oracle approximating shrinkage
// ρ (Shrinkage), so a flow at its identity starts as the Gaussian with
// that covariance. The shrinkage keeps a table of nearly collinear
// columns from getting a near-singular W: with R itself, held-out rows
// that leave the training rows' near-singular subspace cost thousands of
// nats each, under the flow and under the defensive Gaussian, which is
// this same W followed by N(0, I). Constant columns stay as they are. If
// the matrix is singular even after a small ridge, the per-column
// standardization is kept.
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
	var live []int // the columns that are not constant
	for j := range dim {
		if c.At(j, j) >= 1e-12 {
			live = append(live, j)
			continue
		}
		for k := range dim {
			c.SetSym(j, k, 0)
		}
		c.SetSym(j, j, 1)
	}
	shrink(&c, live, n)
	l, ok := cholesky(&c)
	if !ok {
		return
	}
	// W = diag(1/std)·L⁻ᵀ, WInv = Lᵀ·diag(std).
	var linv mat.TriDense
	if err := linv.InverseTri(l); err != nil {
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

// shrink replaces the block of c on the columns live, the sample
// covariance of n standardized rows, by (1 − ρ)·c + ρ·μ·I with μ the
// block's mean diagonal (1 for a correlation matrix) and ρ its
// Shrinkage. The other rows and columns (constant columns) are left as
// they are.
func shrink(c *mat.SymDense, live []int, n int) {
	p := len(live)
	tr, tr2 := 0.0, 0.0
	for _, j := range live {
		tr += c.At(j, j)
		for _, k := range live {
			tr2 += c.At(j, k) * c.At(j, k)
		}
	}
	rho := Shrinkage(tr, tr2, p, n)
	if rho == 0 {
		return
	}
	mu := tr / float64(p)
	for a, j := range live {
		for _, k := range live[a:] {
			v := (1 - rho) * c.At(j, k)
			if j == k {
				v += rho * mu
			}
			c.SetSym(j, k, v)
		}
	}
}

// Shrinkage is the oracle approximating shrinkage intensity ρ ∈ [0, 1]
// of Chen, Wiesel, Eldar and Hero (2010, eq. 23) for the p×p sample
// covariance S of n rows, given tr = tr(S) and tr2 = tr(S²):
//
//	ρ = min(1, ((1 − 2/p)·tr2 + tr²) / ((n + 1 − 2/p)·(tr2 − tr²/p)))
//
// the closed-form estimate, for Gaussian rows, of the weight of the
// target μ·I (μ = tr/p) that minimizes the expected squared (Frobenius)
// error of (1 − ρ)·S + ρ·μ·I. It is about p/n for strongly correlated
// columns and tends to 1 as S approaches μ·I (nothing then to estimate
// but noise). Below two columns it is 0: a 1×1 matrix is its own target.
func Shrinkage(tr, tr2 float64, p, n int) float64 {
	if p < 2 || n < 1 {
		return 0
	}
	fp, fn := float64(p), float64(n)
	den := (fn + 1 - 2/fp) * (tr2 - tr*tr/fp)
	if !(den > 0) {
		return 1
	}
	return math.Max(0, math.Min(1, ((1-2/fp)*tr2+tr*tr)/den))
}

// cholesky factors c = L·Lᵀ, with a ridge of up to 1e-6 added to the
// diagonal if c is singular, and reports whether it could.
func cholesky(c *mat.SymDense) (*mat.TriDense, bool) {
	dim := c.SymmetricDim()
	var chol mat.Cholesky
	for _, ridge := range []float64{0, 1e-10, 1e-8, 1e-6} {
		r := mat.NewSymDense(dim, nil)
		r.CopySym(c)
		for j := range dim {
			r.SetSym(j, j, r.At(j, j)+ridge)
		}
		if chol.Factorize(r) {
			var l mat.TriDense
			chol.LTo(&l)
			return &l, true
		}
	}
	return nil, false
}
