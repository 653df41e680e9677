package runtime

//go:noescape
func smallKBiasD(out, a, b, bias *float64, rows, cols, k, lda, ldb int, floor float64)

//go:noescape
func smallKBiasS(out, a, b, bias *float32, rows, cols, k, lda, ldb int, floor float32)

// smallKVec runs smallK's kernel (smallk.go) for its element type.
func smallKVec[T Float](out, a, b, bias []T, rows, cols, k, lda, ldb int, floor T) {
	switch o := any(out).(type) {
	case []float32:
		smallKBiasS(&o[0], &any(a).([]float32)[0], &any(b).([]float32)[0], &any(bias).([]float32)[0], rows, cols, k, lda, ldb, float32(floor))
	case []float64:
		smallKBiasD(&o[0], &any(a).([]float64)[0], &any(b).([]float64)[0], &any(bias).([]float64)[0], rows, cols, k, lda, ldb, float64(floor))
	}
}
