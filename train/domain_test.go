package train_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/stdlib"
	"github.com/noxlang/nox/train"
)

// TestTrainingOutsideDomain (issue 23): a training row that reaches a
// Logit deeper in the flow outside its domain stops training at once
// with an error naming the row, instead of training on (clamped) values
// that have no density; a Gaussian prior alone behind Affine trains on
// the same rows.
func TestTrainingOutsideDomain(t *testing.T) {
	rows := []float64{0.5, 0.5, 0.2, 0.3, 0.3, 0.3, 1.5, 0.5, 0.6, 0.1, 0.7, 0.8}
	o := compiler.DefaultTrainOptions()
	o.Steps, o.Batch, o.TestFrac, o.ValFrac = 5, 6, 0, 0
	o.Standardize, o.Whiten, o.Dequantize, o.Defensive = false, false, false, 0
	for _, c := range []struct {
		layers []string
		want   string
	}{
		{[]string{"Affine", "Logit", "Gaussian"},
			"loss is +Inf at step 1: row 4 of the data, [1.5 0.5], is outside the domain of Logit (stage logit1)"},
		{[]string{"Affine", "Gaussian"}, ""},
	} {
		var stages []compiler.Stage
		for _, l := range c.layers {
			spec := stdlib.Lookup(l)
			stages = append(stages, compiler.Stage{Spec: spec, Args: spec.Bind(nil), Name: strings.ToLower(l) + "1"})
		}
		m, err := compiler.Lower("flow", stages, 2, o.ModelOptions(0))
		if err != nil {
			t.Fatal(err)
		}
		_, err = train.Likelihood(context.Background(), m, rows, o, o.Steps, train.Hooks{}, nil)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: %v", c.layers, err)
		case c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), c.want)):
			t.Errorf("%v: error %v, want %s…", c.layers, err, c.want)
		}
	}
}

// TestSummarize: the mean NLL is over the rows inside the support, the
// rows at −Inf are counted apart, and with none inside there is no mean.
func TestSummarize(t *testing.T) {
	inf := math.Inf(-1)
	for _, c := range []struct {
		lp              []float64
		mean            float64 // NaN: none
		inside, outside int
	}{
		{[]float64{-1, -2, -3}, 2, 3, 0},
		{[]float64{-1, inf, -3, inf}, 2, 2, 2},
		{[]float64{inf, inf}, math.NaN(), 0, 2},
	} {
		s := train.Summarize(c.lp)
		if s.Inside != c.inside || s.Outside != c.outside || !(s.MeanNLL == c.mean || math.IsNaN(s.MeanNLL) && math.IsNaN(c.mean)) {
			t.Errorf("Summarize(%v) = %+v, want mean %v, %d inside, %d outside", c.lp, s, c.mean, c.inside, c.outside)
		}
	}
}

// TestGridNoiseOutsideDomain (issue 23): the grid noise of dequantize =
// true is refused before training where it would move a row outside the
// domain of a leading Logit (a grid that reaches 0 or 1), and allowed
// where the whole noise interval stays inside.
func TestGridNoiseOutsideDomain(t *testing.T) {
	o := compiler.DefaultTrainOptions()
	o.Steps, o.Batch, o.TestFrac, o.ValFrac = 3, 8, 0, 0
	o.Standardize, o.Whiten, o.Defensive = false, false, 0
	logit, g := stdlib.Lookup("Logit"), stdlib.Lookup("Gaussian")
	stages := []compiler.Stage{{Spec: logit, Args: logit.Bind(nil), Name: "logit1"}, {Spec: g, Args: g.Bind(nil), Name: "g"}}
	m, err := compiler.Lower("flow", stages, 1, o.ModelOptions(0))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		lo   int // the grid is lo/10 … (lo+8)/10
		want string
	}{
		{1, ""},
		{0, "row 1 of the data, column 0 (0-based), is 0: the grid noise of dequantize = true (±0.05) would move it outside the domain of Logit (stage logit1)"},
		{2, "row 9 of the data, column 0 (0-based), is 1: the grid noise"},
	} {
		var rows []float64
		for i := range 40 {
			rows = append(rows, float64(c.lo+i%9)/10)
		}
		_, err := train.Likelihood(context.Background(), m, rows, o, o.Steps, train.Hooks{}, nil)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("grid from %d/10: %v", c.lo, err)
		case c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), c.want)):
			t.Errorf("grid from %d/10: error %v, want %s…", c.lo, err, c.want)
		}
	}
}
