package main

import (
	"math"
	"testing"
)

// TestFlopsPerIter pins the counts of both instruction sets' loops: 16
// multiply-adds on 64-byte vectors are 16·16·2 float32 operations and
// 16·8·2 float64; 14 on 32-byte ones, 14·8·2 and 14·4·2.
func TestFlopsPerIter(t *testing.T) {
	for _, c := range []struct {
		k        *kernels
		f32, f64 float64
	}{
		{&kernels{fmas: 16, bytes: 64}, 512, 256},
		{&kernels{fmas: 14, bytes: 32}, 224, 112},
	} {
		if got := c.k.flopsPerIter("float32"); got != c.f32 {
			t.Errorf("%d on %d bytes, float32: %v, want %v", c.k.fmas, c.k.bytes, got, c.f32)
		}
		if got := c.k.flopsPerIter("float64"); got != c.f64 {
			t.Errorf("%d on %d bytes, float64: %v, want %v", c.k.fmas, c.k.bytes, got, c.f64)
		}
	}
}

// TestMeasure runs every loop the CPU has briefly: a rate must come out
// finite and positive, and the loop must take time (one that returned
// at once would give an absurd rate). A loop of 0 or -1 iterations
// returns at once instead of wrapping around.
func TestMeasure(t *testing.T) {
	ks := available()
	if len(ks) == 0 {
		t.Skip("fmapeak: this CPU has neither AVX-512 nor AVX2 with FMA")
	}
	for _, k := range ks {
		for _, dt := range []string{"float32", "float64"} {
			loop := k.f32
			if dt == "float64" {
				loop = k.f64
			}
			loop(0)
			loop(-1)
			secs, flops := measure(loop, k.flopsPerIter(dt), 1, 1)
			if !(secs > 1e-4) || math.IsInf(flops/secs, 0) {
				t.Errorf("%s %s: %d iterations took %v s", k.isa, dt, iters, secs)
			}
		}
	}
}

// TestChoose: the default is the widest set available, and a set named
// must be one of them.
func TestChoose(t *testing.T) {
	ks := available()
	if len(ks) == 0 {
		if _, err := choose(""); err == nil {
			t.Error("choose(\"\") with no loops: no error")
		}
		return
	}
	if k, err := choose(""); err != nil || k != ks[0] {
		t.Errorf("choose(\"\") = %v, %v; want %s", k, err, ks[0].isa)
	}
	for _, k := range ks {
		if got, err := choose(k.isa); err != nil || got != k {
			t.Errorf("choose(%q) = %v, %v", k.isa, got, err)
		}
	}
	if _, err := choose("sse"); err == nil {
		t.Error("choose(\"sse\"): no error")
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
