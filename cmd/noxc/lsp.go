package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/noxlang/nox/lsp"
)

const lspHelp = `usage: noxc lsp [-max-memory SIZE]

Lsp runs nox's language server on standard input and output (the
Language Server Protocol, JSON-RPC with Content-Length headers), for
editors: every error and warning of a file as you type, hover (layer
signatures and docs, what a name holds: a flow's dimensions and
parameters, a data set's rows and columns), completion (layers,
arguments and options with types and defaults, names in scope, CSV
column names), go to definition, references, rename, document symbols,
formatting (noxc fmt's form), quick fixes for did-you-mean suggestions,
signature help and semantic tokens. Data files are read once and read
again only when they change. It exits when the editor sends exit or
closes the stream. Setting up Neovim and VS Code: editors/README.md.

-max-memory bounds what a file may make the checker read (the size of
its data files), as for noxc check.
`

// stdio is the server's stream: the editor writes to our standard input
// and reads our standard output.
type stdio struct {
	io.Reader
	io.Writer
}

func (stdio) Close() error { return os.Stdin.Close() }

func lspCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("lsp", stderr)
	var pol policyFlags
	pol.defineMemory(fs)
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(files) != 0 {
		fmt.Fprintf(stderr, "noxc lsp: takes no files (the editor sends them), got %q\n\n%s", files, lspHelp)
		return 2
	}
	opts := lsp.Options{Log: stderr}
	opts.Limits.MaxMemory = pol.maxMemory
	pol.setMemoryLimit()
	if err := lsp.Serve(context.Background(), stdio{stdin, stdout}, opts); err != nil {
		fmt.Fprintf(stderr, "noxc lsp: %v\n", err)
		return 1
	}
	return 0
}
