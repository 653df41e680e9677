package runtime

//go:noescape
func biasAVX512s(out, bias *float32, rows, cols int, floor float32)

//go:noescape
func biasAVX512d(out, bias *float64, rows, cols int, floor float64)

// biasVec runs a fused product's bias (and relu: floor 0, else −Inf)
// with AVX-512 where the machine has it, and reports whether it did:
// half the instructions of the AVX2 kernels, whose pass over a digits
// MAF's hidden layer had taken 1.3 % of a float32 training step (perf).
func biasVec[T Float](out, bias []T, rows, cols int, floor T) bool {
	if !useAVX512 || !rowKernels || rows < 1 || cols < 1 || len(out) < rows*cols || len(bias) < cols {
		return false
	}
	switch o := any(out).(type) {
	case []float32:
		biasAVX512s(&o[0], &any(bias).([]float32)[0], rows, cols, float32(floor))
	case []float64:
		biasAVX512d(&o[0], &any(bias).([]float64)[0], rows, cols, float64(floor))
	}
	return true
}
