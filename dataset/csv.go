// Package dataset reads and writes tables of numbers. Every failure names
// the row and column it found, so a person can open the file and fix it.
package dataset

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/noxlang/nox/internal/escape"
)

// Table is a dense matrix of float64 values, row-major.
//
// A table that Read or ReadFile made from a CSV file holds the file's text
// instead (Text), unread: which separator it uses and which columns are
// numbers are chosen later (ScanCSV, CSV.Numbers), so that columns nobody
// selects may hold text. Its other fields are then zero.
type Table struct {
	Rows, Cols int
	Values     []float64
	// Names are the column names from a header line, or nil.
	Names []string
	// Text is the text of a CSV file not read yet; nil for a table of
	// numbers.
	Text []byte
	// Src, if not nil, holds the rows instead of Values: a .npy file
	// too large to load (StreamBytes), read on demand, or a selection of
	// its columns. Values is then nil.
	Src Source
}

// Select returns a table of the given columns (0-based), in that order.
func (t *Table) Select(cols []int) *Table {
	if t.Src != nil {
		return &Table{Rows: t.Rows, Cols: len(cols), Src: Columns(t.Src, cols)}
	}
	out := &Table{Rows: t.Rows, Cols: len(cols), Values: make([]float64, 0, t.Rows*len(cols))}
	for i := range t.Rows {
		row := t.Row(i)
		for _, c := range cols {
			out.Values = append(out.Values, row[c])
		}
	}
	if t.Names != nil {
		for _, c := range cols {
			out.Names = append(out.Names, t.Names[c])
		}
	}
	return out
}

// Row returns row i.
func (t *Table) Row(i int) []float64 { return t.Values[i*t.Cols : (i+1)*t.Cols] }

// Error is a problem at a row and column of a file (both 1-based; Col is
// 0 when the whole row is at fault). For a CSV file, Row is the line of
// the file as a person counts it, header and blank lines included.
type Error struct {
	Row, Col int
	// Name is the column's header name, if it has one.
	Name string
	Msg  string
	// Missing marks a missing value (an empty cell, NA, NaN, …), which
	// a reader may drop instead (CSV.Numbers).
	Missing bool
}

func (e *Error) Error() string {
	switch {
	case e.Col == 0:
		return fmt.Sprintf("row %d: %s", e.Row, e.Msg)
	case e.Name != "":
		return fmt.Sprintf("row %d, column %d (%s): %s", e.Row, e.Col, Quote(e.Name), e.Msg)
	}
	return fmt.Sprintf("row %d, column %d: %s", e.Row, e.Col, e.Msg)
}

// ReadCSV reads a CSV file of numbers, every column of it (the rules are
// ScanCSV's and CSV.Numbers'; the separator is detected, and a missing
// value is an error).
func ReadCSV(r io.Reader) (*Table, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return ParseCSV(b)
}

// ParseCSV is ReadCSV over a byte slice.
func ParseCSV(b []byte) (*Table, error) {
	f, err := ScanCSV(b, 0)
	if err != nil {
		return nil, err
	}
	cols := make([]int, f.Cols)
	for j := range cols {
		cols[j] = j
	}
	t, _, err := f.Numbers(cols, false)
	return t, err
}

// WriteCSV writes rows×cols values as CSV with the shortest decimal form
// that reads back exactly.
func WriteCSV(w io.Writer, values []float64, cols int) error {
	bw := bufio.NewWriter(w)
	var buf []byte
	for lo := 0; lo < len(values); lo += cols {
		buf = appendRows(buf[:0], values[lo:min(lo+cols, len(values))], cols, false)
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteCSVHeader is WriteCSV after a header line of the columns' names,
// if names is not nil. There must be one name per column, each of which
// ReadCSV reads back as it is: not empty, no surrounding spaces, no comma,
// no line break, and not a number.
func WriteCSVHeader(w io.Writer, names []string, values []float64, cols int) error {
	if err := checkHeader(names, cols); err != nil {
		return err
	}
	if names != nil {
		if _, err := io.WriteString(w, strings.Join(names, ",")+"\n"); err != nil {
			return err
		}
	}
	return WriteCSV(w, values, cols)
}

// checkHeader reports why names cannot be the header of cols columns.
func checkHeader(names []string, cols int) error {
	if names == nil {
		return nil
	}
	if len(names) != cols {
		return fmt.Errorf("%d column names for %d columns", len(names), cols)
	}
	for _, n := range names {
		if n == "" || n != strings.TrimSpace(n) || strings.ContainsAny(n, ",\r\n") || !isHeader([]string{n}) {
			return fmt.Errorf("column name %q cannot be a CSV header cell (empty, spaced, a comma or line break, or a number)", n)
		}
	}
	return nil
}

// Quote returns s quoted for a message, escaped and clipped to its first
// 40 characters (escape.Excerpt): how messages show a cell or a name from
// a file, so that control characters cannot move the cursor or forge
// lines and a long cell does not flood them.
func Quote(s string) string { return escape.Excerpt(s, 40) }

// stripBOM removes the byte-order mark that some programs (Excel's
// "CSV UTF-8") write before the first header name.
func stripBOM(b []byte) []byte { return bytes.TrimPrefix(b, []byte("\ufeff")) }

// checkUTF16 refuses a file that starts with a UTF-16 byte-order mark
// (Excel's "Unicode Text"): read as UTF-8, every other byte is a zero,
// and no cell would be a number.
func checkUTF16(b []byte) error {
	if bytes.HasPrefix(b, []byte{0xff, 0xfe}) || bytes.HasPrefix(b, []byte{0xfe, 0xff}) {
		return fmt.Errorf("the file is UTF-16 text (it starts with a UTF-16 byte-order mark); nox reads UTF-8: save it as CSV UTF-8")
	}
	return nil
}

// cell reads one cell as a number: a decimal number as people write them
// (isDecimal), finite. A missing value (isMissing) gives missing; any
// other cell gives a message that says why it is not a number.
func cell(s string) (v float64, msg string, missing bool) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return 0, "missing value (an empty cell)", true
	case isMissing(s):
		return 0, "missing value " + Quote(s), true
	}
	if v, ok, exact := decimal(s); ok {
		if !exact {
			var err error
			if v, err = strconv.ParseFloat(s, 64); err != nil && !isRangeErr(err) {
				return 0, Quote(s) + " is not a number", false
			}
		}
		if math.IsInf(v, 0) {
			return 0, Quote(s) + " is not finite (too large for a float64)", false
		}
		return v, "", false
	}
	switch {
	case isInfinity(s):
		return 0, Quote(s) + " is not finite; a flow cannot be fit to infinite values (remove the row, or write it as a missing value and read with na = \"drop\")", false
	case isThousands(s):
		return 0, fmt.Sprintf("%s has thousands separators; nox reads numbers without them: export the file without them (%s)", Quote(s), Quote(strings.ReplaceAll(s, ",", ""))), false
	case isDecimalComma(s):
		return 0, fmt.Sprintf("%s has a decimal comma; nox reads decimal points only: export the file with decimal points (%s)", Quote(s), Quote(strings.Replace(s, ",", ".", 1))), false
	}
	if strings.ContainsAny(s, "0123456789") {
		return 0, Quote(s) + " is not a number; write a decimal number: digits with an optional sign, decimal point and exponent, as in -1.5, 2 or 3e-4", false
	}
	return 0, Quote(s) + " is not a number", false
}

// missing are the cells, besides the empty one, that mean a missing value:
// R's NA, pandas' and NumPy's NaN, Excel's #N/A, SQL's NULL.
var missing = []string{"NA", "N/A", "n/a", "#N/A", "NaN", "nan", "NAN", "NULL", "null"}

func isMissing(s string) bool {
	for _, m := range missing {
		if s == m {
			return true
		}
	}
	return s == ""
}

// isDecimal reports whether s is a decimal number as people write it:
// an optional sign, digits with an optional decimal point (".5" and "5."
// included), and an optional exponent (e or E, an optional sign, digits).
// Go's other forms (0x1p3, 1_000, Inf) are not.
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// decimal reads s as isDecimal does, and where the number has at most
// 19 significant digits, at most 2⁵³, and a power of ten of at most 22
// either way, returns its value, exact: one multiplication or division of
// two floats that hold their values exactly, rounded once, which is
// strconv.ParseFloat's own first way (and so its bits; TestDecimal). The
// numbers most files hold, of up to 15 digits, are read without strconv;
// ok is isDecimal(s), and exact false leaves the value to strconv.
func decimal(s string) (v float64, ok, exact bool) {
	i, neg := 0, false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var m uint64
	sig, digits, exp := 0, 0, 0
	long := false // more than 19 significant digits
	add := func(c byte) {
		digits++
		switch {
		case m == 0 && c == '0':
		case sig < 19:
			m = m*10 + uint64(c-'0')
			sig++
		default:
			long = true
		}
	}
	for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		add(s[i])
		if long {
			exp++
		}
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
			add(s[i])
			if !long {
				exp--
			}
		}
	}
	if digits == 0 {
		return 0, false, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		e, n := 0, 0
		for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
			if e < 1e6 {
				e = e*10 + int(s[i]-'0')
			}
			n++
		}
		switch {
		case n == 0:
			return 0, false, false
		case e >= 1e4:
			// strconv stops reading an exponent at 10⁴ (1e100000 is
			// +Inf all the same, but 0.{99999 zeros}1e100000 is 0).
			return 0, true, false
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if i != len(s) {
		return 0, false, false
	}
	switch {
	case long || m > 1<<53:
		return 0, true, false
	case m == 0:
	case exp >= 0 && exp <= 22:
		v = float64(m) * pow10[exp]
	case exp < 0 && exp >= -22:
		v = float64(m) / pow10[-exp]
	default:
		return 0, true, false
	}
	if neg {
		v = -v
	}
	return v, true, true
}

// pow10 are the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// isDecimalComma reports whether s is a decimal number written with a
// decimal comma: 3,14, -0,5, 1,5e3.
func isDecimalComma(s string) bool {
	return strings.Count(s, ",") == 1 && !strings.Contains(s, ".") && isDecimal(strings.Replace(s, ",", ".", 1))
}

// isThousands reports whether s is a number with thousands separators:
// 1 to 3 digits, then groups of a comma and 3 digits (at least two
// groups, or one with a decimal point after it: 1,000,000 and 1,000.5,
// but not 1,000, which may be a decimal comma), then an optional decimal
// part.
func isThousands(s string) bool {
	s = strings.TrimLeft(s, "+-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	groups := strings.Split(whole, ",")
	if len(groups) < 2 || (len(groups) == 2 && !hasFrac) || len(groups[0]) < 1 || len(groups[0]) > 3 {
		return false
	}
	for i, g := range groups {
		if strings.Trim(g, "0123456789") != "" || (i > 0 && len(g) != 3) {
			return false
		}
	}
	return !hasFrac || (frac != "" && strings.Trim(frac, "0123456789") == "")
}

// isInfinity reports whether s is an infinity as programs write it: inf,
// Inf, Infinity, with an optional sign, in any case.
func isInfinity(s string) bool {
	s = strings.TrimLeft(s, "+-")
	return strings.EqualFold(s, "inf") || strings.EqualFold(s, "infinity")
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}
