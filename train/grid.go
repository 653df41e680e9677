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
	return gridWidths(rows, w, dim, sortFloats)
}

// gridWidths is GridWidths with the sort it orders a column with (tmp a
// buffer of its length): tests compare sortFloats with slices.Sort.
func gridWidths(rows []float64, w, dim int, sort func(v, tmp []float64)) []float64 {
	n := len(rows) / w
	out := make([]float64, w)
	vals, tmp := make([]float64, n), make([]float64, n)
	var constant []int
	var steps []float64
	for j := range dim {
		for i := range n {
			vals[i] = rows[i*w+j]
		}
		sort(vals, tmp)
		nd := min(n, 1) // distinct values
		for k := 1; k < n; k++ {
			if vals[k] != vals[k-1] {
				nd++
			}
		}
		if nd == 1 {
			constant = append(constant, j)
			continue
		}
		if nd >= n/2 {
			continue
		}
		distinct := slices.Compact(vals)
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

// sortFloats sorts v, finite values, in place (tmp is a buffer of its
// length): by their bits, made unsigned so that their order is the
// values', in four passes of 16 bits each (a radix sort). GridWidths
// over 16 M rows of two columns took 4.4–4.5 s with pdqsort
// (slices.Sort), 1.0 s with the passes (bench/README.md, thirty-third
// session). Equal values (-0 and +0) may end up in either order, as with
// slices.Sort.
func sortFloats(v, tmp []float64) {
	if len(v) < 1<<12 {
		slices.Sort(v)
		return
	}
	key := func(x float64) uint64 {
		b := math.Float64bits(x)
		if b>>63 != 0 {
			return ^b
		}
		return b | 1<<63
	}
	count := make([]int, 1<<16)
	src, dst := v, tmp[:len(v)]
	for shift := 0; shift < 64; shift += 16 {
		clear(count)
		for _, x := range src {
			count[key(x)>>shift&0xffff]++
		}
		at := 0
		for d, c := range count {
			count[d] = at
			at += c
		}
		for _, x := range src {
			d := key(x) >> shift & 0xffff
			dst[count[d]] = x
			count[d]++
		}
		src, dst = dst, src
	}
}
