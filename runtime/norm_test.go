package runtime

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSquaresRect checks squaresRect, the joint tasks' sums of squares,
// against its definition to the bit (element (r, c) of the block added
// to sum c−n0 mod 32, row after row), on the vector kernel and the loop,
// in both dtypes, for widths around the vector's and rows of a larger
// matrix whose elements outside the block are huge: a kernel that reads
// a column too many, or a row's tail without its mask, fails.
func TestSquaresRect(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const ld = 80
	c := make([]float64, 6*ld)
	for i := range c {
		c[i] = 1e30
	}
	saved := useAVX512
	defer func() { useAVX512 = saved }()
	for _, vec := range []bool{true, false} {
		useAVX512 = vec && saved
		for cols := 1; cols <= 72; cols++ {
			for _, n0 := range []int{0, 3, 8} {
				b := gemmBlock{m0: 1, m1: 5, n0: n0, n1: n0 + cols}
				x := slices.Clone(c)
				for r := b.m0; r < b.m1; r++ {
					for j := b.n0; j < b.n1; j++ {
						x[r*ld+j] = rng.NormFloat64() * math.Exp(3*rng.NormFloat64())
					}
				}
				x32 := make([]float32, len(x))
				for i, v := range x {
					x32[i] = float32(v)
				}
				var want, want32 [32]float64
				for i := range want {
					want[i], want32[i] = float64(i)+0.25, float64(i)+0.25
				}
				got, got32 := want, want32
				for r := b.m0; r < b.m1; r++ {
					for j := b.n0; j < b.n1; j++ {
						v := x[r*ld+j]
						want[(j-b.n0)%32] += v * v
						a := float64(x32[r*ld+j])
						want32[(j-b.n0)%32] += a * a
					}
				}
				squaresRect(&got, x, ld, b)
				squaresRect(&got32, x32, ld, b)
				for i := range want {
					if math.Float64bits(got[i]) != math.Float64bits(want[i]) || math.Float64bits(got32[i]) != math.Float64bits(want32[i]) {
						t.Fatalf("vector %v, cols %d, n0 %d: sum %d = %v, %v (float32); want %v, %v", useAVX512, cols, n0, i, got[i], got32[i], want[i], want32[i])
					}
				}
			}
		}
	}
}

// TestBlockZeros checks blockZeros against the mask it is made from: the
// runs it lists are exactly the block's elements outside the live runs.
func TestBlockZeros(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const m, n = 7, 40
	for range 200 {
		mask := make([]float64, m*n)
		for i := range mask {
			if rng.IntN(3) > 0 {
				mask[i] = 1
			}
		}
		live := liveRuns(mask)
		b := gemmBlock{m0: rng.IntN(3), m1: 3 + rng.IntN(5), n0: rng.IntN(20)}
		b.n1 = b.n0 + 1 + rng.IntN(n-b.n0)
		zero := make([]bool, m*n)
		z := blockZeros(nil, live, b, n)
		for k := 0; k < len(z); k += 2 {
			if z[k+1] <= 0 {
				t.Fatalf("empty run %v in %v", z[k:k+2], z)
			}
			for i := z[k]; i < z[k]+z[k+1]; i++ {
				if zero[i] {
					t.Fatalf("element %d listed twice: %v", i, z)
				}
				zero[i] = true
			}
		}
		for r := range m {
			for c := range n {
				i := r*n + c
				in := r >= b.m0 && r < b.m1 && c >= b.n0 && c < b.n1
				if want := in && mask[i] == 0; zero[i] != want {
					t.Fatalf("block %+v: element (%d, %d) listed %v, want %v (zeros %v)", b, r, c, zero[i], want, z)
				}
			}
		}
	}
}
