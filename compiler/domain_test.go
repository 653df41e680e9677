package compiler_test

import (
	"strings"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/lang"
)

// TestTrainingDataDomain (issue 23): training rows outside the domain of
// a flow's restricted first stage (Logit, Dequantize, after column
// reorderings only) are a positioned error naming the first such row and
// column, and so are rows that would reach it standardized or, for
// Dequantize, with the trainer's grid noise; rows inside, stages deeper
// in the flow and eval statements are not.
func TestTrainingDataDomain(t *testing.T) {
	files := map[string]string{
		"unit.csv":  "a,b\n0.5,0.25\n0,1\n0.75,0.5\n",
		"out.csv":   "a,b\n0.5,0.25\n0.2,0.3\n0.75,1.5\n-1,0.5\n",
		"ints.csv":  "0,3\n2,-7\n5,1\n",
		"frac.csv":  "0,3\n2,-7\n5,1.5\n",
		"plain.csv": "0.5,0.5\n0.2,-0.3\n",
	}
	const off = "standardize = false, dequantize = false"
	cases := []struct {
		name, file, flow, opts string
		want                   string // the error's start, or "" for none
	}{
		{"inside", "unit.csv", "Logit |> Gaussian", off, ""},
		{"inside with margin 0.1", "unit.csv", "Logit(margin = 0.1) |> Gaussian", "standardize = false", ""},
		{"ends with margin 0", "unit.csv", "Logit(margin = 0) |> Gaussian", off,
			`model.nox:3:12: train: row 2 of d, column "a" (0-based 0), is 0, outside the domain of Logit (model.nox:2:5), the first stage of flow f: (0, 1); the row would have density 0`},
		{"outside", "out.csv", "Logit |> MAF(4) |> Gaussian", off,
			`model.nox:3:12: train: row 3 of d, column "b" (0-based 1), is 1.5, outside the domain of Logit (model.nox:2:5), the first stage of flow f: (-1.000002e-06, 1.000001)`},
		{"after Reverse", "out.csv", "Reverse |> Logit |> Gaussian", off,
			`model.nox:3:12: train: row 3 of d, column "b" (0-based 1), is 1.5, outside the domain of Logit (model.nox:2:16)`},
		{"standardized", "unit.csv", "Logit |> Gaussian", "dequantize = false",
			`model.nox:3:1: train: Logit (model.nox:2:5), the first stage of flow f, is defined on (-1.000002e-06, 1.000001) (the x with 0 < margin + (1 - 2*margin)*x < 1, margin = 1e-06), but standardize = true`},
		{"deeper", "out.csv", "Affine |> Logit |> Gaussian", off, ""},
		{"lattice", "ints.csv", "Dequantize(scale = 8) |> MAF(4) |> Gaussian", off, ""},
		{"off the lattice", "frac.csv", "Dequantize |> Gaussian", off,
			`model.nox:3:12: train: row 3 of d, column 1 (0-based), is 1.5, outside the domain of Dequantize (model.nox:2:5), the first stage of flow f: the integers`},
		{"grid noise", "ints.csv", "Dequantize |> Gaussian", "standardize = false",
			`model.nox:3:1: train: Dequantize (model.nox:2:5), the first stage of flow f, is defined on the integers, but dequantize = true`},
		{"unrestricted", "plain.csv", "MAF(4) |> Gaussian", off, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := "d = csv(\"" + c.file + "\")\nf = " + c.flow + "\ntrain f on d { " + c.opts + " }\neval f on d\n"
			f, err := lang.Parse("model.nox", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			_, err = compiler.Check(f, func(path string) (*dataset.Table, error) {
				return dataset.Read(path, strings.NewReader(files[path]))
			})
			got := ""
			if err != nil {
				got = err.Error()
			}
			if c.want == "" && got != "" || !strings.HasPrefix(got, c.want) {
				t.Errorf("error:\n got %s\nwant %s…", got, c.want)
			}
		})
	}
}
