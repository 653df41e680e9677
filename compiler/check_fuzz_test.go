package compiler_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/lang"
)

// FuzzCheck: whatever parses, the checker handles without panicking, and
// every error it reports is positioned inside the file; so does CheckFlow
// whatever ParseExpr parses.
func FuzzCheck(f *testing.F) {
	paths, _ := filepath.Glob("testdata/diagnostics/*.txtar")
	ex, _ := filepath.Glob("../examples/*.nox")
	vi, _ := filepath.Glob("../examples/vi/*.nox")
	ex = append(ex, vi...)
	for _, p := range append(paths, ex...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if strings.HasSuffix(p, ".txtar") {
			b = []byte(parseArchive(b).files["model.nox"])
		}
		f.Add(b)
	}
	table := &dataset.Table{Rows: 3, Cols: 2, Values: []float64{1, 2, 3, 4, 5, 6}}
	load := func(path string) (*dataset.Table, error) {
		if strings.Contains(path, "bad") {
			return nil, &dataset.Error{Row: 2, Col: 1, Msg: "bad"}
		}
		return table, nil
	}
	f.Add([]byte("repeat(2, MAF(4) |> Reverse) |> Split(1) |> Gaussian"))
	f.Add([]byte("d = csv(\"x.csv\")\nf = Inverse(Inverse(MAF(4)) |> Planar |> Reverse) |> Gaussian\ntrain f on d\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		lines := strings.Count(string(src), "\n") + 1
		// inFile checks the diagnostics of a failed check.
		inFile := func(err error) {
			if err == nil {
				return
			}
			diags := lang.Errors(err)
			if len(diags) == 0 || len(diags) > lang.MaxErrors+1 {
				t.Fatalf("%d diagnostics from %v", len(diags), err)
			}
			for _, d := range diags {
				if d.Pos.Line < 1 || d.Pos.Line > lines || d.Pos.Column < 1 {
					t.Fatalf("diagnostic outside the file (%d lines): %v", lines, d)
				}
			}
		}
		if file, err := lang.Parse("fuzz.nox", src); err == nil {
			_, err = compiler.Check(file, load)
			inFile(err)
		}
		// The same source as a flow expression alone (CheckFlow).
		if e, err := lang.ParseExpr("fuzz.nox", src); err == nil {
			flow, err := compiler.CheckFlow(e, 2, 1)
			inFile(err)
			if err == nil && (flow == nil || flow.Dim != 2 || flow.ContextDim != 1) {
				t.Fatalf("CheckFlow: %+v without an error", flow)
			}
		}
	})
}
