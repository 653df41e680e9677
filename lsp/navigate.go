package lsp

import (
	"fmt"
	"slices"

	"go.lsp.dev/protocol"

	"github.com/noxlang/nox/lang"
)

// at returns the document and the occurrence of a name at a position,
// which is nil where there is no name or the file never parsed.
func (s *server) at(td protocol.TextDocumentIdentifier, p protocol.Position) (*document, *occurrence, error) {
	d, err := s.doc(td.URI)
	if err != nil || d.idx == nil {
		return d, nil, err
	}
	np := d.noxPos(p)
	return d, d.idx.at(np.Offset), nil
}

func (d *document) identRange(id *lang.Ident) protocol.Range {
	return d.rng(id.Pos, id.EndPos)
}

func (d *document) location(id *lang.Ident) protocol.Location {
	return protocol.Location{URI: d.uri, Range: d.identRange(id)}
}

func (s *server) definition(p *protocol.DefinitionParams) ([]protocol.Location, error) {
	d, o, err := s.at(p.TextDocument, p.Position)
	if err != nil || o == nil || o.sym == nil {
		return []protocol.Location{}, err
	}
	return []protocol.Location{d.location(o.sym.decl)}, nil
}

// occurrences are the declaration and every use of a symbol, in order.
func (sym *symbol) occurrences() []*lang.Ident {
	ids := append([]*lang.Ident{sym.decl}, sym.refs...)
	slices.SortFunc(ids, func(a, b *lang.Ident) int { return a.Pos.Offset - b.Pos.Offset })
	return ids
}

func (s *server) references(p *protocol.ReferenceParams) ([]protocol.Location, error) {
	d, o, err := s.at(p.TextDocument, p.Position)
	out := []protocol.Location{}
	if err != nil || o == nil || o.sym == nil {
		return out, err
	}
	for _, id := range o.sym.occurrences() {
		if id != o.sym.decl || p.Context.IncludeDeclaration {
			out = append(out, d.location(id))
		}
	}
	return out, nil
}

func (s *server) highlight(p *protocol.DocumentHighlightParams) ([]protocol.DocumentHighlight, error) {
	d, o, err := s.at(p.TextDocument, p.Position)
	out := []protocol.DocumentHighlight{}
	if err != nil || o == nil || o.sym == nil {
		return out, err
	}
	for _, id := range o.sym.occurrences() {
		kind := protocol.DocumentHighlightKindRead
		if id == o.sym.decl {
			kind = protocol.DocumentHighlightKindWrite
		}
		out = append(out, protocol.DocumentHighlight{Range: d.identRange(id), Kind: kind})
	}
	return out, nil
}

// symbols are the file's top-level bindings, with a def's parameters
// and a density's variable under it.
func (s *server) symbols(p *protocol.DocumentSymbolParams) ([]protocol.DocumentSymbol, error) {
	d, err := s.doc(p.TextDocument.URI)
	out := []protocol.DocumentSymbol{}
	if err != nil || d.idx == nil {
		return out, err
	}
	for _, sym := range d.idx.syms {
		if sym.kind != symValue && sym.kind != symDef && sym.kind != symDensity {
			continue
		}
		ds := d.symbolOf(sym)
		for _, local := range d.idx.syms {
			if (local.kind == symParam || local.kind == symVar) && local.stmt == sym.stmt {
				ds.Children = append(ds.Children, d.symbolOf(local))
			}
		}
		out = append(out, ds)
	}
	return out, nil
}

func (d *document) symbolOf(sym *symbol) protocol.DocumentSymbol {
	ds := protocol.DocumentSymbol{Name: sym.name, Detail: d.detail(sym), Kind: symbolKind(sym), SelectionRange: d.identRange(sym.decl)}
	ds.Range = ds.SelectionRange
	if sym.kind != symParam && sym.kind != symVar && sym.stmt != nil {
		ds.Range = d.rng(sym.stmt.Pos, sym.stmt.EndPos)
	}
	return ds
}

func symbolKind(sym *symbol) protocol.SymbolKind {
	switch sym.kind {
	case symDef, symDensity:
		return protocol.SymbolKindFunction
	case symParam, symVar, symRow:
		return protocol.SymbolKindVariable
	}
	return protocol.SymbolKindVariable
}

// detail is a symbol's one-line description: the checker's for a
// top-level name ("flow: MAF(100) |> Gaussian"), its role otherwise.
func (d *document) detail(sym *symbol) string {
	switch sym.kind {
	case symParam:
		return "parameter"
	case symVar:
		return "the density's variable"
	case symRow:
		return "a row of the data set"
	}
	return d.names[sym.name]
}

func (s *server) prepareRename(p *protocol.PrepareRenameParams) (*protocol.Range, error) {
	d, o, err := s.at(p.TextDocument, p.Position)
	if err != nil {
		return nil, err
	}
	if o == nil || o.sym == nil {
		return nil, fmt.Errorf("only a name this file binds can be renamed")
	}
	r := d.identRange(o.id)
	return &r, nil
}

func (s *server) rename(p *protocol.RenameParams) (*protocol.WorkspaceEdit, error) {
	d, o, err := s.at(p.TextDocument, p.Position)
	if err != nil {
		return nil, err
	}
	if o == nil || o.sym == nil {
		return nil, fmt.Errorf("only a name this file binds can be renamed")
	}
	if err := d.idx.canRename(o.sym, p.NewName); err != nil {
		return nil, err
	}
	var edits []protocol.TextEdit
	for _, id := range o.sym.occurrences() {
		edits = append(edits, protocol.TextEdit{Range: d.identRange(id), NewText: p.NewName})
	}
	return &protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{d.uri: edits}}, nil
}
