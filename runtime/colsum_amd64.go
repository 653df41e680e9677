package runtime

//go:noescape
func colSum512s(out, a *float32, rows, cols, ld int)

//go:noescape
func colSum512d(out, a *float64, rows, cols, ld int)

// colSumVec sets out[j] to the sum of a's rows' element j (rows rows
// of len(out) elements, ld apart), added row after row, with AVX-512
// where the machine has it, and reports whether it did.
func colSumVec[T Float](out, a []T, rows, ld int) bool {
	cols := len(out)
	if !useAVX512 || rows < 1 || cols < 1 || ld < cols || len(a) < (rows-1)*ld+cols {
		return false
	}
	switch o := any(out).(type) {
	case []float32:
		colSum512s(&o[0], &any(a).([]float32)[0], rows, cols, ld)
	case []float64:
		colSum512d(&o[0], &any(a).([]float64)[0], rows, cols, ld)
	}
	return true
}
