package lang

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/noxlang/nox/internal/escape"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Lexer is nox's token definition. Comments run from # to the end of the
// line; newlines are white space (a statement ends where the grammar says
// it does, so pipelines may span lines).
var Lexer = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Comment", Pattern: `#[^\n]*`},
	{Name: "String", Pattern: `"(\\[\\"nt]|[^"\\\n])*"`},
	{Name: "Float", Pattern: `(\d+\.\d*|\.\d+)([eE][-+]?\d+)?|\d+[eE][-+]?\d+`},
	{Name: "Int", Pattern: `\d+`},
	{Name: "Ident", Pattern: `[A-Za-z_][A-Za-z0-9_]*`},
	{Name: "Pipe", Pattern: `\|>`},
	{Name: "Punct", Pattern: `[-+*/^:=(),{}\[\]]`},
	{Name: "Whitespace", Pattern: `[ \t\r\n]+`},
})

var options = []participle.Option{
	participle.Lexer(Lexer),
	participle.Elide("Comment", "Whitespace"),
	participle.Map(func(t lexer.Token) (lexer.Token, error) {
		t.Value = unquote(t.Value)
		return t, nil
	}, "String"),
	participle.UseLookahead(3),
}

var parser = participle.MustBuild[File](options...)

// exprParser parses a flow expression on its own: the grammar's Expr,
// which must be all of the input.
var exprParser = participle.MustBuild[Expr](options...)

// Grammar returns the grammar in EBNF, as participle derives it from the
// AST's struct tags. spec.md quotes it; a test keeps the two equal.
func Grammar() string { return parser.String() }

// Keywords are the reserved words.
var Keywords = []string{"def", "density", "eval", "fit", "given", "in", "on", "plot", "sample", "save", "to", "train"}

// Parse parses a .nox file. A syntax error is returned as an *Error with
// the file, line and column of the offending token.
func Parse(filename string, src []byte) (f *File, err error) {
	if err := checkLimits(filename, src); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, &Error{Pos: Pos{Filename: filename, Line: 1, Column: 1},
				Msg: fmt.Sprintf("internal error: the parser panicked (a bug in nox): %v", r)}
		}
	}()
	f, err = parser.ParseBytes(filename, src)
	if err != nil {
		return nil, syntaxError(filename, src, err, "")
	}
	return f, nil
}

// ParseExpr parses a source that holds exactly one expression, such as a
// flow for the Go embedding API ("MAF(64) |> Reverse |> Gaussian").
// Anything else — a statement, a second expression — is a syntax error,
// returned as Parse returns one.
func ParseExpr(filename string, src []byte) (e *Expr, err error) {
	if err := checkLimits(filename, src); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, &Error{Pos: Pos{Filename: filename, Line: 1, Column: 1},
				Msg: fmt.Sprintf("internal error: the parser panicked (a bug in nox): %v", r)}
		}
	}()
	e, err = exprParser.ParseBytes(filename, src)
	if err != nil {
		// An unexpected token the grammar names nothing for comes after
		// a complete expression.
		return nil, syntaxError(filename, src, err, "|> or the end of the expression")
	}
	return e, nil
}

// syntaxError turns participle's error into a positioned Error with a
// message a person can act on. want, if not empty, is what an unexpected
// token for which participle names no expectation should have been.
func syntaxError(filename string, src []byte, err error, want string) error {
	var pe participle.Error
	if !errors.As(err, &pe) {
		return &Error{Pos: Pos{Filename: filename, Line: 1, Column: 1}, Msg: err.Error()}
	}
	pos := pe.Position()
	if pos.Filename == "" {
		pos.Filename = filename
	}
	msg := pe.Message()
	var ue *participle.UnexpectedTokenError
	var le *lexer.Error
	switch {
	case errors.As(err, &ue):
		tok := ue.Unexpected
		what := escape.Excerpt(tok.Value, 40)
		if tok.EOF() {
			what = "end of file"
			pos = endOfText(filename, src)
		}
		msg = "syntax error: unexpected " + what
		if exp := expectation(pe.Message()); exp != "" {
			msg += ", expected " + exp
		} else if want != "" {
			msg += ", expected " + want
		}
	case errors.As(err, &le):
		msg = "syntax error: " + describeBadChar(src, pos.Offset)
	default:
		msg = "syntax error: " + msg
	}
	end := pos
	end.Column++
	return &Error{Pos: pos, End: end, Msg: msg}
}

var expectedRE = regexp.MustCompile(`\(expected (.*)\)$`)

// expectation turns participle's "(expected ...)" grammar fragment into
// words: the first literal token it wants, or the kind of thing.
func expectation(msg string) string {
	m := expectedRE.FindStringSubmatch(msg)
	if m == nil {
		return ""
	}
	e := strings.TrimSpace(m[1])
	switch {
	case strings.HasPrefix(e, `"`):
		end := strings.Index(e[1:], `"`)
		if end < 0 {
			return e
		}
		return e[:end+2]
	case strings.HasPrefix(e, "Ident"), strings.HasPrefix(e, "<ident>"):
		return "a name"
	case strings.Contains(e, "<int>"), strings.Contains(e, "<float>"), strings.HasPrefix(e, "Expr"), strings.HasPrefix(e, "Term"):
		return "an expression"
	case strings.HasPrefix(e, "Stmt"):
		return "a statement"
	}
	return ""
}

// endOfText is the position just after the last non-blank character, where
// an "unexpected end of file" is best shown.
func endOfText(filename string, src []byte) Pos {
	end := len(src)
	for end > 0 && (src[end-1] == ' ' || src[end-1] == '\n' || src[end-1] == '\t' || src[end-1] == '\r') {
		end--
	}
	line, col := 1, 1
	for _, c := range string(src[:end]) { // columns count code points
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return Pos{Filename: filename, Offset: end, Line: line, Column: col}
}

// describeBadChar explains the text at which the lexer stopped.
func describeBadChar(src []byte, off int) string {
	if off < 0 || off >= len(src) {
		return "unexpected end of file"
	}
	if src[off] == '"' {
		return unterminatedString
	}
	r, _ := utf8.DecodeRune(src[off:])
	return fmt.Sprintf("unexpected character %q", r)
}
