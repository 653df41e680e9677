package lsp_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// TestRandomEdits types, deletes and pastes at random places of the
// examples (half-written statements, unbalanced brackets, open strings,
// multi-byte text) and asks every question at random positions after
// each change: the server must answer each without an internal error
// (a panic it caught) and publish diagnostics after every change.
func TestRandomEdits(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.nox")
	snippets := []string{"MAF(", "|> ", "{ steps = ", "\"", "[", "]", ")", "}", "é🎲", "\n", "# c\n", "train ", "density p(z: 2) = ",
		"sum(r in ", "columns = [\"", ",", "=", "def b(h) = ", "Inverse(", "repeat(3, ", "-", "1e", "z[0", ":"}
	rng := rand.New(rand.NewPCG(1, 2))
	c := start(t)
	ops := 300
	if testing.Short() {
		ops = 60
	}
	for _, f := range files[:3] {
		abs, _ := filepath.Abs(f)
		src, _ := os.ReadFile(abs)
		u := protocol.DocumentURI(uri.File(abs))
		text := string(src)
		c.open(u, text)
		for i := range ops {
			lines := strings.Split(text, "\n")
			line := rng.IntN(len(lines))
			r := protocol.Range{Start: randPos(rng, lines, line), End: randPos(rng, lines, line)}
			if before(r.End, r.Start) {
				r.Start, r.End = r.End, r.Start
			}
			ins := snippets[rng.IntN(len(snippets))]
			if rng.IntN(3) == 0 {
				ins = ""
			}
			c.edit(u, int32(i+2), r, ins)
			text = applyEdit(lines, r, ins)
			lines = strings.Split(text, "\n")
			l := rng.IntN(len(lines))
			p := at(u, uint32(l), randPos(rng, lines, l).Character)
			td := protocol.TextDocumentIdentifier{URI: u}
			for method, params := range map[string]any{
				protocol.MethodTextDocumentHover:          &protocol.HoverParams{TextDocumentPositionParams: p},
				protocol.MethodTextDocumentCompletion:     &protocol.CompletionParams{TextDocumentPositionParams: p},
				protocol.MethodTextDocumentSignatureHelp:  &protocol.SignatureHelpParams{TextDocumentPositionParams: p},
				protocol.MethodTextDocumentDefinition:     &protocol.DefinitionParams{TextDocumentPositionParams: p},
				protocol.MethodTextDocumentReferences:     &protocol.ReferenceParams{TextDocumentPositionParams: p},
				protocol.MethodTextDocumentRename:         &protocol.RenameParams{TextDocumentPositionParams: p, NewName: "zz"},
				protocol.MethodTextDocumentDocumentSymbol: &protocol.DocumentSymbolParams{TextDocument: td},
				protocol.MethodTextDocumentFormatting:     &protocol.DocumentFormattingParams{TextDocument: td},
				protocol.MethodTextDocumentCodeAction:     &protocol.CodeActionParams{TextDocument: td, Range: protocol.Range{Start: p.Position, End: p.Position}},
				"textDocument/semanticTokens/full":        map[string]any{"textDocument": td},
			} {
				var out any
				if err := c.call(method, params, &out); err != nil && strings.Contains(err.Error(), "internal error") {
					t.Fatalf("%s at %v after %d edits of %s: %v\ntext:\n%s", method, p.Position, i+1, f, err, text)
				}
			}
		}
	}
}

// randPos is a random position on line (in UTF-16 units, on a rune
// boundary).
func randPos(rng *rand.Rand, lines []string, line int) protocol.Position {
	runes := []rune(lines[line])
	k := rng.IntN(len(runes) + 1)
	return pos(uint32(line), uint32(utf16Len(string(runes[:k]))))
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

func before(a, b protocol.Position) bool {
	return a.Line < b.Line || a.Line == b.Line && a.Character < b.Character
}

// applyEdit is the text after replacing r (on lines) by ins.
func applyEdit(lines []string, r protocol.Range, ins string) string {
	off := func(p protocol.Position) int {
		o := 0
		for i := 0; i < int(p.Line); i++ {
			o += len(lines[i]) + 1
		}
		units := 0
		for i, ru := range lines[p.Line] {
			if units >= int(p.Character) {
				return o + i
			}
			units += utf16Len(string(ru))
		}
		return o + len(lines[p.Line])
	}
	text := strings.Join(lines, "\n")
	s, e := off(r.Start), off(r.End)
	out := text[:s] + ins + text[e:]
	if !utf8.ValidString(out) {
		panic("invalid text")
	}
	return out
}
