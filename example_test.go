package nox_test

import (
	"context"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/plot"
)

// A flow is compiled, trained by running its program, and then used from
// Go: log-densities of new rows and draws.
func Example() {
	s, err := nox.CompileFile("examples/moons.nox")
	if err != nil {
		log.Fatal(err)
	}
	if err := s.Run(context.Background(), nox.RunOptions{MaxSteps: 300, Plot: plot.Statement}); err != nil {
		log.Fatal(s.Render(err))
	}
	m, err := s.Model("flow")
	if err != nil {
		log.Fatal(err)
	}
	x := mat.NewDense(2, 2, []float64{
		0, 0.5, // on a moon
		3, 3, // far from both
	})
	lp := make([]float64, 2)
	if err := m.LogProb(lp, x, nil); err != nil {
		log.Fatal(err)
	}
	fmt.Println("on a moon is more likely:", lp[0] > lp[1]+5)
	draws, _ := m.Sample(1000, 1, nil)
	r, c := draws.Dims()
	fmt.Println(r, "draws of", c, "values")
	// Output:
	// on a moon is more likely: true
	// 1000 draws of 2 values
}

// Compile reports every error with its position.
func ExampleCompile() {
	src := []byte("data = csv(\"examples/data/moons.csv\")\nflow = MAF(4) |> Gausian\n")
	_, err := nox.Compile("model.nox", src)
	fmt.Println(nox.RenderError(err, "model.nox", src))
	// Output:
	// model.nox:2:18: undefined: Gausian (did you mean Gaussian?)
	//     flow = MAF(4) |> Gausian
	//                      ^~~~~~~
}

// A trained model is saved and loaded back without its training data.
func ExampleLoad() {
	dir, _ := os.MkdirTemp("", "nox")
	defer os.RemoveAll(dir)
	src := []byte(`data = csv("` + abs("examples/data/moons.csv") + `")
flow = MAF(8) |> Gaussian
train flow on data { steps = 50 }
save flow to "moons.noxm"
`)
	s, err := nox.Compile(filepath.Join(dir, "m.nox"), src)
	if err != nil {
		log.Fatal(err)
	}
	if err := s.Run(context.Background(), nox.RunOptions{}); err != nil {
		log.Fatal(s.Render(err))
	}
	m, err := nox.Load(filepath.Join(dir, "moons.noxm"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Name(), m.Dim(), "dimensions")
	z, logdet, _ := m.Forward(mat.NewDense(1, 2, []float64{0.25, 0.5}), nil)
	x, _ := m.Inverse(z, nil)
	fmt.Printf("round trip: %.6f %.6f (log-det finite: %v)\n", x.At(0, 0)+0, x.At(0, 1), logdet[0] == logdet[0])
	_, err = nox.Load(filepath.Join(dir, "none.noxm"))
	fmt.Println(err != nil)
	// Output:
	// flow 2 dimensions
	// round trip: 0.250000 0.500000 (log-det finite: true)
	// true
}

func abs(p string) string {
	a, _ := filepath.Abs(p)
	return a
}

// Fit trains a flow on rows held in memory, with typed options and a
// progress callback. An error in the flow expression is a positioned
// diagnostic in it.
func ExampleFit() {
	x := mat.NewDense(400, 2, nil)
	for i := range 400 {
		t := float64(i) / 400 * 6.28
		x.Set(i, 0, math.Cos(t)+0.05*math.Sin(17*t))
		x.Set(i, 1, math.Sin(t)+0.05*math.Cos(13*t))
	}
	o := nox.DefaultFitOptions()
	o.Steps, o.Seed = 1000, 1 // enough to learn the ring: at 200 the density is barely off the Gaussian
	steps := 0
	o.OnStep = func(step, total int, loss float64) { steps = step }
	m, report, err := nox.Fit(context.Background(), "MAF(32) |> Reverse |> MAF(32) |> Gaussian", x, nil, o)
	if err != nil {
		log.Fatal(err)
	}
	lp := make([]float64, 2)
	m.LogProb(lp, mat.NewDense(2, 2, []float64{1, 0, 0, 0}), nil)
	fmt.Println("trained:", steps == report.Steps, "ring more likely than centre:", lp[0] > lp[1])
	const typo = "MAF(32) |> Gausian"
	_, _, err = nox.Fit(context.Background(), typo, x, nil, nox.DefaultFitOptions())
	fmt.Println(nox.RenderError(err, "flow", []byte(typo)))
	// Output:
	// trained: true ring more likely than centre: true
	// flow:1:12: undefined: Gausian (did you mean Gaussian?)
	//     MAF(32) |> Gausian
	//                ^~~~~~~
}
