package compiler_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/noxlang/nox/stdlib"
)

// TestEveryLayerRejectsTooFewDims: for every layer and prior, data
// narrower than its MinDim is a compile-time error at the layer's call,
// naming the layer, both sizes and the train statement; data of exactly
// MinDim columns compiles.
func TestEveryLayerRejectsTooFewDims(t *testing.T) {
	for _, name := range stdlib.Names() {
		spec := stdlib.Lookup(name)
		call := name
		for _, p := range spec.Params {
			if p.Required { // the smallest allowed
				call = fmt.Sprintf("%s(%s = %g)", name, p.Name, max(p.Min, 1))
			}
		}
		t.Run(name, func(t *testing.T) {
			flow := call + " |> Gaussian"
			if spec.Kind == stdlib.Prior {
				flow = "Reverse |> " + call
			}
			if spec.Kind == stdlib.Split {
				// Split keeps 1: its input must be wider than that.
				flow = call + " |> Gaussian"
			}
			src := "d = csv(\"d.csv\")\nf = " + flow + "\ntrain f on d" + domainOpts(spec) + "\n"
			col := len("f = ") + strings.Index(flow, call) + 1 // of the call on line 2
			if spec.MinDim > 1 {
				got := diagnose([]byte(src), map[string]string{"d.csv": csvFor(spec, spec.MinDim-1)})
				want := fmt.Sprintf("model.nox:2:%d: %s needs data with at least %d dimensions, got %d (flow f is trained at model.nox:3:1)",
					col, name, spec.MinDim, spec.MinDim-1)
				if spec.Kind == stdlib.Split {
					want = fmt.Sprintf("model.nox:2:%d: Split needs data with at least 2 dimensions, got 1 (flow f is trained at model.nox:3:1)", col)
				}
				if !strings.HasPrefix(got, want) {
					t.Errorf("%d columns:\ngot  %s\nwant %s", spec.MinDim-1, got, want)
				}
			}
			dims := max(spec.MinDim, 1)
			if spec.Kind == stdlib.Split {
				dims = 2
			}
			if got := diagnose([]byte(src), map[string]string{"d.csv": csvFor(spec, dims)}); got != "ok\n" {
				t.Errorf("%d columns: %s", dims, got)
			}
		})
	}
}

// domainOpts are the options a train statement needs for a flow that
// starts with spec: for a layer with a restricted domain, the rows as
// they are (see compiler/domain.go).
func domainOpts(spec *stdlib.Spec) string {
	if spec.Domain == nil {
		return ""
	}
	return " { standardize = false, dequantize = false }"
}

// csvFor is csvOf with values in the domain of spec (hundredths for
// Logit).
func csvFor(spec *stdlib.Spec, cols int) string {
	s := csvOf(cols)
	if spec.Domain == nil || spec.Domain(spec.Bind(nil)).Contains(float64(4*cols-1)) {
		return s
	}
	return strings.NewReplacer(",", ",0.0", "\n", "\n0.0").Replace("0.0"+strings.TrimSuffix(s, "\n")) + "\n"
}

func csvOf(cols int) string {
	var sb strings.Builder
	for r := range 4 {
		for c := range cols {
			if c > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprint(&sb, r*cols+c)
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}
