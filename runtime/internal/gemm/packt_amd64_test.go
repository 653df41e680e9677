package gemm

import (
	"math/rand/v2"
	"testing"
)

// TestPackT checks the float64 transposing copy into packed blocks of B,
// whole 8×8 tiles and remainders, and that it writes nothing past the
// block.
func TestPackT(t *testing.T) {
	if !useAsm {
		t.Skip("no assembly kernels on this machine")
	}
	r := rand.New(rand.NewPCG(9, 10))
	sizes := []int{1, 2, 5, 7, 8, 9, 15, 16, 17, 24, 33, 64, 100, 128}
	for _, kw := range sizes {
		for _, nw := range sizes {
			for _, pad := range []int{0, 3} {
				ldb := kw + pad
				b := randMat(r, nw, ldb)[:(nw-1)*ldb+kw]
				dst := make([]float64, kw*nw+1)
				dst[kw*nw] = 42
				packT(dst[:kw*nw], kw, nw, b, ldb)
				for p := range kw {
					for j := range nw {
						if dst[p*nw+j] != b[j*ldb+p] {
							t.Fatalf("kw=%d nw=%d pad=%d: dst[%d,%d] = %v, want %v", kw, nw, pad, p, j, dst[p*nw+j], b[j*ldb+p])
						}
					}
				}
				if dst[kw*nw] != 42 {
					t.Fatalf("kw=%d nw=%d pad=%d: wrote past the block", kw, nw, pad)
				}
			}
		}
	}
}
