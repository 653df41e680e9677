package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// benchShapes are the products the flow runtime runs most, as m×k·k×n
// with the stored operands transposed as flagged.
var benchShapes = []struct {
	tA, tB  bool
	m, n, k int
}{
	{false, false, 256, 100, 2},
	{false, false, 256, 4, 100},
	{false, false, 256, 512, 64},
	{false, false, 256, 128, 512},
	{false, false, 128, 1024, 784},
	{false, false, 256, 100, 100},
	{false, true, 256, 100, 4},
	{false, true, 256, 2, 100},
	{false, true, 256, 512, 128},
	{true, false, 100, 4, 256},
	{true, false, 2, 100, 256},
	{true, false, 64, 512, 256},
}

func BenchmarkDgemm(b *testing.B) {
	impl := gonum.Implementation{}
	for _, s := range benchShapes {
		ar, ac := s.m, s.k
		if s.tA {
			ar, ac = ac, ar
		}
		br, bc := s.k, s.n
		if s.tB {
			br, bc = bc, br
		}
		r := rand.New(rand.NewPCG(1, 2))
		a, bm, c := randMat(r, ar, ac), randMat(r, br, bc), randMat(r, s.m, s.n)
		flops := 2 * float64(s.m*s.n*s.k)
		tr := map[bool]string{false: "N", true: "T"}
		name := fmt.Sprintf("%s%s_%dx%dx%d", tr[s.tA], tr[s.tB], s.m, s.k, s.n)
		report := func(b *testing.B) {
			b.ReportMetric(flops*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GFLOP/s")
		}
		b.Run(name+"/gemm", func(b *testing.B) {
			for b.Loop() {
				Dgemm(s.tA, s.tB, s.m, s.n, s.k, a, ac, bm, bc, 0, c, s.n)
			}
			report(b)
		})
		b.Run(name+"/gemm-go", func(b *testing.B) {
			withAsm(false, func() {
				for b.Loop() {
					Dgemm(s.tA, s.tB, s.m, s.n, s.k, a, ac, bm, bc, 0, c, s.n)
				}
			})
			report(b)
		})
		b.Run(name+"/gonum", func(b *testing.B) {
			ta, tb := blas.NoTrans, blas.NoTrans
			if s.tA {
				ta = blas.Trans
			}
			if s.tB {
				tb = blas.Trans
			}
			for b.Loop() {
				impl.Dgemm(ta, tb, s.m, s.n, s.k, 1, a, ac, bm, bc, 0, c, s.n)
			}
			report(b)
		})
	}
}

// BenchmarkSgemm runs the float32 products of sgemmShapes on the
// assembly kernels (sgemm) and the Go loops (sgemm-go), and Dgemm on the
// same shapes in float64 (dgemm) for comparison.
func BenchmarkSgemm(b *testing.B) {
	for _, s := range sgemmShapes {
		ar, ac := s.m, s.k
		if s.tA {
			ar, ac = ac, ar
		}
		br, bc := s.k, s.n
		if s.tB {
			br, bc = bc, br
		}
		r := rand.New(rand.NewPCG(1, 2))
		a, bm, c := srandMat(r, ar, ac), srandMat(r, br, bc), srandMat(r, s.m, s.n)
		a64, bm64, c64 := randMat(r, ar, ac), randMat(r, br, bc), randMat(r, s.m, s.n)
		flops := 2 * float64(s.m*s.n*s.k)
		tr := map[bool]string{false: "N", true: "T"}
		name := fmt.Sprintf("%s%s_%dx%dx%d", tr[s.tA], tr[s.tB], s.m, s.k, s.n)
		report := func(b *testing.B) {
			b.ReportMetric(flops*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GFLOP/s")
		}
		b.Run(name+"/sgemm", func(b *testing.B) {
			for b.Loop() {
				Sgemm(s.tA, s.tB, s.m, s.n, s.k, a, ac, bm, bc, 0, c, s.n)
			}
			report(b)
		})
		b.Run(name+"/dgemm", func(b *testing.B) {
			for b.Loop() {
				Dgemm(s.tA, s.tB, s.m, s.n, s.k, a64, ac, bm64, bc, 0, c64, s.n)
			}
			report(b)
		})
		b.Run(name+"/sgemm-go", func(b *testing.B) {
			withAsm(false, func() {
				for b.Loop() {
					Sgemm(s.tA, s.tB, s.m, s.n, s.k, a, ac, bm, bc, 0, c, s.n)
				}
			})
			report(b)
		})
	}
}
