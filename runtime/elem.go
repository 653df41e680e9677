package runtime

import "math"

// Elementwise vector kernels. Each has a portable Go body (the *Go
// functions) and, for float64 on amd64 with AVX2, an assembly body for the
// multiple of four elements that precedes the tail. All take len(out)
// elements.

func reluGo(out, a []float64) {
	a = a[:len(out)]
	for i := range out {
		u := math.Float64bits(a[i])
		out[i] = math.Float64frombits(u & (positive(u) | nan(u) | negZero(u)))
	}
}

func reluGradGo(out, a, g []float64) {
	a, g = a[:len(out)], g[:len(out)]
	for i := range out {
		out[i] = math.Float64frombits(math.Float64bits(g[i]) & above0(math.Float64bits(a[i])))
	}
}

// nan returns all ones if the float64 with bits u is a NaN, of either
// sign, and zero otherwise: relu keeps every NaN, as reluT and the AVX2
// kernel's max do (TestElemKernels compares their bits).
func nan(u uint64) uint64 {
	return uint64(int64(0x7ff0000000000000-(u&^(1<<63))) >> 63)
}

// negZero returns all ones if u is the bits of −0, and zero otherwise:
// relu(−0) is −0, as max(0, x) in the AVX2 kernels (the second operand
// when both are zeros) and reluT have it.
func negZero(u uint64) uint64 {
	x := u ^ 1<<63
	return ^uint64(int64(x|-x) >> 63)
}

// above0 returns all ones if the float64 with bits u is greater than
// zero, and zero otherwise (for a NaN too): the derivative's mask, as the
// AVX2 kernel's ordered comparison and reluGradT have it, so that a
// NaN activation gives the same gradient on every path (TestElemKernels).
func above0(u uint64) uint64 {
	return positive(u) &^ uint64(int64(0x7ff0000000000000-u)>>63)
}

// positive returns all ones if the float64 with bits u is greater than
// zero (or a NaN with the sign bit clear, which then propagates), and zero
// otherwise. Relu and its derivative use it to avoid a data-dependent
// branch, which mispredicts on about half of a layer's units.
func positive(u uint64) uint64 {
	return uint64(-int64(u)>>63) &^ uint64(int64(u)>>63)
}

// reluT and reluGradT are the kernels of other element types.
func reluT[T Float](out, a []T) {
	a = a[:len(out)]
	for i, x := range a {
		if x < 0 { // NaN and −0 pass, as in reluGo and max(0, x)
			out[i] = 0
		} else {
			out[i] = x
		}
	}
}

func reluGradT[T Float](out, a, g []T) {
	a, g = a[:len(out)], g[:len(out)]
	for i, x := range a {
		if x > 0 {
			out[i] = g[i]
		} else {
			out[i] = 0
		}
	}
}

func addGo[T Float](out, a, b []T) {
	a, b = a[:len(out)], b[:len(out)]
	for i := range out {
		out[i] = a[i] + b[i]
	}
}

func subGo[T Float](out, a, b []T) {
	a, b = a[:len(out)], b[:len(out)]
	for i := range out {
		out[i] = a[i] - b[i]
	}
}

func mulGo[T Float](out, a, b []T) {
	a, b = a[:len(out)], b[:len(out)]
	for i := range out {
		out[i] = a[i] * b[i]
	}
}
