package runtime

//go:noescape
func adamAVX512(p, m, v, gr *float64, n int, k *[8]float64)

//go:noescape
func adamAVX512f32(p, m, v, gr *float32, n int, k *[8]float32)

// adamVec runs the Adam update on all the elements with AVX-512 where
// the machine has it (the last partial vector under a lane mask), and
// returns how many it did: all, or none.
func adamVec[T Float](p, m, v, g []T, k *[8]T) int {
	n := len(p)
	if !useAVX512 || n == 0 {
		return 0
	}
	switch p := any(p).(type) {
	case []float64:
		adamAVX512(&p[0], &any(m).([]float64)[:n][0], &any(v).([]float64)[:n][0], &any(g).([]float64)[:n][0], n, any(k).(*[8]float64))
	case []float32:
		adamAVX512f32(&p[0], &any(m).([]float32)[:n][0], &any(v).([]float32)[:n][0], &any(g).([]float32)[:n][0], n, any(k).(*[8]float32))
	}
	return n
}

//go:noescape
func squaresAVX512(sums *[8]float64, x *float64, n int)

//go:noescape
func squaresAVX512f32(sums *[8]float64, x *float32, n int)

// squaresVec adds the squares of x's leading multiple of 8 elements to
// sums with AVX-512 where the machine has it (x[0] goes to sums[0]), and
// returns how many it did.
func squaresVec[T Float](sums *[8]float64, x []T) int {
	n := len(x) &^ 7
	if !useAVX512 || n == 0 {
		return 0
	}
	switch x := any(x).(type) {
	case []float64:
		squaresAVX512(sums, &x[0], n)
	case []float32:
		squaresAVX512f32(sums, &x[0], n)
	}
	return n
}
