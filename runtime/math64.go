package runtime

import "math"

// float64 exp and tanh. math.Exp and math.Tanh run one element at a
// time, with their special cases branched on: a digits MAF's float64
// training step spent 510 µs of its 128-row shard's ~4.1 ms in them
// (10 tensors of 128×64 a step), and a log-prob over 128 rows a sixth of
// its time. expd and tanhd are the algorithms of Go's portable math.exp
// (FreeBSD's e_exp.c: a reduction by k·ln 2 split in two, a degree-5
// polynomial in r², a division) and math.tanh (Cephes: a rational
// function below 0.625, 1 − 2/(e^2|x| + 1) above), within an ulp or so
// of math.Exp and math.Tanh (TestMath64Accuracy), written so that the
// AVX-512 and AVX2 kernels (math64_amd64.s) perform the same operations
// in the same order: each element gets the same bits whichever runs it
// (TestMath64Vector). Every product is converted explicitly so that no
// compiler fuses it into a multiply-add.

const (
	expdLn2Hi     = 6.93147180369123816490e-01
	expdLn2Lo     = 1.90821492927058770002e-10
	expdLog2e     = 1.44269504088896338700e+00
	expdOverflow  = 7.09782712893383973096e+02
	expdUnderflow = -7.45133219101941108420e+02
	expdNearZero  = 1.0 / (1 << 28)
	expdP1        = 1.66666666666666657415e-01
	expdP2        = -2.77777777770155933842e-03
	expdP3        = 6.61375632143793436117e-05
	expdP4        = -1.65339022054652515390e-06
	expdP5        = 4.13813679705723846039e-08

	tanhdMaxLog = 8.8029691931113054295988e+01 // log(2**127)
	tanhdP0     = -9.64399179425052238628e-1
	tanhdP1     = -9.92877231001918586564e1
	tanhdP2     = -1.61468768441708447952e3
	tanhdQ0     = 1.12811678491632931402e2
	tanhdQ1     = 2.23548839060100448583e3
	tanhdQ2     = 4.84406305325125486048e3
)

// expd returns e^x.
func expd(x float64) float64 {
	switch {
	case x != x:
		return x
	case x > expdOverflow:
		return math.Inf(1)
	case x < expdUnderflow:
		return 0
	case -expdNearZero < x && x < expdNearZero:
		return 1 + x
	}
	// k = Log2e·x ± 0.5 truncated toward zero, as Go's exp computes it
	// (nearly Log2e·x rounded half away from zero: the addition rounds
	// too), as an integral float64.
	k := math.Trunc(float64(expdLog2e*x) + math.Copysign(0.5, x))
	hi := x - float64(k*expdLn2Hi)
	lo := float64(k * expdLn2Lo)
	r := hi - lo
	t := float64(r * r)
	c := r - float64(t*(expdP1+float64(t*(expdP2+float64(t*(expdP3+float64(t*(expdP4+float64(t*expdP5)))))))))
	y := 1 - ((lo - float64(r*c)/(2-c)) - hi)
	// y·2^k as y·2^a·2^b, a = k>>1: both factors are normal for every k
	// reached here (−1075..1024), the first product is exact and the
	// second rounds once, as math.Ldexp does.
	n := int64(k)
	a := n >> 1
	y = float64(y * math.Float64frombits(uint64(a+1023)<<52))
	return float64(y * math.Float64frombits(uint64(n-a+1023)<<52))
}

// tanhd returns tanh(x).
func tanhd(x float64) float64 {
	z := math.Abs(x)
	switch {
	case z > 0.5*tanhdMaxLog:
		return math.Copysign(1, x)
	case z >= 0.625:
		z = 1 - 2/(expd(z+z)+1)
		if x < 0 {
			z = -z
		}
		return z
	case x == 0:
		return x
	}
	s := float64(x * x)
	p := float64(float64(float64(tanhdP0*s)+tanhdP1)*s) + tanhdP2
	q := float64(float64(float64(float64(s+tanhdQ0)*s)+tanhdQ1)*s) + tanhdQ2
	return x + float64(float64(x*s)*p)/q
}
