package lang

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// The limits below bound what the parser is asked to do, so that every
// input — however long, deep or strange — is parsed or refused in a small
// fraction of a second and a bounded amount of memory. They are checked by
// one linear pass over the bytes (checkLimits) before participle sees the
// text; each refusal is positioned and names the limit. Real models are a
// few hundred tokens on a few dozen lines: the limits are far above them.
const (
	// MaxDepth bounds the nesting of brackets, so that no input can
	// exhaust the parser's stack.
	MaxDepth = 64

	// MaxTokens bounds the number of tokens (comments included) in a
	// file: the parser spends some microseconds on each.
	MaxTokens = 20000

	// MaxFileSize bounds a file's length in bytes.
	MaxFileSize = 1 << 20

	// MaxString bounds a string literal's length in bytes between its
	// quotes: strings name files and settings.
	MaxString = 64 << 10

	// MaxName bounds an identifier's length in bytes.
	MaxName = 256

	// MaxNumber bounds a number literal's length in bytes (digits, point
	// and exponent; the checker takes integers up to 2^53, 16 digits).
	MaxNumber = 256
)

// errStop ends checkLimits without an error at a byte that starts no
// token: the lexer stops there and describes it.
var errStop = errors.New("stop")

// limitScanner is checkLimits' state: what it is inside. Lines and
// columns are computed only for an error (position), so that the scan
// stays a few nanoseconds a byte.
type limitScanner struct {
	filename      string
	src           []byte
	depth, tokens int
	strStart      int // offset of the quote of the string being scanned
}

// checkLimits rejects inputs that exceed the limits above, before
// participle's lexer and recursive descent see them: brackets nested
// deeper than MaxDepth, more than MaxTokens tokens or MaxFileSize bytes,
// over-long strings, names and numbers. It also reports unterminated
// strings and unknown escapes itself, naming what is wrong (the lexer
// would only see a stray quote). It runs in time linear in len(src).
func checkLimits(filename string, src []byte) error {
	_, err := scanLimits(filename, src)
	return err
}

// scanLimits is checkLimits, returning its scanner too: how many tokens
// it counted before it stopped (tests compare that with the lexer's).
func scanLimits(filename string, src []byte) (*limitScanner, error) {
	s := &limitScanner{filename: filename, src: src}
	if len(src) > MaxFileSize {
		return s, s.errorf(MaxFileSize,
			"file too large: more than %d bytes (a .nox file describes a model; put data in a CSV file)", MaxFileSize)
	}
	for i := 0; i < len(src); i++ {
		next, err := s.step(i, src[i])
		if err == errStop {
			return s, nil // the lexer stops here too, and says why
		} else if err != nil {
			return s, err
		}
		i = next
	}
	return s, nil
}

// step looks at byte c at offset i, outside strings and comments, and
// returns the offset of the last byte it has dealt with: a comment or a
// string is skipped whole.
func (s *limitScanner) step(i int, c byte) (int, error) {
	switch {
	case isLetter(c):
		end := i + 1
		for end < len(s.src) && (isLetter(s.src[end]) || isDigit(s.src[end])) {
			end++
		}
		return end - 1, s.word(i, end, "name", MaxName)
	case isDigit(c) || c == '.':
		end := numberEnd(s.src, i)
		if end == i {
			return i, errStop // a point that starts no number
		}
		return end - 1, s.word(i, end, "number", MaxNumber)
	}
	switch c {
	case ' ', '\t', '\r', '\n':
		return i, nil
	case '#':
		if n := bytes.IndexByte(s.src[i:], '\n'); n >= 0 {
			return i + n - 1, s.count(i) // the newline is white space
		}
		return len(s.src), s.count(i)
	case '"':
		end, err := s.skipString(i)
		if err != nil {
			return i, err
		}
		return end, s.count(i)
	case '(', '[', '{':
		s.depth++
		if s.depth > MaxDepth {
			return i, s.errorf(i, "syntax error: brackets nested more than %d deep", MaxDepth)
		}
	case ')', ']', '}':
		s.depth = max(s.depth-1, 0)
	case ',', '=', '-', '+', '*', '/', '^', ':':
	case '|':
		if i+1 == len(s.src) || s.src[i+1] != '>' {
			return i, errStop
		}
		return i + 1, s.count(i)
	default:
		return i, errStop
	}
	return i, s.count(i)
}

// skipString follows the string literal whose quote is at offset start:
// its escapes, its end and its length. It returns the closing quote's
// offset.
func (s *limitScanner) skipString(start int) (int, error) {
	s.strStart = start
	for i := start + 1; i < len(s.src); i++ {
		n := bytes.IndexAny(s.src[i:], "\\\"\n")
		if n < 0 {
			break
		}
		i += n
		switch s.src[i] {
		case '\n':
			return i, s.unterminated()
		case '"':
			if n := i - start - 1; n > MaxString {
				return i, s.errorf(start,
					"string too long: %d bytes, more than %d (a string names a file or a setting)", n, MaxString)
			}
			return i, nil
		}
		if i+1 == len(s.src) || s.src[i+1] == '\n' {
			return i, s.unterminated()
		}
		if i++; !strings.ContainsRune(`\"nt`, rune(s.src[i])) {
			return i, s.errorf(i-1,
				`syntax error: unknown escape \%s in a string (the escapes are \\ \" \n \t)`, escapeByte(s.src[i]))
		}
	}
	return len(s.src), s.unterminated()
}

// word counts the name or number src[start:end] and checks its length.
func (s *limitScanner) word(start, end int, what string, limit int) error {
	if n := end - start; n > limit {
		return s.errorf(start, "%s too long: %d characters, more than %d", what, n, limit)
	}
	return s.count(start)
}

func isLetter(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// numberEnd returns the end of the number token that starts at offset i,
// as the lexer's Float and Int patterns match it (the first that matches
// wins): digits, a point, digits and an exponent if it is complete; or
// i if none matches.
func numberEnd(src []byte, i int) int {
	digits := func(j int) int {
		for j < len(src) && isDigit(src[j]) {
			j++
		}
		return j
	}
	exponent := func(j int) int { // the end of [eE][-+]?\d+ at j, or j
		if j == len(src) || src[j] != 'e' && src[j] != 'E' {
			return j
		}
		k := j + 1
		if k < len(src) && (src[k] == '-' || src[k] == '+') {
			k++
		}
		if e := digits(k); e > k {
			return e
		}
		return j
	}
	j := digits(i)
	switch {
	case j < len(src) && src[j] == '.' && (j > i || j+1 < len(src) && isDigit(src[j+1])):
		return exponent(digits(j + 1))
	case j == i:
		return i
	}
	return exponent(j)
}

// count counts a token that starts at offset i.
func (s *limitScanner) count(i int) error {
	s.tokens++
	if s.tokens > MaxTokens {
		return s.errorf(i,
			"file too large: more than %d tokens (a .nox file describes a model; put data in a CSV file)", MaxTokens)
	}
	return nil
}

func (s *limitScanner) unterminated() error {
	return s.errorf(s.strStart, "syntax error: "+unterminatedString)
}

const unterminatedString = `unterminated string (a string ends with " on the same line; its escapes are \\ \" \n \t)`

// errorf returns an Error at offset off, with its line and column
// counted as the lexer counts them (columns in runes).
func (s *limitScanner) errorf(off int, format string, args ...any) *Error {
	before := s.src[:min(off, len(s.src))]
	line := 1 + bytes.Count(before, []byte("\n"))
	col := 1 + utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:])
	pos := Pos{Filename: s.filename, Offset: off, Line: line, Column: col}
	end := pos
	end.Column++
	end.Offset++
	return &Error{Pos: pos, End: end, Msg: fmt.Sprintf(format, args...)}
}

// escapeByte shows the byte after a backslash: printable ASCII as it is,
// anything else in hex.
func escapeByte(c byte) string {
	if c > ' ' && c < 0x7f {
		return string(c)
	}
	return fmt.Sprintf("x%02x", c)
}

// unquote returns the text of a string token without its quotes and with
// its escapes replaced, in time linear in its length. The token is known
// to be well formed: the lexer's pattern admits only the four escapes.
// (participle's own Unquote builds the result by repeated concatenation,
// which is quadratic: a 300 kB literal took 36 s.)
func unquote(tok string) string {
	s := tok[1 : len(tok)-1]
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var sb strings.Builder
	sb.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			switch c = s[i]; c {
			case 'n':
				c = '\n'
			case 't':
				c = '\t'
			}
		}
		sb.WriteByte(c)
	}
	return sb.String()
}
