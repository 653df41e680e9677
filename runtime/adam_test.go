package runtime

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdamVec checks adamBlock, whose vector kernel does every element
// where the machine has one (the last ones under a lane mask), against
// the scalar update, bit for bit, in both element types, over lengths
// that exercise the tail.
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
		// p small, so that an update's last bits show in it (with p
		// near 1 a denominator off by an ulp is absorbed).
		p, m, g := gen(1e-3), gen(0.01), gen(3)
		v := gen(0.01)
		for i := range v {
			v[i] *= v[i]
		}
		p2, m2, v2 := append([]T(nil), p...), append([]T(nil), m...), append([]T(nil), v...)
		// Sentinels past the end, which a masked tail must not write.
		const sentinel = 12345
		guard := func(s []T) []T { return append(s, sentinel, sentinel, sentinel)[:n] }
		p, m, v = guard(p), guard(m), guard(v)
		adamBlock(p, m, v, g, &k)
		for _, s := range [][]T{p, m, v} {
			for _, x := range s[n : n+3] {
				if x != sentinel {
					t.Fatalf("%T n=%d: wrote past the end", x, n)
				}
			}
		}
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

// TestAddSquares checks the clipping norm's sum of squares against a
// plain sum, and that cutting the elements into blocks anywhere, as the
// update does around a mask's zeros, changes no bit of it.
func TestAddSquares(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct{ n, at int }{{0, 0}, {1, 3}, {7, 0}, {8, 0}, {9, 5}, {100, 13}, {517, 6}, {4096, 1}} {
		x := make([]float64, c.n)
		want := 0.0
		for i := range x {
			x[i] = rng.NormFloat64() * math.Exp(3*rng.NormFloat64())
			want += x[i] * x[i]
		}
		x32 := make([]float32, c.n)
		convert(x32, x)
		for _, dt := range []string{"float64", "float32"} {
			whole := func(parts []int) float64 {
				var s [8]float64
				lo := 0
				for _, hi := range append(parts, c.n) {
					if dt == "float64" {
						addSquares(&s, x[lo:hi], c.at+lo)
					} else {
						addSquares(&s, x32[lo:hi], c.at+lo)
					}
					lo = hi
				}
				return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
			}
			got := whole(nil)
			tol := 1e-12
			if dt == "float32" {
				tol = 1e-6
			}
			if math.Abs(got-want) > tol*want {
				t.Errorf("n=%d at=%d %s: %v, want %v", c.n, c.at, dt, got, want)
			}
			for range 5 {
				var cuts []int
				for i := 1; i < c.n; i++ {
					if rng.IntN(5) == 0 {
						cuts = append(cuts, i)
					}
				}
				if b := whole(cuts); math.Float64bits(b) != math.Float64bits(got) {
					t.Fatalf("n=%d at=%d %s: cut at %v: %v, whole %v", c.n, c.at, dt, cuts, b, got)
				}
			}
		}
	}
}

// TestAddSquaresLanes checks addSquares (vector kernel and loops) against the
// plain definition, to the bit: each square added, in float64 and in
// order, to the running sum of its element's place mod 8, for every
// length and starting place around the vector width, in both dtypes, on
// the vector path and the loops alike. Each run is copied between eight
// huge elements on either side, so a kernel that reads past either end
// of it under a wrong lane mask fails.
func TestAddSquaresLanes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float64, 80)
	x32 := make([]float32, len(x))
	for i := range x {
		x[i] = rng.NormFloat64() * math.Exp(4*rng.NormFloat64())
		x32[i] = float32(x[i])
	}
	guarded := func(n int) ([]float64, []float32) {
		b, b32 := make([]float64, n+16), make([]float32, n+16)
		for i := range b {
			b[i], b32[i] = 1e30, 1e30
		}
		return b[8 : 8+n], b32[8 : 8+n]
	}
	saved := useAVX512
	defer func() { useAVX512 = saved }()
	for _, vec := range []bool{true, false} {
		useAVX512 = vec && saved
		for at := range 17 {
			for n := range len(x) - 8 {
				for _, off := range []int{0, 1, 7} {
					xs, xs32 := guarded(n)
					copy(xs, x[off:off+n])
					copy(xs32, x32[off:off+n])
					var want, want32, got, got32 [8]float64
					for i := range want {
						want[i], want32[i] = float64(i)+0.5, float64(i)+0.5
					}
					got, got32 = want, want32
					for j, v := range xs {
						want[(at+j)%8] += v * v
						a := float64(xs32[j])
						want32[(at+j)%8] += a * a
					}
					addSquares(&got, xs, at)
					addSquares(&got32, xs32, at)
					for i := range want {
						if math.Float64bits(got[i]) != math.Float64bits(want[i]) || math.Float64bits(got32[i]) != math.Float64bits(want32[i]) {
							t.Fatalf("vector %v, at %d, n %d, offset %d: sum %d = %v, %v (float32); want %v, %v", useAVX512, at, n, off, i, got[i], got32[i], want[i], want32[i])
						}
					}
				}
			}
		}
	}
}
