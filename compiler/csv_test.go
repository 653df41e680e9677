package compiler_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/lang"
)

// TestCSVDropped: csv(..., na = "drop") drops the rows with a missing
// value in a selected column, counts them in Data.Dropped and says so in
// the data set's summary; text and missing values in other columns are
// not read.
func TestCSVDropped(t *testing.T) {
	files := map[string]string{
		"people.csv": "\ufeffname;x;y;t\r\nalice;1.5;2;1\r\nbob;NA;3;\r\ncarol;4;5;NA\r\ndan;6;;\r\n\"eve; jr\";7;8;9\r\n",
	}
	src := `d = csv("people.csv", columns = ["x", "y"], na = "drop")
e = csv("people.csv", columns = [1], context = ["y"], na = "drop", sep = ";")
f = csv("people.csv", columns = ["x"], context = ["t"], na = "drop")
`
	f, err := lang.Parse("model.nox", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	prog, err := compiler.Check(f, func(path string) (*dataset.Table, error) {
		return dataset.Read(path, strings.NewReader(files[path]))
	})
	if err != nil {
		t.Fatal(lang.Render(err, func(string) []byte { return []byte(src) }))
	}
	d, e, g := prog.Data[0], prog.Data[1], prog.Data[2]
	if d.Dropped != 2 || e.Dropped != 2 || g.Dropped != 3 {
		t.Errorf("dropped %d, %d, %d rows; want 2, 2, 3", d.Dropped, e.Dropped, g.Dropped)
	}
	if diff := cmp.Diff([]float64{1.5, 2, 4, 5, 7, 8}, d.Table.Values); diff != "" {
		t.Errorf("d: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff([]float64{1.5, 4, 7}, e.Table.Values); diff != "" {
		t.Errorf("e data: -want +got:\n%s", diff)
	}
	if diff := cmp.Diff([]float64{2, 5, 8}, e.Context.Values); diff != "" {
		t.Errorf("e context: -want +got:\n%s", diff)
	}
	want := `data set: 3 rows × 2 columns, from "people.csv" (2 rows with missing values dropped)`
	if got := prog.Names["d"]; got != want {
		t.Errorf("summary of d:\n got %s\nwant %s", got, want)
	}
}
