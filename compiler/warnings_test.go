package compiler_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/lang"
)

// TestWarnings checks the checker's warnings on every archive in
// testdata/warnings: model.nox is checked with the archive's other files
// as its data, and its rendered errors (or "ok") followed by its
// rendered warnings must equal the "warnings" section. go test -update
// rewrites it.
func TestWarnings(t *testing.T) {
	files, _ := filepath.Glob("testdata/warnings/*.txtar")
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			a := parseArchive(raw)
			got := warnings(t, []byte(a.files["model.nox"]), a.files)
			if *update {
				if _, ok := a.files["warnings"]; !ok {
					a.names = append(a.names, "warnings")
				}
				a.files["warnings"] = got
				if err := os.WriteFile(path, a.format(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want := a.files["warnings"]; got != want {
				t.Errorf("warnings differ (go test -update to rewrite)\ngot:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// warnings checks src with files as its data and renders its errors (or
// "ok") and its warnings.
func warnings(t *testing.T, src []byte, files map[string]string) string {
	t.Helper()
	f, err := lang.Parse("model.nox", src)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := compiler.Check(f, func(path string) (*dataset.Table, error) {
		body, ok := files[path]
		if !ok {
			return nil, fmt.Errorf("no such file %s", path)
		}
		return dataset.Read(path, strings.NewReader(body))
	})
	text := func(string) []byte { return src }
	out := "ok\n"
	if err != nil {
		out = lang.Render(err, text)
	}
	return out + compiler.RenderWarnings(prog.Warnings, text)
}

// TestWarningText: a warning's one-line forms, and no rendering for
// none.
func TestWarningText(t *testing.T) {
	w := &compiler.Warning{Pos: lang.Pos{Filename: "m.nox", Line: 2, Column: 8}, Flow: "f", Msg: "MAF on 1 column is only an affine map"}
	if got, want := w.String(), "m.nox:2:8: warning: MAF on 1 column is only an affine map"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := w.Positioned(), "m.nox:2:8: MAF on 1 column is only an affine map"; got != want {
		t.Errorf("Positioned() = %q, want %q", got, want)
	}
	if got := compiler.RenderWarnings(nil, nil); got != "" {
		t.Errorf("RenderWarnings(nil) = %q, want nothing", got)
	}
}
