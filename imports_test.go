package nox_test

import (
	"go/build"
	"io/fs"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// layers lists every package of the module from the bottom up, each with
// the packages of the module it may import; a package may import only
// packages listed before it, so dependencies flow one way: the front
// end, the IR and the kernels know nothing of the rest, layers know only
// the IR, the runtime only the IR and its kernels, training only the
// compiler's models, the runtime and the data sets, the root package
// (the embedding API) everything below it but plotting, and the tools
// are on top. ARCHITECTURE.md shows the same table.
var layers = []struct {
	pkg     string // "" is the root package
	imports []string
	goos    string // the GOOS it is built for, if not this machine's
}{
	{"internal/escape", nil, ""},
	// Units in the last place, for tests that compare roundings.
	{"internal/ulp", nil, ""},
	{"lang", []string{"internal/escape"}, ""},
	{"compiler/ir", nil, ""},
	{"internal/spell", nil, ""},
	{"internal/atomicfile", nil, ""},
	{"internal/fifo", nil, ""},
	{"internal/modelfile", []string{"internal/escape"}, ""},
	{"runtime/internal/gemm", nil, ""},
	{"compiler/ad", []string{"compiler/ir"}, ""},
	{"stdlib", []string{"compiler/ir", "compiler/ad"}, ""},
	{"dataset", []string{"internal/spell", "internal/atomicfile", "internal/escape"}, ""},
	{"runtime", []string{"compiler/ir", "runtime/internal/gemm"}, ""},
	{"compiler", []string{"compiler/ir", "compiler/ad", "lang", "stdlib", "dataset", "internal/spell", "internal/escape"}, ""},
	{"internal/diagnostic", []string{"compiler", "lang", "internal/spell"}, ""},
	{"train", []string{"compiler", "dataset", "runtime"}, ""},
	{"internal/onnxpb", nil, ""},
	{"onnx", []string{"compiler/ir", "runtime", "internal/onnxpb"}, ""},
	// The end-to-end tests of ONNX export (test files only, beside run.js).
	{"onnx/ort", nil, ""},
	{"", []string{"lang", "compiler", "compiler/ir", "stdlib", "dataset", "runtime", "train", "onnx", "internal/atomicfile", "internal/modelfile", "internal/escape"}, ""},
	{"plot", []string{"", "internal/atomicfile"}, ""},
	{"lsp", []string{"", "lang", "compiler", "stdlib", "dataset", "internal/diagnostic"}, ""},
	{"cmd/noxc", []string{"", "lang", "compiler", "compiler/ir", "stdlib", "dataset", "runtime", "train", "plot", "internal/atomicfile", "internal/modelfile", "internal/spell", "internal/escape", "internal/diagnostic", "lsp"}, ""},
	{"bench/nll", []string{"", "plot"}, ""},
	{"bench/suite", []string{"stdlib"}, ""},
	{"bench/bigdata", nil, ""},
	// A probe of the cache lines between two CPUs (Linux).
	{"bench/cores", nil, ""},
	// The machine's vector FMA limit, beside the suite's GEMM rate.
	{"bench/fmapeak", nil, ""},
	// The playground: its builder, and the wasm module it builds.
	{"playground", nil, ""},
	{"playground/build", []string{"playground"}, ""},
	{"playground/wasm", []string{"", "lang", "compiler", "plot", "internal/diagnostic"}, "js"},
}

const module = "github.com/noxlang/nox"

// TestImportGraph checks every package's imports against layers, and that
// layers lists every package of the module, each after what it imports.
func TestImportGraph(t *testing.T) {
	seen := map[string]bool{}
	for _, l := range layers {
		for _, imp := range l.imports {
			if !seen[imp] {
				t.Errorf("layers: %q may import %q, which is not listed before it", l.pkg, imp)
			}
		}
		seen[l.pkg] = true
		ctx := build.Default
		if l.goos == "js" {
			ctx.GOOS, ctx.GOARCH = "js", "wasm"
		}
		pkg, err := ctx.Import(filepath.Join(module, l.pkg), ".", 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range pkg.Imports {
			if imp != module && !strings.HasPrefix(imp, module+"/") {
				continue
			}
			rel := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
			if !slices.Contains(l.imports, rel) {
				t.Errorf("%q imports %q; allowed: %q", l.pkg, rel, l.imports)
			}
		}
	}
	filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "testdata") {
			return filepath.SkipDir
		}
		js := build.Default
		js.GOOS, js.GOARCH = "js", "wasm"
		_, err = build.ImportDir(path, 0)
		if _, jsErr := js.ImportDir(path, 0); err != nil && jsErr != nil {
			return nil // no Go files
		}
		if rel := filepath.ToSlash(path); !seen[strings.TrimPrefix(rel, ".")] && !seen[rel] {
			t.Errorf("package %q is not in layers: add it, after the packages it imports", rel)
		}
		return nil
	})
}

// TestEmbeddingIsLean: a program that imports the root package to load
// and score models links no plotting, fonts or images (they live in
// package plot, which the CLI passes as RunOptions.Plot).
func TestEmbeddingIsLean(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, bad := range []string{"gonum.org/v1/plot", "go-fonts", "golang.org/x/image", "go-latex", "go-pdf", module + "/plot"} {
			if strings.Contains(dep, bad) {
				t.Errorf("the root package depends on %s", dep)
			}
		}
	}
}
