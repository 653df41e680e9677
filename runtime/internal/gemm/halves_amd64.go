package gemm

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// halvesAsm runs the halves kernels (kernhRxW, skernhRxW) over w vectors
// of columns: k in runs of 128 rows, as a block of a masked product read
// in place is summed (sInPlaceBlocked, and spacked, and their float64
// forms), each run over all of A's rows.
func halvesAsm[T float32 | float64](tA bool, m, w, k int, a []T, lda int, b []T, ldb, h int, acc bool, c []T, ldc int) {
	ars, aps := lda, 1
	if tA {
		ars, aps = 1, lda
	}
	// Prefetched as srun and run choose for a block read in place, but
	// only a B of 512 KiB or more (784-d's output weights, 6 MiB;
	// digits' in float64): digits' float32 output weights (256 KiB, and
	// their 64 KiB output gradient) ran 4 % slower prefetched.
	pf := pfOff
	var z T
	if size := unsafe.Sizeof(z); k*ldb*int(size) >= 1<<19 {
		pf = prefetchB(k, ldb, 1024/int(size))
	}
	mr := blockRows[w] // halvesShapes' main kernels have the plain ones' rows
	kern := func(r, nb, kw int, a *T, b *T, c *T, iacc int) {
		switch a := any(a).(type) {
		case *float32:
			b, c := any(b).(*float32), any(c).(*float32)
			if r == mr && pf != pfOff {
				skernelHalvesPf(pf == pfL2, w, nb, kw, a, ars, aps, b, ldb, c, ldc, h, iacc)
			} else {
				skernelHalves(w, r, nb, kw, a, ars, aps, b, ldb, c, ldc, h, iacc)
			}
		case *float64:
			b, c := any(b).(*float64), any(c).(*float64)
			if r == mr && pf != pfOff {
				kernelHalvesPf(pf == pfL2, w, nb, kw, a, ars, aps, b, ldb, c, ldc, h, iacc)
			} else {
				kernelHalves(w, r, nb, kw, a, ars, aps, b, ldb, c, ldc, h, iacc)
			}
		}
	}
	for p0 := 0; p0 < k; p0 += 128 {
		kw := min(128, k-p0)
		iacc := 0
		if acc || p0 > 0 {
			iacc = 1
		}
		ap, bp := a[p0*aps:], b[p0*ldb:]
		nb := m / mr
		if nb > 0 {
			kern(mr, nb, kw, &ap[0], &bp[0], &c[0], iacc)
		}
		for i := nb * mr; i < m; {
			r := 4
			for r > m-i {
				r /= 2
			}
			kern(r, 1, kw, &ap[i*ars], &bp[0], &c[i*ldc], iacc)
			i += r
		}
	}
}

// HalvesFit reports whether SgemmHalves or DgemmHalves suit a product
// with m rows of C and B's rows ldb elements of size bytes apart: not
// where those rows alias in the caches (packAliased), which the ordinary
// path avoids by copying B and the halves kernels do not. Digits'
// float64 output weights, 1 KiB rows, ran 0.68 of the ordinary
// kernels' speed in halves over 256 rows of C.
//
// The kernels also need AVX-512VL (halvesKernel); every AVX-512 CPU but
// the Xeon Phi has it.
func HalvesFit(m, ldb, size int) bool {
	return useAsm && halvesVL && !packAliased(m, ldb, 1024/size)
}

// halvesVL reports whether the CPU has AVX-512VL, which the halves
// kernels need beside AVX-512F.
var halvesVL = cpu.X86.HasAVX512VL
