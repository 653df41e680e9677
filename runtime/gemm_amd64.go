package runtime

import "golang.org/x/sys/cpu"

// useAVX2 selects the AVX2 assembly kernels (matrix and elementwise);
// tests turn it off to check the portable path. The noasm build tag turns
// it off for good.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA && !noasm

// kern4x8 computes a block of up to 4 rows and 8 columns of C:
// C[r, j] = Σ_p a[r*ars + p*aps] · b[p*ldb + j] for r < 4 and the columns
// selected by mask (8 lanes, all ones for a full block), the sums started
// from C if acc. Strides are in elements.
//
//go:noescape
func kern4x8(k int, a *float64, ars, aps int, b *float64, ldb int, c *float64, ldc int, mask *[8]int64, acc bool)

// kern1x8 is kern4x8 for one row.
//
//go:noescape
func kern1x8(k int, a *float64, aps int, b *float64, ldb int, c *float64, mask *[8]int64, acc bool)

// colMasks[w] selects the first w of 8 columns.
var colMasks = func() (m [9][8]int64) {
	for w := range m {
		for l := range w {
			m[w][l] = -1
		}
	}
	return m
}()

// gemmAVX2 computes C = A'·B (C += A'·B if acc) with kern4x8 and
// kern1x8, with A'[i,p] at a[i*ars+p*aps]; the caller has checked the
// operands' lengths and that useAVX2 is set.
func gemmAVX2(m, n, k int, a []float64, ars, aps int, b []float64, ldb int, c []float64, ldc int, acc bool) {
	m4 := m &^ 3
	for j := 0; j < n; j += 8 {
		mask := &colMasks[min(8, n-j)]
		for i := 0; i < m4; i += 4 {
			kern4x8(k, &a[i*ars], ars, aps, &b[j], ldb, &c[i*ldc+j], ldc, mask, acc)
		}
		for i := m4; i < m; i++ {
			kern1x8(k, &a[i*ars], aps, &b[j], ldb, &c[i*ldc+j], mask, acc)
		}
	}
}

// kern4x16s is kern4x8 in float32: a block of up to 4 rows and 16
// columns of C, the sums started from C if acc.
//
//go:noescape
func kern4x16s(k int, a *float32, ars, aps int, b *float32, ldb int, c *float32, ldc int, mask *[16]int32, acc bool)

// kern1x16s is kern4x16s for one row.
//
//go:noescape
func kern1x16s(k int, a *float32, aps int, b *float32, ldb int, c *float32, mask *[16]int32, acc bool)

// colMasks32[w] selects the first w of 16 columns.
var colMasks32 = func() (m [17][16]int32) {
	for w := range m {
		for l := range w {
			m[w][l] = -1
		}
	}
	return m
}()

// gemmAVX2s is gemmAVX2 in float32, adding to C if acc.
func gemmAVX2s(m, n, k int, a []float32, ars, aps int, b []float32, ldb int, c []float32, ldc int, acc bool) {
	m4 := m &^ 3
	for j := 0; j < n; j += 16 {
		mask := &colMasks32[min(16, n-j)]
		for i := 0; i < m4; i += 4 {
			kern4x16s(k, &a[i*ars], ars, aps, &b[j], ldb, &c[i*ldc+j], ldc, mask, acc)
		}
		for i := m4; i < m; i++ {
			kern1x16s(k, &a[i*ars], aps, &b[j], ldb, &c[i*ldc+j], mask, acc)
		}
	}
}
