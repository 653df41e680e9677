package lang

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
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
	// and exponent; an integer cannot have more than 16 digits anyway).
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
	wordStart     int // offset of the current name or number, or -1
	strStart      int // offset of the open string's quote, or -1
}

// checkLimits rejects inputs that exceed the limits above, before
// participle's lexer and recursive descent see them: brackets nested
// deeper than MaxDepth, more than MaxTokens tokens or MaxFileSize bytes,
// over-long strings, names and numbers. It also reports unterminated
// strings and unknown escapes itself, naming what is wrong (the lexer
// would only see a stray quote). It runs in time linear in len(src).
func checkLimits(filename string, src []byte) error {
	s := &limitScanner{filename: filename, src: src, wordStart: -1, strStart: -1}
	if len(src) > MaxFileSize {
		return s.errorf(MaxFileSize,
			"file too large: more than %d bytes (a .nox file describes a model; put data in a CSV file)", MaxFileSize)
	}
	for i := 0; i < len(src); i++ {
		next, err := s.step(i, src[i])
		if err == errStop {
			return nil // the lexer stops here too, and says why
		} else if err != nil {
			return err
		}
		i = next
	}
	if s.strStart >= 0 {
		return s.unterminated()
	}
	return s.endWord(len(src))
}

// step looks at byte c at offset i, outside strings and comments, and
// returns the offset of the last byte it has dealt with: a comment or a
// string is skipped whole.
func (s *limitScanner) step(i int, c byte) (int, error) {
	word := c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	if word {
		if s.wordStart < 0 {
			s.wordStart = i
			return i, s.count(i)
		}
		return i, nil
	}
	if err := s.endWord(i); err != nil {
		return i, err
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
	case ',', '=', '-':
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
			s.strStart = -1
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

// endWord checks the name or number that ends before offset i, if any.
func (s *limitScanner) endWord(i int) error {
	if s.wordStart < 0 {
		return nil
	}
	start, n := s.wordStart, i-s.wordStart
	s.wordStart = -1
	first := s.src[start]
	number := first >= '0' && first <= '9' || first == '.'
	switch {
	case number && n > MaxNumber:
		return s.errorf(start, "number too long: %d characters, more than %d", n, MaxNumber)
	case !number && n > MaxName:
		return s.errorf(start, "name too long: %d characters, more than %d", n, MaxName)
	}
	return nil
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
	line, col := 1, 1
	for _, c := range s.src[:min(off, len(s.src))] {
		if c == '\n' {
			line, col = line+1, 1
		} else if c&0xC0 != 0x80 {
			col++
		}
	}
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
