package nox_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/plot"
)

var update = flag.Bool("update", false, "rewrite golden files")

// copyExample copies an example and its data into a temporary directory so
// that running it writes nothing into the repository.
func copyExample(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("examples", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(dir, "data"), os.DirFS("examples/data")); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

func runFile(t *testing.T, path string, maxSteps int) []nox.Event {
	t.Helper()
	s, err := nox.CompileFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var evs []nox.Event
	if err := s.Run(context.Background(), nox.RunOptions{MaxSteps: maxSteps, Plot: plot.Statement, OnEvent: func(e nox.Event) { evs = append(evs, e) }}); err != nil {
		t.Fatal(s.Render(err))
	}
	return evs
}

// runFlow compiles src as dir/m.nox, runs it and returns the model of its
// flow named flow, failing the test at any error.
func runFlow(t *testing.T, dir, src string) *nox.Model {
	t.Helper()
	path := filepath.Join(dir, "m.nox")
	s, err := nox.Compile(path, []byte(src))
	if err != nil {
		t.Fatal(nox.RenderError(err, path, []byte(src)))
	}
	if err := s.Run(context.Background(), nox.RunOptions{}); err != nil {
		t.Fatal(s.Render(err))
	}
	m, err := s.Model("flow")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestExamples runs every example with few steps.
func TestExamples(t *testing.T) {
	files, _ := filepath.Glob("examples/*.nox")
	vi, _ := filepath.Glob("examples/vi/*.nox")
	if len(files) == 0 || len(vi) == 0 {
		t.Fatal("no examples")
	}
	for _, f := range append(files, vi...) {
		name, _ := filepath.Rel("examples", f)
		t.Run(name, func(t *testing.T) {
			evs := runFile(t, copyExample(t, name), 30)
			for _, e := range evs {
				if e.Statement == "train" && (e.TrainNLL == nil || math.IsNaN(*e.TrainNLL) || math.IsInf(*e.TrainNLL, 0)) {
					t.Errorf("train NLL after 30 steps: %v", e.TrainNLL)
				}
			}
		})
	}
}

// TestDeterminism: the same file and seed give bit-identical results.
func TestDeterminism(t *testing.T) {
	var nll []float64
	var samples [][]byte
	for range 2 {
		path := copyExample(t, "moons.nox")
		evs := runFile(t, path, 50)
		nll = append(nll, *evs[0].TestNLL, *evs[0].TrainNLL)
		b, err := os.ReadFile(evs[1].Path)
		if err != nil {
			t.Fatal(err)
		}
		samples = append(samples, b)
	}
	if nll[0] != nll[2] || nll[1] != nll[3] {
		t.Errorf("NLL differs between runs: %v", nll)
	}
	if !bytes.Equal(samples[0], samples[1]) {
		t.Error("samples differ between runs")
	}
}

// TestIRGolden keeps the lowered IR and its derived gradient program under
// review as text. Rewrite with go test -update. With defensive = 0 the
// programs are the flow's alone, as they were before the defensive
// mixture existed (maf_reverse.golden predates it).
func TestIRGolden(t *testing.T) {
	for _, c := range []struct{ opts, golden string }{
		{"steps = 1, defensive = 0", "maf_reverse.golden"},
		{"steps = 1", "maf_reverse_defensive.golden"},
	} {
		t.Run(c.golden, func(t *testing.T) {
			src := "data = csv(\"examples/data/moons.csv\")\n" +
				"flow = MAF(3, dropout = 0.5) |> Reverse |> Gaussian\n" +
				"train flow on data { " + c.opts + " }\n"
			s, err := nox.Compile("golden.nox", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Prog.IR("", nil)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "ir", c.golden)
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("IR differs from %s (go test -update to rewrite):\n%s", golden, got)
			}
		})
	}
}

// TestRuntimeErrorsArePositioned: a diverging run stops with the statement's
// position, the step and the last finite loss.
func TestRuntimeErrorsArePositioned(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "d.csv"), []byte("1,2\n3,4\n5,6\n1e200,-1e200\n"), 0o644)
	src := "data = csv(\"d.csv\")\nflow = MAF(4) |> Gaussian\ntrain flow on data { steps = 50, standardize = false, test_frac = 0 }\n"
	path := filepath.Join(dir, "m.nox")
	os.WriteFile(path, []byte(src), 0o644)
	s, err := nox.CompileFile(path)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Run(context.Background(), nox.RunOptions{})
	if err == nil {
		t.Fatal("no error from a diverging run")
	}
	msg := s.Render(err)
	for _, want := range []string{path + ":3:1: train: loss is +Inf at step 1", "train flow on data", "^"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
}

// TestEval: eval reports the same mean NLL as train's and writes one
// log-likelihood per row.
func TestEval(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "d.csv"), []byte("0,1\n1,2\n2,2\n3,5\n4,3\n5,7\n6,6\n7,8\n"), 0o644)
	src := "data = csv(\"d.csv\")\ndef block(h) = MAF(h) |> Reverse\nflow = repeat(2, block(4)) |> Gaussian\n" +
		"train flow on data { steps = 5, test_frac = 0, val_frac = 0 }\neval flow on data to \"ll.csv\"\n"
	path := filepath.Join(dir, "m.nox")
	os.WriteFile(path, []byte(src), 0o644)
	evs := runFile(t, path, 0)
	if len(evs) != 2 || evs[1].Statement != "eval" || evs[1].N != 8 {
		t.Fatalf("events: %+v", evs)
	}
	// The same rows in another order: equal up to summation order.
	if d := *evs[1].MeanNLL - *evs[0].TrainNLL; d > 1e-12 || d < -1e-12 {
		t.Errorf("eval mean NLL %v differs from train NLL %v on the same rows", *evs[1].MeanNLL, *evs[0].TrainNLL)
	}
	b, err := os.ReadFile(filepath.Join(dir, "ll.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n != 8 {
		t.Errorf("ll.csv has %d lines, want 8", n)
	}
}

// TestEvalOnSplitParts: `eval flow on test` scores exactly the rows the
// flow's train statement held out, so its mean NLL is the train event's
// test_nll, bit for bit; likewise `on train` and train_nll (issue 24).
func TestEvalOnSplitParts(t *testing.T) {
	for _, opts := range []string{"", `dtype = "float32"`, "defensive = 0.1", "whiten = true, seed = 7"} {
		t.Run(opts, func(t *testing.T) {
			dir := t.TempDir()
			var rows strings.Builder
			for i := range 50 {
				x := float64(i) / 10
				fmt.Fprintf(&rows, "%g,%g\n", x, math.Sin(x)+0.1*math.Cos(7*x))
			}
			os.WriteFile(filepath.Join(dir, "d.csv"), []byte(rows.String()), 0o644)
			src := "data = csv(\"d.csv\")\nflow = MAF(8) |> Gaussian\n" +
				"train flow on data { steps = 20, test_frac = 0.2, val_frac = 0.1, eval_every = 5" + strings.TrimSuffix(", "+opts, ", ") + " }\n" +
				"eval flow on test to \"ll.csv\"\neval flow on train\neval flow on validation\neval flow on data\n"
			path := filepath.Join(dir, "m.nox")
			os.WriteFile(path, []byte(src), 0o644)
			evs := runFile(t, path, 0)
			if len(evs) != 5 {
				t.Fatalf("events: %+v", evs)
			}
			tr, test, train, val, all := evs[0], evs[1], evs[2], evs[3], evs[4]
			if test.Part != "test" || test.N != 10 || train.Part != "train" || train.N != 36 || val.Part != "validation" || val.N != 4 || all.Part != "" || all.N != 50 {
				t.Fatalf("eval events: %+v %+v %+v %+v", test, train, val, all)
			}
			if *test.MeanNLL != *tr.TestNLL {
				t.Errorf("eval on test: mean NLL %v, train's test_nll %v", *test.MeanNLL, *tr.TestNLL)
			}
			if *train.MeanNLL != *tr.TrainNLL {
				t.Errorf("eval on train: mean NLL %v, train's train_nll %v", *train.MeanNLL, *tr.TrainNLL)
			}
			b, err := os.ReadFile(filepath.Join(dir, "ll.csv"))
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(b), "\n"); n != 10 {
				t.Errorf("ll.csv has %d lines, want the 10 test rows", n)
			}
		})
	}
}
