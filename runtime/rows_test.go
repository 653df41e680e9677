package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/noxlang/nox/compiler/ir"
)

// TestRowKernels checks each row kernel against a plain loop over the
// same elements (the row sums against sumRow), bit for bit (a NaN for a
// NaN: which of two NaNs an addition keeps depends on its operands'
// order, which Go's compiler may swap), in both dtypes: widths around the
// vector sizes, strides past the width, one row for all (ldb 0), NaNs,
// infinities and signed zeros among the values; and that elements
// between the rows are left alone.
func TestRowKernels(t *testing.T) {
	if !useAVX512 {
		t.Skip("no AVX-512 on this machine: the row kernels are not used")
	}
	testRowKernels[float32](t)
	testRowKernels[float64](t)
}

func testRowKernels[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	special := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 1e-40, 3.5}
	fill := func(n int) []T {
		x := make([]T, n)
		for i := range x {
			if rng.IntN(8) == 0 {
				x[i] = T(special[rng.IntN(len(special))])
			} else {
				x[i] = T(rng.NormFloat64())
			}
		}
		return x
	}
	same := func(label string, got, want []T) {
		t.Helper()
		for i := range want {
			g, w := float64(got[i]), float64(want[i])
			if math.Float64bits(g) != math.Float64bits(w) && !(math.IsNaN(g) && math.IsNaN(w)) {
				t.Fatalf("%T %s: element %d = %v (%x), want %v (%x)", got[0], label, i, got[i], math.Float64bits(float64(got[i])), want[i], math.Float64bits(float64(want[i])))
			}
		}
	}
	apply := func(op ir.Op, x, y T) T {
		switch op {
		case ir.OpAdd:
			return x + y
		case ir.OpSub:
			return x - y
		}
		return x * y
	}
	for _, rows := range []int{1, 3, 128} {
		for _, cols := range []int{1, 7, 8, 15, 16, 17, 31, 33, 64, 100} {
			for _, pad := range []int{0, 5} {
				ld := cols + pad
				a, b := fill(rows*ld), fill(rows*ld)
				col := fill(rows)
				for _, op := range []ir.Op{ir.OpAdd, ir.OpSub, ir.OpMul} {
					for _, ldb := range []int{ld, 0} {
						got, want := fill(rows*ld), []T(nil)
						want = append(want, got...)
						for r := range rows {
							for j := range cols {
								want[r*ld+j] = apply(op, a[r*ld+j], b[r*ldb+j])
							}
						}
						if !rowsBinary(op, got, a, b, rows, cols, ld, ld, ldb) {
							t.Fatal("rowsBinary refused")
						}
						same(op.String()+" rows", got, want)
					}
					got, want := fill(rows*ld), []T(nil)
					want = append(want, got...)
					for r := range rows {
						for j := range cols {
							want[r*ld+j] = apply(op, a[r*ld+j], col[r])
						}
					}
					if !colsBinary(op, got, a, col, rows, cols, ld, ld) {
						t.Fatal("colsBinary refused")
					}
					same(op.String()+" cols", got, want)
				}
				got, want := fill(rows*ld), []T(nil)
				want = append(want, got...)
				for r := range rows {
					copy(want[r*ld:r*ld+cols], a[r*ld:])
				}
				if !rowsCopy(got, a, rows, cols, ld, ld) {
					t.Fatal("rowsCopy refused")
				}
				same("copy", got, want)
				got, want = fill(rows*ld), nil
				want = append(want, got...)
				for r := range rows {
					for j := range cols {
						want[r*ld+j] = col[r]
					}
				}
				if !rowsBcast(got, col, rows, cols, ld) {
					t.Fatal("rowsBcast refused")
				}
				same("broadcast", got, want)
			}
		}
	}
	for _, rows := range []int{1, 3, 128} {
		for _, n := range []int{8, 9, 15, 16, 17, 24, 64, 100, 784} {
			for _, pad := range []int{0, 3} {
				ld := n + pad
				a := fill(rows * ld)
				got, want := fill(rows+2), []T(nil)
				want = append(want, got...)
				for r := range rows {
					want[r] = sumRow(a[r*ld : r*ld+n])
				}
				if !sumRows(got, a, rows, n, ld) {
					t.Fatal("sumRows refused")
				}
				same(fmt.Sprintf("row sums of %d", n), got, want)
				got, want = fill(rows*ld), nil
				want = append(want, got...)
				for r := range rows {
					for j := range n {
						want[r*ld+j] = a[r*ld+n-1-j]
					}
				}
				lanes := 64 / int(unsafe.Sizeof(T(0)))
				if ok := reverseRows(got, a, rows, n, ld, ld); ok != (n%lanes == 0) {
					t.Fatalf("reverseRows of %d: %v", n, ok)
				} else if ok {
					same(fmt.Sprintf("reversal of %d", n), got, want)
				}
			}
		}
	}
	// Operands too short for the rows asked: refused, nothing written.
	x := make([]T, 10)
	if rowsCopy(x, x, 2, 6, 6, 6) || rowsBinary(ir.OpAdd, x, x, x, 2, 6, 6, 6, 6) || colsBinary(ir.OpAdd, x, x, x[:1], 2, 5, 5, 5) || rowsBcast(x, x[:1], 2, 5, 5) {
		t.Fatal("a row kernel took operands too short")
	}
	if sumRows(x, x, 2, 8, 8) || sumRows(x[:1], x, 2, 4, 4) || reverseRows(x, x, 2, 8, 8, 8) {
		t.Fatal("a row kernel took operands too short")
	}
	if rowsBinary(ir.OpDiv, x, x, x, 1, 5, 5, 5, 5) {
		t.Fatal("rowsBinary took a division")
	}
}
