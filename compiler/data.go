package compiler

import (
	"fmt"
	"slices"
	"strings"

	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/lang"
)

// csv checks csv("file", columns = [...], context = [...]): it loads the
// file and selects its columns. Columns are named by header name (a
// string) or by 0-based index (an int). Without columns, every column that
// is not context is data.
func (c *checker) csv(call *lang.Call) value {
	bad := value{kind: kBad, pos: call.Pos, end: call.EndPos}
	usage := `csv takes the file name and optionally columns and context: csv("data.csv", columns = ["x", "y"], context = [2])`
	if !call.Parens || len(call.Args) == 0 || call.Args[0].Name != nil {
		c.errorf(call.Pos, call.EndPos, "%s", usage)
		return bad
	}
	p := c.expr(call.Args[0].Value)
	if p.kind == kBad {
		return bad
	}
	if p.kind != kStr {
		c.errorf(p.pos, p.end, "csv: the file name must be a string, got %s", p.describe())
		return bad
	}
	var colArg, ctxArg *value
	ok := true
	for _, a := range call.Args[1:] {
		if a.Name == nil {
			c.errorf(a.Pos, a.EndPos, "csv: only the file name is positional; name the other arguments (columns = [...], context = [...])")
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
				c.errorf(a.Name.Pos, a.Name.EndPos, "csv: argument %s given twice", a.Name.Name)
				ok = false
				continue
			}
			*dst = &v
		default:
			c.errorf(a.Name.Pos, a.Name.EndPos, "csv has no argument %s%s; it takes columns and context",
				a.Name.Name, didYouMean(a.Name.Name, []string{"columns", "context"}))
			ok = false
		}
	}
	if !ok {
		return bad
	}
	d := &Data{Path: p.str, Pos: call.Pos}
	if c.load == nil {
		c.errorf(call.Pos, call.EndPos, "csv: no data loader (reading files is disabled here)")
		return bad
	}
	t, err := c.load(p.str)
	if err != nil {
		c.errorf(p.pos, p.end, "csv(%q): %v", p.str, err)
		return bad
	}
	var cols, ctx []int
	if colArg != nil {
		if cols, ok = c.columns(t, "columns", *colArg); !ok {
			return bad
		}
	}
	if ctxArg != nil {
		if ctx, ok = c.columns(t, "context", *ctxArg); !ok {
			return bad
		}
	}
	for _, j := range ctx {
		if slices.Contains(cols, j) {
			c.errorf(ctxArg.pos, ctxArg.end, "csv: column %s is both data and context", colName(t, j))
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
			c.errorf(ctxArg.pos, ctxArg.end, "csv: every column of %q is context; no data columns are left", p.str)
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

// columns resolves a list of column names or indices (or one of them).
func (c *checker) columns(t *dataset.Table, arg string, v value) ([]int, bool) {
	items := []value{v}
	if v.kind == kList {
		items = v.list
	}
	if v.kind == kBad {
		return nil, false
	}
	if len(items) == 0 {
		c.errorf(v.pos, v.end, "csv argument %s: the list is empty", arg)
		return nil, false
	}
	var out []int
	for _, it := range items {
		j := -1
		switch {
		case it.kind == kStr:
			j = slices.Index(t.Names, it.str)
			if j < 0 {
				if t.Names == nil {
					c.errorf(it.pos, it.end, "csv argument %s: the file has no header line, so columns have no names; use 0-based indices", arg)
				} else {
					c.errorf(it.pos, it.end, "csv argument %s: no column %q%s (columns: %s)", arg, it.str, didYouMean(it.str, t.Names), strings.Join(t.Names, ", "))
				}
				return nil, false
			}
		case it.kind == kNum && it.isInt:
			if it.num < 0 || it.num >= float64(t.Cols) {
				c.errorf(it.pos, it.end, "csv argument %s: column index %s out of range; the file has %d columns (0 to %d)", arg, it, t.Cols, t.Cols-1)
				return nil, false
			}
			j = int(it.num)
		default:
			c.errorf(it.pos, it.end, "csv argument %s: a column is a header name (string) or a 0-based index (int), got %s %s", arg, it.describe(), it)
			return nil, false
		}
		if slices.Contains(out, j) {
			c.errorf(it.pos, it.end, "csv argument %s: column %s listed twice", arg, colName(t, j))
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
