package dataset

import (
	"encoding/binary"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/noxlang/nox/internal/atomicfile"
)

// WriteFileRows is WriteFileHeader for rows made chunk by chunk, so that
// any number of rows is written in the memory of one chunk: next is
// called with a buffer of whole rows (chunk rows, fewer for the last)
// and fills it; its error abandons the file, which is then not written
// at all (atomicfile). The bytes are those WriteFileHeader writes for
// the same values.
func WriteFileRows(path string, names []string, rows, cols, chunk int, next func(dst []float64) error) error {
	if err := checkHeader(names, cols); err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		return WriteRows(w, IsNPY(path), names, rows, cols, chunk, next)
	})
}

// WriteRows writes rows made chunk by chunk (see WriteFileRows) to w, as
// a .npy array if npy is set, else as CSV after a header line of names
// (if not nil).
func WriteRows(w io.Writer, npy bool, names []string, rows, cols, chunk int, next func(dst []float64) error) error {
	if err := checkHeader(names, cols); err != nil {
		return err
	}
	switch {
	case npy:
		if _, err := w.Write(npyHeaderBytes("<f8", rows, cols)); err != nil {
			return err
		}
	case names != nil:
		if _, err := io.WriteString(w, strings.Join(names, ",")+"\n"); err != nil {
			return err
		}
	}
	buf := make([]float64, min(chunk, rows)*cols)
	var out []byte
	for done := 0; done < rows; {
		n := min(chunk, rows-done)
		if err := next(buf[:n*cols]); err != nil {
			return err
		}
		out = appendRows(out[:0], buf[:n*cols], cols, npy)
		if _, err := w.Write(out); err != nil {
			return err
		}
		done += n
	}
	return nil
}

// appendRows appends values as CSV rows (WriteCSV's text) or as the
// little-endian float64s of a .npy body.
func appendRows(b []byte, values []float64, cols int, npy bool) []byte {
	for i, v := range values {
		if npy {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
			continue
		}
		b = strconv.AppendFloat(b, v, 'g', -1, 64)
		if (i+1)%cols == 0 {
			b = append(b, '\n')
		} else {
			b = append(b, ',')
		}
	}
	return b
}
