package ad

import (
	"strings"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestEveryOpHasRule fails when an op is added to the IR without a
// gradient rule or a declaration that it is a backend op, or when a
// backend op has a rule (Grad rejects them).
func TestEveryOpHasRule(t *testing.T) {
	backend := 0
	for op := range ir.NumOps {
		switch o := ir.Op(op); {
		case o.String() == "op?":
			t.Errorf("op %d has no name", op)
		case o.Backend():
			backend++
			if rules[op] != nil {
				t.Errorf("backend op %s has a gradient rule", o)
			}
		case rules[op] == nil && noRule[op] == "":
			t.Errorf("op %s has no gradient rule", o)
		case rules[op] != nil && noRule[op] != "":
			t.Errorf("op %s has a gradient rule and a reason for having none", o)
		}
	}
	if backend == 0 {
		t.Error("no backend ops")
	}
}

// TestGradRejectsBackendOps checks that Grad refuses a program holding a
// backend op, naming it, whether or not the loss depends on it.
func TestGradRejectsBackendOps(t *testing.T) {
	for op := range ir.NumOps {
		o := ir.Op(op)
		if !o.Backend() {
			continue
		}
		var params []ir.Param
		b := ir.NewBuilder("p", &params)
		x := b.Input("x", 2)
		w := b.Param(b.NewParam("w", ir.Shape{Rows: 2, Cols: 1}, ir.Init{}))
		b.Output("loss", b.MeanRows(b.MatMul(x, w, 0)))
		p := b.Program()
		p.Instrs = append(p.Instrs, ir.Instr{Op: o, Shape: ir.Shape{Rows: 1, Cols: 1}, Note: "fused"})
		_, err := Grad(p, "loss")
		if err == nil || !strings.Contains(err.Error(), o.String()+" (fused) is a backend op") {
			t.Errorf("%s: got %v, want an error naming the backend op", o, err)
		}
	}
}

// TestGradRefusesDigamma checks that a loss that differentiates digamma
// (the derivative of lgamma, whose own derivative is not implemented) is
// refused with the reason, while lgamma itself differentiates.
func TestGradRefusesDigamma(t *testing.T) {
	for _, c := range []struct {
		op      string
		f       func(b *ir.Builder, x ir.Value) ir.Value
		refused bool
	}{
		{"digamma", func(b *ir.Builder, x ir.Value) ir.Value { return b.Digamma(x) }, true},
		{"lgamma", func(b *ir.Builder, x ir.Value) ir.Value { return b.Lgamma(x) }, false},
	} {
		var params []ir.Param
		b := ir.NewBuilder("p", &params)
		w := b.Param(b.NewParam("w", ir.Shape{Rows: 1, Cols: 1}, ir.Init{}))
		b.Output("loss", c.f(b, b.Exp(w)))
		_, err := Grad(b.Program(), "loss")
		if c.refused && (err == nil || !strings.Contains(err.Error(), "digamma") || !strings.Contains(err.Error(), "first-order")) {
			t.Errorf("%s: got %v, want the refusal saying why", c.op, err)
		}
		if !c.refused && err != nil {
			t.Errorf("%s: %v", c.op, err)
		}
	}
}

func TestGradMissingParam(t *testing.T) {
	var params []ir.Param
	b := ir.NewBuilder("p", &params)
	x := b.Input("x", 2)
	w := b.Param(b.NewParam("used", ir.Shape{Rows: 2, Cols: 1}, ir.Init{}))
	b.NewParam("unused", ir.Shape{Rows: 1, Cols: 1}, ir.Init{})
	b.Output("loss", b.MeanRows(b.MatMul(x, w, 0)))
	_, err := Grad(b.Program(), "loss")
	if err == nil || !strings.Contains(err.Error(), "unused") || strings.Contains(err.Error(), "used,") {
		t.Fatalf("got %v, want an error naming only the unused parameter", err)
	}
}

func TestGradRejectsNonScalarLoss(t *testing.T) {
	var params []ir.Param
	b := ir.NewBuilder("p", &params)
	x := b.Input("x", 2)
	b.Output("loss", b.SumCols(x))
	if _, err := Grad(b.Program(), "loss"); err == nil {
		t.Fatal("no error for a [B,1] loss")
	}
	if _, err := Grad(b.Program(), "nope"); err == nil {
		t.Fatal("no error for a missing output")
	}
}
