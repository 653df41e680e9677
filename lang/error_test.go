package lang

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestRenderEscapes: the source line Render quotes under a diagnostic
// carries no raw control characters, and the caret still points at the
// span (an escape is as wide as it is shown); lines too long to show are
// left out.
func TestRenderEscapes(t *testing.T) {
	cases := []struct {
		name, src         string
		line, col, endCol int
		shown, under      string // the line shown, and the text the marker spans
	}{
		{"plain", "x = foo", 1, 5, 8, "x = foo", "foo"},
		{"escape before the span", "\x1b[2Jx = foo", 1, 9, 12, `\x1b[2Jx = foo`, "foo"},
		{"escape in the span", "x = \"a\x07b\"", 1, 5, 10, `x = "a\ab"`, `"a\ab"`},
		{"tab and unicode", "\tä = ö\x1b", 1, 7, 8, ` ä = ö\x1b`, `\x1b`},
		{"carriage return left out", "x = 1\r\ny = \x1b\r", 2, 5, 6, `y = \x1b`, `\x1b`},
		{"second line", "x = 1\n\x00y = z", 2, 6, 7, `\x00y = z`, "z"},
		{"line too long", "x = \"" + strings.Repeat("\x1b", 300) + "\"", 1, 5, 6, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := &Error{Pos: Pos{Filename: "t.nox", Line: c.line, Column: c.col},
				End: Pos{Filename: "t.nox", Line: c.line, Column: c.endCol}, Msg: "bad"}
			got := Render(err, func(string) []byte { return []byte(c.src) })
			want := err.Error() + "\n"
			if c.shown != "" {
				at := utf8.RuneCountInString(c.shown[:strings.LastIndex(c.shown, c.under)])
				want += "    " + c.shown + "\n    " + strings.Repeat(" ", at) + "^" +
					strings.Repeat("~", utf8.RuneCountInString(c.under)-1) + "\n"
			}
			if got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestSyntaxErrorsEscape: a syntax error quotes the unexpected token
// escaped and, if it is long, cut short.
func TestSyntaxErrorsEscape(t *testing.T) {
	cases := []struct{ src, want string }{
		{"x = 1 \"a\\tb\x7f\"", `t.nox:1:7: syntax error: unexpected "a\tb\x7f"`},
		{"x = 1 \"" + strings.Repeat("é", 1000) + "\"", `t.nox:1:7: syntax error: unexpected "` + strings.Repeat("é", 39) + `…" (2000 bytes)`},
	}
	for _, c := range cases {
		_, err := Parse("t.nox", []byte(c.src))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("got %v\nwant %s", err, c.want)
		}
	}
}
