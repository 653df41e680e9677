package dataset

import "math"

// SplitSizes returns how many of n rows a seeded split holds out as the
// test set, round(testFrac·n), and as the validation set,
// round(valFrac·(n − nTest)); the rest are training rows. The checker
// uses it to refuse a split that leaves no training rows, and training to
// split.
func SplitSizes(n int, testFrac, valFrac float64) (nTest, nVal int) {
	nTest = int(math.Round(testFrac * float64(n)))
	nVal = int(math.Round(valFrac * float64(n-nTest)))
	return nTest, nVal
}
