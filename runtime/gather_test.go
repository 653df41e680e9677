package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestGatherLayout runs the narrow layout steps as gathers (gather.go),
// as windowed permutations where they can and as the loops over rows, over every narrow shape of a few rows up to
// more than a period of the pattern, in both element types, and checks
// that they give the same bits: the values moved, NaNs with their
// payloads and signs, negative zeros, a column addition's sums (a sum
// of two NaNs keeps the added element's payload, as the loop's does), nothing written
// past the output's rows, and nothing read past the sources' (on Linux,
// each source ends where a page the process may not read begins).
func TestGatherLayout(t *testing.T) {
	if !useAVX512 {
		t.Skip("no AVX-512 on this machine: the narrow layout steps run as loops")
	}
	defer func(p bool) { narrowPermutes = p }(narrowPermutes)
	for _, permutes := range []bool{false, true} {
		narrowPermutes = permutes
		testGatherLayout[float64](t)
		testGatherLayout[float32](t)
	}
}

func testGatherLayout[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(7, 9))
	fill := func(n int) []T { return oddFloats[T](r, n) }
	var shapes []step[T]
	for _, rows := range []int{1, 2, 3, 5, 8, 17, 37, 130} {
		for ac := 1; ac <= 20; ac++ {
			for cols := 1; cols <= min(ac, narrowCols-1); cols++ {
				for off := 0; off+cols <= ac; off++ {
					shapes = append(shapes, step[T]{op: ir.OpSliceCols, rows: rows, cols: cols, ar: rows, ac: ac, off: off})
				}
			}
		}
		for ac := 1; ac < narrowCols; ac++ {
			for cols := ac; cols <= 20; cols++ {
				for off := 0; off+ac <= cols; off++ {
					shapes = append(shapes, step[T]{op: ir.OpPadCols, rows: rows, cols: cols, ar: rows, ac: ac, off: off})
					if cols < narrowCols+4 {
						shapes = append(shapes, step[T]{op: ir.OpAddCols, rows: rows, cols: cols, ar: rows, ac: cols, br: rows, bc: ac, off: off})
					}
				}
			}
		}
		for ac := 1; ac <= 12; ac++ {
			for cols := 1; cols < narrowCols; cols++ {
				perm := make([]int, cols)
				for j := range perm {
					perm[j] = r.IntN(ac)
				}
				shapes = append(shapes, step[T]{op: ir.OpPermuteCols, rows: rows, cols: cols, ar: rows, ac: ac, ints: perm})
			}
			rev := make([]int, ac)
			for j := range rev {
				rev[j] = ac - 1 - j
			}
			shapes = append(shapes, step[T]{op: ir.OpPermuteCols, rows: rows, cols: ac, ar: rows, ac: ac, ints: rev, reverse: true})
		}
	}
	e := &Exec[T]{k: kernelsFor[T]()}
	gathered, windowed := 0, 0
	for _, sh := range shapes {
		for _, inPlace := range []bool{false, true} {
			if inPlace && sh.op != ir.OpAddCols {
				continue
			}
			name := fmt.Sprintf("%T %v rows %d cols %d ac %d bc %d off %d in place %v", T(0), sh.op, sh.rows, sh.cols, sh.ac, sh.bc, sh.off, inPlace)
			const guard = 19 // elements past the output, which no run may write
			a, b, out0 := fill(sh.ar*sh.ac), fill(sh.br*sh.bc), fill(sh.rows*sh.cols+guard)
			run := func(gathers bool) []T {
				s := sh
				s.a, s.b = append([]T(nil), a...), append([]T(nil), b...)
				if gathers {
					// The step's source ends where the process's memory
					// does, where the system lets the test place it so: a
					// kernel that read past it would crash the test.
					if sh.op == ir.OpAddCols {
						s.b = atMemoryEnd(0, s.b)
					} else {
						s.a = atMemoryEnd(0, s.a)
					}
				}
				out := append([]T(nil), out0...)
				if inPlace {
					copy(out, s.a)
					s.a = out
				}
				s.out = out[:sh.rows*sh.cols]
				if gathers {
					if s.gather = narrowGather(&s); s.gather == nil {
						if sh.cols < narrowCols {
							t.Fatalf("%s: not run as a gather", name)
						}
					} else {
						gathered++
						if s.gather.win != nil {
							windowed++
						}
					}
				}
				e.layout(&s)
				return out
			}
			want, got := run(false), run(true)
			for i := range want {
				if bitsOf(got[i]) != bitsOf(want[i]) {
					where := "row " + fmt.Sprint(i/sh.cols)
					if i >= sh.rows*sh.cols {
						where = "past the output"
					}
					t.Fatalf("%s: element %d (%s) is %v (%#x), want %v (%#x)", name, i, where, got[i], bitsOf(got[i]), want[i], bitsOf(want[i]))
				}
			}
		}
	}
	if gathered == 0 || narrowPermutes != (windowed > 0) || windowed == gathered {
		t.Fatalf("%d steps ran as gathers, %d of them as windowed permutations: the test covers too little", gathered, windowed)
	}
}

// BenchmarkNarrowLayout times a moons shard's narrow layout steps (128
// rows) as loops over the rows, as gathers and as windowed permutations.
func BenchmarkNarrowLayout(b *testing.B) {
	benchNarrowLayout[float64](b)
	benchNarrowLayout[float32](b)
}

func benchNarrowLayout[T Float](b *testing.B) {
	const rows = 128
	for _, sh := range []step[T]{
		{op: ir.OpSliceCols, rows: rows, cols: 2, ac: 4, off: 2},
		{op: ir.OpPadCols, rows: rows, cols: 4, ac: 2, off: 2},
		{op: ir.OpAddCols, rows: rows, cols: 4, ac: 4, bc: 2, off: 2},
		{op: ir.OpPermuteCols, rows: rows, cols: 2, ac: 2, ints: []int{1, 0}, reverse: true},
		// A digits sampler's solve step: one column of 64.
		{op: ir.OpSliceCols, rows: rows, cols: 1, ac: 64, off: 5},
		{op: ir.OpPadCols, rows: rows, cols: 64, ac: 1, off: 5},
		{op: ir.OpAddCols, rows: rows, cols: 64, ac: 64, bc: 1, off: 5},
	} {
		for _, mode := range []string{"loops", "gathers", "permutes"} {
			b.Run(fmt.Sprintf("%T/%v/%dx%d/%s", T(0), sh.op, sh.rows, sh.cols, mode), func(b *testing.B) {
				e := &Exec[T]{k: kernelsFor[T]()}
				s := sh
				s.a, s.b, s.out = make([]T, rows*max(s.ac, 1)), make([]T, rows*max(s.bc, 1)), make([]T, rows*s.cols)
				if mode != "loops" {
					defer func(p bool) { narrowPermutes = p }(narrowPermutes)
					narrowPermutes = mode == "permutes"
					if s.gather = narrowGather(&s); s.gather == nil || (s.gather.win != nil) != narrowPermutes {
						b.Skip("not run so here")
					}
				}
				for b.Loop() {
					e.layout(&s)
				}
			})
		}
	}
}

// oddFloats returns n values of T for bit-for-bit comparisons: mostly
// normal, with NaNs (random payloads and signs), −0, +0 and infinities
// mixed in.
func oddFloats[T Float](r *rand.Rand, n int) []T {
	x := make([]T, n)
	for i := range x {
		switch r.IntN(16) {
		case 0, 1:
			x[i] = T(math.Float64frombits(0x7ff8000000000000 | r.Uint64()>>13 | uint64(r.IntN(2))<<63))
		case 2:
			x[i] = T(math.Copysign(0, -1))
		case 3:
			x[i] = 0
		case 4:
			x[i] = T(math.Inf(1 - 2*r.IntN(2)))
		default:
			x[i] = T(r.NormFloat64())
		}
	}
	return x
}
