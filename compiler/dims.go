package compiler

import (
	"strings"

	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/stdlib"
)

// fixDim sets a flow's dimension and checks every stage's dimension rule.
// A Split narrows the dimensions the stages after it see; the prior sees
// them all again. pos is where the dimension is fixed, and where, if not
// empty, ends each message in parentheses ("flow f is trained at
// model.nox:3:1").
func (c *checker) fixDim(f *Flow, dim int, pos lang.Pos, where string) bool {
	if where != "" {
		where = " (" + where + ")"
	}
	ok := true
	cur := dim
	for _, s := range f.Stages {
		if s.Spec.Kind == stdlib.Prior {
			cur = dim
		}
		if cur < s.Spec.MinDim {
			what := "data with"
			if cur != dim {
				what = "input of"
			}
			c.errorf(s.Pos, s.End, "%s needs %s at least %s, got %d%s", s.Spec.Name, what, plural(s.Spec.MinDim, "dimension"), cur, where)
			ok = false
			continue
		}
		if s.Spec.Kind == stdlib.Split {
			keep := s.Args.Int("keep")
			if keep >= cur {
				c.errorf(s.Pos, s.End, "Split(%d) must keep fewer than the %s it receives%s", keep, plural(cur, "dimension"), where)
				ok = false
				continue
			}
			cur = keep
		}
	}
	if ok && f.Dim == 0 {
		f.Dim, f.DimPos = dim, pos
	}
	return ok
}

// fixContext checks that a flow given data with cd context columns can
// use them, and that every train statement of a flow agrees on them. The
// data is subject ("train: d"), written at [pos, end), in a statement at
// stmt.
func (c *checker) fixContext(f *Flow, cd int, subject string, pos, end, stmt lang.Pos) bool {
	if f.Dim != 0 && f.DimPos != stmt && f.ContextDim != cd {
		c.errorf(pos, end, "%s has %s, but flow %s is conditioned on %d (fixed by the train statement at %s)",
			subject, plural(cd, "context column"), f.Name, f.ContextDim, short(f.DimPos))
		return false
	}
	if cd > 0 && !usesContext(f) {
		var names []string
		for _, n := range stdlib.Names() {
			if stdlib.Lookup(n).Context {
				names = append(names, n)
			}
		}
		c.errorf(pos, end, "%s has %s, but no layer of flow %s can use a context (layers that can: %s)",
			subject, plural(cd, "context column"), f.Name, strings.Join(names, ", "))
		return false
	}
	f.ContextDim = cd
	return true
}

func usesContext(f *Flow) bool {
	for _, s := range f.Stages {
		if s.Spec.Context {
			return true
		}
	}
	return false
}
