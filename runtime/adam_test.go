package runtime

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdamVec checks the vector Adam update against the scalar loop of
// Trainer.adam, bit for bit, over lengths that exercise the tail.
func TestAdamVec(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	// As Trainer.adam builds it: 1-β computed at run time, not folded.
	b1, b2 := 0.9, 0.999
	k := [8]float64{0.7, b1, 1 - b1, b2, 1 - b2, 1e-3 / (1 - b1), 1 / math.Sqrt(1-b2), 1e-8}
	for n := range 40 {
		gen := func(scale float64) []float64 {
			s := make([]float64, n)
			for i := range s {
				s[i] = scale * rng.NormFloat64()
			}
			return s
		}
		p, m, g := gen(1), gen(0.01), gen(3)
		v := gen(0.01)
		for i := range v {
			v[i] *= v[i]
		}
		p2, m2, v2 := append([]float64(nil), p...), append([]float64(nil), m...), append([]float64(nil), v...)
		done := adamVec(p, m, v, g, &k)
		for j := done; j < n; j++ {
			adamScalar(p, m, v, g, &k, j)
		}
		for j := range n {
			adamScalar(p2, m2, v2, g, &k, j)
		}
		for j := range n {
			if p[j] != p2[j] || m[j] != m2[j] || v[j] != v2[j] {
				t.Fatalf("n=%d [%d]: vector (%v %v %v), scalar (%v %v %v)", n, j, p[j], m[j], v[j], p2[j], m2[j], v2[j])
			}
		}
	}
}

// adamScalar is the loop body of Trainer.adam.
func adamScalar(p, m, v, g []float64, k *[8]float64, j int) {
	c, b1, b2, step, bc2, eps := k[0], k[1], k[3], k[5], k[6], k[7]
	gj := g[j] * c
	m[j] = b1*m[j] + (1-b1)*gj
	v[j] = b2*v[j] + (1-b2)*gj*gj
	p[j] -= step * m[j] / (math.Sqrt(v[j])*bc2 + eps)
}
