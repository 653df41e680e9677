package modelfile

import (
	"fmt"
	"math"
)

// A file's values are checked as its header is: a model with a NaN or an
// infinite parameter computes NaN, and a standardization whose parts
// disagree (W and its stated inverse, a log-determinant that is not W's,
// a deviation that is not positive) computes a density that does not
// integrate to 1, silently. Nothing nox trains is either, so both are
// refused, naming the parameter.

// Names of the format-3 fixed parameters that hold the standardization
// (they are the compiler's; a file fixes them, as it fixes every
// parameter's name).
const (
	stdMean      = "standardize.mean"
	stdW         = "standardize.w"
	stdWInv      = "standardize.winv"
	stdInv       = "standardize.inv"
	stdStd       = "standardize.std"
	stdLogdet    = "standardize.logdet"
	stdDefensive = "standardize.defensive_logc"
	ctxInv       = "standardize_context.inv"
)

// checkValues refuses non-finite values and, in format 3, fixed
// parameters that do not form a standardization. The table was checked
// against the values' count.
func (f *File) checkValues() error {
	fixed := map[string][]float64{}
	at := 0
	for _, p := range f.Header.Params {
		v := f.Values[at : at+p.Rows*p.Cols]
		at += len(v)
		for i, x := range v {
			if !finite(x) {
				return fmt.Errorf("bad parameter %.80q: its value [%d,%d] is %v (a model computes only with finite numbers)",
					p.Name, i/p.Cols, i%p.Cols, x)
			}
		}
		if p.Fixed {
			fixed[p.Name] = v
		}
	}
	if f.Version < 3 {
		return nil
	}
	// Only the layouts nox writes are checked here: any other is not
	// the flow's parameter table, which the loader checks next.
	s := &Standardization{Mean: fixed[stdMean]}
	d, logdet, inv := len(s.Mean), fixed[stdLogdet], fixed[stdInv]
	switch w, winv, std := fixed[stdW], fixed[stdWInv], fixed[stdStd]; {
	case d == 0 || len(logdet) != 1:
		return nil
	case len(w) == d*d && len(winv) == d*d:
		s.W, s.WInv = w, winv
	case len(inv) == d && len(std) == d:
		s.Std = std
		for j := range d {
			if !near(inv[j]*std[j], 1, 1e-9) {
				return fmt.Errorf("bad parameter %s: column %d's inverse deviation %v is not 1/%v", stdInv, j, inv[j], std[j])
			}
		}
	default:
		return nil
	}
	s.LogDetW = logdet[0]
	if err := s.consistent("standardization (standardize.*)"); err != nil {
		return err
	}
	if c, has := fixed[stdDefensive]; has {
		want := math.Log(f.Header.Defensive) + s.LogDetW
		if len(c) != 1 {
			return fmt.Errorf("bad parameter %s: want one value", stdDefensive)
		} else if !near(c[0], want, 1e-9) {
			return fmt.Errorf("bad parameter %s: %v, but log(defensive weight) + log-det is %v", stdDefensive, c[0], want)
		}
	}
	for j, v := range fixed[ctxInv] {
		if !(v > 0) {
			return fmt.Errorf("bad parameter %s: context column %d's inverse deviation is %v, not positive", ctxInv, j, v)
		}
	}
	return nil
}

// consistent checks a standardization's parts against each other: each
// deviation positive and, with a whitening, W·WInv = I and LogDetW =
// log|det W| to rounding; without one, LogDetW = −Σ log Std.
func (s *Standardization) consistent(what string) error {
	if err := s.positive(what); err != nil {
		return err
	}
	want := 0.0
	if s.W == nil {
		for _, v := range s.Std {
			want -= math.Log(v)
		}
	} else {
		d := len(s.Mean)
		if len(s.W) != d*d || len(s.WInv) != d*d {
			return fmt.Errorf("bad %s: the whitening matrix and its inverse must be %d×%d", what, d, d)
		}
		if d > maxDenseWhitening && !triangular(s.W, d) {
			// nox writes a triangular W; a dense one's log-det takes
			// O(d³) to check (20 s at d = 4000).
			return fmt.Errorf("bad %s: a whitening of %d columns that is not triangular (nox writes a triangular one; at most %d columns may be dense)", what, d, maxDenseWhitening)
		}
		if !inverses(s.W, s.WInv, d) {
			return fmt.Errorf("bad %s: the stored inverse of the whitening matrix W is not W⁻¹ (W·W⁻¹ ≠ I)", what)
		}
		want = logAbsDet(s.W, d)
	}
	if !near(s.LogDetW, want, 1e-6) {
		return fmt.Errorf("bad %s: its stored log-determinant %v is not the map's, %v", what, s.LogDetW, want)
	}
	return nil
}

// positive checks that every deviation is positive.
func (s *Standardization) positive(what string) error {
	for j, v := range s.Std {
		if !(v > 0) {
			return fmt.Errorf("bad %s: column %d's deviation is %v, not positive", what, j, v)
		}
	}
	return nil
}

// near reports whether a and b agree to tol, relative to their size
// (absolute below 1).
func near(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*max(1, math.Abs(a), math.Abs(b))
}

// inverses reports whether the d×d row-major matrices w and winv are
// inverses to rounding, in O(d²) rather than a product's O(d³): for
// fixed vectors v, W·(WInv·v) must be v up to the error that computing
// an inverse leaves, a small multiple of the unit roundoff times
// |W|·|WInv|·|v| in every component (Higham, Accuracy and Stability of
// Numerical Algorithms, §14). A wrong inverse misses that by orders of
// magnitude for all but a measure-zero set of v; the v used have
// irrational-looking entries of both signs.
func inverses(w, winv []float64, d int) bool {
	const tol = 1e-8
	u, a := make([]float64, d), make([]float64, d)
	for _, seed := range []float64{0.6180339887, 0.4142135623} {
		v := make([]float64, d)
		x := seed
		for j := range v {
			x = math.Mod(x*9.8696044011+0.7182818284, 1)
			v[j] = 2*x - 1
		}
		for i := range d {
			u[i], a[i] = 0, 0
			for j, m := range winv[i*d : (i+1)*d] {
				u[i] += m * v[j]
				a[i] += math.Abs(m * v[j])
			}
		}
		for i := range d {
			r, bound := -v[i], 0.0
			for j, m := range w[i*d : (i+1)*d] {
				r += m * u[j]
				bound += math.Abs(m) * a[j]
			}
			if !(math.Abs(r) <= tol*bound) {
				return false
			}
		}
	}
	return true
}

// maxDenseWhitening bounds the columns of a whitening matrix that is not
// triangular, whose log-det Decode checks by elimination, O(d³): 0.1 s
// at 512.
const maxDenseWhitening = 512

// triangular reports whether the d×d row-major a is upper or lower
// triangular.
func triangular(a []float64, d int) bool {
	upper, lower := true, true
	for i := range d {
		for j := range d {
			if a[i*d+j] != 0 {
				upper = upper && j >= i
				lower = lower && j <= i
			}
		}
	}
	return upper || lower
}

// logAbsDet is log|det A| of the d×d row-major a: the sum of the logs of
// the diagonal of a triangular a (the whitening nox computes is upper
// triangular), else by Gaussian elimination with partial pivoting on a
// copy, O(d³). −Inf for a singular a.
func logAbsDet(a []float64, d int) float64 {
	sum := 0.0
	if triangular(a, d) {
		for i := range d {
			sum += math.Log(math.Abs(a[i*d+i]))
		}
		return sum
	}
	m := append([]float64(nil), a...)
	for k := range d {
		p := k
		for i := k + 1; i < d; i++ {
			if math.Abs(m[i*d+k]) > math.Abs(m[p*d+k]) {
				p = i
			}
		}
		if m[p*d+k] == 0 {
			return math.Inf(-1)
		}
		if p != k {
			for j := range d {
				m[k*d+j], m[p*d+j] = m[p*d+j], m[k*d+j]
			}
		}
		piv := m[k*d+k]
		sum += math.Log(math.Abs(piv))
		for i := k + 1; i < d; i++ {
			f := m[i*d+k] / piv
			if f == 0 {
				continue
			}
			row, top := m[i*d+k+1:(i+1)*d], m[k*d+k+1:(k+1)*d]
			for j := range row {
				row[j] -= f * top[j]
			}
		}
	}
	return sum
}
