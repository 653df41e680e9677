package runtime

// sgemm is dgemm in float32 (scratch is unused).
func sgemm(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, scratch []float32) {
	for i := range m {
		crow := c[i*ldc : i*ldc+n]
		clear(crow)
		for p := range k {
			var av float32
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
				for j, bv := range brow {
					crow[j] += av * bv
				}
			}
		}
	}
}
