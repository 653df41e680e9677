package compiler_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/stdlib"
)

// checkFlow parses src with lang.ParseExpr and checks it with
// compiler.CheckFlow, as the embedding API does.
func checkFlow(src string, dim, contextDim int) (*compiler.Flow, error) {
	e, err := lang.ParseExpr("flow.nox", []byte(src))
	if err != nil {
		return nil, err
	}
	return compiler.CheckFlow(e, dim, contextDim)
}

// TestCheckFlow: a flow expression alone is checked with the builtin
// names, must end in a prior, and gets the dimension and context checks
// of a train statement; errors are positioned in the expression.
func TestCheckFlow(t *testing.T) {
	contextLayers := "AdditiveCoupling, AffineCoupling, BNAF, CNF, CircularSpline, CircularSplineCoupling, DiagGaussian, GaussianMixture, IAF, MAF, NAF, SplineAR, SplineCoupling, UMNN"
	cases := []struct {
		name, src    string
		dim, context int
		want         string // the first error; "" for a flow
		stages       string // the stages of a flow
	}{
		{name: "flow", src: "MAF(8) |> Reverse |> MAF(8, dropout = 0.1) |> Gaussian", dim: 2,
			stages: "maf1 reverse1 maf2 gaussian1"},
		{name: "repeat", src: "repeat(2, MAF(4) |> Reverse) |> DiagGaussian", dim: 3, context: 2,
			stages: "maf1 reverse1 maf2 reverse2 diaggaussian1"},
		{name: "unknown layer", src: "MAf(8) |> Gaussian", dim: 2,
			want: "flow.nox:1:1: undefined: MAf (did you mean MAF?)"},
		{name: "unknown argument", src: "MAF(8, dropot = 0.1) |> Gaussian", dim: 2,
			want: "flow.nox:1:8: MAF has no argument dropot (did you mean dropout?); its signature is " + stdlib.Lookup("MAF").Signature()},
		{name: "argument out of range", src: "MAF(0) |> Gaussian", dim: 2,
			want: "flow.nox:1:5: MAF argument hidden must be in [1, 65536], got 0"},
		{name: "argument of the wrong type", src: `Permute(seed = "x") |> Gaussian`, dim: 2,
			want: `flow.nox:1:16: Permute argument seed must be an int, got string "x"`},
		{name: "missing prior", src: "MAF(8) |> Reverse", dim: 2,
			want: "flow.nox:1:1: the flow has no prior; end its pipeline with one, e.g. |> Gaussian"},
		{name: "not a flow", src: "3", dim: 2,
			want: "flow.nox:1:1: int 3 is not a flow; a flow is a pipeline of layers that ends in a prior, e.g. MAF(64) |> Gaussian"},
		{name: "dimension too small", src: "Reverse |> AffineCoupling |> Gaussian", dim: 1,
			want: "flow.nox:1:12: AffineCoupling needs data with at least 2 dimensions, got 1"},
		{name: "split too wide", src: "Split(2) |> MAF(4) |> Gaussian", dim: 2,
			want: "flow.nox:1:1: Split(2) must keep fewer than the 2 dimensions it receives"},
		{name: "context without a context layer", src: "Reverse |> ActNorm |> Gaussian", dim: 2, context: 1,
			want: "flow.nox:1:1: the data has 1 context column, but no layer of flow flow can use a context (layers that can: " + contextLayers + ")"},
		{name: "no dimensions", src: "MAF(8) |> Gaussian", dim: 0,
			want: "flow.nox:1:1: the data must have at least 1 column and at least 0 context columns, got 0 and 0"},
		{name: "a name", src: "block |> Gaussian", dim: 2,
			want: "flow.nox:1:1: undefined: block"},
		{name: "a data set", src: `toy("moons")`, dim: 2,
			want: "flow.nox:1:1: toy makes a data set; a flow expression has only layers, priors and repeat"},
		{name: "a statement after it", src: "MAF(8) |> Gaussian\ntrain flow on data", dim: 2,
			want: `flow.nox:2:1: syntax error: unexpected "train", expected |> or the end of the expression`},
		{name: "a statement instead", src: `save flow to "x.noxm"`, dim: 2,
			want: `flow.nox:1:6: syntax error: unexpected "flow", expected |> or the end of the expression`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := checkFlow(c.src, c.dim, c.context)
			if c.want != "" {
				if err == nil {
					t.Fatalf("no error; want %s", c.want)
				}
				diags := lang.Errors(err)
				if len(diags) == 0 || diags[0].Error() != c.want {
					t.Fatalf("got %v\nwant %s", err, c.want)
				}
				if f != nil {
					t.Errorf("a flow besides the error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, s := range f.Stages {
				names = append(names, s.Name)
			}
			if got := strings.Join(names, " "); f.Name != "flow" || f.Dim != c.dim || f.ContextDim != c.context || got != c.stages {
				t.Errorf("flow %s, dim %d, context %d, stages %q; want flow, %d, %d, %q", f.Name, f.Dim, f.ContextDim, got, c.dim, c.context, c.stages)
			}
		})
	}
}

// TestCheckFlowAgreesWithTrain: for every layer, at every small width and
// with and without a context, CheckFlow accepts a flow exactly when a
// train statement on such data does, and with the same message.
func TestCheckFlowAgreesWithTrain(t *testing.T) {
	for _, name := range stdlib.Names() {
		spec := stdlib.Lookup(name)
		call := name
		for _, p := range spec.Params {
			if p.Required {
				call = fmt.Sprintf("%s(%s = 2)", name, p.Name)
			}
		}
		flow := call + " |> Gaussian"
		if spec.Kind == stdlib.Prior {
			flow = "Reverse |> " + call
		}
		for dim := 1; dim <= 3; dim++ {
			for _, ctx := range []int{0, 1} {
				_, err := checkFlow(flow, dim, ctx)
				flowMsg := ""
				if err != nil {
					flowMsg = lang.Errors(err)[0].Msg
				}
				src := fmt.Sprintf("d = csv(\"d.csv\"%s)\nf = %s\ntrain f on d%s\n", contextArg(dim, ctx), flow, domainOpts(spec))
				trainMsg := ""
				if got := diagnose([]byte(src), map[string]string{"d.csv": csvFor(spec, dim+ctx)}); got != "ok\n" {
					trainMsg = strings.SplitN(strings.SplitN(got, ": ", 2)[1], "\n", 2)[0]
				}
				// The train statement's messages name the data and the
				// statement; CheckFlow's the data it was given.
				trainMsg = strings.NewReplacer(" (flow f is trained at model.nox:3:1)", "", "train: d has", "the data has", "flow f", "flow flow").Replace(trainMsg)
				if flowMsg != trainMsg {
					t.Errorf("%s on %d columns and %d of context:\nCheckFlow: %s\ntrain:     %s", flow, dim, ctx, flowMsg, trainMsg)
				}
			}
		}
	}
}

func contextArg(dim, ctx int) string {
	if ctx == 0 {
		return ""
	}
	return fmt.Sprintf(", context = [%d]", dim)
}
