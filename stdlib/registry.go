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
)

func (t Type) String() string {
	return [...]string{"int", "float", "bool", "string"}[t]
}

// Param describes one argument of a layer.
type Param struct {
	Name string
	Type Type
	// Variadic collects every remaining positional argument (each of Type)
	// into a list. At most one parameter, the first, is variadic.
	Variadic bool
	// Default is the value when the argument is absent (for a variadic
	// parameter, the list).
	Default []float64
	// Min and Max bound the value; MinOpen and MaxOpen exclude the bound
	// itself.
	Min, Max         float64
	MinOpen, MaxOpen bool
	// Choices are the values of a Choice parameter.
	Choices []string
	Doc     string
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
func (s *Spec) Signature() string {
	out := s.Name + "("
	for i, p := range s.Params {
		if i > 0 {
			out += ", "
		}
		typ := p.Type.String()
		if p.Variadic {
			typ = "..." + typ
		}
		out += fmt.Sprintf("%s %s", p.Name, typ)
		if p.Default != nil {
			switch {
			case p.Variadic:
				out += fmt.Sprintf(" = %v", p.Default)
			case p.Type == Bool:
				out += fmt.Sprintf(" = %v", p.Default[0] != 0)
			default:
				out += fmt.Sprintf(" = %v", p.Default[0])
			}
		}
	}
	return out + ")"
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
			if x < p.Min || x > p.Max || (p.MinOpen && x == p.Min) || (p.MaxOpen && x == p.Max) || x != x {
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
