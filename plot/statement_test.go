package plot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noxlang/nox"
)

// svgText returns the file at path, failing the test if it cannot be read.
func svgText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// statementJob is a plot statement's job for a 2-D flow trained in this
// run, drawn to dir/NAME.svg.
func statementJob(dir, flow string) nox.PlotJob {
	steps, train, val := trainingRun(300)
	return nox.PlotJob{
		Flow: flow, Path: filepath.Join(dir, "moons.svg"), Dim: 2,
		Samples: moons(500, 0.1, 2), Data: moons(500, 0.1, 1),
		LogProb: mixture,
		History: &nox.History{Steps: steps, Loss: train, Val: val},
	}
}

// TestStatementTitles: the titles say what is drawn, and the usual flow
// name does not stutter (issue 24: "flow flow").
func TestStatementTitles(t *testing.T) {
	dir := outDir(t)
	for flow, want := range map[string][]string{
		"flow": {"samples of flow", "density of flow", "training of flow"},
		"g":    {"samples of flow g", "density of flow g", "training of flow g"},
	} {
		paths, err := Statement(statementJob(dir, flow))
		if err != nil {
			t.Fatal(err)
		}
		if len(paths) != 3 {
			t.Fatalf("%s: wrote %v, want samples, density and loss", flow, paths)
		}
		for i, p := range paths {
			text := svgText(t, p)
			if !strings.Contains(text, ">"+want[i]+"<") {
				t.Errorf("flow %s: %s has no title %q", flow, filepath.Base(p), want[i])
			}
			if strings.Contains(text, "flow flow") {
				t.Errorf("flow %s: %s says \"flow flow\"", flow, filepath.Base(p))
			}
		}
	}
}
