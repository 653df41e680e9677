package main

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/plot"
)

// plotHelp is the help text of noxc plot.
const plotHelp = `usage: noxc plot MODEL [-data FILE.csv] [-n N] [-seed S] [-o OUT.png] [-density] [-scale S]

Plot draws N samples from a saved model and pictures them, against the
rows of FILE.csv when -data is given: for 2-D data, data and samples side
by side on the same axes; for more dimensions, a grid of pairwise scatter
plots of the first four; for one, overlaid histograms. The axes carry the
names of the columns the model was trained on, when it knows them.

  -data FILE  a CSV file of data rows to compare with: the model's columns
              by name when both have names (the file may have more),
              else as many columns as the model has dimensions
  -n N        number of samples (default 2000)
  -seed S     seed of the samples (default 0)
  -o OUT      the picture, .png or .svg (default: MODEL's base name with
              _samples.png, in the current directory)
  -density    for a 2-D model, also draw its density exp(log p) as a heat
              map, over the data's range (or the samples'), to OUT's name
              with _density in place of _samples
  -scale S    the density's colour scale: linear (p), log (log p, down
              to 20 nats below its maximum), or auto (the default): log
              when the density's maximum over the grid exceeds 100
              times its median, as when one sharp mode would leave the
              rest dark on a linear scale
`

// plotCmd pictures a saved model's samples (and, with -density, its
// density).
func plotCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("plot", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, plotHelp) }
	dataPath := fs.String("data", "", "data rows to compare with (CSV)")
	n := fs.Int("n", 2000, "number of samples")
	seed := fs.Uint64("seed", 0, "seed of the samples")
	out := fs.String("o", "", "output picture (.png or .svg)")
	density := fs.Bool("density", false, "also draw the density of a 2-D model")
	scale, scaleSet := plot.ScaleAuto, false
	fs.Func("scale", "the density's colour scale: linear, log or auto", func(s string) (err error) {
		scale, err = plot.ParseScale(s)
		scaleSet = true
		return err
	})
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(files) != 1 {
		fmt.Fprintf(stderr, "noxc plot: want exactly one MODEL, got %d\n\n%s", len(files), plotHelp)
		return 2
	}
	if *n < 1 || *n > 10000000 {
		fmt.Fprintf(stderr, "noxc plot: -n must be from 1 to 10000000, got %d\n", *n)
		return 2
	}
	model := files[0]
	if *out == "" {
		*out = strings.TrimSuffix(filepath.Base(model), filepath.Ext(model)) + "_samples.png"
	}
	if ext := strings.ToLower(filepath.Ext(*out)); ext != ".png" && ext != ".svg" {
		fmt.Fprintf(stderr, "noxc plot: -o %s: the supported formats are .png and .svg\n", *out)
		return 2
	}
	m, err := nox.Load(model)
	if err != nil {
		fmt.Fprintf(stderr, "noxc plot: %v\n", err)
		return 1
	}
	if m.ContextDim() > 0 {
		fmt.Fprintf(stderr, "noxc plot: %s is conditioned on %s; plot draws unconditional models only\n", model, plural(m.ContextDim(), "context column"))
		return 1
	}
	if scaleSet && !*density {
		fmt.Fprintf(stderr, "noxc plot: -scale modifies -density; give both\n")
		return 2
	}
	if *density && m.Dim() != 2 {
		fmt.Fprintf(stderr, "noxc plot: -density needs a 2-D model; %s has %s\n", model, plural(m.Dim(), "dimension"))
		return 2
	}
	var data []float64
	if *dataPath != "" {
		t, err := readTable(*dataPath)
		if err != nil {
			fmt.Fprintf(stderr, "noxc plot: %v\n", err)
			return 1
		}
		x, _, err := pickColumns(m, t, *dataPath, nil, nil)
		if err != nil {
			fmt.Fprintf(stderr, "noxc plot: %v\n", err)
			return 1
		}
		data = x.RawMatrix().Data
	}
	names, _ := m.Columns()
	x, err := m.Sample(*n, *seed, nil)
	if err != nil {
		fmt.Fprintf(stderr, "noxc plot: %v\n", err)
		return 1
	}
	samples := x.RawMatrix().Data
	title := filepath.Base(model) + ": " + plot.Title("samples", m.Name())
	if data != nil {
		err = plot.Samples(*out, data, samples, m.Dim(), title, names...)
	} else {
		err = plot.SamplesOnly(*out, samples, m.Dim(), title, names...)
	}
	if err != nil {
		fmt.Fprintf(stderr, "noxc plot: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "plot %s: %s drawn to %s\n", m.Name(), plural(*n, "sample"), *out)
	if !*density {
		return 0
	}
	dpath := densityPath(*out)
	lo, hi := densityBox(data, samples)
	logp := func(xy []float64, n int, out []float64) {
		if err := m.LogProb(out, mat.NewDense(n, 2, xy), nil); err != nil {
			for i := range out {
				out[i] = math.NaN()
			}
		}
	}
	if err := plot.Density(dpath, logp, lo, hi, data, filepath.Base(model)+": "+plot.Title("density", m.Name()), scale, names...); err != nil {
		fmt.Fprintf(stderr, "noxc plot: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "plot %s: density drawn to %s\n", m.Name(), dpath)
	return 0
}

// readTable reads the CSV file at path, which must have a data row.
func readTable(path string) (*dataset.Table, error) {
	t, err := readCSV(path)
	if err != nil {
		return nil, err
	}
	if t.Rows == 0 {
		return nil, fmt.Errorf("%s: no data rows", path)
	}
	return t, nil
}

// readCSV reads the CSV file at path, a regular file only.
func readCSV(path string) (*dataset.Table, error) {
	f, err := dataset.OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := dataset.ReadCSV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// densityPath is where the density picture of out goes: "_samples" in
// its name becomes "_density", or "_density" is added.
func densityPath(out string) string {
	ext := filepath.Ext(out)
	base := strings.TrimSuffix(out, ext)
	if b, ok := strings.CutSuffix(base, "_samples"); ok {
		return b + "_density" + ext
	}
	return base + "_density" + ext
}

// densityBox is the rectangle of a density plot: the data's range (or, with
// no data, the samples' between their 0.5% and 99.5% quantiles), padded
// by a tenth on each side.
func densityBox(data, samples []float64) (lo, hi [2]float64) {
	for j := range 2 {
		var col []float64
		src := data
		if src == nil {
			src = samples
		}
		for i := j; i < len(src); i += 2 {
			if v := src[i]; !math.IsNaN(v) && !math.IsInf(v, 0) {
				col = append(col, v)
			}
		}
		a, b := 0.0, 1.0
		if len(col) > 0 {
			slices.Sort(col)
			if data != nil {
				a, b = col[0], col[len(col)-1]
			} else {
				a, b = col[len(col)/200], col[len(col)-1-len(col)/200]
			}
		}
		w := b - a
		if w <= 0 {
			w = max(math.Abs(a), 1)
		}
		lo[j], hi[j] = a-0.1*w, b+0.1*w
	}
	return lo, hi
}
