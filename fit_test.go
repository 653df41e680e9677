package nox_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/lang"
)

// ring returns n rows on a noisy unit circle.
func ring(n int) *mat.Dense {
	x := mat.NewDense(n, 2, nil)
	for i := range n {
		t := float64(i) / float64(n) * 2 * math.Pi
		x.Set(i, 0, math.Cos(t)+0.05*math.Sin(17*t))
		x.Set(i, 1, math.Sin(t)+0.05*math.Cos(13*t))
	}
	return x
}

// TestFitErrorsAreDiagnostics: an error in the flow expression is a
// lang.ErrorList positioned in the string the caller passed (issue 17),
// and a flow string that smuggles in statements is refused before
// anything runs (issue 23: no `save` writes a file).
func TestFitErrorsAreDiagnostics(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "owned.noxm")
	for _, c := range []struct{ flow, want string }{
		{"MAF(8) |> Gausian", "flow:1:11: undefined: Gausian (did you mean Gaussian?)"},
		{"MAF(hidden = -1) |> Gaussian", "flow:1:14:"},
		{"MAF(8) |> Reverse", "prior"},
		{"MAF(8) |> Gaussian\nsave flow to \"" + target + "\"", "flow:2:1:"},
		{"MAF(8) |> Gaussian }\ntrain flow on data {", "flow:1:"},
	} {
		_, _, err := nox.Fit(context.Background(), c.flow, ring(100), nil, nox.DefaultFitOptions())
		var list lang.ErrorList
		var one *lang.Error
		if !errors.As(err, &list) && !errors.As(err, &one) {
			t.Errorf("Fit(%q): error %v (%T), want a diagnostic (lang.ErrorList or *lang.Error)", c.flow, err, err)
			continue
		}
		if got := nox.RenderError(err, "flow", []byte(c.flow)); !strings.Contains(got, c.want) {
			t.Errorf("Fit(%q):\n%s\nwant it to contain %q", c.flow, got, c.want)
		}
	}
	if _, err := os.Stat(target); err == nil {
		t.Errorf("a flow string wrote %s", target)
	}
}

// TestFitArguments: nil or mis-shaped arguments and out-of-range options
// are errors, never panics.
func TestFitArguments(t *testing.T) {
	o := nox.DefaultFitOptions()
	bad := o
	bad.LR = -1
	for name, call := range map[string]func() error{
		"nil x": func() error {
			_, _, err := nox.Fit(context.Background(), "MAF(8) |> Gaussian", nil, nil, o)
			return err
		},
		"c rows": func() error {
			_, _, err := nox.Fit(context.Background(), "MAF(8) |> Gaussian", ring(10), mat.NewDense(3, 1, nil), o)
			return err
		},
		"lr": func() error {
			_, _, err := nox.Fit(context.Background(), "MAF(8) |> Gaussian", ring(10), nil, bad)
			return err
		},
		"no training rows": func() error {
			half := o
			half.TestFrac = 0.5 // of 1 row: round(0.5) = 1 held out
			_, _, err := nox.Fit(context.Background(), "MAF(8) |> Gaussian", ring(1), nil, half)
			return err
		},
	} {
		if err := call(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestFitCancelled: cancelling the context stops training, keeps the
// best parameters so far and reports why, without an error.
func TestFitCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := nox.DefaultFitOptions()
	o.Steps, o.EvalEvery = 1000000, 10
	o.OnStep = func(step, total int, loss float64) {
		if step == 50 {
			cancel()
		}
	}
	m, r, err := nox.Fit(ctx, "MAF(16) |> Reverse |> MAF(16) |> Gaussian", ring(500), nil, o)
	if err != nil {
		t.Fatal(err)
	}
	if r.Steps != 50 || r.Stop.String() != "cancelled" || math.IsNaN(r.TrainNLL) || math.IsNaN(r.ValNLL) {
		t.Errorf("report %+v: want 50 steps, cancelled, with NLLs", r)
	}
	lp := make([]float64, 1)
	if err := m.LogProb(lp, mat.NewDense(1, 2, []float64{1, 0}), nil); err != nil || math.IsNaN(lp[0]) {
		t.Errorf("the model of a cancelled fit scores %v (%v)", lp[0], err)
	}
}

// TestFitMatchesScript: Fit trains exactly as the program it stands for.
func TestFitMatchesScript(t *testing.T) {
	x := ring(400)
	o := nox.DefaultFitOptions()
	o.Steps, o.Seed = 120, 3
	m, r, err := nox.Fit(context.Background(), "MAF(16) |> Reverse |> MAF(16) |> Gaussian", x, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var csv strings.Builder
	csv.WriteString("a,b\n")
	for i := range 400 {
		csv.WriteString(strconvRow(x.RawRowView(i)))
	}
	os.WriteFile(filepath.Join(dir, "ring.csv"), []byte(csv.String()), 0o644)
	src := []byte("data = csv(\"ring.csv\")\nflow = MAF(16) |> Reverse |> MAF(16) |> Gaussian\ntrain flow on data { steps = 120, seed = 3 }\n")
	s, err := nox.Compile(filepath.Join(dir, "p.nox"), src)
	if err != nil {
		t.Fatal(err)
	}
	var ev nox.Event
	if err := s.Run(context.Background(), nox.RunOptions{OnEvent: func(e nox.Event) { ev = e }}); err != nil {
		t.Fatal(s.Render(err))
	}
	if ev.TrainNLL == nil || *ev.TrainNLL != r.TrainNLL || *ev.TestNLL != r.TestNLL || *ev.BestStep != r.BestStep {
		t.Errorf("Fit: train %v test %v best %d; script: %+v", r.TrainNLL, r.TestNLL, r.BestStep, ev)
	}
	sm, _ := s.Model("flow")
	a, b := make([]float64, 3), make([]float64, 3)
	q := mat.NewDense(3, 2, []float64{0, 0, 1, 0, 0.3, -0.9})
	m.LogProb(a, q, nil)
	sm.LogProb(b, q, nil)
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("row %d: Fit's log p %v, the script's %v", i, a[i], b[i])
		}
	}
}

func strconvRow(r []float64) string {
	var parts []string
	for _, v := range r {
		parts = append(parts, strconvG(v))
	}
	return strings.Join(parts, ",") + "\n"
}

func strconvG(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// TestLoadWarmStart (issue 24): flow = load("m.noxm") is a trained flow
// (eval uses it as saved), and train continues from its parameters
// instead of starting afresh.
func TestLoadWarmStart(t *testing.T) {
	dir := t.TempDir()
	data, err := filepath.Abs("examples/data/moons.csv")
	if err != nil {
		t.Fatal(err)
	}
	run := func(name, src string) map[string]nox.Event {
		t.Helper()
		s, err := nox.Compile(filepath.Join(dir, name), []byte(src))
		if err != nil {
			t.Fatal(nox.RenderError(err, name, []byte(src)))
		}
		evs := map[string]nox.Event{}
		if err := s.Run(context.Background(), nox.RunOptions{OnEvent: func(e nox.Event) { evs[e.Statement] = e }}); err != nil {
			t.Fatal(s.Render(err))
		}
		return evs
	}
	head := "data = csv(\"" + filepath.ToSlash(data) + "\")\n"
	first := run("a.nox", head+"flow = MAF(16) |> Reverse |> MAF(16) |> Gaussian\ntrain flow on data { steps = 300, seed = 2 }\neval flow on data\nsave flow to \"m.noxm\"\n")
	again := run("b.nox", head+"flow = load(\"m.noxm\")\neval flow on data\n")
	if *again["eval"].MeanNLL != *first["eval"].MeanNLL {
		t.Errorf("the loaded flow scores %v, the saved one %v", *again["eval"].MeanNLL, *first["eval"].MeanNLL)
	}
	warm := run("c.nox", head+"flow = load(\"m.noxm\")\ntrain flow on data { steps = 1, lr = 1e-9, seed = 5 }\neval flow on data\n")
	fresh := run("d.nox", head+"flow = MAF(16) |> Reverse |> MAF(16) |> Gaussian\ntrain flow on data { steps = 1, lr = 1e-9, seed = 5 }\neval flow on data\n")
	w, f, saved := *warm["eval"].MeanNLL, *fresh["eval"].MeanNLL, *first["eval"].MeanNLL
	if math.Abs(w-saved) > 1e-6 || math.Abs(f-saved) < 0.01 {
		t.Errorf("one tiny step: warm start %v, fresh %v, saved %v; want warm ≈ saved and fresh far from it", w, f, saved)
	}
}

// TestLoadErrors: load's errors are positioned at the call.
func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ src, want string }{
		{`flow = load("none.noxm")`, `p.nox:1:13: load("none.noxm"): no such file`},
		{`flow = Reverse |> load("none.noxm")`, `load("none.noxm")`},
		{`flow = load(3)`, `load argument path must be a string`},
	} {
		_, err := nox.Compile(filepath.Join(dir, "p.nox"), []byte(c.src+"\n"))
		if got := nox.RenderError(err, filepath.Join(dir, "p.nox"), []byte(c.src+"\n")); err == nil || !strings.Contains(got, c.want) {
			t.Errorf("%s: got %v, want %q", c.src, got, c.want)
		}
	}
}

// TestEvalLoadedOnTestRefused: a loaded flow has no split until trained.
func TestEvalLoadedOnTestRefused(t *testing.T) {
	dir := t.TempDir()
	data, _ := filepath.Abs("examples/data/moons.csv")
	src := "data = csv(\"" + filepath.ToSlash(data) + "\")\nflow = MAF(4) |> Gaussian\ntrain flow on data { steps = 5 }\nsave flow to \"m.noxm\"\n"
	s, err := nox.Compile(filepath.Join(dir, "a.nox"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(context.Background(), nox.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	src2 := "g = load(\"m.noxm\")\neval g on test\n"
	_, err = nox.Compile(filepath.Join(dir, "b.nox"), []byte(src2))
	if err == nil || !strings.Contains(err.Error(), "b.nox:2:11: eval: flow g was loaded, and a saved model keeps no split") {
		t.Errorf("got %v", err)
	}
}
