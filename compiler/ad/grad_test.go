package ad

import (
	"strings"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestEveryOpHasRule fails when an op is added to the IR without a
// gradient rule.
func TestEveryOpHasRule(t *testing.T) {
	for op := range ir.NumOps {
		if rules[op] == nil {
			t.Errorf("op %s has no gradient rule", ir.Op(op))
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
