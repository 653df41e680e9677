package dataset

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sync"
)

// Source is a table whose rows need not be in memory: a .npy file read on
// demand (NPYFile) or a selection of its columns (Columns). Rows are read
// into the caller's buffers, so that a file larger than memory can be
// trained on (package train draws minibatches from a resident sample of
// it and streams it for its statistics).
type Source interface {
	// Len is the number of rows, Width the number of columns.
	Len() int
	Width() int
	// ReadRows reads rows [lo, hi) into dst, which holds (hi−lo)·Width()
	// values, row-major. It may be called from a goroutine other than
	// the one that opened the source, and, on NPYFile, from several at
	// once.
	ReadRows(dst []float64, lo, hi int) error
}

// A Prefetcher is a Source that can be told which rows will be read
// soon (WillNeed).
type Prefetcher interface {
	// WillNeed starts reading rows [lo, hi) from storage in the
	// background, if the source can; it does not wait and reports
	// nothing.
	WillNeed(lo, hi int)
}

// StreamBytes is the size, in bytes of float64 values (rows × columns ×
// 8), above which ReadFile does not load a .npy file but opens it as a
// Source (OpenNPY): its rows are read on demand, in bounded memory. A
// variable so that tests can lower it; NOX_STREAM_BYTES overrides it in
// noxc.
var StreamBytes int64 = 512 << 20

// streamChunk is the number of bytes of file one sequential read takes.
const streamChunk = 1 << 20

// NPYFile is a .npy file whose rows are read on demand with positioned
// reads (pread) into a fixed buffer, never mapped: the file's pages then
// never count in the process's resident size, whatever is read. Its
// methods are safe for concurrent use.
type NPYFile struct {
	f         *os.File
	path      string
	h         *npyHeader
	off       int64 // the data's offset in the file
	rowBytes  int
	mu        sync.Mutex
	buf       []byte
	checkOnce bool
	// fd is f's descriptor, for WillNeed (-1: none), read once when the
	// file is opened: asking f for it at every hint would allocate.
	fd int
}

// OpenNPY opens the .npy file at path as a Source: it reads and checks
// the header (ReadNPY's rules), and checks that the file's size is
// exactly the header's plus the array's, so that a header claiming more
// rows than the file holds is refused before anything is allocated. The
// values themselves are checked (finite) by Check.
func OpenNPY(path string) (*NPYFile, error) {
	f, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	h, off, err := readNPYPreamble(f)
	if err == nil {
		err = checkNPYSize(f, h, off)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", showPath(path), err)
	}
	rb := h.cols * h.size
	return &NPYFile{f: f, path: path, h: h, off: off, rowBytes: rb, fd: descriptor(f),
		buf: make([]byte, max(rb, streamChunk/rb*rb))}, nil
}

// readNPYPreamble reads the magic, version and header of a .npy file and
// returns the parsed header and the offset of the data.
func readNPYPreamble(f *os.File) (*npyHeader, int64, error) {
	cr := &countingReader{r: f}
	h, err := readNPYHeader(cr)
	if err != nil {
		return nil, 0, err
	}
	return h, cr.n, nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n += int64(k)
	return k, err
}

// checkNPYSize compares the file's size with the one its header implies.
func checkNPYSize(f *os.File, h *npyHeader, off int64) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	want := int64(h.rows) * int64(h.cols) * int64(h.size)
	have := st.Size() - off
	switch {
	case have < want:
		return fmt.Errorf("truncated data: the header's shape %s, dtype '%s', needs %d bytes of data, the file holds %d", h.shapeText, h.descr, want, have)
	case have > want:
		return fmt.Errorf("%s follow the %s of shape %s (another array saved into the same file?); nox reads one array per file", plural(have-want, "byte"), plural(h.rows*h.cols, "value"), h.shapeText)
	}
	return nil
}

// Close closes the file.
func (n *NPYFile) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.fd = -1 // its number may be reused: WillNeed must not advise that file
	return n.f.Close()
}

// Len is the number of rows.
func (n *NPYFile) Len() int { return n.h.rows }

// Width is the number of columns.
func (n *NPYFile) Width() int { return n.h.cols }

// Bytes is the size of the array's data in the file.
func (n *NPYFile) Bytes() int64 { return int64(n.h.rows) * int64(n.rowBytes) }

// ReadRows reads rows [lo, hi) into dst.
func (n *NPYFile) ReadRows(dst []float64, lo, hi int) error {
	if lo < 0 || hi > n.h.rows || lo > hi || len(dst) < (hi-lo)*n.h.cols {
		return fmt.Errorf("dataset: rows [%d, %d) of %d into %d values", lo, hi, n.h.rows, len(dst))
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	per := len(n.buf) / n.rowBytes
	for lo < hi {
		k := min(per, hi-lo)
		b := n.buf[:k*n.rowBytes]
		if _, err := n.f.ReadAt(b, n.off+int64(lo)*int64(n.rowBytes)); err != nil {
			return fmt.Errorf("%s: %w", showPath(n.path), err)
		}
		n.decode(dst[:k*n.h.cols], b)
		dst, lo = dst[k*n.h.cols:], lo+k
	}
	return nil
}

// decode converts the little-endian elements of b into dst.
func (n *NPYFile) decode(dst []float64, b []byte) {
	sz := n.h.size
	switch n.h.descr {
	case "<f4":
		for i := range dst {
			u := uint32(b[4*i]) | uint32(b[4*i+1])<<8 | uint32(b[4*i+2])<<16 | uint32(b[4*i+3])<<24
			dst[i] = float64(math.Float32frombits(u))
		}
	case "<f8":
		for i := range dst {
			o := b[8*i : 8*i+8]
			u := uint64(o[0]) | uint64(o[1])<<8 | uint64(o[2])<<16 | uint64(o[3])<<24 |
				uint64(o[4])<<32 | uint64(o[5])<<40 | uint64(o[6])<<48 | uint64(o[7])<<56
			dst[i] = math.Float64frombits(u)
		}
	default:
		for i := range dst {
			dst[i] = decodeNPY(n.h.descr, b[i*sz:(i+1)*sz])
		}
	}
}

// Check reads the whole file once, sequentially, and reports its first
// value that is not finite as an *Error naming its row and column (from
// 1), as ReadNPY does.
func (n *NPYFile) Check() error {
	err := Each(n, func(lo int, rows []float64) error {
		for k, v := range rows {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				i := lo*n.h.cols + k
				return &Error{Row: i/n.h.cols + 1, Col: i%n.h.cols + 1, Msg: nonFinite(v)}
			}
		}
		return nil
	})
	var e *Error
	if errors.As(err, &e) {
		return fmt.Errorf("%s: %w", showPath(n.path), err)
	}
	return err
}

// Each streams src: it calls fn with consecutive blocks of whole rows,
// the first of which is row lo, in a buffer reused by the next call.
// An error from fn or from reading stops it.
func Each(src Source, fn func(lo int, rows []float64) error) error {
	w := src.Width()
	per := max(1, streamChunk/8/w)
	buf := make([]float64, min(per, src.Len())*w)
	for lo := 0; lo < src.Len(); lo += per {
		hi := min(lo+per, src.Len())
		b := buf[:(hi-lo)*w]
		if err := src.ReadRows(b, lo, hi); err != nil {
			return err
		}
		if err := fn(lo, b); err != nil {
			return err
		}
	}
	return nil
}

// columns is a Source of some columns of another, in a given order.
type columns struct {
	src  Source
	cols []int
	mu   sync.Mutex
	buf  []float64
}

// Columns returns the columns cols (0-based, in that order) of src as a
// Source, reading src's rows through a bounded buffer; a selection of a
// selection selects from the first one's source.
func Columns(src Source, cols []int) Source {
	if c, ok := src.(*columns); ok {
		sel := make([]int, len(cols))
		for k, j := range cols {
			sel[k] = c.cols[j]
		}
		return Columns(c.src, sel)
	}
	return &columns{src: src, cols: append([]int(nil), cols...)}
}

// Base returns the Source a selection reads from and the columns it
// selects, or src and nil if it is not a selection.
func Base(src Source) (Source, []int) {
	if c, ok := src.(*columns); ok {
		return c.src, c.cols
	}
	return src, nil
}

func (c *columns) Len() int   { return c.src.Len() }
func (c *columns) Width() int { return len(c.cols) }

func (c *columns) ReadRows(dst []float64, lo, hi int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	w, sw := len(c.cols), c.src.Width()
	per := max(1, streamChunk/8/sw)
	if len(c.buf) < min(per, hi-lo)*sw {
		c.buf = make([]float64, min(per, hi-lo)*sw)
	}
	for lo < hi {
		k := min(per, hi-lo)
		b := c.buf[:k*sw]
		if err := c.src.ReadRows(b, lo, lo+k); err != nil {
			return err
		}
		for i := range k {
			for a, j := range c.cols {
				dst[i*w+a] = b[i*sw+j]
			}
		}
		dst, lo = dst[k*w:], lo+k
	}
	return nil
}

// ReadRows reads rows [lo, hi) of an in-memory table into dst: a Table
// of numbers is a Source too.
func (t *Table) ReadRows(dst []float64, lo, hi int) error {
	if t.Src != nil {
		return t.Src.ReadRows(dst, lo, hi)
	}
	copy(dst, t.Values[lo*t.Cols:hi*t.Cols])
	return nil
}

// Len is the number of rows.
func (t *Table) Len() int { return t.Rows }

// Width is the number of columns.
func (t *Table) Width() int { return t.Cols }

// Streamed reports whether the table's rows are in a file read on demand
// (Src) rather than in Values.
func (t *Table) Streamed() bool { return t.Src != nil }

// WillNeed tells src that rows [lo, hi) will be read soon, if it is a
// Prefetcher (NPYFile, and a Table or a selection of columns of one):
// the place to start reading them from storage in the background.
func WillNeed(src Source, lo, hi int) {
	if p, ok := src.(Prefetcher); ok {
		p.WillNeed(lo, hi)
	}
}

// WillNeed asks the kernel to read rows [lo, hi) of the file into the
// page cache in the background (posix_fadvise(POSIX_FADV_WILLNEED) on
// Linux; nothing elsewhere). Rows outside the file, and a closed file,
// are ignored.
func (n *NPYFile) WillNeed(lo, hi int) {
	if lo < 0 || lo >= hi || hi > n.h.rows {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	willNeed(n.fd, n.off+int64(lo)*int64(n.rowBytes), int64(hi-lo)*int64(n.rowBytes))
}

// WillNeed passes the hint on to the file of a streamed table.
func (t *Table) WillNeed(lo, hi int) {
	if t.Src != nil {
		WillNeed(t.Src, lo, hi)
	}
}

// WillNeed passes the hint on to the selection's source.
func (c *columns) WillNeed(lo, hi int) { WillNeed(c.src, lo, hi) }
