package runtime

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/noxlang/nox/compiler/ir"
)

// TestChainBits runs a MADE's density, gradient and sampling programs
// with chains off and on, in both element types, and compares every
// output bit for bit; it fails if no chain formed where one should.
func TestChainBits(t *testing.T) {
	if !chainAsm() {
		t.Skip("no chain engine on this machine (AVX-512)")
	}
	for _, c := range []struct{ layers, hidden, dim, rows int }{
		{2, 20, 16, 64}, // [64, 16]: 1024 elements, whole groups in both types
		{3, 32, 8, 40},  // 320: whole float64 groups, and float32's 5
		{2, 20, 3, 37},  // no whole groups: no chains
	} {
		m := madeModel(t, c.layers, c.hidden, c.dim)
		ps := NewParams(m.Params)
		ps.Init(rand.New(rand.NewPCG(3, 4)))
		in := randomRows(c.rows, c.dim, 5)
		for _, p := range []*ir.Program{m.LogProb, m.Grad, m.Sample} {
			for _, dt := range []DType{Float64, Float32} {
				ps.DType = dt
				var got [2][][]float64
				formed := 0
				for k, on := range []bool{false, true} {
					chains = on
					var pt part
					got[k], pt = runOutputs(p, ps, in, c.rows, c.dim)
					if on {
						formed = chainCount(pt)
					}
				}
				chains = true
				if n := c.rows * c.dim; p == m.Grad && n%(chainGroup/dt.size()) == 0 && formed == 0 {
					t.Errorf("%d×%d %s %v: no chain formed", c.rows, c.dim, p.Name, dt)
				}
				for i, o := range p.Outputs {
					for j := range got[0][i] {
						if math.Float64bits(got[0][i][j]) != math.Float64bits(got[1][i][j]) {
							t.Fatalf("%d×%d %s %v: %s[%d] = %v with chains, %v without", c.rows, c.dim, p.Name, dt, o.Name, j, got[1][i][j], got[0][i][j])
						}
					}
				}
			}
		}
	}
}

// chainCount returns how many chains a part's program runs.
func chainCount(pt part) int {
	switch x := pt.(type) {
	case *execPart[float64]:
		return chainsIn(x.exec)
	case *execPart[float32]:
		return chainsIn(x.exec)
	}
	return 0
}

// chainsIn returns how many chains e's steps start.
func chainsIn[T Float](e *Exec[T]) int {
	n := 0
	for _, s := range e.steps {
		if s.chain != nil {
			n++
		}
	}
	return n
}

// TestChainRandom compiles random chains (operands drawn from the inputs
// and every earlier result, so the stack fills and is forgotten, and
// operands come in either order) and compares, bit for bit, every value
// used after the chain with the steps run one by one. The inputs hold
// NaNs with distinct payloads and infinities, so an operation whose
// operands came in the other order would differ.
func TestChainRandom(t *testing.T) {
	if !chainAsm() {
		t.Skip("no chain engine on this machine (AVX-512)")
	}
	testChainRandom[float32](t)
	testChainRandom[float64](t)
}

func testChainRandom[T Float](t *testing.T) {
	const rows, cols, inputs = 4, 64, 5
	n := rows * cols
	r := rand.New(rand.NewPCG(8, 9))
	special := []float64{math.Inf(1), math.Inf(-1), 0, -0.0}
	for trial := range 200 {
		steps := 3 + r.IntN(20)
		vals := make([][2][]T, inputs+steps) // per value: run one by one, and in the chain
		for i := range inputs {
			for k := range 2 {
				vals[i][k] = make([]T, n)
			}
			for j := range n {
				x := T(r.NormFloat64())
				switch r.IntN(8) {
				case 0:
					x = nanWith[T](uint64(1 + r.IntN(1000)))
				case 1:
					x = T(special[r.IntN(len(special))])
				}
				vals[i][0][j], vals[i][1][j] = x, x
			}
		}
		uses := make([]int, len(vals))
		var run [2][]step[T]
		for s := range steps {
			v := inputs + s
			for k := range 2 {
				vals[v][k] = make([]T, n)
			}
			ops := []ir.Op{ir.OpAdd, ir.OpSub, ir.OpMul, ir.OpNeg, ir.OpScale}
			op := ops[r.IntN(len(ops))]
			a, b := r.IntN(v), r.IntN(v)
			if s > 0 && r.IntN(2) == 0 {
				a = v - 1 // often the result just made
			}
			if r.IntN(4) == 0 {
				a, b = b, a
			}
			c := []float64{-1, 0.5, 3, math.Inf(1)}[r.IntN(4)]
			for k := range 2 {
				st := step[T]{op: op, value: ir.Value(v), out: vals[v][k], a: vals[a][k], rows: rows, cols: cols, f: c, args: [2]ir.Value{ir.Value(a), ir.None}}
				if op == ir.OpAdd || op == ir.OpSub || op == ir.OpMul {
					st.b, st.br, st.bc, st.args[1] = vals[b][k], rows, cols, ir.Value(b)
				}
				run[k] = append(run[k], st)
			}
			uses[a]++
			if op == ir.OpAdd || op == ir.OpSub || op == ir.OpMul {
				uses[b]++
			}
		}
		outside := make([]bool, len(vals))
		for v := inputs; v < len(vals); v++ {
			if r.IntN(3) == 0 || v == len(vals)-1 {
				outside[v] = true
				uses[v] += 2 // as an output counts
			}
		}
		e := &Exec[T]{k: kernelsFor[T]()}
		for i := range run[0] {
			e.exec(&run[0][i])
		}
		var z T
		chainRun[T](compileChain(run[1], uses), n)
		for v := range vals {
			if v >= inputs && !outside[v] {
				continue
			}
			for j := range n {
				// float64(x) keeps a float32 NaN's payload.
				if math.Float64bits(float64(vals[v][0][j])) != math.Float64bits(float64(vals[v][1][j])) {
					t.Fatalf("%T trial %d: value %d[%d] = %v in the chain, %v step by step", z, trial, v, j, vals[v][1][j], vals[v][0][j])
				}
			}
		}
	}
}

// nanWith returns a quiet NaN of type T with payload p.
func nanWith[T Float](p uint64) T {
	var z T
	if any(z) == any(float32(0)) {
		return T(math.Float32frombits(0x7fc00000 | uint32(p)))
	}
	return T(math.Float64frombits(0x7ff8000000000000 | p))
}

// TestChainSafe checks that a chain never spans a step that reads a
// buffer the chain writes at another offset: run group by group, it
// would read elements before the chain had written them.
func TestChainSafe(t *testing.T) {
	if !chainAsm() {
		t.Skip("no chain engine on this machine (AVX-512)")
	}
	const rows, cols = 2, 64
	n := rows * cols
	x, y, z, w := make([]float32, 2*n), make([]float32, n), make([]float32, n), make([]float32, n)
	mk := func(op ir.Op, v int, out, a, b []float32) step[float32] {
		s := step[float32]{op: op, value: ir.Value(v), out: out, a: a, rows: rows, cols: cols, f: 2, args: [2]ir.Value{ir.Value(v - 1), ir.None}}
		if b != nil {
			s.b, s.br, s.bc, s.args[1] = b, rows, cols, ir.Value(v-2)
		}
		return s
	}
	steps := []step[float32]{
		mk(ir.OpMul, 10, y, x[:n], x[:n]),
		mk(ir.OpScale, 11, x[:n], y, nil),  // writes x's first n elements
		mk(ir.OpAdd, 12, z, y, x[64:64+n]), // reads x at an offset: may not join
		mk(ir.OpScale, 13, w, z, nil),
		mk(ir.OpNeg, 14, y, w, nil),
	}
	formChains(steps, make([]int, 20))
	if steps[0].chain != nil || steps[1].inChain {
		t.Errorf("the first two steps chained (a chain needs %d)", chainMin)
	}
	if steps[2].chain == nil || !steps[3].inChain || !steps[4].inChain {
		t.Errorf("steps 2-4 did not chain: chain %v, in chain %v %v", steps[2].chain != nil, steps[3].inChain, steps[4].inChain)
	}
}

// TestChainLongRun plans a run of 4,000 chainable steps (a root solve's
// bisection, once its identity layouts are forwarded, has runs of
// hundreds) and checks that forming its chain takes well under a second:
// checking every pair of the run's buffers at every step it grew by
// took time cubic in its length (over a minute here), where checking the
// new step's pairs takes time quadratic (milliseconds). It also checks
// that a step whose result overlaps its own operand at an offset starts
// no chain.
func TestChainLongRun(t *testing.T) {
	if !chainAsm() {
		t.Skip("no chain engine on this machine (AVX-512)")
	}
	const rows, cols, length = 2, 64, 4000
	n := rows * cols
	y, z := make([]float32, n), make([]float32, n)
	steps := make([]step[float32], length)
	for i := range steps {
		out, a := y, z
		if i%2 == 1 {
			out, a = z, y
		}
		steps[i] = step[float32]{op: ir.OpScale, value: ir.Value(i + 1), out: out, a: a, rows: rows, cols: cols, f: 1.5, args: [2]ir.Value{ir.Value(i), ir.None}}
	}
	start := time.Now()
	formChains(steps, make([]int, length+2))
	if d := time.Since(start); d > time.Second {
		t.Errorf("forming the chain of %d steps took %v", length, d)
	}
	if steps[0].chain == nil || !steps[length-1].inChain {
		t.Errorf("the %d steps did not form one chain", length)
	}

	x := make([]float32, 2*n)
	self := []step[float32]{
		{op: ir.OpScale, value: 1, out: x[:n], a: x[32 : 32+n], rows: rows, cols: cols, f: 2, args: [2]ir.Value{0, ir.None}},
		{op: ir.OpScale, value: 2, out: y, a: x[:n], rows: rows, cols: cols, f: 2, args: [2]ir.Value{1, ir.None}},
		{op: ir.OpScale, value: 3, out: z, a: y, rows: rows, cols: cols, f: 2, args: [2]ir.Value{2, ir.None}},
		{op: ir.OpNeg, value: 4, out: y, a: z, rows: rows, cols: cols, args: [2]ir.Value{3, ir.None}},
	}
	formChains(self, make([]int, 6))
	if self[0].chain != nil {
		t.Error("a step reading its own result's buffer at an offset started a chain")
	}
	if self[1].chain == nil || !self[3].inChain {
		t.Error("the three steps after it did not chain")
	}
}
