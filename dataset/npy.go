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
	"strings"
)

// The .npy format (NumPy's numpy/lib/format.py, "NEP 1"):
//
//	"\x93NUMPY"  magic, 6 bytes
//	major, minor version, 1 byte each: 1.0, 2.0 or 3.0
//	header length, little-endian: uint16 for 1.0, uint32 for 2.0 and 3.0
//	header: a Python dict literal, e.g.
//	        {'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }
//	        padded with spaces and ended by '\n' so that the data starts
//	        at a multiple of 64 bytes (16 in files from old NumPy)
//	data:   the array's elements, in C (row-major) or Fortran order
//
// Version 2.0 only widens the header length; 3.0 encodes the header in
// UTF-8 rather than Latin-1, which makes no difference to the keys and
// values read here.

const (
	npyMagic = "\x93NUMPY"
	// npyAlign is the multiple of bytes at which NumPy starts the data.
	npyAlign = 64
	// maxNPYHeader bounds the header that is read (NumPy itself refuses
	// headers over 10000 bytes by default).
	maxNPYHeader = 1 << 20
	// maxNPYValues bounds the number of elements of an array that is
	// loaded (ReadNPY); maxStreamValues those of one that is streamed
	// (OpenNPY), whose size is checked against the file's before
	// anything is allocated.
	maxNPYValues    = 1<<31 - 1
	maxStreamValues = min(1<<40, math.MaxInt)
)

// npyDtypes are the element types ReadNPY accepts, with their sizes.
var npyDtypes = []struct {
	descr string
	size  int
}{
	{"<f8", 8}, {"<f4", 4}, {"|u1", 1}, {"<i4", 4}, {"<i8", 8},
}

// IsNPY reports whether a file name ends in .npy (in any case): the name
// by which a loader tells a NumPy file from CSV.
func IsNPY(path string) bool {
	return len(path) >= 4 && strings.EqualFold(path[len(path)-4:], ".npy")
}

// ReadNPY reads a NumPy .npy file (format version 1.0, 2.0 or 3.0) holding
// a 1-D array of shape (n,), read as n rows of one column, or a 2-D array
// of shape (n, d), in C order. The element type is little-endian float64
// ('<f8') or float32 ('<f4'), or an integer type ('|u1', '<i4', '<i8')
// whose values are converted to float64. Every value must be finite: a NaN
// or an infinity is an *Error naming its row and column (from 1, like
// ReadCSV's). The file must hold exactly the array: missing or extra bytes
// are errors. The table has no column names.
func ReadNPY(r io.Reader) (*Table, error) {
	br := bufio.NewReaderSize(r, 64*1024)
	h, err := readNPYHeader(br)
	if err != nil {
		return nil, err
	}
	if h.rows > maxNPYValues/h.cols {
		return nil, npyProblem(fmt.Sprintf("shape %s holds more than %d values (a larger array is streamed by npy(...), not loaded)", h.shapeText, maxNPYValues))
	}
	return readNPYData(br, h)
}

// readNPYHeader reads a .npy file's magic, version and header dict from
// br, leaving it at the first byte of the data.
func readNPYHeader(br io.Reader) (*npyHeader, error) {
	var pre [8]byte
	n, err := io.ReadFull(br, pre[:])
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			if n == 0 {
				return nil, errors.New("not a .npy file: the file is empty")
			}
			if !strings.HasPrefix(npyMagic, string(pre[:min(n, 6)])) {
				return nil, badMagic(pre[:n])
			}
			return nil, fmt.Errorf("not a .npy file: it ends after %s, inside the 10-byte preamble", plural(n, "byte"))
		}
		return nil, err
	}
	if string(pre[:6]) != npyMagic {
		return nil, badMagic(pre[:])
	}
	major, minor := pre[6], pre[7]
	var hlen int
	switch {
	case major == 1 && minor == 0:
		var b [2]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, truncatedHeader(err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case (major == 2 || major == 3) && minor == 0:
		var b [4]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, truncatedHeader(err)
		}
		h := binary.LittleEndian.Uint32(b[:])
		if h > maxNPYHeader {
			return nil, fmt.Errorf("bad .npy header: it claims to be %d bytes long (the limit is %d)", h, maxNPYHeader)
		}
		hlen = int(h)
	default:
		return nil, fmt.Errorf("unsupported .npy format version %d.%d (nox reads 1.0, 2.0 and 3.0)", major, minor)
	}
	header := make([]byte, hlen)
	if k, err := io.ReadFull(br, header); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("bad .npy header: the file ends %s into a header of %s", plural(k, "byte"), plural(hlen, "byte"))
		}
		return nil, err
	}
	h, err := parseNPYHeader(string(header))
	if err != nil {
		if _, ok := err.(npyProblem); ok {
			return nil, err
		}
		return nil, fmt.Errorf("bad .npy header %s: %v", clipHeader(header), err)
	}
	return h, nil
}

// ParseNPY is ReadNPY over a byte slice.
func ParseNPY(b []byte) (*Table, error) { return ReadNPY(bytes.NewReader(b)) }

func badMagic(b []byte) error {
	msg := fmt.Sprintf("not a .npy file: it starts with %q, not %q", b, npyMagic)
	if bytes.HasPrefix(b, []byte("PK")) {
		msg += "; it looks like a zip archive (an .npz file?): save one array with numpy.save"
	}
	return errors.New(msg)
}

func truncatedHeader(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("not a .npy file: it ends inside the header length")
	}
	return err
}

func clipHeader(b []byte) string {
	s := strings.TrimRight(string(b), " \n")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return strconv.Quote(s)
}

// npyHeader is the parsed header dict.
type npyHeader struct {
	descr      string
	size       int // bytes per element
	fortran    bool
	rows, cols int
	shapeText  string
	// which keys were seen
	haveDescr, haveFortran, haveShape bool
}

// npyProblem is an error in a well-formed header: an array ReadNPY does
// not read. Other header errors quote the header.
type npyProblem string

func (e npyProblem) Error() string { return string(e) }

// parseNPYHeader parses the dict literal and checks its keys and values.
func parseNPYHeader(s string) (*npyHeader, error) {
	p := &pyParser{s: s}
	h := &npyHeader{}
	p.space()
	if !p.eat('{') {
		return nil, fmt.Errorf("it is not a dict (it should start with '{')")
	}
	for {
		p.space()
		if p.eat('}') {
			break
		}
		key, err := p.str()
		if err != nil {
			return nil, fmt.Errorf("key: %v", err)
		}
		p.space()
		if !p.eat(':') {
			return nil, fmt.Errorf("expected ':' after key %q", key)
		}
		p.space()
		switch key {
		case "descr":
			if h.haveDescr {
				return nil, fmt.Errorf("key 'descr' given twice")
			}
			h.haveDescr = true
			if p.peek() == '[' || p.peek() == '{' {
				raw := p.skipValue()
				return nil, npyProblem(fmt.Sprintf("unsupported dtype %s: a structured array; nox reads arrays of one number type (%s)", clipText(raw), dtypeList()))
			}
			d, err := p.str()
			if err != nil {
				return nil, fmt.Errorf("descr: %v", err)
			}
			h.descr = d
		case "fortran_order":
			if h.haveFortran {
				return nil, fmt.Errorf("key 'fortran_order' given twice")
			}
			h.haveFortran = true
			switch {
			case p.word("True"):
				h.fortran = true
			case p.word("False"):
			default:
				return nil, fmt.Errorf("fortran_order must be True or False, got %s", clipText(p.skipValue()))
			}
		case "shape":
			if h.haveShape {
				return nil, fmt.Errorf("key 'shape' given twice")
			}
			h.haveShape = true
			dims, err := p.tuple()
			if err != nil {
				return nil, fmt.Errorf("shape: %v", err)
			}
			h.shapeText = shapeText(dims)
			switch len(dims) {
			case 0:
				return nil, npyProblem(fmt.Sprintf("the array is a scalar, shape (); nox reads 1-D (n,) or 2-D (n, d) arrays"))
			case 1:
				h.rows, h.cols = dims[0], 1
			case 2:
				h.rows, h.cols = dims[0], dims[1]
			default:
				return nil, npyProblem(fmt.Sprintf("the array has %d dimensions, shape %s; nox reads 1-D (n,) or 2-D (n, d) arrays (reshape it to (n, d) first)", len(dims), h.shapeText))
			}
		default:
			return nil, fmt.Errorf("unexpected key %q (a .npy header has descr, fortran_order and shape)", key)
		}
		p.space()
		if p.eat(',') {
			continue
		}
		p.space()
		if p.eat('}') {
			break
		}
		return nil, fmt.Errorf("expected ',' or '}' at byte %d", p.i)
	}
	p.space()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected text after the dict at byte %d", p.i)
	}
	switch {
	case !h.haveDescr:
		return nil, fmt.Errorf("no key 'descr' (the element type)")
	case !h.haveFortran:
		return nil, fmt.Errorf("no key 'fortran_order'")
	case !h.haveShape:
		return nil, fmt.Errorf("no key 'shape'")
	}
	for _, d := range npyDtypes {
		if d.descr == h.descr {
			h.size = d.size
		}
	}
	if h.size == 0 {
		hint := ""
		if strings.HasPrefix(h.descr, ">") {
			hint = " (big-endian; save a.astype('<f8'))"
		}
		return nil, npyProblem(fmt.Sprintf("unsupported dtype %q%s; nox reads %s", h.descr, hint, dtypeList()))
	}
	if h.fortran {
		return nil, npyProblem(fmt.Sprintf("the array is in Fortran (column-major) order; nox reads C order (save numpy.ascontiguousarray(a))"))
	}
	if h.rows == 0 {
		return nil, npyProblem(fmt.Sprintf("no rows of numbers: shape %s", h.shapeText))
	}
	if h.cols == 0 {
		return nil, npyProblem(fmt.Sprintf("the rows have no columns: shape %s", h.shapeText))
	}
	if h.rows > maxStreamValues/h.cols {
		return nil, npyProblem(fmt.Sprintf("shape %s holds more than %d values", h.shapeText, int64(maxStreamValues)))
	}
	return h, nil
}

func dtypeList() string {
	var q []string
	for _, d := range npyDtypes {
		q = append(q, "'"+d.descr+"'")
	}
	return strings.Join(q, ", ")
}

func shapeText(dims []int) string {
	var parts []string
	for _, d := range dims {
		parts = append(parts, strconv.Itoa(d))
	}
	if len(dims) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func clipText(s string) string {
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return s
}

// pyParser reads the few Python literals of a .npy header.
type pyParser struct {
	s string
	i int
}

func (p *pyParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *pyParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *pyParser) eat(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	return false
}

// word consumes an identifier equal to w.
func (p *pyParser) word(w string) bool {
	if strings.HasPrefix(p.s[p.i:], w) {
		end := p.i + len(w)
		if end == len(p.s) || !isIdent(p.s[end]) {
			p.i = end
			return true
		}
	}
	return false
}

func isIdent(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// str reads a quoted string without escapes (which no header key or
// supported dtype needs).
func (p *pyParser) str() (string, error) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", fmt.Errorf("expected a quoted string at byte %d", p.i)
	}
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", fmt.Errorf("unterminated string at byte %d", p.i)
	}
	v := p.s[p.i+1 : p.i+1+end]
	if strings.ContainsRune(v, '\\') {
		return "", fmt.Errorf("unexpected escape in string %q", clipText(v))
	}
	p.i += end + 2
	return v, nil
}

// tuple reads a tuple of non-negative ints, as Python writes a shape:
// (), (3,), (3, 2). A trailing L (Python 2's long) is accepted.
func (p *pyParser) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, fmt.Errorf("expected a tuple such as (3, 2), got %s", clipText(p.skipValue()))
	}
	var dims []int
	for {
		p.space()
		if p.eat(')') {
			break
		}
		start := p.i
		for p.i < len(p.s) && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
			p.i++
		}
		if start == p.i {
			return nil, fmt.Errorf("expected a non-negative integer at byte %d", p.i)
		}
		d, err := strconv.ParseInt(p.s[start:p.i], 10, 64)
		if err != nil || d > maxStreamValues {
			return nil, fmt.Errorf("dimension %s is too large", clipText(p.s[start:p.i]))
		}
		p.eat('L')
		dims = append(dims, int(d))
		p.space()
		if p.eat(',') {
			continue
		}
		p.space()
		if p.eat(')') {
			break
		}
		return nil, fmt.Errorf("expected ',' or ')' at byte %d", p.i)
	}
	if len(dims) > 32 {
		return nil, fmt.Errorf("%d dimensions", len(dims))
	}
	return dims, nil
}

// skipValue consumes text up to the next top-level ',' or '}' and returns it.
func (p *pyParser) skipValue() string {
	start, depth := p.i, 0
	for p.i < len(p.s) {
		switch c := p.s[p.i]; c {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth == 0 {
				return p.s[start:p.i]
			}
			depth--
		case ',':
			if depth == 0 {
				return p.s[start:p.i]
			}
		case '\'', '"':
			if end := strings.IndexByte(p.s[p.i+1:], c); end >= 0 {
				p.i += end + 1
			}
		}
		p.i++
	}
	return p.s[start:]
}

// readNPYData reads rows×cols elements and checks that nothing follows.
func readNPYData(r io.Reader, h *npyHeader) (*Table, error) {
	want := h.rows * h.cols
	t := &Table{Rows: h.rows, Cols: h.cols, Values: make([]float64, 0, min(want, 1<<16))}
	buf := make([]byte, 64*1024/h.size*h.size)
	for len(t.Values) < want {
		chunk := buf[:min(len(buf), (want-len(t.Values))*h.size)]
		k, err := io.ReadFull(r, chunk)
		for off := 0; off+h.size <= k; off += h.size {
			v := decodeNPY(h.descr, chunk[off:off+h.size])
			if math.IsNaN(v) || math.IsInf(v, 0) {
				i := len(t.Values)
				return nil, &Error{Row: i/h.cols + 1, Col: i%h.cols + 1, Msg: nonFinite(v)}
			}
			t.Values = append(t.Values, v)
		}
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				msg := fmt.Sprintf("truncated data: expected %s, the file holds %d", plural(want, "value"), len(t.Values))
				if part := k % h.size; part != 0 {
					msg += fmt.Sprintf(" and %s of another", plural(part, "byte"))
				}
				return nil, fmt.Errorf("%s (shape %s, dtype '%s')", msg, h.shapeText, h.descr)
			}
			return nil, err
		}
	}
	extra, err := io.Copy(io.Discard, r)
	if err != nil {
		return nil, err
	}
	if extra > 0 {
		return nil, fmt.Errorf("%s follow the %s of shape %s (another array saved into the same file?); nox reads one array per file", plural(extra, "byte"), plural(want, "value"), h.shapeText)
	}
	return t, nil
}

func decodeNPY(descr string, b []byte) float64 {
	switch descr {
	case "<f8":
		return math.Float64frombits(binary.LittleEndian.Uint64(b))
	case "<f4":
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
	case "|u1":
		return float64(b[0])
	case "<i4":
		return float64(int32(binary.LittleEndian.Uint32(b)))
	case "<i8":
		return float64(int64(binary.LittleEndian.Uint64(b)))
	}
	panic("dataset: unknown dtype " + descr)
}

func nonFinite(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN is not allowed"
	case v > 0:
		return "+Inf is not finite"
	}
	return "-Inf is not finite"
}

// WriteNPY writes rows×cols values, row-major, as a .npy file of format
// version 1.0 and shape (rows, cols): '<f4' if f32 is set, else '<f8'.
// The header is the one numpy.save writes for the same array (NumPy 1.23
// and later): padded with spaces so that the data starts at a multiple of
// 64 bytes. A finite value too large for float32 is
// an error.
func WriteNPY(w io.Writer, values []float64, cols int, f32 bool) error {
	if cols < 1 {
		return fmt.Errorf("WriteNPY: %d columns", cols)
	}
	if len(values)%cols != 0 {
		return fmt.Errorf("WriteNPY: %s do not make rows of %s", plural(len(values), "value"), plural(cols, "column"))
	}
	rows := len(values) / cols
	descr, size := "<f8", 8
	if f32 {
		descr, size = "<f4", 4
		for i, v := range values {
			if !math.IsInf(v, 0) && math.IsInf(float64(float32(v)), 0) {
				return &Error{Row: i/cols + 1, Col: i%cols + 1, Msg: fmt.Sprintf("%g is too large for float32", v)}
			}
		}
	}
	bw := bufio.NewWriter(w)
	if _, err := bw.Write(npyHeaderBytes(descr, rows, cols)); err != nil {
		return err
	}
	var b [8]byte
	for _, v := range values {
		if f32 {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(float32(v)))
		} else {
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
		}
		if _, err := bw.Write(b[:size]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// npyHeaderBytes is the magic, version 1.0, header length and header for a
// C-order array of shape (rows, cols), byte for byte as NumPy's
// numpy.lib.format writes it: spaces and a final '\n' so that the whole
// preamble is a multiple of 64 bytes long.
func npyHeaderBytes(descr string, rows, cols int) []byte {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d), }", descr, rows, cols)
	// NumPy (since 1.23) leaves room for the row count to grow to 21
	// digits, so that appending rows can rewrite the header in place.
	dict += strings.Repeat(" ", max(0, 21-len(strconv.Itoa(rows))))
	hlen := len(dict) + 1 // the '\n'
	pad := npyAlign - (len(npyMagic)+2+2+hlen)%npyAlign
	out := make([]byte, 0, len(npyMagic)+4+hlen+pad)
	out = append(out, npyMagic...)
	out = append(out, 1, 0)
	out = binary.LittleEndian.AppendUint16(out, uint16(hlen+pad))
	out = append(out, dict...)
	out = append(out, bytes.Repeat([]byte{' '}, pad)...)
	return append(out, '\n')
}
