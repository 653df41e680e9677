package dataset

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadCSV(t *testing.T) {
	cases := []struct {
		name, in string
		want     *Table
		err      string
	}{
		{"plain", "1,2\n3,4\n", &Table{Rows: 2, Cols: 2, Values: []float64{1, 2, 3, 4}}, ""},
		{"header and blanks", "a,b\n\n1, 2\r\n 3,4e1\n\n", &Table{Rows: 2, Cols: 2, Values: []float64{1, 2, 3, 40}, Names: []string{"a", "b"}}, ""},
		{"header width", "a,b,c\n1,2\n", nil, "row 2: has 2 columns, but the header names 3"},
		{"ragged", "1,2\n3\n", nil, "row 2: has 1 column, but earlier rows have 2"},
		{"text", "1,2\n3,abc\n", nil, `row 2, column 2: "abc" is not a number`},
		{"nan", "1,NaN\n", nil, "row 1, column 2: NaN is not allowed"},
		{"inf", "1,2\n-inf,3\n", nil, `row 2, column 1: "-inf" is not finite`},
		{"overflow", "1e999,1\n", nil, `row 1, column 1: "1e999" is not finite`},
		{"empty cell", "1,,2\n", nil, "row 1, column 2: empty cell"},
		{"empty file", "\n\n", nil, "no rows of numbers"},
		{"header only", "x,y\n", nil, "no rows of numbers"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ReadCSV(strings.NewReader(c.in))
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Fatalf("got error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(c.want, got); d != "" {
				t.Fatalf("-want +got:\n%s", d)
			}
		})
	}
}

func TestWriteCSVRoundTrip(t *testing.T) {
	vals := []float64{0.1, -2.5e-300, 1.0 / 3, 7}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, vals, 2); err != nil {
		t.Fatal(err)
	}
	got, err := ReadCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(vals, got.Values); d != "" {
		t.Fatal(d)
	}
}

// TestWriteCSVHeader: named columns start the file with a header line that
// ReadCSV reads back; nil names write none; names it could not read back
// are refused.
func TestWriteCSVHeader(t *testing.T) {
	vals := []float64{0.1, -2.5e-300, 1.0 / 3, 7}
	var buf bytes.Buffer
	if err := WriteCSVHeader(&buf, []string{"x", "größe y"}, vals, 2); err != nil {
		t.Fatal(err)
	}
	if want := "x,größe y\n0.1,-2.5e-300\n"; !strings.HasPrefix(buf.String(), want) {
		t.Fatalf("got %q, want it to start with %q", buf.String(), want)
	}
	got, err := ReadCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(&Table{Rows: 2, Cols: 2, Values: vals, Names: []string{"x", "größe y"}}, got); d != "" {
		t.Fatal(d)
	}
	buf.Reset()
	if err := WriteCSVHeader(&buf, nil, vals, 2); err != nil || !strings.HasPrefix(buf.String(), "0.1,") {
		t.Fatalf("no names: got %q, %v", buf.String(), err)
	}
	for _, names := range [][]string{{"x"}, {"x", ""}, {"x", "a,b"}, {"x", " y"}, {"x", "1e3"}, {"x", "a\nb"}} {
		buf.Reset()
		if err := WriteCSVHeader(&buf, names, vals, 2); err == nil || buf.Len() > 0 {
			t.Errorf("names %q: got %v after %d bytes, want an error and nothing written", names, err, buf.Len())
		}
	}
}

// TestWriteFileHeader: a CSV file gets the header, a NumPy file does not.
func TestWriteFileHeader(t *testing.T) {
	dir := t.TempDir()
	vals := []float64{1, 2, 3, 4}
	for _, name := range []string{"a.csv", "a.npy"} {
		path := filepath.Join(dir, name)
		if err := WriteFileHeader(path, []string{"u", "v"}, vals, 2); err != nil {
			t.Fatal(err)
		}
		got, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		if name == "a.csv" {
			want = []string{"u", "v"}
		}
		if d := cmp.Diff(&Table{Rows: 2, Cols: 2, Values: vals, Names: want}, got); d != "" {
			t.Errorf("%s: %s", name, d)
		}
	}
}
