package runtime

import (
	"math"
	"testing"
)

// TestMath32 checks expf and tanhf against the float64 functions rounded
// to float32, over a sweep of the whole useful range and special values.
func TestMath32(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func(float32) float32
		ref  func(float64) float64
		lo   float64
		hi   float64
	}{
		{"expf", expf, math.Exp, -103, 88.7},
		{"tanhf", tanhf, math.Tanh, -12, 12},
		{"sigmoid32", one32(sigmoid32), func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, -103, 30},
		{"softplus32", one32(softplus32), func(x float64) float64 { return max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }, -103, 100},
	} {
		worst := 0.0
		for i := 0; i <= 400000; i++ {
			x := float32(c.lo + (c.hi-c.lo)*float64(i)/400000)
			got, want := float64(c.f(x)), c.ref(float64(x))
			if want == 0 {
				continue
			}
			// Error in units of float32's last place at the result.
			ulp := float64(math.Nextafter32(float32(math.Abs(want)), float32(math.Inf(1)))) - math.Abs(float64(float32(want)))
			if ulp == 0 {
				continue // beyond float32's normal range
			}
			if e := math.Abs(got-want) / ulp; e > worst {
				worst = e
			}
		}
		t.Logf("%s: worst error %.2f ulp", c.name, worst)
		if worst > 2 {
			t.Errorf("%s: worst error %.2f ulp, want at most 2", c.name, worst)
		}
	}
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	for _, c := range []struct {
		name      string
		got, want float32
	}{
		{"expf(0)", expf(0), 1}, {"expf(+Inf)", expf(inf), inf}, {"expf(-Inf)", expf(-inf), 0},
		{"expf(100)", expf(100), inf}, {"expf(-200)", expf(-200), 0},
		{"tanhf(0)", tanhf(0), 0}, {"tanhf(+Inf)", tanhf(inf), 1}, {"tanhf(-Inf)", tanhf(-inf), -1},
		{"tanhf(50)", tanhf(50), 1},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if v := expf(nan); v == v {
		t.Errorf("expf(NaN) = %v", v)
	}
	if v := tanhf(nan); v == v {
		t.Errorf("tanhf(NaN) = %v", v)
	}
}

// TestMath32Vector checks that exp32 and tanh32 (vector kernels where the
// machine has them) give the bits of expf and tanhf element by element:
// a sweep of every range, random bit patterns (NaNs, infinities,
// subnormals included) and the boundaries of each branch.
func TestMath32Vector(t *testing.T) {
	var xs []float32
	for i := range 1 << 20 {
		xs = append(xs, float32(-110+230*float64(i)/(1<<20)))
	}
	rng := uint32(12345)
	for range 1 << 18 {
		rng = rng*1664525 + 1013904223
		xs = append(xs, math.Float32frombits(rng))
	}
	for _, b := range []float32{0, 0.625, 88.72283905206835, -103.97207708, 44.36, -87.33, -88.7, 1e-30, 1e-45} {
		for _, v := range []float32{b, -b, math.Nextafter32(b, 200), math.Nextafter32(b, -200), -math.Nextafter32(b, 200)} {
			xs = append(xs, v)
		}
	}
	xs = append(xs, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()))
	for len(xs)%16 != 11 { // eight lanes and a scalar tail too
		xs = append(xs, 0.5)
	}
	sameAsScalar(t, "exp32", exp32, expf, xs)
	sameAsScalar(t, "tanh32", tanh32, tanhf, xs)
}

// sameAsScalar checks that vec gives, element by element, the bits of f
// (NaNs' payloads too), with the AVX-512 kernels where the machine has
// them and without (then AVX2's, and the scalar tail).
func sameAsScalar[T Float](t *testing.T, name string, vec func(out, a []T), f func(T) T, xs []T) {
	t.Helper()
	bits := func(v T) uint64 {
		if x, ok := any(v).(float32); ok {
			return uint64(math.Float32bits(x))
		}
		return math.Float64bits(float64(v))
	}
	for _, wide := range []bool{true, false} {
		out := make([]T, len(xs))
		saved := useAVX512
		useAVX512 = wide && saved
		vec(out, xs)
		useAVX512 = saved
		for i, x := range xs {
			if want := f(x); bits(out[i]) != bits(want) {
				t.Fatalf("%s (AVX-512 %v) (%v [%#x]) = %v [%#x], scalar %v [%#x]", name, wide, x, bits(x), out[i], bits(out[i]), want, bits(want))
			}
		}
	}
}

// one32 makes a slice kernel a function of one value.
func one32(k func(out, a []float32)) func(float32) float32 {
	return func(x float32) float32 {
		out := []float32{0}
		k(out, []float32{x})
		return out[0]
	}
}

// TestSoftplusSigmoid32Special: the float32 kernels keep the limits.
func TestSoftplusSigmoid32Special(t *testing.T) {
	inf := float32(math.Inf(1))
	for _, c := range []struct {
		name    string
		k       func(out, a []float32)
		x, want float32
	}{
		{"softplus", softplus32, inf, inf}, {"softplus", softplus32, -inf, 0}, {"softplus", softplus32, 0, float32(math.Ln2)},
		{"sigmoid", sigmoid32, inf, 1}, {"sigmoid", sigmoid32, -inf, 0}, {"sigmoid", sigmoid32, 0, 0.5},
	} {
		if got := one32(c.k)(c.x); got != c.want {
			t.Errorf("%s(%v) = %v, want %v", c.name, c.x, got, c.want)
		}
	}
	if got := one32(softplus32)(float32(math.NaN())); !math.IsNaN(float64(got)) {
		t.Errorf("softplus(NaN) = %v", got)
	}
}
