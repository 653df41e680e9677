package gemm

import "unsafe"

// The float32 AVX-512 path mirrors the float64 one (dgemmAsm, panels,
// packed, dots, swapped) with 16 lanes to a vector, so panels are 64
// columns wide and the stack buffer holds twice as many elements in the
// same 32 KiB. Go zeroes a local array on every call, which for the
// smallest products would cost as much as the product itself, so those
// get a 4 KiB buffer instead, and products that need at most 16 KiB (a
// masked product's blocks of 32 columns, 128 rows of B at a time) a 16
// KiB one: zeroing 32 KiB a call had taken 1 % of a digits training
// step (perf), and pushed as much out of L1. Which one is chosen by
// shape only, and a path that fits in a smaller buffer blocks along k
// as in the large one (one block of at most 128 rows of B), so the
// summation order is the same with any.

const (
	// spackSize, smediumSize and ssmallSize are the numbers of elements
	// in the large, medium and small stack buffers of the float32 path.
	spackSize   = 8192
	smediumSize = 4096
	ssmallSize  = 1024
)

// sblockRows[w] is the row count of the main float32 kernel for width w.
var sblockRows = [5]int{1: 8, 2: 8, 3: 8, 4: 6}

// sdotBlockRows[nr] is the row count of the main float32 dot kernel for
// nr columns.
var sdotBlockRows = [5]int{1: 8, 2: 8, 4: 4}

// spath is a way of computing a float32 product.
type spath int

const (
	sInPlace        spath = iota // spanels on B in place
	sInPlaceBlocked              // spanels on B in place, 128 rows of B at a time
	sDots                        // sdots
	sSwapped                     // sswapped
	sPacked                      // spacked
)

// sgemmAsm is Sgemm for validated arguments with k > 0 on the AVX-512
// kernels: C = A'·B' (+ C if acc).
func sgemmAsm(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, acc bool, c []float32, ldc int) {
	path, need := spathFor(tA, tB, m, n, k, ldb)
	switch {
	case need == 0:
		srun(path, nil, tA, tB, m, n, k, a, lda, b, ldb, acc, c, ldc)
	case need <= ssmallSize:
		srunSmall(path, tA, tB, m, n, k, a, lda, b, ldb, acc, c, ldc)
	case need <= smediumSize:
		srunMedium(path, tA, tB, m, n, k, a, lda, b, ldb, acc, c, ldc)
	default:
		srunLarge(path, tA, tB, m, n, k, a, lda, b, ldb, acc, c, ldc)
	}
}

// spathFor chooses the path of a float32 product by its shape, and
// returns the elements of stack buffer it uses.
func spathFor(tA, tB bool, m, n, k, ldb int) (path spath, need int) {
	switch {
	case !tA && n <= 4 && k >= 16:
		// Few columns: dot products along the contiguous rows of A use
		// full vectors where the panel kernels would use a quarter of
		// one.
		path = sDots
		if !tB {
			need = n * ((k + 15) &^ 15)
		}
	case tA && n <= 4 && m > n:
		// Few columns: compute Cᵀ, whose rows run along those of A.
		path, need = sSwapped, n*m
	case !tB && (m < 32 || k <= 16):
		// B is small or little reused: read it in place.
		path = sInPlace
	case !tB && n <= 64 && !packAliased(m, ldb, 256):
		// One panel or half of one (a block of a masked product): read
		// it in place, 128 rows at a time as spacked would, which sums
		// in the same order. The rows stay in L2 while every row panel
		// of A uses them; copying them costs more, row by row, than it
		// saves, most where they come from memory (the prefetching
		// kernels fetch them ahead, a copy waits for each): a 784-d
		// shard's 64×(784→1024) forward product, in blocks of one panel
		// (maskWideCols), took 573–586 µs packed and 450–462 in place
		// (one thread, its weights from memory as in training,
		// TestProbeProducts, bench/README.md).
		path = sInPlaceBlocked
	default:
		path, need = sPacked, min(k, 128)*n
	}
	return path, need
}

// srunSmall runs path with the small stack buffer.
//
//go:noinline
func srunSmall(path spath, tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, acc bool, c []float32, ldc int) {
	var buf [ssmallSize + 16]float32
	srun(path, align64(buf[:], ssmallSize), tA, tB, m, n, k, a, lda, b, ldb, acc, c, ldc)
}

// srunMedium runs path with the medium stack buffer.
//
//go:noinline
func srunMedium(path spath, tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, acc bool, c []float32, ldc int) {
	var buf [smediumSize + 16]float32
	srun(path, align64(buf[:], smediumSize), tA, tB, m, n, k, a, lda, b, ldb, acc, c, ldc)
}

// srunLarge runs path with the large stack buffer.
//
//go:noinline
func srunLarge(path spath, tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, acc bool, c []float32, ldc int) {
	var buf [spackSize + 16]float32
	srun(path, align64(buf[:], spackSize), tA, tB, m, n, k, a, lda, b, ldb, acc, c, ldc)
}

// srun runs path with the scratch space buf.
func srun(path spath, buf []float32, tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, acc bool, c []float32, ldc int) {
	ars, aps := lda, 1
	if tA {
		ars, aps = 1, lda
	}
	pf := prefetchB(k, ldb, 256)
	switch path {
	case sInPlace:
		spanelsPf(pf, m, n, k, a, ars, aps, b, ldb, acc, c, ldc)
	case sInPlaceBlocked:
		for p0 := 0; p0 < k; p0 += 128 {
			spanelsPf(pf, m, n, min(128, k-p0), a[p0*aps:], ars, aps, b[p0*ldb:], ldb, acc || p0 > 0, c, ldc)
		}
	case sDots:
		sdots(buf, tB, m, n, k, a, lda, b, ldb, acc, c, ldc)
	case sSwapped:
		sswapped(buf, tB, m, n, k, a, lda, b, ldb, acc, c, ldc)
	default:
		spacked(buf, tB, m, n, k, a, ars, aps, b, ldb, acc, c, ldc)
	}
}

// align64 returns the n elements of s from the first that lies on a
// 64-byte boundary, so that the vectors of packed blocks load from a
// single cache line; s holds at least n+15 elements.
func align64(s []float32, n int) []float32 {
	off := int(-uintptr(unsafe.Pointer(&s[0])) % 64 / 4)
	return s[off : off+n]
}

// spanels computes C = A'·B (+ C if acc) one column panel of at most 64
// columns at a time, with A'[i,p] at a[i*ars+p*aps].
func spanels(m, n, k int, a []float32, ars, aps int, b []float32, ldb int, acc bool, c []float32, ldc int) {
	spanelsPf(pfOff, m, n, k, a, ars, aps, b, ldb, acc, c, ldc)
}

// spanelsPf is spanels, on main kernels that prefetch B as pf says.
func spanelsPf(pf pfMode, m, n, k int, a []float32, ars, aps int, b []float32, ldb int, acc bool, c []float32, ldc int) {
	iacc := 0
	if acc {
		iacc = 1
	}
	for j := 0; j < n; j += 64 {
		w, mask := 4, 0xffff
		if rem := n - j; rem < 64 {
			w = (rem + 15) / 16
			mask = 1<<(rem-16*(w-1)) - 1
		}
		mr := sblockRows[w]
		nb := m / mr
		switch {
		case nb > 0 && pf != pfOff:
			skernelPf(pf == pfL2, w, nb, k, &a[0], ars, aps, &b[j], ldb, &c[j], ldc, mask, iacc)
		case nb > 0:
			skernel(w, mr, nb, k, &a[0], ars, aps, &b[j], ldb, &c[j], ldc, mask, iacc)
		}
		for i := nb * mr; i < m; {
			r := 4
			for r > m-i {
				r /= 2
			}
			skernel(w, r, 1, k, &a[i*ars], ars, aps, &b[j], ldb, &c[i*ldc+j], ldc, mask, iacc)
			i += r
		}
	}
}

// spacked computes C = A'·B' (+ C if acc), copying blocks of at most
// 128 rows of B' into the contiguous buffer buf first; B' is B, or Bᵀ
// for B stored n×k if tB.
func spacked(buf []float32, tB bool, m, n, k int, a []float32, ars, aps int, b []float32, ldb int, acc bool, c []float32, ldc int) {
	kc := min(k, 128)
	nc := len(buf) / kc
	if nc >= 64 {
		nc &^= 63
	}
	for p0 := 0; p0 < k; p0 += kc {
		kw := min(kc, k-p0)
		for j0 := 0; j0 < n; j0 += nc {
			nw := min(nc, n-j0)
			blk := buf[:kw*nw]
			if tB {
				spackT(blk, kw, nw, b[j0*ldb+p0:], ldb)
			} else {
				for p := range kw {
					copy(blk[p*nw:(p+1)*nw], b[(p0+p)*ldb+j0:])
				}
			}
			spanels(m, nw, kw, a[p0*aps:], ars, aps, blk, nw, acc || p0 > 0, c[j0:], ldc)
		}
	}
}

// spackT stores the transpose of the nw×kw block of b (leading dimension
// ldb) into dst as a kw×nw row-major matrix: 16×16 tiles in registers,
// the last kw mod 16 rows of dst too (tiles of b's rows read under a
// lane mask), the last nw mod 16 columns element by element. The
// blocks of masked products transpose parts whose k is rarely a
// multiple of 16: element by element, those rows had cost a digits
// training step 1.4 % of its time (perf).
func spackT(dst []float32, kw, nw int, b []float32, ldb int) { spackTTo(dst, nw, kw, nw, b, ldb) }

// spackTTo is spackT into dst with leading dimension ldd (Transpose32).
func spackTTo(dst []float32, ldd, kw, nw int, b []float32, ldb int) {
	kt, jt := kw/16, nw/16
	if jt > 0 {
		_ = b[(16*jt-1)*ldb+kw-1]
		_ = dst[(kw-1)*ldd+16*jt-1]
		if kt > 0 {
			stranspose16(kt, jt, &b[0], ldb, &dst[0], ldd)
		}
		if kr := kw - 16*kt; kr > 0 {
			stranspose16Tail(kr, jt, &b[16*kt], ldb, &dst[16*kt*ldd], ldd)
		}
		packTScalar(dst, ldd, b, ldb, 0, kw, 16*jt, nw)
		return
	}
	packTScalar(dst, ldd, b, ldb, 0, kw, 0, nw)
}

// sdots computes C = A·B' (+ C if acc) for n ≤ 4 as dot products along
// the rows of A; B' is Bᵀ for B stored n×k if tB, else B, whose
// transpose is first copied to buf.
func sdots(buf []float32, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, acc bool, c []float32, ldc int) {
	if tB {
		sdotCols(m, n, k, a, lda, b, ldb, acc, c, ldc)
		return
	}
	// With n·⌈k/16⌉·16 ≤ len(buf) this is a single block whichever the
	// buffer.
	kc := len(buf) / n &^ 15
	for p0 := 0; p0 < k; p0 += kc {
		kw := min(kc, k-p0)
		bt := buf[:n*kw]
		spackT(bt, n, kw, b[p0*ldb:], ldb)
		sdotCols(m, n, kw, a[p0:], lda, bt, kw, acc || p0 > 0, c, ldc)
	}
}

// sdotCols computes C = A·Bᵀ (+ C if acc) for B stored n×k, in groups of
// 4, 2 and 1 columns.
func sdotCols(m, n, k int, a []float32, lda int, b []float32, ldb int, acc bool, c []float32, ldc int) {
	iacc := 0
	if acc {
		iacc = 1
	}
	mask := 1<<(k%16) - 1
	for j := 0; j < n; {
		nr := 4
		for nr > n-j {
			nr /= 2
		}
		mr := sdotBlockRows[nr]
		nb := m / mr
		if nb > 0 {
			sdotKernel(nr, mr, nb, k, &a[0], lda, &b[j*ldb], ldb, &c[j], ldc, mask, iacc)
		}
		if i := nb * mr; i < m {
			sdotKernel(nr, 1, m-i, k, &a[i*lda], lda, &b[j*ldb], ldb, &c[i*ldc+j], ldc, mask, iacc)
		}
		j += nr
	}
}

// sswapped computes C = Aᵀ·B' (+ C if acc) for A stored k×m and n ≤ 4 as
// Cᵀ = B'ᵀ·A, whose rows run along the contiguous rows of A, into buf,
// which is then added or copied into C.
func sswapped(buf []float32, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, acc bool, c []float32, ldc int) {
	// B'ᵀ[j,p] is b[j*brs+p*bps].
	brs, bps := 1, ldb
	if tB {
		brs, bps = ldb, 1
	}
	mc := len(buf) / n
	for i0 := 0; i0 < m; i0 += mc {
		mw := min(mc, m-i0)
		ct := buf[:n*mw]
		spanels(n, mw, k, b, brs, bps, a[i0:], lda, false, ct, mw)
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
