// Package stdlib is nox's library of flow layers and priors. Each is
// defined once, as IR emitted through an ir.Builder: its forward direction
// (x → z with log|det ∂z/∂x|), its inverse, and for priors the
// log-density and a sampler. Gradients are never written here; package ad
// derives them.
//
// The registry (Lookup, Names) is data: each Spec lists the layer's
// arguments with their types, defaults and ranges, and its dimension rule.
// The compiler's checker reads it to validate calls and report errors at
// the right position; stdlib itself knows nothing of source positions.
package stdlib

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/noxlang/nox/compiler/ir"
)

// Kind says what a layer is: a bijector (a stage of a flow) or a prior (the
// base distribution that ends it).
type Kind int

const (
	Bijector Kind = iota
	Prior
	// Split is the multi-scale construct: it keeps the first `keep`
	// dimensions in the flow and sends the rest to the prior. The compiler
	// lowers it; it has no New.
	Split
)

func (k Kind) String() string {
	return [...]string{"bijector", "prior", "split"}[k]
}

// Type is the type of an argument value.
type Type int

const (
	Int Type = iota
	Float
	Bool
	// Choice is one of a Param's Choices, written as a string and held as
	// its index.
	Choice
	// String is a string, such as a file name.
	String
	// Columns is a list (or a single item) of a table's columns, each a
	// header name (a string) or a 0-based index (an int).
	Columns
	// Indices is Columns by 0-based index only, for a table whose columns
	// have no names.
	Indices
	// Stages is a flow: one or more stages.
	Stages
	// Any is a value of any type: a def's parameters, whose uses in the
	// def's body are checked instead.
	Any
)

func (t Type) String() string {
	return [...]string{"int", "float", "bool", "string", "string", "list", "list", "flow", "any"}[t]
}

// Param describes one parameter of a layer, a builtin or a statement's
// options block: the table the compiler's binder checks arguments
// against.
type Param struct {
	Name string
	Type Type
	// Variadic collects every remaining positional argument (each of Type)
	// into a list; given by name, its value is a list (or one item). At
	// most one parameter, the first, is variadic.
	Variadic bool
	// Required parameters must be given. A parameter that is neither
	// Required nor has a Default is optional without a value: when it is
	// absent the callee decides, as DefaultDoc says.
	Required bool
	// PositionalOnly parameters cannot be given by name; KeywordOnly ones
	// only by name. A table lists the positional-only parameters first
	// and the keyword-only ones last.
	PositionalOnly, KeywordOnly bool
	// Default is the value when the argument is absent (for a variadic
	// parameter, the list; for a Choice, the index of the choice). Only
	// the number types (Int, Float, Bool, Choice) have one.
	Default []float64
	// DefaultDoc says in words what an optional parameter without a
	// Default means when absent ("the set's"); signatures show it.
	DefaultDoc string
	// Min and Max bound the value of an Int or Float; MinOpen and MaxOpen
	// exclude the bound itself.
	Min, Max         float64
	MinOpen, MaxOpen bool
	// Choices are the values of a Choice parameter.
	Choices []string
	Doc     string
}

// InRange reports whether x lies within p's bounds.
func (p *Param) InRange(x float64) bool {
	low := x > p.Min || (x == p.Min && !p.MinOpen)
	high := x < p.Max || (x == p.Max && !p.MaxOpen)
	return low && high
}

// RangeText renders p's bounds as an interval: "[1, 65536]", "(0, 10]".
func (p *Param) RangeText() string {
	lo, hi := "[", "]"
	if p.MinOpen {
		lo = "("
	}
	if p.MaxOpen {
		hi = ")"
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	return lo + f(p.Min) + ", " + f(p.Max) + hi
}

// numeric reports whether values of t are held as numbers.
func (t Type) numeric() bool { return t <= Choice }

// CheckParams checks that a parameter table is well formed: names unique;
// at most the first parameter variadic, and not keyword-only; defaults
// only for number types, of the right count and within range, and none
// for a required parameter; choices for a Choice; positional-only
// parameters first and keyword-only ones last.
func CheckParams(params []Param) error {
	order := 0 // 0: positional-only, 1: either, 2: keyword-only
	for i, p := range params {
		bad := func(format string, args ...any) error {
			return fmt.Errorf("parameter %s: %s", p.Name, fmt.Sprintf(format, args...))
		}
		if p.Name == "" || slices.ContainsFunc(params[:i], func(q Param) bool { return q.Name == p.Name }) {
			return bad("empty or repeated name")
		}
		o := 1
		switch {
		case p.PositionalOnly && p.KeywordOnly:
			return bad("both positional-only and keyword-only")
		case p.PositionalOnly:
			o = 0
		case p.KeywordOnly:
			o = 2
		}
		if o < order {
			return bad("out of order: positional-only parameters come first, keyword-only ones last")
		}
		order = o
		if p.Variadic && (i > 0 || p.KeywordOnly || !p.Type.numeric()) {
			return bad("only the first parameter, positional and of a number type, may be variadic")
		}
		if (p.Type == Choice) != (len(p.Choices) > 0) {
			return bad("choices belong to Choice parameters, and every Choice has some")
		}
		if p.Default == nil {
			continue
		}
		if p.Required || !p.Type.numeric() || (!p.Variadic && len(p.Default) != 1) || len(p.Default) == 0 {
			return bad("default %v: only optional parameters of a number type have one, with one value unless variadic", p.Default)
		}
		for _, x := range p.Default {
			switch {
			case p.Type == Choice && (x != float64(int(x)) || x < 0 || int(x) >= len(p.Choices)):
				return bad("default %v is not a choice", x)
			case p.Type == Bool && x != 0 && x != 1:
				return bad("default %v is not 0 or 1", x)
			case (p.Type == Int || p.Type == Float) && !p.InRange(x):
				return bad("default %v outside %s", x, p.RangeText())
			case p.Type == Int && x != float64(int64(x)):
				return bad("default %v is not an integer", x)
			}
		}
	}
	return nil
}

// Args are bound argument values by parameter name. Every number is held as
// a float64; Int parameters hold whole numbers.
type Args map[string][]float64

// Int returns the first value of a parameter as an int.
func (a Args) Int(name string) int { return int(a[name][0]) }

// Float returns the first value of a parameter.
func (a Args) Float(name string) float64 { return a[name][0] }

// Ints returns a list parameter's values.
func (a Args) Ints(name string) []int {
	out := make([]int, len(a[name]))
	for i, v := range a[name] {
		out[i] = int(v)
	}
	return out
}

// Spec is a registry entry.
type Spec struct {
	Name   string
	Kind   Kind
	Params []Param
	// MinDim is the smallest input dimension the layer accepts.
	MinDim int
	Doc    string
	// Paper cites the layer's source.
	Paper string
	// Context says whether the layer can condition on a context input.
	Context bool
	// New builds an instance for a configuration, adding its parameters
	// to cfg.Table.
	New func(cfg Config) Layer
	// Domain, if set, returns the set on which the layer's map is defined
	// for its arguments (see Domain); nil means all of R^D.
	Domain func(Args) *Domain
	// SolveBytes is, for a layer whose programs solve one dimension at a
	// time (an autoregressive inverse, in sampling or in the density),
	// about how many bytes of instructions and buffers that solve adds
	// per dimension across a model's programs: the compiler's memory
	// estimate counts it (compiler.FlowCost), since on wide data it is
	// most of a model's size. Measured as the peak resident size of a
	// one-step training run over 5,000 and 20,000 columns, divided by
	// the columns; 0 for a layer without such a solve.
	SolveBytes int
	// CostScale, if set, scales the compiler's cost of a stage with
	// arguments a over dim dimensions for a layer whose programs repeat
	// its network by its arguments (CNF's unrolled solver): width
	// multiplies the values a row creates in one pass (the network's
	// activations, counted once from its parameter shapes), solve
	// multiplies SolveBytes. Both must grow with what the programs
	// allocate, so that a file cannot ask for more than the estimate.
	CostScale func(a Args, dim int) (width, solve float64)
	// NumericalInverse says the layer's inverse is found by iteration
	// (Planar's and Radial's bisection): exact to rounding, but its
	// derivative is not the map's, so a flow cannot be trained through
	// it (compiler: Inverse(L) of such an L is refused in train).
	NumericalInverse bool
	// InverseLayer, if set, names the layer that is this one with its two
	// directions exchanged, taking the same arguments: Inverse(MAF(…)) is
	// IAF(…), whose one-pass direction is then the sampling one. The
	// compiler writes Inverse(L) as that layer rather than wrapping L,
	// which keeps each direction as well conditioned as the layer's own
	// (MAF's inverse multiplies by e^alpha; run forward after it, the
	// round trip loses digits that IAF's division keeps).
	InverseLayer string
	// NotInvertible, if set, says why Inverse(L) of this layer is
	// refused: a restricted domain or range, batch statistics, a
	// data-dependent initialisation.
	NotInvertible string
}

// Config is what a layer instance is built for.
type Config struct {
	Args Args
	// Dim is the number of dimensions the layer maps.
	Dim int
	// ContextDim is the width of the context input (0: unconditional).
	// Only layers whose Spec has Context set see a nonzero value.
	ContextDim int
	// Name prefixes the layer's parameter names and IR notes ("maf1").
	Name string
	// Ordinal counts the earlier stages of the same layer in this flow
	// (0 for the first): couplings alternate their masks by it.
	Ordinal int
	// Table is the flow's parameter table.
	Table *[]ir.Param
	// Angles are the input dimensions (0-based, ascending) that are
	// angles in [-π, π), for data declared with angles = [...]: the
	// circular layers map them on the circle. The compiler gives a
	// nonempty list only to stages for which AngleSafe holds.
	Angles []int
}

// Param adds a parameter named cfg.Name + "." + tag and returns its index.
func (cfg Config) Param(tag string, shape ir.Shape, init ir.Init) int {
	return ir.AddParam(cfg.Table, ir.Param{Name: cfg.Name + "." + tag, Shape: shape, Init: init})
}

// State adds a state parameter: a value the layer keeps (BatchNorm's
// running statistics) that training updates through Env.SetState rather
// than by gradient.
func (cfg Config) State(tag string, shape ir.Shape, init ir.Init) int {
	return ir.AddParam(cfg.Table, ir.Param{Name: cfg.Name + "." + tag, Shape: shape, Init: init, State: true})
}

// Layer is an instance of a Spec for one dimension. A Bijector stage
// implements Flow; a prior implements Density.
type Layer interface{}

// Flow is an invertible stage.
type Flow interface {
	// Forward emits z = f(x) and log|det ∂z/∂x| per row ([B,1]), or
	// ir.None for a volume-preserving stage.
	Forward(b *ir.Builder, x ir.Value, env *Env) (z, logdet ir.Value)
	// Inverse emits x = f⁻¹(z). env.Mode is Eval.
	Inverse(b *ir.Builder, z ir.Value, env *Env) ir.Value
}

// Invert returns the flow whose two directions are f's exchanged:
// Inverse(L) in the language. Its forward map (the density direction) is
// f's inverse, x = f⁻¹(z), with log|det ∂f⁻¹/∂z| = −log|det ∂f/∂x| at
// that x, which f's forward emits; its inverse (the sampling direction)
// is f's forward map. So Invert(MAF) samples in one pass as an IAF does
// and Invert(Planar) is the planar flow of Rezende & Mohamed (2015),
// which samples in closed form.
func Invert(f Flow) Flow { return inverted{f} }

type inverted struct{ f Flow }

func (v inverted) Forward(b *ir.Builder, z ir.Value, env *Env) (ir.Value, ir.Value) {
	x := v.f.Inverse(b, z, env)
	_, ld := v.f.Forward(b, x, env)
	if ld == ir.None {
		return x, ir.None
	}
	return x, b.Neg(ld)
}

func (v inverted) Inverse(b *ir.Builder, x ir.Value, env *Env) ir.Value {
	z, _ := v.f.Forward(b, x, env)
	return z
}

// InverseLogdet samples through f's forward map, whose log-det is the
// inverted flow's forward log-det negated: no numerical inverse.
func (v inverted) InverseLogdet(b *ir.Builder, x ir.Value, env *Env) (ir.Value, ir.Value) {
	z, ld := v.f.Forward(b, x, env)
	if ld == ir.None {
		return z, ir.None
	}
	return z, b.Neg(ld)
}

// InverseLogdetter is a Flow that emits its inverse together with the
// log-det of its forward map at the point the inverse returns, more
// cheaply than Inverse followed by Forward.
type InverseLogdetter interface {
	InverseLogdet(b *ir.Builder, z ir.Value, env *Env) (x, logdet ir.Value)
}

// InverseWithLogdet emits x = f⁻¹(z) and log|det ∂f/∂x| at that x (or
// ir.None for a volume-preserving f): the sampling direction of a flow
// with the log-density of its draws, as variational inference needs.
func InverseWithLogdet(f Flow, b *ir.Builder, z ir.Value, env *Env) (x, logdet ir.Value) {
	if il, ok := f.(InverseLogdetter); ok {
		return il.InverseLogdet(b, z, env)
	}
	x = f.Inverse(b, z, env)
	_, logdet = f.Forward(b, x, env)
	return x, logdet
}

// Preprocessor is implemented by a parameterless Flow that is part of how
// the data are presented to a flow rather than of the map it learns:
// Dequantize. A model's defensive Gaussian (compiler.Options.Defensive)
// is a density of the values after a flow's leading preprocessing stages,
// so that it and the flow are densities of the same (dequantized) values
// and share a training step's noise.
type Preprocessor interface {
	Flow
	Preprocess()
}

// Density is a base distribution.
type Density interface {
	// LogProb emits log p(z) per row ([B,1]).
	LogProb(b *ir.Builder, z ir.Value, env *Env) ir.Value
	// Sample emits a batch of draws ([B,dim]).
	Sample(b *ir.Builder, env *Env) ir.Value
}

var registry = map[string]*Spec{}

func register(s *Spec) {
	if _, dup := registry[s.Name]; dup {
		panic("stdlib: duplicate layer " + s.Name)
	}
	registry[s.Name] = s
}

// Lookup returns the spec named name, or nil.
func Lookup(name string) *Spec { return registry[name] }

// Names returns the registered names, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Param returns the parameter named name, or nil.
func (s *Spec) Param(name string) *Param {
	i := slices.IndexFunc(s.Params, func(p Param) bool { return p.Name == name })
	if i < 0 {
		return nil
	}
	return &s.Params[i]
}

// Signature renders the spec's call form, e.g. "MAF(hidden ...int = [100], dropout float = 0)".
func (s *Spec) Signature() string { return Signature(s.Name, s.Params) }

// Signature renders the call form of name with params: each parameter's
// name, type and default ("= [100]" for a variadic list, "= the set's"
// for a DefaultDoc).
func Signature(name string, params []Param) string {
	out := name + "("
	for i, p := range params {
		if i > 0 {
			out += ", "
		}
		out += p.String()
	}
	return out + ")"
}

// String is the parameter as a signature shows it: its name, its type
// and its default, "hidden ...int = [64 64]", "lr float = 0.001".
func (p Param) String() string {
	typ := p.Type.String()
	if p.Variadic {
		typ = "..." + typ
	}
	out := fmt.Sprintf("%s %s", p.Name, typ)
	switch {
	case p.Default == nil && p.DefaultDoc != "":
		out += " = " + p.DefaultDoc
	case p.Default == nil:
	case p.Variadic:
		out += fmt.Sprintf(" = %v", p.Default)
	case p.Type == Bool:
		out += fmt.Sprintf(" = %v", p.Default[0] != 0)
	case p.Type == Choice:
		out += " = " + strconv.Quote(p.Choices[int(p.Default[0])])
	default:
		out += fmt.Sprintf(" = %v", p.Default[0])
	}
	return out
}

// Format renders a call with bound args as a person would write it:
// variadic values first, then the arguments that differ from their
// defaults: "MAF(128, 128, dropout = 0.1)", "Reverse".
func (s *Spec) Format(args Args) string {
	var parts []string
	for _, p := range s.Params {
		v := args[p.Name]
		if p.Variadic {
			for _, x := range v {
				parts = append(parts, fmt.Sprint(x))
			}
			continue
		}
		if len(v) == 1 && (len(p.Default) != 1 || v[0] != p.Default[0]) {
			val := fmt.Sprint(v[0])
			if p.Type == Bool {
				val = fmt.Sprint(v[0] != 0)
			}
			parts = append(parts, p.Name+" = "+val)
		}
	}
	if len(parts) == 0 {
		return s.Name
	}
	return s.Name + "(" + strings.Join(parts, ", ") + ")"
}

// Validate checks bound arguments against the parameters' types, counts
// and ranges: the checker's rules, for arguments that come from elsewhere
// (a saved model).
func (s *Spec) Validate(args Args) error {
	for name := range args {
		if s.Param(name) == nil {
			return fmt.Errorf("%s has no argument %s", s.Name, name)
		}
	}
	for _, p := range s.Params {
		v := args[p.Name]
		if len(v) == 0 || (!p.Variadic && len(v) != 1) || len(v) > 1<<10 {
			return fmt.Errorf("%s argument %s: %d values", s.Name, p.Name, len(v))
		}
		for _, x := range v {
			if p.Type != Float && x != float64(int64(x)) {
				return fmt.Errorf("%s argument %s must be a whole number, got %v", s.Name, p.Name, x)
			}
			if p.Type == Bool && x != 0 && x != 1 {
				return fmt.Errorf("%s argument %s must be 0 or 1, got %v", s.Name, p.Name, x)
			}
			if p.Type == Bool {
				continue
			}
			if !p.InRange(x) {
				return fmt.Errorf("%s argument %s out of range: %v", s.Name, p.Name, x)
			}
		}
	}
	return nil
}

// Bind fills defaults for absent arguments.
func (s *Spec) Bind(given Args) Args {
	out := Args{}
	for _, p := range s.Params {
		if v, ok := given[p.Name]; ok {
			out[p.Name] = v
		} else {
			out[p.Name] = p.Default
		}
	}
	return out
}
