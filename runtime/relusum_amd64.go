package runtime

//go:noescape
func reluGradSum512s(out, a, gr, sum *float32, rows, cols int)

//go:noescape
func reluGradSum512d(out, a, gr, sum *float64, rows, cols int)

// reluGradSumVec runs the relu derivative and its sum over rows in one
// pass (relusum.go) with AVX-512 where the machine has it, and reports
// whether it did: out = g where a > 0, else +0, and sum[j] the sum of
// out's rows' element j, added row after row, over rows rows of
// len(sum) contiguous elements.
func reluGradSumVec[T Float](out, a, g, sum []T, rows int) bool {
	cols := len(sum)
	n := rows * cols
	if !useAVX512 || !rowKernels || rows < 1 || cols < 1 || len(out) < n || len(a) < n || len(g) < n {
		return false
	}
	switch o := any(out).(type) {
	case []float32:
		reluGradSum512s(&o[0], &any(a).([]float32)[0], &any(g).([]float32)[0], &any(sum).([]float32)[0], rows, cols)
	case []float64:
		reluGradSum512d(&o[0], &any(a).([]float64)[0], &any(g).([]float64)[0], &any(sum).([]float64)[0], rows, cols)
	}
	return true
}
