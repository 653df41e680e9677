package dataset

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/noxlang/nox/internal/atomicfile"
)

// ConvertOptions are the choices of ConvertCSV, as csv(...) has them.
type ConvertOptions struct {
	// Columns are the columns to write, in order, each a header name or
	// a 0-based index; nil writes every column.
	Columns []string
	// Sep is the separator, or 0 to detect it (DetectSep).
	Sep rune
	// DropNA drops the rows with a missing value in a written column;
	// without it such a value is an error.
	DropNA bool
	// Float32 writes '<f4' rather than '<f8'; a finite value too large
	// for float32 is then an error.
	Float32 bool
}

// maxHead bounds the start of a CSV file ConvertCSV reads to detect its
// separator and header as csv(...) does over the whole file (readHead).
const maxHead = 64 << 20

// convertBlock is how much of a CSV file ConvertCSV reads at a time
// (tests lower it).
var convertBlock = 16 << 20

// ConvertCSV converts the CSV file in into the .npy file out, in memory
// bounded by a few buffers whatever the file's size, so that a data set
// larger than memory can be trained on by npy(...) (which streams large
// files). It reads the file once, in blocks of whole lines, which it
// splits by hand on every core (csvfast.go; from a line of quotes it
// leaves to encoding/csv on, through encoding/csv), checking every row
// as csv(...) does (its rules and errors, naming row and column), and
// writes the array as it goes, its header's row count written last,
// atomically: nothing is left at out on an error. It returns the rows
// written and those dropped (DropNA).
func ConvertCSV(in, out string, o ConvertOptions) (rows, dropped int, err error) {
	f, cols, err := scanCSVFile(in, o)
	if err != nil {
		return 0, 0, err
	}
	descr := "<f8"
	if o.Float32 {
		descr = "<f4"
	}
	err = atomicfile.WritePatched(out, func(w io.Writer) ([]byte, error) {
		head := npyHeaderBytes(descr, 0, len(cols))
		if _, err := w.Write(head); err != nil {
			return nil, err
		}
		var err error
		if rows, dropped, err = convertRows(in, f, cols, o, w); err != nil {
			return nil, err
		}
		h := npyHeaderBytes(descr, rows, len(cols))
		if len(h) != len(head) {
			return nil, fmt.Errorf("%d rows do not fit the header", rows)
		}
		return h, nil
	})
	if err != nil {
		return 0, 0, err
	}
	return rows, dropped, nil
}

// encodeRow appends row's values to dst as the .npy array stores them
// (little-endian float64, or float32 if f32), or returns why a value is
// too large for float32.
func (f *CSV) encodeRow(dst []byte, row []float64, cols []int, f32 bool) ([]byte, error) {
	for k, v := range row {
		if !f32 {
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
			continue
		}
		x := float32(v)
		if math.IsInf(float64(x), 0) {
			e := &Error{Col: cols[k] + 1, Msg: fmt.Sprintf("%g is too large for float32 (convert to float64)", v)}
			if f.Names != nil {
				e.Name = f.Names[cols[k]]
			}
			return dst, e
		}
		dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(x))
	}
	return dst, nil
}

// convertRows writes the rows of the CSV file at path to w, as ConvertCSV
// does: block by block, each read by hand on every core (csvfast.go);
// from the first block with a line of quotes the hand split leaves to
// encoding/csv on, through encoding/csv.
func convertRows(path string, f *CSV, cols []int, o ConvertOptions, w io.Writer) (n, dropped int, err error) {
	file, err := OpenRegular(path)
	if err != nil {
		return 0, 0, err
	}
	defer file.Close()
	fail := func(err error) (int, int, error) { return 0, 0, fmt.Errorf("%s: %w", showPath(path), err) }
	buf := make([]byte, convertBlock)
	var outs [][]byte
	carry, line, header := 0, 1, f.Names != nil
	for start := true; ; start = false {
		k, rerr := io.ReadFull(file, buf[carry:])
		eof := errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF)
		if rerr != nil && !eof {
			return fail(rerr)
		}
		data := buf[:carry+k]
		if start {
			data = bytes.TrimPrefix(data, []byte("\ufeff"))
		}
		whole := data
		if !eof {
			i := bytes.LastIndexByte(data, '\n')
			whole = data[:i+1] // i < 0: a line longer than the block; encoding/csv reads it
		}
		text, skipped, ok := whole, 0, true
		if header {
			text, skipped, ok = f.afterHeader(whole)
		}
		var blocks []block
		if ok && len(whole) > 0 {
			blocks = lineBlocks(text, line+skipped)
			for len(outs) < len(blocks) {
				outs = append(outs, nil)
			}
			f.readBlocks(blocks, cols, o.DropNA, func(b int, row []float64) (err error) {
				outs[b], err = f.encodeRow(outs[b], row, cols, o.Float32)
				return err
			})
		}
		nb, db, err := firstErr(blocks)
		if !ok || len(whole) == 0 || err == errQuotes {
			// encoding/csv reads the rest, from this block's first line.
			p := f.newRows(cols, o.DropNA)
			var enc []byte
			r := f.readerFrom(io.MultiReader(bytes.NewReader(data), file))
			err := p.records(r, line-1, header, func(row []float64) (err error) {
				if enc, err = f.encodeRow(enc[:0], row, cols, o.Float32); err != nil {
					return err
				}
				_, err = w.Write(enc)
				return err
			})
			if err != nil {
				return fail(err)
			}
			if n, dropped, err = endRows(n+p.n, dropped+p.dropped); err != nil {
				return fail(err)
			}
			return n, dropped, nil
		}
		if err != nil {
			return fail(err)
		}
		for b := range blocks {
			if _, err := w.Write(outs[b]); err != nil {
				return 0, 0, err
			}
			outs[b] = outs[b][:0]
		}
		line, header = line+skipped, false
		n, dropped, line = n+nb, dropped+db, line+countLines(text)
		if eof {
			if n, dropped, err = endRows(n, dropped); err != nil {
				return fail(err)
			}
			return n, dropped, nil
		}
		carry = copy(buf, data[len(whole):])
	}
}

// scanCSVFile reads the start of the CSV file at path for its separator
// and header (ScanCSV) and resolves o.Columns.
func scanCSVFile(path string, o ConvertOptions) (*CSV, []int, error) {
	file, err := OpenRegular(path)
	if err != nil {
		return nil, nil, err
	}
	defer file.Close()
	head, err := readHead(file)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", showPath(path), err)
	}
	f, err := ScanCSV(head, o.Sep)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", showPath(path), err)
	}
	cols, err := f.resolve(o.Columns)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", showPath(path), err)
	}
	return f, cols, nil
}

// readHead reads the start of a CSV file that DetectSep reads of it
// (detectEnd, after a byte-order mark) in whole lines, or all of it if
// it is shorter, so that ScanCSV finds in it the separator and the first
// line it would find in the whole file. 64 KB had cut a first line of
// 20,000 numbers in two, whose row then had too many columns.
func readHead(file io.Reader) ([]byte, error) {
	complete, long := false, false
	head, err := readUntil(file, make([]byte, 0, 64<<10), func(b []byte) bool {
		_, complete = detectEndOf(stripBOM(b))
		long = len(b) >= maxHead
		return complete || long
	})
	switch {
	case err != nil:
		return nil, err
	case complete:
		return head[:bytes.LastIndexByte(head, '\n')+1], nil
	case long:
		return nil, fmt.Errorf("its first %d lines that are not blank take more than %s; nox reads files of shorter lines", detectLines, FormatBytes(maxHead))
	}
	return head, nil // the whole file
}

// resolve turns column names or 0-based indices into indices.
func (f *CSV) resolve(items []string) ([]int, error) {
	if items == nil {
		cols := make([]int, f.Cols)
		for j := range cols {
			cols[j] = j
		}
		return cols, nil
	}
	var cols []int
	seen := map[int]bool{}
	for _, it := range items {
		j := -1
		for k, n := range f.Names {
			if n == it {
				j = k
				break
			}
		}
		if j < 0 {
			k, err := strconv.Atoi(it)
			switch {
			case err != nil && f.Names == nil:
				return nil, fmt.Errorf("the file has no header line, so columns have no names; give 0-based indices, not %s", Quote(it))
			case err != nil:
				return nil, fmt.Errorf("no column %s in the header", Quote(it))
			case k < 0 || k >= f.Cols:
				return nil, fmt.Errorf("column index %d out of range; the file has %s (0 to %d)", k, plural(f.Cols, "column"), f.Cols-1)
			}
			j = k
		}
		if seen[j] {
			return nil, fmt.Errorf("column %s listed twice", Quote(it))
		}
		seen[j] = true
		cols = append(cols, j)
	}
	return cols, nil
}
