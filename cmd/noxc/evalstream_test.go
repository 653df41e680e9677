package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noxlang/nox/dataset"
)

// TestEvalStreamed: noxc eval on a .npy file above NOX_STREAM_BYTES reads
// it chunk by chunk and prints and writes the same bits as on the loaded
// file; its columns cannot be picked by name, and a file of the wrong
// width or a malformed NOX_STREAM_BYTES is refused.
func TestEvalStreamed(t *testing.T) {
	moons := example(t)
	dir := filepath.Dir(moons)
	model := filepath.Join(dir, "moons.noxm")
	run := func(env string, args ...string) (int, string, string) {
		t.Setenv("NOX_STREAM_BYTES", env)
		var stdout, stderr bytes.Buffer
		code := mainErr(args, nil, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	if code, _, errs := run("", "run", "-steps", "20", "-o", model, moons); code != 0 {
		t.Fatalf("run -o: exit %d\n%s", code, errs)
	}
	// More rows than one chunk of evalChunk, around the moons, with one
	// far outside them.
	var vals []float64
	for i := range evalChunk + 5000 {
		f := float64(i)
		vals = append(vals, 2*math.Sin(f)+0.5, math.Cos(0.7*f))
	}
	vals = append(vals, 1e3, -1e3)
	rows := len(vals) / 2
	npy := filepath.Join(dir, "rows.npy")
	if err := dataset.WriteFileHeader(npy, nil, vals, 2); err != nil {
		t.Fatal(err)
	}
	if rows <= evalChunk {
		t.Fatalf("%d rows fit in one chunk of %d", rows, evalChunk)
	}
	loadedLP, streamedLP := filepath.Join(dir, "loaded.csv"), filepath.Join(dir, "streamed.csv")
	code, loaded, errs := run("", "eval", model, npy, "-json", "-o", loadedLP)
	if code != 0 {
		t.Fatalf("eval (loaded): exit %d\n%s", code, errs)
	}
	code, streamed, errs := run("1MiB", "eval", model, npy, "-json", "-o", streamedLP)
	if code != 0 {
		t.Fatalf("eval (streamed): exit %d\n%s", code, errs)
	}
	if strings.ReplaceAll(streamed, "streamed.csv", "loaded.csv") != loaded || !strings.Contains(loaded, `"mean_nll"`) {
		t.Errorf("eval prints\n%s streamed and\n%s loaded", streamed, loaded)
	}
	a, _ := os.ReadFile(loadedLP)
	b, _ := os.ReadFile(streamedLP)
	if !bytes.Equal(a, b) || strings.Count(string(a), "\n") != rows {
		t.Errorf("eval -o: %d bytes streamed, %d loaded, %d lines for %d rows", len(b), len(a), strings.Count(string(a), "\n"), rows)
	}
	if _, text, _ := run("1MiB", "eval", model, npy); text == "" || !strings.Contains(text, "eval") {
		t.Errorf("eval (streamed, text): %q", text)
	}
	wide := filepath.Join(dir, "wide.npy")
	dataset.WriteFileHeader(wide, nil, make([]float64, 3*rows), 3)
	for _, c := range []struct {
		env  string
		args []string
		code int
		want string
	}{
		{"1MiB", []string{"eval", model, npy, "-columns", "x,y"}, 2, "has no header line"},
		{"1MiB", []string{"eval", model, wide}, 1, "has 3 columns; the model wants 2 data columns"},
		{"lots", []string{"eval", model, npy}, 2, `NOX_STREAM_BYTES: want a size in bytes`},
	} {
		code, _, errs := run(c.env, c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("NOX_STREAM_BYTES=%s %v: exit %d, %q; want %d and %q", c.env, c.args, code, errs, c.code, c.want)
		}
	}
	if dataset.StreamBytes != 512<<20 {
		t.Errorf("StreamBytes left at %d", dataset.StreamBytes)
	}
}
