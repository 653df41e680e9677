package compiler_test

import (
	"fmt"
	"math"
	"testing"
)

// TestTargetBroadcastOrder: every operator with the operand that needs
// broadcasting first and second — a [1,1] sum of row terms against
// sample scalars and vectors, a row scalar against samples and mixed
// values — against Go loops, over all rows and a minibatch.
func TestTargetBroadcastOrder(t *testing.T) {
	sr := func(rows [][]float64, s float64, f func(r []float64) float64) float64 { return sumRowsOf(rows, s, f) }
	cases := []sumCase{
		{"sample_minus_rowsum", "z[0] - sum(r in data: r[1])", func(z []float64, rows [][]float64, s float64) float64 {
			return z[0] - sr(rows, s, func(r []float64) float64 { return r[1] })
		}},
		{"rowsum_minus_sample", "sum(r in data: r[1]) - z[0]", func(z []float64, rows [][]float64, s float64) float64 {
			return sr(rows, s, func(r []float64) float64 { return r[1] }) - z[0]
		}},
		{"rowsum_div_sample", "sum(r in data: r[1]) / z[0]", func(z []float64, rows [][]float64, s float64) float64 {
			return sr(rows, s, func(r []float64) float64 { return r[1] }) / z[0]
		}},
		{"vector_div_rowsum", "sum(z / sum(r in data: r[1]))", func(z []float64, rows [][]float64, s float64) float64 {
			q := sr(rows, s, func(r []float64) float64 { return r[1] })
			return z[0]/q + z[1]/q
		}},
		{"rowsum_minus_vector", "sum(sum(r in data: r[1]) - z)", func(z []float64, rows [][]float64, s float64) float64 {
			q := sr(rows, s, func(r []float64) float64 { return r[1] })
			return 2*q - z[0] - z[1]
		}},
		{"rowsum_times_vector", "dot(sum(r in data: r[1]) * z, z)", func(z []float64, rows [][]float64, s float64) float64 {
			q := sr(rows, s, func(r []float64) float64 { return r[1] })
			return q * (z[0]*z[0] + z[1]*z[1])
		}},
		{"row_minus_sample", "sum(r in data: r[0] - z[0])", func(z []float64, rows [][]float64, s float64) float64 {
			return sr(rows, s, func(r []float64) float64 { return r[0] - z[0] })
		}},
		{"row_div_sample", "sum(r in data: r[1] / z[0])", func(z []float64, rows [][]float64, s float64) float64 {
			return sr(rows, s, func(r []float64) float64 { return r[1] / z[0] })
		}},
		{"row_minus_mixed", "sum(r in data: r[2] - dot(z, r[0:2]))", func(z []float64, rows [][]float64, s float64) float64 {
			return sr(rows, s, func(r []float64) float64 { return r[2] - z[0]*r[0] - z[1]*r[1] })
		}},
		{"row_div_mixed", "sum(r in data: r[1] / (1 + dot(z, r[0:2])^2))", func(z []float64, rows [][]float64, s float64) float64 {
			return sr(rows, s, func(r []float64) float64 { d := z[0]*r[0] + z[1]*r[1]; return r[1] / (1 + d*d) })
		}},
		{"mixed_div_row", "sum(r in data: dot(z, r[0:2]) / r[1])", func(z []float64, rows [][]float64, s float64) float64 {
			return sr(rows, s, func(r []float64) float64 { return (z[0]*r[0] + z[1]*r[1]) / r[1] })
		}},
		{"sample_minus_mixed", "sum(r in data: z[0] * z[1] - dot(z, r[0:2]))", func(z []float64, rows [][]float64, s float64) float64 {
			return sr(rows, s, func(r []float64) float64 { return z[0]*z[1] - z[0]*r[0] - z[1]*r[1] })
		}},
		{"mixed_minus_sample", "sum(r in data: dot(z, r[0:2]) - z[1])", func(z []float64, rows [][]float64, s float64) float64 {
			return sr(rows, s, func(r []float64) float64 { return z[0]*r[0] + z[1]*r[1] - z[1] })
		}},
		{"rowreduce_minus_sample", "sum(r in data: sum(r) - z[0])", func(z []float64, rows [][]float64, s float64) float64 {
			return sr(rows, s, func(r []float64) float64 { return r[0] + r[1] + r[2] - z[0] })
		}},
		{"normal_row_scale", "sum(r in data: normal_lpdf(r[0], z[0], r[1]))", func(z []float64, rows [][]float64, s float64) float64 {
			return sr(rows, s, func(r []float64) float64 {
				u := (r[0] - z[0]) / r[1]
				return -0.5*u*u - math.Log(r[1]) - 0.5*math.Log(2*math.Pi)
			})
		}},
		{"normal_vector_rowsum_mean", "normal_lpdf(z, sum(r in data: r[0]), 1)", func(z []float64, rows [][]float64, s float64) float64 {
			q := sr(rows, s, func(r []float64) float64 { return r[0] })
			return -0.5*((z[0]-q)*(z[0]-q)+(z[1]-q)*(z[1]-q)) - math.Log(2*math.Pi)
		}},
		{"logsumexp_vector_minus_rowsum", "logsumexp(z - sum(r in data: r[1]))", func(z []float64, rows [][]float64, s float64) float64 {
			q := sr(rows, s, func(r []float64) float64 { return r[1] })
			return math.Log(math.Exp(z[0]-q) + math.Exp(z[1]-q))
		}},
	}
	for _, c := range cases {
		for _, m := range []int{0, 2} {
			t.Run(fmt.Sprintf("%s/M=%d", c.name, m), func(t *testing.T) {
				src := "data = csv(\"d.csv\")\ndensity T(z: 2) = " + c.body + "\n"
				tg := checkDensity(t, src, map[string]string{"d.csv": dataCSV})
				got := evalDensity(t, tg, sumPoints, m)
				rows, scale := rowsOf(5), 1.0
				if m > 0 {
					rows, scale = rowsOf(m), 5/float64(m)
				}
				for i, z := range sumPoints {
					if want := c.want(z, rows, scale); !closeTo(got[i], want, 1e-9) {
						t.Errorf("%s at %v = %v, want %v", c.body, z, got[i], want)
					}
				}
			})
		}
	}
}
