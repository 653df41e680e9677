package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSgemmKernels checks every assembly kernel directly on every row
// count, column remainder and k tail, with and without accumulation.
func TestSgemmKernels(t *testing.T) {
	if !useAsm {
		t.Skip("no assembly kernels on this machine")
	}
	r := rand.New(rand.NewPCG(5, 6))
	for w := 1; w <= 4; w++ {
		for _, mr := range []int{sblockRows[w], 4, 2, 1} {
			for cols := 16*(w-1) + 1; cols <= 16*w; cols++ {
				for _, k := range []int{1, 2, 7, 33} {
					const nb = 2
					m, ldc := nb*mr, cols+5
					a, b, c := srandMat(r, m, k+1), srandMat(r, k, 16*w+3), srandMat(r, m, ldc)
					for acc := range 2 {
						want, tol := sref(false, false, m, cols, k, a, k+1, b, 16*w+3, float32(acc), c, ldc)
						got := append([]float32(nil), c...)
						skernel(w, mr, nb, k, &a[0], k+1, 1, &b[0], 16*w+3, &got[0], ldc, 1<<(cols-16*(w-1))-1, acc)
						for i := range m {
							for j := range ldc {
								g := got[i*ldc+j]
								if j >= cols {
									if g != c[i*ldc+j] {
										t.Fatalf("skern%dx%d cols=%d k=%d acc=%d: C[%d,%d] outside the mask changed", mr, w, cols, k, acc, i, j)
									}
									continue
								}
								if !(math.Abs(float64(g)-want[i*cols+j]) <= tol[i*cols+j]) {
									t.Fatalf("skern%dx%d cols=%d k=%d acc=%d: C[%d,%d] = %v, want %v", mr, w, cols, k, acc, i, j, g, want[i*cols+j])
								}
							}
						}
					}
				}
			}
		}
	}
	for _, nr := range []int{4, 2, 1} {
		for _, mr := range []int{sdotBlockRows[nr], 1} {
			for k := 1; k <= 50; k++ {
				const nb = 3
				m, ldc := nb*mr, nr+2
				a, b, c := srandMat(r, m, k+3), srandMat(r, nr, k+1), srandMat(r, m, ldc)
				for acc := range 2 {
					want, tol := sref(false, true, m, nr, k, a, k+3, b, k+1, float32(acc), c, ldc)
					got := append([]float32(nil), c...)
					sdotKernel(nr, mr, nb, k, &a[0], k+3, &b[0], k+1, &got[0], ldc, 1<<(k%16)-1, acc)
					for i := range m {
						for j := range ldc {
							g := got[i*ldc+j]
							if j >= nr {
								if g != c[i*ldc+j] {
									t.Fatalf("sdot%dx%d k=%d acc=%d: C[%d,%d] outside the block changed", mr, nr, k, acc, i, j)
								}
								continue
							}
							if !(math.Abs(float64(g)-want[i*nr+j]) <= tol[i*nr+j]) {
								t.Fatalf("sdot%dx%d k=%d acc=%d: C[%d,%d] = %v, want %v", mr, nr, k, acc, i, j, g, want[i*nr+j])
							}
						}
					}
				}
			}
		}
	}
}

// TestSgemmBuffers checks that the small, medium and large stack
// buffers give bit-identical results on shapes that fit the smaller
// ones.
func TestSgemmBuffers(t *testing.T) {
	if !useAsm {
		t.Skip("no assembly kernels on this machine")
	}
	for _, tc := range []stestCase{
		{m: 37, n: 4, k: 250}, {m: 37, n: 3, k: 330}, {m: 9, n: 1, k: 1000}, {m: 128, n: 4, k: 100},
		{tA: true, m: 250, n: 4, k: 30}, {tA: true, tB: true, m: 300, n: 3, k: 17}, {tA: true, m: 1000, n: 1, k: 9},
		{tB: true, m: 40, n: 100, k: 4}, {m: 40, n: 8, k: 128}, {tA: true, tB: true, m: 33, n: 64, k: 16},
		{tB: true, m: 128, n: 32, k: 128}, {tB: true, m: 128, n: 32, k: 300}, {m: 70, n: 30, k: 77},
		{tA: true, tB: true, m: 64, n: 20, k: 200}, {tB: true, m: 128, n: 16, k: 37},
	} {
		a, lda, b, ldb, c, ldc := soperands(tc)
		var path spath
		need := 0
		switch {
		case !tc.tA && tc.n <= 4:
			path, need = sDots, tc.n*((tc.k+15)&^15)
		case tc.tA && tc.n <= 4:
			path, need = sSwapped, tc.n*tc.m
		default:
			path, need = sPacked, min(tc.k, 128)*tc.n
		}
		large := append([]float32(nil), c...)
		srunLarge(path, tc.tA, tc.tB, tc.m, tc.n, tc.k, a, lda, b, ldb, false, large, ldc)
		for _, r := range []struct {
			name string
			size int
			run  func(spath, bool, bool, int, int, int, []float32, int, []float32, int, bool, []float32, int)
		}{{"small", ssmallSize, srunSmall}, {"medium", smediumSize, srunMedium}} {
			if need > r.size {
				continue
			}
			got := append([]float32(nil), c...)
			r.run(path, tc.tA, tc.tB, tc.m, tc.n, tc.k, a, lda, b, ldb, false, got, ldc)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(large[i]) {
					t.Fatalf("%v: C[%d] = %v with the %s buffer, %v with the large one", tc, i, got[i], r.name, large[i])
				}
			}
		}
	}
}

// TestInPlaceBlocked checks that a product one panel wide, which reads B
// in place 128 rows at a time (prefetching into L1 or, with rows 4 KiB
// apart, into L2) or copies it (packAliased: such rows and 256 rows of C
// or more), gives the packed path's result bit for bit, in both element
// types: the path taken is a matter of speed only.
func TestInPlaceBlocked(t *testing.T) {
	if !useAsm {
		t.Skip("no assembly kernels on this machine")
	}
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{5, 16, 31, 32, 33, 48, 63, 64} {
		for _, mb := range [][2]int{{32, 1024}, {64, 1000}, {101, 1024}, {300, 1000}, {300, 1024}} {
			m, ldb := mb[0], mb[1] // B a block of a wider matrix
			for _, k := range []int{17, 128, 129, 300, 700} {
				for _, tA := range []bool{false, true} {
					lda := k + 3
					if tA {
						lda = m + 2
					}
					a := srandMat(r, max(m, k), lda)
					b := srandMat(r, k, ldb)
					c := srandMat(r, m, n+1)
					for _, acc := range []bool{false, true} {
						got, want := append([]float32(nil), c...), append([]float32(nil), c...)
						sgemmAsm(tA, false, m, n, k, a, lda, b, ldb, acc, got, n+1)
						srunLarge(sPacked, tA, false, m, n, k, a, lda, b, ldb, acc, want, n+1)
						for i := range got {
							if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
								t.Fatalf("float32 m=%d n=%d k=%d tA=%v acc=%v: C[%d] = %v in place, %v packed", m, n, k, tA, acc, i, got[i], want[i])
							}
						}
						a64, b64, c64 := widen(a), widen(b), widen(c)
						got64, want64 := append([]float64(nil), c64...), append([]float64(nil), c64...)
						ars, aps := lda, 1
						if tA {
							ars, aps = 1, lda
						}
						dgemmAsm(tA, false, m, n, k, a64, lda, b64, ldb, acc, got64, n+1)
						packed(false, m, n, k, a64, ars, aps, b64, ldb, acc, want64, n+1)
						for i := range got64 {
							if math.Float64bits(got64[i]) != math.Float64bits(want64[i]) {
								t.Fatalf("float64 m=%d n=%d k=%d tA=%v acc=%v: C[%d] = %v in place, %v packed", m, n, k, tA, acc, i, got64[i], want64[i])
							}
						}
					}
				}
			}
		}
	}
}

// TestSpathFor checks the float32 paths of the shapes whose choice was
// measured: a block of at most one panel reads B in place unless its
// rows alias C's (packAliased), where a 784-d shard's 64×(784→1024)
// forward product in blocks of one panel ran 1.25–1.27× as long
// packed.
func TestSpathFor(t *testing.T) {
	for _, c := range []struct {
		tA, tB     bool
		m, n, k    int
		ldb        int
		want       spath
		wantBuffer int
	}{
		{false, false, 64, 64, 751, 1024, sInPlaceBlocked, 0}, // 784-d forward, wide blocks
		{false, false, 64, 32, 32, 1024, sInPlaceBlocked, 0},  // a narrow part of it
		{false, false, 128, 48, 300, 1000, sInPlaceBlocked, 0},
		{true, false, 1024, 64, 128, 1568, sInPlaceBlocked, 0}, // 784-d output weight gradient, wide blocks
		{true, false, 784, 64, 128, 1024, sPacked, 128 * 64},   // 784-d input weight gradient: aliased
		{false, false, 64, 65, 751, 1024, sPacked, 128 * 65},   // more than a panel
		{false, true, 64, 32, 1567, 1568, sPacked, 128 * 32},   // B transposed
		{false, false, 16, 64, 751, 1024, sInPlace, 0},         // few rows
		{false, false, 64, 3, 751, 1024, sDots, 3 * 752},
	} {
		got, need := spathFor(c.tA, c.tB, c.m, c.n, c.k, c.ldb)
		if got != c.want || need != c.wantBuffer {
			t.Errorf("spathFor(%v, %v, %d, %d, %d, %d) = %d, %d; want %d, %d", c.tA, c.tB, c.m, c.n, c.k, c.ldb, got, need, c.want, c.wantBuffer)
		}
	}
}

func widen(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

// TestPackAliased checks which blocks of at most one panel copy B: rows
// a multiple of 1 KiB apart, and 256 rows of C or more.
func TestPackAliased(t *testing.T) {
	for _, c := range []struct {
		m, ldb, align int
		want          bool
	}{
		{784, 1024, 256, true},   // 784-d input weight gradient, float32
		{64, 1024, 256, false},   // 784-d forward: 64 rows
		{1024, 1568, 256, false}, // rows not a multiple of 1 KiB apart
		{64, 512, 256, false},    // digits' gradient
		{255, 1024, 256, false},
		{256, 1024, 256, true},
		{256, 512, 128, true}, // float64
		{256, 1000, 128, false},
	} {
		if got := packAliased(c.m, c.ldb, c.align); got != c.want {
			t.Errorf("packAliased(%d, %d, %d) = %v, want %v", c.m, c.ldb, c.align, got, c.want)
		}
	}
}

// TestPrefetchB checks which products prefetch B, and where to: deep
// enough, into L1 where B's rows do not share the L1 cache's sets, else
// into L2.
func TestPrefetchB(t *testing.T) {
	for _, c := range []struct {
		k, ldb, align int
		want          pfMode
	}{
		{1024, 1568, 256, pfL1}, // 784-d output weights, float32
		{784, 1024, 256, pfL2},  // 784-d input weights: 4 KiB rows
		{512, 128, 256, pfL1},   // digits output weights
		{64, 512, 256, pfOff},   // too few rows
		{127, 1568, 256, pfOff},
		{128, 1568, 128, pfL1}, // float64
		{1024, 1024, 128, pfL2},
	} {
		if got := prefetchB(c.k, c.ldb, c.align); got != c.want {
			t.Errorf("prefetchB(%d, %d, %d) = %v, want %v", c.k, c.ldb, c.align, got, c.want)
		}
	}
}
