package plot

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// table is a row-major matrix of points.
type table struct {
	v   []float64
	dim int
}

func (t table) rows() int {
	if t.dim == 0 {
		return 0
	}
	return len(t.v) / t.dim
}
func (t table) at(i, j int) float64 { return t.v[i*t.dim+j] }
func (t table) row(i int) []float64 { return t.v[i*t.dim : (i+1)*t.dim] }

// column returns column j.
func (t table) column(j int) []float64 {
	out := make([]float64, t.rows())
	for i := range out {
		out[i] = t.at(i, j)
	}
	return out
}

// newTable checks that v holds whole rows of dim values.
func newTable(what string, v []float64, dim int) (table, error) {
	switch {
	case dim < 1:
		return table{}, fmt.Errorf("dim must be positive, got %d", dim)
	case len(v) == 0:
		return table{}, fmt.Errorf("no %s", what)
	case len(v)%dim != 0:
		return table{}, fmt.Errorf("%s has %s, not a whole number of rows of %d", what, plural(len(v), "value"), dim)
	}
	return table{v: v, dim: dim}, nil
}

// mustBeFinite names the first non-finite value of t.
func (t table) mustBeFinite(what string) error {
	for k, x := range t.v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s row %d, column %d is %v", what, k/t.dim+1, k%t.dim+1, x)
		}
	}
	return nil
}

// finite returns the rows of t whose values are all finite, and the
// number of rows dropped.
func (t table) finite() (table, int) {
	out := table{dim: t.dim}
	dropped := 0
	for i := range t.rows() {
		r := t.row(i)
		if slices.ContainsFunc(r, func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }) {
			dropped++
			continue
		}
		out.v = append(out.v, r...)
	}
	if dropped == 0 {
		return t, 0
	}
	return out, dropped
}

// subsample returns at most max rows of t, chosen at random with a fixed
// seed (so pictures are reproducible), in their original order.
func (t table) subsample(max int) table {
	n := t.rows()
	if n <= max {
		return t
	}
	rng := rand.New(rand.NewPCG(1, 2))
	keep := rng.Perm(n)[:max]
	slices.Sort(keep)
	out := table{dim: t.dim, v: make([]float64, 0, max*t.dim)}
	for _, i := range keep {
		out.v = append(out.v, t.row(i)...)
	}
	return out
}

// span is an axis range.
type span struct{ lo, hi float64 }

func (s span) contains(x float64) bool { return x >= s.lo && x <= s.hi }

// padded widens s by a fraction of its width on each side; a point range
// becomes a unit-wide one.
func (s span) padded(frac float64) span {
	w := s.hi - s.lo
	if w <= 1e-9*math.Max(math.Abs(s.lo), math.Abs(s.hi)) {
		w = math.Max(math.Abs(s.lo), 1) / 2
		return span{s.lo - w, s.hi + w}
	}
	return span{s.lo - frac*w, s.hi + frac*w}
}

// axisSpan is the range shown for one variable: all of the data, and the
// samples but for their 0.5% most extreme on each side (a poor model's
// wild draws should not shrink the data to a dot), padded by 4%.
func axisSpan(data, samples []float64) span {
	s := span{math.Inf(1), math.Inf(-1)}
	for _, x := range data {
		s.lo, s.hi = math.Min(s.lo, x), math.Max(s.hi, x)
	}
	if len(samples) > 0 {
		q := slices.Clone(samples)
		slices.Sort(q)
		s.lo = math.Min(s.lo, quantile(q, 0.005))
		s.hi = math.Max(s.hi, quantile(q, 0.995))
	}
	return s.padded(0.04)
}

// quantile of sorted values, by linear interpolation.
// plural renders a count with its noun: "1 value", "2 values", "3
// losses".
func plural(n int, noun string) string {
	switch {
	case n == 1:
		return "1 " + noun
	case strings.HasSuffix(noun, "s"):
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	f := pos - float64(i)
	return sorted[i]*(1-f) + sorted[i+1]*f
}

// count formats a number of points: "1 point", "2000 points".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
