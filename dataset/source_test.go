package dataset

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeTemp writes b to a file name in a temporary directory.
func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// npyBytes is WriteNPY's output for values.
func npyBytes(t *testing.T, values []float64, cols int, f32 bool) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteNPY(&b, values, cols, f32); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestOpenNPYReadsAsReadNPY reads every range of rows of float32 and
// float64 files, and selections of their columns, and compares them
// with what ReadNPY loads.
func TestOpenNPYReadsAsReadNPY(t *testing.T) {
	const rows, cols = 1000, 3
	values := make([]float64, rows*cols)
	for i := range values {
		values[i] = math.Sin(float64(i)) * 1e3
	}
	for _, f32 := range []bool{false, true} {
		b := npyBytes(t, values, cols, f32)
		want, err := ParseNPY(b)
		if err != nil {
			t.Fatal(err)
		}
		n, err := OpenNPY(writeTemp(t, "a.npy", b))
		if err != nil {
			t.Fatal(err)
		}
		defer n.Close()
		if n.Len() != rows || n.Width() != cols {
			t.Fatalf("f32 %v: %d×%d, want %d×%d", f32, n.Len(), n.Width(), rows, cols)
		}
		for _, r := range [][2]int{{0, rows}, {0, 1}, {999, 1000}, {17, 503}} {
			got := make([]float64, (r[1]-r[0])*cols)
			if err := n.ReadRows(got, r[0], r[1]); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want.Values[r[0]*cols:r[1]*cols]) {
				t.Errorf("f32 %v: rows %v differ from ReadNPY's", f32, r)
			}
		}
		sel := Columns(Columns(n, []int{2, 0}), []int{1})
		got := make([]float64, rows)
		if err := sel.ReadRows(got, 0, rows); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want.Select([]int{0}).Values) {
			t.Errorf("f32 %v: column 0 selected twice differs", f32)
		}
		if base, c := Base(sel); base != Source(n) || !slices.Equal(c, []int{0}) {
			t.Errorf("Base = %v, %v", base, c)
		}
	}
}

// TestOpenNPYRefuses checks that a header that does not match the file's
// size, or a value that is not finite, is refused with a message naming
// the problem, and that nothing of the claimed size is allocated.
func TestOpenNPYRefuses(t *testing.T) {
	good := npyBytes(t, []float64{1, 2, 3, 4, 5, 6}, 2, true)
	lying := append(npyHeaderBytes("<f4", 900000000, 2), good[len(npyHeaderBytes("<f4", 3, 2)):]...)
	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"truncated", good[:len(good)-3], "truncated data"},
		{"extra", append(slices.Clone(good), 0, 0, 0, 0), "follow the 6 values"},
		{"lying", lying, "needs 7200000000 bytes of data"},
		{"over 2^31 values", append(npyHeaderBytes("<f4", 1500000000, 2), good[len(npyHeaderBytes("<f4", 3, 2)):]...), "needs 12000000000 bytes of data"},
		{"over 2^40 values", append(npyHeaderBytes("<f4", 1<<40, 2), good[len(npyHeaderBytes("<f4", 3, 2)):]...), "holds more than 1099511627776 values"},
		{"fortran", bytes.Replace(good, []byte("False"), []byte("True "), 1), "Fortran"},
	}
	for _, c := range cases {
		_, err := OpenNPY(writeTemp(t, c.name+".npy", c.b))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.want)
		}
	}
	bad := npyBytes(t, []float64{1, 2, 3, math.Inf(1)}, 2, false)
	n, err := OpenNPY(writeTemp(t, "inf.npy", bad))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.Check(); err == nil || !strings.Contains(err.Error(), "row 2, column 2") || !strings.Contains(err.Error(), "+Inf") {
		t.Errorf("Check = %v, want the +Inf at row 2, column 2", err)
	}
}

// TestReadFileWithinStreams checks that a .npy file over StreamBytes is
// opened as a Source, costs StreamedMemory whatever its size, and that
// one under it is loaded as before.
func TestReadFileWithinStreams(t *testing.T) {
	values := make([]float64, 4000)
	for i := range values {
		values[i] = float64(i)
	}
	path := writeTemp(t, "s.npy", npyBytes(t, values, 4, false))
	old := StreamBytes
	defer func() { StreamBytes = old }()
	StreamBytes = 1 << 10
	tab, err := ReadFileWithin(path, 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	if !tab.Streamed() || tab.Values != nil || tab.Rows != 1000 || tab.Cols != 4 {
		t.Fatalf("got a table of %d×%d, streamed %v", tab.Rows, tab.Cols, tab.Streamed())
	}
	got := make([]float64, 8)
	if err := tab.ReadRows(got, 10, 12); err != nil || !slices.Equal(got, values[40:48]) {
		t.Errorf("rows 10-11 = %v, %v", got, err)
	}
	if _, err := ReadFileWithin(path, StreamedMemory-1); err == nil || !strings.Contains(err.Error(), "streamed") {
		t.Errorf("under StreamedMemory: err = %v", err)
	}
	StreamBytes = 1 << 20
	if tab, err := ReadFileWithin(path, 1<<40); err != nil || tab.Streamed() || !slices.Equal(tab.Values, values) {
		t.Errorf("a small file is not loaded: %v", err)
	}
}

// TestEachVisitsEveryRowOnce streams a table in chunks.
func TestEachVisitsEveryRowOnce(t *testing.T) {
	const rows = 300000 // more than one chunk of 1 MB
	b := make([]byte, 0, rows*8)
	for i := range rows {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(float64(i)))
	}
	hdr := npyHeaderBytes("<f8", rows, 1)
	n, err := OpenNPY(writeTemp(t, "e.npy", append(hdr, b...)))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	next, calls := 0, 0
	err = Each(n, func(lo int, r []float64) error {
		calls++
		for k, v := range r {
			if lo+k != next || v != float64(next) {
				t.Fatalf("row %d holds %v at %d", lo+k, v, next)
			}
			next++
		}
		return nil
	})
	if err != nil || next != rows || calls < 2 {
		t.Errorf("Each: %v, %d rows in %d calls", err, next, calls)
	}
}
