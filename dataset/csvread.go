package dataset

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// CSV files, as spreadsheets, R, pandas and Excel write them: RFC 4180
// (read by encoding/csv), so a quoted cell may hold the separator, quotes
// (doubled) and line breaks. The rules, which spec.md states for users:
//
//   - The separator is a comma, semicolon, tab or bar (Seps): given, or
//     detected from the first line (DetectSep).
//   - White space around a cell is ignored; blank lines are skipped; a
//     byte-order mark before the first cell is removed; lines may end in
//     CRLF.
//   - The first line is a header if none of its cells is a number or a
//     missing value and at least one is not empty: it names the columns.
//   - Every row has as many cells as the first.
//   - A cell of a selected column is a decimal number (isDecimal), finite,
//     or a missing value (isMissing); a decimal comma is an error that says
//     so. Columns that are not selected are not read as numbers.
//
// Rows are counted as lines of the file, from 1, header and blank lines
// included: a row is named by the line it starts on, and a cell by the
// line it starts on (a quoted cell may span lines).

// Seps are the separators a CSV file may use.
var Seps = []string{",", ";", "\t", "|"}

// CSV is a CSV file whose separator and header are known and whose rows
// are not read yet: Numbers reads the columns that are chosen.
type CSV struct {
	// Sep is the separator, given or detected.
	Sep rune
	// Names are the header names, or nil if the first line is data. A
	// header cell may be empty ("", as pandas writes over an index).
	Names []string
	// Cols is the number of cells in the first line.
	Cols int
	text []byte // the file, without a byte-order mark
}

// Read reads a table from r, whose name tells its format: a NumPy array
// for a name ending in .npy (IsNPY), read now; CSV otherwise, whose text
// is kept unread in the Table (Table.Text).
func Read(name string, r io.Reader) (*Table, error) {
	if IsNPY(name) {
		return ReadNPY(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return &Table{Text: b}, nil
}

// ScanCSV reads the first line of a CSV file's text with separator sep, or
// with the one DetectSep finds if sep is 0: the number of columns and the
// header names, if the line is a header.
func ScanCSV(text []byte, sep rune) (*CSV, error) {
	if err := checkUTF16(text); err != nil {
		return nil, err
	}
	text = stripBOM(text)
	if sep == 0 {
		sep = DetectSep(text)
	} else if !slices.Contains(Seps, string(sep)) {
		return nil, fmt.Errorf("separator %s is not one of %s", strconv.QuoteRune(sep), sepList())
	}
	f := &CSV{Sep: sep, text: text}
	r := f.reader(text)
	rec, err := nextRecord(r)
	switch {
	case err == io.EOF:
		return nil, fmt.Errorf("no rows of numbers")
	case err != nil:
		return nil, err
	}
	f.Cols = len(rec)
	if isHeader(rec) {
		for _, c := range rec {
			f.Names = append(f.Names, strings.TrimSpace(c))
		}
	}
	return f, nil
}

func sepList() string {
	q := make([]string, len(Seps))
	for i, s := range Seps {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// DetectSep returns the separator of a CSV file's text: of tab, semicolon
// and comma, in that order, the first that splits the first line into
// two cells or more and each of the next lines (up to 10, blank lines
// skipped) into as many; if none does, the one that splits the first line
// into the most cells (a comma if no line has any of them). Quoted cells
// are read as cells, so a separator inside quotes does not count.
func DetectSep(text []byte) rune {
	text = stripBOM(text)
	// The lines it looks at are at the start: a cell whose quote does not
	// close where it should (R's header `"","a"` read with a tab) makes
	// the lazy reader below read on to the end of the text as one cell,
	// which for a file of gigabytes took as much memory again, three
	// times over.
	text = text[:detectEnd(text)]
	best, most := ',', 1
	for _, sep := range []rune{'\t', ';', ','} {
		r := csv.NewReader(bytes.NewReader(text))
		r.Comma, r.FieldsPerRecord, r.LazyQuotes, r.ReuseRecord = sep, -1, true, true // only the counts are kept
		var counts []int
		for len(counts) < 11 {
			rec, err := nextRecord(r)
			if err != nil {
				break
			}
			counts = append(counts, len(rec))
		}
		if len(counts) == 0 || counts[0] < 2 {
			continue
		}
		if !slices.ContainsFunc(counts, func(n int) bool { return n != counts[0] }) {
			return sep
		}
		if counts[0] > most {
			best, most = sep, counts[0]
		}
	}
	return best
}

// detectLines and detectHead bound what DetectSep reads of a text: its
// first detectLines lines that are not blank, whole, however long (it
// compares the cells of 11 records), and the lines after them that end
// within its first detectHead bytes (a quoted cell may span lines).
const (
	detectLines = 12
	detectHead  = 64 << 10
)

// detectEnd returns how much of text DetectSep reads.
func detectEnd(text []byte) int {
	end, _ := detectEndOf(text)
	return end
}

// detectEndOf is detectEnd, and whether that is known: complete is false
// if text ends before, and more of it might change the answer.
func detectEndOf(text []byte) (end int, complete bool) {
	for n := 0; n < detectLines; {
		i := bytes.IndexByte(text[end:], '\n')
		if i < 0 {
			return len(text), false
		}
		if len(bytes.TrimSpace(text[end:end+i])) > 0 {
			n++
		}
		end += i + 1
	}
	if end >= detectHead {
		return end, true
	}
	if len(text) <= detectHead {
		return len(text), false
	}
	return max(end, bytes.LastIndexByte(text[:detectHead], '\n')+1), true
}

// reader returns an encoding/csv reader of text with f's separator, which
// leaves line checks to the caller.
func (f *CSV) reader(text []byte) *csv.Reader { return f.readerFrom(bytes.NewReader(text)) }

// readerFrom is reader over a stream.
func (f *CSV) readerFrom(in io.Reader) *csv.Reader {
	r := csv.NewReader(in)
	r.Comma = f.Sep
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	// Leading spaces go before a quoted cell's quote; with a tab
	// separator, trimming would swallow empty cells.
	r.TrimLeadingSpace = f.Sep != '\t'
	return r
}

// nextRecord returns the next record that is not a blank line; an error
// of the file's syntax is an *Error at its line.
func nextRecord(r *csv.Reader) ([]string, error) { return nextRecordAfter(r, 0) }

// nextRecordAfter is nextRecord for a reader whose line 1 is the file's
// line lines+1.
func nextRecordAfter(r *csv.Reader, lines int) ([]string, error) {
	for {
		rec, err := r.Read()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				at := *pe
				at.StartLine, at.Line = at.StartLine+lines, at.Line+lines
				return nil, quoteError(&at)
			}
			return nil, err
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a line of white space
		}
		return rec, nil
	}
}

// quoteError says what is wrong with the quotes encoding/csv found fault
// with, at the line the problem is on.
func quoteError(pe *csv.ParseError) error {
	switch pe.Err {
	case csv.ErrBareQuote:
		return &Error{Row: pe.Line, Msg: fmt.Sprintf("a quote (\") inside a cell that does not start with one, at character %d; quote the whole cell and double the quotes inside it (\"a \"\"b\"\" c\")", pe.Column)}
	case csv.ErrQuote:
		return &Error{Row: pe.StartLine, Msg: fmt.Sprintf("a quoted cell is not closed properly (at line %d, character %d): a closing quote is missing, or a quote inside the cell is not doubled", pe.Line, pe.Column)}
	}
	return &Error{Row: pe.Line, Msg: pe.Err.Error()}
}

// commaHint explains a row with two cells in a comma-separated file of
// one column, if they make a number with a decimal comma.
func (f *CSV) commaHint(rec []string) string {
	if f.Sep != ',' || f.Cols != 1 || len(rec) != 2 {
		return ""
	}
	for k := range len(rec) - 1 {
		if s := strings.TrimSpace(rec[k]) + "," + strings.TrimSpace(rec[k+1]); isDecimalComma(s) {
			return fmt.Sprintf(" (if %s is a number with a decimal comma: nox reads decimal points only; export the file with decimal points)", Quote(s))
		}
	}
	return ""
}

// isHeader reports whether a first line is a header: none of its cells
// is a number or a missing value, and at least one is not empty. A cell
// counts as a number if Go would read it as one (so 0x1p3 and Inf are
// numbers here) or it is digits with signs, points, exponents and
// separators (3,14 and 1,5;2 are numbers too: read with the wrong
// separator, the first row is still data).
func isHeader(cells []string) bool {
	names := 0
	for _, c := range cells {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		_, err := strconv.ParseFloat(c, 64)
		numeric := strings.ContainsAny(c, "0123456789") && strings.Trim(c, "0123456789+-.eE,;\t|_ ") == ""
		if err == nil || isRangeErr(err) || isMissing(c) || numeric {
			return false
		}
		names++
	}
	return names > 0
}

// Numbers reads the columns cols (0-based, in that order) of every row
// as numbers; the other columns may hold anything. A missing value in a
// selected column is an error, or with dropNA drops its row; dropped is
// the number of rows dropped. Every error is an *Error at its row (and
// column).
func (f *CSV) Numbers(cols []int, dropNA bool) (t *Table, dropped int, err error) {
	t = &Table{Cols: len(cols)}
	if f.Names != nil {
		for _, j := range cols {
			t.Names = append(t.Names, f.Names[j])
		}
	}
	if rest, lines, ok := f.afterHeader(f.text); ok {
		var n int
		if t.Values, n, dropped, err = f.numbersFast(rest, 1+lines, cols, dropNA); err != nil {
			return nil, dropped, err
		}
		t.Rows = n
		return t, dropped, nil
	}
	n, dropped, err := f.each(f.reader(f.text), 0, cols, dropNA, func(row []float64) error {
		t.Values = append(t.Values, row...)
		return nil
	})
	if err != nil {
		return nil, dropped, err
	}
	t.Rows = n
	return t, dropped, nil
}

// each reads the rows of r, a reader of f's text (from its first line,
// or from the line after line lines if the text before was read
// already, past the header), and calls emit with the numbers of columns
// cols of each row that is kept, in a buffer reused by the next call, as
// Numbers reads them: its errors are Numbers's, and n is the number of
// rows kept.
func (f *CSV) each(r *csv.Reader, lines int, cols []int, dropNA bool, emit func(row []float64) error) (n, dropped int, err error) {
	p := f.newRows(cols, dropNA)
	if err := p.records(r, lines, lines == 0 && f.Names != nil, emit); err != nil {
		return 0, 0, err
	}
	return p.end()
}

// rows checks the records of a CSV file, record by record, and counts
// those kept and dropped: what encoding/csv's pass (records) and the
// hand split (csvfast.go) share.
type rows struct {
	f          *CSV
	cols       []int
	dropNA     bool
	row        []float64
	rec        []string
	n, dropped int
}

func (f *CSV) newRows(cols []int, dropNA bool) *rows {
	return &rows{f: f, cols: cols, dropNA: dropNA, row: make([]float64, len(cols))}
}

// records runs p over the records of r, whose line 1 is the file's line
// lines+1, skipping the first as a header if header is set.
func (p *rows) records(r *csv.Reader, lines int, header bool, emit func(row []float64) error) error {
	cellLine := func(j int) int { l, _ := r.FieldPos(j); return l + lines }
	for {
		rec, err := nextRecordAfter(r, lines)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if header {
			header = false
			continue
		}
		if err := p.record(rec, cellLine(0), cellLine, emit); err != nil {
			return err
		}
	}
}

// record checks the cells rec of a record on line line, whose cell j is
// on line cellLine(j) (a quoted cell may span lines; nil: line), and
// emits its numbers unless it drops it.
func (p *rows) record(rec []string, line int, cellLine func(int) int, emit func(row []float64) error) error {
	f := p.f
	if len(rec) != f.Cols {
		msg := "has " + plural(len(rec), "column") + fmt.Sprintf(", but earlier rows have %d", f.Cols)
		if f.Names != nil {
			msg = "has " + plural(len(rec), "column") + fmt.Sprintf(", but the header names %d", f.Cols)
		}
		return &Error{Row: line, Msg: msg + f.commaHint(rec)}
	}
	skip := false
	for k, j := range p.cols {
		v, msg, missing := cell(rec[j])
		if msg == "" || (missing && p.dropNA) {
			p.row[k], skip = v, skip || missing
			continue
		}
		cl := line
		if cellLine != nil {
			cl = cellLine(j)
		}
		e := &Error{Row: cl, Col: j + 1, Msg: msg, Missing: missing}
		if f.Names != nil {
			e.Name = f.Names[j]
		}
		return e
	}
	if skip {
		p.dropped++
		return nil
	}
	if err := emit(p.row); err != nil {
		var e *Error
		if errors.As(err, &e) && e.Row == 0 {
			e.Row = line // a problem of the row's values
		}
		return err
	}
	p.n++
	return nil
}

// end returns the rows kept and dropped, or why none is left.
func (p *rows) end() (n, dropped int, err error) { return endRows(p.n, p.dropped) }

func endRows(n, dropped int) (int, int, error) {
	switch {
	case n == 0 && dropped > 0:
		return 0, dropped, fmt.Errorf("every row has a missing value in the selected columns (%d rows); no rows are left", dropped)
	case n == 0:
		return 0, 0, fmt.Errorf("no rows of numbers")
	}
	return n, dropped, nil
}
