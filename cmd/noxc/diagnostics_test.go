package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var updateDiagnostics = flag.Bool("update", false, "rewrite the golden files of noxc's tests")

// TestCheckJSON: `noxc check -json` prints every diagnostic of a file,
// errors and warnings, with its range and did-you-mean replacement, as
// the goldens in testdata/diagnostics say (go test -run CheckJSON
// -update rewrites them); and run -json prints the same object when a
// program does not compile.
func TestCheckJSON(t *testing.T) {
	files, _ := filepath.Glob("testdata/diagnostics/*.nox")
	if len(files) < 4 {
		t.Fatal("no golden diagnostics")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			code, stdout, stderr := runNoxc("check", "-json", f)
			if code != 0 && code != 1 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			got := strings.ReplaceAll(stdout, f, filepath.Base(f))
			golden := strings.TrimSuffix(f, ".nox") + ".json"
			if *updateDiagnostics {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("check -json (-golden +got):\n%s", diff)
			}
			if strings.Contains(got, `"severity":"error"`) != (code == 1) {
				t.Errorf("exit %d with diagnostics %s", code, got)
			}
			if code == 1 {
				_, runOut, _ := runNoxc("run", "-json", f)
				if strings.ReplaceAll(runOut, f, filepath.Base(f)) != got {
					t.Errorf("run -json prints %q, check -json %q", runOut, got)
				}
			}
		})
	}
}
