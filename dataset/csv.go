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
)

// Table is a dense matrix of float64 values, row-major.
type Table struct {
	Rows, Cols int
	Values     []float64
	// Names are the column names from a header line, or nil.
	Names []string
}

// Select returns a table of the given columns (0-based), in that order.
func (t *Table) Select(cols []int) *Table {
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
// 0 when the whole row is at fault).
type Error struct {
	Row, Col int
	Msg      string
}

func (e *Error) Error() string {
	if e.Col == 0 {
		return fmt.Sprintf("row %d: %s", e.Row, e.Msg)
	}
	return fmt.Sprintf("row %d, column %d: %s", e.Row, e.Col, e.Msg)
}

// ReadCSV reads comma-separated numbers, one row per line. A first line
// whose cells are all non-numeric is taken as a header and skipped. Blank
// lines are skipped. Every row must have the same number of cells, and
// every cell must be a finite number.
func ReadCSV(r io.Reader) (*Table, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	t := &Table{}
	line := 0
	seen := false // a non-blank line was read
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		cells := strings.Split(text, ",")
		first := !seen
		seen = true
		if first && isHeader(cells) {
			for _, c := range cells {
				t.Names = append(t.Names, strings.TrimSpace(c))
			}
			continue
		}
		if t.Cols == 0 {
			t.Cols = len(cells)
			if t.Names != nil && len(t.Names) != t.Cols {
				return nil, &Error{Row: line, Msg: "has " + plural(len(cells), "column") + fmt.Sprintf(", but the header names %d", len(t.Names))}
			}
		} else if len(cells) != t.Cols {
			return nil, &Error{Row: line, Msg: "has " + plural(len(cells), "column") + fmt.Sprintf(", but earlier rows have %d", t.Cols)}
		}
		for j, c := range cells {
			c = strings.TrimSpace(c)
			v, err := strconv.ParseFloat(c, 64)
			switch {
			case c == "":
				return nil, &Error{Row: line, Col: j + 1, Msg: "empty cell"}
			case err != nil && !isRangeErr(err):
				return nil, &Error{Row: line, Col: j + 1, Msg: fmt.Sprintf("%q is not a number", clip(c))}
			case math.IsNaN(v):
				return nil, &Error{Row: line, Col: j + 1, Msg: "NaN is not allowed"}
			case math.IsInf(v, 0):
				return nil, &Error{Row: line, Col: j + 1, Msg: fmt.Sprintf("%q is not finite", clip(c))}
			}
			t.Values = append(t.Values, v)
		}
		t.Rows++
	}
	if err := sc.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return nil, &Error{Row: line + 1, Msg: "line longer than 16 MiB"}
		}
		return nil, err
	}
	if t.Rows == 0 {
		return nil, fmt.Errorf("no rows of numbers")
	}
	return t, nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// isHeader reports whether every cell is non-numeric text.
func isHeader(cells []string) bool {
	for _, c := range cells {
		c = strings.TrimSpace(c)
		if _, err := strconv.ParseFloat(c, 64); err == nil || c == "" {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// WriteCSV writes rows×cols values as CSV with the shortest decimal form
// that reads back exactly.
func WriteCSV(w io.Writer, values []float64, cols int) error {
	bw := bufio.NewWriter(w)
	var buf []byte
	for i, v := range values {
		buf = strconv.AppendFloat(buf[:0], v, 'g', -1, 64)
		if (i+1)%cols == 0 {
			buf = append(buf, '\n')
		} else {
			buf = append(buf, ',')
		}
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

// ParseCSV is ReadCSV over a byte slice.
func ParseCSV(b []byte) (*Table, error) { return ReadCSV(bytes.NewReader(b)) }
