package runtime

import (
	"math"
	"unsafe"

	"github.com/noxlang/nox/compiler/ir"
)

// exec runs one step. Shapes were checked when the program was built.
func (e *Exec[T]) exec(s *step[T]) {
	if s.inChain || s.absorbed {
		return // its chain's first step ran it, or a relu derivative (relusum.go)
	}
	if s.chain != nil {
		chainRun[T](s.chain, len(s.out))
		return
	}
	out := s.out
	switch s.op {
	case ir.OpRandNormal, ir.OpDropout, ir.OpRandUniform:
		e.random(s)
	case ir.OpNeg, ir.OpExp, ir.OpLog, ir.OpRelu, ir.OpReluGrad, ir.OpScale, ir.OpAddConst, ir.OpTanh:
		e.elementwise(s)
	case ir.OpSumCols, ir.OpSumRows, ir.OpMeanRows, ir.OpMaxCols, ir.OpSegSum, ir.OpSegCumsum:
		e.reduce(s)
	case ir.OpBroadcastRows, ir.OpBroadcastCols, ir.OpSliceCols, ir.OpSliceRows, ir.OpPadRows, ir.OpPadCols, ir.OpAddCols, ir.OpTranspose, ir.OpPermTranspose, ir.OpAddRows, ir.OpPermuteCols, ir.OpSegExpand:
		e.layout(s)
	case ir.OpMatMul, ir.OpGemm:
		if s.smallK {
			smallK(s)
			break
		}
		tA, tB := s.flags&ir.TransA != 0, s.flags&ir.TransB != 0
		k := s.ac
		if tA {
			k = s.ar
		}
		// A product with pieces runs through runShared; run whole here,
		// it computes the same (TestPiecesWhole).
		if s.blocks != nil {
			e.rowwiseStart(s)
			for _, b := range s.blocks {
				e.gemmBlock(s, b, tA, tB)
			}
		} else {
			e.k.gemm(tA, tB, s.rows, s.cols, k, s.a, s.lda, s.b, s.ldb, out, s.cols, e.scratch)
		}
		e.biasAfter(s)
	case ir.OpMaskCopy:
		for i := 0; i < len(s.ints); i += 2 {
			lo, hi := s.ints[i], s.ints[i+1]
			copy(out[lo:hi], s.a[lo:hi])
		}
	case ir.OpAdd, ir.OpSub, ir.OpMul, ir.OpDiv, ir.OpGreater, ir.OpMask:
		binary(e.k, s)
	case ir.OpSigmoid, ir.OpSoftplus, ir.OpSqrt, ir.OpAbs, ir.OpFloor, ir.OpClamp:
		unaryMath(s)
	case ir.OpSin, ir.OpCos, ir.OpLog1p, ir.OpExpm1, ir.OpLgamma, ir.OpDigamma, ir.OpPowConst:
		elemMath(s)
	case ir.OpTriSolve:
		triSolve(s)
	case ir.OpSupport:
		support(s)
	case ir.OpStopGrad:
		copy(out, s.a)
	default:
		panic("runtime: op " + s.op.String() + " has no kernel")
	}
}

// random fills a step with random numbers: normal, uniform or a dropout mask.
func (e *Exec[T]) random(s *step[T]) {
	out := s.out
	switch s.op {
	case ir.OpRandNormal:
		for i := range out {
			out[i] = T(e.rng.NormFloat64())
		}
	case ir.OpDropout:
		keep := 1 - s.f
		scale := T(1 / keep)
		for i := range out {
			if e.rng.Float64() < keep {
				out[i] = scale
			} else {
				out[i] = 0
			}
		}
	case ir.OpRandUniform:
		for i := range out {
			out[i] = T(e.rng.Float64())
		}
	}
}

// elementwise runs a unary elementwise step (and relu's gradient); the
// others, whose math is longer, are in unaryMath.
func (e *Exec[T]) elementwise(s *step[T]) {
	out := s.out
	switch s.op {
	case ir.OpNeg:
		// x·(−1) is −x (a NaN keeps its sign): the vector multiply of
		// scaleInto, where Go's loop runs one element at a time.
		scaleInto(out, s.a[:len(out)], -1, false)
	case ir.OpExp:
		e.k.exp(out, s.a)
	case ir.OpLog:
		a := s.a[:len(out)]
		for i := range out {
			out[i] = T(math.Log(float64(a[i])))
		}
	case ir.OpRelu:
		e.k.relu(out, s.a)
	case ir.OpReluGrad:
		if s.rowSums != nil {
			e.reluGradSum(s)
			break
		}
		e.k.reluGrad(out, s.a, s.b)
	case ir.OpScale:
		scaleInto(out, s.a[:len(out)], T(s.f), false)
	case ir.OpAddConst:
		a, c := s.a[:len(out)], T(s.f)
		for i := range out {
			out[i] = a[i] + c
		}
	case ir.OpTanh:
		e.k.tanh(out, s.a)
	}
}

// Layout steps over rows of fewer than narrowCols elements (the two
// columns of moons, a MADE's μ and α of a few dimensions) run as plain
// loops over the rows rather than a call (copy, a vector kernel) per
// row, whose cost had been most of theirs: on a moons shard of 128 rows
// the slices, pads, column additions and reversals took ~15 µs of ~70.
// Tests turn narrowLoops off to compare.
const narrowCols = 16

var narrowLoops = true

// colSums turns on the column-sum kernel (colSumVec) of sums over rows;
// tests turn it off to compare.
var colSums = true

// reduce runs a step that sums or maximizes along rows, columns or groups of columns.
func (e *Exec[T]) reduce(s *step[T]) {
	out := s.out
	switch s.op {
	case ir.OpSumCols:
		if narrowLoops && s.ac < 8 {
			// sumRow of fewer than 8 elements, without a call a row: +0
			// plus each element in turn.
			for r := range s.rows {
				var t T
				for _, x := range s.a[r*s.ac : (r+1)*s.ac] {
					t += x
				}
				out[r] = t
			}
			break
		}
		if sumRows(out, s.a, s.rows, s.ac, s.ac) {
			break
		}
		for r := range s.rows {
			out[r] = sumRow(s.a[r*s.ac : (r+1)*s.ac])
		}
	case ir.OpSumRows, ir.OpMeanRows:
		if !colSums || !colSumVec(out, s.a, s.ar, s.ac) {
			copy(out, s.a[:s.ac])
			for r := 1; r < s.ar; r++ {
				e.k.add(out, out, s.a[r*s.ac:(r+1)*s.ac])
			}
		}
		if s.op == ir.OpMeanRows {
			inv := 1 / T(s.ar)
			for j := range out {
				out[j] *= inv
			}
		}
	case ir.OpMaxCols:
		for r := range s.rows {
			row := s.a[r*s.ac : (r+1)*s.ac]
			m := row[0]
			for _, x := range row[1:] {
				if x > m || m != m {
					m = x
				}
			}
			out[r] = m
		}
	case ir.OpSegSum:
		k := s.off
		for i := range out {
			var t T
			for _, x := range s.a[i*k : (i+1)*k] {
				t += x
			}
			out[i] = t
		}
	case ir.OpSegCumsum:
		k := s.off
		for g := 0; g < len(out); g += k {
			src, dst := s.a[g:g+k], out[g:g+k]
			var t T
			if s.f == 1 {
				for j := k - 1; j >= 0; j-- {
					t += src[j]
					dst[j] = t
				}
			} else {
				for j := range k {
					t += src[j]
					dst[j] = t
				}
			}
		}
	}
}

// layout runs a step that moves values: broadcasts, slices, pads, transposes, permutations, in-place additions of a block.
func (e *Exec[T]) layout(s *step[T]) {
	out := s.out
	switch s.op {
	case ir.OpBroadcastRows:
		c := T(1)
		if s.flags == 1 {
			c = 1 / T(s.rows)
		}
		for r := range s.rows {
			row := out[r*s.cols : (r+1)*s.cols]
			for j := range row {
				row[j] = s.a[j] * c
			}
		}
	case ir.OpBroadcastCols:
		if s.cols >= narrowCols && rowsBcast(out, s.a, s.rows, s.cols, s.cols) {
			break
		}
		for r := range s.rows {
			row := out[r*s.cols : (r+1)*s.cols]
			v := s.a[r]
			for j := range row {
				row[j] = v
			}
		}
	case ir.OpSliceCols:
		if runGather(s.gather, out[:s.rows*s.cols], s.a) {
			break
		}
		if narrowLoops && s.cols < narrowCols {
			for r := range s.rows {
				src, dst := s.a[r*s.ac+s.off:r*s.ac+s.off+s.cols], out[r*s.cols:(r+1)*s.cols]
				for j, x := range src {
					dst[j] = x
				}
			}
			break
		}
		if rowsCopy(out, s.a[s.off:], s.rows, s.cols, s.cols, s.ac) {
			break
		}
		for r := range s.rows {
			copy(out[r*s.cols:(r+1)*s.cols], s.a[r*s.ac+s.off:])
		}
	case ir.OpSliceRows:
		copy(out, s.a[s.off*s.cols:])
	case ir.OpPadRows:
		clear(out)
		copy(out[s.off*s.cols:], s.a[:s.ar*s.ac])
	case ir.OpPadCols:
		if runGather(s.gather, out[:s.rows*s.cols], s.a) {
			break
		}
		clear(out)
		if narrowLoops && s.ac < narrowCols {
			for r := range s.rows {
				src, dst := s.a[r*s.ac:(r+1)*s.ac], out[r*s.cols+s.off:r*s.cols+s.off+s.ac]
				for j, x := range src {
					dst[j] = x
				}
			}
			break
		}
		if rowsCopy(out[s.off:], s.a, s.rows, s.ac, s.cols, s.ac) {
			break
		}
		for r := range s.rows {
			copy(out[r*s.cols+s.off:], s.a[r*s.ac:(r+1)*s.ac])
		}
	case ir.OpAddCols:
		if &out[0] != &s.a[0] {
			copy(out, s.a[:len(out)])
		}
		if runGather(s.gather, out[:s.rows*s.cols], s.b) {
			break
		}
		if narrowLoops && s.bc < narrowCols {
			for r := range s.rows {
				src, dst := s.b[r*s.bc:(r+1)*s.bc], out[r*s.cols+s.off:r*s.cols+s.off+s.bc]
				for j, x := range src {
					dst[j] += x
				}
			}
			break
		}
		if rowsBinary(ir.OpAdd, out[s.off:], out[s.off:], s.b, s.rows, s.bc, s.cols, s.cols, s.bc) {
			break
		}
		for r := range s.rows {
			addInto(e.k.add, out[r*s.cols+s.off:r*s.cols+s.off+s.bc], s.b[r*s.bc:(r+1)*s.bc])
		}
	case ir.OpTranspose, ir.OpPermTranspose:
		transpose(out, s.a, s.ar, s.ac, s.ints)
	case ir.OpAddRows:
		if &out[0] != &s.a[0] {
			copy(out, s.a[:len(out)])
		}
		addInto(e.k.add, out[s.off*s.cols:s.off*s.cols+s.br*s.bc], s.b[:s.br*s.bc])
	case ir.OpPermuteCols:
		if runGather(s.gather, out[:s.rows*s.cols], s.a) {
			break
		}
		if s.reverse && !(narrowLoops && s.cols < narrowCols) {
			if reverseRows(out, s.a, s.rows, s.cols, s.cols, s.ac) {
				break
			}
			for r := range s.rows {
				reverseInto(out[r*s.cols:(r+1)*s.cols], s.a[r*s.ac:(r+1)*s.ac])
			}
			break
		}
		for r := range s.rows {
			src := s.a[r*s.ac : (r+1)*s.ac]
			dst := out[r*s.cols : (r+1)*s.cols]
			for j, p := range s.ints {
				dst[j] = src[p]
			}
		}
	case ir.OpSegExpand:
		k := s.off
		for i, x := range s.a[:len(out)/k] {
			g := out[i*k : (i+1)*k]
			for j := range g {
				g[j] = x
			}
		}
	}
}

// binary runs an elementwise binary op whose second operand may be
// broadcast by rows ([1,n]), by columns ([r,1]) or as a scalar.
func binary[T Float](k *kernels[T], s *step[T]) {
	n := s.cols
	switch {
	case s.br == s.rows && s.bc == n:
		vv(k, s.op, s.out, s.a[:len(s.out)], s.b[:len(s.out)])
	case s.br == 1 && s.bc == n && n < 16 && s.op == ir.OpAdd:
		// A narrow row (the bias of a MADE output layer): one loop over
		// the whole tensor rather than a vector call per row.
		out, a, b := s.out, s.a[:len(s.out)], s.b[:n]
		for i := 0; i < len(out); i += n {
			o, x := out[i:i+n], a[i:i+n]
			for j, y := range b {
				o[j] = x[j] + y
			}
		}
	case s.br == 1 && s.bc == n:
		if n >= narrowCols && rowsBinary(rowOp(s.op), s.out, s.a, s.b, s.rows, n, n, n, 0) {
			return
		}
		for r := range s.rows {
			vv(k, s.op, s.out[r*n:(r+1)*n], s.a[r*n:(r+1)*n], s.b[:n])
		}
	case s.bc == 1 && s.br == s.rows:
		if n >= narrowCols && colsBinary(rowOp(s.op), s.out, s.a, s.b, s.rows, n, n, n) {
			return
		}
		for r := range s.rows {
			vs(s.op, s.out[r*n:(r+1)*n], s.a[r*n:(r+1)*n], s.b[r])
		}
	default: // scalar
		vs(s.op, s.out, s.a[:len(s.out)], s.b[0])
	}
}

// rowOp is the row kernels' operation for a binary op: a mask multiplies.
func rowOp(op ir.Op) ir.Op {
	if op == ir.OpMask {
		return ir.OpMul
	}
	return op
}

func vv[T Float](k *kernels[T], op ir.Op, out, a, b []T) {
	a, b = a[:len(out)], b[:len(out)]
	switch op {
	case ir.OpGreater:
		for i := range out {
			out[i] = gt(a[i], b[i])
		}
	case ir.OpAdd:
		k.add(out, a, b)
	case ir.OpSub:
		k.sub(out, a, b)
	case ir.OpMul, ir.OpMask:
		k.mul(out, a, b)
	case ir.OpDiv:
		for i := range out {
			out[i] = a[i] / b[i]
		}
	}
}

func vs[T Float](op ir.Op, out, a []T, c T) {
	a = a[:len(out)]
	switch op {
	case ir.OpGreater:
		for i := range out {
			out[i] = gt(a[i], c)
		}
	case ir.OpAdd:
		addScalar(out, a, c)
	case ir.OpSub:
		for i := range out {
			out[i] = a[i] - c
		}
	case ir.OpMul, ir.OpMask:
		for i := range out {
			out[i] = a[i] * c
		}
	case ir.OpDiv:
		for i := range out {
			out[i] = a[i] / c
		}
	}
}

// addScalar sets out to a + c, four elements an iteration: a column
// broadcast's addition (addBroadcastCols) runs a row of a MADE's width
// through it, where the one-at-a-time loop's bounds checks and loop
// counter cost as much as the additions.
func addScalar[T Float](out, a []T, c T) {
	a = a[:len(out)]
	i := 0
	for ; i+4 <= len(out); i += 4 {
		o, x := out[i:i+4:i+4], a[i:i+4:i+4]
		o[0], o[1], o[2], o[3] = x[0]+c, x[1]+c, x[2]+c, x[3]+c
	}
	for ; i < len(out); i++ {
		out[i] = a[i] + c
	}
}

func gt[T Float](a, b T) T {
	if a > b {
		return 1
	}
	return 0
}

// unaryMath runs the elementwise transcendental and piecewise ops.
func unaryMath[T Float](s *step[T]) {
	out := s.out
	a := s.a[:len(out)]
	if o32, ok := any(out).([]float32); ok && (s.op == ir.OpSigmoid || s.op == ir.OpSoftplus) {
		a32 := any(a).([]float32)
		if s.op == ir.OpSigmoid {
			sigmoid32(o32, a32)
		} else {
			softplus32(o32, a32)
		}
		return
	}
	switch s.op {
	case ir.OpSigmoid:
		for i, x := range a {
			if x := float64(x); x >= 0 {
				out[i] = T(1 / (1 + math.Exp(-x)))
			} else {
				e := math.Exp(x)
				out[i] = T(e / (1 + e))
			}
		}
	case ir.OpSoftplus:
		// log(1+e^x) = max(x,0) + log1p(e^-|x|)
		for i, x := range a {
			x := float64(x)
			out[i] = T(max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))))
		}
	case ir.OpSqrt:
		for i := range out {
			out[i] = T(math.Sqrt(float64(a[i])))
		}
	case ir.OpAbs:
		for i := range out {
			out[i] = T(math.Abs(float64(a[i])))
		}
	case ir.OpFloor:
		for i := range out {
			out[i] = T(math.Floor(float64(a[i])))
		}
	case ir.OpClamp:
		lo, hi := bound[T](s.data[0], true), bound[T](s.data[1], false)
		for i, x := range a {
			out[i] = min(max(x, lo), hi)
		}
	}
}

// support runs OpSupport: 0 for a row whose elements all lie in the open
// interval (data[0], data[1]) (and are integers with SupportIntegers),
// −Inf for the others. The test is in float64 for either precision, and
// written so that NaN fails it.
func support[T Float](s *step[T]) {
	lo, hi := s.data[0], s.data[1]
	integers := s.flags&ir.SupportIntegers != 0
	for r := range s.rows {
		v := 0.0
		for _, x := range s.a[r*s.ac : (r+1)*s.ac] {
			x := float64(x)
			if !(x > lo && x < hi) || integers && x != math.Floor(x) {
				v = math.Inf(-1)
				break
			}
		}
		s.out[r] = T(v)
	}
}

// triSolve solves out·T = a (or out·Tᵀ = a) row by row for triangular T
// ([n,n]). Column j of out·T is Σ_i out_i T_ij; for an upper T only i ≤ j
// contribute, so the columns are found left to right; for a lower T, right
// to left. Transposing T swaps the two cases.
func triSolve[T Float](s *step[T]) {
	n := s.cols
	t := s.b[:n*n]
	lower, unit, trans := s.flags&ir.TriLower != 0, s.flags&ir.TriUnit != 0, s.flags&ir.TriTrans != 0
	at := func(i, j int) T { return t[i*n+j] } // T_ij of the effective matrix
	if trans {
		at = func(i, j int) T { return t[j*n+i] }
	}
	backward := lower != trans
	for r := range s.rows {
		a, x := s.a[r*n:(r+1)*n], s.out[r*n:(r+1)*n]
		if backward {
			for j := n - 1; j >= 0; j-- {
				v := a[j]
				for i := j + 1; i < n; i++ {
					v -= x[i] * at(i, j)
				}
				if !unit {
					v /= at(j, j)
				}
				x[j] = v
			}
		} else {
			for j := range n {
				v := a[j]
				for i := range j {
					v -= x[i] * at(i, j)
				}
				if !unit {
					v /= at(j, j)
				}
				x[j] = v
			}
		}
	}
}

// bound converts a clamp bound to T, saturating instead of rounding to
// infinity or zero, and rounding toward the interval's inside (up for a
// lower bound, down for an upper one): a layer that clamps a denominator
// away from zero, a value below the largest float64, or Logit's value
// into (1e-300, 1 − 2⁻⁵³) — which to nearest would be [0, 1], where the
// logarithms are −Inf — means the same in float32.
func bound[T Float](v float64, lower bool) T {
	x := T(v)
	switch {
	case math.IsInf(float64(x), 0) && !math.IsInf(v, 0):
		return T(math.Copysign(math.MaxFloat32, v)) // float64 never overflows here
	case x == 0 && v != 0:
		return T(math.Copysign(math.SmallestNonzeroFloat32, v))
	}
	if f, ok := any(x).(float32); ok {
		if lower && float64(f) < v {
			return T(math.Nextafter32(f, float32(math.Inf(1))))
		}
		if !lower && float64(f) > v {
			return T(math.Nextafter32(f, float32(math.Inf(-1))))
		}
	}
	return x
}

// biasAfter adds a fused product's bias, and applies its relu, once the
// product is done.
func (e *Exec[T]) biasAfter(s *step[T]) {
	if s.flags&ir.GemmBias == 0 {
		return
	}
	relu := s.flags&ir.GemmRelu != 0
	if s.tile != nil && biasTiled(s.out[:s.rows*s.cols], s.c, s.tile, s.cols, relu) {
		return
	}
	if e.k.bias != nil {
		e.k.bias(s.out, s.c, s.rows, s.cols, relu)
	} else {
		biasGo(e.k.add, e.k.relu, s.out, s.c, s.rows, s.cols, relu)
	}
}

// biasTile returns the length of the tile biasTiled runs a bias of cols
// columns over, or 0 where it does not: the least multiple of cols that
// is a multiple of an AVX-512 vector's lanes, if cols is not one.
func biasTile[T Float](cols int) int {
	lanes := 64 / int(unsafe.Sizeof(T(0)))
	if !useAVX512 || !rowKernels || cols < 1 || cols%lanes == 0 {
		return 0
	}
	return lcm(cols, lanes)
}

// lcm is the least common multiple of a and b (both ≥ 1): the length of
// the shortest run of rows of a columns that is whole vectors of b lanes.
func lcm(a, b int) int {
	g := a
	for l := b; l != 0; g, l = l, g%l {
	}
	return a / g * b
}

// transpose sets out (cols×rows) to aᵀ for a rows×cols, or, with perm,
// to a's columns perm[0], perm[1], … as rows (the transpose of a
// PermuteCols, fused). It runs in tiles so that both sides stay in cache.
func transpose[T Float](out, a []T, rows, cols int, perm []int) {
	const tile = 32
	for r0 := 0; r0 < cols; r0 += tile {
		r1 := min(r0+tile, cols)
		for c0 := 0; c0 < rows; c0 += tile {
			c1 := min(c0+tile, rows)
			for r := r0; r < r1; r++ {
				src := r
				if perm != nil {
					src = perm[r]
				}
				dst := out[r*rows : (r+1)*rows]
				for c := c0; c < c1; c++ {
					dst[c] = a[c*cols+src]
				}
			}
		}
	}
}

// sumRow returns the sum of xs in eight partial sums, element j in sum
// j%8, added pairwise at the end, then the last len(xs)%8 elements in
// order. One running sum waits for each addition before the next (784
// in a row of the 784-d MAF: a log-determinant's sum took 26 µs of its
// 64-row shard's step, 0.5 ns an element); eight run side by side.
func sumRow[T Float](xs []T) T {
	var s0, s1, s2, s3, s4, s5, s6, s7 T
	n := len(xs) &^ 7
	for j := 0; j < n; j += 8 {
		x := xs[j : j+8 : j+8]
		s0 += x[0]
		s1 += x[1]
		s2 += x[2]
		s3 += x[3]
		s4 += x[4]
		s5 += x[5]
		s6 += x[6]
		s7 += x[7]
	}
	t := ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
	for _, x := range xs[n:] {
		t += x
	}
	return t
}

// reversed reports whether perm lists 0..len-1 backwards: the column
// permutation of a Reverse layer (and its gradient), which a MAF puts
// between its MADEs.
func reversed(perm []int) bool {
	for j, p := range perm {
		if p != len(perm)-1-j {
			return false
		}
	}
	return len(perm) > 1
}

// reverseInto sets dst[j] = src[len(src)-1-j]: a row of a reversing
// column permutation. A gather through the permutation took 19 µs per
// 64×784 tensor (0.38 ns an element); a reversal by vector permutes is
// a fraction of that (bench/README.md).
func reverseInto[T Float](dst, src []T) {
	n := len(src)
	dst = dst[:n]
	j := reverseVec(dst, src)
	for ; j < n; j++ {
		dst[j] = src[n-1-j]
	}
}
