package runtime

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestColSumVec: the column-sum kernel gives, bit for bit, what adding
// row after row gives, for widths around its blocks (64 and 16 float32,
// 32 and 8 float64 lanes) and its lane-masked tail, rows from one, and
// rows further apart than their width; it writes no element past out.
func TestColSumVec(t *testing.T) {
	if !useAVX512 {
		t.Skip("no AVX-512 on this machine")
	}
	for _, cols := range []int{1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 128, 129, 512} {
		for _, rows := range []int{1, 2, 3, 128} {
			for _, pad := range []int{0, 5} {
				testColSum[float32](t, rows, cols, cols+pad)
				testColSum[float64](t, rows, cols, cols+pad)
			}
		}
	}
}

func testColSum[T Float](t *testing.T, rows, cols, ld int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(rows), uint64(cols)))
	a := make([]T, (rows-1)*ld+cols)
	for i := range a {
		a[i] = T(rng.NormFloat64() * math.Exp2(float64(rng.IntN(40)-20)))
	}
	want := make([]T, cols)
	copy(want, a[:cols])
	for r := 1; r < rows; r++ {
		for j := range want {
			want[j] += a[r*ld+j]
		}
	}
	got := make([]T, cols+3)
	for j := range got {
		got[j] = -7
	}
	if !colSumVec(got[:cols], a, rows, ld) {
		t.Fatalf("%d×%d: the kernel did not run", rows, cols)
	}
	for j, w := range want {
		if math.Float64bits(float64(got[j])) != math.Float64bits(float64(w)) {
			t.Fatalf("%T %d×%d (ld %d): column %d is %v, want %v", T(0), rows, cols, ld, j, got[j], w)
		}
	}
	for j := cols; j < len(got); j++ {
		if got[j] != -7 {
			t.Fatalf("%T %d×%d: wrote element %d past the end", T(0), rows, cols, j)
		}
	}
}
