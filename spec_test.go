package nox_test

import (
	"os"
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

// TestSpecExamples: every nox block in spec.md compiles. Blocks are
// compiled as if spec.md's directory held them, so data paths are relative
// to the repository root. They are checked, not run (they would write
// files).
func TestSpecExamples(t *testing.T) {
	blocks := fences(t, "nox")
	if len(blocks) < 4 {
		t.Fatalf("spec.md has only %d nox blocks", len(blocks))
	}
	for i, src := range blocks {
		if _, err := nox.Compile("spec.md", []byte(src)); err != nil {
			t.Errorf("block %d does not compile:\n%s\n%s", i+1, src, nox.RenderError(err, "spec.md", []byte(src)))
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
