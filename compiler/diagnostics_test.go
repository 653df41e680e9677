package compiler_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/lang"
)

var update = flag.Bool("update", false, "rewrite the expected sections of golden files")

// archive is a txtar-style file: a comment, then sections that start with
// a line "-- name --".
type archive struct {
	comment string
	names   []string
	files   map[string]string
}

func parseArchive(b []byte) *archive {
	a := &archive{files: map[string]string{}}
	cur := ""
	var sb strings.Builder
	flush := func() {
		if cur == "" {
			a.comment = sb.String()
		} else {
			a.files[cur] = sb.String()
			a.names = append(a.names, cur)
		}
		sb.Reset()
	}
	for _, line := range strings.SplitAfter(string(b), "\n") {
		t := strings.TrimRight(line, "\n")
		if strings.HasPrefix(t, "-- ") && strings.HasSuffix(t, " --") && len(t) > 6 {
			flush()
			cur = strings.TrimSuffix(strings.TrimPrefix(t, "-- "), " --")
			continue
		}
		sb.WriteString(line)
	}
	flush()
	return a
}

func (a *archive) format() []byte {
	var buf bytes.Buffer
	buf.WriteString(a.comment)
	for _, n := range a.names {
		fmt.Fprintf(&buf, "-- %s --\n%s", n, a.files[n])
	}
	return buf.Bytes()
}

// TestDiagnostics checks the rendered diagnostics of every archive in
// testdata/diagnostics: model.nox is compiled with the archive's other
// files as its data, and the output must equal the "errors" section.
// go test -update rewrites it (then read the diff).
func TestDiagnostics(t *testing.T) {
	files, _ := filepath.Glob("testdata/diagnostics/*.txtar")
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
			src := []byte(a.files["model.nox"])
			got := diagnose(src, a.files)
			if *update {
				if _, ok := a.files["errors"]; !ok {
					a.names = append(a.names, "errors")
				}
				a.files["errors"] = got
				if err := os.WriteFile(path, a.format(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want := a.files["errors"]; got != want {
				t.Errorf("diagnostics differ (go test -update to rewrite)\ngot:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func diagnose(src []byte, files map[string]string) string {
	f, err := lang.Parse("model.nox", src)
	if err == nil {
		_, err = compiler.Check(f, func(path string) (*dataset.Table, error) {
			body, ok := files[path]
			if !ok {
				return nil, fmt.Errorf("no such file %s", path)
			}
			// A CSV file is read as nox reads it (dataset.Read); an
			// archive cannot hold a NumPy file, so a .npy name holds CSV
			// read as numbers.
			t, err := dataset.Read(path, strings.NewReader(body))
			if dataset.IsNPY(path) {
				t, err = dataset.ParseCSV([]byte(body))
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			return t, nil
		})
	}
	if err == nil {
		return "ok\n"
	}
	return lang.Render(err, func(string) []byte { return src })
}
