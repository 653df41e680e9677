package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportCommand: noxc export writes every function of a saved model
// as ONNX, byte for byte the same on a second export; a damaged or
// missing model gets eval's message, and an output that cannot be
// written is refused before the model is read.
func TestExportCommand(t *testing.T) {
	moons := example(t)
	dir := filepath.Dir(moons)
	model := filepath.Join(dir, "moons.noxm")
	if code, _, errs := runNoxc("run", "-steps", "20", "-o", model, moons); code != 0 {
		t.Fatalf("run -o: %s", errs)
	}
	out := filepath.Join(dir, "m.onnx")
	code, stdout, errs := runNoxc("export", model, "-function", "all", "-o", out)
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errs)
	}
	for _, f := range []string{"log_prob", "sample", "forward", "inverse"} {
		p := filepath.Join(dir, "m."+f+".onnx")
		first, err := os.ReadFile(p)
		if err != nil || len(first) == 0 || !strings.Contains(stdout, f+" written to "+p) {
			t.Fatalf("%s: %v; stdout %q", p, err, stdout)
		}
		one := filepath.Join(dir, "again.onnx")
		if code, _, errs := runNoxc("export", model, "-function", f, "-o", one); code != 0 {
			t.Fatalf("export -function %s: %s", f, errs)
		}
		if again, _ := os.ReadFile(one); !bytes.Equal(first, again) {
			t.Errorf("%s: a second export differs", f)
		}
	}
	broken := filepath.Join(dir, "broken.noxm")
	b, _ := os.ReadFile(model)
	os.WriteFile(broken, b[:len(b)/2], 0o644)
	_, _, evalErr := runNoxc("sample", broken)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"export", broken, "-o", filepath.Join(dir, "b.onnx")}, 1, strings.TrimPrefix(strings.TrimSpace(evalErr), "noxc sample: ")},
		{[]string{"export", filepath.Join(dir, "none.noxm")}, 1, "no such file"},
		{[]string{"export", broken, "-o", filepath.Join(dir, "missing", "m.onnx")}, 1, "-o " + filepath.Join(dir, "missing", "m.onnx")},
		{[]string{"export", model, "-function", "all", "-o", dir}, 1, "-o " + dir + ": " + dir + " is a directory"},
		{[]string{"export", model, "-function", "density"}, 2, "-function must be one of log_prob, sample, forward, inverse or all"},
		{[]string{"export", model, "-dtype", "float16"}, 2, "-dtype must be float32 or float64"},
		{[]string{"export"}, 2, "want exactly one MODEL"},
	} {
		code, _, errs := runNoxc(c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "b.onnx")); err == nil {
		t.Error("a failed export left a file")
	}
}
