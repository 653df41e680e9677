package runtime

import (
	"unsafe"

	"github.com/noxlang/nox/compiler/ir"
)

// A hidden layer's backward pass takes the relu's derivative of the
// gradient of its output, dA = dH where the relu's output is positive
// (OpReluGrad), then sums dA's rows into the bias gradient (OpSumRows):
// two passes over a [rows, hidden] tensor, the second reading what the
// first has just written (on a digits MAF's 128-row shard, 256 KB: more
// than L1 holds). Where the sum's operand is the derivative, the
// derivative's step computes both in one pass (reluGradSum), the running
// sums kept in the sum's buffer, and the sum's step runs nothing
// (absorbed). Each element of dA is the same selection, and each sum
// adds the same rows in the same order with the running sum the first
// operand, as the steps' own kernels do, so the bits are the same, NaN
// payloads included (TestReluSumBits, TestReluGradSumKernel).
//
// The sum is computed at the derivative's place in the program: formed
// only where neither the derivative nor any step between it and the sum
// reads or writes the sum's buffer (a buffer recycled from a value that
// dies in between), so that computing it early changes nothing.

// reluSums turns the one-pass relu derivatives and sums on; tests and
// measurements turn it off to compare.
var reluSums = true

// reluSumVec lets them run on the AVX-512 kernel; tests turn it off to
// check the Go loops.
var reluSumVec = true

// formReluSums gives each relu derivative of steps whose rows a later
// step sums the sum's buffer (rowSums), and marks the sum's step
// absorbed. It is planned only where the AVX-512 kernels run (elsewhere
// the Go loops would add a row at a time) and for rows of whole vectors:
// a row's last few elements under a lane mask, row after row, made the
// moons MAF's 100 columns slower in one pass than in two (a shard's run
// 52 → 55 µs, TestProbeShard with NOX_PROBE_VARY=relusum).
func formReluSums[T Float](steps []step[T]) {
	if !reluSums || !useAVX512 || !rowKernels {
		return
	}
	var z T
	lanes := 64 / int(unsafe.Sizeof(z))
	for i := range steps {
		r := &steps[i]
		n := r.rows * r.cols
		if r.op != ir.OpReluGrad || r.cols%lanes != 0 || len(r.out) < n || len(r.a) < n || len(r.b) < n {
			continue
		}
		for j := i + 1; j < len(steps); j++ {
			s := &steps[j]
			if s.op != ir.OpSumRows || s.args[0] != r.value {
				continue
			}
			if s.ar == r.rows && s.ac == r.cols && len(s.out) >= r.cols && sameStart(s.a, r.out) && untouched(steps[i:j], s.out[:r.cols]) {
				r.rowSums = s.out[:r.cols]
				s.absorbed = true
			}
			break
		}
	}
}

// untouched reports whether no step of steps reads or writes x.
func untouched[T Float](steps []step[T], x []T) bool {
	for k := range steps {
		s := &steps[k]
		for _, y := range [][]T{s.out, s.a, s.b, s.c} {
			if overlaps(x, y) {
				return false
			}
		}
	}
	return true
}

// overlaps reports whether the elements of x and y share memory.
func overlaps[T Float](x, y []T) bool {
	if len(x) == 0 || len(y) == 0 {
		return false
	}
	var z T
	sz := unsafe.Sizeof(z)
	x0 := uintptr(unsafe.Pointer(unsafe.SliceData(x)))
	y0 := uintptr(unsafe.Pointer(unsafe.SliceData(y)))
	return x0 < y0+uintptr(len(y))*sz && y0 < x0+uintptr(len(x))*sz
}

// sameStart reports whether x and y start at the same element.
func sameStart[T Float](x, y []T) bool {
	return len(x) > 0 && len(y) > 0 && unsafe.SliceData(x) == unsafe.SliceData(y)
}

// reluGradSum runs relu derivative s with the sums over its rows
// (rowSums).
func (e *Exec[T]) reluGradSum(s *step[T]) {
	n := s.rows * s.cols
	out, a, g, sum := s.out[:n], s.a[:n], s.b[:n], s.rowSums
	if reluSumVec && reluGradSumVec(out, a, g, sum, s.rows) {
		return
	}
	// The steps' own kernels: the derivative, then the sum as OpSumRows
	// adds without the column-sum kernel (the same bits).
	e.k.reluGrad(out, a, g)
	copy(sum, out[:s.cols])
	for r := 1; r < s.rows; r++ {
		e.k.add(sum, sum, out[r*s.cols:(r+1)*s.cols])
	}
}
