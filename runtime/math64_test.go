package runtime

import (
	"bufio"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/noxlang/nox/internal/ulp"
)

// math64Inputs returns float64 inputs covering exp's and tanh's ranges
// densely, random bit patterns, the branches' bounds and their
// neighbours, and the special values, in a number that leaves a scalar
// tail after the eight-lane kernels.
func math64Inputs() []float64 {
	var xs []float64
	for i := range 1 << 20 {
		xs = append(xs, -760+1480*float64(i)/(1<<20))
	}
	for i := range 1 << 16 {
		xs = append(xs, -2+4*float64(i)/(1<<16))
	}
	rng := uint64(12345)
	for range 1 << 18 {
		rng = rng*6364136223846793005 + 1442695040888963407
		xs = append(xs, math.Float64frombits(rng))
	}
	for _, b := range []float64{0, 0.625, expdOverflow, expdUnderflow, expdNearZero, 0.5 * tanhdMaxLog, 1e-300, 5e-324, 354.89, -708.4, -709.1, -744.9} {
		for _, v := range []float64{b, -b, math.Nextafter(b, 1000), math.Nextafter(b, -1000), -math.Nextafter(b, 1000)} {
			xs = append(xs, v)
		}
	}
	xs = append(xs, math.Inf(1), math.Inf(-1), math.NaN(), -math.NaN())
	for len(xs)%8 != 5 {
		xs = append(xs, 0.5)
	}
	return xs
}

// TestMath64Vector checks that exp64 and tanh64 give, lane by lane and
// in the scalar tail, the bits of expd and tanhd (NaN payloads too),
// with the AVX-512 kernels and without (sameAsScalar).
func TestMath64Vector(t *testing.T) {
	xs := math64Inputs()
	sameAsScalar(t, "exp64", exp64, expd, xs)
	sameAsScalar(t, "tanh64", tanh64, tanhd, xs)
}

// TestMath64Accuracy compares expd and tanhd with math.Exp and
// math.Tanh: exp at most 2 ulp apart (each within an ulp of the exact
// value, TestMath64Reference; math.Exp on amd64 is another algorithm),
// tanh at most 2 (the
// same algorithm, 1 − 2/(e^2|x| + 1) above 0.625, carries exp's ulp
// through a cancellation), the same special values. On amd64 math.Exp
// overflows from x ≈ 709.44, where e^x is still below MaxFloat64
// (e^709.78 is): there expd must be finite and above 1e308.
func TestMath64Accuracy(t *testing.T) {
	xs := math64Inputs()
	for _, c := range []struct {
		name     string
		f, ref   func(float64) float64
		maxUlps  float64
		maxDiffs float64 // share of inputs allowed to differ
	}{{"expd", expd, math.Exp, 2, 0.2}, {"tanhd", tanhd, math.Tanh, 2, 0.01}} {
		worst, at, diffs := 0.0, 0.0, 0
		for _, x := range xs {
			got, want := c.f(x), c.ref(x)
			if math.IsInf(want, 1) && x <= expdOverflow && x > 709 {
				if math.IsInf(got, 0) || got < 1e308 {
					t.Errorf("%s(%v) = %v, want finite, above 1e308", c.name, x, got)
				}
				continue
			}
			u := ulp.Distance(got, want)
			if u > 0 {
				diffs++
			}
			if u > worst {
				worst, at = u, x
			}
			if math.Signbit(got) != math.Signbit(want) && !math.IsNaN(want) {
				t.Errorf("%s(%v) = %v, math %v: signs differ", c.name, x, got, want)
			}
		}
		t.Logf("%s: worst %v ulp at %v; %d of %d differ from math", c.name, worst, at, diffs, len(xs))
		if worst > c.maxUlps {
			t.Errorf("%s: %v ulp from math at %v (%v against %v)", c.name, worst, at, c.f(at), c.ref(at))
		}
		if float64(diffs) > c.maxDiffs*float64(len(xs)) {
			t.Errorf("%s: %d of %d results differ from math", c.name, diffs, len(xs))
		}
	}
	for _, c := range []struct{ x, exp, tanh float64 }{
		{math.Inf(1), math.Inf(1), 1}, {math.Inf(-1), 0, -1}, {710, math.Inf(1), 1}, {-746, 0, -1},
		{0, 1, 0}, {math.Copysign(0, -1), 1, math.Copysign(0, -1)}, {50, math.Exp(50), 1}, {-50, math.Exp(-50), -1},
	} {
		if got := expd(c.x); math.Float64bits(got) != math.Float64bits(c.exp) && ulp.Distance(got, c.exp) > 1 {
			t.Errorf("expd(%v) = %v, want %v", c.x, got, c.exp)
		}
		if got := tanhd(c.x); math.Float64bits(got) != math.Float64bits(c.tanh) {
			t.Errorf("tanhd(%v) = %v, want %v", c.x, got, c.tanh)
		}
	}
	if !math.IsNaN(expd(math.NaN())) || !math.IsNaN(tanhd(math.NaN())) {
		t.Error("NaN in, not NaN out")
	}
}

// TestMath64Reference compares expd and tanhd with values rounded
// correctly from 60-digit arithmetic (testdata/math64_ref.txt, made by
// testdata/math64_ref.py): e^x within 1 ulp, tanh within 2.
func TestMath64Reference(t *testing.T) {
	f, err := os.Open("testdata/math64_ref.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var worstExp, worstTanh float64
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var v [3]float64
		fs := strings.Fields(sc.Text())
		if len(fs) != 3 {
			t.Fatalf("line %q", sc.Text())
		}
		for i, s := range fs {
			if v[i], err = strconv.ParseFloat(s, 64); err != nil {
				t.Fatal(err)
			}
		}
		x := v[0]
		if u := ulp.Distance(expd(x), v[1]); u > worstExp {
			worstExp = u
			if u > 1 {
				t.Errorf("expd(%v) = %v, correctly rounded %v: %v ulp", x, expd(x), v[1], u)
			}
		}
		if u := ulp.Distance(tanhd(x), v[2]); u > worstTanh {
			worstTanh = u
			if u > 2 {
				t.Errorf("tanhd(%v) = %v, correctly rounded %v: %v ulp", x, tanhd(x), v[2], u)
			}
		}
		n++
	}
	if err := sc.Err(); err != nil || n < 8000 {
		t.Fatalf("read %d values: %v", n, err)
	}
	t.Logf("%d values: expd within %v ulp, tanhd within %v", n, worstExp, worstTanh)
}

// TestTanhSmallVectors: tanh's vector kernels skip exp's branch for a
// vector with no lane at or above 0.625 (a NaN is not). Whole vectors of
// such lanes, NaNs, signed zeros and subnormals among them, then the
// same with one lane at a time set to ±0.625, just below 0.625, 3, −40
// or +∞, give the scalar bits in both dtypes, at every vector width (the
// blocks start at 0, so they are whole vectors of 4, 8 and 16 lanes).
func TestTanhSmallVectors(t *testing.T) {
	small := []float64{0.5, -0.3, math.NaN(), math.Copysign(0, -1), 0, 1e-310, -4e-320, 0.6249999, -0.6249999, 1e-8, -1e-30, 0.1, -0.2, 0.33, math.NaN(), -0.61}
	var xs []float64
	for lane := -1; lane < 16; lane++ {
		block := slices.Clone(small)
		if lane >= 0 {
			block[lane] = []float64{0.625, -0.625, math.Nextafter(0.625, 0), 3, -40, math.Inf(1)}[lane%6]
		}
		xs = append(xs, block...)
	}
	sameAsScalar(t, "tanh64", tanh64, tanhd, xs)
	xs32 := make([]float32, len(xs))
	for i, x := range xs {
		xs32[i] = float32(x)
	}
	sameAsScalar(t, "tanh32", tanh32, tanhf, xs32)
}
