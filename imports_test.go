package nox_test

import (
	"go/build"
	"strings"
	"testing"
)

// TestImportGraph keeps dependencies flowing one way: the front end knows
// nothing of the rest, the IR knows nothing at all, layers know only the
// IR, and the runtime needs only the IR and gonum.
func TestImportGraph(t *testing.T) {
	const mod = "github.com/noxlang/nox"
	allowed := map[string][]string{
		"lang":                {},
		"compiler/ir":         {},
		"compiler/ad":         {"compiler/ir"},
		"stdlib":              {"compiler/ir"},
		"internal/spell":      {},
		"internal/atomicfile": {},
		"dataset":             {"internal/spell", "internal/atomicfile"},
		"runtime":             {"compiler/ir"},
		"compiler":            {"compiler/ir", "compiler/ad", "lang", "stdlib", "dataset", "internal/spell"},
	}
	for dir, ok := range allowed {
		pkg, err := build.Default.Import(mod+"/"+dir, ".", 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range pkg.Imports {
			if !strings.HasPrefix(imp, mod) {
				continue
			}
			rel := strings.TrimPrefix(strings.TrimPrefix(imp, mod), "/")
			if strings.HasPrefix(rel, dir+"/internal/") {
				continue
			}
			found := false
			for _, a := range ok {
				found = found || a == rel
			}
			if !found {
				t.Errorf("%s imports %s; allowed: %v", dir, rel, ok)
			}
		}
	}
}
