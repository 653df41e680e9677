package escape

import (
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{"é ünïcode", "é ünïcode"},
		{"a\x1b[2Jb", `a\x1b[2Jb`},
		{"tab\there", `tab\there`},
		{"line\nbreak", `line\nbreak`},
		{"bad\xffbyte", `bad\xffbyte`},
		{"sep\u2028x", `sep\u2028x`},
		{`back\slash`, `back\slash`},
	} {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestExcerpt(t *testing.T) {
	if got := Excerpt("abc", 10); got != `"abc"` {
		t.Errorf("short: %s", got)
	}
	long := strings.Repeat("x", 1<<20)
	got := Excerpt(long, 10)
	if got != `"xxxxxxxxx…" (1048576 bytes)` {
		t.Errorf("long: %s", got)
	}
	if got := Excerpt("\x1b\x1b\x1b\x1b\x1b\x1b", 4); got != `"\x1b\x1b\x1b…" (6 bytes)` {
		t.Errorf("control: %s", got)
	}
}
