package runtime

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestSmallK runs biased products of up to smallKMax terms as smallK and
// as a product followed by the bias pass, over shapes with and without a
// vector tail, operands read through strides wider than the product,
// the second transposed or not, with and without relu, in both element
// types, and checks that they give the same bits (NaNs with their
// payloads, infinities, negative zeros included), write nothing past the
// output and, on Linux, read nothing past the operands.
func TestSmallK(t *testing.T) {
	if !gemmAVX512Path() {
		t.Skip("products do not run on the AVX-512 kernels here: smallK is never planned")
	}
	testSmallK[float64](t)
	testSmallK[float32](t)
}

func testSmallK[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	fill := func(n int) []T { return oddFloats[T](r, n) }
	e := &Exec[T]{k: kernelsFor[T]()}
	runs := 0
	for _, rows := range []int{1, 2, 3, 7, 17, 64} {
		for _, cols := range []int{1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 130} {
			for k := 1; k <= smallKMax; k++ {
				for _, wide := range []bool{false, true} {
					for _, flags := range []int{ir.GemmBias, ir.GemmBias | ir.GemmRelu, ir.GemmBias | ir.TransB, ir.GemmBias | ir.GemmRelu | ir.TransB} {
						tB, relu := flags&ir.TransB != 0, flags&ir.GemmRelu != 0
						lda, ldb, bRows := k, cols, k
						if tB {
							ldb, bRows = k, cols
						}
						if wide {
							lda, ldb = lda+3, ldb+5
						}
						const guard = 23
						a, b, c, out0 := fill(rows*lda), fill(bRows*ldb), fill(cols), fill(rows*cols+guard)
						run := func(fused bool) []T {
							out := append([]T(nil), out0...)
							s := step[T]{op: ir.OpGemm, rows: rows, cols: cols, ar: rows, ac: k, br: k, bc: cols, lda: lda, ldb: ldb,
								flags: flags, a: a, b: b, c: c, out: out[:rows*cols]}
							if fused {
								// Each operand ends where the process's memory
								// does (on Linux): a read past it would crash.
								s.a, s.b, s.c = atMemoryEnd(0, a), atMemoryEnd(1, b), atMemoryEnd(2, c)
								if s.smallK = smallKPlanned(&s); !s.smallK {
									t.Fatalf("%T rows %d cols %d k %d: not planned as smallK", T(0), rows, cols, k)
								}
								if tB {
									s.packed = make([]T, k*cols)
								}
								runs++
							} else if n := biasTile[T](cols); n > 0 {
								s.tile = make([]T, n)
							}
							e.exec(&s)
							return out
						}
						want, got := run(false), run(true)
						for i := range want {
							if bitsOf(got[i]) != bitsOf(want[i]) {
								where := fmt.Sprintf("row %d column %d", i/cols, i%cols)
								if i >= rows*cols {
									where = "past the output"
								}
								t.Fatalf("%T rows %d cols %d k %d lda %d ldb %d relu %v transposed B %v: element %d (%s) is %v (%#x), want %v (%#x)",
									T(0), rows, cols, k, lda, ldb, relu, tB, i, where, got[i], bitsOf(got[i]), want[i], bitsOf(want[i]))
							}
						}
					}
				}
			}
		}
	}
	if runs == 0 {
		t.Fatal("no product ran as smallK")
	}
}

// BenchmarkSmallK times a moons MADE's first layer over a log-prob part
// (500 rows, [500,2]·[2,100] + bias, relu) as smallK and as the product
// followed by the bias pass.
func BenchmarkSmallK(b *testing.B) {
	benchSmallK[float64](b)
	benchSmallK[float32](b)
}

func benchSmallK[T Float](b *testing.B) {
	const rows, cols, k = 500, 100, 2
	for _, fused := range []bool{false, true} {
		b.Run(fmt.Sprintf("%T/fused=%v", T(0), fused), func(b *testing.B) {
			e := &Exec[T]{k: kernelsFor[T]()}
			s := step[T]{op: ir.OpGemm, rows: rows, cols: cols, ar: rows, ac: k, br: k, bc: cols, lda: k, ldb: cols,
				flags: ir.GemmBias | ir.GemmRelu, a: make([]T, rows*k), b: make([]T, k*cols), c: make([]T, cols), out: make([]T, rows*cols)}
			if fused {
				if s.smallK = smallKPlanned(&s); !s.smallK {
					b.Skip("smallK is not planned here")
				}
			} else if n := biasTile[T](cols); n > 0 {
				s.tile = make([]T, n)
			}
			for b.Loop() {
				e.exec(&s)
			}
		})
	}
}
