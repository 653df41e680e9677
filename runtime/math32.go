package runtime

import "math"

// float32 exp and tanh. Going through math.Exp and math.Tanh costs a
// float64 evaluation with full special-case handling per element; these
// are the single-precision algorithms of Cephes (Moshier, expf.c and
// tanhf.c: range reduction and a degree-6 and degree-5 polynomial), about
// 1 ulp in float32, in float32 arithmetic throughout, so they are
// deterministic on every machine.

const (
	expfHi    = 88.72283905206835 // log(MaxFloat32)
	expfLo    = -103.97207708     // below, the result rounds to 0
	expfLog2e = 1.44269504088896341
	expfC1    = 0.693359375
	expfC2    = -2.12194440e-4
)

// expf returns e^x in float32.
func expf(x float32) float32 {
	switch {
	case x != x:
		return x
	case x > expfHi:
		return float32(math.Inf(1))
	case x < expfLo:
		return 0
	}
	n := float32(math.Floor(float64(expfLog2e*x + 0.5)))
	r := x - n*expfC1 - n*expfC2
	p := ((((((1.9875691500e-4*r+1.3981999507e-3)*r+8.3334519073e-3)*r+4.1665795894e-2)*r+1.6666665459e-1)*r+5.0000001201e-1)*r*r + r + 1)
	// 2^n is exact in float64 for every n reached here (-150..128).
	return float32(float64(p) * math.Float64frombits(uint64(int64(n)+1023)<<52))
}

// tanhf returns tanh(x) in float32.
func tanhf(x float32) float32 {
	z := x
	if z < 0 {
		z = -z
	}
	if z >= 0.625 {
		z = 1 - 2/(expf(2*z)+1)
		if x < 0 {
			z = -z
		}
		return z
	}
	if x == 0 {
		return x
	}
	s := x * x
	return ((((-5.70498872745e-3*s+2.06390887954e-2)*s-5.37397155531e-2)*s+1.33314422036e-1)*s-3.33332819422e-1)*s*x + x
}

// each sets out[i] = f(a[i]): the scalar form of an elementwise
// function, and the tail of its vector kernels.
func each[T Float](out, a []T, f func(T) T) {
	a = a[:len(out)]
	for i, x := range a {
		out[i] = f(x)
	}
}

// sigmoid32 is 1/(1+e^−x) through expf, without overflow (e^x/(1+e^x)
// for x < 0), the division in float64 so that the result is within an
// ulp or so of expf's.
func sigmoid32(out, a []float32) {
	for i, x := range a[:len(out)] {
		if x >= 0 {
			out[i] = float32(1 / (1 + float64(expf(-x))))
		} else {
			e := float64(expf(x))
			out[i] = float32(e / (1 + e))
		}
	}
}

// softplus32 is log(1+e^x) = max(x, 0) + log1p(e^−|x|) in float32: e^−|x|
// by expf, and log1p of it, in (0, 1], by math.Log of 1 + e (exact in
// float64 for a float32 e above 2⁻²⁹) or, below 10⁻⁴, by its series
// e − e²/2 + e³/3, both well inside float32's precision. math.Log1p,
// in pure Go, cost a third of a planar flow's sampling.
func softplus32(out, a []float32) {
	for i, x := range a[:len(out)] {
		e := expf(-abs32(x))
		var l float32
		if e < 1e-4 {
			l = e * (1 - e*(0.5-e/3))
		} else {
			l = float32(math.Log(1 + float64(e)))
		}
		out[i] = max(x, 0) + l
	}
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}
