package plot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/train"
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

// TestLossMarks: the loss plot marks the kept step and where early
// stopping stopped, each named in the legend (issue 24).
func TestLossMarks(t *testing.T) {
	dir := outDir(t)
	job := statementJob(dir, "flow")
	job.History.BestStep, job.History.LastStep, job.History.Stop = 120, 300, train.Patience
	paths, err := Statement(job)
	if err != nil {
		t.Fatal(err)
	}
	loss := svgText(t, paths[len(paths)-1])
	for _, want := range []string{">kept: step 120<", ">early stopping at step 300<"} {
		if !strings.Contains(loss, want) {
			t.Errorf("%s has no legend entry %q", filepath.Base(paths[len(paths)-1]), want)
		}
	}

	for _, c := range []struct {
		h    nox.History
		want []Mark
	}{
		{nox.History{BestStep: -1, LastStep: 50}, nil},
		{nox.History{BestStep: 40, LastStep: 50}, []Mark{{40, "kept: step 40", Kept}}},
		{nox.History{BestStep: 0, LastStep: 7, Stop: train.Diverged}, []Mark{{0, "kept: step 0 (the Gaussian fit)", Kept}, {7, "diverged at step 7", Stopped}}},
		{nox.History{BestStep: 20, LastStep: 25, Stop: train.Cancelled}, []Mark{{20, "kept: step 20", Kept}, {25, "cancelled at step 25", Stopped}}},
	} {
		got := HistoryMarks(&c.h)
		if len(got) != len(c.want) {
			t.Errorf("%+v: marks %v, want %v", c.h, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%+v: marks %v, want %v", c.h, got, c.want)
			}
		}
	}
}
