package gemm

import (
	"fmt"
	"testing"
)

// TestTranspose checks Transpose32 and Transpose64 on the accelerated
// and portable paths against the definition, over shapes on either side
// of the tiles (16 and 8) and leading dimensions wider than the rows,
// and that nothing outside the transposed block of dst is written.
func TestTranspose(t *testing.T) {
	sizes := []int{0, 1, 5, 8, 15, 16, 17, 31, 33, 64}
	for _, asm := range []bool{true, false} {
		for _, rows := range sizes {
			for _, cols := range sizes {
				for _, pad := range []int{0, 3} {
					name := fmt.Sprintf("asm=%v %dx%d pad %d", asm, rows, cols, pad)
					withAsm(asm, func() {
						checkTranspose(t, name, rows, cols, pad, Transpose32)
						checkTranspose(t, name, rows, cols, pad, Transpose64)
					})
				}
			}
		}
	}
}

func checkTranspose[T float32 | float64](t *testing.T, name string, rows, cols, pad int, f func(int, int, []T, int, []T, int)) {
	t.Helper()
	lds, ldd := cols+pad, rows+pad
	src := make([]T, max(rows*lds, 1))
	for i := range src {
		src[i] = T(i + 1)
	}
	dst := make([]T, max(cols*ldd, 1))
	for i := range dst {
		dst[i] = -1
	}
	f(rows, cols, src, lds, dst, ldd)
	for j := range cols {
		for i := range ldd {
			want := T(-1)
			if i < rows {
				want = src[i*lds+j]
			}
			if got := dst[j*ldd+i]; got != want {
				t.Fatalf("%s (%T): dst[%d,%d] = %v, want %v", name, got, j, i, got, want)
			}
		}
	}
}

// TestTransposePanics checks that Transpose32 refuses operands that do
// not hold the block.
func TestTransposePanics(t *testing.T) {
	for _, c := range []struct {
		name                         string
		rows, cols, ns, lds, nd, ldd int
	}{
		{"short src", 4, 4, 15, 4, 16, 4},
		{"short dst", 4, 4, 16, 4, 15, 4},
		{"narrow lds", 4, 4, 64, 3, 64, 4},
		{"narrow ldd", 4, 4, 64, 4, 64, 3},
		{"negative", -1, 4, 64, 4, 64, 4},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", c.name)
				}
			}()
			Transpose32(c.rows, c.cols, make([]float32, c.ns), c.lds, make([]float32, c.nd), c.ldd)
		}()
	}
}
