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
