package compiler

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/noxlang/nox/internal/spell"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/stdlib"
)

// The binder. Every call of a layer, prior, builtin (csv, npy, toy,
// repeat) or def, and every statement's options block, is bound by one
// function, bind, against a table of stdlib.Param: the table says each
// parameter's type, range, choices and default, whether it is required,
// and whether it may be given by position or by name; bind reports every
// way the arguments miss it, at the argument, with what was expected,
// what was given and the signature. What remains to the callers is what
// no table can say (a file that must end in .npy, a prior inside repeat).

// A signature is what bind binds arguments against: a parameter table
// and how messages name it.
type signature struct {
	name   string // "MAF", "csv", "block", "train"
	params []stdlib.Param
	// text is the call form messages show; "" for stdlib.Signature's.
	text string
	// example is a call that the message for missing arguments shows.
	example string
	// options marks a statement's options block: its messages speak of
	// options and list them, and a Choice may be written as a bare word
	// (dtype = float32).
	options bool
}

func (s *signature) String() string {
	if s.text != "" {
		return s.text
	}
	return stdlib.Signature(s.name, s.params)
}

// what names a parameter in messages: "MAF argument hidden", "train
// option lr".
func (s *signature) what(p *stdlib.Param) string {
	if s.options {
		return s.name + " option " + p.Name
	}
	return s.name + " argument " + p.Name
}

// An argument is one argument of a call, or one setting of an options
// block, as written.
type argument struct {
	name     *lang.Ident // nil for a positional argument
	value    *lang.Expr
	pos, end lang.Pos
}

func callArgs(call *lang.Call) []argument {
	out := make([]argument, len(call.Args))
	for i, a := range call.Args {
		out[i] = argument{name: a.Name, value: a.Value, pos: a.Pos, end: a.EndPos}
	}
	return out
}

func optionArgs(o *lang.Options) []argument {
	if o == nil {
		return nil
	}
	out := make([]argument, len(o.List))
	for i, a := range o.List {
		out[i] = argument{name: a.Name, value: a.Value, pos: a.Pos, end: a.EndPos}
	}
	return out
}

// An arg is an argument bound to its parameter and converted to its type,
// or a parameter's default.
type arg struct {
	// val is the value as given (the positional values of a variadic
	// parameter, as a list); the zero value for a default.
	val value
	// nums holds the value of a number type: Int, Float, Bool (0 or 1) or
	// Choice (the choice's index); for a variadic parameter, the list.
	nums []float64
	// str is a String's value, or a Choice's choice.
	str string
	// pos and end span the argument as written (name = value); zero for
	// a default.
	pos, end lang.Pos
}

// bound holds the arguments bound to a signature, by parameter name: each
// parameter's argument, or its default. A parameter that has neither is
// absent.
type bound map[string]arg

func (b bound) num(name string) float64 { return b[name].nums[0] }

func (b bound) int(name string) int { return int(b[name].nums[0]) }

// defaultArg is the argument of p when it is not given.
func defaultArg(p *stdlib.Param) (arg, bool) {
	if p.Default == nil {
		return arg{}, false
	}
	a := arg{nums: p.Default}
	if p.Type == stdlib.Choice {
		a.str = p.Choices[int(p.Default[0])]
	}
	return a, true
}

// bind binds args, the arguments of a call spanning [pos, end) or the
// settings of an options block, to sig's parameters: positional arguments
// fill the parameters that are not keyword-only, in order (a variadic one
// takes all that remain); keyword arguments name theirs. Each argument
// that finds a parameter is evaluated, in source order, and converted to
// the parameter's type; an argument that finds none is reported and not
// evaluated. Absent parameters get their defaults. ok is false if any
// error was reported or any argument's value was already bad.
func (c *checker) bind(sig *signature, args []argument, pos, end lang.Pos) (bound, bool) {
	slot, ok := c.match(sig, args, pos, end)
	type given struct {
		a *argument
		v value
	}
	vals := make([][]given, len(sig.params))
	for i := range args {
		if j := slot[i]; j >= 0 {
			vals[j] = append(vals[j], given{&args[i], c.argValue(sig, &sig.params[j], &args[i])})
		}
	}
	b := bound{}
	for j := range sig.params {
		p := &sig.params[j]
		if len(vals[j]) == 0 {
			if a, has := defaultArg(p); has {
				b[p.Name] = a
			}
			continue
		}
		first := vals[j][0]
		v := first.v
		if p.Variadic && first.a.name == nil {
			// Positional values: a list of them, each of p's type.
			v = value{kind: kList, pos: v.pos, end: vals[j][len(vals[j])-1].v.end}
			for _, g := range vals[j] {
				v.list = append(v.list, g.v)
			}
		}
		a, good := c.convert(sig, p, v)
		if !good {
			ok = false
			continue
		}
		a.pos, a.end = first.a.pos, first.a.end
		b[p.Name] = a
	}
	return b, ok
}

// argValue evaluates an argument. In an options block, a bare word that
// is one of a Choice's values is that value, and so is one that names
// nothing (it is then reported as a wrong choice, not as undefined).
func (c *checker) argValue(sig *signature, p *stdlib.Param, a *argument) value {
	if sig.options && p.Type == stdlib.Choice {
		if w := bareWord(a.value); w != nil && (slices.Contains(p.Choices, w.Name) || !c.defined(w.Name)) {
			return value{kind: kStr, str: w.Name, pos: w.Pos, end: w.EndPos}
		}
	}
	return c.expr(a.value)
}

// bareWord returns the identifier e consists of, if it is one name
// without arguments or parentheses.
func bareWord(e *lang.Expr) *lang.Ident {
	if len(e.Stages) != 1 || e.Stages[0].Call == nil || e.Stages[0].Call.Parens {
		return nil
	}
	return e.Stages[0].Call.Name
}

// match finds each argument's parameter: slot[i] is the index of args[i]'s
// parameter, or -1 for an argument that has none (it is reported). If
// every argument found one, a required parameter that none found is
// reported too.
func (c *checker) match(sig *signature, args []argument, pos, end lang.Pos) (slot []int, ok bool) {
	slot = make([]int, len(args))
	first := make([]*argument, len(sig.params)) // each parameter's first argument
	ok = true
	next := 0 // the parameter the next positional argument fills
	sawKeyword, tooMany := false, false
	for i := range args {
		a := &args[i]
		slot[i] = -1
		if a.name == nil {
			switch {
			case sawKeyword:
				c.errorf(a.pos, a.end, "%s: positional argument after a keyword argument", sig.name)
				ok = false
			case next < len(sig.params) && !sig.params[next].KeywordOnly:
				slot[i] = next
				if first[next] == nil {
					first[next] = a
				}
				if !sig.params[next].Variadic {
					next++
				}
			default:
				if !tooMany {
					c.tooMany(sig, a, args)
				}
				tooMany, ok = true, false
			}
			continue
		}
		sawKeyword = true
		name := a.name.Name
		j := slices.IndexFunc(sig.params, func(p stdlib.Param) bool { return p.Name == name })
		switch {
		case j < 0:
			c.unknown(sig, a.name)
		case sig.params[j].PositionalOnly:
			c.errorf(a.name.Pos, a.name.EndPos, "%s: argument %s cannot be given by name; write its value first, without `%s =` (signature %s)", sig.name, name, name, sig)
		case first[j] != nil && first[j].name == nil:
			c.errorf(a.name.Pos, a.name.EndPos, "%s: argument %s given both by position and by name", sig.name, name)
		case first[j] != nil:
			noun := "argument"
			if sig.options {
				noun = "option"
			}
			c.errorf(a.name.Pos, a.name.EndPos, "%s: %s %s given twice (first at %s)", sig.name, noun, name, short(first[j].name.Pos))
		default:
			slot[i], first[j] = j, a
			continue
		}
		ok = false
	}
	if ok {
		ok = c.missing(sig, first, pos, end)
	}
	return slot, ok
}

// tooMany reports the first positional argument a that no parameter takes.
func (c *checker) tooMany(sig *signature, a *argument, args []argument) {
	if len(sig.params) == 0 {
		c.errorf(a.pos, a.end, "%s takes no arguments", sig.name)
		return
	}
	var positional []string
	for _, p := range sig.params {
		if !p.KeywordOnly {
			positional = append(positional, p.Name)
		}
	}
	given := 0
	for _, x := range args {
		if x.name == nil {
			given++
		}
	}
	takes, rest := plural(len(positional), "argument"), ""
	if len(positional) < len(sig.params) {
		// Some parameters are keyword-only: say which are not.
		takes = plural(len(positional), "positional argument")
		if len(positional) > 0 {
			takes += " (" + strings.Join(positional, ", ") + ")"
		}
		rest = "; give the others by name"
	}
	c.errorf(a.pos, a.end, "%s takes %s, got %d%s (signature %s)", sig.name, takes, given, rest, sig)
}

// unknown reports a keyword that names no parameter.
func (c *checker) unknown(sig *signature, id *lang.Ident) {
	var names []string
	for _, p := range sig.params {
		names = append(names, p.Name)
	}
	hint := spell.DidYouMean(id.Name, names)
	switch {
	case sig.options && len(names) == 0:
		c.errorf(id.Pos, id.EndPos, "%s takes no options", sig.name)
	case sig.options:
		c.errorf(id.Pos, id.EndPos, "%s: unknown option %s%s (options: %s)", sig.name, id.Name, hint, strings.Join(names, ", "))
	default:
		c.errorf(id.Pos, id.EndPos, "%s has no argument %s%s; its signature is %s", sig.name, id.Name, hint, sig)
	}
}

// missing reports the required parameters that no argument found, in one
// message at the call; it reports whether there were none.
func (c *checker) missing(sig *signature, first []*argument, pos, end lang.Pos) bool {
	var names []string
	doc := ""
	for j, p := range sig.params {
		if p.Required && first[j] == nil {
			names = append(names, p.Name)
			doc = p.Doc
		}
	}
	if len(names) == 0 {
		return true
	}
	msg := sig.name + ": missing argument " + names[0]
	switch {
	case len(names) > 1:
		msg = sig.name + ": missing arguments " + strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	case doc != "":
		msg += " (" + doc + ")"
	}
	msg += "; its signature is " + sig.String()
	if sig.example != "" {
		msg += ", as in " + sig.example
	}
	c.errorf(pos, end, "%s", msg)
	return false
}

// convert checks v against p's type and range and converts it. The value
// of a variadic, Columns or Indices parameter is a list of items of its
// type, or one item; every bad item is reported.
func (c *checker) convert(sig *signature, p *stdlib.Param, v value) (arg, bool) {
	if v.kind == kBad {
		return arg{}, false
	}
	what := sig.what(p)
	out := arg{val: v}
	items := []value{v}
	if v.kind == kList && (p.Variadic || p.Type == stdlib.Columns || p.Type == stdlib.Indices) {
		items = v.list
		if len(items) == 0 {
			c.errorf(v.pos, v.end, "%s: the list is empty", what)
			return arg{}, false
		}
	}
	ok := true
	for _, it := range items {
		x, msg := check(what, p, it)
		if it.kind == kBad || msg != "" {
			if it.kind != kBad {
				c.errorf(it.pos, it.end, "%s", msg)
			}
			ok = false
			continue
		}
		switch p.Type {
		case stdlib.Int, stdlib.Float, stdlib.Bool:
			out.nums = append(out.nums, x)
		case stdlib.Choice:
			out.nums, out.str = []float64{x}, it.str
		case stdlib.String:
			out.str = it.str
		}
	}
	return out, ok
}

// check converts one value (an item, for a list type) to p's type. It
// returns the value's number, or a message that says what was expected and
// what was given. The checker and TrainOptions.Validate share it.
func check(what string, p *stdlib.Param, v value) (float64, string) {
	switch p.Type {
	case stdlib.Int:
		if v.kind != kNum || !v.isInt {
			return 0, fmt.Sprintf("%s must be an int, got %s", what, v.described())
		}
	case stdlib.Float:
		if v.kind != kNum {
			return 0, fmt.Sprintf("%s must be a number, got %s", what, v.describe())
		}
	case stdlib.Bool:
		if v.kind != kBool {
			return 0, fmt.Sprintf("%s must be true or false, got %s", what, v)
		}
		return v.num, ""
	case stdlib.Choice:
		return choice(what, p, v)
	case stdlib.String:
		if v.kind != kStr {
			return 0, fmt.Sprintf("%s must be a string, got %s", what, v.described())
		}
		return 0, ""
	case stdlib.Columns:
		if v.kind != kStr && (v.kind != kNum || !v.isInt) {
			return 0, fmt.Sprintf("%s: a column is a header name (string) or a 0-based index (int), got %s", what, v.described())
		}
		return 0, ""
	case stdlib.Indices:
		if v.kind == kStr {
			return 0, fmt.Sprintf("%s: the columns have no names; a column is a 0-based index (int), got %s", what, v.described())
		}
		if v.kind != kNum || !v.isInt {
			return 0, fmt.Sprintf("%s: a column is a 0-based index (int), got %s", what, v.described())
		}
		return 0, ""
	case stdlib.Stages:
		if v.kind != kFlow {
			return 0, fmt.Sprintf("%s must be a flow, got %s", what, v.described())
		}
		return 0, ""
	case stdlib.Any:
		return 0, ""
	}
	if !p.InRange(v.num) {
		return 0, fmt.Sprintf("%s must be in %s, got %s", what, p.RangeText(), v)
	}
	return v.num, ""
}

// choice converts a string to the index of one of p's Choices.
func choice(what string, p *stdlib.Param, v value) (float64, string) {
	quoted := make([]string, len(p.Choices))
	for i, ch := range p.Choices {
		quoted[i] = strconv.Quote(ch)
	}
	if v.kind != kStr {
		return 0, fmt.Sprintf("%s must be one of %s (a string), got %s", what, strings.Join(quoted, ", "), v.described())
	}
	if i := slices.Index(p.Choices, v.str); i >= 0 {
		return float64(i), ""
	}
	hint := ""
	if len(v.str) > 1 { // no spelling hints among one-character choices (csv's sep)
		hint = spell.DidYouMean(v.str, p.Choices)
	}
	return 0, fmt.Sprintf("%s must be one of %s, got %s%s", what, strings.Join(quoted, ", "), v, hint)
}
