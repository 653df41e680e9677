package runtime

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestBackendGolden keeps the backend form of a small MAF's programs (what
// an Exec runs: Backend's output) under review as text, and checks that
// the fused ops appear by name. Rewrite with go test -update.
func TestBackendGolden(t *testing.T) {
	m := madeModel(t, 1, 4, 3)
	var sb strings.Builder
	for _, p := range []*ir.Program{m.LogProb, splitGradScales(m.Grad), m.Sample} {
		sb.WriteString(Backend(p).String())
		sb.WriteByte('\n')
	}
	got := sb.String()
	for _, op := range []ir.Op{ir.OpNop, ir.OpGemm, ir.OpAddCols, ir.OpPermTranspose, ir.OpMaskCopy} {
		if !strings.Contains(got, " = "+op.String()+" ") {
			t.Errorf("no %s in the backend programs", op)
		}
	}
	for _, attr := range []string{"bias=%", ", relu [", "[:,0:"} {
		if !strings.Contains(got, attr) {
			t.Errorf("no gemm attribute %q in the backend programs", attr)
		}
	}
	golden := filepath.Join("testdata", "backend", "maf.golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("backend programs differ from %s (go test -update to rewrite):\n%s", golden, got)
	}
}
