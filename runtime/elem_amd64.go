package runtime

import (
	"math"

	"github.com/noxlang/nox/compiler/ir"
)

//go:noescape
func reluAVX(out, a *float64, n int)

//go:noescape
func reluGradAVX(out, a, gr *float64, n int)

// vecAVX computes out = a op b for n elements: op 0 add, 1 sub, 2 mul.
//
//go:noescape
func vecAVX(op int, out, a, b *float64, n int)

const (
	vecAdd = iota
	vecSub
	vecMul
)

func relu(out, a []float64) {
	a = a[:len(out)]
	n := len(out) &^ 3
	if useAVX2 && n > 0 {
		reluAVX(&out[0], &a[0], n)
	} else {
		n = 0
	}
	reluGo(out[n:], a[n:])
}

func reluGrad(out, a, g []float64) {
	a, g = a[:len(out)], g[:len(out)]
	if reluGradVec(out, a, g) {
		return
	}
	n := len(out) &^ 3
	if useAVX2 && n > 0 {
		reluGradAVX(&out[0], &a[0], &g[0], n)
	} else {
		n = 0
	}
	reluGradGo(out[n:], a[n:], g[n:])
}

func vec(op int, out, a, b []float64, tail func(out, a, b []float64)) {
	a, b = a[:len(out)], b[:len(out)]
	n := len(out) &^ 3
	if useAVX2 && n > 0 {
		vecAVX(op, &out[0], &a[0], &b[0], n)
	} else {
		n = 0
	}
	tail(out[n:], a[n:], b[n:])
}

// add, sub and mul run on the row kernels' AVX-512 loop (one row) where
// the machine has it, else on the AVX2 one; the same operations, element
// by element.
func add(out, a, b []float64) {
	if !rowsBinary(ir.OpAdd, out, a, b, 1, len(out), 0, 0, 0) {
		vec(vecAdd, out, a, b, addGo)
	}
}

func sub(out, a, b []float64) {
	if !rowsBinary(ir.OpSub, out, a, b, 1, len(out), 0, 0, 0) {
		vec(vecSub, out, a, b, subGo)
	}
}

func mul(out, a, b []float64) {
	if !rowsBinary(ir.OpMul, out, a, b, 1, len(out), 0, 0, 0) {
		vec(vecMul, out, a, b, mulGo)
	}
}

//go:noescape
func biasAVX(out, bias *float64, rows, cols int, floor float64)

// bias64 is kernels.bias in float64: one pass over out where biasGo
// makes two (the additions row by row, then the relu).
func bias64(out, bias []float64, rows, cols int, relu bool) {
	floor := math.Inf(-1)
	if relu {
		floor = 0
	}
	if biasVec(out, bias, rows, cols, floor) {
		return
	}
	if !useAVX2 || rows == 0 || cols == 0 {
		biasGo(add, reluGo, out, bias, rows, cols, relu)
		return
	}
	_, _ = out[rows*cols-1], bias[cols-1]
	biasAVX(&out[0], &bias[0], rows, cols, floor)
}
