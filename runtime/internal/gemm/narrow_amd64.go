package gemm

// dotBlockRows[nr] is the row count of the main dot kernel for nr columns.
var dotBlockRows = [5]int{1: 8, 2: 8, 4: 4}

// dots computes C = A·B' (+ C if acc) for n ≤ 4 as dot products along
// the rows of A; B' is Bᵀ for B stored n×k if tB, else B, whose
// transpose is first copied to the stack.
func dots(tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, acc bool, c []float64, ldc int) {
	if tB {
		dotCols(m, n, k, a, lda, b, ldb, acc, c, ldc)
		return
	}
	var buf [packSize]float64
	kc := packSize / n &^ 7
	for p0 := 0; p0 < k; p0 += kc {
		kw := min(kc, k-p0)
		bt := buf[:n*kw]
		packT(bt, n, kw, b[p0*ldb:], ldb)
		dotCols(m, n, kw, a[p0:], lda, bt, kw, acc || p0 > 0, c, ldc)
	}
}

// dotCols computes C = A·Bᵀ (+ C if acc) for B stored n×k, in groups of
// 4, 2 and 1 columns.
func dotCols(m, n, k int, a []float64, lda int, b []float64, ldb int, acc bool, c []float64, ldc int) {
	iacc := 0
	if acc {
		iacc = 1
	}
	mask := 1<<(k%8) - 1
	for j := 0; j < n; {
		nr := 4
		for nr > n-j {
			nr /= 2
		}
		mr := dotBlockRows[nr]
		nb := m / mr
		if nb > 0 {
			dotKernel(nr, mr, nb, k, &a[0], lda, &b[j*ldb], ldb, &c[j], ldc, mask, iacc)
		}
		if i := nb * mr; i < m {
			dotKernel(nr, 1, m-i, k, &a[i*lda], lda, &b[j*ldb], ldb, &c[i*ldc+j], ldc, mask, iacc)
		}
		j += nr
	}
}

// swapped computes C = Aᵀ·B' (+ C if acc) for A stored k×m and n ≤ 4 as
// Cᵀ = B'ᵀ·A, whose rows run along the contiguous rows of A, into a
// buffer on the stack that is then added or copied into C.
func swapped(tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, acc bool, c []float64, ldc int) {
	var buf [packSize]float64
	// B'ᵀ[j,p] is b[j*brs+p*bps].
	brs, bps := 1, ldb
	if tB {
		brs, bps = ldb, 1
	}
	mc := packSize / n
	for i0 := 0; i0 < m; i0 += mc {
		mw := min(mc, m-i0)
		ct := buf[:n*mw]
		panels(n, mw, k, b, brs, bps, a[i0:], lda, false, ct, mw)
		for j := range n {
			cj := ct[j*mw : (j+1)*mw]
			if acc {
				for i, v := range cj {
					c[(i0+i)*ldc+j] += v
				}
			} else {
				for i, v := range cj {
					c[(i0+i)*ldc+j] = v
				}
			}
		}
	}
}
