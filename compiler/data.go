package compiler

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/internal/escape"
	"github.com/noxlang/nox/internal/spell"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/stdlib"
)

// fileParams are the parameters of csv and npy, whose columns are named
// by cols (Columns or Indices).
func fileParams(cols stdlib.Type) []stdlib.Param {
	return []stdlib.Param{
		{Name: "path", Type: stdlib.String, Required: true, PositionalOnly: true,
			Doc: "the file name, relative to the .nox file"},
		{Name: "columns", Type: cols, KeywordOnly: true, DefaultDoc: "every column not in context",
			Doc: "the data columns, in this order"},
		{Name: "context", Type: cols, KeywordOnly: true, DefaultDoc: "none",
			Doc: "the context columns of conditional density estimation"},
		anglesParam(cols, "none"),
	}
}

// anglesParam is the angles option of csv, npy and toy: data columns
// that are angles in radians, in [-π, π).
func anglesParam(cols stdlib.Type, def string) stdlib.Param {
	return stdlib.Param{Name: "angles", Type: cols, KeywordOnly: true, DefaultDoc: def,
		Doc: "data columns that are angles in radians, each value in [-pi, pi): a flow over them must keep them " +
			"on the circle (CircularSpline, CircularSplineCoupling, Reverse, Permute) and its prior is uniform in them"}
}

// naChoices are the values of csv's na: a missing value is an error, or
// its row is dropped.
var naChoices = []string{"error", "drop"}

var (
	// csvSig is csv("file", columns = [...], context = [...], sep = ",",
	// na = "error"): columns are named by header name (a string) or by
	// 0-based index (an int); sep is the separator (detected when absent)
	// and na what a missing value in a selected column does.
	csvSig = &signature{name: "csv", params: append(fileParams(stdlib.Columns),
		stdlib.Param{Name: "sep", Type: stdlib.Choice, Choices: dataset.Seps, KeywordOnly: true, DefaultDoc: "detected",
			Doc: "the separator; by default the one that splits the first lines consistently"},
		stdlib.Param{Name: "na", Type: stdlib.Choice, Choices: naChoices, Default: []float64{0}, KeywordOnly: true,
			Doc: "what a missing value (empty, NA, NaN, …) in a selected column does: \"error\" reports it, \"drop\" drops its row"}),
		example: `csv("data.csv", columns = ["x", "y"], context = [2])`}
	// npySig is npy("file.npy", columns = [...], context = [...]): csv's
	// rules for a NumPy array, whose columns have no names.
	npySig = &signature{name: "npy", params: fileParams(stdlib.Indices),
		example: `npy("data.npy", columns = [0, 1], context = [2])`}
	// toySig is toy("moons", n = 20000, noise = 0.1, seed = 0). noise
	// has no default here: absent, it is the set's own (dataset.Toy with
	// a negative noise).
	toySig = &signature{name: "toy", params: []stdlib.Param{
		{Name: "set", Type: stdlib.Choice, Choices: dataset.ToyNames, Required: true, PositionalOnly: true,
			Doc: "the name of the toy data set"},
		{Name: "n", Type: stdlib.Int, Default: []float64{20000}, Min: 1, Max: dataset.MaxToyRows, KeywordOnly: true,
			Doc: "the number of rows"},
		{Name: "noise", Type: stdlib.Float, Min: 0, Max: dataset.MaxToyNoise, KeywordOnly: true, DefaultDoc: "the set's",
			Doc: "the scale of the set's noise"},
		{Name: "seed", Type: stdlib.Int, Default: []float64{0}, Min: 0, Max: 1 << 53, KeywordOnly: true,
			Doc: "seeds the rows"},
		{Name: "angles", Type: stdlib.Bool, KeywordOnly: true, DefaultDoc: "the set's",
			Doc: "whether the set's angle columns (torus: both) are angles, kept on the circle (CircularSpline), " +
				"or plain numbers (false: to compare with a flow that ignores the periodicity)"},
	}, example: `toy("moons", n = 20000, noise = 0.1, seed = 0)`}
)

// data checks a call of the builtin fn ("csv", "npy" or "toy"), which
// makes a data set.
func (c *checker) data(fn string, call *lang.Call) value {
	var d *Data
	if fn == "toy" {
		d = c.toy(call)
	} else {
		d = c.file(fn, call)
	}
	if d == nil {
		return value{kind: kBad, pos: call.Pos, end: call.EndPos}
	}
	c.prog.Data = append(c.prog.Data, d)
	return value{kind: kData, data: d, pos: call.Pos, end: call.EndPos}
}

// file checks a call of csv or npy: it loads the file and selects its
// columns. Without columns, every column that is not context is data. The
// loader picks the format by the file name (a name ending in .npy is
// NumPy's), so each builtin requires its own kind of name.
func (c *checker) file(fn string, call *lang.Call) *Data {
	sig := csvSig
	if fn == "npy" {
		sig = npySig
	}
	args, ok := c.bind(sig, callArgs(call), call.Pos, call.EndPos)
	path, has := args["path"]
	if !has {
		return nil
	}
	p := path.val
	switch isNPY := dataset.IsNPY(p.str); {
	case fn == "csv" && isNPY:
		c.errorf(p.pos, p.end, "csv: %s is a NumPy file; read it with npy(%s)", quotePath(p.str), quotePath(p.str))
		return nil
	case fn == "npy" && !isNPY:
		c.errorf(p.pos, p.end, "npy: the file name must end in .npy, got %s (read CSV files with csv)", quotePath(p.str))
		return nil
	case !ok:
		return nil
	case c.load == nil:
		c.errorf(call.Pos, call.EndPos, "%s: no data loader (reading files is disabled here)", fn)
		return nil
	}
	t, err := c.load(p.str)
	if err != nil {
		c.errorf(p.pos, p.end, "%s(%s): %v", fn, quotePath(p.str), err)
		return nil
	}
	// A CSV file's text is scanned for its separator and header now, and
	// its selected columns read as numbers once they are known.
	var f *dataset.CSV
	names, width := t.Names, t.Cols
	if t.Text != nil {
		sep := rune(0)
		if a, has := args["sep"]; has {
			sep = []rune(a.str)[0]
		}
		if f, err = dataset.ScanCSV(t.Text, sep); err != nil {
			c.errorf(p.pos, p.end, "%s(%s): %v", fn, quotePath(p.str), err)
			return nil
		}
		names, width = f.Names, f.Cols
	}
	var cols, ctx []int
	colArg, hasCols := args["columns"]
	ctxArg, hasCtx := args["context"]
	if hasCols {
		if cols, ok = c.columns(names, width, fn, "columns", colArg.val); !ok {
			return nil
		}
	}
	if hasCtx {
		if ctx, ok = c.columns(names, width, fn, "context", ctxArg.val); !ok {
			return nil
		}
	}
	isCol, isCtx := map[int]bool{}, map[int]bool{}
	for _, j := range cols {
		isCol[j] = true
	}
	for _, j := range ctx {
		isCtx[j] = true
		if isCol[j] {
			c.errorf(ctxArg.val.pos, ctxArg.val.end, "%s: column %s is both data and context", fn, colName(names, j))
			return nil
		}
	}
	if cols == nil {
		for j := range width {
			if !isCtx[j] {
				cols = append(cols, j)
			}
		}
		if len(cols) == 0 {
			c.errorf(ctxArg.val.pos, ctxArg.val.end, "%s: every column of %s is context; no data columns are left", fn, quotePath(p.str))
			return nil
		}
	}
	d := &Data{Path: p.str, Pos: call.Pos, Table: t}
	angArg, hasAng := args["angles"]
	if hasAng {
		if d.Angles, ok = c.angleColumns(names, width, fn, angArg.val, cols); !ok {
			return nil
		}
	}
	if f != nil {
		if !c.readCSV(d, f, args, cols, ctx) {
			return nil
		}
	} else {
		if hasCols || hasCtx {
			d.Table = t.Select(cols)
		}
		if len(ctx) > 0 {
			d.Context = t.Select(ctx)
		}
	}
	if !c.checkAngleValues(d, fn, p, angArg.val) {
		return nil
	}
	return d
}

// angleColumns resolves csv's (or npy's) angles argument v: file columns
// that must be data columns (cols); it returns their places among the
// data columns, ascending.
func (c *checker) angleColumns(names []string, width int, fn string, v value, cols []int) ([]int, bool) {
	ang, ok := c.columns(names, width, fn, "angles", v)
	if !ok {
		return nil, false
	}
	var out []int
	for _, j := range ang {
		k := slices.Index(cols, j)
		if k < 0 {
			c.errorf(v.pos, v.end, "%s argument angles: column %s is not a data column; angles name data columns", fn, colName(names, j))
			return nil, false
		}
		out = append(out, k)
	}
	slices.Sort(out)
	return out, true
}

// checkAngleValues checks that every value of d's angle columns is an
// angle in [-π, π), reporting the first that is not (row and column)
// at the argument v that declared them.
func (c *checker) checkAngleValues(d *Data, fn string, p, v value) bool {
	t := d.Table
	if len(d.Angles) == 0 {
		return true
	}
	ok := true
	err := eachRow(t, func(i int, row []float64) bool {
		for _, a := range d.Angles {
			x := row[a]
			if x >= -math.Pi && x < math.Pi {
				continue
			}
			col := fmt.Sprint(a)
			if t.Names != nil {
				col = dataset.Quote(t.Names[a])
			}
			what := fn + "(" + quotePath(p.str) + ")"
			if fn == "toy" {
				what = "toy"
			}
			c.errorf(v.pos, v.end, "%s: data row %d, column %s: %v is not an angle in [-pi, pi) (radians; wrap it, e.g. atan2(sin x, cos x))", what, i+1, col, x)
			ok = false
			return false
		}
		return true
	})
	if err != nil {
		c.errorf(p.pos, p.end, "%s(%s): %v", fn, quotePath(p.str), err)
		return false
	}
	return ok
}

// eachRow calls fn with each row of t (0-based i) until it returns
// false: from Values, or, for a table streamed from a file
// (dataset.Table.Src), in one sequential pass in bounded memory.
func eachRow(t *dataset.Table, fn func(i int, row []float64) bool) error {
	if t.Src == nil {
		for i := range t.Rows {
			if !fn(i, t.Row(i)) {
				return nil
			}
		}
		return nil
	}
	errStop := errors.New("stop")
	err := dataset.Each(t.Src, func(lo int, rows []float64) error {
		for k := range len(rows) / t.Cols {
			if !fn(lo+k, rows[k*t.Cols:(k+1)*t.Cols]) {
				return errStop
			}
		}
		return nil
	})
	if err == errStop {
		return nil
	}
	return err
}

// readCSV reads the columns cols and ctx of the CSV file f, which csv's
// arguments args named, as numbers into d: its Table and Context, and
// the number of rows csv's na dropped. d.Table is the file as loaded
// (its Text) until then.
func (c *checker) readCSV(d *Data, f *dataset.CSV, args bound, cols, ctx []int) bool {
	p := args["path"].val
	all, dropped, err := f.Numbers(slices.Concat(cols, ctx), args["na"].str == "drop")
	if err != nil {
		var de *dataset.Error
		sep, hasSep := args["sep"]
		detected := string(dataset.DetectSep(d.Table.Text))
		switch {
		case errors.As(err, &de) && de.Missing:
			c.errorf(p.pos, p.end, "csv(%s): %v; na = \"drop\" drops the rows with missing values", quotePath(p.str), err)
		case hasSep && errors.As(err, &de) && de.Col > 0 && detected != sep.str:
			// A separator given that does not split the file.
			c.errorf(p.pos, p.end, "csv(%s): %v (is the file separated by %q? sep = %q was given)", quotePath(p.str), err, detected, sep.str)
		default:
			c.errorf(p.pos, p.end, "csv(%s): %v", quotePath(p.str), err)
		}
		return false
	}
	d.Table, d.Dropped = all, dropped
	if len(ctx) > 0 {
		d.Table, d.Context = all.Select(seq(0, len(cols))), all.Select(seq(len(cols), all.Cols))
	}
	return true
}

// quotePath quotes a file name from the program for a message, as Go
// quotes strings; a name longer than any file system allows (a string
// may be 64 KiB) is cut short (escape.Excerpt), so it cannot flood the
// message.
func quotePath(path string) string {
	if len(path) > 256 {
		return escape.Excerpt(path, 80)
	}
	return strconv.Quote(path)
}

// seq returns the ints from lo up to hi.
func seq(lo, hi int) []int {
	out := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

// columns resolves the columns the binder accepted for argument arg of fn
// (a list of header names and 0-based indices, or one) in a file of width
// columns named names (nil: no header).
func (c *checker) columns(names []string, width int, fn, arg string, v value) ([]int, bool) {
	items := []value{v}
	if v.kind == kList {
		items = v.list
	}
	var out []int
	seen := map[int]bool{}
	var index map[string][]int // where each header name is, made at the first name
	for _, it := range items {
		j := int(it.num)
		switch {
		case it.kind == kStr && names == nil:
			c.errorf(it.pos, it.end, "%s argument %s: the file has no header line, so columns have no names; use 0-based indices", fn, arg)
			return nil, false
		case it.kind == kStr:
			if index == nil {
				index = nameIndex(names)
			}
			at := index[it.str]
			if len(at) > 1 {
				c.errorf(it.pos, it.end, "%s argument %s: column %s appears %d times in the header, at 0-based indices %s; select the one you mean by index", fn, arg, dataset.Quote(it.str), len(at), indexList(at))
				return nil, false
			}
			if j = -1; len(at) == 1 {
				j = at[0]
			}
			if j < 0 {
				plain := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return !isPlain(n) })
				c.errorf(it.pos, it.end, "%s argument %s: no column %s%s (columns: %s)", fn, arg, dataset.Quote(it.str), spell.DidYouMean(it.str, plain), nameList(names))
				return nil, false
			}
		case it.num < 0 || it.num >= float64(width):
			c.errorf(it.pos, it.end, "%s argument %s: column index %s out of range; the file has %s (0 to %d)", fn, arg, it, plural(width, "column"), width-1)
			return nil, false
		}
		if seen[j] {
			c.errorf(it.pos, it.end, "%s argument %s: column %s listed twice", fn, arg, colName(names, j))
			return nil, false
		}
		seen[j] = true
		out = append(out, j)
	}
	return out, true
}

// nameIndex maps each header name to the 0-based indices where it
// appears: one pass over a header that may have 100,000 names, rather
// than one per selected column.
func nameIndex(names []string) map[string][]int {
	index := make(map[string][]int, len(names))
	for k, n := range names {
		index[n] = append(index[n], k)
	}
	return index
}

// indexList lists column indices for a message: "0 and 2", "0, 1 and 2",
// and the first three of more: "0, 1, 2 and 99998 more" (a header may
// repeat a name thousands of times).
func indexList(at []int) string {
	var parts []string
	for _, k := range at[:min(len(at), 3)] {
		parts = append(parts, strconv.Itoa(k))
	}
	last := parts[len(parts)-1]
	if len(at) > 3 {
		last = fmt.Sprintf("%d more", len(at)-3)
	} else {
		parts = parts[:len(parts)-1]
	}
	return strings.Join(parts, ", ") + " and " + last
}

// nameList lists header names for a message: plain names as they are,
// others quoted (escaped and clipped), at most 20 of them.
func nameList(names []string) string {
	var parts []string
	for i, n := range names {
		if i == 20 {
			parts = append(parts, fmt.Sprintf("… %d more", len(names)-i))
			break
		}
		if isPlain(n) {
			parts = append(parts, n)
		} else {
			parts = append(parts, dataset.Quote(n))
		}
	}
	return strings.Join(parts, ", ")
}

// isPlain reports whether a header name can be shown unquoted: not empty,
// at most 40 bytes, printable, without commas or spaces.
func isPlain(n string) bool {
	return n != "" && len(n) <= 40 && strconv.Quote(n) == `"`+n+`"` && !strings.ContainsAny(n, ", ")
}

func colName(names []string, j int) string {
	if names != nil {
		return dataset.Quote(names[j])
	}
	return fmt.Sprint(j)
}

// toy checks toy("moons", n = 20000, noise = 0.1, seed = 0) and generates
// the data set.
func (c *checker) toy(call *lang.Call) *Data {
	args, ok := c.bind(toySig, callArgs(call), call.Pos, call.EndPos)
	if !ok {
		return nil
	}
	set := args["set"].str
	noise := -1.0
	if a, has := args["noise"]; has {
		if _, has := dataset.ToyDefaultNoise(set); !has {
			c.errorf(a.pos, a.end, "toy: %s has no noise parameter", set)
			return nil
		}
		noise = a.nums[0]
	}
	t, err := dataset.Toy(set, args.int("n"), noise, uint64(args.num("seed")))
	if err != nil {
		c.errorf(call.Pos, call.EndPos, "toy: %v", err)
		return nil
	}
	// Path names no file here; it is what :type shows ("from toy(moons)").
	d := &Data{Path: "toy(" + set + ")", Pos: call.Pos, Table: t, Angles: dataset.ToyAngles(set)}
	if a, has := args["angles"]; has {
		if a.nums[0] != 0 && d.Angles == nil {
			c.errorf(a.pos, a.end, "toy: %s has no angle columns (the sets with some: torus)", set)
			return nil
		}
		if a.nums[0] == 0 {
			d.Angles = nil
		}
	}
	return d
}
