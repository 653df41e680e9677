package runtime

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdamVec checks adamBlock, whose vector kernel does the leading
// elements, against the scalar update, bit for bit, in both element
// types, over lengths that exercise the tail.
func TestAdamVec(t *testing.T) {
	checkAdam[float64](t)
	checkAdam[float32](t)
}

func checkAdam[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	// As optState.adam builds it: 1-β computed in float64, then rounded.
	b1, b2 := 0.9, 0.999
	k := [8]T{0.7, T(b1), T(1 - b1), T(b2), T(1 - b2), T(1e-3 / (1 - b1)), T(1 / math.Sqrt(1-b2)), 1e-8}
	for n := range 70 {
		gen := func(scale float64) []T {
			s := make([]T, n)
			for i := range s {
				s[i] = T(scale * rng.NormFloat64())
			}
			return s
		}
		p, m, g := gen(1), gen(0.01), gen(3)
		v := gen(0.01)
		for i := range v {
			v[i] *= v[i]
		}
		p2, m2, v2 := append([]T(nil), p...), append([]T(nil), m...), append([]T(nil), v...)
		adamBlock(p, m, v, g, &k)
		for j := range n {
			adamScalar(p2, m2, v2, g, &k, j)
		}
		for j := range n {
			if p[j] != p2[j] || m[j] != m2[j] || v[j] != v2[j] {
				t.Fatalf("%T n=%d [%d]: vector (%v %v %v), scalar (%v %v %v)", p[0], n, j, p[j], m[j], v[j], p2[j], m2[j], v2[j])
			}
		}
	}
}

// adamScalar is Adam's update of element j, written out.
func adamScalar[T Float](p, m, v, g []T, k *[8]T, j int) {
	c, b1, b1c, b2, b2c, step, bc2, eps := k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7]
	gj := g[j] * c
	m[j] = b1*m[j] + b1c*gj
	v[j] = b2*v[j] + b2c*gj*gj
	p[j] -= step * m[j] / (T(math.Sqrt(float64(v[j])))*bc2 + eps)
}
