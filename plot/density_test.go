package plot

import (
	"image"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// TestChooseScale: ScaleAuto colours by log density when the maximum
// exceeds LogRatio times the median over the grid (issue 24).
func TestChooseScale(t *testing.T) {
	flat := []float64{1, 2, 3, 4, 5}
	spike := []float64{0.01, 0.01, 0.01, 0.02, 5}
	nan := math.NaN()
	for _, c := range []struct {
		name string
		p    []float64
		want Scale
	}{
		{"flat", flat, ScaleLinear},
		{"ratio 100 exactly", []float64{1, 1, 1, 50, 100}, ScaleLinear},
		{"ratio above 100", []float64{1, 1, 1, 50, 100.5}, ScaleLog},
		{"sharp mode", spike, ScaleLog},
		{"mostly zero", []float64{0, 0, 0, 1, 2}, ScaleLog},
		{"NaN cells ignored", []float64{nan, nan, nan, nan, 1, 2, 3}, ScaleLinear},
		{"all NaN", []float64{nan}, ScaleLinear},
	} {
		if got := ChooseScale(c.p); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	for _, s := range []Scale{ScaleAuto, ScaleLinear, ScaleLog} {
		if got, err := ParseScale(s.String()); err != nil || got != s {
			t.Errorf("ParseScale(%q) = %v, %v", s.String(), got, err)
		}
	}
	if _, err := ParseScale("cubic"); err == nil || !strings.Contains(err.Error(), "linear, log and auto") {
		t.Errorf("ParseScale(cubic): %v", err)
	}
}

// TestDensityScales draws one density on each scale: both render, each
// with its colour bar, and auto picks log for a sharp mode.
func TestDensityScales(t *testing.T) {
	dir := outDir(t)
	// A sharp mode beside a broad one: linear shows only the spike.
	sharp := func(xy []float64, n int, out []float64) {
		for i := range n {
			x, y := xy[2*i], xy[2*i+1]
			a := math.Exp(-(x*x+y*y)/(2*0.0004)) / (2 * math.Pi * 0.0004)
			b := math.Exp(-((x-1)*(x-1)+y*y)/(2*0.25)) / (2 * math.Pi * 0.25)
			out[i] = math.Log(0.5*a + 0.5*b)
		}
	}
	lo, hi := [2]float64{-1, -1.5}, [2]float64{2.5, 1.5}
	for _, c := range []struct {
		scale Scale
		bar   string
	}{
		{ScaleLinear, ">density p(x)<"},
		{ScaleLog, ">log density log p(x)<"},
		{ScaleAuto, ">log density log p(x)<"},
	} {
		path := filepath.Join(dir, "sharp_"+c.scale.String()+".svg")
		if err := Density(path, sharp, lo, hi, nil, "sharp", c.scale); err != nil {
			t.Fatalf("%v: %v", c.scale, err)
		}
		if text := svgText(t, path); !strings.Contains(text, c.bar) {
			t.Errorf("%v: the colour bar is not labelled %q", c.scale, c.bar)
		}
		png := filepath.Join(dir, "sharp_"+c.scale.String()+".png")
		if err := Density(png, sharp, lo, hi, nil, "sharp", c.scale); err != nil {
			t.Fatalf("%v: %v", c.scale, err)
		}
		if k := inkIn(readPNG(t, png, 780, 660), image.Rect(0, 0, 780, 660)); k.colours < 100 {
			t.Errorf("%v: heat map %+v", c.scale, k)
		}
	}
	// A density that is 0 on part of the grid still draws on a log scale.
	half := func(xy []float64, n int, out []float64) {
		for i := range n {
			out[i] = math.Inf(-1)
			if xy[2*i] > 0 {
				out[i] = -xy[2*i]
			}
		}
	}
	if err := Density(filepath.Join(dir, "half.png"), half, lo, hi, nil, "", ScaleLog); err != nil {
		t.Fatal(err)
	}
	if err := Density(filepath.Join(dir, "bad.png"), half, lo, hi, nil, "", Scale(7)); err == nil {
		t.Error("Scale(7) drew")
	}
}
