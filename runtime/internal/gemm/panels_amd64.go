package gemm

// packSize is the number of elements in the stack buffer that holds a
// transposed block of B.
const packSize = 4096

// blockRows[w] is the row count of the main kernel for width w.
var blockRows = [5]int{1: 8, 2: 8, 3: 8, 4: 6}

// panels computes C = A'·B (+ C if acc) one column panel of at most 32
// columns at a time, with A'[i,p] at a[i*ars+p*aps].
func panels(m, n, k int, a []float64, ars, aps int, b []float64, ldb int, acc bool, c []float64, ldc int) {
	panelsPf(pfOff, m, n, k, a, ars, aps, b, ldb, acc, c, ldc)
}

// panelsPf is panels, on main kernels that prefetch B as pf says.
func panelsPf(pf pfMode, m, n, k int, a []float64, ars, aps int, b []float64, ldb int, acc bool, c []float64, ldc int) {
	iacc := 0
	if acc {
		iacc = 1
	}
	for j := 0; j < n; j += 32 {
		w, mask := 4, 0xff
		if rem := n - j; rem < 32 {
			w = (rem + 7) / 8
			mask = 1<<(rem-8*(w-1)) - 1
		}
		mr := blockRows[w]
		nb := m / mr
		switch {
		case nb > 0 && pf != pfOff:
			kernelPf(pf == pfL2, w, nb, k, &a[0], ars, aps, &b[j], ldb, &c[j], ldc, mask, iacc)
		case nb > 0:
			kernel(w, mr, nb, k, &a[0], ars, aps, &b[j], ldb, &c[j], ldc, mask, iacc)
		}
		for i := nb * mr; i < m; {
			r := 4
			for r > m-i {
				r /= 2
			}
			kernel(w, r, 1, k, &a[i*ars], ars, aps, &b[j], ldb, &c[i*ldc+j], ldc, mask, iacc)
			i += r
		}
	}
}

// packed computes C = A'·B' (+ C if acc), copying blocks of B' into a
// contiguous buffer on the stack first; B' is B, or Bᵀ for B stored n×k
// if tB. Go zeroes the buffer on every call, so a product that needs at
// most half of it (a part of a masked product's 32-column block over at
// most 64 rows of B) gets a buffer of half the size, as in float32
// (sgemmAsm); it blocks along k as the large one would (one block of at
// most 128 rows of B), so the sums are the same.
func packed(tB bool, m, n, k int, a []float64, ars, aps int, b []float64, ldb int, acc bool, c []float64, ldc int) {
	if min(k, 128)*n <= packSize/2 {
		packedMedium(tB, m, n, k, a, ars, aps, b, ldb, acc, c, ldc)
		return
	}
	packedLarge(tB, m, n, k, a, ars, aps, b, ldb, acc, c, ldc)
}

// packedMedium is packed with a buffer of packSize/2 elements.
//
//go:noinline
func packedMedium(tB bool, m, n, k int, a []float64, ars, aps int, b []float64, ldb int, acc bool, c []float64, ldc int) {
	var buf [packSize / 2]float64
	packedWith(buf[:], tB, m, n, k, a, ars, aps, b, ldb, acc, c, ldc)
}

// packedLarge is packed with a buffer of packSize elements.
//
//go:noinline
func packedLarge(tB bool, m, n, k int, a []float64, ars, aps int, b []float64, ldb int, acc bool, c []float64, ldc int) {
	var buf [packSize]float64
	packedWith(buf[:], tB, m, n, k, a, ars, aps, b, ldb, acc, c, ldc)
}

// packedWith is packed with the buffer buf.
func packedWith(buf []float64, tB bool, m, n, k int, a []float64, ars, aps int, b []float64, ldb int, acc bool, c []float64, ldc int) {
	kc := min(k, 128)
	nc := len(buf) / kc
	if nc >= 32 {
		nc &^= 31
	}
	for p0 := 0; p0 < k; p0 += kc {
		kw := min(kc, k-p0)
		for j0 := 0; j0 < n; j0 += nc {
			nw := min(nc, n-j0)
			blk := buf[:kw*nw]
			if tB {
				packT(blk, kw, nw, b[j0*ldb+p0:], ldb)
			} else {
				for p := range kw {
					copy(blk[p*nw:(p+1)*nw], b[(p0+p)*ldb+j0:])
				}
			}
			panels(m, nw, kw, a[p0*aps:], ars, aps, blk, nw, acc || p0 > 0, c[j0:], ldc)
		}
	}
}

// packT stores the transpose of the nw×kw block of b (leading dimension
// ldb) into dst as a kw×nw row-major matrix: whole 8×8 tiles in
// registers, the rest element by element. (Element by element, the
// packing took 5 % of a digits float64 training step.)
func packT(dst []float64, kw, nw int, b []float64, ldb int) { packTTo(dst, nw, kw, nw, b, ldb) }

// packTTo is packT into dst with leading dimension ldd (Transpose64).
func packTTo(dst []float64, ldd, kw, nw int, b []float64, ldb int) {
	kt, jt := kw/8, nw/8
	if kt > 0 && jt > 0 {
		_ = b[(8*jt-1)*ldb+8*kt-1]
		_ = dst[(8*kt-1)*ldd+8*jt-1]
		dtranspose8(kt, jt, &b[0], ldb, &dst[0], ldd)
		packTScalar(dst, ldd, b, ldb, 8*kt, kw, 0, 8*jt)
		packTScalar(dst, ldd, b, ldb, 0, kw, 8*jt, nw)
		return
	}
	packTScalar(dst, ldd, b, ldb, 0, kw, 0, nw)
}

// packTScalar sets dst[p*ldd+j] = b[j*ldb+p] for p0 ≤ p < p1 and
// j0 ≤ j < j1, for the parts of a block that packTTo and spackTTo do
// not transpose in registers.
func packTScalar[T float32 | float64](dst []T, ldd int, b []T, ldb int, p0, p1, j0, j1 int) {
	if p0 >= p1 || j0 >= j1 {
		return
	}
	if p1-p0 < 8 {
		// Short rows of b: write along the rows of dst instead.
		for p := p0; p < p1; p++ {
			d := dst[p*ldd+j0 : p*ldd+j1]
			for j := range d {
				d[j] = b[(j0+j)*ldb+p]
			}
		}
		return
	}
	j := j0
	for ; j+4 <= j1; j += 4 {
		b0 := b[j*ldb+p0 : j*ldb+p1]
		b1 := b[(j+1)*ldb+p0 : (j+1)*ldb+p1]
		b2 := b[(j+2)*ldb+p0 : (j+2)*ldb+p1]
		b3 := b[(j+3)*ldb+p0 : (j+3)*ldb+p1]
		b1, b2, b3 = b1[:len(b0)], b2[:len(b0)], b3[:len(b0)]
		for p := range b0 {
			d := dst[(p0+p)*ldd+j : (p0+p)*ldd+j+4]
			d[0], d[1], d[2], d[3] = b0[p], b1[p], b2[p], b3[p]
		}
	}
	for ; j < j1; j++ {
		for p, v := range b[j*ldb+p0 : j*ldb+p1] {
			dst[(p0+p)*ldd+j] = v
		}
	}
}
