package lsp

import (
	"context"

	"go.lsp.dev/protocol"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/internal/diagnostic"
	"github.com/noxlang/nox/lang"
)

// analyze checks the document's text and publishes its diagnostics:
// every error and warning of the file, as `noxc check -json` reports
// them (internal/diagnostic), in the protocol's units.
func (s *server) analyze(ctx context.Context, d *document) error {
	d.an = nox.Analyze(d.path, []byte(d.text), nox.CompileOptions{Limits: s.opts.Limits, Cache: s.cache})
	d.idx = nil
	if d.an.File != nil {
		d.idx = newIndex(d.an.File)
		d.last = d.idx
	}
	if d.an.Prog != nil {
		d.names = d.an.Prog.Names
	}
	return s.conn.Notify(ctx, protocol.MethodTextDocumentPublishDiagnostics, &protocol.PublishDiagnosticsParams{
		URI: d.uri, Version: uint32(max(d.version, 0)), Diagnostics: d.diagnostics(),
	})
}

// report is the document's diagnostics as nox reports them.
func (d *document) report() diagnostic.Report {
	var warns []*compiler.Warning
	if d.an.Prog != nil {
		warns = d.an.Prog.Warnings
	}
	return diagnostic.Of(d.path, d.an.Err, warns)
}

func (d *document) diagnostics() []protocol.Diagnostic {
	out := []protocol.Diagnostic{}
	for _, x := range d.report().Diagnostics {
		sev := protocol.DiagnosticSeverityError
		if x.Severity == "warning" {
			sev = protocol.DiagnosticSeverityWarning
		}
		out = append(out, protocol.Diagnostic{Range: d.span(x.Range), Severity: sev, Source: "nox", Message: x.Message})
	}
	return out
}

// span is the protocol range of a diagnostic's range.
func (d *document) span(r diagnostic.Range) protocol.Range {
	return d.rng(lang.Pos{Line: r.Line, Column: r.Column}, lang.Pos{Line: r.EndLine, Column: r.EndColumn})
}
