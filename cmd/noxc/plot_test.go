package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/plot"
)

// savedModel trains a tiny flow on dim-column synthetic data written to
// dir/data.csv (two moons for dim 2) and saves it to dir/NAME.noxm.
func savedModel(t *testing.T, dir, name string, dim int) (model, data string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for i := range 600 {
		row := make([]string, dim)
		for j := range dim {
			row[j] = fmt.Sprint(rng.NormFloat64() + float64(j))
		}
		if dim == 2 {
			a := math.Pi * rng.Float64()
			x, y := math.Cos(a), math.Sin(a)
			if i%2 == 1 {
				x, y = 1-x, 0.5-y
			}
			row[0], row[1] = fmt.Sprint(x+0.1*rng.NormFloat64()), fmt.Sprint(y+0.1*rng.NormFloat64())
		}
		b.WriteString(strings.Join(row, ",") + "\n")
	}
	data = filepath.Join(dir, name+".csv")
	if err := os.WriteFile(data, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	src := fmt.Sprintf("data = csv(%q)\nflow = MAF(8) |> Reverse |> MAF(8) |> Gaussian\ntrain flow on data { steps = 40, seed = 1 }\n", name+".csv")
	s, err := nox.Compile(filepath.Join(dir, name+".nox"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(context.Background(), nox.RunOptions{Plot: plot.Statement}); err != nil {
		t.Fatal(s.Render(err))
	}
	m, err := s.Model("flow")
	if err != nil {
		t.Fatal(err)
	}
	model = filepath.Join(dir, name+".noxm")
	if err := m.Save(model); err != nil {
		t.Fatal(err)
	}
	return model, data
}

// pngInk decodes a PNG, checks its size and returns how many of its
// pixels in r are not near-white.
func pngInk(t *testing.T, path string, w, h int, r image.Rectangle) int {
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
		t.Fatalf("%s is %d×%d, want %d×%d", path, b.Dx(), b.Dy(), w, h)
	}
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if cr+cg+cb < 3*0xf000 {
				n++
			}
		}
	}
	return n
}

func TestPlotCommand(t *testing.T) {
	dir := t.TempDir()
	model, data := savedModel(t, dir, "moons", 2)
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := plotCmd(args, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}

	out := filepath.Join(dir, "pics", "m_samples.png")
	os.Mkdir(filepath.Join(dir, "pics"), 0o755)
	code, stdout, stderr := run(model, "-data", data, "-n", "1500", "-seed", "2", "-o", out, "-density")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	density := filepath.Join(dir, "pics", "m_density.png")
	for _, want := range []string{"1500 samples drawn to " + out, "density drawn to " + density} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout %q lacks %q", stdout, want)
		}
	}
	// Data on the left, samples on the right: both panels hold points.
	left := pngInk(t, out, 960, 480, image.Rect(60, 80, 470, 420))
	right := pngInk(t, out, 960, 480, image.Rect(520, 80, 950, 420))
	if left < 5000 || right < 5000 {
		t.Errorf("samples picture: %d and %d inked pixels in the two panels", left, right)
	}
	if ink := pngInk(t, density, 780, 660, image.Rect(0, 0, 780, 660)); ink < 200000 {
		t.Errorf("density picture: %d inked pixels", ink)
	}

	// Without -o: MODEL's base name in the current directory; without
	// -data: the samples alone.
	t.Chdir(dir)
	if code, _, stderr := run(model, "-n", "300"); code != 0 {
		t.Fatalf("default output: exit %d\n%s", code, stderr)
	}
	pngInk(t, filepath.Join(dir, "moons_samples.png"), 600, 540, image.Rect(0, 0, 1, 1))

	// A 3-D model: a pairwise grid, as SVG.
	model3, data3 := savedModel(t, dir, "three", 3)
	svg := filepath.Join(dir, "three.svg")
	if code, _, stderr := run("-o", svg, model3, "-data", data3); code != 0 {
		t.Fatalf("3-D: exit %d\n%s", code, stderr)
	}
	if b, err := os.ReadFile(svg); err != nil || !bytes.Contains(b, []byte("<svg")) || !bytes.Contains(b, []byte("<path")) {
		t.Errorf("3-D SVG: %v, %d bytes", err, len(b))
	} else if !bytes.Contains(b, []byte(">three.noxm: samples of flow<")) || bytes.Contains(b, []byte("flow flow")) {
		t.Errorf("3-D SVG: the title is not \"three.noxm: samples of flow\" (issue 24)")
	}

	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "want exactly one MODEL"},
		{[]string{model, "-o", "x.jpg"}, 2, "the supported formats are .png and .svg"},
		{[]string{model, "-n", "0"}, 2, "-n must be from 1"},
		{[]string{model3, "-density"}, 2, "-density needs a 2-D model; " + model3 + " has 3 dimensions"},
		{[]string{model, "-data", data3}, 1, "has 3 columns; the model wants 2 data columns"},
		{[]string{model, "-data", filepath.Join(dir, "none.csv")}, 1, "no such file"},
		{[]string{filepath.Join(dir, "none.noxm")}, 1, "no such file"},
		{[]string{model, "-bogus"}, 2, "flag provided but not defined"},
		{[]string{model, "-density", "-scale", "cubic"}, 2, `unknown colour scale "cubic"; the scales are linear, log and auto`},
		{[]string{model, "-scale", "log"}, 2, "-scale modifies -density"},
	} {
		code, _, stderr := run(c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
	// -scale: the density's colour bar says which (issue 24).
	for scale, bar := range map[string]string{"linear": ">density p(x)<", "log": ">log density log p(x)<"} {
		out := filepath.Join(dir, "scale_"+scale+".svg")
		if code, _, stderr := run(model, "-n", "300", "-o", out, "-density", "-scale", scale); code != 0 {
			t.Fatalf("-scale %s: exit %d\n%s", scale, code, stderr)
		}
		if b, err := os.ReadFile(densityPath(out)); err != nil || !bytes.Contains(b, []byte(bar)) {
			t.Errorf("-scale %s: %v; the colour bar is not labelled %q", scale, err, bar)
		}
	}
	if code, _, stderr := run("-h"); code != 0 || !strings.Contains(stderr, "usage: noxc plot MODEL") {
		t.Errorf("-h: exit %d, %q", code, stderr)
	}
}
