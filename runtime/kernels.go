package runtime

import (
	"math"

	"github.com/noxlang/nox/compiler/ir"
)

// exec runs one step. Shapes were checked when the program was built.
func (e *Exec) exec(s *step) {
	out := s.out
	switch s.op {
	case ir.OpRandNormal:
		for i := range out {
			out[i] = e.rng.NormFloat64()
		}
	case ir.OpDropout:
		keep := 1 - s.f
		scale := 1 / keep
		for i := range out {
			if e.rng.Float64() < keep {
				out[i] = scale
			} else {
				out[i] = 0
			}
		}
	case ir.OpMatMul:
		tA, tB := s.flags&ir.TransA != 0, s.flags&ir.TransB != 0
		k := s.ac
		if tA {
			k = s.ar
		}
		dgemm(tA, tB, s.rows, s.cols, k, s.a, s.ac, s.b, s.bc, out, s.cols, e.scratch)
	case ir.OpAdd, ir.OpSub, ir.OpMul, ir.OpDiv, ir.OpGreater:
		binary(s)
	case ir.OpNeg:
		a := s.a[:len(out)]
		for i := range out {
			out[i] = -a[i]
		}
	case ir.OpExp:
		a := s.a[:len(out)]
		for i := range out {
			out[i] = math.Exp(a[i])
		}
	case ir.OpLog:
		a := s.a[:len(out)]
		for i := range out {
			out[i] = math.Log(a[i])
		}
	case ir.OpRelu:
		relu(out, s.a)
	case ir.OpReluGrad:
		reluGrad(out, s.a, s.b)
	case ir.OpScale:
		a, c := s.a[:len(out)], s.f
		for i := range out {
			out[i] = a[i] * c
		}
	case ir.OpAddConst:
		a, c := s.a[:len(out)], s.f
		for i := range out {
			out[i] = a[i] + c
		}
	case ir.OpSumCols:
		for r := range s.rows {
			row := s.a[r*s.ac : (r+1)*s.ac]
			t := 0.0
			for _, x := range row {
				t += x
			}
			out[r] = t
		}
	case ir.OpSumRows, ir.OpMeanRows:
		copy(out, s.a[:s.ac])
		for r := 1; r < s.ar; r++ {
			add(out, out, s.a[r*s.ac:(r+1)*s.ac])
		}
		if s.op == ir.OpMeanRows {
			inv := 1 / float64(s.ar)
			for j := range out {
				out[j] *= inv
			}
		}
	case ir.OpBroadcastRows:
		c := 1.0
		if s.flags == 1 {
			c = 1 / float64(s.rows)
		}
		for r := range s.rows {
			row := out[r*s.cols : (r+1)*s.cols]
			for j := range row {
				row[j] = s.a[j] * c
			}
		}
	case ir.OpBroadcastCols:
		for r := range s.rows {
			row := out[r*s.cols : (r+1)*s.cols]
			v := s.a[r]
			for j := range row {
				row[j] = v
			}
		}
	case ir.OpSliceCols:
		for r := range s.rows {
			copy(out[r*s.cols:(r+1)*s.cols], s.a[r*s.ac+s.off:])
		}
	case ir.OpPadCols:
		clear(out)
		for r := range s.rows {
			copy(out[r*s.cols+s.off:], s.a[r*s.ac:(r+1)*s.ac])
		}
	case ir.OpPermuteCols:
		for r := range s.rows {
			src := s.a[r*s.ac : (r+1)*s.ac]
			dst := out[r*s.cols : (r+1)*s.cols]
			for j, p := range s.ints {
				dst[j] = src[p]
			}
		}
	case ir.OpRandUniform:
		for i := range out {
			out[i] = e.rng.Float64()
		}
	case ir.OpTanh, ir.OpSigmoid, ir.OpSoftplus, ir.OpSqrt, ir.OpAbs, ir.OpFloor, ir.OpClamp:
		unaryMath(s)
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
			t := 0.0
			for _, x := range s.a[i*k : (i+1)*k] {
				t += x
			}
			out[i] = t
		}
	case ir.OpSegExpand:
		k := s.off
		for i, x := range s.a[:len(out)/k] {
			g := out[i*k : (i+1)*k]
			for j := range g {
				g[j] = x
			}
		}
	case ir.OpSegCumsum:
		k := s.off
		for g := 0; g < len(out); g += k {
			src, dst := s.a[g:g+k], out[g:g+k]
			t := 0.0
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
	case ir.OpTriSolve:
		triSolve(s)
	default:
		panic("runtime: op " + s.op.String() + " has no kernel")
	}
}

// binary runs an elementwise binary op whose second operand may be
// broadcast by rows ([1,n]), by columns ([r,1]) or as a scalar.
func binary(s *step) {
	n := s.cols
	switch {
	case s.br == s.rows && s.bc == n:
		vv(s.op, s.out, s.a[:len(s.out)], s.b[:len(s.out)])
	case s.br == 1 && s.bc == n:
		for r := range s.rows {
			vv(s.op, s.out[r*n:(r+1)*n], s.a[r*n:(r+1)*n], s.b[:n])
		}
	case s.bc == 1 && s.br == s.rows:
		for r := range s.rows {
			vs(s.op, s.out[r*n:(r+1)*n], s.a[r*n:(r+1)*n], s.b[r])
		}
	default: // scalar
		vs(s.op, s.out, s.a[:len(s.out)], s.b[0])
	}
}

func vv(op ir.Op, out, a, b []float64) {
	a, b = a[:len(out)], b[:len(out)]
	switch op {
	case ir.OpGreater:
		for i := range out {
			out[i] = gt(a[i], b[i])
		}
	case ir.OpAdd:
		add(out, a, b)
	case ir.OpSub:
		sub(out, a, b)
	case ir.OpMul:
		mul(out, a, b)
	case ir.OpDiv:
		for i := range out {
			out[i] = a[i] / b[i]
		}
	}
}

func vs(op ir.Op, out, a []float64, c float64) {
	a = a[:len(out)]
	switch op {
	case ir.OpGreater:
		for i := range out {
			out[i] = gt(a[i], c)
		}
	case ir.OpAdd:
		for i := range out {
			out[i] = a[i] + c
		}
	case ir.OpSub:
		for i := range out {
			out[i] = a[i] - c
		}
	case ir.OpMul:
		for i := range out {
			out[i] = a[i] * c
		}
	case ir.OpDiv:
		for i := range out {
			out[i] = a[i] / c
		}
	}
}

func gt(a, b float64) float64 {
	if a > b {
		return 1
	}
	return 0
}

// unaryMath runs the elementwise transcendental and piecewise ops.
func unaryMath(s *step) {
	out := s.out
	a := s.a[:len(out)]
	switch s.op {
	case ir.OpTanh:
		for i := range out {
			out[i] = math.Tanh(a[i])
		}
	case ir.OpSigmoid:
		for i, x := range a {
			if x >= 0 {
				out[i] = 1 / (1 + math.Exp(-x))
			} else {
				e := math.Exp(x)
				out[i] = e / (1 + e)
			}
		}
	case ir.OpSoftplus:
		// log(1+e^x) = max(x,0) + log1p(e^-|x|)
		for i, x := range a {
			out[i] = max(x, 0) + math.Log1p(math.Exp(-math.Abs(x)))
		}
	case ir.OpSqrt:
		for i := range out {
			out[i] = math.Sqrt(a[i])
		}
	case ir.OpAbs:
		for i := range out {
			out[i] = math.Abs(a[i])
		}
	case ir.OpFloor:
		for i := range out {
			out[i] = math.Floor(a[i])
		}
	case ir.OpClamp:
		lo, hi := s.data[0], s.data[1]
		for i, x := range a {
			out[i] = min(max(x, lo), hi)
		}
	}
}

// triSolve solves out·T = a (or out·Tᵀ = a) row by row for triangular T
// ([n,n]). Column j of out·T is Σ_i out_i T_ij; for an upper T only i ≤ j
// contribute, so the columns are found left to right; for a lower T, right
// to left. Transposing T swaps the two cases.
func triSolve(s *step) {
	n := s.cols
	t := s.b[:n*n]
	lower, unit, trans := s.flags&ir.TriLower != 0, s.flags&ir.TriUnit != 0, s.flags&ir.TriTrans != 0
	at := func(i, j int) float64 { return t[i*n+j] } // T_ij of the effective matrix
	if trans {
		at = func(i, j int) float64 { return t[j*n+i] }
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
