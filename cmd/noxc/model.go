package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/internal/atomicfile"
	"github.com/noxlang/nox/internal/spell"
	"github.com/noxlang/nox/train"
)

// sampleCmd draws from a saved model.
func sampleCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("sample", stderr)
	n := fs.Int("n", 1000, "number of draws")
	seed := fs.Uint64("seed", 0, "seed of the draws")
	given := fs.String("given", "", "context values, comma-separated")
	out := fs.String("o", "", "output file")
	var pf policyFlags
	pf.defineMemory(fs)
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
	if *out != "" { // before any draw: a directory or a missing one
		if err := atomicfile.Writable(*out); err != nil {
			fmt.Fprintf(stderr, "noxc sample: -o %s: %v\n", *out, err)
			return 1
		}
	}
	pf.setMemoryLimit()
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
	// The draws are written a chunk at a time: any -n runs in bounded
	// memory.
	if *out == "" {
		err = m.SampleTo(stdout, false, *n, *seed, c)
	} else {
		err = atomicfile.Write(*out, func(w io.Writer) error { return m.SampleTo(w, dataset.IsNPY(*out), *n, *seed, c) })
	}
	if err != nil {
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
	columns := fs.String("columns", "", "the data columns by name, comma-separated")
	context := fs.String("context", "", "the context columns by name, comma-separated")
	var pf policyFlags
	pf.defineMemory(fs)
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(files) != 2 {
		fmt.Fprintf(stderr, "noxc eval: want MODEL and DATA, got %s\n\n%s", plural(len(files), "argument"), help["eval"])
		return 2
	}
	pf.setMemoryLimit()
	m, err := nox.Load(files[0])
	if err != nil {
		fmt.Fprintf(stderr, "noxc eval: %v\n", err)
		return 1
	}
	t, err := pf.readData(files[1])
	if err != nil {
		fmt.Fprintf(stderr, "noxc eval: %v\n", err)
		return 1
	}
	if t.Streamed() {
		ev, err := evalStreamed(m, t, files[1], *out, *columns != "" || *context != "")
		if err != nil {
			fmt.Fprintf(stderr, "noxc eval: %v\n", err)
			if errors.Is(err, errUsage) {
				return 2
			}
			return 1
		}
		printEval(stdout, ev, *jsonOut)
		return 0
	}
	x, c, err := pickColumns(m, t, files[1], splitNames(*columns), splitNames(*context))
	if err != nil {
		fmt.Fprintf(stderr, "noxc eval: %v\n", err)
		if errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	lp := make([]float64, t.Rows)
	if err := m.LogProb(lp, x, c); err != nil {
		fmt.Fprintf(stderr, "noxc eval: %v\n", err)
		return 1
	}
	sum := train.Summarize(lp)
	if *out != "" {
		if err := writeRows(*out, nil, nil, lp, 1); err != nil {
			fmt.Fprintf(stderr, "noxc eval: %v\n", err)
			return 1
		}
	}
	// As the root package's eval event: the mean over the rows inside the
	// support, and the count of the others.
	ev := nox.Event{Statement: "eval", Flow: m.Name(), N: len(lp), Outside: sum.Outside, Path: *out}
	if sum.Inside > 0 {
		ev.MeanNLL = &sum.MeanNLL
	}
	printEval(stdout, ev, *jsonOut)
	return 0
}

// printEval prints noxc eval's result, as JSON or as noxc run's line.
func printEval(stdout io.Writer, ev nox.Event, jsonOut bool) {
	if jsonOut {
		json.NewEncoder(stdout).Encode(ev)
	} else {
		printEvent(stdout, ev)
	}
}

// writeRows writes rows to path (see dataset.WriteFileHeader), or as CSV
// to w when path is empty, after a header line of the columns' names
// unless names is nil.
func writeRows(path string, w io.Writer, names []string, values []float64, cols int) error {
	if path == "" {
		return dataset.WriteCSVHeader(w, names, values, cols)
	}
	return dataset.WriteFileHeader(path, names, values, cols)
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

// splitNames splits a comma-separated list of column names; nil for "".
func splitNames(list string) []string {
	if strings.TrimSpace(list) == "" {
		return nil
	}
	var names []string
	for _, n := range strings.Split(list, ",") {
		names = append(names, strings.TrimSpace(n))
	}
	return names
}

// pickColumns returns the rows of t (read from path) that model m takes:
// its data columns x and its context columns c (nil for an unconditional
// model). When the columns' names are known — from cols and ctx (the
// -columns and -context flags), else from the model — and t has a header
// line, they are picked by name, in the model's order, from a file that
// may have more; otherwise t must hold exactly the data columns, then
// the context columns. A name t lacks is an error that names it and t's
// columns; cols or ctx of the wrong length, or given for a file without
// a header line, are usage errors (errUsage).
func pickColumns(m *nox.Model, t *dataset.Table, path string, cols, ctx []string) (x, c *mat.Dense, err error) {
	d, cd := m.Dim(), m.ContextDim()
	if cols != nil && len(cols) != d {
		return nil, nil, fmt.Errorf("%w: -columns names %d columns; the model has %d", errUsage, len(cols), d)
	}
	if ctx != nil && len(ctx) != cd {
		return nil, nil, fmt.Errorf("%w: -context names %d columns; the model is conditioned on %d", errUsage, len(ctx), cd)
	}
	given := cols != nil || ctx != nil
	md, mc := m.Columns()
	if cols == nil {
		cols = md
	}
	if ctx == nil && cd > 0 {
		ctx = mc
	}
	if t.Names == nil || cols == nil || (cd > 0 && ctx == nil) {
		switch {
		case given && t.Names == nil:
			return nil, nil, fmt.Errorf("%w: %s has no header line, so -columns and -context cannot pick its columns by name", errUsage, path)
		case given:
			return nil, nil, fmt.Errorf("%w: the model's context columns have no names; give them with -context", errUsage)
		}
		if t.Cols != d+cd {
			what := fmt.Sprintf("%d data columns", d)
			if cd > 0 {
				what += fmt.Sprintf(" then %d context columns", cd)
			}
			return nil, nil, fmt.Errorf("%s has %d columns; the model wants %s", path, t.Cols, what)
		}
		x = mat.DenseCopyOf(mat.NewDense(t.Rows, t.Cols, t.Values).Slice(0, t.Rows, 0, d))
		if cd > 0 {
			c = mat.DenseCopyOf(mat.NewDense(t.Rows, t.Cols, t.Values).Slice(0, t.Rows, d, d+cd))
		}
		return x, c, nil
	}
	pick := func(names []string) (*mat.Dense, error) {
		idx := make([]int, len(names))
		for k, name := range names {
			if idx[k] = slices.Index(t.Names, name); idx[k] < 0 {
				return nil, fmt.Errorf("%s has no column %q%s; its columns are %s", path, name, spell.DidYouMean(name, t.Names), strings.Join(t.Names, ", "))
			}
		}
		s := t.Select(idx)
		return mat.NewDense(s.Rows, s.Cols, s.Values), nil
	}
	if x, err = pick(cols); err != nil {
		return nil, nil, err
	}
	if cd > 0 {
		if c, err = pick(ctx); err != nil {
			return nil, nil, err
		}
	}
	return x, c, nil
}
