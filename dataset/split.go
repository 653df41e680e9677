package dataset

import "math"

// SplitSizes returns how many of n rows a train statement holds out: the
// test set is round(testFrac·n) rows and the validation set
// round(valFrac·(n − nTest)) of the rest (math.Round: halves away from
// zero); the others are the training rows. The checker uses it to reject
// a split that leaves no training row, and training to cut its seeded
// permutation, so the two cannot disagree.
func SplitSizes(n int, testFrac, valFrac float64) (nTest, nVal int) {
	nTest = int(math.Round(testFrac * float64(n)))
	nVal = int(math.Round(valFrac * float64(n-nTest)))
	return nTest, nVal
}
