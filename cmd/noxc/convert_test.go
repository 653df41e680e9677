package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/noxlang/nox/dataset"
)

// TestConvertRoundTrip converts CSV files and reads the arrays back.
func TestConvertRoundTrip(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "in.csv")
	text := "\ufeffx;y;name\n1.5;-2;a\n\n3;NA;b\n5;6.25;c\n"
	if err := os.WriteFile(csv, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want []float64
		cols int
		out  string
	}{
		{[]string{"-columns", "x,y", "-na", "drop"}, []float64{1.5, -2, 5, 6.25}, 2, "wrote"},
		{[]string{"-columns", "y,0", "-na", "drop", "-dtype", "float32"}, []float64{-2, 1.5, 6.25, 5}, 2, "1 dropped"},
		{[]string{"-columns", "0", "-sep", ";"}, []float64{1.5, 3, 5}, 1, "3 rows"},
	}
	for _, c := range cases {
		npy := filepath.Join(dir, "out.npy")
		var stdout, stderr bytes.Buffer
		args := append([]string{"convert", csv, npy}, c.args...)
		if code := mainErr(args, nil, &stdout, &stderr); code != 0 {
			t.Fatalf("%v: status %d: %s", c.args, code, stderr.String())
		}
		if !strings.Contains(stdout.String(), c.out) {
			t.Errorf("%v: stdout %q, want %q in it", c.args, stdout.String(), c.out)
		}
		tab, err := dataset.ReadFile(npy)
		if err != nil {
			t.Fatal(err)
		}
		if tab.Cols != c.cols || !slices.Equal(tab.Values, c.want) {
			t.Errorf("%v: %d columns %v, want %d %v", c.args, tab.Cols, tab.Values, c.cols, c.want)
		}
	}
}

// TestConvertErrors: every problem names its row and column, or the
// argument, and leaves no output file.
func TestConvertErrors(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(csv, []byte("x,y,name\n1,2,a\n3,NA,b\n5,6e40,c\n7,8\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	npy := filepath.Join(dir, "out.npy")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{csv, npy}, 1, `row 2, column 3 ("name"): "a" is not a number`},
		{[]string{csv, npy, "-columns", "x,y"}, 1, `row 3, column 2 ("y"): missing value "NA"; -na drop`},
		{[]string{csv, npy, "-columns", "x,y", "-na", "drop", "-dtype", "float32"}, 1, `row 4, column 2 ("y"): 6e+40 is too large for float32`},
		{[]string{csv, npy, "-columns", "x", "-na", "drop"}, 1, "row 5: has 2 columns, but the header names 3"},
		{[]string{csv, npy, "-columns", "z"}, 1, `no column "z"`},
		{[]string{csv, npy, "-columns", "x,0"}, 1, "listed twice"},
		{[]string{csv, npy, "-dtype", "int8"}, 2, "-dtype must be"},
		{[]string{csv, filepath.Join(dir, "out.csv")}, 2, "must end in .npy"},
		{[]string{csv}, 2, "want IN.csv and OUT.npy"},
		{[]string{filepath.Join(dir, "missing.csv"), npy}, 1, "no such file"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := mainErr(append([]string{"convert"}, c.args...), nil, &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: status %d, stderr %q; want %d and %q", c.args, code, stderr.String(), c.code, c.want)
		}
		if _, err := os.Stat(npy); err == nil {
			t.Fatalf("%v: wrote %s", c.args, npy)
		}
	}
}
