package runtime

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBiasAVX512 checks the AVX-512 bias kernels against the AVX2 ones
// bit for bit, NaN payloads of both operands included, with and without
// relu, on every column count up to 70 and a few row counts.
func TestBiasAVX512(t *testing.T) {
	if !useAVX512 || !useAVX2 {
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	val := func() float64 {
		switch rng.IntN(6) {
		case 0:
			return math.Float64frombits(0x7ff8000000000000 | uint64(rng.IntN(1<<40)) | uint64(rng.IntN(2))<<63)
		case 1:
			return math.Copysign(0, float64(1-2*rng.IntN(2)))
		}
		return rng.NormFloat64()
	}
	val32 := func() float32 {
		if rng.IntN(6) == 0 {
			return math.Float32frombits(0x7fc00000 | uint32(rng.IntN(1<<22)) | uint32(rng.IntN(2))<<31)
		}
		return float32(val())
	}
	for _, rows := range []int{1, 2, 5} {
		for cols := 1; cols <= 70; cols++ {
			for _, floor := range []float64{0, math.Inf(-1)} {
				a, b := make([]float64, rows*cols), make([]float64, cols)
				a32, b32 := make([]float32, rows*cols), make([]float32, cols)
				for i := range a {
					a[i], a32[i] = val(), val32()
				}
				for i := range b {
					b[i], b32[i] = val(), val32()
				}
				want, got := append([]float64(nil), a...), append([]float64(nil), a...)
				biasAVX(&want[0], &b[0], rows, cols, floor)
				biasAVX512d(&got[0], &b[0], rows, cols, floor)
				want32, got32 := append([]float32(nil), a32...), append([]float32(nil), a32...)
				biasAVX32(&want32[0], &b32[0], rows, cols, float32(floor))
				biasAVX512s(&got32[0], &b32[0], rows, cols, float32(floor))
				for i := range want {
					if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
						t.Fatalf("float64 %d×%d floor %v: [%d] = %#x, want %#x", rows, cols, floor, i, math.Float64bits(got[i]), math.Float64bits(want[i]))
					}
					if math.Float32bits(got32[i]) != math.Float32bits(want32[i]) {
						t.Fatalf("float32 %d×%d floor %v: [%d] = %#x, want %#x", rows, cols, floor, i, math.Float32bits(got32[i]), math.Float32bits(want32[i]))
					}
				}
			}
		}
	}
}

// TestBiasTiled checks the flat bias kernels (biasTiled) against the row
// kernels bit for bit, NaN payloads and signed zeros of both operands
// included, with and without relu, for every column count up to 70 that
// is not a multiple of the lanes and row counts that end the run on a
// whole vector and off one; the element past the end must not change.
func TestBiasTiled(t *testing.T) {
	if !useAVX512 || !rowKernels {
		t.Skip("no AVX-512")
	}
	checkBiasTiled[float64](t, 8)
	checkBiasTiled[float32](t, 16)
}

func checkBiasTiled[T Float](t *testing.T, lanes int) {
	rng := rand.New(rand.NewPCG(7, 8))
	val := func() T {
		switch rng.IntN(6) {
		case 0: // a quiet NaN of either sign, its payload in the bits a float32 keeps
			return T(math.Float64frombits(0x7ff8000000000000 | uint64(rng.IntN(1<<22))<<29 | uint64(rng.IntN(2))<<63))
		case 1:
			return T(math.Copysign(0, float64(1-2*rng.IntN(2))))
		}
		return T(rng.NormFloat64())
	}
	tiled := 0
	for cols := 1; cols <= 70; cols++ {
		n := biasTile[T](cols)
		if cols%lanes == 0 {
			if n != 0 {
				t.Fatalf("%T cols %d: tile %d, want none", T(0), cols, n)
			}
			continue
		}
		if n%cols != 0 || n%lanes != 0 || n > cols*lanes {
			t.Fatalf("%T cols %d: tile %d, want the least common multiple with %d", T(0), cols, n, lanes)
		}
		for _, rows := range []int{1, 2, 3, 7, 16, 33} {
			for _, relu := range []bool{false, true} {
				a, bias := make([]T, rows*cols+1), make([]T, cols)
				for i := range a {
					a[i] = val()
				}
				for i := range bias {
					bias[i] = val()
				}
				want, got := append([]T(nil), a...), append([]T(nil), a...)
				floor := T(math.Inf(-1))
				if relu {
					floor = 0
				}
				if !biasVec(want[:rows*cols], bias, rows, cols, floor) {
					t.Fatal("the row kernel did not run")
				}
				tile := make([]T, n)
				if !biasTiled(got[:rows*cols], bias, tile, cols, relu) {
					t.Fatalf("%T %d×%d: the flat kernel did not run", T(0), rows, cols)
				}
				tiled++
				for i := range want {
					if math.Float64bits(float64(got[i])) != math.Float64bits(float64(want[i])) {
						t.Fatalf("%T %d×%d relu %v: [%d] = %v, want %v", T(0), rows, cols, relu, i, got[i], want[i])
					}
				}
			}
		}
	}
	if tiled == 0 {
		t.Fatal("nothing ran tiled")
	}
}
