package lsp

import (
	"slices"
	"strings"
	"unicode/utf16"

	"github.com/alecthomas/participle/v2/lexer"
	"go.lsp.dev/protocol"

	"github.com/noxlang/nox/lang"
)

// Semantic tokens colour what the TextMate grammar cannot know: which
// names are flows, data sets, defs, parameters and options, and where a
// name is declared. Each kind, with the scope editors/vscode's grammar
// gives the same text without a server (documented in editors/README.md):
//
//	keyword    keyword.control.nox
//	number     constant.numeric.nox
//	string     string.quoted.double.nox
//	comment    comment.line.number-sign.nox
//	class      support.class.layer.nox (a bijector; defaultLibrary)
//	type       support.class.layer.nox (a prior; defaultLibrary)
//	function   support.function.builtin.nox, support.function.math.nox
//	           (builtins and density functions; defaultLibrary);
//	           entity.name.function.nox (a def or density declared)
//	variable   none (a bound name: flow, data set, number)
//	parameter  none (a def's parameter, a density's variable, a row)
//	property   none (an option or keyword argument's name)
//	operator   keyword.operator.nox (|>)
var tokenTypes = []string{"keyword", "number", "string", "comment", "class", "type", "function", "variable", "parameter", "property", "operator"}

var tokenModifiers = []string{"declaration", "defaultLibrary"}

const (
	modDeclaration = 1 << iota
	modDefaultLibrary
)

const methodSemanticTokensFull = "textDocument/semanticTokens/full"

// semanticTokensOptions is the capability; go.lsp.dev/protocol v0.12's
// SemanticTokensOptions has no legend, so it is written out here.
func semanticTokensOptions() any {
	return map[string]any{
		"legend": map[string]any{"tokenTypes": tokenTypes, "tokenModifiers": tokenModifiers},
		"full":   true,
	}
}

type semanticTokensParams struct {
	TextDocument protocol.TextDocumentIdentifier `json:"textDocument"`
}

type semanticToken struct {
	line, char, length int // protocol units
	typ, mods          int
}

func (s *server) semanticTokens(p *semanticTokensParams) (*protocol.SemanticTokens, error) {
	d, err := s.doc(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	toks := d.tokens()
	data := make([]uint32, 0, 5*len(toks))
	line, char := 0, 0
	for _, t := range toks {
		if t.line != line {
			char = 0
		}
		data = append(data, uint32(t.line-line), uint32(t.char-char), uint32(t.length), uint32(t.typ), uint32(t.mods))
		line, char = t.line, t.char
	}
	return &protocol.SemanticTokens{Data: data}, nil
}

// tokens classifies the document's tokens: lexically, then names by the
// index (when the text parsed; the names of text that did not parse are
// left to the grammar).
func (d *document) tokens() []semanticToken {
	names := map[lexer.TokenType]string{}
	for name, typ := range lang.Lexer.Symbols() {
		names[typ] = name
	}
	// A file nox refuses to parse (lang's limits) gets no tokens: the
	// diagnostic says why, and a hostile file costs no more than that.
	if len(d.text) > lang.MaxFileSize {
		return nil
	}
	lex, err := lang.Lexer.LexString(d.path, d.text)
	if err != nil {
		return nil
	}
	var out []semanticToken
	for n := 0; n <= 2*lang.MaxTokens; n++ { // white space is every other token
		tok, err := lex.Next()
		if err != nil || tok.EOF() {
			break
		}
		typ, mods := -1, 0
		switch names[tok.Type] {
		case "Comment":
			typ = 3
		case "String":
			typ = 2
		case "Int", "Float":
			typ = 1
		case "Pipe":
			typ = 10
		case "Ident":
			typ, mods = d.classify(tok)
		}
		text := strings.TrimSuffix(tok.Value, "\r") // a comment before CRLF
		if typ < 0 || strings.Contains(text, "\n") {
			continue
		}
		p := d.position(tok.Pos.Offset)
		out = append(out, semanticToken{line: int(p.Line), char: int(p.Character), length: utf16Len(text), typ: typ, mods: mods})
	}
	return out
}

func (d *document) classify(tok lexer.Token) (typ, mods int) {
	if slices.Contains(lang.Keywords, tok.Value) {
		return 0, 0
	}
	if d.idx == nil {
		return -1, 0
	}
	o := d.idx.at(tok.Pos.Offset)
	if o == nil || o.id.Pos.Offset != tok.Pos.Offset {
		return -1, 0
	}
	if o.decl {
		mods = modDeclaration
	}
	switch o.role {
	case roleLayer:
		return 4, modDefaultLibrary
	case rolePrior:
		return 5, modDefaultLibrary
	case roleBuiltin, roleFunction:
		return 6, modDefaultLibrary
	case roleOption:
		return 9, 0
	}
	if o.sym == nil {
		return -1, 0 // undefined: the diagnostic says so
	}
	switch o.sym.kind {
	case symDef, symDensity:
		return 6, mods
	case symParam, symVar, symRow:
		return 8, mods
	}
	return 7, mods
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}
