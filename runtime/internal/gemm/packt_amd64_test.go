package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPackT checks the transposing copies into packed blocks of B, in
// float64 (packT: whole 8×8 tiles in registers) and float32 (spackT:
// 16×16), with the remainders, and that they write nothing past the
// block.
func TestPackT(t *testing.T) {
	if !useAsm {
		t.Skip("no assembly kernels on this machine")
	}
	r := rand.New(rand.NewPCG(9, 10))
	sizes := []int{1, 2, 5, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 48, 64, 100, 128}
	checkPackT(t, "float64", sizes, packT, func(n, ld int) []float64 { return randMat(r, n, ld) })
	checkPackT(t, "float32", sizes, spackT, func(n, ld int) []float32 { return srandMat(r, n, ld) })
}

func checkPackT[T float32 | float64](t *testing.T, dt string, sizes []int, pack func(dst []T, kw, nw int, b []T, ldb int), mat func(rows, ld int) []T) {
	t.Helper()
	for _, kw := range sizes {
		for _, nw := range sizes {
			for _, pad := range []int{0, 3} {
				ldb := kw + pad
				b := mat(nw, ldb)[:(nw-1)*ldb+kw]
				dst := make([]T, kw*nw+1)
				dst[kw*nw] = 42
				pack(dst[:kw*nw], kw, nw, b, ldb)
				for p := range kw {
					for j := range nw {
						if dst[p*nw+j] != b[j*ldb+p] {
							t.Fatalf("%s kw=%d nw=%d pad=%d: dst[%d,%d] = %v, want %v", dt, kw, nw, pad, p, j, dst[p*nw+j], b[j*ldb+p])
						}
					}
				}
				if dst[kw*nw] != 42 {
					t.Fatalf("%s kw=%d nw=%d pad=%d: wrote past the block", dt, kw, nw, pad)
				}
			}
		}
	}
}

// TestPackedBuffers checks that float64's medium and large stack
// buffers give bit-identical products on shapes that fit the medium one,
// B transposed or not, A transposed or not, with and without acc.
func TestPackedBuffers(t *testing.T) {
	if !useAsm {
		t.Skip("no assembly kernels on this machine")
	}
	r := rand.New(rand.NewPCG(11, 12))
	for _, s := range [][3]int{{128, 32, 64}, {128, 32, 37}, {70, 16, 128}, {33, 8, 200}, {128, 20, 100}} {
		m, n, k := s[0], s[1], s[2]
		if min(k, 128)*n > packSize/2 {
			t.Fatalf("%v does not fit the medium buffer", s)
		}
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for _, acc := range []bool{false, true} {
					a := randMat(r, m, k)
					ars, aps := k, 1
					if tA {
						ars, aps = 1, m
					}
					b, ldb := randMat(r, k, n), n
					if tB {
						b, ldb = randMat(r, n, k), k
					}
					c := randMat(r, m, n)
					med, large := append([]float64(nil), c...), append([]float64(nil), c...)
					packedMedium(tB, m, n, k, a, ars, aps, b, ldb, acc, med, n)
					packedLarge(tB, m, n, k, a, ars, aps, b, ldb, acc, large, n)
					for i := range med {
						if math.Float64bits(med[i]) != math.Float64bits(large[i]) {
							t.Fatalf("%v tA %v tB %v acc %v: C[%d] = %v with the medium buffer, %v with the large one", s, tA, tB, acc, i, med[i], large[i])
						}
					}
				}
			}
		}
	}
}
