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
func exp32(out, a []float32) { lanes(expAVX512s, expAVX32, 8, expf, out, a) }

func tanh32(out, a []float32) { lanes(tanhAVX512s, tanhAVX32, 8, tanhf, out, a) }

// lanes runs an elementwise function of float32 or float64 on out: the
// AVX-512 kernel wide (where useAVX512) over the leading multiple of
// 2·w elements, the AVX2 kernel narrow (w lanes) over the next multiple
// of w, and the scalar f over the rest.
func lanes[T Float](wide, narrow func(out, a *T, n int), w int, f func(T) T, out, a []T) {
	a = a[:len(out)]
	n := 0
	if nw := len(out) / (2 * w) * (2 * w); useAVX512 && nw > 0 {
		wide(&out[0], &a[0], nw)
		n = nw
	}
	if nn := len(out) / w * w; useAVX2 && nn > n {
		narrow(&out[n], &a[n], nn-n)
		n = nn
	}
	each(out[n:], a[n:], f)
}
