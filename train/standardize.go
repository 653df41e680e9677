package train

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

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

// KeepAngles makes s leave the angle columns as they are (mean 0, std
// 1): a standardization would move them off [-π, π), where the circular
// layers and the uniform prior on the circle expect them.
func KeepAngles(s *compiler.Standardize, angles []int) {
	for _, a := range angles {
		if a >= 0 && a < len(s.Mean) {
			s.Mean[a], s.Std[a] = 0, 1
		}
	}
}

// Whiten extends a per-column standardization to a full covariance of
// the first dim columns of rows (width w): W = diag(1/std)·L⁻ᵀ where
// L·Lᵀ = (1 − ρ)·R + ρ·I is the correlation matrix R of the training
// rows shrunk toward the identity, so a flow at its identity starts as
// the Gaussian with that covariance. It returns ρ, chosen by
// CrossValidatedShrinkage. The shrinkage keeps a table of nearly
// collinear columns from getting a near-singular W: with R itself,
// held-out rows that leave the training rows' near-singular subspace
// cost thousands of nats each, under the flow and under the defensive
// Gaussian, which is this same W followed by N(0, I). Constant columns
// stay as they are. If the matrix is singular even after a small ridge,
// the per-column standardization is kept.
func Whiten(s *compiler.Standardize, rows []float64, w, dim int) (rho float64) {
	return WhitenExcept(s, rows, w, dim, nil)
}

// WhitenExcept is Whiten leaving the columns skip as they are (as it
// leaves constant columns): the angle columns, which the standardization
// must not move off the circle (compiler.Options.Angles), and which
// KeepAngles has given mean 0 and std 1.
func WhitenExcept(s *compiler.Standardize, rows []float64, w, dim int, skip []int) (rho float64) {
	n := len(rows) / w
	if dim < 2 || n < 2 {
		return 0
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
		if c.At(j, j) >= 1e-12 && !slices.Contains(skip, j) {
			live = append(live, j)
			continue
		}
		for k := range dim {
			c.SetSym(j, k, 0)
		}
		c.SetSym(j, j, 1)
	}
	rho = CrossValidatedShrinkage(z, &c, live)
	shrink(&c, live, rho)
	l, ok := cholesky(&c)
	if !ok {
		return rho
	}
	// W = diag(1/std)·L⁻ᵀ, WInv = Lᵀ·diag(std).
	var linv mat.TriDense
	if err := linv.InverseTri(l); err != nil {
		return rho
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
			return rho
		}
	}
	s.W, s.WInv, s.LogDetW = wm, wi, logdet
	return rho
}

// shrink replaces the block of c on the columns live, the sample
// covariance of standardized rows, by (1 − ρ)·c + ρ·μ·I with μ the
// block's mean diagonal (1 for a correlation matrix). The other rows
// and columns (constant columns) are left as they are.
func shrink(c *mat.SymDense, live []int, rho float64) {
	if rho == 0 || len(live) == 0 {
		return
	}
	mu := 0.0
	for _, j := range live {
		mu += c.At(j, j)
	}
	mu /= float64(len(live))
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

// OAS is the oracle approximating shrinkage intensity (Shrinkage) of
// the block of c on the columns live, for n rows.
func OAS(c *mat.SymDense, live []int, n int) float64 {
	tr, tr2 := 0.0, 0.0
	for _, j := range live {
		tr += c.At(j, j)
		for _, k := range live {
			tr2 += c.At(j, k) * c.At(j, k)
		}
	}
	return Shrinkage(tr, tr2, len(live), n)
}

// The cross-validated choice of ρ: shrinkFolds folds of the training
// rows, and an outlier test at family-wise level shrinkAlpha; above
// shrinkMaxDim non-constant columns, below shrinkMinRows rows, or when
// a fold's other rows are too few to fit p columns, the OAS intensity
// alone.
const (
	shrinkFolds   = 5
	shrinkMaxDim  = 256
	shrinkMinRows = 4 * shrinkFolds
	shrinkAlpha   = 0.05
)

// shrinkGrid is the candidate intensities besides OAS's: 0 and 10⁻⁸ to 1
// in steps of a quarter decade (those below OAS's are used).
var shrinkGrid = func() []float64 {
	g := []float64{0}
	for k := range 33 {
		g = append(g, math.Pow(10, -8+float64(k)/4))
	}
	return g
}()

// CrossValidatedShrinkage chooses the intensity ρ of Whiten's shrinkage
// of the correlation matrix toward the identity, between 0 and the OAS
// intensity ρ₀ of c, by the held-out likelihood of the Gaussian it
// defines. z holds the standardized training rows, c their covariance
// (1/n)·zᵀz and live the non-constant columns. The rows are split into
// shrinkFolds folds by row index (row i in fold i mod shrinkFolds: no
// randomness); for each fold, the mean, standard deviations and
// correlation matrix R of the other rows give, for each candidate ρ
// (ρ₀ and the values of shrinkGrid below it), the Gaussian with
// covariance diag(std)·((1 − ρ)·R + ρ·I)·diag(std), which scores the
// fold's rows. A candidate under which some held-out row is an outlier
// (foldScores) is out; of the others, the one with the highest total
// held-out log-density is returned, ρ₀ if there is none.
//
// Why not OAS alone: OAS minimizes the expected squared error of the
// covariance for Gaussian rows, which weighs the near-zero eigenvalues
// that decide the likelihood no more than the others. Where held-out
// rows stay in the training rows' near-singular subspace (columns that
// really are sums of others), ρ₀ ≈ p/n costs many nats per row — 13 on
// a 3000-row table whose near-zero eigenvalues are 10⁻⁵ — and the
// held-out likelihood picks ρ near 0. Where some held-out rows leave it
// (a slip in a sum), a small ρ costs those rows hundreds of nats: the
// total may still prefer it, but those rows are outliers, and the
// Gaussian is also the defensive fit whose job is to bound what a row
// the flow has not seen costs, so ρ goes up until none is. ρ₀ is the
// ceiling: more than it only buys robustness against rows that the
// outlier test did not see, at a cost the OAS estimate says is not
// worth it.
//
// With R = V·Λ·Vᵀ, (1 − ρ)·R + ρ·I = V·((1 − ρ)·Λ + ρ)·Vᵀ, so a fold
// needs one eigendecomposition and one projection of its rows, and a
// candidate then costs O(p) per row: in all O(n·p² + shrinkFolds·p³ +
// n·p·candidates) for p columns and n rows, a few times the cost of the
// whitening itself.
func CrossValidatedShrinkage(z *mat.Dense, c *mat.SymDense, live []int) float64 {
	n, _ := z.Dims()
	p := len(live)
	oas := OAS(c, live, n)
	if p < 2 || p > shrinkMaxDim || n < shrinkMinRows {
		return oas
	}
	if n-(n+shrinkFolds-1)/shrinkFolds <= p+1 {
		return oas // a fold's other rows cannot fit the Gaussian
	}
	cands := []float64{oas}
	for _, r := range shrinkGrid {
		if r < oas {
			cands = append(cands, r)
		}
	}
	ll := make([]float64, len(cands)) // the total held-out log-density
	out := make([]bool, len(cands))   // whether a held-out row is an outlier
	s1 := make([]float64, p)          // column sums of z
	for i := range n {
		for a, j := range live {
			s1[a] += z.At(i, j)
		}
	}
	for k := range shrinkFolds {
		foldScores(z, c, live, s1, k, cands, ll, out)
	}
	best := 0
	for i := range cands {
		if !out[i] && ll[i] > ll[best] {
			best = i
		}
	}
	return cands[best]
}

// foldScores adds to ll[i] the log-density of fold k's rows of z under
// the Gaussian fitted to the other rows with shrinkage cands[i] (-Inf
// where the shrunk matrix is not positive definite), and sets out[i] if
// one of the fold's rows is an outlier under it: its Mahalanobis
// distance q, as Hotelling's statistic q·(m − p)/(p·(m + 1)) for m
// fitting rows, is above the 1 − shrinkAlpha/n quantile of
// F(p, m − p), the distribution it has for Gaussian rows without
// shrinkage. s1 is the column sums of z on the columns live.
func foldScores(z *mat.Dense, c *mat.SymDense, live []int, s1 []float64, k int, cands, ll []float64, out []bool) {
	n, _ := z.Dims()
	p := len(live)
	nk := (n - k + shrinkFolds - 1) / shrinkFolds // rows k, k+K, …
	m := float64(n - nk)
	held := mat.NewDense(nk, p, nil)
	for r := range nk {
		for a, j := range live {
			held.Set(r, a, z.At(k+r*shrinkFolds, j))
		}
	}
	var f2 mat.SymDense
	f2.SymOuterK(1, held.T())
	mean, sd := make([]float64, p), make([]float64, p)
	for a := range p {
		mean[a] = s1[a]
		for r := range nk {
			mean[a] -= held.At(r, a)
		}
		mean[a] /= m
	}
	r := mat.NewSymDense(p, nil) // the other rows' correlation matrix
	for a, j := range live {
		for b := a; b < p; b++ {
			v := (float64(n)*c.At(j, live[b])-f2.At(a, b))/m - mean[a]*mean[b]
			r.SetSym(a, b, v)
		}
		sd[a] = math.Sqrt(r.At(a, a))
	}
	for a := range p {
		if !(sd[a] > 1e-6) { // constant in the other rows: left unscaled
			sd[a] = 1
			for b := range p {
				r.SetSym(a, b, 0)
			}
			r.SetSym(a, a, 1)
		}
	}
	for a := range p {
		for b := a; b < p; b++ {
			r.SetSym(a, b, r.At(a, b)/(sd[a]*sd[b]))
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(r, true) {
		for i := range cands {
			ll[i] = math.Inf(-1)
		}
		return
	}
	lam := eig.Values(nil)
	var v, y mat.Dense
	eig.VectorsTo(&v)
	for rr := range nk {
		for a := range p {
			held.Set(rr, a, (held.At(rr, a)-mean[a])/sd[a])
		}
	}
	y.Mul(held, &v)
	y2 := make([]float64, nk*p) // the squares of the rows' coordinates in V
	for rr := range nk {
		for a := range p {
			y2[rr*p+a] = y.At(rr, a) * y.At(rr, a)
		}
	}
	ldsd := 0.0
	for _, v := range sd {
		ldsd += math.Log(v)
	}
	fp := float64(p)
	limit := distuv.F{D1: fp, D2: m - fp}.Quantile(1-shrinkAlpha/float64(n)) * fp * (m + 1) / (m - fp)
	e := make([]float64, p)
	for i, rho := range cands {
		ld, ok := ldsd, true
		for a, l := range lam {
			e[a] = (1-rho)*l + rho
			ok = ok && e[a] > 0
			ld += math.Log(e[a]) / 2
		}
		if !ok {
			ll[i] = math.Inf(-1)
			continue
		}
		for rr := range nk {
			q := 0.0
			for a, v := range y2[rr*p : (rr+1)*p] {
				q += v / e[a]
			}
			ll[i] -= q/2 + ld + fp/2*math.Log(2*math.Pi)
			out[i] = out[i] || q > limit
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
