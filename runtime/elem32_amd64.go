package runtime

import (
	"math"

	"github.com/noxlang/nox/compiler/ir"
)

// The float32 forms of the AVX2 elementwise kernels (elem_amd64.go): n is
// a multiple of 8.

//go:noescape
func reluAVX32(out, a *float32, n int)

//go:noescape
func reluGradAVX32(out, a, gr *float32, n int)

//go:noescape
func vecAVX32(op int, out, a, b *float32, n int)

func relu32(out, a []float32) {
	a = a[:len(out)]
	n := len(out) &^ 7
	if useAVX2 && n > 0 {
		reluAVX32(&out[0], &a[0], n)
	} else {
		n = 0
	}
	reluT(out[n:], a[n:])
}

func reluGrad32(out, a, g []float32) {
	a, g = a[:len(out)], g[:len(out)]
	if reluGradVec(out, a, g) {
		return
	}
	n := len(out) &^ 7
	if useAVX2 && n > 0 {
		reluGradAVX32(&out[0], &a[0], &g[0], n)
	} else {
		n = 0
	}
	reluGradT(out[n:], a[n:], g[n:])
}

func vec32(op int, out, a, b []float32, tail func(out, a, b []float32)) {
	a, b = a[:len(out)], b[:len(out)]
	n := len(out) &^ 7
	if useAVX2 && n > 0 {
		vecAVX32(op, &out[0], &a[0], &b[0], n)
	} else {
		n = 0
	}
	tail(out[n:], a[n:], b[n:])
}

// add32, sub32 and mul32 run on the row kernels' AVX-512 loop (one row)
// where the machine has it, else on the AVX2 one; the same operations,
// element by element.
func add32(out, a, b []float32) {
	if !rowsBinary(ir.OpAdd, out, a, b, 1, len(out), 0, 0, 0) {
		vec32(vecAdd, out, a, b, addGo)
	}
}

func sub32(out, a, b []float32) {
	if !rowsBinary(ir.OpSub, out, a, b, 1, len(out), 0, 0, 0) {
		vec32(vecSub, out, a, b, subGo)
	}
}

func mul32(out, a, b []float32) {
	if !rowsBinary(ir.OpMul, out, a, b, 1, len(out), 0, 0, 0) {
		vec32(vecMul, out, a, b, mulGo)
	}
}

//go:noescape
func biasAVX32(out, bias *float32, rows, cols int, floor float32)

// bias32 is kernels.bias in float32: one pass over out.
func bias32(out, bias []float32, rows, cols int, relu bool) {
	floor := float32(math.Inf(-1))
	if relu {
		floor = 0
	}
	if biasVec(out, bias, rows, cols, floor) {
		return
	}
	if !useAVX2 || rows == 0 || cols == 0 {
		biasGo(add32, relu32, out, bias, rows, cols, relu)
		return
	}
	_, _ = out[rows*cols-1], bias[cols-1]
	biasAVX32(&out[0], &bias[0], rows, cols, floor)
}
