package runtime

//go:noescape
func widenAVX32(dst *float64, src *float32, n int, w float64, add bool)

//go:noescape
func widenAVX64(dst, src *float64, n int, w float64, add bool)

//go:noescape
func narrowAVX(dst *float32, src *float64, n int)

// widenVec32 does scaleInto's leading multiple of 8 elements with AVX2
// and returns how many it did.
func widenVec32(dst []float64, src []float32, w float64, add bool) int {
	n := len(dst) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	widenAVX32(&dst[0], &src[:n][0], n, w, add)
	return n
}

// widenVec64 is widenVec32 for float64 sources.
func widenVec64(dst, src []float64, w float64, add bool) int {
	n := len(dst) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	widenAVX64(&dst[0], &src[:n][0], n, w, add)
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
