package lsp_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
)

// TestLargeDocuments: a keystroke in a large file costs no more than in
// a small one. Before, semantic tokens walked the line table and the
// occurrences for every token (a 1 MB file of short lines took two
// minutes, blocking the server), and completion scanned the whole text
// before the cursor.
func TestLargeDocuments(t *testing.T) {
	c := start(t)
	u, _ := workspace(t, program)
	for _, text := range []string{
		strings.Repeat("1\n", 500000),                    // 1 MB, over nox's size limit
		strings.Repeat("# a comment line\n", 60000),      // 1 MB of comments
		strings.Repeat("a = 1\n", 6000) + program,        // parses: 6,000 names
		program + strings.Repeat("x = MAF(8) |> ", 3000), // a long statement being typed
	} {
		c.open(u, text)
		lines := strings.Count(text, "\n")
		t0 := time.Now()
		var toks protocol.SemanticTokens
		if err := c.call("textDocument/semanticTokens/full", map[string]any{"textDocument": map[string]any{"uri": u}}, &toks); err != nil {
			t.Fatal(err)
		}
		completions(t, c, u, uint32(lines), 3)
		hoverText(t, c, u, uint32(lines/2), 1)
		if e := time.Since(t0); e > 3*time.Second {
			t.Errorf("%d bytes: semantic tokens, completion and hover took %v", len(text), e)
		}
		c.notify(protocol.MethodTextDocumentDidClose, &protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}})
		c.published()
	}
}

// TestCompletionAfterDensity: the statements after a density statement
// are not in its body (before, every later line completed as the
// density's body, with no layers and no call arguments).
func TestCompletionAfterDensity(t *testing.T) {
	c := start(t)
	u, _ := workspace(t, program)
	dens := program + "density post(z: 2) = normal_lpdf(z, 0, 1)\n"
	for _, x := range []struct {
		typed     string
		want, not []string
	}{
		{"f3 = MAF(8) |> ", []string{"Gaussian", "MAF"}, []string{"normal_lpdf"}},
		{"f3 = MAF(8, ", []string{"dropout"}, []string{"normal_lpdf"}},
		{"density q(w: 2) = ", []string{"normal_lpdf", "w"}, []string{"MAF", "z"}},
		{"# MAF(", nil, []string{"dropout", "MAF"}},
		{`f4 = csv("points.csv") # "`, nil, []string{"x"}},
	} {
		c.open(u, dens+x.typed)
		got := completions(t, c, u, 7, uint32(len(x.typed)))
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
		c.notify(protocol.MethodTextDocumentDidClose, &protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}})
		c.published()
	}
}

// TestRenameDefParameters: a keyword argument of a def's call is a use
// of its parameter (renaming h renamed only the def, and the call then
// named an argument block has not), and a def's body sees the names
// bound before its calls, as the checker does (renaming later, bound
// after the def but before the call, missed the body's use).
func TestRenameDefParameters(t *testing.T) {
	c := start(t)
	u, _ := workspace(t, program)
	src := "def block(h) = MAF(h) |> later\nlater = Reverse\nflow = block(h = 8) |> Gaussian\n"
	if d := c.open(u, src); len(d) != 0 {
		t.Fatalf("diagnostics %+v", d)
	}
	for _, r := range []struct {
		line, char uint32
		to         string
		want       []protocol.Position
	}{
		{0, 10, "width", []protocol.Position{pos(0, 10), pos(0, 19), pos(2, 13)}},
		{1, 2, "tail", []protocol.Position{pos(0, 25), pos(1, 0)}},
	} {
		var edit protocol.WorkspaceEdit
		if err := c.call(protocol.MethodTextDocumentRename, &protocol.RenameParams{TextDocumentPositionParams: at(u, r.line, r.char), NewName: r.to}, &edit); err != nil {
			t.Fatal(err)
		}
		var got []protocol.Position
		for _, e := range edit.Changes[u] {
			got = append(got, e.Range.Start)
		}
		if !slices.Equal(got, r.want) {
			t.Errorf("rename to %s edits %v, want %v", r.to, got, r.want)
		}
	}
	var locs []protocol.Location
	c.call(protocol.MethodTextDocumentDefinition, &protocol.DefinitionParams{TextDocumentPositionParams: at(u, 0, 27)}, &locs)
	if len(locs) != 1 || locs[0].Range.Start != pos(1, 0) {
		t.Errorf("definition of later in the body: %+v", locs)
	}
	var h *protocol.SignatureHelp
	c.edit(u, 2, protocol.Range{Start: pos(3, 0), End: pos(3, 0)}, "f2 = block(")
	if err := c.call(protocol.MethodTextDocumentSignatureHelp, &protocol.SignatureHelpParams{TextDocumentPositionParams: at(u, 3, 11)}, &h); err != nil || h == nil || !strings.HasPrefix(h.Signatures[0].Label, "block(") {
		t.Errorf("signature help of a def: %+v, %v", h, err)
	}
}

// TestCRLF: a file with CRLF line endings gets tokens without the \r
// and formatting that keeps its line endings.
func TestCRLF(t *testing.T) {
	c := start(t)
	u, _ := workspace(t, program)
	src := "# a comment\r\nflow=MAF(8)|>Gaussian\r\n"
	c.open(u, src)
	var toks protocol.SemanticTokens
	c.call("textDocument/semanticTokens/full", map[string]any{"textDocument": map[string]any{"uri": u}}, &toks)
	if len(toks.Data) < 5 || toks.Data[2] != uint32(len("# a comment")) {
		t.Errorf("the comment's token: %v", toks.Data[:min(5, len(toks.Data))])
	}
	var edits []protocol.TextEdit
	if err := c.call(protocol.MethodTextDocumentFormatting, &protocol.DocumentFormattingParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}, &edits); err != nil {
		t.Fatal(err)
	}
	if len(edits) != 1 || edits[0].NewText != "# a comment\r\nflow = MAF(8) |> Gaussian\r\n" {
		t.Errorf("formatting %+v", edits)
	}
	if h := hoverText(t, c, u, 0, 4); h != "" {
		t.Errorf("hover in a comment: %q", h)
	}
}

// TestHoverAngles: a data set's hover names its angle columns.
func TestHoverAngles(t *testing.T) {
	c := start(t)
	u, _ := workspace(t, program)
	c.open(u, "data = toy(\"torus\", n = 100)\n")
	if h := hoverText(t, c, u, 0, 1); !strings.Contains(h, "angles (in [-π, π)): ") {
		t.Errorf("hover %q", h)
	}
}
