package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestReluSumBits runs MADE gradient programs with the one-pass relu
// derivatives and sums off and on, both dtypes, and checks every output
// bit for bit, on the AVX-512 kernel and on the Go loops; and that each
// hidden layer's derivative takes its bias gradient's sum.
func TestReluSumBits(t *testing.T) {
	if !useAVX512 || !rowKernels {
		t.Skip("one-pass relu sums are planned only on the AVX-512 kernels")
	}
	defer func(on bool) { reluSums = on }(reluSums)
	for _, c := range []struct{ layers, hidden, dim, rows int }{
		{2, 512, 64, 128},
		{2, 96, 2, 128},
		{3, 32, 5, 37},   // rows that fill no vector
		{2, 100, 2, 128}, // a row's last elements under a lane mask: not formed

	} {
		m := madeModel(t, c.layers, c.hidden, c.dim)
		ps := NewParams(m.Params)
		ps.Init(rand.New(rand.NewPCG(3, 4)))
		in := randomRows(c.rows, c.dim, 5)
		for _, dt := range []DType{Float64, Float32} {
			ps.DType = dt
			reluSums = false
			two, _ := runOutputs(m.Grad, ps, in, c.rows, c.dim)
			reluSums = true
			for _, goLoop := range []bool{false, true} {
				got, formed := runReluSumOutputs(m.Grad, ps, in, c.rows, c.dim, goLoop)
				want := c.layers
				if c.hidden%(64/dt.size()) != 0 {
					want = 0
				}
				if formed != want {
					t.Errorf("%d×%d %v: %d relu derivatives sum their rows, want %d", c.rows, c.hidden, dt, formed, want)
				}
				for i, o := range m.Grad.Outputs {
					for j := range two[i] {
						if math.Float64bits(two[i][j]) != math.Float64bits(got[i][j]) {
							t.Fatalf("%d×%d %v (Go loops %v): %s[%d] = %v in one pass, %v in two", c.rows, c.hidden, dt, goLoop, o.Name, j, got[i][j], two[i][j])
						}
					}
				}
			}
		}
	}
}

// runReluSumOutputs is runOutputs, counting the relu derivatives that
// sum their rows and, if goLoop, running them on the Go loops.
func runReluSumOutputs(p *ir.Program, ps *Params, in []float64, rows, dim int, goLoop bool) ([][]float64, int) {
	reluSumVec = !goLoop
	defer func() { reluSumVec = true }()
	out, pt := runOutputs(p, ps, in, rows, dim)
	switch x := pt.(type) {
	case *execPart[float64]:
		return out, reluSumsIn(x.exec)
	case *execPart[float32]:
		return out, reluSumsIn(x.exec)
	}
	return out, 0
}

// reluSumsIn counts e's relu derivatives that sum their rows, each with
// its sum's step absorbed.
func reluSumsIn[T Float](e *Exec[T]) int {
	n := 0
	for _, r := range e.steps {
		if r.rowSums == nil {
			continue
		}
		for _, s := range e.steps {
			if s.absorbed && s.op == ir.OpSumRows && sameStart(s.out, r.rowSums) {
				n++
			}
		}
	}
	return n
}

// TestReluGradSumKernel checks the AVX-512 one-pass kernel against the
// steps' own kernels (the relu derivative, then the column sum) bit for
// bit, over NaNs with distinct payloads of both signs, infinities and
// zeros of both signs, for every column count up to 70 and several row
// counts.
func TestReluGradSumKernel(t *testing.T) {
	if !useAVX512 || !rowKernels {
		t.Skip("no AVX-512")
	}
	checkReluGradSum[float32](t)
	checkReluGradSum[float64](t)
}

func checkReluGradSum[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	special := func() T {
		var z T
		switch rng.IntN(9) {
		case 0:
			if _, ok := any(z).(float32); ok {
				return T(math.Float32frombits(0x7fc00000 | uint32(rng.IntN(1<<22)) | uint32(rng.IntN(2))<<31))
			}
			return T(math.Float64frombits(0x7ff8000000000000 | uint64(rng.IntN(1<<40)) | uint64(rng.IntN(2))<<63))
		case 1:
			return T(math.Inf(1 - 2*rng.IntN(2)))
		case 2:
			return T(math.Copysign(0, float64(1-2*rng.IntN(2))))
		}
		return T(rng.NormFloat64())
	}
	for _, rows := range []int{1, 2, 5, 17} {
		for cols := 1; cols <= 70; cols++ {
			{
				ld := cols
				n := rows * cols
				a, g := make([]T, n), make([]T, n)
				for i := range a {
					a[i], g[i] = special(), special()
				}
				want, wantSum := make([]T, n), make([]T, cols)
				for r := range rows {
					reluGradT(want[r*ld:r*ld+cols], a[r*ld:r*ld+cols], g[r*ld:r*ld+cols])
				}
				if !colSumVec(wantSum, want, rows, ld) {
					t.Fatal("no column-sum kernel")
				}
				got, sum := make([]T, n), make([]T, cols)
				if !reluGradSumVec(got, a, g, sum, rows) {
					t.Fatal("no epilogue kernel")
				}
				for r := range rows {
					for j := range cols {
						if i := r*ld + j; bitsOf(got[i]) != bitsOf(want[i]) {
							t.Fatalf("%T rows %d cols %d: out[%d][%d] = %v, want %v", T(0), rows, cols, r, j, got[i], want[i])
						}
					}
				}
				for j := range cols {
					if bitsOf(sum[j]) != bitsOf(wantSum[j]) {
						t.Fatalf("%T rows %d cols %d: sum[%d] = %v (%#x), want %v (%#x)", T(0), rows, cols, j, sum[j], bitsOf(sum[j]), wantSum[j], bitsOf(wantSum[j]))
					}
				}
			}
		}
	}
}

// bitsOf returns x's bits.
func bitsOf[T Float](x T) uint64 {
	if f, ok := any(x).(float32); ok {
		return uint64(math.Float32bits(f))
	}
	return math.Float64bits(float64(x))
}

// TestReluSumSafe checks that a relu derivative takes its sum over rows
// only where no step between them, nor the derivative itself, reads or
// writes the sum's buffer.
func TestReluSumSafe(t *testing.T) {
	if !useAVX512 || !rowKernels {
		t.Skip("one-pass relu sums are planned only on the AVX-512 kernels")
	}
	const rows, cols = 4, 32
	n := rows * cols
	buf := func() []float32 { return make([]float32, n) }
	for _, c := range []struct {
		name string
		// between is the step between the derivative (value 2) and the
		// sum (value 4) given the sum's buffer; a is the derivative's
		// activation.
		between func(sum []float32) step[float32]
		a       func(sum []float32) []float32
		formed  bool
	}{
		{"apart", func([]float32) step[float32] { return step[float32]{op: ir.OpNeg, value: 3, out: buf(), a: buf()} }, func([]float32) []float32 { return buf() }, true},
		{"written between", func(sum []float32) step[float32] {
			return step[float32]{op: ir.OpNeg, value: 3, out: sum, a: buf()}
		}, func([]float32) []float32 { return buf() }, false},
		{"read between at an offset", func(sum []float32) step[float32] {
			return step[float32]{op: ir.OpNeg, value: 3, out: buf(), a: sum[cols/2:]}
		}, func([]float32) []float32 { return buf() }, false},
		{"the derivative's operand", func([]float32) step[float32] { return step[float32]{op: ir.OpNeg, value: 3, out: buf(), a: buf()} }, func(sum []float32) []float32 { return sum }, false},
	} {
		sumBuf := make([]float32, n)
		dA := buf()
		steps := []step[float32]{
			{op: ir.OpReluGrad, value: 2, out: dA, a: c.a(sumBuf), b: buf(), rows: rows, cols: cols, ar: rows, ac: cols, args: [2]ir.Value{0, 1}},
			c.between(sumBuf),
			{op: ir.OpSumRows, value: 4, out: sumBuf[:cols], a: dA, rows: 1, cols: cols, ar: rows, ac: cols, args: [2]ir.Value{2, ir.None}},
		}
		formReluSums(steps)
		if got := steps[0].rowSums != nil && steps[2].absorbed; got != c.formed {
			t.Errorf("%s: formed %v, want %v", c.name, got, c.formed)
		}
	}
}
