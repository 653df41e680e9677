package nox_test

import (
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"

	"gonum.org/v1/gonum/mat"
)

// logistic is the posterior of examples/logistic_posterior.nox, coded by
// hand: Normal(0, 1) priors on an intercept and one coefficient per
// feature, and a Bernoulli-logit likelihood of the labels. It is the
// reference the fitted flow is checked against, so it shares no code
// with the compiler.
type logistic struct {
	x    []float64 // n rows of d values: 1 (the intercept), then the features
	y    []float64
	n, d int
}

// readLogistic reads the example's table: a header, the features, then
// the 0/1 label.
func readLogistic(path string) (*logistic, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) < 2 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	p := &logistic{n: len(recs) - 1, d: len(recs[0])}
	for i, rec := range recs[1:] {
		p.x = append(p.x, 1)
		for j, s := range rec {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: row %d, column %d: %v", path, i+2, j+1, err)
			}
			if j == len(rec)-1 {
				p.y = append(p.y, v)
			} else {
				p.x = append(p.x, v)
			}
		}
	}
	return p, nil
}

// softplus is log(1 + e^t), without overflow.
func softplus(t float64) float64 {
	if t > 0 {
		return t + math.Log1p(math.Exp(-t))
	}
	return math.Log1p(math.Exp(t))
}

// logp is the unnormalised log posterior at w, with the constants of the
// normal prior included as the language's normal_lpdf includes them, so
// that log Z is comparable.
func (p *logistic) logp(w []float64) float64 {
	lp := -0.5 * float64(p.d) * math.Log(2*math.Pi)
	for _, v := range w {
		lp -= 0.5 * v * v
	}
	for i := range p.n {
		eta := dot(p.x[i*p.d:(i+1)*p.d], w)
		lp += p.y[i]*eta - softplus(eta)
	}
	return lp
}

// grad sets g to the gradient of logp at w, −w + Xᵀ(y − σ(Xw)), apart from
// logp because HMC needs the density only once per trajectory.
func (p *logistic) grad(w, g []float64) {
	for j, v := range w {
		g[j] = -v
	}
	for i := range p.n {
		row := p.x[i*p.d : (i+1)*p.d]
		r := p.y[i] - 1/(1+math.Exp(-dot(row, w)))
		for j, v := range row {
			g[j] += r * v
		}
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for j, v := range a {
		s += v * b[j]
	}
	return s
}

// laplace finds the mode by Newton's method and returns it with L, a
// square root of the inverse Hessian of −log p there (w = mode + L z makes
// the posterior close to a standard normal in z): HMC in z is HMC in w
// with the Laplace approximation's precision as its mass matrix.
func (p *logistic) laplace() (mode []float64, l *mat.Dense, err error) {
	w := make([]float64, p.d)
	g := make([]float64, p.d)
	h := mat.NewSymDense(p.d, nil)
	for iter := 0; ; iter++ {
		p.grad(w, g)
		for a := range p.d {
			for b := a; b < p.d; b++ {
				v := 0.0
				if a == b {
					v = 1
				}
				h.SetSym(a, b, v)
			}
		}
		for i := range p.n {
			row := p.x[i*p.d : (i+1)*p.d]
			eta := 0.0
			for j, v := range row {
				eta += v * w[j]
			}
			s := 1 / (1 + math.Exp(-eta))
			c := s * (1 - s)
			for a := range p.d {
				for b := a; b < p.d; b++ {
					h.SetSym(a, b, h.At(a, b)+c*row[a]*row[b])
				}
			}
		}
		var ch mat.Cholesky
		if !ch.Factorize(h) {
			return nil, nil, fmt.Errorf("the Hessian is not positive definite")
		}
		var step mat.VecDense
		if err := ch.SolveVecTo(&step, mat.NewVecDense(p.d, g)); err != nil {
			return nil, nil, err
		}
		norm := 0.0
		for j := range w {
			w[j] += step.AtVec(j)
			norm += step.AtVec(j) * step.AtVec(j)
		}
		if norm < 1e-20 || iter == 100 {
			// H = Rᵀ R, so H⁻¹ = R⁻¹ R⁻ᵀ and L = R⁻¹.
			var r mat.TriDense
			ch.UTo(&r)
			var inv mat.TriDense
			if err := inv.InverseTri(&r); err != nil {
				return nil, nil, err
			}
			return w, mat.DenseCopyOf(&inv), nil
		}
	}
}

// chain is the result of hmc: n draws of d values, row after row.
type chain struct {
	draws  []float64
	n, d   int
	accept float64
}

// hmc runs Hamiltonian Monte Carlo in the Laplace coordinates z: n
// iterations after warm ones, each of 1 to maxSteps leapfrog steps
// (uniformly) of a size jittered uniformly in ±20% of eps. The posterior
// is close to a standard normal in z, whose trajectories have period 2π:
// a fixed length near π would make draws antithetic (x → −x, so (x − μ)²
// hardly moves) and one near 2π would return them to where they started;
// random lengths average over both.
func (p *logistic) hmc(n, warm, maxSteps int, eps float64, seed uint64) (*chain, error) {
	mode, l, err := p.laplace()
	if err != nil {
		return nil, err
	}
	d := p.d
	lf := l.RawMatrix().Data // row-major, d×d, upper triangular
	rng := rand.New(rand.NewPCG(seed, 0x686d63))
	toW := func(dst, z []float64) {
		for a := range d {
			v := mode[a]
			for b := a; b < d; b++ {
				v += lf[a*d+b] * z[b]
			}
			dst[a] = v
		}
	}
	w, gw := make([]float64, d), make([]float64, d)
	// U(z) = −log p(mode + L z), ∇U = −Lᵀ ∇log p.
	energy := func(z []float64) float64 {
		toW(w, z)
		return -p.logp(w)
	}
	force := func(z, gz []float64) {
		toW(w, z)
		p.grad(w, gw)
		for b := range d {
			v := 0.0
			for a := 0; a <= b; a++ {
				v += lf[a*d+b] * gw[a]
			}
			gz[b] = -v
		}
	}
	z, gz := make([]float64, d), make([]float64, d)
	zn, gn, mom := make([]float64, d), make([]float64, d), make([]float64, d)
	u := energy(z)
	force(z, gz)
	out := &chain{draws: make([]float64, 0, n*d), n: n, d: d}
	accepted := 0
	for it := range warm + n {
		h := eps * (0.8 + 0.4*rng.Float64())
		k := 0.0
		for j := range d {
			mom[j] = rng.NormFloat64()
			k += mom[j] * mom[j] / 2
		}
		copy(zn, z)
		copy(gn, gz)
		for range 1 + rng.IntN(maxSteps) {
			for j := range d {
				mom[j] -= h / 2 * gn[j]
				zn[j] += h * mom[j]
			}
			force(zn, gn)
			for j := range d {
				mom[j] -= h / 2 * gn[j]
			}
		}
		un := energy(zn)
		kn := 0.0
		for j := range d {
			kn += mom[j] * mom[j] / 2
		}
		if rng.Float64() < math.Exp(u+k-un-kn) {
			copy(z, zn)
			copy(gz, gn)
			u = un
			if it >= warm {
				accepted++
			}
		}
		if it >= warm {
			toW(w, z)
			out.draws = append(out.draws, w...)
		}
	}
	out.accept = float64(accepted) / float64(n)
	return out, nil
}

// moments are estimates of each coordinate's posterior mean and sd with
// their Monte Carlo standard errors.
type moments struct{ mean, sd, meanSE, sdSE []float64 }

// batchMeans estimates c's means and sds, with standard errors from the
// means of b consecutive batches (which absorb the chain's
// autocorrelation when batches are much longer than it). The sd's error
// is the delta method's: se(σ²)/(2σ).
func (c *chain) batchMeans(b int) moments {
	m := moments{make([]float64, c.d), make([]float64, c.d), make([]float64, c.d), make([]float64, c.d)}
	per := c.n / b
	for j := range c.d {
		at := func(i int) float64 { return c.draws[i*c.d+j] }
		mu := 0.0
		for i := range per * b {
			mu += at(i)
		}
		mu /= float64(per * b)
		var bm, bv []float64
		for k := range b {
			s, s2 := 0.0, 0.0
			for i := k * per; i < (k+1)*per; i++ {
				s += at(i)
				s2 += (at(i) - mu) * (at(i) - mu)
			}
			bm, bv = append(bm, s/float64(per)), append(bv, s2/float64(per))
		}
		mv, vv := meanVar(bm), meanVar(bv)
		m.mean[j], m.meanSE[j] = mu, math.Sqrt(mv[1]/float64(b))
		m.sd[j] = math.Sqrt(vv[0])
		m.sdSE[j] = math.Sqrt(vv[1]/float64(b)) / (2 * m.sd[j])
	}
	return m
}

// meanVar returns the mean and the sample variance of xs.
func meanVar(xs []float64) [2]float64 {
	mu := 0.0
	for _, x := range xs {
		mu += x
	}
	mu /= float64(len(xs))
	v := 0.0
	for _, x := range xs {
		v += (x - mu) * (x - mu)
	}
	return [2]float64{mu, v / float64(len(xs)-1)}
}
