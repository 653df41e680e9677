package stdlib_test

import (
	"math"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/stdlib"
)

// TestDomainsDeclared audits every bijector (issue 23): a layer that
// declares a restricted domain (Spec.Domain) emits its support in the
// density direction, and every other one gives finite log-densities far
// out in every direction — it is defined on all of R^D, so it has no
// domain to declare.
func TestDomainsDeclared(t *testing.T) {
	far := []float64{0, 0, 1e3, -1e3, -1e3, 1e3, 1e6, 1e6, -1e6, -1e6, 0.5, 0.5, 40, -40}
	for _, name := range stdlib.Names() {
		spec := stdlib.Lookup(name)
		if spec.Kind != stdlib.Bijector {
			continue
		}
		t.Run(name, func(t *testing.T) {
			m, ps := lowerAt(t, []string{name, "Gaussian"}, nil, 2, 0)
			support := false
			for _, in := range m.Forward.Instrs {
				support = support || in.Op == ir.OpSupport
			}
			if support != (spec.Domain != nil) {
				t.Fatalf("declares a domain: %v; its forward program tests one: %v", spec.Domain != nil, support)
			}
			if spec.Domain != nil {
				return
			}
			lp := run(m.LogProb, ps, far, nil, len(far)/2, "logp", 0)
			for i, v := range lp {
				if math.IsInf(v, 0) || math.IsNaN(v) {
					t.Errorf("log p(%v) = %v: a layer without a declared domain must be defined everywhere", far[2*i:2*i+2], v)
				}
			}
		})
	}
}
