package plot

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/plotter"

	"github.com/noxlang/nox"
)

// moons returns n points of the two-moons set with Gaussian noise.
func moons(n int, noise float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]float64, 0, 2*n)
	for i := range n {
		t := math.Pi * rng.Float64()
		x, y := math.Cos(t), math.Sin(t)
		if i%2 == 1 {
			x, y = 1-x, 0.5-y
		}
		out = append(out, x+noise*rng.NormFloat64(), y+noise*rng.NormFloat64())
	}
	return out
}

// correlated returns n rows of dim values: a correlated Gaussian with a
// bimodal first column.
func correlated(n, dim int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 9))
	out := make([]float64, 0, n*dim)
	for range n {
		z := rng.NormFloat64()
		if rng.IntN(2) == 0 {
			z += 3
		}
		for j := range dim {
			out = append(out, 0.8*z+float64(j)*0.3*rng.NormFloat64()+0.5*rng.NormFloat64())
		}
	}
	return out
}

// outDir is where the pictures go: a temporary directory, or
// $NOX_PLOT_KEEP to keep them for a look.
func outDir(t *testing.T) string {
	if d := os.Getenv("NOX_PLOT_KEEP"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// readPNG decodes a PNG and checks its size.
func readPNG(t *testing.T, path string, w, h int) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("%s is %d×%d pixels, want %d×%d", path, b.Dx(), b.Dy(), w, h)
	}
	return img
}

// ink counts, in the rectangle r of img, the pixels that are not white,
// those that are bluish (data), those that are orange (samples), and the
// distinct colours.
type ink struct{ dark, blue, orange, colours int }

func inkIn(img image.Image, r image.Rectangle) ink {
	var k ink
	seen := map[color.RGBA]bool{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			seen[c] = true
			R, G, B := int(c.R), int(c.G), int(c.B)
			if R+G+B < 3*240 {
				k.dark++
			}
			if B > R+30 && B > G {
				k.blue++
			}
			if R > B+50 && R > G {
				k.orange++
			}
		}
	}
	k.colours = len(seen)
	return k
}

func TestSamples2D(t *testing.T) {
	dir := outDir(t)
	path := filepath.Join(dir, "moons_samples.png")
	s := moons(2000, 0.12, 2)
	s[10], s[21] = math.NaN(), math.Inf(1) // two non-finite draws: skipped
	if err := Samples(path, moons(5000, 0.08, 1), s, 2, "two moons: data and MAF samples"); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, path, 960, 480)
	left := inkIn(img, image.Rect(0, 0, 480, 480))
	right := inkIn(img, image.Rect(480, 0, 960, 480))
	t.Logf("left %+v, right %+v", left, right)
	if left.blue < 5000 || left.orange > 100 {
		t.Errorf("the data panel has %d blue and %d orange pixels", left.blue, left.orange)
	}
	if right.orange < 5000 || right.blue > left.blue/10 {
		t.Errorf("the samples panel has %d orange and %d blue pixels", right.orange, right.blue)
	}
	if left.colours < 50 || right.colours < 50 {
		t.Errorf("%d and %d distinct colours: translucent points should blend into many", left.colours, right.colours)
	}
	noTemporaries(t, dir)
}

func TestSamplesGrid(t *testing.T) {
	path := filepath.Join(outDir(t), "grid_samples.png")
	if err := Samples(path, correlated(3000, 6, 1), correlated(2000, 6, 2), 6, "6-D data and samples"); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, path, 960, 960)
	// Every off-diagonal panel of the 4×4 grid holds points of both sets;
	// check the panels of the top-right half roughly.
	for _, r := range []image.Rectangle{image.Rect(480, 60, 960, 480), image.Rect(0, 480, 480, 960)} {
		k := inkIn(img, r)
		if k.blue < 3000 || k.orange < 3000 {
			t.Errorf("quarter %v: %+v", r, k)
		}
	}
}

func TestSamples1D(t *testing.T) {
	path := filepath.Join(outDir(t), "hist_samples.png")
	if err := Samples(path, correlated(3000, 1, 1), correlated(2000, 1, 5), 1, "1-D"); err != nil {
		t.Fatal(err)
	}
	k := inkIn(readPNG(t, path, 960, 480), image.Rect(0, 0, 960, 480))
	if k.blue < 5000 || k.orange < 1000 {
		t.Errorf("histograms: %+v", k)
	}
}

// mixture is the log-density of two isotropic Gaussians (σ = 0.3) at
// (0, 0) and (1.5, 0.5).
func mixture(xy []float64, n int, out []float64) {
	const s2 = 0.09
	for i := range n {
		x, y := xy[2*i], xy[2*i+1]
		a := math.Exp(-(x*x + y*y) / (2 * s2))
		b := math.Exp(-((x-1.5)*(x-1.5) + (y-0.5)*(y-0.5)) / (2 * s2))
		out[i] = math.Log((a+b)/2) - math.Log(2*math.Pi*s2)
	}
}

func TestDensity(t *testing.T) {
	path := filepath.Join(outDir(t), "mixture_density.png")
	calls := 0
	logp := func(xy []float64, n int, out []float64) {
		calls++
		if len(xy) != 2*n || len(out) != n || n != DensityGrid*DensityGrid {
			t.Errorf("logp called with %d values, n = %d, %d outputs", len(xy), n, len(out))
		}
		mixture(xy, n, out)
	}
	data := moons(500, 0.1, 1)
	if err := Density(path, logp, [2]float64{-1.2, -1.2}, [2]float64{2.7, 1.7}, data, "learned density", ScaleAuto); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("logp called %d times, want one batched call", calls)
	}
	k := inkIn(readPNG(t, path, 780, 660), image.Rect(0, 0, 780, 660))
	if k.colours < 200 || k.dark < 200000 {
		t.Errorf("heat map: %+v", k)
	}
}

// trainingRun returns a noisy decreasing loss per step and a validation
// NLL every 100 steps.
func trainingRun(n int) (steps []int, train, val []float64) {
	rng := rand.New(rand.NewPCG(3, 3))
	for i := range n {
		s := i + 1
		base := 2.4 + 3*math.Exp(-float64(s)/150)
		steps = append(steps, s)
		train = append(train, base+0.15*rng.NormFloat64())
		v := math.NaN()
		if s%100 == 0 || s == 1 {
			v = base + 0.05 + 0.0001*float64(s)
		}
		val = append(val, v)
	}
	return steps, train, val
}

func TestLoss(t *testing.T) {
	path := filepath.Join(outDir(t), "loss.png")
	steps, train, val := trainingRun(2000)
	train[1500] = math.NaN()
	if err := Loss(path, steps, train, val, "training moons"); err != nil {
		t.Fatal(err)
	}
	k := inkIn(readPNG(t, path, 960, 540), image.Rect(0, 0, 960, 540))
	if k.blue < 3000 || k.colours < 30 {
		t.Errorf("loss curve: %+v", k)
	}
	// Without validation.
	if err := Loss(filepath.Join(filepath.Dir(path), "loss_short.png"), steps[:5], train[:5], nil, ""); err != nil {
		t.Fatal(err)
	}
}

// TestSVG writes each picture as SVG: well-formed XML with paths.
func TestSVG(t *testing.T) {
	dir := outDir(t)
	steps, train, val := trainingRun(300)
	for name, write := range map[string]func(string) error{
		"samples2d": func(p string) error { return Samples(p, moons(3000, 0.1, 1), moons(8000, 0.1, 2), 2, "moons") },
		"grid":      func(p string) error { return Samples(p, correlated(500, 3, 1), correlated(500, 3, 2), 3, "") },
		"density": func(p string) error {
			return Density(p, mixture, [2]float64{-1, -1}, [2]float64{2.5, 1.5}, nil, "", ScaleAuto)
		},
		"loss": func(p string) error { return Loss(p, steps, train, val, "loss") },
	} {
		path := filepath.Join(dir, name+".svg")
		if err := write(path); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		paths, root := 0, ""
		dec := xml.NewDecoder(bytes.NewReader(b))
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: not XML: %v", name, err)
			}
			if se, ok := tok.(xml.StartElement); ok {
				if root == "" {
					root = se.Name.Local
				}
				if se.Name.Local == "path" {
					paths++
				}
			}
		}
		if root != "svg" || paths < 10 || bytes.Contains(b, []byte("image/jpg")) {
			t.Errorf("%s: root <%s>, %d path elements", name, root, paths)
		}
		t.Logf("%s: %d bytes, %d paths", name, len(b), paths)
		if name == "samples2d" && len(b) > 4<<20 {
			t.Errorf("%s: %d bytes; subsampling should keep SVG small", name, len(b))
		}
	}
	noTemporaries(t, dir)
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	d2 := moons(50, 0.1, 1)
	nanData := append([]float64(nil), d2...)
	nanData[7] = math.NaN()
	allBad := []float64{math.NaN(), 1, math.Inf(-1), 2}
	steps, train, val := trainingRun(20)
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"jpg", Samples(p("a.jpg"), d2, d2, 2, ""), `unsupported format ".jpg"; the supported formats are .png and .svg`},
		{"no ext", Loss(p("loss"), steps, train, val, ""), "no file extension; the supported formats are .png and .svg"},
		{"empty data", Samples(p("a.png"), nil, d2, 2, ""), "no data"},
		{"empty samples", Samples(p("a.png"), d2, nil, 2, ""), "no samples"},
		{"dim", Samples(p("a.png"), d2[:5], d2, 2, ""), "data has 5 values, not a whole number of rows of 2"},
		{"dim 0", Samples(p("a.png"), d2, d2, 0, ""), "dim must be positive"},
		{"nan data", Samples(p("a.png"), nanData, d2, 2, ""), "data row 4, column 2 is NaN"},
		{"all samples bad", Samples(p("a.png"), d2, allBad, 2, ""), "all 2 samples have non-finite values"},
		{"density nil", Density(p("d.png"), nil, [2]float64{0, 0}, [2]float64{1, 1}, nil, "", ScaleAuto), "nil log-density"},
		{"density range", Density(p("d.png"), mixture, [2]float64{0, 1}, [2]float64{1, 1}, nil, "", ScaleAuto), "axis 2: want finite lo < hi"},
		{"density data", Density(p("d.png"), mixture, [2]float64{0, 0}, [2]float64{1, 1}, d2[:3], "", ScaleAuto), "data has 3 values"},
		{"density nan", Density(p("d.png"), func(_ []float64, _ int, out []float64) {
			for i := range out {
				out[i] = math.NaN()
			}
		}, [2]float64{0, 0}, [2]float64{1, 1}, nil, "", ScaleAuto), "NaN (or +Inf) at every grid point"},
		{"density zero", Density(p("d.png"), func(_ []float64, _ int, out []float64) {
			for i := range out {
				out[i] = math.Inf(-1)
			}
		}, [2]float64{0, 0}, [2]float64{1, 1}, nil, "", ScaleAuto), "the density is 0"},
		{"loss empty", Loss(p("l.png"), nil, nil, nil, ""), "no steps"},
		{"loss lengths", Loss(p("l.png"), steps, train[:3], nil, ""), "3 training losses for 20 steps"},
		{"val lengths", Loss(p("l.png"), steps, train, val[:2], ""), "2 validation values for 20 steps"},
		{"one loss", Loss(p("l.png"), steps, train[:1], nil, ""), "1 training loss for 20 steps"},
		{"one value", Samples(p("a.png"), d2[:1], d2, 2, ""), "data has 1 value, not a whole number of rows of 2"},
		{"loss order", Loss(p("l.png"), []int{1, 3, 2}, train[:3], nil, ""), "steps must increase: step 2 follows 3"},
		{"loss all nan", Loss(p("l.png"), steps[:2], []float64{math.NaN(), math.Inf(1)}, nil, ""), "no finite loss among 2 steps"},
		{"missing dir", Samples(filepath.Join(dir, "none", "a.png"), d2, d2, 2, ""), "no such file or directory"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, c.err, c.want)
		}
	}
	// Nothing was written by the failed calls.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		t.Errorf("a failed call left %s", e.Name())
	}
}

// noTemporaries checks that no temporary file is left in dir.
func noTemporaries(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestSamplesOnly(t *testing.T) {
	dir := outDir(t)
	for dim, size := range map[int]image.Point{1: {960, 480}, 2: {600, 540}, 3: {960, 960}} {
		path := filepath.Join(dir, fmt.Sprintf("only%d.png", dim))
		var s []float64
		if dim == 2 {
			s = moons(1000, 0.1, 4)
		} else {
			s = correlated(1000, dim, 4)
		}
		if err := SamplesOnly(path, s, dim, "samples alone"); err != nil {
			t.Fatal(err)
		}
		k := inkIn(readPNG(t, path, size.X, size.Y), image.Rect(0, 0, size.X, size.Y))
		if k.orange < 2000 || k.blue > 0 {
			t.Errorf("dim %d: %+v", dim, k)
		}
	}
	if err := SamplesOnly(filepath.Join(dir, "x.png"), nil, 2, ""); err == nil || !strings.Contains(err.Error(), "no samples") {
		t.Errorf("no samples: %v", err)
	}
}

// TestDegenerate: single points, constant columns and flat losses still
// give pictures rather than panics.
func TestDegenerate(t *testing.T) {
	dir := t.TempDir()
	for i, err := range []error{
		Samples(filepath.Join(dir, "a.png"), []float64{1, 1}, []float64{1, 1}, 2, ""),
		Samples(filepath.Join(dir, "b.png"), []float64{3}, []float64{3, 3, 3}, 1, ""),
		Samples(filepath.Join(dir, "c.png"), []float64{0, 0, 0, 1, 1, 1}, []float64{5, 5, 5}, 3, ""),
		Samples(filepath.Join(dir, "d.svg"), []float64{1e9, -1e-9}, []float64{2e9, 1e-9}, 2, ""),
		Loss(filepath.Join(dir, "e.png"), []int{7}, []float64{2}, []float64{2.5}, ""),
		Loss(filepath.Join(dir, "f.png"), []int{1, 2, 3}, []float64{1, 1, 1}, nil, ""),
		Loss(filepath.Join(dir, "g.png"), []int{1, 2}, []float64{math.NaN(), math.NaN()}, []float64{3, math.NaN()}, ""),
		Density(filepath.Join(dir, "h.png"), func(_ []float64, _ int, out []float64) {
			for i := range out {
				out[i] = 0
			}
		}, [2]float64{0, 0}, [2]float64{1, 1}, []float64{0.5, 0.5}, "", ScaleAuto),
	} {
		if err != nil {
			t.Errorf("case %d: %v", i, err)
		}
	}
}

func TestRunningMedian(t *testing.T) {
	steps, train, _ := trainingRun(500)
	train[300] = 1e6 // one wild batch
	var xy plotter.XYs
	for i, s := range steps {
		xy = append(xy, plotter.XY{X: float64(s), Y: train[i]})
	}
	med := runningMedian(xy, 21)
	if len(med) != 500 || med[499].X != 500 {
		t.Fatalf("%d points, the last at step %v", len(med), med[len(med)-1].X)
	}
	for _, p := range med {
		if p.Y > 10 {
			t.Fatalf("running median at step %v is %v: thrown off by one spike", p.X, p.Y)
		}
	}
}

func TestTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		want   string
	}{
		{-0.75, 1.25, "-0.5 0.0 0.5 1.0"},
		{0, 2000, "0 500 1000 1500 2000"},
		{-3.9, 3.6, "-2 0 2"},
		{2.4, 3.45, "2.4 2.6 2.8 3.0 3.2 3.4"},
		{1e9, 1e9 + 1e-3, "1e+09"},
		{3 - 4e-16, 3, "3"},
	} {
		var got []string
		for _, tk := range (ticks{}).Ticks(c.lo, c.hi) {
			got = append(got, tk.Label)
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("ticks over [%v, %v]: %q, want %q", c.lo, c.hi, strings.Join(got, " "), c.want)
		}
	}
}

// TestAxisNames (issue 24): the columns' names label the axes of every
// picture of samples and of the density; without them the axes are x1,
// x2, ...; a name for each dimension or none.
func TestAxisNames(t *testing.T) {
	dir := t.TempDir()
	d2, d3, d1 := moons(300, 0.1, 1), correlated(300, 3, 1), correlated(300, 1, 1)
	for _, c := range []struct {
		name  string
		write func(p string) error
		want  []string
	}{
		{"2d", func(p string) error { return Samples(p, d2, d2, 2, "", "duration", "waiting") }, []string{"duration", "waiting"}},
		{"2d alone", func(p string) error { return SamplesOnly(p, d2, 2, "", "duration", "waiting") }, []string{"duration", "waiting"}},
		{"grid", func(p string) error { return Samples(p, d3, d3, 3, "", "alpha", "beta", "gamma") }, []string{"alpha", "beta", "gamma"}},
		{"1d", func(p string) error { return Samples(p, d1, d1, 1, "", "height") }, []string{"height"}},
		{"density", func(p string) error {
			return Density(p, mixture, [2]float64{-1, -1}, [2]float64{2.5, 1.5}, nil, "", ScaleAuto, "duration", "waiting")
		}, []string{"duration", "waiting"}},
		{"unnamed", func(p string) error { return Samples(p, d2, d2, 2, "") }, []string{">x1<", ">x2<"}},
	} {
		path := filepath.Join(dir, c.name+".svg")
		if err := c.write(path); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		b, _ := os.ReadFile(path)
		for _, w := range c.want {
			if !bytes.Contains(b, []byte(w)) {
				t.Errorf("%s: the picture has no label %q", c.name, w)
			}
		}
	}
	for _, err := range []error{
		Samples(filepath.Join(dir, "a.svg"), d2, d2, 2, "", "one"),
		SamplesOnly(filepath.Join(dir, "b.svg"), d2, 2, "", "a", "b", "c"),
		Density(filepath.Join(dir, "c.svg"), mixture, [2]float64{-1, -1}, [2]float64{2.5, 1.5}, nil, "", ScaleAuto, "a"),
	} {
		if err == nil || !strings.Contains(err.Error(), "axis names for") {
			t.Errorf("got %v, want an error about the axis names", err)
		}
	}
}

// TestStatementNames (issue 24): a plot statement labels the axes of its
// samples and its density with the columns' names the job carries.
func TestStatementNames(t *testing.T) {
	dir := t.TempDir()
	paths, err := Statement(nox.PlotJob{Flow: "f", Path: filepath.Join(dir, "f.svg"), Dim: 2, Names: []string{"duration", "waiting"},
		Samples: moons(300, 0.1, 2), Data: moons(300, 0.1, 1), LogProb: mixture})
	if err != nil || len(paths) != 2 {
		t.Fatalf("got %v, %v; want the samples and the density", paths, err)
	}
	for _, p := range paths {
		b, _ := os.ReadFile(p)
		if !bytes.Contains(b, []byte(">duration<")) || !bytes.Contains(b, []byte(">waiting<")) {
			t.Errorf("%s lacks the axis labels duration and waiting", p)
		}
	}
}
