package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/train"
)

// sampleCmd draws from a saved model.
func sampleCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("sample", stderr)
	n := fs.Int("n", 1000, "number of draws")
	seed := fs.Uint64("seed", 0, "seed of the draws")
	given := fs.String("given", "", "context values, comma-separated")
	out := fs.String("o", "", "output file")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(files) != 1 {
		fmt.Fprintf(stderr, "noxc sample: want exactly one MODEL, got %d\n\n%s", len(files), help["sample"])
		return 2
	}
	if *n < 1 || *n > 100000000 {
		fmt.Fprintf(stderr, "noxc sample: -n must be from 1 to 100000000, got %d\n", *n)
		return 2
	}
	m, err := nox.Load(files[0])
	if err != nil {
		fmt.Fprintf(stderr, "noxc sample: %v\n", err)
		return 1
	}
	var c []float64
	if *given != "" {
		for _, f := range strings.Split(*given, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				fmt.Fprintf(stderr, "noxc sample: -given: %q is not a finite number\n", f)
				return 2
			}
			c = append(c, v)
		}
	}
	if len(c) != m.ContextDim() {
		if m.ContextDim() == 0 {
			fmt.Fprintf(stderr, "noxc sample: %s is not conditional; drop -given\n", files[0])
		} else {
			fmt.Fprintf(stderr, "noxc sample: %s is conditioned on %s; -given has %s\n", files[0], plural(m.ContextDim(), "context column"), plural(len(c), "value"))
		}
		return 2
	}
	x, err := m.Sample(*n, *seed, c)
	if err != nil {
		fmt.Fprintf(stderr, "noxc sample: %v\n", err)
		return 1
	}
	if err := writeRows(*out, stdout, x.RawMatrix().Data, m.Dim()); err != nil {
		fmt.Fprintf(stderr, "noxc sample: %v\n", err)
		return 1
	}
	return 0
}

// evalCmd scores a data file under a saved model.
func evalCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("eval", stderr)
	out := fs.String("o", "", "per-row log-likelihood file")
	jsonOut := fs.Bool("json", false, "print the result as JSON")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(files) != 2 {
		fmt.Fprintf(stderr, "noxc eval: want MODEL and DATA, got %s\n\n%s", plural(len(files), "argument"), help["eval"])
		return 2
	}
	m, err := nox.Load(files[0])
	if err != nil {
		fmt.Fprintf(stderr, "noxc eval: %v\n", err)
		return 1
	}
	f, err := os.Open(files[1])
	if err != nil {
		fmt.Fprintf(stderr, "noxc eval: %v\n", err)
		return 1
	}
	read := dataset.ReadCSV
	if dataset.IsNPY(files[1]) {
		read = dataset.ReadNPY
	}
	t, err := read(f)
	f.Close()
	if err != nil {
		fmt.Fprintf(stderr, "noxc eval: %s: %v\n", files[1], err)
		return 1
	}
	d, cd := m.Dim(), m.ContextDim()
	if t.Cols != d+cd {
		what := plural(d, "data column")
		if cd > 0 {
			what += " then " + plural(cd, "context column")
		}
		fmt.Fprintf(stderr, "noxc eval: %s has %s; the model wants %s\n", files[1], plural(t.Cols, "column"), what)
		return 1
	}
	x := mat.DenseCopyOf(mat.NewDense(t.Rows, t.Cols, t.Values).Slice(0, t.Rows, 0, d))
	var c *mat.Dense
	if cd > 0 {
		c = mat.DenseCopyOf(mat.NewDense(t.Rows, t.Cols, t.Values).Slice(0, t.Rows, d, d+cd))
	}
	lp := make([]float64, t.Rows)
	if err := m.LogProb(lp, x, c); err != nil {
		fmt.Fprintf(stderr, "noxc eval: %v\n", err)
		return 1
	}
	mean := train.NegMean(lp)
	if *out != "" {
		if err := writeRows(*out, nil, lp, 1); err != nil {
			fmt.Fprintf(stderr, "noxc eval: %v\n", err)
			return 1
		}
	}
	ev := nox.Event{Statement: "eval", Flow: m.Name(), N: len(lp), MeanNLL: &mean, Path: *out}
	if *jsonOut {
		json.NewEncoder(stdout).Encode(ev)
	} else {
		printEvent(stdout, ev)
	}
	return 0
}

// writeRows writes rows to path (see dataset.WriteFile), or as CSV to w
// when path is empty.
func writeRows(path string, w io.Writer, values []float64, cols int) error {
	if path == "" {
		return dataset.WriteCSV(w, values, cols)
	}
	return dataset.WriteFile(path, values, cols)
}

// versionString names the module version (or the VCS revision of a
// development build), the Go version and the model format.
func versionString() string {
	v, goVersion := "(devel)", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		} else {
			rev, dirty := "", false
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					rev = s.Value
				case "vcs.modified":
					dirty = s.Value == "true"
				}
			}
			if rev != "" {
				v = "devel " + rev[:min(12, len(rev))]
				if dirty {
					v += "+dirty"
				}
			}
		}
	}
	return fmt.Sprintf("noxc %s %s, model format %d", v, goVersion, nox.FormatVersion)
}
