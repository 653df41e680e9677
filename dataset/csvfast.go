package dataset

import (
	"bytes"
	"runtime"
	"strings"
	"sync"
	"unsafe"
)

// CSV text without a quote character anywhere, which is what NumPy,
// pandas and R write for numbers, is split by hand: lines at '\n' (a
// '\r' before it dropped, as encoding/csv drops it), cells at the
// separator, the cells handed to the same checks (rows.record) as
// strings over the text's own bytes, and large texts in blocks of whole
// lines read on every core, the blocks' rows put back in file order. The
// rows, numbers, errors and their rows and columns are encoding/csv's
// (TestFastRows compares the two on every kind of line), and the same
// whatever the number of cores; text with a quote goes through
// encoding/csv, whose rules for quoted cells (separators, quotes and
// line breaks inside them) a split by hand would have to repeat.
// encoding/csv made a string of every record and checked every byte for
// quotes: with them, reading a table of 8 columns of numbers ran at 94
// MB/s on one core here; by hand, at about 1.5 times that on one core,
// and about as many times more as there are cores (bench/README.md,
// "CSV").

// fastBlock is the least text a block of lines read in parallel holds:
// below it, starting a goroutine costs more than it saves. Tests lower
// it to split small texts.
var fastBlock = 256 << 10

// quoteFree reports whether text can be split by hand.
func quoteFree(text []byte) bool { return bytes.IndexByte(text, '"') < 0 }

// lines runs p over the records of text, whole lines of quote-free CSV
// text whose first is line line of the file, as records does over them.
func (p *rows) lines(text []byte, line int, emit func(row []float64) error) error {
	sep := byte(p.f.Sep)
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
		p.rec = splitCells(p.rec[:0], l, sep)
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

// skipHeader returns quote-free text after its header line (the first
// line that is not blank) and the number of lines it skipped; ok is
// false if text has no such line.
func skipHeader(text []byte) (rest []byte, skipped int, ok bool) {
	for len(text) > 0 {
		l := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			l, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		skipped++
		if len(bytes.TrimSpace(l)) > 0 {
			return text, skipped, true
		}
	}
	return nil, skipped, false
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

// maxRows is the most rows quote-free text can hold: one a line, and a
// row's line has at least a separator between cells and a '\n' (but
// the last), or a cell that is not blank if there is one column.
func (f *CSV) maxRows(text []byte) int {
	return min(countLines(text), len(text)/(max(f.Cols-1, 1)+1)+1)
}

// block is one block of lines read in parallel: its text and first
// line, and what reading it gave.
type block struct {
	text       []byte
	line       int
	n, dropped int
	err        error
}

// lineBlocks splits the quote-free text, whose first line is line line
// of the file, into blocks to read in parallel, one a core.
func lineBlocks(text []byte, line int) []block {
	texts := splitBlocks(text, runtime.GOMAXPROCS(0))
	blocks := make([]block, len(texts))
	for b, t := range texts {
		blocks[b] = block{text: t, line: line}
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

// numbersFast is Numbers over quote-free text: the values of the rows
// kept, n of them.
func (f *CSV) numbersFast(cols []int, dropNA bool) (values []float64, n, dropped int, err error) {
	text, line := f.text, 1
	if f.Names != nil {
		var skipped int
		text, skipped, _ = skipHeader(text)
		line += skipped
	}
	// Each block's rows go to a part of values as large as the most rows
	// it can hold (maxRows), and are moved down after the blocks before
	// them. Pages of it that no row reaches are never touched.
	c := len(cols)
	blocks := lineBlocks(text, line)
	at, lo := make([]int, len(blocks)), make([]int, len(blocks)+1)
	for b := range blocks {
		at[b] = lo[b]
		lo[b+1] = lo[b] + f.maxRows(blocks[b].text)*c
	}
	values = make([]float64, lo[len(blocks)])
	f.readBlocks(blocks, cols, dropNA, func(b int, row []float64) error {
		copy(values[at[b]:], row)
		at[b] += c
		return nil
	})
	if n, dropped, err = firstErr(blocks); err != nil {
		return nil, 0, 0, err
	}
	end := 0
	for b := range blocks {
		end += copy(values[end:], values[lo[b]:at[b]])
	}
	if n, dropped, err = endRows(n, dropped); err != nil {
		return nil, 0, dropped, err
	}
	return values[:end:end], n, dropped, nil
}
