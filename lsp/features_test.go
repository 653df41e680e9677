package lsp_test

import (
	"slices"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/noxlang/nox/lang"
)

// TestDiagnostics: opening a file publishes every error and warning
// with its range; an incremental edit that fixes the error clears it;
// the quick fix of a did-you-mean is the edit that fixes it.
func TestDiagnostics(t *testing.T) {
	c := start(t)
	u, _ := workspace(t, program)
	if d := c.open(u, program); len(d) != 0 {
		t.Fatalf("a clean file has diagnostics %+v", d)
	}
	// MAF → MAFF and an undefined name on another line: both reported.
	d := c.edit(u, 2, protocol.Range{Start: pos(2, 18), End: pos(2, 18)}, "F")
	d2 := c.edit(u, 3, protocol.Range{Start: pos(4, 14), End: pos(4, 18)}, "dta")
	// block is called twice: its body's error is reported for each call.
	if len(d) != 2 || len(d2) != 3 {
		t.Fatalf("diagnostics %+v then %+v; want MAFF twice, then MAFF twice and dta", d, d2)
	}
	maff := d2[0]
	if maff.Range != (protocol.Range{Start: pos(2, 15), End: pos(2, 19)}) || maff.Severity != protocol.DiagnosticSeverityError ||
		!strings.Contains(maff.Message, "MAFF") || !strings.Contains(maff.Message, "did you mean MAF?") {
		t.Errorf("diagnostic %+v; want an error at 2:15-2:19 suggesting MAF", maff)
	}
	if r := d2[2].Range; r.Start != pos(4, 14) || !strings.Contains(d2[2].Message, "dta") {
		t.Errorf("diagnostic %+v; want dta at 4:14", d2[2])
	}
	var actions []protocol.CodeAction
	if err := c.call(protocol.MethodTextDocumentCodeAction, &protocol.CodeActionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Range: protocol.Range{Start: pos(2, 16), End: pos(2, 16)},
	}, &actions); err != nil {
		t.Fatal(err)
	}
	if len(actions) != 1 || actions[0].Kind != protocol.QuickFix || actions[0].Edit == nil || len(actions[0].Diagnostics) != 2 {
		t.Fatalf("code actions %+v; want one quick fix for both diagnostics", actions)
	}
	fix := actions[0].Edit.Changes[u]
	if len(fix) != 1 || fix[0].NewText != "MAF" || fix[0].Range != maff.Range {
		t.Fatalf("quick fix %+v", fix)
	}
	c.edit(u, 4, fix[0].Range, fix[0].NewText)
	if d := c.edit(u, 5, protocol.Range{Start: pos(4, 14), End: pos(4, 17)}, "data"); len(d) != 0 {
		t.Errorf("fixed file has diagnostics %+v", d)
	}
}

// TestDiagnosticsWarningsAndFiles: warnings come with the errors, a
// missing data file is a diagnostic at its path (never a hang), and a
// file that does not parse reports its syntax error.
func TestDiagnosticsWarningsAndFiles(t *testing.T) {
	c := start(t)
	u, _ := workspace(t, program)
	missing := strings.Replace(program, "points.csv", "nowhere.csv", 1)
	d := c.open(u, missing)
	if len(d) == 0 || !strings.Contains(d[0].Message, "nowhere.csv") || d[0].Range != (protocol.Range{Start: pos(1, 11), End: pos(1, 24)}) {
		t.Errorf("missing data file: %+v", d)
	}
	c.notify(protocol.MethodTextDocumentDidClose, &protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}})
	if d := c.published(); len(d.Diagnostics) != 0 {
		t.Errorf("a closed file keeps diagnostics %+v", d)
	}
	broken := "flow = MAF(8 |> Gaussian\n"
	if d := c.open(u, broken); len(d) != 1 || d[0].Range.Start.Line != 0 {
		t.Errorf("syntax error: %+v", d)
	}
	c.notify(protocol.MethodTextDocumentDidClose, &protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}})
	c.published()
	// A MAF on one column is a warning, not an error.
	warn := strings.Replace(program, `["x", "y"]`, `["x"]`, 1)
	var sev []protocol.DiagnosticSeverity
	for _, x := range c.open(u, warn) {
		sev = append(sev, x.Severity)
	}
	if !slices.Contains(sev, protocol.DiagnosticSeverityWarning) {
		t.Errorf("severities %v; want a warning for MAF on 1 column", sev)
	}
}

func hoverText(t *testing.T, c *client, u protocol.DocumentURI, line, char uint32) string {
	t.Helper()
	var h *protocol.Hover
	if err := c.call(protocol.MethodTextDocumentHover, &protocol.HoverParams{TextDocumentPositionParams: at(u, line, char)}, &h); err != nil {
		t.Fatal(err)
	}
	if h == nil {
		return ""
	}
	return h.Contents.Value
}

// TestHover: a layer's signature and doc; a name's value with a flow's
// dimensions and parameters, a data set's rows and columns; an option's
// type and default; a def's parameter; a keyword.
func TestHover(t *testing.T) {
	c := start(t)
	u, _ := workspace(t, program)
	c.open(u, program)
	for _, h := range []struct {
		line, char uint32
		want       []string
	}{
		{2, 16, []string{"MAF(", "bijector", "hidden"}},
		{3, 35, []string{"Gaussian", "prior"}},
		{4, 7, []string{"flow: ", "2 dimensions", "parameters", "declared at line 4"}},
		{4, 15, []string{"data set", "50 rows", "2 columns", "x, y"}},
		{4, 22, []string{"steps int = 1000", "train option"}},
		{2, 10, []string{"parameter"}},
		{2, 5, []string{"function block(h)"}},
		{1, 8, []string{"csv(path string"}},
		{1, 27, []string{"columns", "csv argument"}},
		{4, 2, []string{"train {", "steps"}},
	} {
		got := hoverText(t, c, u, h.line, h.char)
		for _, w := range h.want {
			if !strings.Contains(got, w) {
				t.Errorf("hover at %d:%d = %q; want %q", h.line, h.char, got, w)
			}
		}
	}
	if got := hoverText(t, c, u, 0, 3); got != "" {
		t.Errorf("hover in a comment: %q", got)
	}
}

func completions(t *testing.T, c *client, u protocol.DocumentURI, line, char uint32) []string {
	t.Helper()
	var l protocol.CompletionList
	if err := c.call(protocol.MethodTextDocumentCompletion, &protocol.CompletionParams{TextDocumentPositionParams: at(u, line, char)}, &l); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range l.Items {
		out = append(out, it.Label)
	}
	return out
}

// TestCompletion: what may come at each place, from the text before the
// cursor, in a file being typed (whose last line does not parse).
func TestCompletion(t *testing.T) {
	c := start(t)
	u, _ := workspace(t, program)
	c.open(u, program)
	for _, x := range []struct {
		typed     string
		want, not []string
	}{
		{"flow2 = flow |> ", []string{"MAF", "Gaussian", "AffineCoupling", "repeat", "block", "data"}, []string{"train"}},
		{"", []string{"train", "sample", "density", "flow", "data"}, nil},
		{"train ", []string{"flow"}, []string{"data", "block", "MAF"}},
		{"train flow on ", []string{"data"}, []string{"flow"}},
		{"train flow on data { st", []string{"steps", "lr", "seed"}, []string{"MAF"}},
		{"train flow on data { steps = 3, ", []string{"lr"}, []string{"steps"}},
		{"train flow on data { schedule = ", []string{`"cosine"`, `"constant"`}, []string{"steps"}},
		{`d2 = csv("points.csv", columns = [`, []string{`"x"`, `"y"`, `"z"`}, nil},
		{`d2 = csv("points.csv", context = ["`, []string{"x", "z"}, nil},
		{"f2 = MAF(8, ", []string{"dropout"}, []string{"train"}},
		{"density post(z: 2) = normal_lpdf(z[0], 0, 1) + ", []string{"normal_lpdf", "exp", "sum", "z", "pi"}, []string{"MAF"}},
	} {
		c.edit(u, 2, protocol.Range{Start: pos(6, 0), End: pos(99, 0)}, x.typed)
		got := completions(t, c, u, 6, uint32(len(x.typed)))
		for _, w := range x.want {
			if !slices.Contains(got, w) {
				t.Errorf("after %q: %v lacks %q", x.typed, got, w)
			}
		}
		for _, w := range x.not {
			if slices.Contains(got, w) {
				t.Errorf("after %q: %v has %q", x.typed, got, w)
			}
		}
	}
}

// TestSignatureHelp: the signature of the call being typed, with the
// argument the cursor is at.
func TestSignatureHelp(t *testing.T) {
	c := start(t)
	u, _ := workspace(t, program)
	c.open(u, program+"f2 = MAF(8, dropout = ")
	var h *protocol.SignatureHelp
	if err := c.call(protocol.MethodTextDocumentSignatureHelp, &protocol.SignatureHelpParams{TextDocumentPositionParams: at(u, 6, 22)}, &h); err != nil {
		t.Fatal(err)
	}
	if h == nil || len(h.Signatures) != 1 || !strings.HasPrefix(h.Signatures[0].Label, "MAF(") {
		t.Fatalf("signature help %+v", h)
	}
	if p := h.Signatures[0].Parameters[h.ActiveParameter].Label; !strings.HasPrefix(p, "dropout") {
		t.Errorf("active parameter %q; want dropout", p)
	}
}

// TestNavigation: definition, references, highlights and document
// symbols of names and defs, and a def's parameter in its own scope.
func TestNavigation(t *testing.T) {
	c := start(t)
	u, _ := workspace(t, program)
	c.open(u, program)
	var locs []protocol.Location
	c.call(protocol.MethodTextDocumentDefinition, &protocol.DefinitionParams{TextDocumentPositionParams: at(u, 3, 21)}, &locs)
	if len(locs) != 1 || locs[0].Range.Start != pos(2, 4) {
		t.Errorf("definition of block: %+v; want 2:4", locs)
	}
	c.call(protocol.MethodTextDocumentDefinition, &protocol.DefinitionParams{TextDocumentPositionParams: at(u, 2, 19)}, &locs)
	if len(locs) != 1 || locs[0].Range.Start != pos(2, 10) {
		t.Errorf("definition of h: %+v; want 2:10", locs)
	}
	c.call(protocol.MethodTextDocumentReferences, &protocol.ReferenceParams{TextDocumentPositionParams: at(u, 4, 7),
		Context: protocol.ReferenceContext{IncludeDeclaration: true}}, &locs)
	var starts []protocol.Position
	for _, l := range locs {
		starts = append(starts, l.Range.Start)
	}
	if !slices.Equal(starts, []protocol.Position{pos(3, 0), pos(4, 6), pos(5, 7)}) {
		t.Errorf("references of flow: %v", starts)
	}
	var hl []protocol.DocumentHighlight
	c.call(protocol.MethodTextDocumentDocumentHighlight, &protocol.DocumentHighlightParams{TextDocumentPositionParams: at(u, 3, 8)}, &hl)
	if len(hl) != 3 || hl[0].Kind != protocol.DocumentHighlightKindWrite {
		t.Errorf("highlights of block: %+v", hl)
	}
	var syms []protocol.DocumentSymbol
	c.call(protocol.MethodTextDocumentDocumentSymbol, &protocol.DocumentSymbolParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}, &syms)
	var names []string
	for _, s := range syms {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, []string{"data", "block", "flow"}) || len(syms[1].Children) != 1 || syms[1].Children[0].Name != "h" ||
		!strings.HasPrefix(syms[2].Detail, "flow: ") {
		t.Errorf("symbols %+v", syms)
	}
}

// TestRename renames every use of a name, and refuses a name that is
// reserved, taken, or not a name.
func TestRename(t *testing.T) {
	c := start(t)
	u, _ := workspace(t, program)
	c.open(u, program)
	var r *protocol.Range
	if err := c.call(protocol.MethodTextDocumentPrepareRename, &protocol.PrepareRenameParams{TextDocumentPositionParams: at(u, 5, 8)}, &r); err != nil || r == nil || r.Start != pos(5, 7) {
		t.Errorf("prepareRename: %v, %v", r, err)
	}
	if err := c.call(protocol.MethodTextDocumentPrepareRename, &protocol.PrepareRenameParams{TextDocumentPositionParams: at(u, 2, 16)}, &r); err == nil {
		t.Error("prepareRename of a layer: no error")
	}
	var edit protocol.WorkspaceEdit
	if err := c.call(protocol.MethodTextDocumentRename, &protocol.RenameParams{TextDocumentPositionParams: at(u, 5, 8), NewName: "model"}, &edit); err != nil {
		t.Fatal(err)
	}
	if n := len(edit.Changes[u]); n != 3 {
		t.Errorf("rename edits %+v; want 3", edit.Changes[u])
	}
	for _, bad := range []string{"MAF", "data", "train", "2x", "block"} {
		if err := c.call(protocol.MethodTextDocumentRename, &protocol.RenameParams{TextDocumentPositionParams: at(u, 5, 8), NewName: bad}, &edit); err == nil {
			t.Errorf("rename to %q: no error", bad)
		}
	}
}

// TestFormatting is noxc fmt's form, as one edit; a file with a syntax
// error is an error, not an edit.
func TestFormatting(t *testing.T) {
	c := start(t)
	u, _ := workspace(t, program)
	ugly := "data=csv( \"points.csv\" )\nflow=MAF(8)|>Gaussian\ntrain flow on data{steps=10}\n"
	c.open(u, ugly)
	var edits []protocol.TextEdit
	if err := c.call(protocol.MethodTextDocumentFormatting, &protocol.DocumentFormattingParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}, &edits); err != nil {
		t.Fatal(err)
	}
	want, _ := lang.Format("prog.nox", []byte(ugly))
	if len(edits) != 1 || edits[0].NewText != string(want) || edits[0].Range.End != pos(3, 0) {
		t.Errorf("formatting %+v; want %q", edits, want)
	}
	c.edit(u, 2, protocol.Range{Start: pos(0, 0), End: pos(9, 0)}, "flow = MAF(8 |> Gaussian\n")
	if err := c.call(protocol.MethodTextDocumentFormatting, &protocol.DocumentFormattingParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}, &edits); err == nil {
		t.Error("formatting a syntax error: no error")
	}
}
