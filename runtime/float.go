package runtime

import "fmt"

// Float is the element type programs run in.
type Float interface{ float32 | float64 }

// DType is the precision programs run in. Parameters are kept and saved
// in float64 (Params.Data) whatever the DType; with Float32 the programs
// read a float32 copy of them and do all their arithmetic, matrix
// products included, in float32, and a Trainer trains that copy with
// float32 moments, as PyTorch does, writing it back to Data on Sync.
type DType int

const (
	Float64 DType = iota
	Float32
)

func (d DType) String() string {
	switch d {
	case Float64:
		return "float64"
	case Float32:
		return "float32"
	}
	return fmt.Sprintf("DType(%d)", int(d))
}

// size returns the bytes of an element.
func (d DType) size() int {
	if d == Float32 {
		return 4
	}
	return 8
}

// ParseDType returns the DType named s ("float64" or "float32").
func ParseDType(s string) (DType, error) {
	switch s {
	case "float64", "":
		return Float64, nil
	case "float32":
		return Float32, nil
	}
	return 0, fmt.Errorf("unknown dtype %q (want float64 or float32)", s)
}

// kernels are the element-type specific kernels: the float64 ones have
// AVX2 bodies and the AVX-512 matrix products, and so have the float32
// ones.
type kernels[T Float] struct {
	add, sub, mul func(out, a, b []T)
	relu          func(out, a []T)
	exp, tanh     func(out, a []T)
	reluGrad      func(out, a, g []T)
	// bias adds a row to every row of a rows×cols matrix, then applies
	// relu if asked (a fused dense layer); nil means biasGo.
	bias func(out, bias []T, rows, cols int, relu bool)
	gemm func(tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, scratch []T)
	// scratch reports whether gemm needs k·n elements of scratch for a
	// transposed B of this shape.
	scratch func(tA, tB bool, m, n, k int) bool
}

var kernels64 = kernels[float64]{
	add: add, sub: sub, mul: mul, relu: relu, reluGrad: reluGrad, gemm: dgemm, exp: exp64, tanh: tanh64, bias: bias64,
	scratch: func(tA, tB bool, m, n, k int) bool { return tB && dgemmChoose(tA, tB, m, n, k) != pathAVX512 },
}

var kernels32 = kernels[float32]{
	add: add32, sub: sub32, mul: mul32, relu: relu32, reluGrad: reluGrad32, gemm: sgemm, exp: exp32, tanh: tanh32, bias: bias32,
	scratch: func(tA, tB bool, m, n, k int) bool { return tB && gemmAVX2Path() },
}

// kernelsFor returns the kernels of T.
func kernelsFor[T Float]() *kernels[T] {
	var k any
	switch any(T(0)).(type) {
	case float64:
		k = &kernels64
	case float32:
		k = &kernels32
	}
	return k.(*kernels[T])
}

// convert copies src into dst, converting each element.
func convert[D, S Float](dst []D, src []S) {
	src = src[:len(dst)]
	n := 0
	if d, ok := any(dst).([]float32); ok {
		if s, ok := any(src).([]float64); ok {
			n = narrowVec(d, s) // the float32 copy of the parameters
		}
	}
	for i, v := range src[n:] {
		dst[n+i] = D(v)
	}
}

// scaleInto sets dst to w·src, or adds w·src to it if add: the
// trainer's combining of the shards' gradients.
func scaleInto[T Float](dst, src []T, w T, add bool) {
	src = src[:len(dst)]
	n := axpyVec(dst, src, w, add)
	dst, src = dst[n:], src[n:]
	if add {
		for j, x := range src {
			dst[j] += T(w * x) // rounded before the add, never fused (Adam's runs kernel adds the same way)
		}
		return
	}
	for j, x := range src {
		dst[j] = w * x
	}
}
