package runtime

//go:noescape
func expAVX512d(out, a *float64, n int)

//go:noescape
func tanhAVX512d(out, a *float64, n int)

// exp64 and tanh64 run the AVX-512 kernels (where useAVX512) over the
// leading multiple of 8 elements and the scalar functions (math64.go)
// over the rest; both give the same bits. Without AVX-512 the scalar
// functions run alone, at about math.Exp's and math.Tanh's speed.
func exp64(out, a []float64) { math64(expAVX512d, exp64Go, out, a) }

func tanh64(out, a []float64) { math64(tanhAVX512d, tanh64Go, out, a) }

func math64(vec8 func(out, a *float64, n int), tail func(out, a []float64), out, a []float64) {
	a = a[:len(out)]
	n := 0
	if n8 := len(out) &^ 7; useAVX512 && n8 > 0 {
		vec8(&out[0], &a[0], n8)
		n = n8
	}
	tail(out[n:], a[n:])
}
