package compiler_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/runtime"
)

// The values of lowered target densities, each against an independent Go
// computation (package math, gonum's distuv): every function and
// distribution a body may call, over vectors (a distribution of a vector
// sums its elements' log-densities), with scalar parameters broadcast,
// with parameters that depend on z, and outside the support of bounded
// distributions (−Inf, never NaN).

// targetCase is one density: its body over z of dim elements, the points
// it is evaluated at, and log p̃ computed in Go. smooth marks the points
// where the log-density is differentiable (finite, off any kink), which
// the gradient test checks.
type targetCase struct {
	name   string
	dim    int
	body   string
	points [][]float64
	want   func(z []float64) float64
	smooth []bool
	// noGrad skips the gradient test: log p̃ is −Inf at every point and
	// its gradient NaN (the fitting loop stops at a loss that is not
	// finite, so no step uses it).
	noGrad bool
}

func lp(d interface{ LogProb(float64) float64 }, xs ...float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += d.LogProb(x)
	}
	return s
}

func sumf(z []float64, f func(float64) float64) float64 {
	s := 0.0
	for _, x := range z {
		s += f(x)
	}
	return s
}

func lgam(x float64) float64 { v, _ := math.Lgamma(x); return v }

func softplus(x float64) float64 { return math.Log1p(math.Exp(x)) }

// logisticLogProb is written out: distuv.Logistic.LogProb (gonum 0.17)
// ignores its location and scale.
func logisticLogProb(x, mu, s float64) float64 {
	u := math.Abs((x - mu) / s)
	return -u - math.Log(s) - 2*math.Log1p(math.Exp(-u))
}

// inside restricts a log-density to the open interval (lo, hi), the
// support the distributions document (x > 0 for exponential_lpdf too).
func inside(lo, hi float64, f func(z []float64) float64) func(z []float64) float64 {
	return func(z []float64) float64 {
		for _, x := range z {
			if !(x > lo && x < hi) {
				return math.Inf(-1)
			}
		}
		return f(z)
	}
}

func cauchyLogProb(x, mu, s float64) float64 {
	u := (x - mu) / s
	return -math.Log(math.Pi) - math.Log(s) - math.Log1p(u*u)
}

// general points: mixed signs, no two coordinates equal, none on a kink.
var genPoints = [][]float64{{0.3, -1.2, 2.1}, {-0.7, 0.45, -0.05}, {1.9, 0.8, -2.6}}

// positive points, for functions and distributions on (0, ∞).
var posPoints = [][]float64{{0.3, 1.2, 2.1}, {0.7, 0.45, 3.5}, {1.9, 0.05, 0.8}}

// unit points, in (0, 1).
var unitPoints = [][]float64{{0.3, 0.62, 0.11}, {0.7, 0.45, 0.93}, {0.05, 0.5, 0.8}}

func elementwiseCase(name string, f func(float64) float64, pts [][]float64) targetCase {
	return targetCase{name: name, dim: 3, body: fmt.Sprintf("sum(%s(z)) + 0.5 * %s(z[0])", name, name), points: pts,
		want: func(z []float64) float64 { return sumf(z, f) + 0.5*f(z[0]) }}
}

func functionCases() []targetCase {
	return []targetCase{
		elementwiseCase("exp", math.Exp, genPoints),
		elementwiseCase("log", math.Log, posPoints),
		elementwiseCase("sqrt", math.Sqrt, posPoints),
		elementwiseCase("abs", math.Abs, genPoints),
		elementwiseCase("sin", math.Sin, genPoints),
		elementwiseCase("cos", math.Cos, genPoints),
		elementwiseCase("tanh", math.Tanh, genPoints),
		elementwiseCase("sigmoid", func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, genPoints),
		elementwiseCase("softplus", softplus, genPoints),
		elementwiseCase("log1p", math.Log1p, posPoints),
		elementwiseCase("expm1", math.Expm1, genPoints),
		elementwiseCase("lgamma", lgam, posPoints),
		elementwiseCase("relu", func(x float64) float64 { return math.Max(x, 0) }, genPoints),
		{name: "max", dim: 3, body: "sum(max(z, z[2])) + max(z[0], 0.1)", points: genPoints,
			want: func(z []float64) float64 {
				return sumf(z, func(x float64) float64 { return math.Max(x, z[2]) }) + math.Max(z[0], 0.1)
			}},
		{name: "min", dim: 3, body: "sum(min(z, 0.2)) - min(z[1], z[0])", points: genPoints,
			want: func(z []float64) float64 {
				return sumf(z, func(x float64) float64 { return math.Min(x, 0.2) }) - math.Min(z[1], z[0])
			}},
		{name: "mean", dim: 3, body: "mean(z * z)", points: genPoints,
			want: func(z []float64) float64 { return sumf(z, func(x float64) float64 { return x * x }) / 3 }},
		{name: "norm", dim: 3, body: "norm(z - 1)", points: genPoints,
			want: func(z []float64) float64 {
				return math.Sqrt(sumf(z, func(x float64) float64 { return (x - 1) * (x - 1) }))
			}},
		{name: "dot", dim: 3, body: "dot(z, exp(z)) + dot(z[0:2], z[1:])", points: genPoints,
			want: func(z []float64) float64 {
				return z[0]*math.Exp(z[0]) + z[1]*math.Exp(z[1]) + z[2]*math.Exp(z[2]) + z[0]*z[1] + z[1]*z[2]
			}},
		{name: "logsumexp_vector", dim: 3, body: "logsumexp(2 * z)", points: append(genPoints, []float64{400, 399, -1}),
			want: func(z []float64) float64 {
				m := 2 * math.Max(z[0], math.Max(z[1], z[2]))
				return m + math.Log(sumf(z, func(x float64) float64 { return math.Exp(2*x - m) }))
			}},
		{name: "logsumexp_scalars", dim: 3, body: "logsumexp(z[0], -z[1], 0.25)", points: genPoints,
			want: func(z []float64) float64 {
				return math.Log(math.Exp(z[0]) + math.Exp(-z[1]) + math.Exp(0.25))
			}},
		{name: "arith", dim: 3, body: "-0.5 * (z[0] - 2)^2 / 4 + z[-1]^3 - z[1:][0] * -z[0] + 2^-1 * sum(z[:2]) + pi", points: genPoints,
			want: func(z []float64) float64 {
				return -0.5*(z[0]-2)*(z[0]-2)/4 + z[2]*z[2]*z[2] - z[1]*-z[0] + 0.5*(z[0]+z[1]) + math.Pi
			}},
		{name: "power", dim: 3, body: "sum(z^2) + z[1]^-1 + z[0]^0.5 + sum(1 / z)", points: posPoints,
			want: func(z []float64) float64 {
				return sumf(z, func(x float64) float64 { return x*x + 1/x }) + 1/z[1] + math.Sqrt(z[0])
			}},
	}
}

// lseMinusInf is the log-density of the logsumexp cases: a logsumexp of
// two gamma log-densities, −Inf where z[0] or z[1] is outside (0, ∞).
func lseMinusInf(z []float64) float64 {
	g := distuv.Gamma{Alpha: 2, Beta: 1}
	a, b := math.Inf(-1), math.Inf(-1)
	if z[0] > 0 {
		a = g.LogProb(z[0])
	}
	if z[1] > 0 {
		b = g.LogProb(z[1])
	}
	return math.Log(math.Exp(a)+math.Exp(b)) - z[2] + math.Log(3)
}

func distributionCases() []targetCase {
	all := [][]float64{{0.3, -1.2, 2.1}, {1.9, 0.8, -2.6}}
	// points of a bounded distribution: inside, then outside (last).
	posOut := [][]float64{{0.3, 1.2, 2.1}, {1.9, 0.05, 0.8}, {0.3, -1.2, 2.1}, {0, 1, 2}}
	unitOut := [][]float64{{0.3, 0.62, 0.11}, {0.05, 0.5, 0.8}, {0.3, 1.2, 0.5}, {-0.1, 0.5, 0.5}, {1, 0.5, 0.5}}
	in := []bool{true, true, false, false, false}
	return []targetCase{
		{name: "normal", dim: 3, body: "normal_lpdf(z, 1, 2)", points: all,
			want: func(z []float64) float64 { return lp(distuv.Normal{Mu: 1, Sigma: 2}, z...) }},
		{name: "normal_z_params", dim: 3, body: "normal_lpdf(z[1:], z[0], exp(z[0] / 2))", points: all,
			want: func(z []float64) float64 {
				return lp(distuv.Normal{Mu: z[0], Sigma: math.Exp(z[0] / 2)}, z[1:]...)
			}},
		{name: "normal_vector_params", dim: 3, body: "normal_lpdf(0.5, z, 1.5) + normal_lpdf(z[0:2], z[1:], 2)", points: all,
			want: func(z []float64) float64 {
				s := 0.0
				for _, m := range z {
					s += distuv.Normal{Mu: m, Sigma: 1.5}.LogProb(0.5)
				}
				return s + distuv.Normal{Mu: z[1], Sigma: 2}.LogProb(z[0]) + distuv.Normal{Mu: z[2], Sigma: 2}.LogProb(z[1])
			}},
		{name: "student_t", dim: 3, body: "student_t_lpdf(z, 3.5, -0.5, 1.5)", points: all,
			want: func(z []float64) float64 { return lp(distuv.StudentsT{Mu: -0.5, Sigma: 1.5, Nu: 3.5}, z...) }},
		{name: "student_t_z_nu", dim: 3, body: "student_t_lpdf(z[1], exp(z[0]) + 1, z[2], 2)", points: all,
			want: func(z []float64) float64 {
				return distuv.StudentsT{Mu: z[2], Sigma: 2, Nu: math.Exp(z[0]) + 1}.LogProb(z[1])
			}},
		{name: "cauchy", dim: 3, body: "cauchy_lpdf(z, 0.5, 2) + cauchy_lpdf(z[0], z[1], exp(z[2]))", points: all,
			want: func(z []float64) float64 {
				return sumf(z, func(x float64) float64 { return cauchyLogProb(x, 0.5, 2) }) + cauchyLogProb(z[0], z[1], math.Exp(z[2]))
			}},
		{name: "laplace", dim: 3, body: "laplace_lpdf(z, 0.5, 2) + laplace_lpdf(z[0], z[1], exp(z[2]))", points: all,
			want: func(z []float64) float64 {
				return lp(distuv.Laplace{Mu: 0.5, Scale: 2}, z...) + distuv.Laplace{Mu: z[1], Scale: math.Exp(z[2])}.LogProb(z[0])
			}},
		{name: "logistic", dim: 3, body: "logistic_lpdf(z, 0.5, 2) + logistic_lpdf(z[0], z[1], exp(z[2]))", points: append(all, []float64{300, -1, 0}, []float64{-300, 1, 0}),
			want: func(z []float64) float64 {
				return sumf(z, func(x float64) float64 { return logisticLogProb(x, 0.5, 2) }) + logisticLogProb(z[0], z[1], math.Exp(z[2]))
			}},
		{name: "gamma", dim: 3, body: "gamma_lpdf(z, 2.5, 1.5)", points: posOut, smooth: in,
			want: inside(0, math.Inf(1), func(z []float64) float64 { return lp(distuv.Gamma{Alpha: 2.5, Beta: 1.5}, z...) })},
		{name: "gamma_z_params", dim: 3, body: "gamma_lpdf(z[0], z[1] + 1, z[2])", points: posOut[:2],
			want: func(z []float64) float64 { return distuv.Gamma{Alpha: z[1] + 1, Beta: z[2]}.LogProb(z[0]) }},
		{name: "exponential", dim: 3, body: "exponential_lpdf(z, 1.5)", points: posOut, smooth: in,
			want: inside(0, math.Inf(1), func(z []float64) float64 { return lp(distuv.Exponential{Rate: 1.5}, z...) })},
		{name: "exponential_z_rate", dim: 3, body: "exponential_lpdf(z[0:2], z[2])", points: posOut[:2],
			want: func(z []float64) float64 { return lp(distuv.Exponential{Rate: z[2]}, z[0:2]...) }},
		{name: "lognormal", dim: 3, body: "lognormal_lpdf(z, 0.2, 0.7)", points: posOut, smooth: in,
			want: inside(0, math.Inf(1), func(z []float64) float64 { return lp(distuv.LogNormal{Mu: 0.2, Sigma: 0.7}, z...) })},
		{name: "lognormal_z_params", dim: 3, body: "lognormal_lpdf(z[0], z[1], z[2])", points: posOut[:2],
			want: func(z []float64) float64 { return distuv.LogNormal{Mu: z[1], Sigma: z[2]}.LogProb(z[0]) }},
		{name: "beta", dim: 3, body: "beta_lpdf(z, 2.5, 1.5)", points: unitOut, smooth: in,
			want: inside(0, 1, func(z []float64) float64 { return lp(distuv.Beta{Alpha: 2.5, Beta: 1.5}, z...) })},
		{name: "beta_z_params", dim: 3, body: "beta_lpdf(z[0], 1 + z[1], 1 + z[2])", points: unitOut[:2],
			want: func(z []float64) float64 { return distuv.Beta{Alpha: 1 + z[1], Beta: 1 + z[2]}.LogProb(z[0]) }},
		{name: "bernoulli_logit", dim: 3, body: "bernoulli_logit_lpmf(1, z) + bernoulli_logit_lpmf(0, 2 * z[0])", points: append(all, []float64{40, -40, 0}),
			want: func(z []float64) float64 {
				return sumf(z, func(x float64) float64 { return x - softplus(x) }) - softplus(2*z[0])
			}},
		{name: "logsumexp_of_minus_inf", dim: 3, body: "logsumexp(gamma_lpdf(z[0], 2, 1), gamma_lpdf(z[1], 2, 1)) + logsumexp(-z[2] + 0 * z)",
			points: [][]float64{{0.5, 1.5, 0.2}, {-1, 1.5, 0.2}}, want: lseMinusInf},
		{name: "logsumexp_all_minus_inf", dim: 3, body: "logsumexp(gamma_lpdf(z[0], 2, 1), gamma_lpdf(z[1], 2, 1)) + logsumexp(-z[2] + 0 * z)",
			points: [][]float64{{-1, -2, 0.2}, {-1, 0, 0.2}}, noGrad: true, want: lseMinusInf},
		{name: "out_of_support_constant", dim: 3, body: "gamma_lpdf(-1, 2, 1) + z[0]", points: all,
			want: func(z []float64) float64 { return math.Inf(-1) }, smooth: []bool{false, false}},
	}
}

// checkDensity checks a program holding one density and returns it; files
// are its data, CSV text by name.
func checkDensity(t *testing.T, src string, files map[string]string) *compiler.Target {
	t.Helper()
	prog := checkProgram(t, src, files)
	if len(prog.Targets) != 1 {
		t.Fatalf("%s: %d targets", src, len(prog.Targets))
	}
	return prog.Targets[0]
}

// dataRows adds a fixed parameter per data set of tg holding its first m
// rows (all of them if m is 0) and returns their sources.
func dataRows(table *[]ir.Param, tg *compiler.Target, m int) map[*compiler.Data]compiler.RowSource {
	rows := map[*compiler.Data]compiler.RowSource{}
	for _, d := range tg.Data {
		n, cols := d.Table.Rows, d.Table.Cols
		k := n
		if m > 0 && m < n {
			k = m
		}
		p := ir.AddParam(table, ir.Param{Name: "data:" + d.Name, Shape: ir.Shape{Rows: k, Cols: cols},
			Init: ir.Init{Kind: ir.InitData, Data: d.Table.Values[:k*cols]}, State: true, Fixed: true})
		rows[d] = compiler.RowSource{Param: p, N: n, M: k}
	}
	return rows
}

// evalDensity lowers tg for a batch of points and runs it in float64; m
// is the minibatch of data rows (0: all).
func evalDensity(t *testing.T, tg *compiler.Target, points [][]float64, m int) []float64 {
	t.Helper()
	var table []ir.Param
	rows := dataRows(&table, tg, m)
	b := ir.NewBuilder("target", &table)
	x := b.Input("x", tg.Dim)
	b.Output("logp", tg.Emit(b, x, rows))
	p := b.Program()
	ps := runtime.NewParams(table)
	ps.Init(rand.New(rand.NewPCG(1, 2)))
	e := runtime.New(p, ps, len(points), nil)
	in := e.Input(0)
	for i, z := range points {
		copy(in[i*tg.Dim:], z)
	}
	e.Run()
	return append([]float64(nil), e.Output("logp")[:len(points)]...)
}

// close reports whether got matches want to a relative tolerance, −Inf
// matching −Inf only.
func closeTo(got, want, tol float64) bool {
	if math.IsInf(want, 0) || math.IsInf(got, 0) {
		return got == want
	}
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

func TestTargetValues(t *testing.T) {
	for _, c := range append(functionCases(), distributionCases()...) {
		if c.points == nil {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			tg := checkDensity(t, fmt.Sprintf("density T(z: %d) = %s\n", c.dim, c.body), nil)
			got := evalDensity(t, tg, c.points, 0)
			for i, z := range c.points {
				want := c.want(z)
				if math.IsNaN(got[i]) || !closeTo(got[i], want, 1e-9) {
					t.Errorf("%s at %v = %v, want %v", c.body, z, got[i], want)
				}
			}
		})
	}
}

// dataCSV is the data set of the sums over rows: 5 rows of (a, b, y),
// b > 0 and y in {0, 1}.
const dataCSV = "0.5,1.2,1\n-1.1,0.3,0\n2.0,0.8,1\n0.1,2.5,0\n-0.4,0.6,1\n"

// rowsOf reads dataCSV's first m rows.
func rowsOf(m int) [][]float64 {
	var out [][]float64
	for _, line := range strings.Split(strings.TrimSpace(dataCSV), "\n")[:m] {
		var r [3]float64
		fmt.Sscanf(line, "%g,%g,%g", &r[0], &r[1], &r[2])
		out = append(out, r[:])
	}
	return out
}

// sumCase is a density with sums over rows; want is log p̃ with each sum
// over rows of rows, scaled by scale (N/M).
type sumCase struct {
	name string
	body string
	want func(z []float64, rows [][]float64, scale float64) float64
}

func sumRowsOf(rows [][]float64, scale float64, f func(r []float64) float64) float64 {
	s := 0.0
	for _, r := range rows {
		s += f(r)
	}
	return scale * s
}

func sumCases() []sumCase {
	norm := distuv.Normal{Mu: 0, Sigma: 1}
	return []sumCase{
		{"regression", "sum(r in data: normal_lpdf(r[0], dot(z, r[1:]), 1)) + normal_lpdf(z, 0, 1)",
			func(z []float64, rows [][]float64, s float64) float64 {
				return sumRowsOf(rows, s, func(r []float64) float64 {
					return distuv.Normal{Mu: z[0]*r[1] + z[1]*r[2], Sigma: 1}.LogProb(r[0])
				}) + lp(norm, z...)
			}},
		{"mixed_and_row", "sum(r in data: r[0] * z[0] + r[1]^2 - z[1] / r[1])",
			func(z []float64, rows [][]float64, s float64) float64 {
				return sumRowsOf(rows, s, func(r []float64) float64 { return r[0]*z[0] + r[1]*r[1] - z[1]/r[1] })
			}},
		{"row_only_term", "sum(r in data: r[1]) * z[1] + sum(r in data: 2) - z[0]^2",
			func(z []float64, rows [][]float64, s float64) float64 {
				return sumRowsOf(rows, s, func(r []float64) float64 { return r[1] })*z[1] + 10 - z[0]*z[0]
			}},
		{"sample_term", "sum(r in data: z[0]^2 - z[1])",
			func(z []float64, rows [][]float64, s float64) float64 { return 5 * (z[0]*z[0] - z[1]) }},
		{"logistic_regression", "sum(r in data: bernoulli_logit_lpmf(r[2], z[0] + z[1] * r[0])) - 0.5 * dot(z, z)",
			func(z []float64, rows [][]float64, s float64) float64 {
				return sumRowsOf(rows, s, func(r []float64) float64 {
					eta := z[0] + z[1]*r[0]
					return r[2]*eta - softplus(eta)
				}) - 0.5*(z[0]*z[0]+z[1]*z[1])
			}},
		{"gamma_of_rows", "sum(r in data: gamma_lpdf(r[1], exp(z[0]), exp(z[1])))",
			func(z []float64, rows [][]float64, s float64) float64 {
				return sumRowsOf(rows, s, func(r []float64) float64 {
					return distuv.Gamma{Alpha: math.Exp(z[0]), Beta: math.Exp(z[1])}.LogProb(r[1])
				})
			}},
		{"row_functions", "sum(r in data: norm(r) * z[0] + mean(r) - max(r[0], z[1]) + min(z[0], r[1] + 0.05) + logsumexp(r) * exp(r[0] - z[0]) + dot(r[0:2], r[1:]) * z[1])",
			func(z []float64, rows [][]float64, s float64) float64 {
				return sumRowsOf(rows, s, func(r []float64) float64 {
					nr := math.Sqrt(r[0]*r[0] + r[1]*r[1] + r[2]*r[2])
					lse := math.Log(math.Exp(r[0]) + math.Exp(r[1]) + math.Exp(r[2]))
					return nr*z[0] + (r[0]+r[1]+r[2])/3 - math.Max(r[0], z[1]) + math.Min(z[0], r[1]+0.05) +
						lse*math.Exp(r[0]-z[0]) + (r[0]*r[1]+r[1]*r[2])*z[1]
				})
			}},
		{"logsumexp_mixed", "sum(r in data: logsumexp(dot(z, r[0:2]), r[2] - z[0]))",
			func(z []float64, rows [][]float64, s float64) float64 {
				return sumRowsOf(rows, s, func(r []float64) float64 {
					return math.Log(math.Exp(z[0]*r[0]+z[1]*r[1]) + math.Exp(r[2]-z[0]))
				})
			}},
		// The operand that needs broadcasting first and second: a [1,1] sum of
		// row terms against samples, a row scalar against samples and mixed
		// values, with - and / (not commutative).
		{"sample_minus_rowsum", "z[0] - sum(r in data: r[1])", func(z []float64, rows [][]float64, s float64) float64 {
			return z[0] - sumRowsOf(rows, s, func(r []float64) float64 { return r[1] })
		}},
		{"rowsum_minus_sample", "sum(r in data: r[1]) - z[0]", func(z []float64, rows [][]float64, s float64) float64 {
			return sumRowsOf(rows, s, func(r []float64) float64 { return r[1] }) - z[0]
		}},
		{"rowsum_div_sample", "sum(r in data: r[1]) / z[0]", func(z []float64, rows [][]float64, s float64) float64 {
			return sumRowsOf(rows, s, func(r []float64) float64 { return r[1] }) / z[0]
		}},
		{"vector_div_rowsum", "sum(z / sum(r in data: r[1]))", func(z []float64, rows [][]float64, s float64) float64 {
			q := sumRowsOf(rows, s, func(r []float64) float64 { return r[1] })
			return z[0]/q + z[1]/q
		}},
		{"rowsum_minus_vector", "sum(sum(r in data: r[1]) - z)", func(z []float64, rows [][]float64, s float64) float64 {
			q := sumRowsOf(rows, s, func(r []float64) float64 { return r[1] })
			return 2*q - z[0] - z[1]
		}},
		{"rowsum_times_vector", "dot(sum(r in data: r[1]) * z, z)", func(z []float64, rows [][]float64, s float64) float64 {
			q := sumRowsOf(rows, s, func(r []float64) float64 { return r[1] })
			return q * (z[0]*z[0] + z[1]*z[1])
		}},
		{"row_minus_sample", "sum(r in data: r[0] - z[0])", func(z []float64, rows [][]float64, s float64) float64 {
			return sumRowsOf(rows, s, func(r []float64) float64 { return r[0] - z[0] })
		}},
		{"row_div_sample", "sum(r in data: r[1] / z[0])", func(z []float64, rows [][]float64, s float64) float64 {
			return sumRowsOf(rows, s, func(r []float64) float64 { return r[1] / z[0] })
		}},
		{"row_minus_mixed", "sum(r in data: r[2] - dot(z, r[0:2]))", func(z []float64, rows [][]float64, s float64) float64 {
			return sumRowsOf(rows, s, func(r []float64) float64 { return r[2] - z[0]*r[0] - z[1]*r[1] })
		}},
		{"row_div_mixed", "sum(r in data: r[1] / (1 + dot(z, r[0:2])^2))", func(z []float64, rows [][]float64, s float64) float64 {
			return sumRowsOf(rows, s, func(r []float64) float64 { d := z[0]*r[0] + z[1]*r[1]; return r[1] / (1 + d*d) })
		}},
		{"mixed_div_row", "sum(r in data: dot(z, r[0:2]) / r[1])", func(z []float64, rows [][]float64, s float64) float64 {
			return sumRowsOf(rows, s, func(r []float64) float64 { return (z[0]*r[0] + z[1]*r[1]) / r[1] })
		}},
		{"sample_minus_mixed", "sum(r in data: z[0] * z[1] - dot(z, r[0:2]))", func(z []float64, rows [][]float64, s float64) float64 {
			return sumRowsOf(rows, s, func(r []float64) float64 { return z[0]*z[1] - z[0]*r[0] - z[1]*r[1] })
		}},
		{"mixed_minus_sample", "sum(r in data: dot(z, r[0:2]) - z[1])", func(z []float64, rows [][]float64, s float64) float64 {
			return sumRowsOf(rows, s, func(r []float64) float64 { return z[0]*r[0] + z[1]*r[1] - z[1] })
		}},
		{"rowreduce_minus_sample", "sum(r in data: sum(r) - z[0])", func(z []float64, rows [][]float64, s float64) float64 {
			return sumRowsOf(rows, s, func(r []float64) float64 { return r[0] + r[1] + r[2] - z[0] })
		}},
		{"normal_row_scale", "sum(r in data: normal_lpdf(r[0], z[0], r[1]))", func(z []float64, rows [][]float64, s float64) float64 {
			return sumRowsOf(rows, s, func(r []float64) float64 {
				u := (r[0] - z[0]) / r[1]
				return -0.5*u*u - math.Log(r[1]) - 0.5*math.Log(2*math.Pi)
			})
		}},
		{"normal_vector_rowsum_mean", "normal_lpdf(z, sum(r in data: r[0]), 1)", func(z []float64, rows [][]float64, s float64) float64 {
			q := sumRowsOf(rows, s, func(r []float64) float64 { return r[0] })
			return -0.5*((z[0]-q)*(z[0]-q)+(z[1]-q)*(z[1]-q)) - math.Log(2*math.Pi)
		}},
		{"logsumexp_vector_minus_rowsum", "logsumexp(z - sum(r in data: r[1]))", func(z []float64, rows [][]float64, s float64) float64 {
			q := sumRowsOf(rows, s, func(r []float64) float64 { return r[1] })
			return math.Log(math.Exp(z[0]-q) + math.Exp(z[1]-q))
		}},
	}
}

var sumPoints = [][]float64{{0.3, -0.8}, {-1.1, 0.4}, {0.05, 1.3}}

// TestTargetSumRows checks sums over a data set's rows against Go loops,
// over every row and over a minibatch of M < N rows scaled by N/M.
func TestTargetSumRows(t *testing.T) {
	for _, c := range sumCases() {
		for _, m := range []int{0, 2} {
			t.Run(fmt.Sprintf("%s/M=%d", c.name, m), func(t *testing.T) {
				src := "data = csv(\"d.csv\")\ndensity T(z: 2) = " + c.body + "\n"
				tg := checkDensity(t, src, map[string]string{"d.csv": dataCSV})
				got := evalDensity(t, tg, sumPoints, m)
				rows, scale := rowsOf(5), 1.0
				if m > 0 {
					rows, scale = rowsOf(m), 5/float64(m)
				}
				for i, z := range sumPoints {
					if want := c.want(z, rows, scale); !closeTo(got[i], want, 1e-9) {
						t.Errorf("%s at %v = %v, want %v", c.body, z, got[i], want)
					}
				}
			})
		}
	}
}

// TestTargetSupportInSums: a bounded distribution's log-density is −Inf
// outside its support whatever x depends on: the variable and a data
// row together (x mixed), or the row alone (a data value outside the
// support makes the density −Inf at every z).
func TestTargetSupportInSums(t *testing.T) {
	cases := []struct {
		name, body string
		z          []float64
		finite     bool
	}{
		{"mixed inside", "sum(r in data: gamma_lpdf(z[0] * r[1], 2, 1))", []float64{0.5, 0}, true},
		{"mixed outside", "sum(r in data: gamma_lpdf(z[0] * r[1], 2, 1))", []float64{-0.5, 0}, false},
		{"mixed beta outside", "sum(r in data: beta_lpdf(z[0] + r[1], 2, 2)) + z[1]", []float64{0.5, 0}, false},
		{"row inside", "sum(r in data: exponential_lpdf(r[1], exp(z[0])))", []float64{0.5, 0}, true},
		{"row outside", "sum(r in data: exponential_lpdf(r[0], exp(z[0])))", []float64{0.5, 0}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tg := checkDensity(t, "data = csv(\"d.csv\")\ndensity T(z: 2) = "+c.body+"\n", map[string]string{"d.csv": dataCSV})
			got := evalDensity(t, tg, [][]float64{c.z}, 0)[0]
			if math.IsNaN(got) || math.IsInf(got, 0) == c.finite || math.IsInf(got, 1) {
				want := "−Inf"
				if c.finite {
					want = "finite"
				}
				t.Errorf("%s at %v = %v, want %s", c.body, c.z, got, want)
			}
		})
	}
}

// TestTargetValuesFloat32: fit runs in float32 on request (dtype); there
// the densities agree with float64 to float32's precision, and outside a
// support they are −Inf, not NaN (the clamp's bounds are float32's).
func TestTargetValuesFloat32(t *testing.T) {
	for _, c := range append(functionCases(), distributionCases()...) {
		t.Run(c.name, func(t *testing.T) {
			tg := checkDensity(t, fmt.Sprintf("density T(z: %d) = %s\n", c.dim, c.body), nil)
			want := evalDensity(t, tg, c.points, 0)
			var table []ir.Param
			b := ir.NewBuilder("target32", &table)
			b.Output("logp", tg.Emit(b, b.Input("x", tg.Dim), nil))
			ps := runtime.NewParams(table)
			e := runtime.NewExec[float32](b.Program(), ps, len(c.points), nil)
			for i, z := range c.points {
				for j, v := range z {
					e.Input(0)[i*tg.Dim+j] = float32(v)
				}
			}
			e.Run()
			for i, z := range c.points {
				got := float64(e.Output("logp")[i])
				if math.IsNaN(got) || !closeTo(got, want[i], 2e-4) && !(math.Abs(want[i]) > 1e30 && math.IsInf(got, 0)) {
					t.Errorf("%s at %v: float32 %v, float64 %v", c.body, z, got, want[i])
				}
			}
		})
	}
}

// TestTargetConstants: a body reads top-level numbers by name (folded at
// check time, kept for lowering), in its dimension too.
func TestTargetConstants(t *testing.T) {
	src := "d = 2\nm = -0.5\ns = 1.5\ndensity T(z: d + 1) = normal_lpdf(z, m, s * 2) + pi * z[0]\n"
	tg := checkDensity(t, src, nil)
	if tg.Dim != 3 {
		t.Fatalf("dimension %d, want 3", tg.Dim)
	}
	z := []float64{0.3, -1.2, 2.1}
	got := evalDensity(t, tg, [][]float64{z}, 0)[0]
	if want := lp(distuv.Normal{Mu: -0.5, Sigma: 3}, z...) + math.Pi*z[0]; !closeTo(got, want, 1e-12) {
		t.Errorf("%s at %v = %v, want %v", src, z, got, want)
	}
}

// checkProgram parses and checks src, its data files given as CSV text
// by name, failing the test at a diagnostic.
func checkProgram(t *testing.T, src string, files map[string]string) *compiler.Program {
	t.Helper()
	f, err := lang.Parse("t.nox", []byte(src))
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	prog, err := compiler.Check(f, func(path string) (*dataset.Table, error) {
		body, ok := files[path]
		if !ok {
			return nil, fmt.Errorf("no file %s", path)
		}
		return dataset.Read(path, strings.NewReader(body))
	})
	if err != nil {
		t.Fatalf("%s:\n%s", src, lang.Render(err, func(string) []byte { return []byte(src) }))
	}
	return prog
}
