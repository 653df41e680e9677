// Package escape makes text from files safe to print: an error message
// that quotes a cell of someone else's CSV, a name from a model header or
// a line of a program must not carry raw control characters (which could
// move the cursor, clear the screen or forge lines of output) nor run to
// megabytes.
package escape

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text returns s with every control character, invalid UTF-8 byte and
// non-printing rune written as a Go escape (\x1b, \u2028, \t); printable
// text, spaces included, is kept as it is. Backslashes are kept too: the
// result is for reading, not for unquoting.
func Text(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) && r != ' ' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			sb.WriteString(`\x`)
			sb.WriteString(strconv.FormatUint(uint64(s[i])>>4, 16))
			sb.WriteString(strconv.FormatUint(uint64(s[i])&15, 16))
		case r == ' ' || unicode.IsPrint(r):
			sb.WriteString(s[i : i+n])
		default:
			q := strconv.QuoteRune(r) // '\x1b', '\u2028', '\t'
			sb.WriteString(q[1 : len(q)-1])
		}
		i += n
	}
	return sb.String()
}

// Excerpt returns at most limit runes of s (limit ≥ 4), escaped as Text and
// quoted; a longer s is cut and ends in "…" inside the quotes, with its
// length in bytes after them: "abc…" (1048576 bytes).
func Excerpt(s string, limit int) string {
	limit = max(limit, 4)
	if utf8.RuneCountInString(s) <= limit {
		return `"` + Text(s) + `"`
	}
	n, cut := 0, len(s)
	for i := range s {
		if n == limit-1 {
			cut = i
			break
		}
		n++
	}
	return `"` + Text(s[:cut]) + `…" (` + strconv.Itoa(len(s)) + " bytes)"
}
