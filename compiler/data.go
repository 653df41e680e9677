package compiler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/internal/spell"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/stdlib"
)

// csv checks csv("file", columns = [...], context = [...]): it loads the
// file and selects its columns. Columns are named by header name (a
// string) or by 0-based index (an int). Without columns, every column that
// is not context is data.
func (c *checker) csv(call *lang.Call) value { return c.file(call, "csv") }

// npy checks npy("file.npy", columns = [...], context = [...]): csv's
// rules for a NumPy array, whose columns have no names.
func (c *checker) npy(call *lang.Call) value { return c.file(call, "npy") }

// file checks a call of the builtin fn ("csv" or "npy") that reads a table
// from a file. The loader picks the format by the file name (a name ending
// in .npy is NumPy's), so each builtin requires its own kind of name.
func (c *checker) file(call *lang.Call, fn string) value {
	bad := value{kind: kBad, pos: call.Pos, end: call.EndPos}
	usage := `csv takes the file name and optionally columns and context: csv("data.csv", columns = ["x", "y"], context = [2])`
	if fn == "npy" {
		usage = `npy takes the file name and optionally columns and context: npy("data.npy", columns = [0, 1], context = [2])`
	}
	if !call.Parens || len(call.Args) == 0 || call.Args[0].Name != nil {
		c.errorf(call.Pos, call.EndPos, "%s", usage)
		return bad
	}
	p := c.expr(call.Args[0].Value)
	if p.kind == kBad {
		return bad
	}
	if p.kind != kStr {
		c.errorf(p.pos, p.end, "%s: the file name must be a string, got %s", fn, p.describe())
		return bad
	}
	var colArg, ctxArg *value
	ok := true
	switch isNPY := dataset.IsNPY(p.str); {
	case fn == "csv" && isNPY:
		c.errorf(p.pos, p.end, "csv: %q is a NumPy file; read it with npy(%q)", p.str, p.str)
		ok = false
	case fn == "npy" && !isNPY:
		c.errorf(p.pos, p.end, "npy: the file name must end in .npy, got %q (read CSV files with csv)", p.str)
		ok = false
	}
	for _, a := range call.Args[1:] {
		if a.Name == nil {
			c.errorf(a.Pos, a.EndPos, "%s: only the file name is positional; name the other arguments (columns = [...], context = [...])", fn)
			ok = false
			continue
		}
		v := c.expr(a.Value)
		switch a.Name.Name {
		case "columns", "context":
			dst := &colArg
			if a.Name.Name == "context" {
				dst = &ctxArg
			}
			if *dst != nil {
				c.errorf(a.Name.Pos, a.Name.EndPos, "%s: argument %s given twice", fn, a.Name.Name)
				ok = false
				continue
			}
			*dst = &v
		default:
			c.errorf(a.Name.Pos, a.Name.EndPos, "%s has no argument %s%s; it takes columns and context",
				fn, a.Name.Name, spell.DidYouMean(a.Name.Name, []string{"columns", "context"}))
			ok = false
		}
	}
	if !ok {
		return bad
	}
	d := &Data{Path: p.str, Pos: call.Pos}
	if c.load == nil {
		c.errorf(call.Pos, call.EndPos, "%s: no data loader (reading files is disabled here)", fn)
		return bad
	}
	t, err := c.load(p.str)
	if err != nil {
		c.errorf(p.pos, p.end, "%s(%q): %v", fn, p.str, err)
		return bad
	}
	var cols, ctx []int
	if colArg != nil {
		if cols, ok = c.columns(t, fn, "columns", *colArg); !ok {
			return bad
		}
	}
	if ctxArg != nil {
		if ctx, ok = c.columns(t, fn, "context", *ctxArg); !ok {
			return bad
		}
	}
	for _, j := range ctx {
		if slices.Contains(cols, j) {
			c.errorf(ctxArg.pos, ctxArg.end, "%s: column %s is both data and context", fn, colName(t, j))
			return bad
		}
	}
	if cols == nil {
		for j := range t.Cols {
			if !slices.Contains(ctx, j) {
				cols = append(cols, j)
			}
		}
		if len(cols) == 0 {
			c.errorf(ctxArg.pos, ctxArg.end, "%s: every column of %q is context; no data columns are left", fn, p.str)
			return bad
		}
	}
	if colArg == nil && ctxArg == nil {
		d.Table = t
	} else {
		d.Table = t.Select(cols)
	}
	if len(ctx) > 0 {
		d.Context = t.Select(ctx)
	}
	c.prog.Data = append(c.prog.Data, d)
	return value{kind: kData, data: d, pos: call.Pos, end: call.EndPos}
}

// columns resolves a list of column names or indices (or one of them) for
// argument arg of the builtin fn.
func (c *checker) columns(t *dataset.Table, fn, arg string, v value) ([]int, bool) {
	items := []value{v}
	if v.kind == kList {
		items = v.list
	}
	if v.kind == kBad {
		return nil, false
	}
	if len(items) == 0 {
		c.errorf(v.pos, v.end, "%s argument %s: the list is empty", fn, arg)
		return nil, false
	}
	var out []int
	for _, it := range items {
		j := -1
		switch {
		case it.kind == kStr:
			j = slices.Index(t.Names, it.str)
			if j < 0 {
				switch {
				case fn == "npy":
					c.errorf(it.pos, it.end, "npy argument %s: the columns of a .npy file have no names; use 0-based indices", arg)
				case t.Names == nil:
					c.errorf(it.pos, it.end, "%s argument %s: the file has no header line, so columns have no names; use 0-based indices", fn, arg)
				default:
					c.errorf(it.pos, it.end, "%s argument %s: no column %q%s (columns: %s)", fn, arg, it.str, spell.DidYouMean(it.str, t.Names), strings.Join(t.Names, ", "))
				}
				return nil, false
			}
		case it.kind == kNum && it.isInt:
			if it.num < 0 || it.num >= float64(t.Cols) {
				c.errorf(it.pos, it.end, "%s argument %s: column index %s out of range; the file has %d columns (0 to %d)", fn, arg, it, t.Cols, t.Cols-1)
				return nil, false
			}
			j = int(it.num)
		default:
			what := "a header name (string) or a 0-based index (int)"
			if fn == "npy" {
				what = "a 0-based index (int)"
			}
			c.errorf(it.pos, it.end, "%s argument %s: a column is %s, got %s %s", fn, arg, what, it.describe(), it)
			return nil, false
		}
		if slices.Contains(out, j) {
			c.errorf(it.pos, it.end, "%s argument %s: column %s listed twice", fn, arg, colName(t, j))
			return nil, false
		}
		out = append(out, j)
	}
	return out, true
}

func colName(t *dataset.Table, j int) string {
	if t.Names != nil {
		return fmt.Sprintf("%q", t.Names[j])
	}
	return fmt.Sprint(j)
}

// toyParams are toy's arguments. noise has no default here: absent, it is
// the set's own (dataset.Toy with a negative noise).
var toyParams = []stdlib.Param{
	{Name: "name", Type: stdlib.Choice, Choices: dataset.ToyNames},
	{Name: "n", Type: stdlib.Int, Default: []float64{20000}, Min: 1, Max: dataset.MaxToyRows},
	{Name: "noise", Type: stdlib.Float, Min: 0, Max: dataset.MaxToyNoise},
	{Name: "seed", Type: stdlib.Int, Default: []float64{0}, Min: 0, Max: 1 << 53},
}

// toy checks toy("moons", n = 20000, noise = 0.1, seed = 0) and generates
// the data set.
func (c *checker) toy(call *lang.Call) value {
	bad := value{kind: kBad, pos: call.Pos, end: call.EndPos}
	usage := `toy takes the name of a toy data set and optionally n, noise and seed: toy("moons", n = 20000, noise = 0.1, seed = 0)`
	if !call.Parens || len(call.Args) == 0 || call.Args[0].Name != nil {
		c.errorf(call.Pos, call.EndPos, "%s", usage)
		return bad
	}
	name, ok := c.convert("toy: the data set", &toyParams[0], c.expr(call.Args[0].Value))
	given := map[string]float64{}
	var noiseArg *lang.Arg
	for _, a := range call.Args[1:] {
		if a.Name == nil {
			c.errorf(a.Pos, a.EndPos, "toy: only the set's name is positional; name the other arguments (n = 20000, noise = 0.1, seed = 0)")
			ok = false
			continue
		}
		v := c.expr(a.Value)
		i := slices.IndexFunc(toyParams[1:], func(p stdlib.Param) bool { return p.Name == a.Name.Name })
		if i < 0 {
			c.errorf(a.Name.Pos, a.Name.EndPos, "toy has no argument %s%s; it takes n, noise and seed",
				a.Name.Name, spell.DidYouMean(a.Name.Name, []string{"n", "noise", "seed"}))
			ok = false
			continue
		}
		p := &toyParams[1+i]
		if _, dup := given[p.Name]; dup {
			c.errorf(a.Name.Pos, a.Name.EndPos, "toy: argument %s given twice", p.Name)
			ok = false
			continue
		}
		x, good := c.convert("toy argument "+p.Name, p, v)
		if !good {
			ok = false
			continue
		}
		given[p.Name] = x[0]
		if p.Name == "noise" {
			noiseArg = a
		}
	}
	if !ok {
		return bad
	}
	set := dataset.ToyNames[int(name[0])]
	n, seed, noise := 20000.0, 0.0, -1.0
	if v, has := given["n"]; has {
		n = v
	}
	if v, has := given["seed"]; has {
		seed = v
	}
	if noiseArg != nil {
		if _, has := dataset.ToyDefaultNoise(set); !has {
			c.errorf(noiseArg.Pos, noiseArg.EndPos, "toy: %s has no noise parameter", set)
			return bad
		}
		noise = given["noise"]
	}
	t, err := dataset.Toy(set, int(n), noise, uint64(seed))
	if err != nil {
		c.errorf(call.Pos, call.EndPos, "toy: %v", err)
		return bad
	}
	// Path names no file here; it is what :type shows ("from toy(moons)").
	d := &Data{Path: "toy(" + set + ")", Pos: call.Pos, Table: t}
	c.prog.Data = append(c.prog.Data, d)
	return value{kind: kData, data: d, pos: call.Pos, end: call.EndPos}
}
