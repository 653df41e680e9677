package lang

import (
	"bytes"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Format returns the canonical form of a .nox file, as gofmt does for Go:
// one statement per line, single spaces around `=`, `|>` and keywords and
// after commas, none inside brackets, `{ a = 1 }` for options, at most one
// blank line between statements, and comments kept where they were (a
// comment on its own line stays on its own line; a trailing comment
// follows its line after two spaces). Line breaks the author put inside a
// statement — before `|>`, after a comma or an opening bracket, before a
// closing bracket — are kept and indented by four spaces per level, so long
// pipelines and argument lists stay readable. A trailing comma is kept only
// before a line break.
//
// Format is idempotent and preserves meaning: the result parses to the
// same AST (positions aside). A file that does not parse is returned
// unchanged with the syntax error.
func Format(filename string, src []byte) ([]byte, error) {
	file, err := Parse(filename, src)
	if err != nil {
		return src, err
	}
	starts := map[int]bool{}
	for _, s := range file.Stmts {
		starts[s.Pos.Offset] = true
	}
	toks, err := tokens(filename, src)
	if err != nil {
		return src, err
	}
	f := formatter{starts: starts, nextStarts: nextStarts(toks, starts)}
	for i, t := range toks {
		f.token(toks, i, t)
	}
	out := bytes.TrimRight(f.buf.Bytes(), " \n")
	if len(out) == 0 {
		return nil, nil
	}
	return append(out, '\n'), nil
}

// tok is a significant token or comment with the line breaks before it.
type tok struct {
	kind   string // "Comment", "String", "Float", "Int", "Ident", "Pipe", "Punct"
	text   string
	breaks int // newlines between the previous token and this one
	offset int
}

func tokens(filename string, src []byte) ([]tok, error) {
	lx, err := Lexer.Lex(filename, bytes.NewReader(src))
	if err != nil {
		return nil, err
	}
	names := map[lexer.TokenType]string{}
	for name, typ := range Lexer.Symbols() {
		names[typ] = name
	}
	var out []tok
	breaks := 0
	for {
		t, err := lx.Next()
		if err != nil {
			return nil, err
		}
		if t.EOF() {
			return out, nil
		}
		kind := names[t.Type]
		if kind == "Whitespace" {
			breaks += strings.Count(t.Value, "\n")
			continue
		}
		out = append(out, tok{kind: kind, text: t.Value, breaks: breaks, offset: t.Pos.Offset})
		breaks = 0
	}
}

type formatter struct {
	buf    bytes.Buffer
	starts map[int]bool // offsets where statements start
	// nextStarts[i]: whether the next code token after token i starts a
	// statement.
	nextStarts []bool
	depth      int // open brackets
	// brackets holds the open brackets, innermost last: a colon inside
	// [ ] is a slice's, spaced as an operator of an index is not.
	brackets []byte
	cont     bool // the current line continues a statement
	atBOL    bool // nothing written on the current line yet
	prev     *tok
	// lastCode is the last token that is not a comment, prev2 the one
	// before it: whether a - is a sign depends on what came before it.
	lastCode, prev2 *tok
}

func isOpen(t tok) bool  { return t.kind == "Punct" && strings.Contains("([{", t.text) }
func isClose(t tok) bool { return t.kind == "Punct" && strings.Contains(")]}", t.text) }

// newline ends the current line (if anything is on it) and, with blank,
// leaves one empty line.
func (f *formatter) newline(blank bool) {
	trimmed := bytes.TrimRight(f.buf.Bytes(), " ")
	f.buf.Truncate(len(trimmed))
	if f.buf.Len() == 0 {
		f.atBOL = true
		return
	}
	if !f.atBOL {
		f.buf.WriteByte('\n')
	}
	if blank && !bytes.HasSuffix(f.buf.Bytes(), []byte("\n\n")) {
		f.buf.WriteByte('\n')
	}
	f.atBOL = true
}

// level is the indentation of a continuation line starting with t: one
// level per open bracket, at least one inside a statement; a closing
// bracket lines up with the line that opened it.
func (f *formatter) level(t tok) int {
	if isClose(t) {
		return max(f.depth-1, 0)
	}
	if f.depth == 0 && !f.cont && t.kind == "Comment" {
		return 0
	}
	return max(f.depth, 1)
}

func (f *formatter) indent(level int) {
	f.buf.WriteString(strings.Repeat("    ", level))
}

func (f *formatter) token(toks []tok, i int, t tok) {
	defer func() {
		if t.kind != "Comment" {
			f.prev2 = f.lastCode
			f.lastCode = &toks[i]
		}
		f.prev = &toks[i]
	}()
	if t.kind == "Comment" {
		text := strings.TrimRight(t.text, " \t\r")
		if f.prev == nil || t.breaks > 0 {
			if f.prev != nil {
				f.newline(t.breaks > 1 && f.depth == 0 && !f.cont)
			}
			level := f.level(t)
			if !f.startsStatementNext(toks, i) {
				f.indent(level)
			}
			f.buf.WriteString(text)
		} else {
			f.buf.WriteString("  " + text)
		}
		f.atBOL = false
		f.newline(false)
		return
	}
	if f.starts[t.offset] {
		if f.prev != nil {
			f.newline(t.breaks > 1)
		}
		f.depth, f.cont, f.brackets = 0, false, f.brackets[:0]
		f.write(t)
		return
	}
	// A token inside a statement.
	if t.breaks > 0 && f.keepsBreak(t) {
		if !f.atBOL {
			f.newline(false)
		}
		f.indent(f.level(t))
		f.cont = true
		f.write(t)
		return
	}
	if f.prev != nil && f.prev.kind == "Comment" && !f.atBOL {
		f.newline(false)
	}
	if f.atBOL && f.prev != nil {
		f.indent(f.level(t))
		f.write(t)
		return
	}
	if f.space(t) {
		f.buf.WriteByte(' ')
	}
	f.write(t)
}

// startsStatementNext reports whether the next code token after toks[i]
// starts a statement (a comment before a statement is not indented).
func (f *formatter) startsStatementNext(toks []tok, i int) bool { return f.nextStarts[i] }

// nextStarts returns, for each token, whether the next token after it
// that is not a comment starts a statement (true if there is none): one
// pass from the end, so that a run of comments costs linear time, not
// quadratic.
func nextStarts(toks []tok, starts map[int]bool) []bool {
	out := make([]bool, len(toks))
	next := true
	for i := len(toks) - 1; i >= 0; i-- {
		out[i] = next
		if toks[i].kind != "Comment" {
			next = starts[toks[i].offset]
		}
	}
	return out
}

// keepsBreak reports whether a line break the author put before t is kept.
func (f *formatter) keepsBreak(t tok) bool {
	p := f.prev
	if p == nil {
		return false
	}
	switch {
	case t.kind == "Pipe", isBinary(p, t):
		return true
	case isClose(t):
		return true
	case p.kind == "Punct" && (p.text == "," || isOpen(*p)):
		return true
	case p.kind == "Pipe":
		return true
	}
	return false
}

func (f *formatter) write(t tok) {
	// A trailing comma before a closing bracket on the same line is
	// dropped; before a line break it stays.
	if isClose(t) && f.prev != nil && f.prev.kind == "Punct" && f.prev.text == "," && !f.atBOL {
		b := bytes.TrimRight(f.buf.Bytes(), " ")
		if len(b) > 0 && b[len(b)-1] == ',' {
			f.buf.Truncate(len(b) - 1)
			// Only the spaces before the comma are looked at, not the
			// whole line: a line may hold thousands of such commas.
			rest := bytes.TrimRight(f.buf.Bytes(), " ")
			if len(rest) == 0 || rest[len(rest)-1] == '\n' {
				// The comma began its line (after a comment): the
				// bracket takes its place, at the bracket's level.
				f.buf.Truncate(len(rest))
				f.indent(f.level(t))
			} else if t.text == "}" {
				f.buf.WriteByte(' ')
			}
		}
	}
	if isOpen(t) {
		f.depth++
		f.brackets = append(f.brackets, t.text[0])
	} else if isClose(t) && f.depth > 0 {
		f.depth--
		f.brackets = f.brackets[:len(f.brackets)-1]
	}
	f.buf.WriteString(t.text)
	f.atBOL = false
}

// space reports whether a space separates the previous token and b on
// one line.
func (f *formatter) space(b tok) bool {
	a := f.prev
	if a == nil {
		return false
	}
	inIndex := len(f.brackets) > 0 && f.brackets[len(f.brackets)-1] == '['
	switch {
	case a.kind == "Punct" && (a.text == "(" || a.text == "["):
		return false
	case b.kind == "Punct" && b.text == ":":
		return false
	case a.kind == "Punct" && a.text == ":":
		return !inIndex // z[1:] but sum(r in data: ...)
	case b.kind == "Punct" && b.text == "[":
		return !endsOperand(*a) || isKeyword(a.text) // z[0], but given [1, 2]
	case b.kind == "Punct" && b.text == "^", a.kind == "Punct" && a.text == "^":
		return false
	case isBinary(a, b):
		return true
	case a.kind == "Punct" && (a.text == "-" || a.text == "+") && !isBinary(f.before(), *a):
		return false // a sign
	}
	switch {
	case b.kind == "Punct" && (b.text == "," || b.text == ")" || b.text == "]"):
		return false
	case b.kind == "Punct" && b.text == "}":
		return !(a.kind == "Punct" && a.text == "{")
	case b.kind == "Punct" && b.text == "(":
		return !(a.kind == "Ident") || isKeyword(a.text)
	case a.kind == "Punct" && (a.text == "(" || a.text == "["):
		return false
	}
	return true
}

// before is the code token before the previous one, or nil.
func (f *formatter) before() *tok { return f.prev2 }

// endsOperand reports whether t can end an operand: after it, + and -
// are binary and [ indexes.
func endsOperand(t tok) bool {
	switch t.kind {
	case "Int", "Float", "String":
		return true
	case "Ident":
		return !isKeyword(t.text)
	case "Punct":
		return t.text == ")" || t.text == "]"
	}
	return false
}

// isBinary reports whether t is a binary arithmetic operator after a.
func isBinary(a *tok, t tok) bool {
	if t.kind != "Punct" || !strings.Contains("+-*/", t.text) {
		return false
	}
	if t.text == "*" || t.text == "/" {
		return true
	}
	return a != nil && endsOperand(*a)
}

func isKeyword(s string) bool {
	for _, k := range Keywords {
		if k == s {
			return true
		}
	}
	return false
}
