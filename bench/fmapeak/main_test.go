package main

import (
	"math"
	"testing"
)

// TestFlopsPerIter pins the count: 16 multiply-adds on 64-byte vectors
// are 16·16·2 float32 operations, 16·8·2 float64.
func TestFlopsPerIter(t *testing.T) {
	k := &kernels{fmas: 16, bytes: 64}
	if got := k.flopsPerIter("float32"); got != 512 {
		t.Errorf("float32: %v, want 512", got)
	}
	if got := k.flopsPerIter("float64"); got != 256 {
		t.Errorf("float64: %v, want 256", got)
	}
}

// TestMeasure runs the loops briefly where the CPU has them: a rate must
// come out finite and positive, and it must take time (a loop that
// returned at once would give an absurd rate).
func TestMeasure(t *testing.T) {
	k := best()
	if k == nil {
		t.Skip("fmapeak: this CPU has neither AVX-512 nor AVX2 with FMA")
	}
	for _, loop := range []func(int){k.f32, k.f64} {
		secs, flops := measure(loop, k.flopsPerIter("float32"), 1, 1)
		if !(secs > 1e-4) || math.IsInf(flops/secs, 0) {
			t.Errorf("%d iterations took %v s", iters, secs)
		}
	}
}

// TestCounts checks the -threads list.
func TestCounts(t *testing.T) {
	if got, err := counts("1, 2"); err != nil || len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Errorf("counts(\"1, 2\") = %v, %v", got, err)
	}
	for _, bad := range []string{"", "0", "2,x", "-1", "5000"} {
		if _, err := counts(bad); err == nil {
			t.Errorf("counts(%q): no error", bad)
		}
	}
}
