package lang

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/noxlang/nox/internal/escape"
)

// Error is a diagnostic at a source span. End may be the zero Pos.
type Error struct {
	Pos Pos
	End Pos
	Msg string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.Pos.Filename, e.Pos.Line, e.Pos.Column, e.Msg)
}

// Errorf returns an Error spanning [pos, end).
func Errorf(pos, end Pos, format string, args ...any) *Error {
	return &Error{Pos: pos, End: end, Msg: fmt.Sprintf(format, args...)}
}

// MaxErrors caps how many diagnostics a list reports.
const MaxErrors = 10

// ErrorList is a list of diagnostics, in the manner of go/scanner's.
type ErrorList []*Error

// Add appends an error.
func (l *ErrorList) Add(e *Error) { *l = append(*l, e) }

// Sort orders the list by position and removes exact duplicates and
// repeats on the same line and column.
func (l *ErrorList) Sort() {
	s := *l
	sort.SliceStable(s, func(i, j int) bool {
		a, b := s[i].Pos, s[j].Pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	out := s[:0]
	for i, e := range s {
		if i > 0 {
			p := out[len(out)-1]
			if p.Pos.Filename == e.Pos.Filename && p.Pos.Line == e.Pos.Line && p.Pos.Column == e.Pos.Column && p.Msg == e.Msg {
				continue
			}
		}
		out = append(out, e)
	}
	*l = out
}

// Err returns the sorted list as an error, or nil if it is empty. At most
// MaxErrors are kept; a final entry says how many more there were.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	l.Sort()
	if len(l) > MaxErrors {
		more := len(l) - MaxErrors
		last := l[MaxErrors-1]
		l = append(l[:MaxErrors:MaxErrors], &Error{Pos: last.Pos, Msg: fmt.Sprintf("too many errors (%d more)", more)})
	}
	return l
}

func (l ErrorList) Error() string {
	var parts []string
	for _, e := range l {
		parts = append(parts, e.Error())
	}
	return strings.Join(parts, "\n")
}

// Errors returns the diagnostics in err (an *Error or an ErrorList, possibly
// wrapped), or nil if it holds none.
func Errors(err error) []*Error {
	var l ErrorList
	if errors.As(err, &l) {
		return l
	}
	var e *Error
	if errors.As(err, &e) {
		return []*Error{e}
	}
	return nil
}

// Render formats err for a person: each diagnostic as
// `file:line:col: message`, then the source line and a caret under the
// span. src returns a file's contents by name (nil if unknown). An error
// that carries no position is rendered as its text.
func Render(err error, src func(filename string) []byte) string {
	diags := Errors(err)
	if diags == nil {
		return err.Error()
	}
	var sb strings.Builder
	for _, e := range diags {
		sb.WriteString(e.Error())
		sb.WriteByte('\n')
		if src == nil {
			continue
		}
		line, ok := sourceLine(src(e.Pos.Filename), e.Pos.Line)
		if !ok {
			continue
		}
		shown, marker := caret(line, e)
		sb.WriteString("    ")
		sb.WriteString(shown)
		sb.WriteByte('\n')
		sb.WriteString("    ")
		sb.WriteString(marker)
		sb.WriteByte('\n')
	}
	return sb.String()
}

// maxQuotedLine is the longest source line Render shows under a
// diagnostic: a longer one is left out rather than echoed.
const maxQuotedLine = 200

// sourceLine returns line n of src (1-based), with tabs as spaces, or
// false if there is no such line or it is too long to show; caret then
// escapes its control characters, so that a file cannot move the cursor
// or forge output through an error message. It finds the line without
// splitting the whole file.
func sourceLine(src []byte, n int) (string, bool) {
	if src == nil || n < 1 {
		return "", false
	}
	for ; n > 1; n-- {
		i := bytes.IndexByte(src, '\n')
		if i < 0 {
			return "", false
		}
		src = src[i+1:]
	}
	if i := bytes.IndexByte(src, '\n'); i >= 0 {
		src = src[:i]
	}
	line := strings.TrimRight(string(src), "\r")
	if len(line) > maxQuotedLine {
		return "", false // do not echo enormous lines
	}
	return strings.ReplaceAll(line, "\t", " "), true
}

// caret returns the source line as shown (escaped) and the marker line
// under it: spaces up to the column, then ^ and ~ to the end of the span
// when it lies on the same line. Columns count runes; an escaped control
// character is as wide as its escape.
func caret(line string, e *Error) (shown, marker string) {
	runes := []rune(line)
	col := min(max(e.Pos.Column-1, 0), len(runes))
	width := 1
	if e.End.Line == e.Pos.Line && e.End.Column > e.Pos.Column {
		width = min(e.End.Column-e.Pos.Column, max(len(runes)-col, 1))
	}
	end := min(col+width, len(runes))
	before := escape.Text(string(runes[:col]))
	span := escape.Text(string(runes[col:end]))
	shown = before + span + escape.Text(string(runes[end:]))
	width = max(utf8.RuneCountInString(span), 1)
	return shown, strings.Repeat(" ", utf8.RuneCountInString(before)) + "^" + strings.Repeat("~", width-1)
}
