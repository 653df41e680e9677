package onnx

import (
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestEveryOpHasRule: every IR op either exports (an emit) or says why
// it cannot; a new op without an entry fails here.
func TestEveryOpHasRule(t *testing.T) {
	for op := ir.Op(0); int(op) < ir.NumOps; op++ {
		r, ok := rules[op]
		switch {
		case !ok:
			t.Errorf("op %s has no export rule: add one to rules.go (or a refusal with its reason)", op)
		case r.emit == nil && r.why == "":
			t.Errorf("op %s is refused without a reason", op)
		}
	}
}
