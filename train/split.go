package train

import (
	"math/rand/v2"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
)

// Split divides rows (n rows of width columns, row-major) into training,
// validation and test rows with a permutation drawn from rng: the first
// nTest permuted rows are the test set, the next nVal the validation set
// (dataset.SplitSizes).
func Split(rows []float64, width int, testFrac, valFrac float64, rng *rand.Rand) (train, val, test []float64) {
	n := len(rows) / width
	perm := rng.Perm(n)
	nTest, nVal := dataset.SplitSizes(n, testFrac, valFrac)
	train = make([]float64, 0, (n-nTest-nVal)*width)
	val = make([]float64, 0, nVal*width)
	test = make([]float64, 0, nTest*width)
	for i, r := range perm {
		row := rows[r*width : (r+1)*width]
		switch {
		case i < nTest:
			test = append(test, row...)
		case i < nTest+nVal:
			val = append(val, row...)
		default:
			train = append(train, row...)
		}
	}
	return train, val, test
}

// Parts are a training run's rows as Split divided them (each row its
// data columns, then its context columns); a part may be empty.
type Parts struct {
	Train, Val, Test []float64
	// Streamed reports that the rows were streamed from a file
	// (LikelihoodSource): Train is nil, since the training rows were
	// never all in memory; Val and Test are held.
	Streamed bool
}

// Rows returns the part an `eval FLOW on PART` statement names
// (compiler.SplitParts): "train", "validation" or "test"; nil for any
// other name.
func (p Parts) Rows(part string) []float64 {
	switch part {
	case "train":
		return p.Train
	case "validation":
		return p.Val
	case "test":
		return p.Test
	}
	return nil
}

// nHeldOut is the number of n rows that Split holds out for testing and
// validation.
func nHeldOut(n int, o compiler.TrainOptions) int {
	nTest, nVal := dataset.SplitSizes(n, o.TestFrac, o.ValFrac)
	return nTest + nVal
}
