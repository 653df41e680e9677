package runtime

import (
	"unsafe"

	"github.com/noxlang/nox/compiler/ir"
)

//go:noescape
func rowsAddS(out, a, b *float32, rows, cols, ldo, lda, ldb int)

//go:noescape
func rowsSubS(out, a, b *float32, rows, cols, ldo, lda, ldb int)

//go:noescape
func rowsMulS(out, a, b *float32, rows, cols, ldo, lda, ldb int)

//go:noescape
func rowsAddD(out, a, b *float64, rows, cols, ldo, lda, ldb int)

//go:noescape
func rowsSubD(out, a, b *float64, rows, cols, ldo, lda, ldb int)

//go:noescape
func rowsMulD(out, a, b *float64, rows, cols, ldo, lda, ldb int)

//go:noescape
func colsAddS(out, a, b *float32, rows, cols, ldo, lda int)

//go:noescape
func colsSubS(out, a, b *float32, rows, cols, ldo, lda int)

//go:noescape
func colsMulS(out, a, b *float32, rows, cols, ldo, lda int)

//go:noescape
func colsAddD(out, a, b *float64, rows, cols, ldo, lda int)

//go:noescape
func colsSubD(out, a, b *float64, rows, cols, ldo, lda int)

//go:noescape
func colsMulD(out, a, b *float64, rows, cols, ldo, lda int)

//go:noescape
func rowsCopyS(out, a *float32, rows, cols, ldo, lda int)

//go:noescape
func rowsCopyD(out, a *float64, rows, cols, ldo, lda int)

//go:noescape
func rowsBcastS(out, b *float32, rows, cols, ldo int)

//go:noescape
func rowsBcastD(out, b *float64, rows, cols, ldo int)

// rowKernels turns the row kernels on; tests turn it off to compare.
var rowKernels = true

// rowsFit reports whether rows rows of cols elements, ld apart, lie in n
// elements.
func rowsFit(n, rows, cols, ld int) bool {
	return rows >= 1 && cols >= 1 && ld >= 0 && (rows-1)*ld+cols <= n
}

// rowsBinary sets out[r·ldo+j] = a[r·lda+j] op b[r·ldb+j] for r < rows
// and j < cols (ldb 0: one row of b for every row), op ir.OpAdd, ir.OpSub
// or ir.OpMul, with AVX-512 where the machine has it, and reports whether
// it did.
func rowsBinary[T Float](op ir.Op, out, a, b []T, rows, cols, ldo, lda, ldb int) bool {
	if !useAVX512 || !rowKernels || !rowsFit(len(out), rows, cols, ldo) || !rowsFit(len(a), rows, cols, lda) || !rowsFit(len(b), rows, cols, ldb) {
		return false
	}
	switch o := any(out).(type) {
	case []float32:
		x, y := &any(a).([]float32)[0], &any(b).([]float32)[0]
		switch op {
		case ir.OpAdd:
			rowsAddS(&o[0], x, y, rows, cols, ldo, lda, ldb)
		case ir.OpSub:
			rowsSubS(&o[0], x, y, rows, cols, ldo, lda, ldb)
		case ir.OpMul:
			rowsMulS(&o[0], x, y, rows, cols, ldo, lda, ldb)
		default:
			return false
		}
	case []float64:
		x, y := &any(a).([]float64)[0], &any(b).([]float64)[0]
		switch op {
		case ir.OpAdd:
			rowsAddD(&o[0], x, y, rows, cols, ldo, lda, ldb)
		case ir.OpSub:
			rowsSubD(&o[0], x, y, rows, cols, ldo, lda, ldb)
		case ir.OpMul:
			rowsMulD(&o[0], x, y, rows, cols, ldo, lda, ldb)
		default:
			return false
		}
	}
	return true
}

// colsBinary sets out[r·ldo+j] = a[r·lda+j] op b[r] for r < rows and
// j < cols, op ir.OpAdd, ir.OpSub or ir.OpMul, with AVX-512 where the
// machine has it, and reports whether it did.
func colsBinary[T Float](op ir.Op, out, a, b []T, rows, cols, ldo, lda int) bool {
	if !useAVX512 || !rowKernels || !rowsFit(len(out), rows, cols, ldo) || !rowsFit(len(a), rows, cols, lda) || len(b) < rows {
		return false
	}
	switch o := any(out).(type) {
	case []float32:
		x, y := &any(a).([]float32)[0], &any(b).([]float32)[0]
		switch op {
		case ir.OpAdd:
			colsAddS(&o[0], x, y, rows, cols, ldo, lda)
		case ir.OpSub:
			colsSubS(&o[0], x, y, rows, cols, ldo, lda)
		case ir.OpMul:
			colsMulS(&o[0], x, y, rows, cols, ldo, lda)
		default:
			return false
		}
	case []float64:
		x, y := &any(a).([]float64)[0], &any(b).([]float64)[0]
		switch op {
		case ir.OpAdd:
			colsAddD(&o[0], x, y, rows, cols, ldo, lda)
		case ir.OpSub:
			colsSubD(&o[0], x, y, rows, cols, ldo, lda)
		case ir.OpMul:
			colsMulD(&o[0], x, y, rows, cols, ldo, lda)
		default:
			return false
		}
	}
	return true
}

// rowsCopy sets out[r·ldo+j] = a[r·lda+j] for r < rows and j < cols with
// AVX-512 where the machine has it, and reports whether it did.
func rowsCopy[T Float](out, a []T, rows, cols, ldo, lda int) bool {
	if !useAVX512 || !rowKernels || !rowsFit(len(out), rows, cols, ldo) || !rowsFit(len(a), rows, cols, lda) {
		return false
	}
	switch o := any(out).(type) {
	case []float32:
		rowsCopyS(&o[0], &any(a).([]float32)[0], rows, cols, ldo, lda)
	case []float64:
		rowsCopyD(&o[0], &any(a).([]float64)[0], rows, cols, ldo, lda)
	}
	return true
}

// rowsBcast sets out[r·ldo+j] = b[r] for r < rows and j < cols with
// AVX-512 where the machine has it, and reports whether it did.
func rowsBcast[T Float](out, b []T, rows, cols, ldo int) bool {
	if !useAVX512 || !rowKernels || !rowsFit(len(out), rows, cols, ldo) || len(b) < rows {
		return false
	}
	switch o := any(out).(type) {
	case []float32:
		rowsBcastS(&o[0], &any(b).([]float32)[0], rows, cols, ldo)
	case []float64:
		rowsBcastD(&o[0], &any(b).([]float64)[0], rows, cols, ldo)
	}
	return true
}

//go:noescape
func reverseRowsS(dst, src *float32, rows, n, ldd, lds int)

//go:noescape
func reverseRowsD(dst, src *float64, rows, n, ldd, lds int)

//go:noescape
func sumRowsS(out, a *float32, rows, n, lda int)

//go:noescape
func sumRowsD(out, a *float64, rows, n, lda int)

// reverseRows sets out[r·ldo+j] = a[r·lda+n-1-j] for r < rows and j < n,
// with AVX-512 where the machine has it and n is a whole number of
// vectors, and reports whether it did.
func reverseRows[T Float](out, a []T, rows, n, ldo, lda int) bool {
	lanes := 64 / int(unsafe.Sizeof(T(0)))
	if !useAVX512 || !rowKernels || n%lanes != 0 || !rowsFit(len(out), rows, n, ldo) || !rowsFit(len(a), rows, n, lda) {
		return false
	}
	switch o := any(out).(type) {
	case []float32:
		reverseRowsS(&o[0], &any(a).([]float32)[0], rows, n, ldo, lda)
	case []float64:
		reverseRowsD(&o[0], &any(a).([]float64)[0], rows, n, ldo, lda)
	}
	return true
}

// sumRows sets out[r] = sumRow(a[r·lda : r·lda+n]) for r < rows, n ≥ 8,
// with AVX-512 where the machine has it (the kernels use 256-bit
// vectors: eight partial sums), and reports whether it did.
func sumRows[T Float](out, a []T, rows, n, lda int) bool {
	if !useAVX512 || !rowKernels || n < 8 || len(out) < rows || !rowsFit(len(a), rows, n, lda) {
		return false
	}
	switch o := any(out).(type) {
	case []float32:
		sumRowsS(&o[0], &any(a).([]float32)[0], rows, n, lda)
	case []float64:
		sumRowsD(&o[0], &any(a).([]float64)[0], rows, n, lda)
	}
	return true
}

//go:noescape
func reluGradAVX512s(out, a, gr *float32, n int)

//go:noescape
func reluGradAVX512d(out, a, gr *float64, n int)

// reluGradVec sets out[j] = g[j] where a[j] > 0, else +0 (a NaN too),
// with AVX-512 where the machine has it, and reports whether it did.
func reluGradVec[T Float](out, a, g []T) bool {
	n := len(out)
	if !useAVX512 || !rowKernels || n == 0 || len(a) < n || len(g) < n {
		return false
	}
	switch o := any(out).(type) {
	case []float32:
		reluGradAVX512s(&o[0], &any(a).([]float32)[0], &any(g).([]float32)[0], n)
	case []float64:
		reluGradAVX512d(&o[0], &any(a).([]float64)[0], &any(g).([]float64)[0], n)
	}
	return true
}
