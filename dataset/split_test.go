package dataset

import "testing"

// TestSplitSizes pins the arithmetic of the split, halves included: test
// rows first, validation rows a fraction of what is left.
func TestSplitSizes(t *testing.T) {
	cases := []struct {
		n                 int
		testFrac, valFrac float64
		nTest, nVal       int
	}{
		{n: 1000, testFrac: 0.2, valFrac: 0.1, nTest: 200, nVal: 80},
		{n: 10, testFrac: 0.25, valFrac: 0.5, nTest: 3, nVal: 4},   // 2.5 rounds up; 0.5·7 = 3.5 too
		{n: 5, testFrac: 0.1, valFrac: 0.1, nTest: 1, nVal: 0},     // 0.5 rounds up; 0.4 down
		{n: 272, testFrac: 0.2, valFrac: 0.1, nTest: 54, nVal: 22}, // faithful: 54.4, 21.8
		{n: 3, testFrac: 0, valFrac: 0, nTest: 0, nVal: 0},
		{n: 1, testFrac: 0.5, valFrac: 0.5, nTest: 1, nVal: 0},
		{n: 0, testFrac: 0.2, valFrac: 0.1, nTest: 0, nVal: 0},
	}
	for _, c := range cases {
		nTest, nVal := SplitSizes(c.n, c.testFrac, c.valFrac)
		if nTest != c.nTest || nVal != c.nVal {
			t.Errorf("SplitSizes(%d, %g, %g) = %d, %d; want %d, %d", c.n, c.testFrac, c.valFrac, nTest, nVal, c.nTest, c.nVal)
		}
	}
}
