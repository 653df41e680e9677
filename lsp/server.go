// Package lsp is nox's language server (`noxc lsp`): diagnostics while
// typing, hover, completion, go to definition, references, rename,
// document symbols, formatting, quick fixes and semantic tokens, over
// the Language Server Protocol on a stream (stdio for noxc).
//
// The wire (JSON-RPC 2.0 with Content-Length framing) is go.lsp.dev's
// jsonrpc2 and the messages are go.lsp.dev/protocol's types; this
// package dispatches the methods it serves and answers every other
// request with MethodNotFound. Meaning comes from nox itself: every
// change is checked by nox.Analyze (the same checker as `noxc check`,
// data files read once through a nox.FileCache), names are resolved by
// the index (index.go), and docs and signatures come from the registry
// (stdlib) and the binder's tables (compiler.Signatures), so the server
// cannot disagree with the compiler.
package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/compiler"
)

// Options configure a server.
type Options struct {
	// Limits bound the cost of the programs checked (zero: defaults).
	Limits compiler.Limits
	// Log, if set, receives a line per failed request.
	Log io.Writer
}

type server struct {
	conn  jsonrpc2.Conn
	opts  Options
	cache *nox.FileCache

	mu       sync.Mutex
	docs     map[protocol.DocumentURI]*document
	shutdown bool
	exited   chan struct{}
	exitOnce sync.Once // a client may send exit twice
}

// Serve runs a language server on rwc until the client sends exit or
// closes the stream. It returns nil after an orderly shutdown, and an
// error for an exit without shutdown (noxc lsp then exits 1, as the
// protocol asks).
func Serve(ctx context.Context, rwc io.ReadWriteCloser, opts Options) error {
	s := &server{opts: opts, cache: nox.NewFileCache(), docs: map[protocol.DocumentURI]*document{}, exited: make(chan struct{})}
	s.conn = jsonrpc2.NewConn(jsonrpc2.NewStream(rwc))
	s.conn.Go(ctx, s.handle)
	select {
	case <-s.exited:
		// Closing the stream ends the reading goroutine on most streams,
		// but not a read of a blocking pipe (noxc's standard input, which
		// Neovim keeps open until the process ends): the server does not
		// wait for it long. Every reply was written before exit was read.
		s.conn.Close()
		select {
		case <-s.conn.Done():
		case <-time.After(100 * time.Millisecond):
		}
		if !s.isShutdown() {
			return errors.New("the client sent exit without shutdown")
		}
		return nil
	case <-s.conn.Done():
		if err := s.conn.Err(); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrClosedPipe) {
			return err
		}
		return nil
	case <-ctx.Done():
		s.conn.Close()
		return ctx.Err()
	}
}

// handle dispatches one request or notification. It runs on the
// connection's reading goroutine, so messages are handled in the order
// they were sent: a change is analysed before the hover that follows it.
func (s *server) handle(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	switch req.Method() {
	case protocol.MethodInitialize:
		return reply(ctx, s.initialize(), nil)
	case protocol.MethodInitialized, protocol.MethodTextDocumentDidSave, "$/cancelRequest", "$/setTrace":
		return reply(ctx, nil, nil)
	case protocol.MethodShutdown:
		s.mu.Lock()
		s.shutdown = true
		s.mu.Unlock()
		return reply(ctx, nil, nil)
	case protocol.MethodExit:
		s.exitOnce.Do(func() { close(s.exited) })
		return nil
	case protocol.MethodTextDocumentDidOpen:
		return notification(ctx, req, s, s.didOpen)
	case protocol.MethodTextDocumentDidChange:
		return notification(ctx, req, s, s.didChange)
	case protocol.MethodTextDocumentDidClose:
		return notification(ctx, req, s, s.didClose)
	case protocol.MethodTextDocumentHover:
		return call(ctx, reply, req, s, (*server).hover)
	case protocol.MethodTextDocumentCompletion:
		return call(ctx, reply, req, s, (*server).completion)
	case protocol.MethodTextDocumentSignatureHelp:
		return call(ctx, reply, req, s, (*server).signatureHelp)
	case protocol.MethodTextDocumentDefinition:
		return call(ctx, reply, req, s, (*server).definition)
	case protocol.MethodTextDocumentReferences:
		return call(ctx, reply, req, s, (*server).references)
	case protocol.MethodTextDocumentDocumentHighlight:
		return call(ctx, reply, req, s, (*server).highlight)
	case protocol.MethodTextDocumentDocumentSymbol:
		return call(ctx, reply, req, s, (*server).symbols)
	case protocol.MethodTextDocumentPrepareRename:
		return call(ctx, reply, req, s, (*server).prepareRename)
	case protocol.MethodTextDocumentRename:
		return call(ctx, reply, req, s, (*server).rename)
	case protocol.MethodTextDocumentFormatting:
		return call(ctx, reply, req, s, (*server).formatting)
	case protocol.MethodTextDocumentCodeAction:
		return call(ctx, reply, req, s, (*server).codeActions)
	case methodSemanticTokensFull:
		return call(ctx, reply, req, s, (*server).semanticTokens)
	}
	return jsonrpc2.MethodNotFoundHandler(ctx, reply, req)
}

// call decodes a request's params, runs fn on the document they name
// and replies with its result or error.
func call[P any, R any](ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request, s *server, fn func(*server, *P) (R, error)) error {
	var p P
	if err := json.Unmarshal(req.Params(), &p); err != nil {
		return reply(ctx, nil, fmt.Errorf("%w: %s", jsonrpc2.ErrInvalidParams, err))
	}
	if s.isShutdown() {
		return reply(ctx, nil, jsonrpc2.NewError(jsonrpc2.InvalidRequest, "the server is shut down"))
	}
	var r R
	err := s.guard(req.Method(), func() (err error) { r, err = fn(s, &p); return err })
	if err != nil {
		return reply(ctx, nil, err)
	}
	return reply(ctx, r, nil)
}

// notification decodes a notification's params and runs fn. A
// notification has no reply: what goes wrong is logged.
func notification[P any](ctx context.Context, req jsonrpc2.Request, s *server, fn func(context.Context, *P) error) error {
	var p P
	err := json.Unmarshal(req.Params(), &p)
	if err == nil {
		err = s.guard(req.Method(), func() error { return fn(ctx, &p) })
	} else {
		s.logf("%s: %v", req.Method(), err)
	}
	return nil
}

// guard runs fn, logging its error, and turns a panic (a bug in nox)
// into an error: the editor's session outlives it.
func (s *server) guard(method string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = jsonrpc2.NewError(jsonrpc2.InternalError, fmt.Sprintf("internal error (a bug in nox, please report it): %v", r))
		}
		if err != nil {
			s.logf("%s: %v", method, err)
		}
	}()
	return fn()
}

func (s *server) logf(format string, args ...any) {
	if s.opts.Log != nil {
		fmt.Fprintf(s.opts.Log, format+"\n", args...)
	}
}

func (s *server) isShutdown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shutdown
}

// doc returns the open document u, or an error for one never opened.
func (s *server) doc(u protocol.DocumentURI) (*document, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[u]
	if !ok {
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidParams, fmt.Sprintf("%s is not open", u))
	}
	return d, nil
}

func (s *server) initialize() *protocol.InitializeResult {
	return &protocol.InitializeResult{
		ServerInfo: &protocol.ServerInfo{Name: "noxc lsp"},
		Capabilities: protocol.ServerCapabilities{
			TextDocumentSync: &protocol.TextDocumentSyncOptions{
				OpenClose: true,
				Change:    protocol.TextDocumentSyncKindIncremental,
			},
			HoverProvider: true,
			CompletionProvider: &protocol.CompletionOptions{
				TriggerCharacters: []string{"(", ",", "{", "[", "\"", "|", " "},
			},
			SignatureHelpProvider:      &protocol.SignatureHelpOptions{TriggerCharacters: []string{"(", ","}},
			DefinitionProvider:         true,
			ReferencesProvider:         true,
			DocumentHighlightProvider:  true,
			DocumentSymbolProvider:     true,
			RenameProvider:             &protocol.RenameOptions{PrepareProvider: true},
			DocumentFormattingProvider: true,
			CodeActionProvider:         &protocol.CodeActionOptions{CodeActionKinds: []protocol.CodeActionKind{protocol.QuickFix}},
			SemanticTokensProvider:     semanticTokensOptions(),
		},
	}
}

func (s *server) didOpen(ctx context.Context, p *protocol.DidOpenTextDocumentParams) error {
	d := &document{uri: p.TextDocument.URI, path: filename(p.TextDocument.URI), version: p.TextDocument.Version}
	d.setText(p.TextDocument.Text)
	s.mu.Lock()
	s.docs[d.uri] = d
	s.mu.Unlock()
	return s.analyze(ctx, d)
}

func (s *server) didChange(ctx context.Context, p *didChangeParams) error {
	d, err := s.doc(p.TextDocument.URI)
	if err != nil {
		return err
	}
	for _, c := range p.ContentChanges {
		d.apply(c)
	}
	d.version = p.TextDocument.Version
	return s.analyze(ctx, d)
}

func (s *server) didClose(ctx context.Context, p *protocol.DidCloseTextDocumentParams) error {
	s.mu.Lock()
	delete(s.docs, p.TextDocument.URI)
	s.mu.Unlock()
	// A closed file's diagnostics are no longer the server's to show.
	return s.conn.Notify(ctx, protocol.MethodTextDocumentPublishDiagnostics,
		&protocol.PublishDiagnosticsParams{URI: p.TextDocument.URI, Diagnostics: []protocol.Diagnostic{}})
}

// filename is the path of a file: URI (a client may open an unsaved
// buffer under another scheme: its relative paths resolve against the
// working directory).
func filename(u protocol.DocumentURI) string {
	if strings.HasPrefix(string(u), uri.FileScheme+"://") { // Filename panics on another scheme
		return uri.URI(u).Filename()
	}
	return string(u)
}
