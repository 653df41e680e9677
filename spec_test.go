package nox_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/stdlib"
)

// fences returns the bodies of the fenced code blocks of spec.md whose info
// string is lang.
func fences(t *testing.T, info string) []string {
	t.Helper()
	b, err := os.ReadFile("spec.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?ms)^```" + regexp.QuoteMeta(info) + "\n(.*?)^```\n")
	var out []string
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		out = append(out, m[1])
	}
	return out
}

// TestSpecGrammar: the EBNF in spec.md is the grammar the parser uses.
func TestSpecGrammar(t *testing.T) {
	blocks := fences(t, "ebnf")
	if len(blocks) != 1 {
		t.Fatalf("spec.md has %d ebnf blocks, want 1", len(blocks))
	}
	if got, want := strings.TrimSpace(blocks[0]), strings.TrimSpace(lang.Grammar()); got != want {
		t.Errorf("spec.md grammar differs from lang.Grammar():\n--- spec.md\n%s\n--- parser\n%s", got, want)
	}
}

// TestSpecExamples: every nox block in spec.md compiles and runs (with at
// most 5 training steps). Data paths in the blocks are relative to the
// repository root; each block runs in a temporary directory holding a copy
// of examples/data, so the files it writes land there.
func TestSpecExamples(t *testing.T) {
	blocks := fences(t, "nox")
	if len(blocks) < 6 {
		t.Fatalf("spec.md has only %d nox blocks", len(blocks))
	}
	for i, src := range blocks {
		dir := t.TempDir()
		if err := os.CopyFS(filepath.Join(dir, "examples", "data"), os.DirFS("examples/data")); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "spec.nox")
		s, err := nox.Compile(path, []byte(src))
		if err != nil {
			t.Errorf("block %d does not compile:\n%s\n%s", i+1, src, nox.RenderError(err, path, []byte(src)))
			continue
		}
		if err := s.Run(nox.RunOptions{MaxSteps: 5}); err != nil {
			t.Errorf("block %d fails:\n%s\n%s", i+1, src, s.Render(err))
		}
	}
}

// TestSpecLayers: every layer in the registry has a section in spec.md
// with its signature.
func TestSpecLayers(t *testing.T) {
	b, err := os.ReadFile("spec.md")
	if err != nil {
		t.Fatal(err)
	}
	spec := string(b)
	for _, name := range stdlib.Names() {
		if !strings.Contains(spec, "\n### "+name+"\n") {
			t.Errorf("spec.md has no section ### %s", name)
		}
		s := stdlib.Lookup(name)
		if len(s.Params) > 0 && !strings.Contains(spec, s.Signature()) {
			t.Errorf("spec.md does not show the signature %s", s.Signature())
		}
	}
}
