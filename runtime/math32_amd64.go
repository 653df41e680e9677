package runtime

//go:noescape
func expAVX32(out, a *float32, n int)

//go:noescape
func tanhAVX32(out, a *float32, n int)

//go:noescape
func expAVX512s(out, a *float32, n int)

//go:noescape
func tanhAVX512s(out, a *float32, n int)

// exp32 and tanh32 run the AVX-512 kernels (where useAVX512: 784-d's
// tanh over a 64-row shard's 64×784 scales took 54 µs in eight lanes,
// ~1 ns an element, 29 in sixteen) over the leading multiple of 16
// elements, the AVX2 ones over the next multiple of 8 and the scalar
// functions over the rest; all give the same bits.
func exp32(out, a []float32) { math32(expAVX512s, expAVX32, exp32Go, out, a) }

func tanh32(out, a []float32) { math32(tanhAVX512s, tanhAVX32, tanh32Go, out, a) }

func math32(vec16, vec8 func(out, a *float32, n int), tail func(out, a []float32), out, a []float32) {
	a = a[:len(out)]
	n := 0
	if n16 := len(out) &^ 15; useAVX512 && n16 > 0 {
		vec16(&out[0], &a[0], n16)
		n = n16
	}
	if n8 := len(out) &^ 7; useAVX2 && n8 > n {
		vec8(&out[n], &a[n], n8-n)
		n = n8
	}
	tail(out[n:], a[n:])
}
