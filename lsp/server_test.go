package lsp_test

import (
	"context"
	"encoding/json"
	"fmt"
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

// client drives a server through the protocol, as an editor does: over
// a stream, with JSON-RPC framing, reading the notifications it sends.
type client struct {
	t     *testing.T
	conn  jsonrpc2.Conn
	diags chan protocol.PublishDiagnosticsParams
	done  chan error
}

func start(t *testing.T) *client {
	t.Helper()
	a, b := net.Pipe()
	c := &client{t: t, diags: make(chan protocol.PublishDiagnosticsParams, 64), done: make(chan error, 1)}
	go func() { c.done <- lsp.Serve(context.Background(), a, lsp.Options{}) }()
	c.conn = jsonrpc2.NewConn(jsonrpc2.NewStream(b))
	c.conn.Go(context.Background(), func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		if req.Method() == protocol.MethodTextDocumentPublishDiagnostics {
			var p protocol.PublishDiagnosticsParams
			if err := json.Unmarshal(req.Params(), &p); err != nil {
				t.Errorf("publishDiagnostics: %v", err)
			}
			c.diags <- p
		}
		return reply(ctx, nil, nil)
	})
	var init protocol.InitializeResult
	c.call(protocol.MethodInitialize, &protocol.InitializeParams{}, &init)
	c.notify(protocol.MethodInitialized, &protocol.InitializedParams{})
	t.Cleanup(func() { c.conn.Close() })
	return c
}

func (c *client) call(method string, params, result any) error {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.conn.Call(ctx, method, params, result)
	return err
}

func (c *client) notify(method string, params any) {
	c.t.Helper()
	if err := c.conn.Notify(context.Background(), method, params); err != nil {
		c.t.Fatal(err)
	}
}

// published waits for the next diagnostics of the server.
func (c *client) published() protocol.PublishDiagnosticsParams {
	c.t.Helper()
	select {
	case p := <-c.diags:
		return p
	case <-time.After(10 * time.Second):
		c.t.Fatal("no diagnostics published within 10 s")
	}
	return protocol.PublishDiagnosticsParams{}
}

func (c *client) open(u protocol.DocumentURI, text string) []protocol.Diagnostic {
	c.t.Helper()
	c.notify(protocol.MethodTextDocumentDidOpen, &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{URI: u, LanguageID: "nox", Version: 1, Text: text}})
	return c.published().Diagnostics
}

// edit sends one incremental change: text replaces the range.
func (c *client) edit(u protocol.DocumentURI, version int32, r protocol.Range, text string) []protocol.Diagnostic {
	c.t.Helper()
	c.notify(protocol.MethodTextDocumentDidChange, map[string]any{
		"textDocument":   map[string]any{"uri": u, "version": version},
		"contentChanges": []map[string]any{{"range": r, "text": text}},
	})
	return c.published().Diagnostics
}

func pos(line, char uint32) protocol.Position { return protocol.Position{Line: line, Character: char} }

func at(u protocol.DocumentURI, line, char uint32) protocol.TextDocumentPositionParams {
	return protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: pos(line, char)}
}

const program = `# points in the plane
data = csv("points.csv", columns = ["x", "y"])
def block(h) = MAF(h) |> Reverse
flow = block(16) |> block(16) |> Gaussian
train flow on data { steps = 10, batch = 32 }
sample flow 100 to "out.csv"
`

// workspace writes program and its data set (columns x, y, z) to a
// temporary directory and returns the program's URI.
func workspace(t *testing.T, src string) (protocol.DocumentURI, string) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,y,z\n")
	for i := range 50 {
		fmt.Fprintf(&b, "%g,%g,%d\n", float64(i)/7, float64(i*i%13)/3, i%2)
	}
	if err := os.WriteFile(filepath.Join(dir, "points.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "prog.nox")
	os.WriteFile(path, []byte(src), 0o644)
	return protocol.DocumentURI(uri.File(path)), dir
}
