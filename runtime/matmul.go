package runtime

// dgemm computes C = op(A)·op(B) for row-major matrices, overwriting C.
// C is m×n; op(A) is m×k; op(B) is k×n.
func dgemm(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	for i := range m {
		crow := c[i*ldc : i*ldc+n]
		clear(crow)
		for p := range k {
			var av float64
			if tA {
				av = a[p*lda+i]
			} else {
				av = a[i*lda+p]
			}
			if tB {
				for j := range crow {
					crow[j] += av * b[j*ldb+p]
				}
			} else {
				brow := b[p*ldb : p*ldb+n]
				for j := range crow {
					crow[j] += av * brow[j]
				}
			}
		}
	}
}
