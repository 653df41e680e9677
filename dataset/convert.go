package dataset

import (
	"bufio"
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

// convertHead is how much of the start of a CSV file ConvertCSV reads to
// detect its separator and header.
const convertHead = 64 << 10

// ConvertCSV converts the CSV file in into the .npy file out, in memory
// bounded by a few buffers whatever the file's size, so that a data set
// larger than memory can be trained on by npy(...) (which streams large
// files): a first pass reads and checks every row (csv(...)'s rules and
// errors, naming row and column), a second writes the array, atomically
// (nothing is left at out on an error). It returns the rows written and
// those dropped (DropNA).
func ConvertCSV(in, out string, o ConvertOptions) (rows, dropped int, err error) {
	f, cols, err := scanCSVFile(in, o)
	if err != nil {
		return 0, 0, err
	}
	bad := func(row []float64) error {
		if !o.Float32 {
			return nil
		}
		for k, v := range row {
			if math.IsInf(float64(float32(v)), 0) {
				e := &Error{Col: cols[k] + 1, Msg: fmt.Sprintf("%g is too large for float32 (convert to float64)", v)}
				if f.Names != nil {
					e.Name = f.Names[cols[k]]
				}
				return e
			}
		}
		return nil
	}
	rows, dropped, err = eachCSVFile(in, f, cols, o.DropNA, bad)
	if err != nil {
		return 0, 0, err
	}
	descr, size := "<f8", 8
	if o.Float32 {
		descr, size = "<f4", 4
	}
	err = atomicfile.Write(out, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		if _, err := bw.Write(npyHeaderBytes(descr, rows, len(cols))); err != nil {
			return err
		}
		var b [8]byte
		n, _, err := eachCSVFile(in, f, cols, o.DropNA, func(row []float64) error {
			for _, v := range row {
				if o.Float32 {
					binary.LittleEndian.PutUint32(b[:], math.Float32bits(float32(v)))
				} else {
					binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
				}
				if _, err := bw.Write(b[:size]); err != nil {
					return err
				}
			}
			return nil
		})
		switch {
		case err != nil:
			return err
		case n != rows:
			return fmt.Errorf("%s changed while it was converted (%d rows, then %d)", showPath(in), rows, n)
		}
		return bw.Flush()
	})
	return rows, dropped, err
}

// scanCSVFile reads the start of the CSV file at path for its separator
// and header (ScanCSV) and resolves o.Columns.
func scanCSVFile(path string, o ConvertOptions) (*CSV, []int, error) {
	file, err := OpenRegular(path)
	if err != nil {
		return nil, nil, err
	}
	defer file.Close()
	head := make([]byte, convertHead)
	n, err := io.ReadFull(file, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("%s: %w", showPath(path), err)
	}
	head = head[:n]
	if n == convertHead { // whole lines only
		if k := bytes.LastIndexByte(head, '\n'); k >= 0 {
			head = head[:k+1]
		}
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

// eachCSVFile streams the rows of the CSV file at path, as f.each reads
// them; errors name the file.
func eachCSVFile(path string, f *CSV, cols []int, dropNA bool, emit func(row []float64) error) (n, dropped int, err error) {
	file, err := OpenRegular(path)
	if err != nil {
		return 0, 0, err
	}
	defer file.Close()
	br := bufio.NewReaderSize(file, 1<<20)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\ufeff")) {
		br.Discard(3)
	}
	n, dropped, err = f.each(f.readerFrom(br), cols, dropNA, emit)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", showPath(path), err)
	}
	return n, dropped, nil
}
