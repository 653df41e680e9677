package runtime

//go:noescape
func adamAVX512(p, m, v, gr *float64, n int, k *[8]float64)

// adamVec runs the Adam update on the leading multiple of 8 elements with
// AVX-512 where the machine has it, and returns how many it did.
func adamVec(p, m, v, g []float64, k *[8]float64) int {
	n := len(p) &^ 7
	if !useAVX512 || n == 0 {
		return 0
	}
	adamAVX512(&p[0], &m[:n][0], &v[:n][0], &g[:n][0], n, k)
	return n
}
