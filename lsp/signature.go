package lsp

import (
	"strings"

	"go.lsp.dev/protocol"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/stdlib"
)

// signatureHelp shows the signature of the layer or builtin whose
// argument list holds the cursor, with the argument being typed: the
// positional one by its commas, or the one named before `=`.
func (s *server) signatureHelp(p *protocol.SignatureHelpParams) (*protocol.SignatureHelp, error) {
	d, err := s.doc(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	off := d.offset(p.Position)
	stmt, _ := d.stmtStart(off)
	sc := scanTo(d.text, stmt, off)
	n := len(sc.open)
	for n > 0 && d.text[sc.open[n-1]] != '(' {
		n--
	}
	if n == 0 || sc.inComment || sc.inString >= 0 && n < len(sc.open) {
		return nil, nil
	}
	at := sc.open[n-1]
	m := calleeRE.FindStringSubmatch(d.text[stmt:at])
	if m == nil {
		return nil, nil
	}
	var label, doc string
	var params []stdlib.Param
	if spec := stdlib.Lookup(m[1]); spec != nil {
		label, doc, params = spec.Signature(), spec.Doc, spec.Params
	} else if sig, ok := compiler.Signatures(m[1]); ok && !sig.Options {
		label, params = sig.Text, sig.Params
	} else if def := d.def(m[1]); def != nil {
		label, params = d.names[m[1]], defParams(def)
		label = strings.TrimPrefix(label, "function ")
	} else {
		return nil, nil
	}
	info := protocol.SignatureInformation{Label: label, Documentation: markdown(doc)}
	for _, p := range params {
		info.Parameters = append(info.Parameters, protocol.ParameterInformation{Label: p.String(), Documentation: markdown(p.Doc)})
	}
	return &protocol.SignatureHelp{Signatures: []protocol.SignatureInformation{info}, ActiveParameter: activeParam(d.text[at+1:off], params)}, nil
}

// activeParam is the parameter the argument being typed binds: named
// (`dropout = `) or the next positional one.
func activeParam(args string, params []stdlib.Param) uint32 {
	depth, commas, last := 0, 0, 0
	for i, c := range args {
		switch c {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case ',':
			if depth == 0 {
				commas, last = commas+1, i+1
			}
		}
	}
	cur := strings.TrimSpace(args[last:])
	if name, _, ok := strings.Cut(cur, "="); ok {
		for i, p := range params {
			if p.Name == strings.TrimSpace(name) {
				return uint32(i)
			}
		}
	}
	// A variadic first parameter takes every positional argument.
	if len(params) > 0 && params[0].Variadic {
		return 0
	}
	return uint32(min(commas, max(len(params)-1, 0)))
}

// def returns the def statement that binds name in the last text that
// parsed, or nil.
func (d *document) def(name string) *lang.Def {
	if d.last == nil {
		return nil
	}
	for _, sym := range d.last.syms {
		if sym.kind == symDef && sym.name == name && sym.stmt != nil {
			return sym.stmt.Def
		}
	}
	return nil
}

// defParams are a def's parameters as signatures show them: a def's
// parameters take any value.
func defParams(def *lang.Def) []stdlib.Param {
	var out []stdlib.Param
	for _, p := range def.Params {
		out = append(out, stdlib.Param{Name: p.Name.Name, Type: stdlib.Any, Required: p.Default == nil})
	}
	return out
}
