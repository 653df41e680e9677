// Package playground builds and serves the nox playground: a static web
// page that runs nox in the browser (playground/README.md). Build puts
// into one directory the compiler and runtime built for GOOS=js
// GOARCH=wasm (from playground/wasm), Go's wasm_exec.js, the page
// (playground/web) and the examples with their data, listed in
// manifest.json for the page to load; Handler serves such a directory.
package playground

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Manifest is dist/manifest.json: what the worker loads.
type Manifest struct {
	Wasm      string `json:"wasm"`
	WasmBytes int64  `json:"wasm_bytes"`
	WasmGzip  int64  `json:"wasm_gzip_bytes"`
	// Files are the examples and data sets, relative to the directory,
	// which the worker puts at the same paths in its file system.
	Files []string `json:"files"`
	// Examples are the programs among Files, for the page's menu.
	Examples []string `json:"examples"`
	// MaxUpload bounds an uploaded CSV, in bytes.
	MaxUpload int `json:"max_upload"`
}

// MaxUpload is the largest CSV the page accepts: the data sets of the
// examples are at most ~600 kB, and training in the browser is several
// times slower than native, so a larger one would mostly wait.
const MaxUpload = 2 << 20

// examples are the globs, relative to the repository, of the files the
// page preloads.
var examples = []string{"examples/*.nox", "examples/vi/*.nox", "examples/data/*.csv"}

// Build writes the playground into out from the repository at root; log,
// if not nil, hears what it does.
func Build(root, out string, log io.Writer) (*Manifest, error) {
	if log == nil {
		log = io.Discard
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	m := &Manifest{Wasm: "nox.wasm", MaxUpload: MaxUpload}
	wasm := filepath.Join(out, m.Wasm)
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", wasm, "./playground/wasm")
	cmd.Dir, cmd.Stdout, cmd.Stderr = root, log, log
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	fmt.Fprintln(log, "GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' -o", wasm, "./playground/wasm")
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("building the wasm module: %w", err)
	}
	if err := copyWasmExec(root, out); err != nil {
		return nil, err
	}
	web := filepath.Join(root, "playground", "web")
	entries, err := os.ReadDir(web)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !e.IsDir() {
			if err := copyFile(filepath.Join(web, e.Name()), filepath.Join(out, e.Name())); err != nil {
				return nil, err
			}
		}
	}
	for _, g := range examples {
		paths, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(g)))
		if err != nil {
			return nil, err
		}
		for _, p := range paths {
			rel, _ := filepath.Rel(root, p)
			if err := copyFile(p, filepath.Join(out, rel)); err != nil {
				return nil, err
			}
			m.Files = append(m.Files, filepath.ToSlash(rel))
			if strings.HasSuffix(rel, ".nox") {
				m.Examples = append(m.Examples, filepath.ToSlash(rel))
			}
		}
	}
	slices.Sort(m.Files)
	if m.WasmBytes, m.WasmGzip, err = sizes(wasm); err != nil {
		return nil, err
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(out, "manifest.json"), append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "%s: %d bytes (%d gzipped); %d files of examples\n", wasm, m.WasmBytes, m.WasmGzip, len(m.Files))
	return m, nil
}

// copyWasmExec copies the JavaScript half of Go's js/wasm port, which
// must come from the Go that built the module: lib/wasm since Go 1.24,
// misc/wasm before.
func copyWasmExec(root, out string) error {
	cmd := exec.Command("go", "env", "GOROOT")
	cmd.Dir = root
	b, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("go env GOROOT: %w", err)
	}
	goroot := strings.TrimSpace(string(b))
	for _, dir := range []string{"lib/wasm", "misc/wasm"} {
		p := filepath.Join(goroot, filepath.FromSlash(dir), "wasm_exec.js")
		if _, err := os.Stat(p); err == nil {
			return copyFile(p, filepath.Join(out, "wasm_exec.js"))
		}
	}
	return fmt.Errorf("no wasm_exec.js in %s/lib/wasm or %s/misc/wasm", goroot, goroot)
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// sizes is a file's size, raw and gzipped (as a server would send it).
func sizes(path string) (raw, gz int64, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return int64(len(b)), int64(buf.Len()), nil
}

// Handler serves the built playground in dir: static files, the module
// as application/wasm (which WebAssembly.instantiateStreaming requires),
// nothing cached (a rebuild shows at the next reload).
func Handler(dir string) http.Handler {
	mime.AddExtensionType(".wasm", "application/wasm")
	files := http.FileServerFS(os.DirFS(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}

// Root finds the repository: the directory of go.mod at or above dir.
func Root(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(d, "playground", "wasm")); err == nil {
				return d, nil
			}
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%s is not inside the nox repository (no go.mod with playground/wasm above it)", dir)
		}
	}
}
