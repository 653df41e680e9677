package compiler

import (
	"fmt"

	"github.com/noxlang/nox/lang"
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
)

func (k kind) String() string {
	return [...]string{"invalid", "number", "string", "bool", "list", "flow", "data"}[k]
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
	pos, end lang.Pos
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

func (v value) String() string {
	switch v.kind {
	case kNum:
		return fmt.Sprint(v.num)
	case kStr:
		return fmt.Sprintf("%q", v.str)
	case kBool:
		return fmt.Sprint(v.num != 0)
	}
	return v.describe()
}
