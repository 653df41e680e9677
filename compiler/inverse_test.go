package compiler_test

import (
	"strings"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/lang"
)

// TestInverse: Inverse(flow) reverses the stages and exchanges each
// one's directions — MAF and IAF into each other, every other invertible
// layer wrapped — and refuses, positioned, what has no inverse to take.
func TestInverse(t *testing.T) {
	for _, c := range []struct {
		flow, want string // want: the stages, or the error
	}{
		{"Inverse(MAF(8)) |> Gaussian", "IAF(8) |> Gaussian"},
		{"Inverse(IAF(8, dropout = 0.1)) |> Gaussian", "MAF(8, dropout = 0.1) |> Gaussian"},
		{"Inverse(AffineCoupling(8) |> Reverse |> Radial) |> Gaussian", "Inverse(Radial) |> Inverse(Reverse) |> Inverse(AffineCoupling(8)) |> Gaussian"},
		{"Inverse(Inverse(Planar |> LULinear)) |> Gaussian", "Planar |> LULinear |> Gaussian"},
		{"Inverse(Sigmoid) |> Gaussian", "flow:1:9: Inverse: Sigmoid cannot be inverted: its inverse (a logit) is defined on (0, 1) only"},
		{"Inverse(BatchNorm) |> Gaussian", "flow:1:9: Inverse: BatchNorm cannot be inverted: it normalises by batch statistics"},
		{"Inverse(Split(1)) |> Gaussian", "flow:1:9: Inverse: Split cannot be inverted: it sends columns to the prior"},
		{"Inverse(MAF(8) |> Gaussian)", "flow:1:19: Inverse: Gaussian is a prior; invert the stages before it"},
		{"Inverse(Planar) |> Gaussian", "flow:1:9: train: Inverse(Planar) computes the density through Planar's numerical inverse (bisection)"},
	} {
		e, err := lang.ParseExpr("flow", []byte(c.flow))
		if err != nil {
			t.Fatal(err)
		}
		f, err := compiler.CheckFlow(e, 3, 0)
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			var parts []string
			for _, s := range f.Stages {
				parts = append(parts, s.Stage.Format())
			}
			got = strings.Join(parts, " |> ")
		}
		if !strings.Contains(got, c.want) {
			t.Errorf("%s:\n got %s\nwant %s", c.flow, got, c.want)
		}
	}
}
