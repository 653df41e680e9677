package gemm

// gemmGo is the portable implementation of Dgemm and Sgemm for validated
// arguments with k > 0: C = A'·B' (+ C if acc), summing in T.
func gemmGo[T float32 | float64](tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, acc bool, c []T, ldc int) {
	ars, aps := lda, 1
	if tA {
		ars, aps = 1, lda
	}
	if tB {
		dotRows(m, n, k, a, ars, aps, b, ldb, acc, c, ldc)
	} else {
		axpyRows(m, n, k, a, ars, aps, b, ldb, acc, c, ldc)
	}
}

// axpyRows computes each row of C as a combination of the rows of B,
// four at a time: C[i,:] (+)= Σ_p A'[i,p]·B[p,:], with A'[i,p] at
// a[i*ars+p*aps].
func axpyRows[T float32 | float64](m, n, k int, a []T, ars, aps int, b []T, ldb int, acc bool, c []T, ldc int) {
	k4 := k &^ 3
	for i := range m {
		cr := c[i*ldc : i*ldc+n]
		if !acc {
			clear(cr)
		}
		ai := i * ars
		p := 0
		for ; p < k4; p += 4 {
			a0, a1, a2, a3 := a[ai], a[ai+aps], a[ai+2*aps], a[ai+3*aps]
			ai += 4 * aps
			b0 := b[p*ldb : p*ldb+n]
			b1 := b[(p+1)*ldb : (p+1)*ldb+n]
			b2 := b[(p+2)*ldb : (p+2)*ldb+n]
			b3 := b[(p+3)*ldb : (p+3)*ldb+n]
			b0, b1, b2, b3 = b0[:len(cr)], b1[:len(cr)], b2[:len(cr)], b3[:len(cr)]
			for j := range cr {
				cr[j] += a0*b0[j] + a1*b1[j] + a2*b2[j] + a3*b3[j]
			}
		}
		for ; p < k; p++ {
			a0 := a[ai]
			ai += aps
			b0 := b[p*ldb : p*ldb+n]
			b0 = b0[:len(cr)]
			for j := range cr {
				cr[j] += a0 * b0[j]
			}
		}
	}
}

// dotRows computes C[i,j] (+)= Σ_p A'[i,p]·B[j,p] as dot products, four
// columns of C at a time, with A'[i,p] at a[i*ars+p*aps] and B stored
// n×k.
func dotRows[T float32 | float64](m, n, k int, a []T, ars, aps int, b []T, ldb int, acc bool, c []T, ldc int) {
	n4 := n &^ 3
	for i := range m {
		cr := c[i*ldc : i*ldc+n]
		j := 0
		for ; j < n4; j += 4 {
			b0 := b[j*ldb : j*ldb+k]
			b1 := b[(j+1)*ldb : (j+1)*ldb+k]
			b2 := b[(j+2)*ldb : (j+2)*ldb+k]
			b3 := b[(j+3)*ldb : (j+3)*ldb+k]
			b1, b2, b3 = b1[:len(b0)], b2[:len(b0)], b3[:len(b0)]
			var s0, s1, s2, s3 T
			ai := i * ars
			for p := range b0 {
				ap := a[ai]
				ai += aps
				s0 += ap * b0[p]
				s1 += ap * b1[p]
				s2 += ap * b2[p]
				s3 += ap * b3[p]
			}
			if acc {
				s0 += cr[j]
				s1 += cr[j+1]
				s2 += cr[j+2]
				s3 += cr[j+3]
			}
			cr[j], cr[j+1], cr[j+2], cr[j+3] = s0, s1, s2, s3
		}
		for ; j < n; j++ {
			b0 := b[j*ldb : j*ldb+k]
			var s T
			ai := i * ars
			for p := range b0 {
				s += a[ai] * b0[p]
				ai += aps
			}
			if acc {
				s += cr[j]
			}
			cr[j] = s
		}
	}
}
