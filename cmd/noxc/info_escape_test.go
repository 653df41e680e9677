package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInfoEscapes: noxc info shows what a model file says — names,
// stages, the training source — with control characters escaped: a model
// from someone else set the terminal's title and colours before.
func TestInfoEscapes(t *testing.T) {
	in := &info{
		Path: "m\x1b[31m.noxm", Flow: "f\x1b[31m", Dim: 1, Columns: []string{"x\x07"},
		Stages: []stageInfo{{Name: "s\x1b[2J", Call: "MAF(8)"}},
		Source: "x = 1 \x1b]0;pwned\x07\ntrain\tf on d\n",
	}
	var out bytes.Buffer
	in.print(&out)
	if s := out.String(); strings.ContainsAny(s, "\x1b\x07") {
		t.Errorf("raw control characters in:\n%q", s)
	} else if !strings.Contains(s, `f\x1b[31m`) || !strings.Contains(s, `\x1b]0;pwned\a`) {
		t.Errorf("escapes not shown:\n%s", s)
	}
}

// TestInfoAngles: noxc info names a model's angle columns.
func TestInfoAngles(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "t.nox")
	os.WriteFile(src, []byte("data = toy(\"torus\", n = 200)\nflow = CircularSpline(4, bins = 4) |> Gaussian\ntrain flow on data { steps = 2 }\nsave flow to \"t.noxm\"\n"), 0o644)
	if code, _, stderr := runNoxc("run", src); code != 0 {
		t.Fatalf("run: %s", stderr)
	}
	code, out, stderr := runNoxc("info", filepath.Join(dir, "t.noxm"))
	if code != 0 || !strings.Contains(out, "angles:") || !strings.Contains(out, "in [-pi, pi)") {
		t.Errorf("info (%d): %s%s", code, out, stderr)
	}
	code, out, _ = runNoxc("info", "-json", filepath.Join(dir, "t.noxm"))
	if code != 0 || !strings.Contains(out, `"angles":[0,1]`) {
		t.Errorf("info -json: %s", out)
	}
}
