package stdlib_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/stdlib"
)

func init() {
	addCases(monoCases("UMNN", stdlib.Args{"units": {6}})...)
	addCases(layerCase{name: "UMNN/nodes8-bound3", layers: []string{"UMNN", "Gaussian"},
		args: []stdlib.Args{{"hidden": {5}, "units": {3}, "nodes": {8}, "bound": {3}}, nil}, dim: 2})
}

// TestUMNNQuadrature: the rule integrates polynomials of degree up to
// 2n-1 exactly on [0, 1] (and, for few nodes, where the error is large
// enough to see, not degree 2n).
func TestUMNNQuadrature(t *testing.T) {
	for _, n := range []int{2, 5, 20, 64} {
		s, w := stdlib.GaussLegendre01(n)
		for deg := 0; deg <= 2*n; deg++ {
			sum := 0.0
			for j := range s {
				p := 1.0
				for range deg {
					p *= s[j]
				}
				sum += w[j] * p
			}
			err := sum - 1/float64(deg+1)
			exact := err < 1e-14 && err > -1e-14
			if deg < 2*n && !exact || deg == 2*n && n <= 5 && exact {
				t.Errorf("n=%d: the rule integrates s^%d with error %.3g", n, deg, err)
			}
		}
	}
}

// TestUMNNRuleError: with the integrand's parameters at the edge of what
// they can be (every slope and output weight at its bound, ±1 and ±1,
// so the integrand varies by a factor up to e^±16 between its units), the log-det
// (the integrand at x) matches the derivative of the computed map, by
// central differences, within the tolerance below at the default 32
// nodes and bound 5; with 8 nodes it does not (the test can fail).
func TestUMNNRuleError(t *testing.T) {
	for _, c := range []struct {
		nodes int
		tol   float64
		fails bool
	}{{32, 1e-6, false}, {8, 1e-6, true}} {
		t.Run(fmt.Sprintf("nodes=%d", c.nodes), func(t *testing.T) {
			const units = 16
			m, ps := lowerAt(t, []string{"UMNN", "Gaussian"}, []stdlib.Args{{"hidden": {4}, "units": {units}, "nodes": {float64(c.nodes)}}}, 1, 0)
			rng := rand.New(rand.NewPCG(5, 5))
			worst := 0.0
			for trial := range 20 {
				bias := param(t, ps, "UMNN0.out.b")
				for u := range units {
					bias[u] = math.Copysign(50, rng.NormFloat64())         // |w| = 2
					bias[units+u] = 4 * rng.NormFloat64()                  // c
					bias[2*units+u] = math.Copysign(50, rng.NormFloat64()) // |v| = 1
				}
				bias[3*units] = rng.NormFloat64()
				ps.Changed()
				for _, x := range []float64{-4.9, -3, -1, -0.2, 0.3, 1.7, 2.5, 4.9, float64(trial%10) - 4.5} {
					const h = 1e-5
					z := run(m.Forward, ps, []float64{x - 2*h, x - h, x + h, x + 2*h}, nil, 4, "z", 0)
					fd := (8*(z[2]-z[1]) - (z[3] - z[0])) / (12 * h)
					ld := run(m.Forward, ps, []float64{x}, nil, 1, "logdet", 0)[0]
					worst = max(worst, math.Abs(math.Log(fd)-ld))
				}
			}
			t.Logf("worst |log-det - log(derivative of the computed map)| = %.3g", worst)
			if !(worst <= c.tol) != c.fails {
				t.Errorf("worst gap %.3g against tolerance %g: want fails=%v", worst, c.tol, c.fails)
			}
		})
	}
}
