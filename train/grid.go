package train

import (
	"math"
	"slices"
)

// GridWidths detects data recorded on a grid: for each of the first dim
// columns of rows (width w) whose values take fewer than n/2 distinct
// values that are all multiples of their smallest positive gap δ (to
// 1e-6 relative), it returns δ/2, the half-width of the uniform noise
// that dequantizes the column; 0 for continuous columns. A constant
// column, whose density no continuous model can fit (it would shrink it
// forever), gets the median step of the gridded columns, if there are
// any.
func GridWidths(rows []float64, w, dim int) []float64 {
	n := len(rows) / w
	out := make([]float64, w)
	vals := make([]float64, n)
	var constant []int
	var steps []float64
	for j := range dim {
		for i := range n {
			vals[i] = rows[i*w+j]
		}
		slices.Sort(vals)
		distinct := slices.Compact(slices.Clone(vals))
		if len(distinct) == 1 {
			constant = append(constant, j)
			continue
		}
		if len(distinct) >= n/2 {
			continue
		}
		gap := math.Inf(1)
		for k := 1; k < len(distinct); k++ {
			gap = min(gap, distinct[k]-distinct[k-1])
		}
		onGrid := true
		for _, v := range distinct {
			q := (v - distinct[0]) / gap
			if math.Abs(q-math.Round(q)) > 1e-6*math.Max(1, math.Abs(q)) {
				onGrid = false
				break
			}
		}
		if onGrid {
			out[j] = gap / 2
			steps = append(steps, gap)
		}
	}
	if len(steps) > 0 {
		slices.Sort(steps)
		for _, j := range constant {
			out[j] = steps[len(steps)/2] / 2
		}
	}
	return out
}
