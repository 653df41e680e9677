package runtime

import "math"

// Elementwise vector kernels. Each has a portable Go body (the *Go
// functions) and, on amd64 with AVX2, an assembly body for the multiple of
// four elements that precedes the tail. All take len(out) elements.

func reluGo(out, a []float64) {
	a = a[:len(out)]
	for i := range out {
		u := math.Float64bits(a[i])
		out[i] = math.Float64frombits(u & positive(u))
	}
}

func reluGradGo(out, a, g []float64) {
	a, g = a[:len(out)], g[:len(out)]
	for i := range out {
		out[i] = math.Float64frombits(math.Float64bits(g[i]) & positive(math.Float64bits(a[i])))
	}
}

// positive returns all ones if the float64 with bits u is greater than
// zero (or a NaN with the sign bit clear, which then propagates), and zero
// otherwise. Relu and its derivative use it to avoid a data-dependent
// branch, which mispredicts on about half of a layer's units.
func positive(u uint64) uint64 {
	return uint64(-int64(u)>>63) &^ uint64(int64(u)>>63)
}

func addGo(out, a, b []float64) {
	a, b = a[:len(out)], b[:len(out)]
	for i := range out {
		out[i] = a[i] + b[i]
	}
}

func subGo(out, a, b []float64) {
	a, b = a[:len(out)], b[:len(out)]
	for i := range out {
		out[i] = a[i] - b[i]
	}
}

func mulGo(out, a, b []float64) {
	a, b = a[:len(out)], b[:len(out)]
	for i := range out {
		out[i] = a[i] * b[i]
	}
}
