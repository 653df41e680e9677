package stdlib_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/runtime"
	"github.com/noxlang/nox/stdlib"
)

func init() {
	priors := []struct {
		name string
		args stdlib.Args
	}{
		{"DiagGaussian", nil},
		{"GaussianMixture", nil},
		{"Logistic", nil},
		{"StudentT", nil},
	}
	for _, p := range priors {
		for _, d := range []int{1, 2, 3} {
			addCases(
				layerCase{name: fmt.Sprintf("%s/d%d", p.name, d), layers: []string{p.name},
					args: []stdlib.Args{p.args}, dim: d},
				layerCase{name: fmt.Sprintf("%s/MAF/d%d", p.name, d), layers: []string{"MAF", p.name},
					args: []stdlib.Args{{"hidden": {8}}, p.args}, dim: d},
			)
		}
	}
	addCases(
		layerCase{name: "DiagGaussian/ctx/d1", layers: []string{"DiagGaussian"}, args: []stdlib.Args{nil}, dim: 1, ctx: 2},
		layerCase{name: "DiagGaussian/ctx/d3", layers: []string{"DiagGaussian"}, args: []stdlib.Args{nil}, dim: 3, ctx: 2},
		layerCase{name: "DiagGaussian/MAF/ctx/d2", layers: []string{"MAF", "DiagGaussian"},
			args: []stdlib.Args{{"hidden": {8}}, nil}, dim: 2, ctx: 2},
		layerCase{name: "DiagGaussian/unbounded/d2", layers: []string{"DiagGaussian"},
			args: []stdlib.Args{{"bound": {0}}}, dim: 2, ctx: 2},
		layerCase{name: "GaussianMixture/ctx/d1", layers: []string{"GaussianMixture"}, args: []stdlib.Args{nil}, dim: 1, ctx: 2},
		layerCase{name: "GaussianMixture/ctx/d3", layers: []string{"GaussianMixture"}, args: []stdlib.Args{{"k": {3}}}, dim: 3, ctx: 2},
		layerCase{name: "GaussianMixture/MAF/ctx/d2", layers: []string{"MAF", "GaussianMixture"},
			args: []stdlib.Args{{"hidden": {8}}, {"k": {2}}}, dim: 2, ctx: 2},
		layerCase{name: "GaussianMixture/k1/d2", layers: []string{"GaussianMixture"}, args: []stdlib.Args{{"k": {1}}}, dim: 2},
		layerCase{name: "GaussianMixture/unbounded/d2", layers: []string{"GaussianMixture"},
			args: []stdlib.Args{{"k": {5}, "bound": {0}}}, dim: 2},
		layerCase{name: "StudentT/df1/MAF/d2", layers: []string{"MAF", "StudentT"},
			args: []stdlib.Args{{"hidden": {8}}, {"df": {1}}}, dim: 2},
		layerCase{name: "StudentT/df100/d2", layers: []string{"StudentT"}, args: []stdlib.Args{{"df": {100}}}, dim: 2},
	)
}

// priorView returns the values of the parameter whose name ends in tag.
func priorView(t *testing.T, m *compiler.Model, ps *runtime.Params, tag string) []float64 {
	t.Helper()
	for i, p := range m.Params {
		if strings.HasSuffix(p.Name, "."+tag) {
			return ps.Views[i]
		}
	}
	t.Fatalf("no parameter %s", tag)
	return nil
}

func priorBounded(s, bound float64) float64 {
	if bound == 0 {
		return s
	}
	return bound * math.Tanh(s/bound)
}

func priorLogNormal(z, mu, logs float64) float64 {
	u := (z - mu) * math.Exp(-logs)
	return -0.5*u*u - logs - 0.5*math.Log(2*math.Pi)
}

// priorPoints are test rows of d columns, including far points.
func priorPoints(rng *rand.Rand, n, d int) []float64 {
	x := randRows(rng, n, d, 2)
	far := []float64{0, 1e-3, -7, 30, -250, 1e3, -1e3}
	for i := range x {
		if i%3 == 0 {
			x[i] = far[rng.IntN(len(far))]
		}
	}
	return x
}

// TestDiagGaussianLogProb checks the density against its closed form with
// parameters away from their initial values, with and without a context.
func TestDiagGaussianLogProb(t *testing.T) {
	for _, bound := range []float64{10, 0} {
		for _, ctx := range []int{0, 2} {
			const d, n = 3, 12
			c := layerCase{name: "DiagGaussian", layers: []string{"DiagGaussian"}, args: []stdlib.Args{{"bound": {bound}}}, dim: d, ctx: ctx}
			m, ps := lower(t, c, nil)
			rng := rand.New(rand.NewPCG(11, 12))
			z := priorPoints(rng, n, d)
			cv := randRows(rng, n, ctx, 1)
			lp := run(m.LogProb, ps, z, cv, n, "logp", 0)
			loc, logs := priorView(t, m, ps, "loc"), priorView(t, m, ps, "log_scale")
			for r := range n {
				want := 0.0
				for i := range d {
					mu, s := loc[i], logs[i]
					if ctx > 0 {
						w := priorView(t, m, ps, "ctx.w")
						for j := range ctx {
							mu += cv[r*ctx+j] * w[j*2*d+i]
							s += cv[r*ctx+j] * w[j*2*d+d+i]
						}
					}
					want += priorLogNormal(z[r*d+i], mu, priorBounded(s, bound))
				}
				if math.Abs(lp[r]-want) > 1e-9*math.Max(1, math.Abs(want)) {
					t.Errorf("bound %g ctx %d row %d: log p = %.15g, want %.15g", bound, ctx, r, lp[r], want)
				}
			}
		}
	}
}

// TestDiagGaussianInit: a new DiagGaussian is N(0, I) at every context.
func TestDiagGaussianInit(t *testing.T) {
	m, ps := lowerAt(t, []string{"DiagGaussian"}, []stdlib.Args{nil}, 2, 3)
	rng := rand.New(rand.NewPCG(1, 1))
	const n = 8
	z, cv := randRows(rng, n, 2, 1), randRows(rng, n, 3, 5)
	lp := run(m.LogProb, ps, z, cv, n, "logp", 0)
	for r := range n {
		want := priorLogNormal(z[2*r], 0, 0) + priorLogNormal(z[2*r+1], 0, 0)
		if math.Abs(lp[r]-want) > 1e-12 {
			t.Errorf("row %d: log p = %v, want the standard normal's %v", r, lp[r], want)
		}
	}
}

// TestDiagGaussianContext: once the context weights move, two contexts
// give different densities at the same point, and samples follow the
// context's mean and scale.
func TestDiagGaussianContext(t *testing.T) {
	c := layerCase{name: "DiagGaussian", layers: []string{"DiagGaussian"}, args: []stdlib.Args{nil}, dim: 2, ctx: 2}
	m, ps := lower(t, c, nil)
	z := []float64{0.3, -0.4, 0.3, -0.4}
	cv := []float64{1, 0, -1, 0.5}
	lp := run(m.LogProb, ps, z, cv, 2, "logp", 0)
	if math.Abs(lp[0]-lp[1]) < 1e-3 {
		t.Errorf("contexts %v and %v give log p %v and %v: the context has no effect", cv[:2], cv[2:], lp[0], lp[1])
	}
	const n = 40000
	ctx := []float64{0.7, -1.2}
	rows := make([]float64, 0, 2*n)
	for range n {
		rows = append(rows, ctx...)
	}
	s := run(m.Sample, ps, nil, rows, n, "x", 5)
	loc, logs, w := priorView(t, m, ps, "loc"), priorView(t, m, ps, "log_scale"), priorView(t, m, ps, "ctx.w")
	for i := range 2 {
		mu, ls := loc[i], logs[i]
		for j := range 2 {
			mu += ctx[j] * w[j*4+i]
			ls += ctx[j] * w[j*4+2+i]
		}
		sd := math.Exp(priorBounded(ls, 10))
		mean, v := priorMoments(s, 2, i)
		if math.Abs(mean-mu) > 5*sd/math.Sqrt(n) || math.Abs(v/(sd*sd)-1) > 0.04 {
			t.Errorf("column %d: sample mean %.4f var %.4f, want %.4f and %.4f", i, mean, v, mu, sd*sd)
		}
	}
}

// priorMoments returns the mean and variance of column j of rows of d
// columns.
func priorMoments(x []float64, d, j int) (mean, variance float64) {
	n := len(x) / d
	for i := range n {
		mean += x[i*d+j]
	}
	mean /= float64(n)
	for i := range n {
		v := x[i*d+j] - mean
		variance += v * v
	}
	return mean, variance / float64(n)
}

// TestDiagGaussianSample checks the moments of unconditional samples.
func TestDiagGaussianSample(t *testing.T) {
	c := layerCase{name: "DiagGaussian", layers: []string{"DiagGaussian"}, args: []stdlib.Args{nil}, dim: 3}
	m, ps := lower(t, c, nil)
	const n = 40000
	s := run(m.Sample, ps, nil, nil, n, "x", 6)
	loc, logs := priorView(t, m, ps, "loc"), priorView(t, m, ps, "log_scale")
	for i := range 3 {
		sd := math.Exp(priorBounded(logs[i], 10))
		mean, v := priorMoments(s, 3, i)
		if math.Abs(mean-loc[i]) > 5*sd/math.Sqrt(n) || math.Abs(v/(sd*sd)-1) > 0.04 {
			t.Errorf("column %d: sample mean %.4f var %.4f, want %.4f and %.4f", i, mean, v, loc[i], sd*sd)
		}
	}
}

// mixtureLogProb is the closed form of GaussianMixture's density in plain
// Go, for logits of one row.
func mixtureLogProb(z, logits, loc, logs []float64, bound float64) float64 {
	k, d := len(logits), len(z)
	mx := math.Inf(-1)
	for _, l := range logits {
		mx = max(mx, l)
	}
	norm := 0.0
	for _, l := range logits {
		norm += math.Exp(l - mx)
	}
	total := 0.0
	for c := range k {
		lc := logits[c] - mx - math.Log(norm)
		for i := range d {
			lc += priorLogNormal(z[i], loc[c*d+i], priorBounded(logs[c*d+i], bound))
		}
		total += math.Exp(lc)
	}
	return math.Log(total)
}

// TestGaussianMixtureLogProb checks the density against its closed form
// (computed where it does not underflow: the points are near the
// components), with and without a context.
func TestGaussianMixtureLogProb(t *testing.T) {
	for _, ctx := range []int{0, 2} {
		for _, k := range []int{1, 3} {
			const d, n = 2, 10
			c := layerCase{name: "GaussianMixture", layers: []string{"GaussianMixture"}, args: []stdlib.Args{{"k": {float64(k)}}}, dim: d, ctx: ctx}
			m, ps := lower(t, c, nil)
			rng := rand.New(rand.NewPCG(21, 22))
			z := randRows(rng, n, d, 2)
			cv := randRows(rng, n, ctx, 1)
			lp := run(m.LogProb, ps, z, cv, n, "logp", 0)
			logits, loc, logs := priorView(t, m, ps, "logits"), priorView(t, m, ps, "loc"), priorView(t, m, ps, "log_scale")
			for r := range n {
				lg := append([]float64(nil), logits...)
				if ctx > 0 {
					w := priorView(t, m, ps, "ctx.w")
					for c := range k {
						for j := range ctx {
							lg[c] += cv[r*ctx+j] * w[j*k+c]
						}
					}
				}
				want := mixtureLogProb(z[r*d:(r+1)*d], lg, loc, logs, 10)
				if math.Abs(lp[r]-want) > 1e-9*math.Max(1, math.Abs(want)) {
					t.Errorf("k %d ctx %d row %d: log p = %.15g, want %.15g", k, ctx, r, lp[r], want)
				}
			}
		}
	}
}

// TestGaussianMixtureFar: far from every component the closed form
// underflows, but the density is the log-sum-exp of finite terms: it must
// be finite and match the dominant component's term.
func TestGaussianMixtureFar(t *testing.T) {
	m, ps := lowerAt(t, []string{"GaussianMixture"}, []stdlib.Args{{"k": {2}}}, 1, 0)
	loc, logs := priorView(t, m, ps, "loc"), priorView(t, m, ps, "log_scale")
	copy(loc, []float64{-1, 1})
	copy(logs, []float64{0, 0})
	lp := run(m.LogProb, ps, []float64{1e3, -1e3}, nil, 2, "logp", 0)
	for r, z := range []float64{1e3, -1e3} {
		near := loc[1]
		if z < 0 {
			near = loc[0]
		}
		want := math.Log(0.5) + priorLogNormal(z, near, 0)
		if math.Abs(lp[r]-want) > 1e-9*math.Abs(want) {
			t.Errorf("z = %g: log p = %.15g, want %.15g", z, lp[r], want)
		}
	}
}

// TestGaussianMixtureSample: with well separated components, the share of
// samples nearest each component matches its weight, and each component's
// samples have its mean and variance; the overall mean is Σ w_k μ_k.
func TestGaussianMixtureSample(t *testing.T) {
	for _, ctx := range []int{0, 2} {
		const d, k, n = 2, 3, 60000
		m, ps := lowerAt(t, []string{"GaussianMixture"}, []stdlib.Args{{"k": {k}}}, d, ctx)
		copy(priorView(t, m, ps, "logits"), []float64{0.5, -0.7, 0.1})
		copy(priorView(t, m, ps, "loc"), []float64{-20, 0, 0, 20, 20, 5})
		copy(priorView(t, m, ps, "log_scale"), []float64{0, -0.5, 0.3, 0, -1, 0.2})
		cv := []float64{0.8, -0.3}
		var rows []float64
		logits := []float64{0.5, -0.7, 0.1}
		if ctx > 0 {
			w := priorView(t, m, ps, "ctx.w")
			copy(w, []float64{1, -0.5, 0.2, 0.3, 0.6, -1})
			for c := range k {
				for j := range ctx {
					logits[c] += cv[j] * w[j*k+c]
				}
			}
			for range n {
				rows = append(rows, cv...)
			}
		}
		weights := make([]float64, k)
		sum := 0.0
		for c := range k {
			weights[c] = math.Exp(logits[c])
			sum += weights[c]
		}
		for c := range weights {
			weights[c] /= sum
		}
		loc, logs := priorView(t, m, ps, "loc"), priorView(t, m, ps, "log_scale")
		s := run(m.Sample, ps, nil, rows, n, "x", 13)
		count := make([]int, k)
		groups := make([][]float64, k)
		for r := range n {
			best, bd := 0, math.Inf(1)
			for c := range k {
				dist := 0.0
				for i := range d {
					dist += (s[r*d+i] - loc[c*d+i]) * (s[r*d+i] - loc[c*d+i])
				}
				if dist < bd {
					best, bd = c, dist
				}
			}
			count[best]++
			groups[best] = append(groups[best], s[r*d:(r+1)*d]...)
		}
		var meanWant [d]float64
		for c := range k {
			share := float64(count[c]) / n
			if se := math.Sqrt(weights[c] * (1 - weights[c]) / n); math.Abs(share-weights[c]) > 5*se {
				t.Errorf("ctx %d component %d: share %.4f of samples, weight %.4f", ctx, c, share, weights[c])
			}
			for i := range d {
				meanWant[i] += weights[c] * loc[c*d+i]
				sd := math.Exp(priorBounded(logs[c*d+i], 10))
				mean, v := priorMoments(groups[c], d, i)
				nc := float64(count[c])
				if math.Abs(mean-loc[c*d+i]) > 5*sd/math.Sqrt(nc) || math.Abs(v/(sd*sd)-1) > 0.06 {
					t.Errorf("ctx %d component %d column %d: mean %.4f var %.4f, want %.4f and %.4f", ctx, c, i, mean, v, loc[c*d+i], sd*sd)
				}
			}
		}
		for i := range d {
			mean, v := priorMoments(s, d, i)
			if math.Abs(mean-meanWant[i]) > 5*math.Sqrt(v/n) {
				t.Errorf("ctx %d column %d: sample mean %.4f, want %.4f", ctx, i, mean, meanWant[i])
			}
		}
	}
}

// TestPriorNormalised integrates each one-dimensional prior's density, as
// the program computes it, over a wide grid.
func TestPriorNormalised(t *testing.T) {
	for _, c := range []struct {
		layer string
		args  stdlib.Args
		lim   float64
		tail  float64 // mass outside [-lim, lim]
	}{
		{"DiagGaussian", nil, 40, 0},
		{"GaussianMixture", stdlib.Args{"k": {3}}, 40, 0},
		{"Logistic", nil, 60, 2 / (1 + math.Exp(60))},
		{"StudentT", stdlib.Args{"df": {3}}, 2000, studentTTail(3, 2000)},
		{"StudentT", nil, 400, studentTTail(5, 400)},
	} {
		lc := layerCase{name: c.layer, layers: []string{c.layer}, args: []stdlib.Args{c.args}, dim: 1}
		m, ps := lower(t, lc, nil)
		const n = 400001
		h := 2 * c.lim / (n - 1)
		z := make([]float64, n)
		for i := range z {
			z[i] = -c.lim + float64(i)*h
		}
		lp := run(m.LogProb, ps, z, nil, n, "logp", 0)
		total := 0.0
		for i, l := range lp {
			w := 2.0
			switch {
			case i == 0 || i == n-1:
				w = 1
			case i%2 == 1:
				w = 4
			}
			total += w * math.Exp(l)
		}
		total *= h / 3
		want := 1 - c.tail
		if math.Abs(total-want) > 1e-6 {
			t.Errorf("%s %v: ∫ p over [-%g, %g] = %.9f, want %.9f", c.layer, c.args, c.lim, c.lim, total, want)
		}
	}
}

// studentTTail is P(|T| > x) for T ~ t_ν, for large x: 2·∫_x^∞ c·t^-(ν+1)
// (1 + ν/t²)^-(ν+1)/2 dt to leading order, c the density's constant times
// ν^((ν+1)/2).
func studentTTail(nu, x float64) float64 {
	a, _ := math.Lgamma((nu + 1) / 2)
	b, _ := math.Lgamma(nu / 2)
	logc := a - b - 0.5*math.Log(nu*math.Pi) + (nu+1)/2*math.Log(nu)
	return 2 * math.Exp(logc) * math.Pow(x, -nu) / nu
}

// TestLogisticPrior checks the density against log σ(z) + log σ(-z) and
// the moments of the samples (mean 0, variance π²/3).
func TestLogisticPrior(t *testing.T) {
	m, ps := lowerAt(t, []string{"Logistic"}, []stdlib.Args{nil}, 2, 0)
	rng := rand.New(rand.NewPCG(31, 32))
	const n = 10
	z := priorPoints(rng, n, 2)
	lp := run(m.LogProb, ps, z, nil, n, "logp", 0)
	for r := range n {
		want := 0.0
		for _, v := range z[2*r : 2*r+2] {
			// log σ(v) + log(1 - σ(v)), with log σ(v) = -log1p(e^-v).
			want += -math.Log1p(math.Exp(-v)) - math.Log1p(math.Exp(v))
		}
		if math.Abs(lp[r]-want) > 1e-12*math.Max(1, math.Abs(want)) {
			t.Errorf("row %d z=%v: log p = %.15g, want %.15g", r, z[2*r:2*r+2], lp[r], want)
		}
	}
	const ns = 100000
	s := run(m.Sample, ps, nil, nil, ns, "x", 17)
	for j := range 2 {
		mean, v := priorMoments(s, 2, j)
		want := math.Pi * math.Pi / 3
		if math.Abs(mean) > 5*math.Sqrt(want/ns) || math.Abs(v/want-1) > 0.03 {
			t.Errorf("column %d: sample mean %.4f var %.4f, want 0 and %.4f", j, mean, v, want)
		}
		// P(z < 1) = σ(1).
		below := 0
		for i := range ns {
			if s[2*i+j] < 1 {
				below++
			}
		}
		p := 1 / (1 + math.Exp(-1))
		if share := float64(below) / ns; math.Abs(share-p) > 5*math.Sqrt(p*(1-p)/ns) {
			t.Errorf("column %d: P(z < 1) = %.4f, want %.4f", j, share, p)
		}
	}
}

// TestStudentTPrior checks the density against its closed form and the
// samples' variance ν/(ν-2) (ν > 4) and P(|t| < 1) (every ν, Cauchy
// included).
func TestStudentTPrior(t *testing.T) {
	for _, nu := range []int{1, 3, 5, 12} {
		m, ps := lowerAt(t, []string{"StudentT"}, []stdlib.Args{{"df": {float64(nu)}}}, 2, 0)
		rng := rand.New(rand.NewPCG(41, uint64(nu)))
		const n = 10
		z := priorPoints(rng, n, 2)
		lp := run(m.LogProb, ps, z, nil, n, "logp", 0)
		v := float64(nu)
		a, _ := math.Lgamma((v + 1) / 2)
		b, _ := math.Lgamma(v / 2)
		for r := range n {
			want := 0.0
			for _, x := range z[2*r : 2*r+2] {
				want += a - b - 0.5*math.Log(v*math.Pi) - (v+1)/2*math.Log1p(x*x/v)
			}
			if math.Abs(lp[r]-want) > 1e-12*math.Max(1, math.Abs(want)) {
				t.Errorf("ν=%d row %d z=%v: log p = %.15g, want %.15g", nu, r, z[2*r:2*r+2], lp[r], want)
			}
		}
		const ns = 100000
		s := run(m.Sample, ps, nil, nil, ns, "x", 19)
		// P(|T| < 1) by Simpson's rule on the density.
		const steps = 2000
		pin := 0.0
		for i := 0; i <= steps; i++ {
			x := -1 + 2*float64(i)/steps
			w := 2.0
			switch {
			case i == 0 || i == steps:
				w = 1
			case i%2 == 1:
				w = 4
			}
			pin += w * math.Exp(a-b-0.5*math.Log(v*math.Pi)-(v+1)/2*math.Log1p(x*x/v))
		}
		pin *= 2.0 / steps / 3
		for j := range 2 {
			in := 0
			for i := range ns {
				if math.Abs(s[2*i+j]) < 1 {
					in++
				}
				if math.IsNaN(s[2*i+j]) || math.IsInf(s[2*i+j], 0) {
					t.Fatalf("ν=%d: sample %v", nu, s[2*i+j])
				}
			}
			if share := float64(in) / ns; math.Abs(share-pin) > 5*math.Sqrt(pin*(1-pin)/ns) {
				t.Errorf("ν=%d column %d: P(|t| < 1) = %.4f, want %.4f", nu, j, share, pin)
			}
			if nu > 4 {
				mean, varr := priorMoments(s, 2, j)
				want := v / (v - 2)
				// The sample variance of a t with few degrees of freedom
				// converges slowly (its kurtosis is 6/(ν-4) above 3).
				if math.Abs(mean) > 5*math.Sqrt(want/ns) || math.Abs(varr/want-1) > 0.08 {
					t.Errorf("ν=%d column %d: sample mean %.4f var %.4f, want 0 and %.4f", nu, j, mean, varr, want)
				}
			}
		}
	}
}

// TestPriorGradientsFinite: for inputs and contexts up to 1e3 in size the
// density and every parameter gradient are finite, the prior's own and,
// through an Affine stage in front, the gradient with respect to z.
func TestPriorGradientsFinite(t *testing.T) {
	for _, c := range []struct {
		layer string
		args  stdlib.Args
		ctx   int
	}{
		{"DiagGaussian", nil, 0},
		{"DiagGaussian", nil, 2},
		{"DiagGaussian", stdlib.Args{"bound": {0}}, 2},
		{"GaussianMixture", nil, 0},
		{"GaussianMixture", stdlib.Args{"k": {3}}, 2},
		{"GaussianMixture", stdlib.Args{"k": {1}, "bound": {0}}, 0},
		{"Logistic", nil, 0},
		{"StudentT", nil, 0},
		{"StudentT", stdlib.Args{"df": {1}}, 0},
		{"StudentT", stdlib.Args{"df": {100}}, 0},
	} {
		name := fmt.Sprintf("%s%v/ctx%d", c.layer, c.args, c.ctx)
		lc := layerCase{name: name, layers: []string{"Affine", c.layer}, args: []stdlib.Args{nil, c.args}, dim: 2, ctx: c.ctx}
		m, ps := lower(t, lc, nil)
		vals := []float64{1e3, -1e3, 0, 1e-300, 999.5, -3, 250, -1e2}
		const n = 8
		x := make([]float64, 0, 2*n)
		for i := range n {
			x = append(x, vals[i], vals[(i*3+1)%len(vals)])
		}
		cv := make([]float64, 0, n*c.ctx)
		for i := range n * c.ctx {
			cv = append(cv, vals[(i*5+2)%len(vals)])
		}
		e := runtime.New(m.Grad, ps, n, rand.New(rand.NewPCG(1, 7)))
		copy(e.Input(0), x)
		if c.ctx > 0 {
			copy(e.Input(1), cv)
		}
		e.Run()
		if l := e.Output("loss")[0]; math.IsNaN(l) || math.IsInf(l, 0) {
			t.Errorf("%s: loss %v", name, l)
		}
		for _, p := range m.Params {
			for j, g := range e.Output(ir.GradPrefix + p.Name) {
				if math.IsNaN(g) || math.IsInf(g, 0) {
					t.Errorf("%s: gradient of %s[%d] = %v", name, p.Name, j, g)
				}
			}
		}
		for r, l := range run(m.LogProb, ps, x, cv, n, "logp", 0) {
			if math.IsNaN(l) || math.IsInf(l, 0) {
				t.Errorf("%s: row %d (%v): log p = %v", name, r, x[2*r:2*r+2], l)
			}
		}
	}
}

// TestPriorSignatures pins the call forms that the spec shows.
func TestPriorSignatures(t *testing.T) {
	for name, sig := range map[string]string{
		"DiagGaussian":    "DiagGaussian(bound float = 10)",
		"GaussianMixture": "GaussianMixture(k int = 4, bound float = 10)",
		"Logistic":        "Logistic()",
		"StudentT":        "StudentT(df int = 5)",
	} {
		s := stdlib.Lookup(name)
		if s == nil || s.Kind != stdlib.Prior {
			t.Fatalf("%s is not a registered prior", name)
		}
		if got := s.Signature(); got != sig {
			t.Errorf("signature %s, want %s", got, sig)
		}
	}
}
