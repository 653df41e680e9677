package dataset

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// npyFile builds a .npy file from its parts, following the format
// description (numpy/lib/format.py) rather than WriteNPY: magic, version,
// little-endian header length (2 bytes for 1.0, 4 for 2.0 and 3.0), the
// header text, then the data bytes.
func npyFile(major byte, header string, data []byte) []byte {
	b := []byte{0x93, 'N', 'U', 'M', 'P', 'Y', major, 0}
	if major == 1 {
		b = append(b, byte(len(header)), byte(len(header)>>8))
	} else {
		b = append(b, byte(len(header)), byte(len(header)>>8), byte(len(header)>>16), byte(len(header)>>24))
	}
	b = append(b, header...)
	return append(b, data...)
}

// TestReadNPYGolden reads files written out byte by byte.
func TestReadNPYGolden(t *testing.T) {
	// Version 1.0, shape (2, 3), '<f8', with the 16-byte alignment of
	// files from NumPy before 1.9: 10 + 70 = 80 bytes of preamble.
	header := "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"
	header += strings.Repeat(" ", 70-1-len(header)) + "\n"
	f8 := []byte{
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x3f, // 1
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, // -2
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe0, 0x3f, // 0.5
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // 0
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x59, 0x40, // 100
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd0, 0xbf, // -0.25
	}
	file := npyFile(1, header, f8)
	if len(file) != 80+48 {
		t.Fatalf("golden file is %d bytes", len(file))
	}
	got, err := ParseNPY(file)
	if err != nil {
		t.Fatal(err)
	}
	want := &Table{Rows: 2, Cols: 3, Values: []float64{1, -2, 0.5, 0, 100, -0.25}}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("-want +got:\n%s", d)
	}

	// Version 2.0, shape (3,) read as 3×1, '<f4', keys in another order,
	// double quotes, Python 2's long suffix and no trailing comma.
	header = `{"shape": (3L,), "fortran_order": False, "descr": "<f4"}` + "\n"
	f4 := []byte{
		0x00, 0x00, 0x80, 0x3f, // 1
		0x00, 0x00, 0x20, 0xc1, // -10
		0x00, 0x00, 0x40, 0x3e, // 0.1875
	}
	got, err = ParseNPY(npyFile(2, header, f4))
	if err != nil {
		t.Fatal(err)
	}
	want = &Table{Rows: 3, Cols: 1, Values: []float64{1, -10, 0.1875}}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("-want +got:\n%s", d)
	}

	// Version 3.0, '|u1'.
	got, err = ParseNPY(npyFile(3, "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 4), }\n", []byte{0, 1, 254, 255}))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]float64{0, 1, 254, 255}, got.Values); d != "" {
		t.Fatal(d)
	}
}

// TestReadNPYNumPy reads files that numpy.save wrote (testdata/make_npy.py).
func TestReadNPYNumPy(t *testing.T) {
	a := []float64{1, -2.5, 1.0 / 3, 1e-300, 7, math.Copysign(0, -1)}
	var a32 []float64
	for _, v := range a {
		a32 = append(a32, float64(float32(v)))
	}
	cases := []struct {
		file       string
		rows, cols int
		values     []float64
	}{
		{"f8.npy", 3, 2, a},
		{"f8_v2.npy", 3, 2, a},
		{"f8_v3.npy", 3, 2, a},
		{"f4.npy", 3, 2, a32},
		{"u1.npy", 2, 3, []float64{0, 17, 255, 128, 1, 2}},
		{"i4_1d.npy", 5, 1, []float64{-3, 0, 2147483647, -2147483648, 5}},
		{"i8.npy", 2, 2, []float64{-(1 << 53), 1 << 53, -1, 9}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			got := readFixture(t, c.file)
			want := &Table{Rows: c.rows, Cols: c.cols, Values: c.values}
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("-want +got:\n%s", d)
			}
			if math.Signbit(got.Values[len(got.Values)-1]) != math.Signbit(c.values[len(c.values)-1]) {
				t.Error("the sign of the last value is lost")
			}
		})
	}
}

func readFixture(t *testing.T, name string) *Table {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := ReadNPY(f)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// TestReadNPYErrors: each problem is named, with what was found.
func TestReadNPYErrors(t *testing.T) {
	fixtures := []struct{ file, err string }{
		{"fortran.npy", "the array is in Fortran (column-major) order; nox reads C order (save numpy.ascontiguousarray(a))"},
		{"3d.npy", "the array has 3 dimensions, shape (2, 3, 4); nox reads 1-D (n,) or 2-D (n, d) arrays (reshape it to (n, d) first)"},
		{"c16.npy", `unsupported dtype "<c16"; nox reads '<f8', '<f4', '|u1', '<i4', '<i8'`},
		{"big_endian.npy", `unsupported dtype ">f8" (big-endian; save a.astype('<f8')); nox reads '<f8', '<f4', '|u1', '<i4', '<i8'`},
		{"nan.npy", "row 2, column 1: NaN is not allowed"},
		{"inf_f4.npy", "row 2, column 2: -Inf is not finite"},
		{"scalar.npy", "the array is a scalar, shape (); nox reads 1-D (n,) or 2-D (n, d) arrays"},
		{"empty.npy", "no rows of numbers: shape (0, 2)"},
		{"structured.npy", "unsupported dtype [('x', '<f8'), ('y', '<i4')]: a structured array; nox reads arrays of one number type ('<f8', '<f4', '|u1', '<i4', '<i8')"},
		{"arrays.npz", `not a .npy file: it starts with "PK\x03\x04\x14\x00\x00\x00", not "\x93NUMPY"; it looks like a zip archive (an .npz file?): save one array with numpy.save`},
	}
	for _, c := range fixtures {
		t.Run(c.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParseNPY(b)
			if err == nil || err.Error() != c.err {
				t.Fatalf("got error\n\t%v\nwant\n\t%s", err, c.err)
			}
		})
	}

	hdr := func(dict string) string { return dict + "\n" }
	ok := hdr("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }")
	four := make([]byte, 32)
	cases := []struct {
		name string
		file []byte
		err  string
	}{
		{"empty", nil, "not a .npy file: the file is empty"},
		{"short", []byte("\x93NUM"), "not a .npy file: it ends after 4 bytes, inside the 10-byte preamble"},
		{"text", []byte("1,2\n3,4\n"), `not a .npy file: it starts with "1,2\n3,4\n", not "\x93NUMPY"`},
		{"short text", []byte("x,y"), `not a .npy file: it starts with "x,y", not "\x93NUMPY"`},
		{"version 4", npyFile(4, ok, four), "unsupported .npy format version 4.0 (nox reads 1.0, 2.0 and 3.0)"},
		{"version 1.1", append([]byte("\x93NUMPY\x01\x01"), 0, 0), "unsupported .npy format version 1.1"},
		{"no header length", []byte("\x93NUMPY\x01\x00\x10"), "not a .npy file: it ends inside the header length"},
		{"cut header", npyFile(1, ok, nil)[:30], "bad .npy header: the file ends 20 bytes into a header of 60 bytes"},
		{"huge header", []byte("\x93NUMPY\x02\x00\xff\xff\xff\xff"), "bad .npy header: it claims to be 4294967295 bytes long (the limit is 1048576)"},
		{"not a dict", npyFile(1, "[1, 2]\n", nil), "it is not a dict"},
		{"no descr", npyFile(1, hdr("{'fortran_order': False, 'shape': (2, 2)}"), four), "no key 'descr'"},
		{"no shape", npyFile(1, hdr("{'descr': '<f8', 'fortran_order': False}"), four), "no key 'shape'"},
		{"no order", npyFile(1, hdr("{'descr': '<f8', 'shape': (2, 2)}"), four), "no key 'fortran_order'"},
		{"extra key", npyFile(1, hdr("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), 'x': 1}"), four), `unexpected key "x"`},
		{"twice", npyFile(1, hdr("{'descr': '<f8', 'descr': '<f8'}"), four), "key 'descr' given twice"},
		{"bad order", npyFile(1, hdr("{'descr': '<f8', 'fortran_order': 0, 'shape': (2, 2)}"), four), "fortran_order must be True or False, got 0"},
		{"bad shape", npyFile(1, hdr("{'descr': '<f8', 'fortran_order': False, 'shape': [2, 2]}"), four), "shape: expected a tuple such as (3, 2), got [2, 2]"},
		{"negative dim", npyFile(1, hdr("{'descr': '<f8', 'fortran_order': False, 'shape': (-2, 2)}"), four), "shape: expected a non-negative integer at byte"},
		{"huge dim", npyFile(1, hdr("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999, 2)}"), four), "dimension 99999999999999999999 is too large"},
		{"too many values", npyFile(1, hdr("{'descr': '<f8', 'fortran_order': False, 'shape': (2000000000, 2)}"), four), "shape (2000000000, 2) holds more than 2147483647 values"},
		{"no columns", npyFile(1, hdr("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 0)}"), nil), "the rows have no columns: shape (3, 0)"},
		{"text after", npyFile(1, hdr("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2)} x"), four), "unexpected text after the dict"},
		{"unterminated", npyFile(1, hdr("{'descr: 1}"), four), "key: unterminated string"},
		{"truncated", npyFile(1, ok, make([]byte, 3*8)), "truncated data: expected 4 values, the file holds 3 (shape (2, 2), dtype '<f8')"},
		{"truncated mid value", npyFile(1, ok, make([]byte, 3*8+5)), "truncated data: expected 4 values, the file holds 3 and 5 bytes of another (shape (2, 2), dtype '<f8')"},
		{"no data", npyFile(1, ok, nil), "truncated data: expected 4 values, the file holds 0"},
		{"trailing", npyFile(1, ok, make([]byte, 4*8+16)), "16 bytes follow the 4 values of shape (2, 2) (another array saved into the same file?); nox reads one array per file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseNPY(c.file)
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("got error\n\t%v\nwant one containing\n\t%s", err, c.err)
			}
		})
	}
}

// TestReadNPYNonFinite: a NaN or an infinity is an *Error at its row and
// column, for 1-D and 2-D arrays and both float types.
func TestReadNPYNonFinite(t *testing.T) {
	var data []byte
	for i := range 6 {
		v := float64(i)
		if i == 3 {
			v = math.Inf(1)
		}
		data = binary.LittleEndian.AppendUint64(data, math.Float64bits(v))
	}
	_, err := ParseNPY(npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }\n", data))
	var e *Error
	if !errors.As(err, &e) || *e != (Error{Row: 2, Col: 2, Msg: "+Inf is not finite"}) {
		t.Fatalf("got %#v", err)
	}
	_, err = ParseNPY(npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }\n", data))
	if !errors.As(err, &e) || *e != (Error{Row: 4, Col: 1, Msg: "+Inf is not finite"}) {
		t.Fatalf("got %#v", err)
	}
	nan32 := binary.LittleEndian.AppendUint32(nil, math.Float32bits(float32(math.NaN())))
	_, err = ParseNPY(npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }\n", nan32))
	if err == nil || err.Error() != "row 1, column 1: NaN is not allowed" {
		t.Fatalf("got %v", err)
	}
}

// TestWriteNPYMatchesNumPy: WriteNPY writes what numpy.save writes.
func TestWriteNPYMatchesNumPy(t *testing.T) {
	a := []float64{1, -2.5, 1.0 / 3, 1e-300, 7, math.Copysign(0, -1)}
	for _, c := range []struct {
		file string
		f32  bool
	}{{"f8.npy", false}, {"f4.npy", true}} {
		want, err := os.ReadFile(filepath.Join("testdata", c.file))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := WriteNPY(&buf, a, 2, c.f32); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("WriteNPY differs from numpy.save's %s:\n got %q\nwant %q", c.file, buf.Bytes(), want)
		}
	}
}

func TestWriteNPYRoundTrip(t *testing.T) {
	for _, rows := range []int{1, 2, 7, 123, 99999, 1234567} {
		for _, cols := range []int{1, 3, 64} {
			if rows*cols > 2e6 {
				continue
			}
			vals := make([]float64, rows*cols)
			for i := range vals {
				vals[i] = math.Sin(float64(i)*0.37) * math.Pow(10, float64(i%40-20))
			}
			for _, f32 := range []bool{false, true} {
				var buf bytes.Buffer
				if err := WriteNPY(&buf, vals, cols, f32); err != nil {
					t.Fatal(err)
				}
				b := buf.Bytes()
				// The header: version 1.0, a length that makes the data
				// start at a multiple of 64, spaces, then '\n'.
				hlen := int(binary.LittleEndian.Uint16(b[8:10]))
				start := 10 + hlen
				if start%64 != 0 || b[6] != 1 || b[7] != 0 || b[start-1] != '\n' {
					t.Fatalf("rows %d cols %d: data at %d, version %d.%d, header ends %q", rows, cols, start, b[6], b[7], b[start-1])
				}
				size := 8
				if f32 {
					size = 4
				}
				if len(b) != start+size*rows*cols {
					t.Fatalf("file is %d bytes, want %d", len(b), start+size*rows*cols)
				}
				got, err := ParseNPY(b)
				if err != nil {
					t.Fatal(err)
				}
				want := vals
				if f32 {
					want = make([]float64, len(vals))
					for i, v := range vals {
						want[i] = float64(float32(v))
					}
				}
				if got.Rows != rows || got.Cols != cols || !slicesEqual(got.Values, want) {
					t.Fatalf("rows %d cols %d f32 %v: round trip differs", rows, cols, f32)
				}
			}
		}
	}
}

func slicesEqual(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

func TestWriteNPYErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteNPY(&buf, []float64{1, 2, 3}, 2, false); err == nil || err.Error() != "WriteNPY: 3 values do not make rows of 2 columns" {
		t.Errorf("ragged: %v", err)
	}
	if err := WriteNPY(&buf, nil, 0, false); err == nil {
		t.Error("0 columns: no error")
	}
	if err := WriteNPY(&buf, []float64{1, 2, 3, 1e39}, 2, true); err == nil || err.Error() != "row 2, column 2: 1e+39 is too large for float32" {
		t.Errorf("float32 overflow: %v", err)
	}
	// An empty table is a valid array of shape (0, cols).
	buf.Reset()
	if err := WriteNPY(&buf, nil, 3, false); err != nil || !strings.Contains(buf.String(), "'shape': (0, 3)") {
		t.Errorf("empty table: %v %q", err, buf.String())
	}
}

func TestIsNPY(t *testing.T) {
	for path, want := range map[string]bool{"a.npy": true, "dir/B.NPY": true, "a.npz": false, "npy": false, ".npy": true, "a.csv": false} {
		if IsNPY(path) != want {
			t.Errorf("IsNPY(%q) = %v", path, !want)
		}
	}
}

// FuzzReadNPY: no input makes ReadNPY panic or allocate for a shape the
// data does not back, and what it accepts is a well-formed table that
// WriteNPY and ReadNPY carry through unchanged.
func FuzzReadNPY(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.np[yz]")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(npyFile(2, "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }\n", []byte{1, 2, 3, 4}))
	f.Add(npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2000000000,), }\n", nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		tab, err := ParseNPY(b)
		if err != nil {
			return
		}
		if tab.Rows < 1 || tab.Cols < 1 || len(tab.Values) != tab.Rows*tab.Cols {
			t.Fatalf("table %d×%d with %d values", tab.Rows, tab.Cols, len(tab.Values))
		}
		for _, v := range tab.Values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("non-finite value %v accepted", v)
			}
		}
		var buf bytes.Buffer
		if err := WriteNPY(&buf, tab.Values, tab.Cols, false); err != nil {
			t.Fatal(err)
		}
		again, err := ParseNPY(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if again.Rows != tab.Rows || again.Cols != tab.Cols || !slicesEqual(again.Values, tab.Values) {
			t.Fatal("round trip differs")
		}
	})
}
