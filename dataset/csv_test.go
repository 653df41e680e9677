package dataset

import (
	"bytes"
	"errors"
	"math"
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
		{"text under a header", "x,y\n1,2\n3,abc\n", nil, `row 3, column 2 ("y"): "abc" is not a number`},
		{"nan", "1,NaN\n", nil, `row 1, column 2: missing value "NaN"`},
		{"inf", "1,2\n-inf,3\n", nil, `row 2, column 1: "-inf" is not finite; a flow cannot be fit to infinite values (remove the row, or write it as a missing value and read with na = "drop")`},
		{"Infinity", "1,2\nInfinity,3\n", nil, `row 2, column 1: "Infinity" is not finite; a flow cannot be fit to infinite values (remove the row, or write it as a missing value and read with na = "drop")`},
		{"overflow", "1e999,1\n", nil, `row 1, column 1: "1e999" is not finite (too large for a float64)`},
		{"empty cell", "1,,2\n", nil, "row 1, column 2: missing value (an empty cell)"},
		{"empty file", "\n\n", nil, "no rows of numbers"},
		{"header only", "x,y\n", nil, "no rows of numbers"},

		// RFC 4180 quoting, as spreadsheets, R and pandas write it.
		{"quoted header", "\"x\",\"y, z\"\n1,2\n", &Table{Rows: 1, Cols: 2, Values: []float64{1, 2}, Names: []string{"x", "y, z"}}, ""},
		{"quoted cells", "\"1.5\",\"2\"\n3,\"4\"\n", &Table{Rows: 2, Cols: 2, Values: []float64{1.5, 2, 3, 4}}, ""},
		{"quoted newline in header", "\"a\nb\",c\n1,2\n3,x\n", nil, `row 4, column 2 ("c"): "x" is not a number`},
		{"quoted quote", "\"say \"\"hi\"\"\",y\n1,2\n", &Table{Rows: 1, Cols: 2, Values: []float64{1, 2}, Names: []string{`say "hi"`, "y"}}, ""},
		{"bare quote", "x,y\n1,2\"\n", nil, `row 2: a quote (") inside a cell that does not start with one, at character 4; quote the whole cell and double the quotes inside it ("a ""b"" c")`},
		{"unclosed quote", "x,y\n1,\"2\n3,4\n", nil, `row 2: a quoted cell is not closed properly (at line 3, character 5): a closing quote is missing, or a quote inside the cell is not doubled`},

		// The separator, detected from the first lines.
		{"semicolon", "x;y\n1.5;2\n3;4\n", &Table{Rows: 2, Cols: 2, Values: []float64{1.5, 2, 3, 4}, Names: []string{"x", "y"}}, ""},
		{"tab", "x\ty\n1.5\t2\n", &Table{Rows: 1, Cols: 2, Values: []float64{1.5, 2}, Names: []string{"x", "y"}}, ""},
		{"tab with an empty cell", "1\t\t2\n", nil, "row 1, column 2: missing value (an empty cell)"},
		{"comma in a quoted header of a semicolon file", "\"a,b\";c\n1;2\n", &Table{Rows: 1, Cols: 2, Values: []float64{1, 2}, Names: []string{"a,b", "c"}}, ""},
		{"one column", "x\n1\n2\n", &Table{Rows: 2, Cols: 1, Values: []float64{1, 2}, Names: []string{"x"}}, ""},

		// Numbers as people write them, and nothing else.
		{"decimal forms", ".5,5.,-1e-3,+2E+2\n", &Table{Rows: 1, Cols: 4, Values: []float64{.5, 5, -1e-3, 200}}, ""},
		{"decimal comma", "x;y\n3,14;2\n", nil, `row 2, column 1 ("x"): "3,14" has a decimal comma; nox reads decimal points only: export the file with decimal points ("3.14")`},
		{"quoted decimal comma", "x,y\n\"3,14\",2\n", nil, `row 2, column 1 ("x"): "3,14" has a decimal comma; nox reads decimal points only: export the file with decimal points ("3.14")`},
		{"decimal comma in a comma file", "x\n1\n3,14\n", nil, `row 3: has 2 columns, but the header names 1 (if "3,14" is a number with a decimal comma: nox reads decimal points only; export the file with decimal points)`},
		{"thousands", "x,y\n\"1,000,000\",2\n", nil, `row 2, column 1 ("x"): "1,000,000" has thousands separators; nox reads numbers without them: export the file without them ("1000000")`},
		{"thousands with a point", "x,y\n\"-1,000.5\",2\n", nil, `row 2, column 1 ("x"): "-1,000.5" has thousands separators; nox reads numbers without them: export the file without them ("-1000.5")`},
		{"decimal comma with an exponent", "x;y\n-1,5e3;2\n", nil, `row 2, column 1 ("x"): "-1,5e3" has a decimal comma; nox reads decimal points only: export the file with decimal points ("-1.5e3")`},
		{"underscore", "1_000,2\n", nil, `row 1, column 1: "1_000" is not a number; write a decimal number: digits with an optional sign, decimal point and exponent, as in -1.5, 2 or 3e-4`},
		{"hex float", "1,0x1p3\n", nil, `row 1, column 2: "0x1p3" is not a number; write a decimal number: digits with an optional sign, decimal point and exponent, as in -1.5, 2 or 3e-4`},
		{"bare exponent", "1,1e\n", nil, `row 1, column 2: "1e" is not a number; write a decimal number: digits with an optional sign, decimal point and exponent, as in -1.5, 2 or 3e-4`},

		// Missing values.
		{"NA", "x,y\n1,2\n3,NA\n", nil, `row 3, column 2 ("y"): missing value "NA"`},
		{"N/A", "x,y\nN/A,2\n", nil, `row 2, column 1 ("x"): missing value "N/A"`},
		{"nan lower", "x,y\n1,nan\n", nil, `row 2, column 2 ("y"): missing value "nan"`},
		{"empty quoted", "x,y\n1,\"\"\n", nil, `row 2, column 2 ("y"): missing value (an empty cell)`},

		// Files as Excel writes them, and control characters in messages.
		{"UTF-16", "\xff\xfex\x00,\x00y\x00\n\x00", nil, "the file is UTF-16 text (it starts with a UTF-16 byte-order mark); nox reads UTF-8: save it as CSV UTF-8"},
		{"UTF-16 big-endian", "\xfe\xff\x00x\x00,\x00y\x00\n", nil, "the file is UTF-16 text (it starts with a UTF-16 byte-order mark); nox reads UTF-8: save it as CSV UTF-8"},
		{"BOM and CRLF", "\ufeffx,y\r\n1,2\r\n3,4\r\n", &Table{Rows: 2, Cols: 2, Values: []float64{1, 2, 3, 4}, Names: []string{"x", "y"}}, ""},
		{"control characters", "x,y\n1,\"a\x1b[Jb\"\n", nil, `row 2, column 2 ("y"): "a\x1b[Jb" is not a number`},
		{"long cell", "1," + strings.Repeat("é", 50) + "\n", nil, `row 1, column 2: "` + strings.Repeat("é", 39) + `…" (100 bytes) is not a number`},
		{"megabyte cell", "1,\"" + strings.Repeat("\x1b", 1<<20) + "\"\n", nil, `row 1, column 2: "` + strings.Repeat(`\x1b`, 39) + `…" (1048576 bytes) is not a number`},
		{"binary prefix", "1,0b101\n", nil, `row 1, column 2: "0b101" is not a number; write a decimal number: digits with an optional sign, decimal point and exponent, as in -1.5, 2 or 3e-4`},
		{"hex integer", "0x10,1\n", nil, `row 1, column 1: "0x10" is not a number; write a decimal number: digits with an optional sign, decimal point and exponent, as in -1.5, 2 or 3e-4`},
		{"underscore in a fraction", "1,2.000_5\n", nil, `row 1, column 2: "2.000_5" is not a number; write a decimal number: digits with an optional sign, decimal point and exponent, as in -1.5, 2 or 3e-4`},
		{"signed hex float", "-0X1P-2,1\n", nil, `row 1, column 1: "-0X1P-2" is not a number; write a decimal number: digits with an optional sign, decimal point and exponent, as in -1.5, 2 or 3e-4`},
		{"signed infinity", "1,+Inf\n", nil, `row 1, column 2: "+Inf" is not finite; a flow cannot be fit to infinite values (remove the row, or write it as a missing value and read with na = "drop")`},
		{"control character in a name", "\"x\ay\",z\nb,1\n", nil, `row 2, column 1 ("x\ay"): "b" is not a number`},
		{"pandas index", ",x,y\n0,1,2\n", &Table{Rows: 1, Cols: 3, Values: []float64{0, 1, 2}, Names: []string{"", "x", "y"}}, ""},
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

func TestDetectSep(t *testing.T) {
	cases := []struct {
		in   string
		want rune
	}{
		{"x,y\n1,2\n", ','},
		{"x;y\n1,5;2\n", ';'},
		{"3,14;2,5\n1,0;2,0\n", ';'}, // commas split too, but semicolons come first
		{"x\ty\n1,5\t2\n", '\t'},
		{"x\n1\n", ','},
		{"a;b,c\n1,2\n", ','},         // the semicolon does not split the next line alike
		{"\"a;b\",c\n1,2\n", ','},     // quoted
		{"a;b;c,d\n1;2\n", ';'},       // none consistent: the most cells
		{"a|b\n1|2\n", ','},           // a bar is never detected
		{"\ufeffa;b\r\n1;2\r\n", ';'}, // BOM and CRLF
		{"a,b\n\n  \n1,2\n", ','},     // blank lines skipped
	}
	for _, c := range cases {
		if got := DetectSep([]byte(c.in)); got != c.want {
			t.Errorf("DetectSep(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestCSVNumbers: the separator given, the columns chosen (the others may
// hold text), and missing values dropped.
func TestCSVNumbers(t *testing.T) {
	cases := []struct {
		name, in string
		sep      rune
		cols     []int
		drop     bool
		want     *Table
		dropped  int
		err      string
	}{
		{"bar given", "x|y\n1|2\n", '|', []int{1, 0}, false, &Table{Rows: 1, Cols: 2, Values: []float64{2, 1}, Names: []string{"y", "x"}}, 0, ""},
		{"semicolon given", "1;2\n3;4\n", ';', []int{0}, false, &Table{Rows: 2, Cols: 1, Values: []float64{1, 3}}, 0, ""},
		{"wrong separator given", "-1.5,2\n3,4\n", ';', []int{0}, false, nil, 0, `row 1, column 1: "-1.5,2" is not a number; write a decimal number: digits with an optional sign, decimal point and exponent, as in -1.5, 2 or 3e-4`},
		{"bad separator", "1:2\n", ':', nil, false, nil, 0, `separator ':' is not one of ",", ";", "\t", "|"`},
		{"text in other columns", "name,x,y\nalice,1,2\nbob,3,4\n", 0, []int{1, 2}, false, &Table{Rows: 2, Cols: 2, Values: []float64{1, 2, 3, 4}, Names: []string{"x", "y"}}, 0, ""},
		{"text in a chosen column", "name,x,y\nalice,1,2\n", 0, []int{0, 1}, false, nil, 0, `row 2, column 1 ("name"): "alice" is not a number`},
		{"missing elsewhere", "x,y\n1,NA\n2,3\n", 0, []int{0}, false, &Table{Rows: 2, Cols: 1, Values: []float64{1, 2}, Names: []string{"x"}}, 0, ""},
		{"missing reported", "x,y\n1,2\n,3\n", 0, []int{0, 1}, false, nil, 0, `row 3, column 1 ("x"): missing value (an empty cell)`},
		{"dropped", "x,y,z\n1,2,a\nNA,3,b\n4,,c\n5,6,\n", 0, []int{0, 1}, true, &Table{Rows: 2, Cols: 2, Values: []float64{1, 2, 5, 6}, Names: []string{"x", "y"}}, 2, ""},
		{"all dropped", "x\nNA\n\n\"\"\nnan\n", 0, []int{0}, true, nil, 2, "every row has a missing value in the selected columns (2 rows); no rows are left"},
		{"drop keeps other errors", "x,y\nNA,abc\n", 0, []int{0, 1}, true, nil, 0, `row 2, column 2 ("y"): "abc" is not a number`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := ScanCSV([]byte(c.in), c.sep)
			var got *Table
			dropped := 0
			if err == nil {
				got, dropped, err = f.Numbers(c.cols, c.drop)
			}
			if c.err != "" {
				if err == nil || err.Error() != c.err || dropped != c.dropped {
					t.Fatalf("got error %v (%d dropped), want %q (%d dropped)", err, dropped, c.err, c.dropped)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(c.want, got); d != "" || dropped != c.dropped {
				t.Fatalf("dropped %d, want %d; -want +got:\n%s", dropped, c.dropped, d)
			}
		})
	}
}

// TestReadKeepsCSVText: Read keeps a CSV file's text for ScanCSV, and
// reads a NumPy file at once.
func TestReadKeepsCSVText(t *testing.T) {
	tab, err := Read("a.csv", strings.NewReader("name,x\nalice,1\n"))
	if err != nil || string(tab.Text) != "name,x\nalice,1\n" || tab.Rows != 0 {
		t.Fatalf("Read = %+v, %v", tab, err)
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
		if err == nil && name == "a.csv" { // ReadFile keeps a CSV file's text for the checker to read
			got, err = ParseCSV(got.Text)
		}
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

// FuzzParseCSV: any text either reads as a table of finite numbers of the
// right size, or gives an error; a cell error names a row and column
// inside the file, and no message holds a control character.
func FuzzParseCSV(f *testing.F) {
	for _, s := range []string{"x,y\n1,2\n", "a;b\n1,5;2\n", "\"a\nb\"\t\"c\"\n1\t2\n", "\ufeffx\r\n1\r\nNA\r\n", "1,\"2\x1b\"\n", "1,\"2\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tab, err := ParseCSV([]byte(s))
		if err != nil {
			if strings.ContainsFunc(err.Error(), func(r rune) bool { return r < ' ' || r == 0x7f }) {
				t.Fatalf("message holds a control character: %q", err)
			}
			var e *Error
			if errors.As(err, &e) && (e.Row < 1 || e.Row > strings.Count(s, "\n")+1) {
				t.Fatalf("row %d outside the file: %v", e.Row, err)
			}
			return
		}
		if len(tab.Values) != tab.Rows*tab.Cols || tab.Rows == 0 {
			t.Fatalf("%d values for %d×%d", len(tab.Values), tab.Rows, tab.Cols)
		}
		for _, v := range tab.Values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("value %v", v)
			}
		}
	})
}

// TestReadFileSurvey reads testdata/survey.csv, the file spec.md shows: a
// semicolon file with a column of names, a missing age and a decimal
// comma.
func TestReadFileSurvey(t *testing.T) {
	tab, err := ReadFile("testdata/survey.csv")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ScanCSV(tab.Text, 0)
	if err != nil {
		t.Fatal(err)
	}
	if f.Sep != ';' || !cmp.Equal(f.Names, []string{"name", "age", "height", "weight"}) {
		t.Fatalf("separator %q, names %q", f.Sep, f.Names)
	}
	got, dropped, err := f.Numbers([]int{1, 3}, true)
	if err != nil || dropped != 1 || !cmp.Equal(got.Values, []float64{34, 55, 29, 70}) {
		t.Fatalf("Numbers = %v, %d dropped, %v", got, dropped, err)
	}
	if _, _, err := f.Numbers([]int{2}, true); err == nil || err.Error() != `row 4, column 3 ("height"): "1,75" has a decimal comma; nox reads decimal points only: export the file with decimal points ("1.75")` {
		t.Fatalf("height: %v", err)
	}
}
