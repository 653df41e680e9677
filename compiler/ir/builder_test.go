package ir

import (
	"fmt"
	"strings"
	"testing"
)

func TestBuilderShapes(t *testing.T) {
	var params []Param
	b := NewBuilder("t", &params)
	x := b.Input("x", 3)
	w := b.Param(b.NewParam("w", Shape{3, 5}, Init{Kind: InitUniform, Scale: 1}))
	bias := b.Param(b.NewParam("b", Shape{1, 5}, Init{}))
	h := b.Add(b.MatMul(x, w, 0), bias)
	if got := b.Type(h); got != (Shape{Batch, 5}) {
		t.Fatalf("h: got %v", got)
	}
	gw := b.MatMul(x, h, TransA)
	if got := b.Type(gw); got != (Shape{3, 5}) {
		t.Fatalf("xᵀh: got %v", got)
	}
	s := b.SumCols(h)
	if got := b.Type(s); got != (Shape{Batch, 1}) {
		t.Fatalf("sumcols: got %v", got)
	}
	b.Output("s", s)
	text := b.Program().String()
	for _, want := range []string{"program t(x [B,3])", "matmul %0, %1 [B,5]", "matmul %0ᵀ, %4 [3,5]", "return s = %6"} {
		if !strings.Contains(text, want) {
			t.Errorf("dump lacks %q:\n%s", want, text)
		}
	}
}

func TestBuilderRejectsBadShapes(t *testing.T) {
	cases := []struct {
		name string
		f    func(b *Builder)
	}{
		{"matmul inner", func(b *Builder) { b.MatMul(b.Input("x", 3), b.Input("y", 4), 0) }},
		{"broadcast", func(b *Builder) { b.Add(b.Input("x", 3), b.Input("y", 4)) }},
		{"slice", func(b *Builder) { b.SliceCols(b.Input("x", 3), 2, 5) }},
		{"perm", func(b *Builder) { b.PermuteCols(b.Input("x", 3), []int{0, 0, 1}) }},
		{"dropout p", func(b *Builder) { b.Dropout(Shape{Batch, 3}, 1) }},
		{"mask not constant", func(b *Builder) { b.Mask(b.Input("x", 2), b.Input("m", 2)) }},
		{"mask shape", func(b *Builder) { b.Mask(b.Scalar(2), b.Const(Shape{1, 2}, []float64{1, 0})) }},
		{"mask not 0/1", func(b *Builder) {
			b.Mask(b.Const(Shape{1, 2}, []float64{3, 4}), b.Const(Shape{1, 2}, []float64{1, 0.5}))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			var params []Param
			c.f(NewBuilder("t", &params))
		})
	}
}

// TestConstCount: a count of one is singular (issue 24).
func TestConstCount(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.HasSuffix(fmt.Sprint(r), "shape [1,2] with 1 element") {
			t.Errorf("panic %q", r)
		}
	}()
	var params []Param
	NewBuilder("t", &params).Const(Shape{1, 2}, []float64{1})
}

func TestDCE(t *testing.T) {
	var params []Param
	b := NewBuilder("t", &params)
	x := b.Input("x", 2)
	unusedIn := b.Input("y", 3)
	_ = b.Exp(unusedIn) // dead
	keep := b.Neg(x)
	_ = b.Relu(keep) // dead
	b.Output("out", b.SumCols(keep))
	p := DCE(b.Program())
	want := "program t(x [B,2], y [B,3])\n  %0 = input \"x\" [B,2]\n  %1 = input \"y\" [B,3]\n  %2 = neg %0 [B,2]\n  %3 = sumcols %2 [B,1]\n  return out = %3\n"
	if got := p.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// TestPrintMathOps checks the printed form of the elementwise functions
// of target densities: each by its name, and powconst with its exponent
// (the attribute the program's meaning depends on).
func TestPrintMathOps(t *testing.T) {
	var params []Param
	b := NewBuilder("t", &params)
	x := b.Input("x", 2)
	vs := []Value{b.Sin(x), b.Cos(x), b.Log1p(x), b.Expm1(x), b.Lgamma(x), b.Digamma(x), b.PowConst(x, -1.5)}
	for i, v := range vs {
		b.Output(fmt.Sprint("y", i), v)
	}
	text := b.Program().String()
	for _, want := range []string{"sin %0 [B,2]", "cos %0 [B,2]", "log1p %0 [B,2]", "expm1 %0 [B,2]",
		"lgamma %0 [B,2]", "digamma %0 [B,2]", "powconst %0, -1.5 [B,2]"} {
		if !strings.Contains(text, want) {
			t.Errorf("dump lacks %q:\n%s", want, text)
		}
	}
}

// TestRepeat: Builder.Repeat records a region of equal iterations as a
// hint, and none when the iterations differ in length (a hint a backend
// could not trust) or there are fewer than two; the instructions are the
// same as the plain loop's either way.
func TestRepeat(t *testing.T) {
	cases := []struct {
		name  string
		count int
		body  func(b *Builder, i int, v Value) Value
		want  []Repeat
	}{
		{"equal", 4, func(b *Builder, _ int, v Value) Value { return b.Tanh(b.Scale(v, 0.5)) }, []Repeat{{Start: 1, Len: 2, Count: 4}}},
		{"unequal", 3, func(b *Builder, i int, v Value) Value {
			if i == 1 {
				v = b.Neg(v)
			}
			return b.Tanh(v)
		}, nil},
		{"one", 1, func(b *Builder, _ int, v Value) Value { return b.Tanh(v) }, nil},
		{"empty", 3, func(_ *Builder, _ int, v Value) Value { return v }, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var params []Param
			b, plain := NewBuilder("t", &params), NewBuilder("t", &params)
			v, w := b.Input("x", 2), plain.Input("x", 2)
			b.Repeat(c.count, func(i int) { v = c.body(b, i, v) })
			for i := range c.count {
				w = c.body(plain, i, w)
			}
			b.Output("y", b.Exp(v))
			plain.Output("y", plain.Exp(w))
			p, q := b.Program(), plain.Program()
			if p.String() != q.String() {
				t.Errorf("Repeat changed the program:\n%s\nwant\n%s", p, q)
			}
			if fmt.Sprint(p.Repeats) != fmt.Sprint(c.want) {
				t.Errorf("repeats %v, want %v", p.Repeats, c.want)
			}
		})
	}
}
