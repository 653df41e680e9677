package lsp_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/noxlang/nox/lsp"
)

// stdinLike is a stream as noxc lsp's standard input is when an editor
// starts it: a blocking pipe, whose Close does not end a Read in
// progress (os.File.Close on a blocking descriptor waits for no read),
// and which the editor keeps open after sending exit (Neovim does,
// waiting for the process to end).
type stdinLike struct {
	in   io.Reader
	open chan struct{} // closed when the test ends: the editor goes away
	mu   sync.Mutex
	out  bytes.Buffer
}

func (s *stdinLike) Read(p []byte) (int, error) {
	n, err := s.in.Read(p)
	if err == io.EOF {
		<-s.open // blocks like a read of a pipe still open
	}
	return n, err
}

func (s *stdinLike) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.Write(p)
}

func (s *stdinLike) Close() error { return nil }

func frame(msgs ...string) io.Reader {
	var b bytes.Buffer
	for _, m := range msgs {
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(m), m)
	}
	return &b
}

// TestExitWithInputOpen: the exit notification ends the server even
// while its input stays open and unread (found with Neovim 0.7, whose
// stop_client waited on a server that never exited).
func TestExitWithInputOpen(t *testing.T) {
	rwc := &stdinLike{open: make(chan struct{}), in: frame(
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}`,
		`{"jsonrpc":"2.0","method":"initialized","params":{}}`,
		`{"jsonrpc":"2.0","id":2,"method":"shutdown"}`,
		`{"jsonrpc":"2.0","method":"exit"}`,
	)}
	defer close(rwc.open)
	done := make(chan error, 1)
	go func() { done <- lsp.Serve(context.Background(), rwc, lsp.Options{}) }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the server did not exit after exit while its input was open")
	}
	rwc.mu.Lock()
	defer rwc.mu.Unlock()
	if !bytes.Contains(rwc.out.Bytes(), []byte(`"id":2`)) {
		t.Errorf("no reply to shutdown before exiting; wrote %q", rwc.out.String())
	}
}

// TestExitCodes: exit after shutdown is an orderly end (nil: noxc lsp
// exits 0); exit without shutdown is an error (noxc lsp exits 1, as the
// protocol asks); a second exit is no crash.
func TestExitCodes(t *testing.T) {
	const (
		initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}`
		shutdown   = `{"jsonrpc":"2.0","id":2,"method":"shutdown"}`
		exit       = `{"jsonrpc":"2.0","method":"exit"}`
	)
	for _, c := range []struct {
		name    string
		msgs    []string
		wantErr bool
	}{
		{"shutdown then exit", []string{initialize, shutdown, exit}, false},
		{"exit without shutdown", []string{initialize, exit}, true},
		{"exit twice", []string{initialize, shutdown, exit, exit, exit}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			rwc := &stdinLike{open: make(chan struct{}), in: frame(c.msgs...)}
			defer close(rwc.open)
			done := make(chan error, 1)
			go func() { done <- lsp.Serve(context.Background(), rwc, lsp.Options{}) }()
			select {
			case err := <-done:
				if (err != nil) != c.wantErr {
					t.Errorf("Serve: %v, want an error: %v", err, c.wantErr)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the server did not exit")
			}
			time.Sleep(50 * time.Millisecond) // a second exit, if mishandled, panics now
		})
	}
}
