package runtime

import (
	"math"
	"unsafe"

	"github.com/noxlang/nox/compiler/ir"
)

// Narrow layout steps as gathers. The slices, pads, column additions and
// permutations over rows of a few elements (moons' two columns, the μ
// and α halves of a MADE's output of a few dimensions) move a few
// elements a row; as loops over the rows they cost about 1.7 ns an
// element on the benchmark machine, and the 28 of a moons training
// shard took about a quarter of its run (TestProbeShard: 12 µs of 50).
// Their pattern repeats every few rows, so each runs as one flat pass of
// AVX-512 gathers over its output (gatherAVX512s, gatherAVX512d): per
// vector of a period of the pattern, the source of each lane, relative
// to the period's first source element, and which lanes load at all (a
// pad's other columns are 0; a column addition leaves them as they
// are). Moving values changes no bit; a column addition adds the same
// two operands in the same order as the loop (TestGatherLayout).

// narrowGathers turns the gathers on, narrowPermutes their windowed
// permutations (gatherTable.window) where a step is planned; tests turn
// them off to compare.
var narrowGathers, narrowPermutes = true, true

// gatherTable is a narrow layout step as a tiled gather.
type gatherTable struct {
	idx    []int32  // per element of a period: its source, from the period's first (from its vector's window, with win)
	masks  []uint16 // per vector of a period: the lanes loaded
	win    []int32  // per vector of a period: the first of the two vectors of the source its lanes come from, or nil
	period int      // elements of the output a period covers
	stride int      // elements of the source a period moves on
	srcLen int      // elements of the source the step reads
	add    bool     // add the loaded lanes to the output's
}

// narrowGather returns the table that runs step s as a gather, or nil
// where it does not run as one: a slice, pad, permutation or column
// addition whose result's rows have fewer than narrowCols elements, on a
// machine with AVX-512. A pad or column addition of a few columns into
// wide rows (a digits sampler's solve: one column of 64) stays a loop:
// a gather pass over all of the rows' elements took 3–5 times as long
// as the loop, which touches only the columns added (BenchmarkNarrowLayout).
func narrowGather[T Float](s *step[T]) *gatherTable {
	lanes := 64 / int(unsafe.Sizeof(T(0)))
	if !useAVX512 || !narrowGathers || s.rows < 1 || s.cols < 1 {
		return nil
	}
	// src returns the source of output column j (of a row), from the
	// row's first source element, or -1 for none; srcCols is the
	// source's row length.
	var src func(j int) int
	srcCols := s.ac
	switch s.op {
	case ir.OpSliceCols:
		if s.cols >= narrowCols {
			return nil
		}
		src = func(j int) int { return s.off + j }
	case ir.OpPadCols:
		if s.cols >= narrowCols {
			return nil // wide rows: clearing them and copying a few elements a row costs less
		}
		src = func(j int) int {
			if j < s.off || j >= s.off+s.ac {
				return -1
			}
			return j - s.off
		}
	case ir.OpAddCols:
		if s.cols >= narrowCols {
			return nil // wide rows: the loop touches only the few elements added
		}
		srcCols = s.bc
		src = func(j int) int {
			if j < s.off || j >= s.off+s.bc {
				return -1
			}
			return j - s.off
		}
	case ir.OpPermuteCols:
		if s.cols >= narrowCols || len(s.ints) != s.cols {
			return nil
		}
		src = func(j int) int { return s.ints[j] }
	default:
		return nil
	}
	if srcCols < 1 {
		return nil // nothing to move: the loop writes the zeros, or nothing
	}
	period := lcm(s.cols, lanes) // at most 240: fewer than 16 columns
	rowsPer := period / s.cols
	t := &gatherTable{idx: make([]int32, period), masks: make([]uint16, period/lanes), period: period,
		stride: rowsPer * srcCols, srcLen: s.rows * srcCols, add: s.op == ir.OpAddCols}
	for e := range period {
		if j := src(e % s.cols); j >= 0 {
			t.idx[e] = int32(e/s.cols*srcCols + j)
			t.masks[e/lanes] |= 1 << (e % lanes)
		}
	}
	if narrowPermutes {
		t.window(lanes)
	}
	return t
}

// window makes t a table of permutations where every vector's lanes come
// from two vectors' span of the source (moons' columns, a few of a
// MADE's): each vector then loads that span and permutes it
// (permuteAVX512s, permuteAVX512d), a few cycles, where a gather takes
// about eleven (BenchmarkNarrowLayout). It leaves t as it is where one
// vector's lanes lie farther apart.
func (t *gatherTable) window(lanes int) {
	win := make([]int32, len(t.masks))
	for v := range win {
		lo, hi := int32(math.MaxInt32), int32(-1)
		for l := range lanes {
			if t.masks[v]>>l&1 != 0 {
				lo, hi = min(lo, t.idx[v*lanes+l]), max(hi, t.idx[v*lanes+l])
			}
		}
		switch {
		case hi < 0:
			lo = 0 // no lane loads: a vector of zeros, or out as it is
		case hi-lo >= int32(2*lanes):
			return
		}
		win[v] = lo
	}
	for e := range t.idx {
		if t.masks[e/lanes]>>(e%lanes)&1 != 0 {
			t.idx[e] -= win[e/lanes]
		} else {
			t.idx[e] = 0
		}
	}
	t.win = win
}

// gatherFloats is t's size in elements of T, for the plan's count.
func gatherFloats[T Float](t *gatherTable) int {
	size := int(unsafe.Sizeof(T(0)))
	return (4*len(t.idx) + 2*len(t.masks) + 4*len(t.win) + size - 1) / size
}

// runGather runs t over out's rows·cols elements from src and reports
// whether it did (where the machine has AVX-512).
func runGather[T Float](t *gatherTable, out, src []T) bool {
	if t == nil || len(out) == 0 || len(src) < t.srcLen {
		return false
	}
	add := 0
	if t.add {
		add = 1
	}
	return gatherVec(out, src, t, add)
}
