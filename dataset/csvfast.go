package dataset

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"sync"
	"unicode"
	"unsafe"
)

// CSV text as NumPy, pandas and R write numbers is split by hand: lines
// at '\n' (a '\r' before it dropped, as encoding/csv drops it), cells at
// the separator, or around plain quoted cells ("1.5", as R writes its row
// names and spreadsheets their text: splitQuoted), the cells handed to
// the same checks (rows.record) as strings over the text's own bytes,
// and large texts in blocks of whole lines read on every core, the
// blocks' rows put back in file order. The header is read by
// encoding/csv (afterHeader), and so is the rest of a text from a line
// with other quotes on (a quote doubled inside a cell, a cell over two
// lines, a bare quote: errQuotes), whose rules a split by hand would
// have to repeat. The rows, numbers, errors and their rows and columns
// are encoding/csv's (TestFastRows compares the two on every kind of
// line), and the same whatever the number of cores. encoding/csv made a
// string of every record and checked every byte for quotes: with it,
// reading a table of 8 columns of 17-digit numbers ran at 82–113 MB/s
// here; by hand it runs 1.5–2.2 times as fast on one core and 2.3–2.9
// times on two (bench/README.md, thirty-third session).

// fastBlock is the least text a block of lines read in parallel holds:
// below it, starting a goroutine costs more than it saves. Tests lower
// it to split small texts.
var fastBlock = 256 << 10

// errQuotes stops a read by hand at a line whose quotes it leaves to
// encoding/csv: a quoted cell with a quote inside it, or a line break,
// or anything but a separator after it, and a quote inside a cell that
// does not start with one (encoding/csv's error, which it words).
var errQuotes = errors.New("quotes to read through encoding/csv")

// lines runs p over the records of text, whole lines of CSV text whose
// first is line line of the file, as records does over them; it stops
// with errQuotes at the first line whose quotes are not plain quoted
// cells (splitQuoted).
func (p *rows) lines(text []byte, line int, emit func(row []float64) error) error {
	sep := byte(p.f.Sep)
	trim := p.f.Sep != '\t'                   // encoding/csv's TrimLeadingSpace (readerFrom)
	quotes := bytes.IndexByte(text, '"') >= 0 // else no line needs looking at for them
	for ; len(text) > 0; line++ {
		var l []byte
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			l, text = text[:i], text[i+1:]
		} else {
			l, text = text, nil
		}
		if n := len(l); n > 0 && l[n-1] == '\r' {
			l = l[:n-1]
		}
		if !quotes || bytes.IndexByte(l, '"') < 0 {
			p.rec = splitCells(p.rec[:0], l, sep)
		} else {
			var ok bool
			if p.rec, ok = splitQuoted(p.rec[:0], l, sep, trim); !ok {
				return errQuotes
			}
		}
		if len(p.rec) == 1 && strings.TrimSpace(p.rec[0]) == "" {
			continue // a blank line
		}
		if err := p.record(p.rec, line, nil, emit); err != nil {
			return err
		}
	}
	return nil
}

// splitCells appends the cells of line l to rec, as strings over l's
// bytes: they are valid while l is, which is as long as record looks at
// them (its messages copy what they quote).
func splitCells(rec []string, l []byte, sep byte) []string {
	for {
		i := bytes.IndexByte(l, sep)
		if i < 0 {
			return append(rec, unsafe.String(unsafe.SliceData(l), len(l)))
		}
		rec = append(rec, unsafe.String(unsafe.SliceData(l), i))
		l = l[i+1:]
	}
}

// splitQuoted is splitCells for a line with quotes, where each is part
// of a plain quoted cell: a quote (after white space, if trim, as
// encoding/csv skips it), then anything but a quote, then a quote and the
// separator or the line's end. R quotes its row names so ("1","0.5",…),
// and pandas and spreadsheets cells with text. The cell is what is
// between the quotes, as encoding/csv reads it. ok is false for any
// other quote: encoding/csv reads the line (errQuotes).
func splitQuoted(rec []string, l []byte, sep byte, trim bool) (_ []string, ok bool) {
	for {
		c := l
		if trim {
			c = bytes.TrimLeftFunc(l, unicode.IsSpace)
		}
		if len(c) > 0 && c[0] == '"' {
			j := bytes.IndexByte(c[1:], '"')
			if j < 0 {
				return rec, false // not closed on this line
			}
			rec = append(rec, unsafe.String(unsafe.SliceData(c[1:]), j))
			switch rest := c[2+j:]; {
			case len(rest) == 0:
				return rec, true
			case rest[0] != sep:
				return rec, false // a doubled quote, or text after the closing one
			default:
				l = rest[1:]
			}
			continue
		}
		i := bytes.IndexByte(l, sep)
		if i < 0 {
			i = len(l)
		}
		if bytes.IndexByte(l[:i], '"') >= 0 {
			return rec, false // a bare quote
		}
		rec = append(rec, unsafe.String(unsafe.SliceData(l), i))
		if i == len(l) {
			return rec, true
		}
		l = l[i+1:]
	}
}

// afterHeader returns text after its header (if f has one: the first
// record, which encoding/csv reads, for a header's names may be quoted
// in any way), the number of lines before what it returns, and whether
// it read the header; not if the header is not whole in text.
func (f *CSV) afterHeader(text []byte) (rest []byte, lines int, ok bool) {
	if f.Names == nil {
		return text, 0, true
	}
	r := f.reader(text)
	if _, err := nextRecord(r); err != nil {
		return nil, 0, false
	}
	off := int(r.InputOffset())
	return text[off:], bytes.Count(text[:off], []byte{'\n'}), true
}

// countLines returns the number of lines of text (a last line without
// '\n' counts).
func countLines(text []byte) int {
	n := bytes.Count(text, []byte{'\n'})
	if len(text) > 0 && text[len(text)-1] != '\n' {
		n++
	}
	return n
}

// splitBlocks splits text into at most parts blocks of whole lines, of
// at least fastBlock bytes but for the last.
func splitBlocks(text []byte, parts int) [][]byte {
	parts = max(1, min(parts, len(text)/fastBlock))
	var out [][]byte
	for k := parts; k > 1 && len(text) > 0; k-- {
		i := len(text) / k
		j := bytes.IndexByte(text[i:], '\n')
		if j < 0 {
			break
		}
		out = append(out, text[:i+j+1])
		text = text[i+j+1:]
	}
	return append(out, text)
}

// maxRows is the most rows text read by hand can hold: one a line, and a
// row's line has at least a separator between cells and a '\n' (but
// the last), or a cell that is not blank if there is one column.
func (f *CSV) maxRows(text []byte) int {
	return min(countLines(text), len(text)/(max(f.Cols-1, 1)+1)+1)
}

// block is one block of lines read in parallel: its text, first line
// and the length of the text after it, and what reading it gave.
type block struct {
	text       []byte
	line       int
	after      int
	n, dropped int
	err        error
}

// lineBlocks splits text, whose first line is line line of the file,
// into blocks to read in parallel, one a core.
func lineBlocks(text []byte, line int) []block {
	texts := splitBlocks(text, runtime.GOMAXPROCS(0))
	blocks := make([]block, len(texts))
	after := len(text)
	for b, t := range texts {
		after -= len(t)
		blocks[b] = block{text: t, line: line, after: after}
		line += countLines(t)
	}
	return blocks
}

// readBlocks reads blocks, one goroutine each; emit(b, row) receives
// block b's rows in order, on b's goroutine. The file's first error is
// the first error of the first block that has one (firstErr): the
// blocks before it had none.
func (f *CSV) readBlocks(blocks []block, cols []int, dropNA bool, emit func(b int, row []float64) error) {
	var wg sync.WaitGroup
	for b := range blocks {
		run := func() {
			p := f.newRows(cols, dropNA)
			bl := &blocks[b]
			bl.err = p.lines(bl.text, bl.line, func(row []float64) error { return emit(b, row) })
			bl.n, bl.dropped = p.n, p.dropped
		}
		if b == len(blocks)-1 {
			run()
			continue
		}
		wg.Go(run)
	}
	wg.Wait()
}

// firstErr returns the file's first error among blocks read in order,
// and the rows kept and dropped.
func firstErr(blocks []block) (n, dropped int, err error) {
	for _, b := range blocks {
		if b.err != nil {
			return 0, 0, b.err
		}
		n, dropped = n+b.n, dropped+b.dropped
	}
	return n, dropped, nil
}

// numbersFast is Numbers by hand over text, whose first line is line
// line of the file: the values of the rows kept, n of them. From a block
// with a line of quotes the hand split leaves to encoding/csv on, it
// reads through encoding/csv, as ConvertCSV does.
func (f *CSV) numbersFast(text []byte, line int, cols []int, dropNA bool) (values []float64, n, dropped int, err error) {
	// Each block collects its rows, in room for as many as it has lines
	// but no more than its own size: a file of many empty cells a line
	// (a row of 1,000 of them in 1,000 bytes) must not reserve 8 bytes a
	// cell before its rows are read. The first block's room is all the
	// blocks', and the others' rows are appended to its own: only they
	// are copied.
	c := len(cols)
	blocks := lineBlocks(text, line)
	parts := make([][]float64, len(blocks))
	room := make([]int, len(blocks))
	total := 0
	for b := range blocks {
		room[b] = min(f.maxRows(blocks[b].text)*c, len(blocks[b].text)/8+c)
		total += room[b]
	}
	room[0] = total
	for b := range blocks {
		parts[b] = make([]float64, 0, room[b])
	}
	f.readBlocks(blocks, cols, dropNA, func(b int, row []float64) error {
		parts[b] = append(parts[b], row...)
		return nil
	})
	// Up to the first block with an error, or with quotes left to
	// encoding/csv, which reads on from that block's first line.
	stop := len(blocks)
	for b := range blocks {
		if blocks[b].err != nil {
			stop = b
			break
		}
		n, dropped = n+blocks[b].n, dropped+blocks[b].dropped
	}
	if stop < len(blocks) && blocks[stop].err != errQuotes {
		return nil, 0, 0, blocks[stop].err
	}
	values = parts[0][:0]
	if stop > 0 {
		values = parts[0]
	}
	for b := 1; b < stop; b++ {
		values = append(values, parts[b]...)
		parts[b] = nil
	}
	if stop < len(blocks) {
		bl := &blocks[stop]
		p := f.newRows(cols, dropNA)
		r := f.reader(text[len(text)-len(bl.text)-bl.after:])
		if err := p.records(r, bl.line-1, false, func(row []float64) error {
			values = append(values, row...)
			return nil
		}); err != nil {
			return nil, 0, 0, err
		}
		n, dropped = n+p.n, dropped+p.dropped
	}
	if n, dropped, err = endRows(n, dropped); err != nil {
		return nil, 0, dropped, err
	}
	return values, n, dropped, nil
}
