package lsp

import (
	"fmt"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/noxlang/nox/lang"
)

// formatting is `noxc fmt`'s canonical form of the document, as one
// edit of the whole text (none when it is canonical already). A file
// with a syntax error cannot be formatted: the reply is an error saying
// where.
func (s *server) formatting(p *protocol.DocumentFormattingParams) ([]protocol.TextEdit, error) {
	d, err := s.doc(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	b, err := lang.Format(d.path, []byte(d.text))
	if err != nil {
		return nil, fmt.Errorf("cannot format: %v", err)
	}
	out := string(b)
	if strings.Contains(d.text, "\r\n") { // keep the file's line endings
		out = strings.ReplaceAll(out, "\n", "\r\n")
	}
	if out == d.text {
		return []protocol.TextEdit{}, nil
	}
	all := protocol.Range{Start: protocol.Position{}, End: d.position(len(d.text))}
	return []protocol.TextEdit{{Range: all, NewText: out}}, nil
}

// codeActions offers each did-you-mean of a diagnostic in the range as
// a quick fix that replaces the misspelled text.
func (s *server) codeActions(p *protocol.CodeActionParams) ([]protocol.CodeAction, error) {
	d, err := s.doc(p.TextDocument.URI)
	out := []protocol.CodeAction{}
	if err != nil {
		return out, err
	}
	// One action per distinct fix: an error in a def's body is reported
	// once per call, with one fix.
	type key struct {
		r    protocol.Range
		text string
	}
	seen := map[key]int{}
	for _, x := range d.report().Diagnostics {
		r := d.span(x.Range)
		if len(x.Suggestions) == 0 || !overlaps(r, p.Range) {
			continue
		}
		diag := protocol.Diagnostic{Range: r, Severity: protocol.DiagnosticSeverityError, Source: "nox", Message: x.Message}
		if x.Severity == "warning" {
			diag.Severity = protocol.DiagnosticSeverityWarning
		}
		for _, fix := range x.Suggestions {
			k := key{d.span(fix.Range), fix.Text}
			if i, ok := seen[k]; ok {
				out[i].Diagnostics = append(out[i].Diagnostics, diag)
				continue
			}
			seen[k] = len(out)
			out = append(out, protocol.CodeAction{
				Title:       fmt.Sprintf("Change to %s", fix.Text),
				Kind:        protocol.QuickFix,
				Diagnostics: []protocol.Diagnostic{diag},
				IsPreferred: len(x.Suggestions) == 1,
				Edit: &protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{
					d.uri: {{Range: k.r, NewText: fix.Text}},
				}},
			})
		}
	}
	return out, nil
}

// overlaps reports whether two ranges share a position (an empty range,
// a cursor, overlaps the ranges it touches).
func overlaps(a, b protocol.Range) bool {
	return !before(a.End, b.Start) && !before(b.End, a.Start)
}

func before(a, b protocol.Position) bool {
	return a.Line < b.Line || a.Line == b.Line && a.Character < b.Character
}
