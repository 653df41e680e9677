package dataset

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/noxlang/nox/internal/spell"
)

// ToyNames are the toy data sets Toy generates, in alphabetical order.
var ToyNames = []string{"2spirals", "8gaussians", "checkerboard", "moons", "pinwheel", "rings", "torus"}

// MaxToyRows is the largest n Toy accepts.
const MaxToyRows = 10_000_000

// MaxToyNoise is the largest noise Toy accepts.
const MaxToyNoise = 1000

// toyNoise is each set's default noise; a set without a noise parameter
// is absent.
var toyNoise = map[string]float64{
	"2spirals":   0.1,
	"8gaussians": 0.5,
	"moons":      0.1,
	"pinwheel":   0.1,
	"rings":      0.08,
	"torus":      0.3,
}

// ToyAngles returns the columns of a toy set that are angles in
// [-π, π) (the torus set's two), which a flow must treat as periodic.
func ToyAngles(name string) []int {
	if name == "torus" {
		return []int{0, 1}
	}
	return nil
}

// ToyDefaultNoise returns the default noise of a toy set, and whether the
// set has a noise parameter at all (checkerboard has none).
func ToyDefaultNoise(name string) (float64, bool) {
	v, ok := toyNoise[name]
	return v, ok
}

// toySeedStream is the PCG stream of the toy generators ("nox-toy").
const toySeedStream = 0x6e6f782d746f79

// Toy generates n rows of one of the usual 2-D test densities for flows,
// with the definitions of FFJORD's toy_data.py (Grathwohl et al., 2019).
// The values come from a math/rand/v2 PCG seeded by seed alone, so the same
// arguments give the same table. The rows are in random order.
//
// noise is the set's noise parameter; a negative noise means the set's
// default:
//
//	moons         std of the Gaussian noise added to each coordinate before
//	              the ×2 scaling, as scikit-learn's make_moons noise
//	              (default 0.1, so 0.2 in the output's units)
//	8gaussians    std of each of the eight components before the division
//	              by 1.414 (default 0.5)
//	checkerboard  none: noise must be negative or 0
//	2spirals      std of the Gaussian noise added to the final points
//	              (default 0.1)
//	pinwheel      tangential std of the arms (default 0.1); the radial std
//	              stays 0.3
//	rings         std of the Gaussian noise added to the final points
//	              (default 0.08)
//	torus         std of the wrapped Gaussian noise of each component
//	              (default 0.3)
//
// torus is a density of two angles in [-π, π) (ToyAngles): half the
// rows on a band that winds once around the torus, ψ = φ + 1 + noise·ε
// with φ uniform, and a quarter each in bumps of std noise centred at
// (π - 0.2, 3) and (0.5, π), every value wrapped into [-π, π): each part
// crosses the wrap point, where a flow that ignores the periodicity
// sees a cut.
//
// n must be in [1, MaxToyRows] and noise at most MaxToyNoise.
func Toy(name string, n int, noise float64, seed uint64) (*Table, error) {
	if !slices.Contains(ToyNames, name) {
		return nil, fmt.Errorf("unknown toy data set %q%s; the sets are %s", name, spell.DidYouMean(name, ToyNames), strings.Join(ToyNames, ", "))
	}
	if n < 1 || n > MaxToyRows {
		return nil, fmt.Errorf("toy %s: n must be in [1, %d], got %d", name, MaxToyRows, n)
	}
	if math.IsNaN(noise) || noise > MaxToyNoise {
		return nil, fmt.Errorf("toy %s: noise must be at most %d, got %v", name, MaxToyNoise, noise)
	}
	def, has := toyNoise[name]
	switch {
	case !has && noise > 0:
		return nil, fmt.Errorf("toy %s has no noise parameter (noise must be negative or 0), got %v", name, noise)
	case noise < 0:
		noise = def
	}
	r := rand.New(rand.NewPCG(seed, toySeedStream))
	t := &Table{Rows: n, Cols: 2, Values: make([]float64, 2*n)}
	x := t.Values
	switch name {
	case "moons":
		moons(r, x, n, noise)
	case "8gaussians":
		for i := range n {
			th := float64(r.IntN(8)) * math.Pi / 4
			x[2*i] = (4*math.Cos(th) + noise*r.NormFloat64()) / 1.414
			x[2*i+1] = (4*math.Sin(th) + noise*r.NormFloat64()) / 1.414
		}
	case "checkerboard":
		for i := range n {
			x1 := 4*r.Float64() - 2
			x2 := r.Float64() - 2*float64(r.IntN(2))
			if int(math.Floor(x1))&1 == 1 { // floor(x1) mod 2, as Python's % (non-negative)
				x2++
			}
			x[2*i], x[2*i+1] = 2*x1, 2*x2
		}
	case "2spirals":
		// One arm is (-cos t·t + 0.5u, sin t·t + 0.5u') with t = sqrt(u'')·3π;
		// the other arm is the first one's points negated.
		m := (n + 1) / 2
		for i := range m {
			t := math.Sqrt(r.Float64()) * 3 * math.Pi
			dx := -math.Cos(t)*t + 0.5*r.Float64()
			dy := math.Sin(t)*t + 0.5*r.Float64()
			x[2*i], x[2*i+1] = dx/3, dy/3
			if j := m + i; j < n {
				x[2*j], x[2*j+1] = -dx/3, -dy/3
			}
		}
		for i := range x {
			x[i] += noise * r.NormFloat64()
		}
		shuffleRows(r, x)
	case "pinwheel":
		const radialStd, rate, arms = 0.3, 0.25, 5
		for i := range n {
			f0 := 1 + radialStd*r.NormFloat64()
			f1 := noise * r.NormFloat64()
			a := 2*math.Pi*float64(i%arms)/arms + rate*math.Exp(f0)
			s, c := math.Sincos(a)
			// FFJORD's einsum("ti,tij->tj", f, R) with R = [[c, -s], [s, c]].
			x[2*i], x[2*i+1] = 2*(f0*c+f1*s), 2*(-f0*s+f1*c)
		}
		shuffleRows(r, x)
	case "rings":
		// Four circles of radii 3, 2.25, 1.5 and 0.75 with n/4 points each
		// (the innermost takes the remainder), at equally spaced angles.
		q := n / 4
		counts := []int{q, q, q, n - 3*q}
		radii := []float64{3, 2.25, 1.5, 0.75}
		i := 0
		for c, k := range counts {
			for j := range k {
				s, co := math.Sincos(2 * math.Pi * float64(j) / float64(k))
				x[2*i], x[2*i+1] = radii[c]*co, radii[c]*s
				i++
			}
		}
		shuffleRows(r, x)
		for i := range x {
			x[i] += noise * r.NormFloat64()
		}
	case "torus":
		torus(r, x, n, noise)
	}
	return t, nil
}

// torus fills x with the torus set's rows (see Toy).
func torus(r *rand.Rand, x []float64, n int, noise float64) {
	for i := range n {
		var phi, psi float64
		switch u := r.Float64(); {
		case u < 0.5:
			phi = 2*math.Pi*r.Float64() - math.Pi
			psi = phi + 1 + noise*r.NormFloat64()
		case u < 0.75:
			phi, psi = math.Pi-0.2+noise*r.NormFloat64(), 3+noise*r.NormFloat64()
		default:
			phi, psi = 0.5+noise*r.NormFloat64(), math.Pi+noise*r.NormFloat64()
		}
		x[2*i], x[2*i+1] = WrapAngle(phi), WrapAngle(psi)
	}
}

// WrapAngle returns v wrapped into [-π, π).
func WrapAngle(v float64) float64 {
	w := v - 2*math.Pi*math.Floor((v+math.Pi)/(2*math.Pi))
	if w >= math.Pi || w < -math.Pi {
		return -math.Pi
	}
	return w
}

// moons is scikit-learn's make_moons (n/2 points on the outer half
// circle, the rest on the inner one, shuffled, plus Gaussian noise), then
// scaled by 2 and shifted by (-1, -0.2).
func moons(r *rand.Rand, x []float64, n int, noise float64) {
	nOut := n / 2
	nIn := n - nOut
	// linspace(0, π, k): k points from 0 to π inclusive.
	lin := func(j, k int) float64 {
		if k == 1 {
			return 0
		}
		return math.Pi * float64(j) / float64(k-1)
	}
	for j := range nOut {
		s, c := math.Sincos(lin(j, nOut))
		x[2*j], x[2*j+1] = c, s
	}
	for j := range nIn {
		s, c := math.Sincos(lin(j, nIn))
		i := nOut + j
		x[2*i], x[2*i+1] = 1-c, 1-s-0.5
	}
	shuffleRows(r, x)
	for i := range n {
		x[2*i] = 2*(x[2*i]+noise*r.NormFloat64()) - 1
		x[2*i+1] = 2*(x[2*i+1]+noise*r.NormFloat64()) - 0.2
	}
}

// shuffleRows permutes the rows of a 2-column table.
func shuffleRows(r *rand.Rand, x []float64) {
	r.Shuffle(len(x)/2, func(i, j int) {
		x[2*i], x[2*j] = x[2*j], x[2*i]
		x[2*i+1], x[2*j+1] = x[2*j+1], x[2*i+1]
	})
}
