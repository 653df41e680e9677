package compiler

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/stdlib"
)

// kind is the type of an expression's value.
type kind int

const (
	kBad kind = iota // an expression that already produced an error
	kNum
	kStr
	kBool
	kList
	kFlow
	kData
	kFunc
	kTarget
)

func (k kind) String() string {
	return [...]string{"invalid", "number", "string", "bool", "list", "flow", "data", "function", "density"}[k]
}

// value is the checker's evaluation of an expression.
type value struct {
	kind     kind
	num      float64
	isInt    bool
	str      string
	list     []value
	stages   []FlowStage
	data     *Data
	saved    *Saved // a flow read by load(...)
	fn       *function
	target   *Target
	pos, end lang.Pos
}

// function is a def: its syntax and its parameters' default values,
// evaluated where the def stands.
type function struct {
	def        *lang.Def
	defaults   []value
	hasDefault []bool
	// params describe the parameters to the binder: any type, required
	// unless they have a default.
	params []stdlib.Param
}

// signature renders a def's call form: "block(h, p = 0.1)".
func (f *function) signature() string {
	var ps []string
	for i, p := range f.def.Params {
		s := p.Name.Name
		if f.hasDefault[i] {
			s += " = " + f.defaults[i].String()
		}
		ps = append(ps, s)
	}
	return f.def.Name.Name + "(" + strings.Join(ps, ", ") + ")"
}

// describe names a value's type for messages: "int", "float", "flow", ...
func (v value) describe() string {
	switch v.kind {
	case kNum:
		if v.isInt {
			return "int"
		}
		return "float"
	case kData:
		return "data set"
	case kFlow:
		if n := len(v.stages); n > 0 && v.stages[n-1].Spec.Kind.String() == "prior" {
			return "flow"
		}
		return "flow stage"
	}
	return v.kind.String()
}

// described is describe followed by the value of a literal, for messages
// that say what was given: "int 3", "string \"x\"", "flow stage".
func (v value) described() string {
	switch v.kind {
	case kNum, kStr, kBool:
		return v.describe() + " " + v.String()
	}
	return v.describe()
}

// summary describes a bound value in a line, for :type in the REPL.
func (v value) summary() string {
	switch v.kind {
	case kFlow:
		// A long flow shows its first and last stages: the summary of
		// 10⁵ stages is a line, not megabytes.
		const most = 24
		var parts []string
		for i, s := range v.stages {
			if n := len(v.stages); n > most && i == most/2 {
				parts = append(parts, fmt.Sprintf("… %d more stages …", n-most))
			}
			if n := len(v.stages); n > most && i >= most/2 && i < n-most/2 {
				continue
			}
			parts = append(parts, s.Stage.Format())
		}
		return v.describe() + ": " + strings.Join(parts, " |> ")
	case kData:
		t := v.data.Table
		s := fmt.Sprintf("data set: %s × %s, from %q", plural(t.Rows, "row"), plural(t.Cols, "column"), v.data.Path)
		switch n := v.data.Dropped; {
		case n == 1:
			s += " (1 row with missing values dropped)"
		case n > 1:
			s += fmt.Sprintf(" (%d rows with missing values dropped)", n)
		}
		return s
	case kList:
		var parts []string
		for _, x := range v.list {
			parts = append(parts, x.String())
		}
		return "list: [" + strings.Join(parts, ", ") + "]"
	}
	return v.describe() + ": " + v.String()
}

func (v value) String() string {
	switch v.kind {
	case kNum:
		if v.isInt {
			return strconv.FormatFloat(v.num, 'f', -1, 64) // 20000000, not 2e+07
		}
		return fmt.Sprint(v.num)
	case kStr:
		return fmt.Sprintf("%q", v.str)
	case kBool:
		return fmt.Sprint(v.num != 0)
	}
	return v.describe()
}
