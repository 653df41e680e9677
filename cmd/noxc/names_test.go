package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noxlang/nox"
)

// namedColumns writes dir/NAME.csv: a header line of cols, then 400 rows
// whose column "duration" is uniform, "waiting" follows it with noise,
// "temp" is noise and any other column is its index.
func namedColumns(t *testing.T, dir, name string, cols ...string) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	var b strings.Builder
	b.WriteString(strings.Join(cols, ",") + "\n")
	for range 400 {
		d := 1.5 + 3*rng.Float64()
		v := map[string]float64{"duration": d, "waiting": 40 + 10*d + 5*rng.NormFloat64(), "temp": rng.NormFloat64()}
		row := make([]string, len(cols))
		for j, c := range cols {
			row[j] = fmt.Sprint(v[c])
			if _, ok := v[c]; !ok {
				row[j] = fmt.Sprint(j)
			}
		}
		b.WriteString(strings.Join(row, ",") + "\n")
	}
	path := filepath.Join(dir, name+".csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// trainNamed runs src in dir and saves its flow to dir/NAME.noxm.
func trainNamed(t *testing.T, dir, name, src string) string {
	t.Helper()
	s, err := nox.Compile(filepath.Join(dir, name+".nox"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(context.Background(), nox.RunOptions{}); err != nil {
		t.Fatal(s.Render(err))
	}
	m, err := s.Model("flow")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".noxm")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func runNoxc(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := mainErr(args, nil, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestEvalByName (issue 24): eval picks a named model's columns (and
// context columns) by name from a wider file in another order, giving
// the NLL of the narrow file; -columns and -context pick others; a name
// the file lacks is an error that names it and the file's columns.
func TestEvalByName(t *testing.T) {
	dir := t.TempDir()
	namedColumns(t, dir, "train", "duration", "waiting", "temp")
	model := trainNamed(t, dir, "cond", `data = csv("train.csv", columns = ["waiting", "duration"], context = ["temp"])
flow = MAF(8) |> Reverse |> MAF(8) |> Gaussian
train flow on data { steps = 30, seed = 1 }
`)
	narrow := namedColumns(t, dir, "narrow", "waiting", "duration", "temp")
	wide := namedColumns(t, dir, "wide", "temp", "id", "duration", "other", "waiting")
	bare := filepath.Join(dir, "bare.csv") // the narrow file without its header
	b, _ := os.ReadFile(narrow)
	os.WriteFile(bare, b[bytes.IndexByte(b, '\n')+1:], 0o644)
	renamed := filepath.Join(dir, "renamed.csv")
	b, _ = os.ReadFile(wide)
	os.WriteFile(renamed, append([]byte("t,id,d,other,w"), b[bytes.IndexByte(b, '\n'):]...), 0o644)

	nll := func(args ...string) float64 {
		t.Helper()
		code, out, errs := runNoxc(append([]string{"eval", "-json"}, args...)...)
		if code != 0 {
			t.Fatalf("eval %v: exit %d\n%s", args, code, errs)
		}
		var ev struct {
			MeanNLL float64 `json:"mean_nll"`
			N       int     `json:"n"`
		}
		if err := json.Unmarshal([]byte(out), &ev); err != nil || ev.N != 400 {
			t.Fatalf("eval %v: %q (%v)", args, out, err)
		}
		return ev.MeanNLL
	}
	want := nll(model, narrow)
	for _, args := range [][]string{
		{model, wide},
		{model, bare},
		{model, renamed, "-columns", "w,d", "-context", "t"},
		{model, "-columns", "waiting, duration", wide},
	} {
		if got := nll(args...); got != want {
			t.Errorf("eval %v: mean NLL %v, want the narrow file's %v", args[1:], got, want)
		}
	}
	if swapped := nll(model, renamed, "-columns", "d,w", "-context", "t"); swapped == want {
		t.Errorf("-columns d,w: the columns swapped give the same NLL %v", swapped)
	}

	missing := filepath.Join(dir, "missing.csv")
	b, _ = os.ReadFile(narrow)
	os.WriteFile(missing, append([]byte("wait,duration,temp"), b[bytes.IndexByte(b, '\n'):]...), 0o644)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{model, missing}, 1, missing + ` has no column "waiting" (did you mean wait?); its columns are wait, duration, temp`},
		{[]string{model, renamed}, 1, `has no column "waiting"`},
		{[]string{model, wide, "-columns", "waiting,duraton"}, 1, `has no column "duraton" (did you mean duration?)`},
		{[]string{model, wide, "-context", "tmp"}, 1, `has no column "tmp" (did you mean temp?); its columns are temp, id, duration, other, waiting`},
		{[]string{model, wide, "-columns", "waiting"}, 2, "-columns names 1 columns; the model has 2"},
		{[]string{model, wide, "-context", "temp,id"}, 2, "-context names 2 columns; the model is conditioned on 1"},
		{[]string{model, bare, "-columns", "a,b"}, 2, "has no header line, so -columns and -context cannot pick its columns by name"},
	} {
		code, _, errs := runNoxc(append([]string{"eval"}, c.args...)...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("eval %v: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.want)
		}
	}
}

// TestNamedSamplesAndInfo (issue 24): a named model's samples start with
// its columns' names, its plots label their axes with them and info
// reports them; an unnamed model's samples have no header.
func TestNamedSamplesAndInfo(t *testing.T) {
	dir := t.TempDir()
	namedColumns(t, dir, "train", "duration", "waiting", "temp")
	// val_frac = 0: no validation, so the model keeps the flow's stages,
	// which info is to describe (on these rows the flow cannot show by
	// two standard errors that it beats the Gaussian fit; it did by a
	// hair, at step 3, before the whitening's shrinkage).
	model := trainNamed(t, dir, "named", `data = csv("train.csv", columns = ["duration", "waiting"])
flow = MAF(8, dropout = 0.1) |> Reverse |> MAF(8) |> Gaussian
train flow on data { steps = 20, seed = 1, defensive = 0.05, val_frac = 0 }
`)
	code, out, errs := runNoxc("sample", model, "-n", "3")
	if lines := strings.Split(out, "\n"); code != 0 || lines[0] != "duration,waiting" || len(lines) != 5 {
		t.Errorf("sample: exit %d, output %q, %s; want a header line and 3 rows", code, out, errs)
	}
	csvPath := filepath.Join(dir, "s.csv")
	if code, _, errs := runNoxc("sample", model, "-n", "3", "-o", csvPath); code != 0 {
		t.Fatal(errs)
	}
	if b, _ := os.ReadFile(csvPath); !strings.HasPrefix(string(b), "duration,waiting\n") {
		t.Errorf("sample -o wrote %q, want the header first", b)
	}
	svg := filepath.Join(dir, "named_samples.svg")
	if code, _, errs := runNoxc("plot", model, "-data", filepath.Join(dir, "train.csv"), "-density", "-o", svg); code != 0 {
		t.Fatalf("plot: %s", errs)
	}
	for _, p := range []string{svg, filepath.Join(dir, "named_density.svg")} {
		b, _ := os.ReadFile(p)
		if !bytes.Contains(b, []byte(">duration<")) || !bytes.Contains(b, []byte(">waiting<")) {
			t.Errorf("%s lacks the axis labels duration and waiting", p)
		}
	}

	code, out, errs = runNoxc("info", model)
	if code != 0 {
		t.Fatalf("info: %s", errs)
	}
	for _, want := range []string{
		"model:        " + model + " (", "bytes, format 4)",
		"\nflow:         flow\n",
		"\ndimensions:   2 data columns: duration, waiting\n",
		"\nstages:       MAF(8, dropout = 0.1) |> Reverse |> MAF(8) |> Gaussian\n",
		"\n  maf1:       MAF(8, dropout = 0.1)\n",
		"\nparameters:   120 learned, in 8 tensors; 12 fixed (standardization)\n",
		"\ndtype:        float64\n",
		"\ndefensive:    0.05\n",
		"\nstandardize:  whitened\n",
		"\nsource:\n  data = csv(\"train.csv\", columns = [\"duration\", \"waiting\"])\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("info lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "context:") {
		t.Errorf("info of an unconditional model reports a context:\n%s", out)
	}
	code, out, errs = runNoxc("info", "-json", model)
	var in info
	if err := json.Unmarshal([]byte(out), &in); code != 0 || err != nil || strings.Count(out, "\n") != 1 {
		t.Fatalf("info -json: exit %d, %v\n%s%s", code, err, out, errs)
	}
	st, _ := os.Stat(model)
	if in.Path != model || in.Bytes != st.Size() || in.Format != 4 || in.Flow != "flow" || in.Dim != 2 || in.ContextDim != 0 ||
		strings.Join(in.Columns, ",") != "duration,waiting" || in.ContextColumns != nil || len(in.Stages) != 4 ||
		in.Stages[0].Name != "maf1" || in.Stages[0].Layer != "MAF" || in.Stages[0].Call != "MAF(8, dropout = 0.1)" ||
		in.Stages[0].Args["dropout"][0] != 0.1 ||
		in.Params != 120 || in.Tensors != 8 || in.Fixed != 12 || in.DType != "float64" || in.Defensive != 0.05 ||
		!in.Standardize || !in.Whiten || !strings.HasPrefix(in.Source, "data = csv(") {
		t.Errorf("info -json: %+v", in)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"info"}, 2, "want exactly one MODEL, got 0"},
		{[]string{"info", filepath.Join(dir, "train.csv")}, 1, "not a nox model file"},
		{[]string{"info", "-h"}, 0, "usage: noxc info MODEL [-json]"},
	} {
		code, _, errs := runNoxc(c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.want)
		}
	}
	if code, out, _ := runNoxc("help"); code != 0 || !strings.Contains(out, "\n  info      describe a saved model") {
		t.Errorf("help lacks info:\n%s", out)
	}

	// Unnamed: headerless training data, no header in the samples.
	b, _ := os.ReadFile(filepath.Join(dir, "train.csv"))
	os.WriteFile(filepath.Join(dir, "bare.csv"), b[bytes.IndexByte(b, '\n')+1:], 0o644)
	bare := trainNamed(t, dir, "bare", "data = csv(\"bare.csv\", columns = [0, 1])\nflow = MAF(8) |> Gaussian\ntrain flow on data { steps = 5 }\n")
	if code, out, _ := runNoxc("sample", bare, "-n", "2"); code != 0 || strings.ContainsAny(out[:1], "dwx") || strings.Count(out, "\n") != 2 {
		t.Errorf("unnamed sample: %q", out)
	}
	if code, out, _ := runNoxc("info", bare); code != 0 || !strings.Contains(out, "dimensions:   2 data columns (unnamed)\n") {
		t.Errorf("unnamed info:\n%s", out)
	}
}
