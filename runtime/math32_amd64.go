package runtime

//go:noescape
func expAVX32(out, a *float32, n int)

//go:noescape
func tanhAVX32(out, a *float32, n int)

// exp32 and tanh32 run the AVX2 kernels over the leading multiple of 8
// elements and the scalar functions over the rest; both give the same
// bits.
func exp32(out, a []float32) { math32(expAVX32, exp32Go, out, a) }

func tanh32(out, a []float32) { math32(tanhAVX32, tanh32Go, out, a) }

func math32(vec func(out, a *float32, n int), tail func(out, a []float32), out, a []float32) {
	a = a[:len(out)]
	n := len(out) &^ 7
	if useAVX2 && n > 0 {
		vec(&out[0], &a[0], n)
	} else {
		n = 0
	}
	tail(out[n:], a[n:])
}
