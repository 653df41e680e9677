package lsp

import (
	"sort"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"go.lsp.dev/protocol"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/lang"
)

// A document is an open file's text as the client edits it, with its
// analysis. Positions cross three units: the protocol's (0-based lines,
// UTF-16 code units), nox's (1-based lines and columns counting code
// points, lang.Pos) and byte offsets into the text; document converts
// between them with the offsets at which lines start.
type document struct {
	uri     protocol.DocumentURI
	path    string
	version int32
	text    string
	lines   []int // byte offset of each line's start
	an      nox.Analysis
	// idx indexes the names of the text; nil when it does not parse.
	idx *index
	// last is the index of the last text that parsed: while a statement
	// is half typed, completion still knows the names above it. (Hover
	// and navigation do not use it: its positions may have moved.)
	last *index
	// names are the checker's descriptions of the top-level names
	// (compiler.Program.Names) of the last text that checked far enough
	// to have them, for the same reason.
	names map[string]string
}

// change is one content change of textDocument/didChange: the whole
// text when Range is absent. (go.lsp.dev/protocol's type has a Range
// that cannot be absent, so it cannot tell the two kinds apart.)
type change struct {
	Range *protocol.Range `json:"range,omitempty"`
	Text  string          `json:"text"`
}

type didChangeParams struct {
	TextDocument   protocol.VersionedTextDocumentIdentifier `json:"textDocument"`
	ContentChanges []change                                 `json:"contentChanges"`
}

func (d *document) setText(text string) {
	d.text = text
	d.lines = append(d.lines[:0], 0)
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			d.lines = append(d.lines, i+1)
		}
	}
}

// apply makes one change: a range replaced, or the whole text.
func (d *document) apply(c change) {
	if c.Range == nil {
		d.setText(c.Text)
		return
	}
	start, end := d.offset(c.Range.Start), d.offset(c.Range.End)
	if end < start { // not a valid range; read it as the span it names
		start, end = end, start
	}
	d.setText(d.text[:start] + c.Text + d.text[end:])
}

// line returns the text of 0-based line n, without its newline.
func (d *document) line(n int) string {
	if n < 0 || n >= len(d.lines) {
		return ""
	}
	end := len(d.text)
	if n+1 < len(d.lines) {
		end = d.lines[n+1] - 1
	}
	return strings.TrimSuffix(d.text[d.lines[n]:end], "\r")
}

// offset is the byte offset of a protocol position, clamped to the text
// (a client may point past the end of a line).
func (d *document) offset(p protocol.Position) int {
	n := int(p.Line)
	if n >= len(d.lines) {
		return len(d.text)
	}
	line, units := d.line(n), 0
	for i, r := range line {
		if units >= int(p.Character) {
			return d.lines[n] + i
		}
		units += utf16.RuneLen(r)
	}
	return d.lines[n] + len(line)
}

// position is the protocol position of a byte offset.
func (d *document) position(off int) protocol.Position {
	off = max(0, min(off, len(d.text)))
	n := sort.SearchInts(d.lines, off+1) - 1 // the last line starting at or before off
	units := 0
	for _, r := range d.text[d.lines[n]:off] {
		units += utf16.RuneLen(r)
	}
	return protocol.Position{Line: uint32(n), Character: uint32(units)}
}

// offsetOf is the byte offset of a nox position's line and column.
func (d *document) offsetOf(p lang.Pos) int {
	n := p.Line - 1
	if n < 0 {
		return 0
	}
	if n >= len(d.lines) {
		return len(d.text)
	}
	off, line := d.lines[n], d.line(n)
	for col := 1; col < p.Column && len(line) > 0; col++ {
		_, size := utf8.DecodeRuneInString(line)
		off, line = off+size, line[size:]
	}
	return off
}

// rng is the protocol range of [pos, end); an empty or missing end
// covers the character at pos.
func (d *document) rng(pos, end lang.Pos) protocol.Range {
	s, e := d.offsetOf(pos), d.offsetOf(end)
	if end.Line == 0 || e <= s {
		e = s + 1
		if s < len(d.text) {
			_, size := utf8.DecodeRuneInString(d.text[s:])
			e = s + size
		}
	}
	return protocol.Range{Start: d.position(s), End: d.position(e)}
}

// inCommentOrString reports whether byte offset off is in a comment or
// a string (neither spans lines).
func (d *document) inCommentOrString(off int) bool {
	line := strings.LastIndexByte(d.text[:off], '\n') + 1
	sc := scanTo(d.text, line, off)
	return sc.inComment || sc.inString >= 0
}

// identAt returns the name under or just before byte offset off: its
// text and span, or "" when there is none.
func (d *document) identAt(off int) (string, int, int) {
	start, end := off, off
	for start > 0 && isIdent(d.text[start-1]) {
		start--
	}
	for end < len(d.text) && isIdent(d.text[end]) {
		end++
	}
	if start == end || d.text[start] >= '0' && d.text[start] <= '9' {
		return "", off, off
	}
	return d.text[start:end], start, end
}

func isIdent(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// noxPos is the nox position of a protocol position: its line, column
// (in code points) and byte offset.
func (d *document) noxPos(p protocol.Position) lang.Pos {
	off := d.offset(p)
	n := min(int(p.Line), len(d.lines)-1)
	return lang.Pos{Filename: d.path, Offset: off, Line: n + 1, Column: utf8.RuneCountInString(d.text[d.lines[n]:off]) + 1}
}
