package lsp_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/noxlang/nox/lsp"
)

// TestSemanticTokens: names are classified by what they are, and the
// encoding (relative lines and starts, UTF-16 lengths) is the protocol's.
func TestSemanticTokens(t *testing.T) {
	c := start(t)
	u, _ := workspace(t, program)
	c.open(u, program)
	var init protocol.InitializeResult
	c.call(protocol.MethodInitialize, &protocol.InitializeParams{}, &init)
	legend := init.Capabilities.SemanticTokensProvider.(map[string]any)["legend"].(map[string]any)
	types := legend["tokenTypes"].([]any)
	var toks protocol.SemanticTokens
	if err := c.call("textDocument/semanticTokens/full", map[string]any{"textDocument": map[string]any{"uri": u}}, &toks); err != nil {
		t.Fatal(err)
	}
	if len(toks.Data)%5 != 0 {
		t.Fatalf("%d numbers", len(toks.Data))
	}
	lines := strings.Split(program, "\n")
	got := map[string]string{}
	line, char := uint32(0), uint32(0)
	for i := 0; i < len(toks.Data); i += 5 {
		if toks.Data[i] > 0 {
			char = 0
		}
		line += toks.Data[i]
		char += toks.Data[i+1]
		text := lines[line][char : char+toks.Data[i+2]]
		kind := types[toks.Data[i+3]].(string)
		if toks.Data[i+4]&1 != 0 {
			kind += "+declaration"
		}
		if _, seen := got[text]; !seen {
			got[text] = kind
		}
	}
	for text, want := range map[string]string{
		"# points in the plane": "comment", `"points.csv"`: "string", "16": "number", "def": "keyword",
		"MAF": "class", "Gaussian": "type", "csv": "function", "block": "function+declaration",
		"h": "parameter+declaration", "flow": "variable+declaration", "steps": "property", "|>": "operator", "train": "keyword",
	} {
		if got[text] != want {
			t.Errorf("token %q is %q, want %q", text, got[text], want)
		}
	}
}

// TestUTF16Positions: the protocol counts UTF-16 code units; names after
// accented letters and emoji (two units) are found where the editor
// says they are, and an edit there lands in the right place.
func TestUTF16Positions(t *testing.T) {
	c := start(t)
	u, _ := workspace(t, program)
	src := "# données 🎲\ndata = csv(\"points.csv\") # é🎲\nflow = MAF(8) |> Gaussian # 🎲🎲\ntrain flow on data { steps = 10 }\n"
	if d := c.open(u, src); len(d) != 0 {
		t.Fatalf("diagnostics %+v", d)
	}
	// "# é🎲" then a misspelling after the emoji: é is one unit, 🎲 two.
	d := c.edit(u, 2, protocol.Range{Start: pos(1, 30), End: pos(1, 30)}, "\nflow2 = MAFF(8) |> Gaussian")
	if len(d) != 1 || d[0].Range != (protocol.Range{Start: pos(2, 8), End: pos(2, 12)}) {
		t.Fatalf("diagnostics %+v; want MAFF at 2:8-2:12", d)
	}
	d = c.edit(u, 3, protocol.Range{Start: pos(0, 12), End: pos(0, 12)}, "🎲")
	if len(d) != 1 {
		t.Fatalf("after an emoji in the comment: %+v", d)
	}
	// In "flow = MAF(8) |> Gaussian # 🎲🎲" (line 3), hover on Gaussian.
	if h := hoverText(t, c, u, 3, 18); !strings.Contains(h, "Gaussian") {
		t.Errorf("hover %q", h)
	}
	// A line of emoji before a name on the same line.
	d = c.edit(u, 4, protocol.Range{Start: pos(2, 0), End: pos(2, 0)}, "# 🎲🎲\n")
	if len(d) != 1 || d[0].Range.Start != pos(3, 8) {
		t.Errorf("diagnostics %+v; want MAFF at 3:8", d)
	}
}

// TestRobustness: requests about files never opened, bad params, edits
// past the end of the text and unknown methods are errors or clamped,
// never a crash; the server exits cleanly on shutdown and exit.
func TestRobustness(t *testing.T) {
	a, b := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- lsp.Serve(context.Background(), a, lsp.Options{}) }()
	conn := jsonrpc2.NewConn(jsonrpc2.NewStream(b))
	diags := make(chan protocol.PublishDiagnosticsParams, 16)
	conn.Go(context.Background(), func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		if req.Method() == protocol.MethodTextDocumentPublishDiagnostics {
			diags <- protocol.PublishDiagnosticsParams{}
		}
		return reply(ctx, nil, nil)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out any
	if _, err := conn.Call(ctx, protocol.MethodTextDocumentHover, &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: "file:///nowhere.nox"}}}, &out); err == nil {
		t.Error("hover on a file never opened: no error")
	}
	if _, err := conn.Call(ctx, protocol.MethodTextDocumentHover, "not params", &out); err == nil {
		t.Error("bad params: no error")
	}
	if _, err := conn.Call(ctx, "textDocument/noSuchThing", map[string]any{}, &out); err == nil {
		t.Error("unknown method: no error")
	}
	dir := t.TempDir()
	u := protocol.DocumentURI(uri.File(filepath.Join(dir, "p.nox")))
	conn.Notify(ctx, protocol.MethodTextDocumentDidOpen, &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: u, Text: "flow = MAF(8) |> Gaussian\n"}})
	<-diags
	conn.Notify(ctx, protocol.MethodTextDocumentDidChange, map[string]any{
		"textDocument":   map[string]any{"uri": u, "version": 2},
		"contentChanges": []map[string]any{{"range": protocol.Range{Start: pos(40, 3), End: pos(99, 0)}, "text": "x = 1\n"}},
	})
	<-diags
	// An untitled buffer (another scheme) is checked too.
	conn.Notify(ctx, protocol.MethodTextDocumentDidOpen, &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: "untitled:Untitled-1", Text: "flow = MAF(8) |> Gaussian\n"}})
	<-diags
	if _, err := conn.Call(ctx, protocol.MethodShutdown, nil, &out); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Call(ctx, protocol.MethodTextDocumentHover, &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}}}, &out); err == nil {
		t.Error("a request after shutdown: no error")
	}
	conn.Notify(ctx, protocol.MethodExit, nil)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the server did not exit")
	}
}

// TestExamplesLatency: every example is checked and its diagnostics
// published within 50 ms of a change, once its data files are cached
// (the first open reads them). The figures are logged (go test -run
// Latency -v); the bound checked is looser, for loaded CI machines.
func TestExamplesLatency(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.nox")
	vi, _ := filepath.Glob("../examples/vi/*.nox")
	files = append(files, vi...)
	if len(files) < 10 {
		t.Fatalf("%d examples", len(files))
	}
	c := start(t)
	var worst time.Duration
	for _, f := range files {
		abs, _ := filepath.Abs(f)
		src, err := os.ReadFile(abs)
		if err != nil {
			t.Fatal(err)
		}
		u := protocol.DocumentURI(uri.File(abs))
		t0 := time.Now()
		if d := c.open(u, string(src)); len(d) != 0 {
			t.Errorf("%s: %+v", f, d)
		}
		first := time.Since(t0)
		// A change: a character typed at the start, then checked again.
		var best, slowest time.Duration
		for i := range 5 {
			t0 = time.Now()
			c.edit(u, int32(2+i), protocol.Range{Start: pos(0, 0), End: pos(0, 0)}, "#")
			e := time.Since(t0)
			if i == 0 || e < best {
				best = e
			}
			slowest = max(slowest, e)
		}
		worst = max(worst, best)
		t.Logf("%-28s first open %6.1f ms, a change %5.1f ms (slowest of 5: %5.1f ms)", filepath.Base(f), ms(first), ms(best), ms(slowest))
	}
	t.Logf("slowest example, best of 5 changes: %.1f ms", ms(worst))
	if worst > 250*time.Millisecond {
		t.Errorf("a change takes %.0f ms to check; want well under 50 ms", ms(worst))
	}
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }
