package ad_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/noxlang/nox/compiler/ad"
	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/runtime"
)

// vjpCase is a function of a batched input x ([B,d]) and parameters,
// whose vector-Jacobian product with respect to x VJP emits.
type vjpCase struct {
	name string
	d    int
	f    func(b *ir.Builder, x ir.Value, p func(name string, s ir.Shape) ir.Value) ir.Value
}

func vjpCases() []vjpCase {
	s := func(r, c int) ir.Shape { return ir.Shape{Rows: r, Cols: c} }
	return []vjpCase{
		{"tanh mlp", 3, func(b *ir.Builder, x ir.Value, p func(string, ir.Shape) ir.Value) ir.Value {
			h := b.Tanh(b.Add(b.MatMul(x, p("w1", s(3, 5)), 0), p("b1", s(1, 5))))
			return b.Add(b.MatMul(h, p("w2", s(5, 3)), 0), p("b2", s(1, 3)))
		}},
		{"softplus mlp, transposed weight", 2, func(b *ir.Builder, x ir.Value, p func(string, ir.Shape) ir.Value) ir.Value {
			h := b.Softplus(b.MatMul(x, p("w1", s(4, 2)), ir.TransB))
			return b.Mul(b.MatMul(h, p("w2", s(4, 2)), 0), x)
		}},
		{"x used twice, divided, sliced", 3, func(b *ir.Builder, x ir.Value, p func(string, ir.Shape) ir.Value) ir.Value {
			y := b.Div(b.Sin(x), b.AddConst(b.Exp(b.Mul(x, p("a", s(1, 3)))), 1))
			return b.ConcatCols(b.SliceCols(y, 1, 3), b.SumCols(b.Mul(x, x)))
		}},
		{"sigmoid, sub, scale", 2, func(b *ir.Builder, x ir.Value, p func(string, ir.Shape) ir.Value) ir.Value {
			return b.Sub(b.Sigmoid(b.Scale(x, 1.5)), b.Tanh(b.Mul(x, p("a", s(1, 2)))))
		}},
	}
}

// buildVJP emits c.f at x and its VJP with the cotangent input ct,
// over parameters drawn at random, as outputs "f" and "vjp".
func buildVJP(t *testing.T, c vjpCase) (*ir.Builder, ir.Value, ir.Value, ir.Value) {
	t.Helper()
	var table []ir.Param
	b := ir.NewBuilder("vjp", &table)
	x := b.Input("x", c.d)
	p := func(name string, s ir.Shape) ir.Value {
		return b.Param(b.NewParam(name, s, ir.Init{Kind: ir.InitUniform, Scale: 1}))
	}
	y := c.f(b, x, p)
	ct := b.Input("ct", b.Type(y).Cols)
	v, err := ad.VJP(b, y, x, ct)
	if err != nil {
		t.Fatal(err)
	}
	if b.Type(v) != b.Type(x) {
		t.Fatalf("VJP has shape %v, want x's %v", b.Type(v), b.Type(x))
	}
	b.Output("f", y)
	b.Output("vjp", v)
	return b, x, y, v
}

// TestVJPAgainstFiniteDifferences checks ctᵀ·∂f/∂x, emitted into the
// program that computes f, against central differences of ct·f(x).
func TestVJPAgainstFiniteDifferences(t *testing.T) {
	for _, c := range vjpCases() {
		t.Run(c.name, func(t *testing.T) {
			b, _, y, _ := buildVJP(t, c)
			prog := b.Program()
			rng := rand.New(rand.NewPCG(3, 3))
			ps := runtime.NewParams(prog.Params)
			ps.Init(rng)
			const n = 4
			m := b.Type(y).Cols
			x, ct := randVec(rng, n*c.d), randVec(rng, n*m)
			e := runtime.New(prog, ps, n, nil)
			copy(e.Input(0), x)
			copy(e.Input(1), ct)
			e.Run()
			got := append([]float64(nil), e.Output("vjp")...)
			dot := func() []float64 { // ct·f per row
				copy(e.Input(0), x)
				e.Run()
				out := make([]float64, n)
				for i, v := range e.Output("f") {
					out[i/m] += ct[i] * v
				}
				return out
			}
			for j := range x {
				orig := x[j]
				const h = 1e-6
				x[j] = orig + h
				up := dot()
				x[j] = orig - h
				down := dot()
				x[j] = orig
				num := (up[j/c.d] - down[j/c.d]) / (2 * h)
				if math.Abs(got[j]-num) > 1e-7*math.Max(1, math.Abs(num)) {
					t.Errorf("x[%d]: VJP %.10g, finite differences %.10g", j, got[j], num)
				}
			}
		})
	}
}

// TestVJPSecondOrder differentiates a program holding a VJP: the loss is
// a function of ctᵀ·∂f/∂x (its sum of squares, plus the trace-like sum
// of its diagonal against f), and Grad's parameter gradients, which go
// through the VJP's own instructions, are checked against central
// differences of the loss.
func TestVJPSecondOrder(t *testing.T) {
	for _, c := range vjpCases() {
		t.Run(c.name, func(t *testing.T) {
			b, _, y, v := buildVJP(t, c)
			sq := b.SumCols(b.Mul(v, v))
			loss := b.MeanRows(b.Add(sq, b.SumCols(b.Mul(b.SliceCols(v, 0, 1), b.SliceCols(y, 0, 1)))))
			b.Output("loss", loss)
			prog := b.Program()
			g, err := ad.Grad(prog, "loss")
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(5, 5))
			ps := runtime.NewParams(prog.Params)
			ps.Init(rng)
			const n = 3
			x, ct := randVec(rng, n*c.d), randVec(rng, n*b.Type(y).Cols)
			feed := func(e *runtime.Exec[float64]) {
				copy(e.Input(0), x)
				copy(e.Input(1), ct)
				e.Run()
			}
			ge := runtime.New(g, ps, n, nil)
			feed(ge)
			le := runtime.New(prog, ps, n, nil)
			lossAt := func() float64 { feed(le); return le.Output("loss")[0] }
			checked := 0
			for i, p := range prog.Params {
				grad := ge.Output(ir.GradPrefix + p.Name)
				view := ps.Views[i]
				for j := range view {
					orig := view[j]
					const h = 1e-5
					view[j] = orig + h
					up := lossAt()
					view[j] = orig - h
					down := lossAt()
					view[j] = orig
					num := (up - down) / (2 * h)
					checked++
					if math.Abs(grad[j]-num) > 1e-6*math.Max(1, math.Abs(num)) {
						t.Errorf("%s[%d]: second-order gradient %.10g, finite differences %.10g", p.Name, j, grad[j], num)
					}
				}
			}
			if checked == 0 {
				t.Fatal("no parameters checked")
			}
		})
	}
}

// TestVJPEmitsNoDeadCotangents checks that a VJP through an MLP emits no
// product for the weights' cotangents, which nothing would use: one
// backward product per layer, and nothing a dead-code pass would drop.
func TestVJPEmitsNoDeadCotangents(t *testing.T) {
	b, _, _, _ := buildVJP(t, vjpCases()[0])
	p := b.Program()
	products := 0
	for _, in := range p.Instrs {
		if in.Op == ir.OpMatMul && strings.HasPrefix(in.Note, "vjp") {
			products++
		}
	}
	if products != 2 {
		t.Errorf("the VJP of a two-layer MLP emits %d products, want 2", products)
	}
	if got, want := len(ir.DCE(p).Instrs), len(p.Instrs); got != want {
		t.Errorf("%d of the program's %d instructions are dead", want-got, want)
	}
}

// TestVJPErrors checks that VJP refuses what it cannot differentiate,
// saying why.
func TestVJPErrors(t *testing.T) {
	var table []ir.Param
	b := ir.NewBuilder("bad", &table)
	x := b.Input("x", 2)
	u := b.Input("u", 2)
	y := b.Tanh(x)
	ct := b.Input("ct", 2)
	row := b.Input("row", 1)
	cases := []struct {
		name          string
		out, wrt, ctv ir.Value
		want          string
	}{
		{"independent", y, u, ct, "does not depend"},
		{"reversed", x, y, ct, "comes after it"},
		{"shape", y, x, row, "cotangent of shape"},
		{"undefined", ir.Value(999), x, ct, "not values"},
	}
	for _, c := range cases {
		if _, err := ad.VJP(b, c.out, c.wrt, c.ctv); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error saying %q", c.name, err, c.want)
		}
	}
}

func randVec(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}
