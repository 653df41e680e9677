package runtime

import (
	"math"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestConstantsShared checks that float32 programs planned over the same
// parameters share one converted copy of each constant's data (a model's
// masks are its largest constants), that different data — another array
// with the same values, or a shorter slice of the same one — gets its
// own, and that running a program leaves them as converted (no step
// writes a constant's buffer).
func TestConstantsShared(t *testing.T) {
	const rows, d = 5, 4
	data := make([]float64, d*d)
	for i := range data {
		data[i] = float64(i%7) - 2.5
	}
	same := append([]float64(nil), data...)
	var table []ir.Param
	build := func(cs ...[]float64) (*ir.Program, []ir.Value) {
		b := ir.NewBuilder("p", &table)
		x := b.Input("x", d)
		var vs []ir.Value
		for i, c := range cs {
			v := b.Const(ir.Shape{Rows: len(c) / d, Cols: d}, c)
			vs = append(vs, v)
			if len(c) == d*d {
				b.Output(string(rune('a'+i)), b.MatMul(x, v, 0))
			} else {
				b.Output(string(rune('a'+i)), b.Add(x, v))
			}
		}
		// A batch value of a constant's size after the constants' last
		// use: a constant's buffer, if it were ever recycled, would be
		// written here.
		b.Output("g", b.Scale(b.MatMul(x, x, ir.TransA), 1))
		return b.Program(), vs
	}
	p1, v1 := build(data)
	p2, v2 := build(data, same, data[:d])
	ps := NewParams(table)
	e1 := NewExec[float32](p1, ps, rows, nil)
	e2 := NewExec[float32](p2, ps, rows, nil)
	in := randomRows(rows, d, 7)
	for _, e := range []*Exec[float32]{e1, e2} {
		convert(e.Input(0), in)
		e.Run()
	}
	buf := func(e *Exec[float32], v ir.Value) *float32 { return &e.Value(v)[0] }
	if buf(e1, v1[0]) != buf(e2, v2[0]) {
		t.Errorf("the same constant data has two float32 copies")
	}
	if buf(e2, v2[0]) == buf(e2, v2[1]) || buf(e2, v2[0]) == buf(e2, v2[2]) {
		t.Errorf("different constant data share a float32 copy")
	}
	for k, v := range v2 {
		src := [][]float64{data, same, data[:d]}[k]
		got := e2.Value(v)
		if len(got) != len(src) {
			t.Fatalf("constant %d: %d values, want %d", k, len(got), len(src))
		}
		for i := range src {
			if got[i] != float32(src[i]) {
				t.Fatalf("constant %d[%d] = %v after a run, want %v", k, i, got[i], float32(src[i]))
			}
		}
	}
	// The product through the shared copy is right.
	y := e1.Output("a")
	for r := range rows {
		for j := range d {
			s := 0.0
			for k := range d {
				s += in[r*d+k] * data[k*d+j]
			}
			if math.Abs(float64(y[r*d+j])-s) > 1e-4*(1+math.Abs(s)) {
				t.Fatalf("y[%d,%d] = %v, want %v", r, j, y[r*d+j], s)
			}
		}
	}
}
