package lsp

import (
	"fmt"
	"slices"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/stdlib"
)

// hover describes what is under the cursor, in Markdown: a layer's or
// prior's signature, defaults and doc from the registry; a builtin's or
// statement's from the binder's tables; a bound name's value and type
// as the checker found it (a flow's stages, dimensions and parameters;
// a data set's rows, columns and names); an option's type and default.
func (s *server) hover(p *protocol.HoverParams) (*protocol.Hover, error) {
	d, err := s.doc(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	var text string
	var r protocol.Range
	np := d.noxPos(p.Position)
	if d.idx != nil {
		if o := d.idx.at(np.Offset); o != nil {
			text, r = d.describe(o), d.identRange(o.id)
		}
	}
	if text == "" && !d.inCommentOrString(np.Offset) { // a keyword, or a name in text that did not parse
		name, start, end := d.identAt(np.Offset)
		text, r = describeName(name), protocol.Range{Start: d.position(start), End: d.position(end)}
	}
	if text == "" {
		return nil, nil
	}
	return &protocol.Hover{Contents: protocol.MarkupContent{Kind: protocol.Markdown, Value: text}, Range: &r}, nil
}

func (d *document) describe(o *occurrence) string {
	switch {
	case o.sym != nil:
		return d.describeSymbol(o.sym)
	case o.role == roleOption:
		return describeOption(o.owner, o.id.Name, d)
	}
	return describeName(o.id.Name)
}

// describeName describes a layer, prior, builtin, density function or
// keyword by name, or returns "".
func describeName(name string) string {
	if spec := stdlib.Lookup(name); spec != nil {
		return describeSpec(spec)
	}
	if sig, ok := compiler.Signatures(name); ok {
		return code(sig.Text) + paramDocs(sig.Params)
	}
	for _, f := range compiler.TargetFunctions() {
		if f[0] == name {
			return code(name+f[1]) + "density function: " + f[2]
		}
	}
	if doc, ok := keywordDocs[name]; ok {
		return doc
	}
	return ""
}

var keywordDocs = map[string]string{
	"def":     code("def NAME(PARAM, PARAM = DEFAULT) = FLOW") + "a reusable, parameterised piece of flow",
	"density": code("density NAME(VAR: DIM) = BODY") + "an unnormalised log-density over a vector of DIM elements, for `fit`",
	"save":    code("save FLOW to \"model.noxm\"") + "writes the trained model (or ONNX, for a .onnx path)",
	"on":      "`train FLOW on DATA`, `eval FLOW on DATA`, `plot FLOW on DATA`: the data set",
	"to":      "`sample … to`, `save … to`, `plot … to`, `fit FLOW to DENSITY`: the destination or target",
	"given":   "`sample FLOW N given [c, …]`: the context of a conditional flow",
	"in":      "`sum(r in DATA: TERM)`: sums TERM over the rows r of DATA",
}

func code(s string) string { return "```nox\n" + s + "\n```\n" }

func describeSpec(spec *stdlib.Spec) string {
	var b strings.Builder
	b.WriteString(code(spec.Signature()))
	fmt.Fprintf(&b, "%s: %s", spec.Kind, spec.Doc)
	if spec.MinDim > 1 {
		fmt.Fprintf(&b, " Needs at least %d dimensions.", spec.MinDim)
	}
	if spec.Context {
		b.WriteString(" Can condition on a context.")
	}
	if spec.Paper != "" {
		fmt.Fprintf(&b, "\n\n_%s_", spec.Paper)
	}
	b.WriteString(paramDocs(spec.Params))
	return b.String()
}

// paramDocs lists parameters with their types, defaults and docs.
func paramDocs(ps []stdlib.Param) string {
	var b strings.Builder
	for i, p := range ps {
		if i == 0 {
			b.WriteString("\n\n")
		}
		fmt.Fprintf(&b, "- `%s`", p.String())
		if p.Doc != "" {
			b.WriteString(": " + p.Doc)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// describeOption describes option name of owner: a statement's options
// block, a layer's or builtin's keyword argument, or a def's parameter.
func describeOption(owner, name string, d *document) string {
	var params []stdlib.Param
	what := owner + " argument"
	if spec := stdlib.Lookup(owner); spec != nil {
		params = spec.Params
	} else if sig, ok := compiler.Signatures(owner); ok {
		params = sig.Params
		if sig.Options {
			what = owner + " option"
		}
	} else if desc, ok := d.names[owner]; ok {
		return fmt.Sprintf("argument %s of %s", code(name), desc)
	}
	i := slices.IndexFunc(params, func(p stdlib.Param) bool { return p.Name == name })
	if i < 0 {
		return ""
	}
	out := code(params[i].String()) + what
	if params[i].Doc != "" {
		out += ": " + params[i].Doc
	}
	if len(params[i].Choices) > 0 {
		out += "; one of " + strings.Join(params[i].Choices, ", ")
	}
	return out
}

// describeSymbol describes a name the file binds.
func (d *document) describeSymbol(sym *symbol) string {
	where := fmt.Sprintf("declared at line %d", sym.decl.Pos.Line)
	switch sym.kind {
	case symParam:
		return fmt.Sprintf("%sparameter of a def, %s", code(sym.name), where)
	case symVar:
		return fmt.Sprintf("%sthe variable of density %s, %s", code(sym.name), stmtName(sym.stmt), where)
	case symRow:
		return fmt.Sprintf("%sa row of the data set it ranges over (one value per column), %s", code(sym.name), where)
	}
	prog := d.an.Prog
	desc, ok := "", false
	if prog != nil {
		desc, ok = prog.Names[sym.name]
	}
	if !ok {
		return code(sym.name) + where + " (its value has an error)"
	}
	parts := []string{where}
	if f := prog.FlowByName(sym.name); f != nil && f.Dim > 0 {
		parts = append(parts, fmt.Sprintf("%s (fixed at line %d)", plural(f.Dim, "dimension"), f.DimPos.Line))
		if c, err := compiler.FlowCost(f.Name, f.StageList(), f.Dim, compiler.Options{ContextDim: f.ContextDim}); err == nil {
			parts = append(parts, thousands(c.Learned)+" parameters")
		}
		if f.ContextDim > 0 {
			parts = append(parts, "conditioned on "+plural(f.ContextDim, "context column"))
		}
	} else if f != nil {
		parts = append(parts, "dimension not fixed yet (train it on data)")
	}
	for _, data := range prog.Data {
		if data.Name != sym.name {
			continue
		}
		names, ctx := data.Names()
		if len(names) > 0 {
			parts = append(parts, "columns "+strings.Join(names, ", "))
		}
		if len(data.Angles) > 0 {
			var as []string
			for _, a := range data.Angles {
				if a < len(names) {
					as = append(as, names[a])
				} else {
					as = append(as, fmt.Sprint(a))
				}
			}
			parts = append(parts, "angles (in [-π, π)): "+strings.Join(as, ", "))
		}
		if c := data.ContextDim(); c > 0 {
			parts = append(parts, "context "+plural(c, "column"))
			if len(ctx) > 0 {
				parts[len(parts)-1] += ": " + strings.Join(ctx, ", ")
			}
		}
	}
	return code(sym.name+" — "+desc) + strings.Join(parts, "; ")
}

func stmtName(s *lang.Stmt) string {
	if s != nil && s.Density != nil {
		return s.Density.Name.Name
	}
	return ""
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%s %ss", thousands(int64(n)), noun)
}

// thousands writes n with commas: 3,520.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
