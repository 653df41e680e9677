package runtime

//go:noescape
func axpyAVX64(dst, src *float64, n int, w float64, add bool)

//go:noescape
func axpyAVX32(dst, src *float32, n int, w float32, add bool)

//go:noescape
func narrowAVX(dst *float32, src *float64, n int)

// axpyVec does scaleInto's leading multiple of 8 elements with AVX2 and
// returns how many it did.
func axpyVec[T Float](dst, src []T, w T, add bool) int {
	n := len(dst) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	switch d := any(dst).(type) {
	case []float64:
		axpyAVX64(&d[0], &any(src).([]float64)[:n][0], n, float64(w), add)
	case []float32:
		axpyAVX32(&d[0], &any(src).([]float32)[:n][0], n, float32(w), add)
	}
	return n
}

// narrowVec does convert's leading multiple of 8 elements from float64 to
// float32 with AVX2 and returns how many it did.
func narrowVec(dst []float32, src []float64) int {
	n := len(dst) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	narrowAVX(&dst[0], &src[:n][0], n)
	return n
}
