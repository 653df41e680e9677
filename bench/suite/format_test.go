package main

import (
	"math"
	"testing"
)

// TestFmtNLL checks that a diverged run's NLL keeps the table narrow and
// an ordinary one keeps four decimals.
func TestFmtNLL(t *testing.T) {
	for _, c := range []struct {
		v      float64
		signed bool
		want   string
	}{
		{106.10304, false, "106.1030"},
		{-521.54331, true, "-521.5433"},
		{17.25, true, "+17.2500"},
		{1.2360477780737096e77, false, "1.236e+77"},
		{-1.2360477780737096e77, true, "-1.236e+77"},
		{math.NaN(), false, "n/a"},
	} {
		if got := fmtNLL(c.v, c.signed); got != c.want {
			t.Errorf("fmtNLL(%v, %v) = %q, want %q", c.v, c.signed, got, c.want)
		}
	}
}
