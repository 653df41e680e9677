package runtime

import "unsafe"

//go:noescape
func reverseAVX512s(dst, src *float32, n, q int)

//go:noescape
func reverseAVX512d(dst, src *float64, n, q int)

// reverseVec writes src reversed into dst's leading whole vectors with
// AVX-512 where the machine has it, and returns how many elements it
// wrote: dst[j] = src[len(src)-1-j] for j below it.
func reverseVec[T Float](dst, src []T) int {
	n := len(src)
	if !useAVX512 {
		return 0
	}
	lanes := 64 / int(unsafe.Sizeof(T(0)))
	q := n / lanes
	if q == 0 {
		return 0
	}
	dst = dst[:n]
	switch s := any(src).(type) {
	case []float32:
		reverseAVX512s(&any(dst).([]float32)[0], &s[0], n, q)
	case []float64:
		reverseAVX512d(&any(dst).([]float64)[0], &s[0], n, q)
	}
	return q * lanes
}
