package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noxlang/nox"
)

// TestREPL drives the REPL through its standard input: definitions that
// build on earlier ones, a multi-line statement, errors that do not end
// the session, commands, and statements that run.
func TestREPL(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "data"), os.DirFS("../../examples/data")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "more.nox"), []byte("other = MAF(4) |> Gaussian\n"), 0o644)
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	os.Chdir(dir)
	input := strings.Join([]string{
		`data = csv("data/moons.csv")`,
		`def block(h) = MAF(h) |>`, // continues on the next line
		`  Reverse`,
		`flow = repeat(2, block(8)) |> Gausian`, // error: the session goes on
		`flow = repeat(2, block(8)) |> Gaussian`,
		`:type flow`,
		`:type block(3)`,
		`:type data`,
		`train flow on data { steps = 5 }`,
		`:type flow`,
		`eval flow on data`,
		`:ir flow`,
		`:ir nope`,
		`:bogus`,
		`x = (((`,
		``,
		"\x00\xff garbage )))",
		`sample flow 3 to "r.csv"`,
		`:load more.nox`,
		`:type other`,
		`:help`,
		`:quit`,
		`never = 1`,
	}, "\n") + "\n"
	var out, errb bytes.Buffer
	code := repl(io.NopCloser(strings.NewReader(input)), &out, &errb, false, nox.CompileOptions{})
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		"flow: MAF(8) |> Reverse |> MAF(8) |> Reverse |> Gaussian; dimension not fixed yet",
		"flow stage: MAF(3) |> Reverse",
		"data set: 20000 rows × 2 columns",
		"train flow: 5 steps",
		"maps 2 → 2 dimensions (fixed at <repl>:5:1)",
		"eval flow: mean NLL",
		"program loss.grad(x [B,2])",
		"sample flow: 3 draws written to",
		"flow: MAF(4) |> Gaussian",
		":type EXPR",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	for _, want := range []string{
		"<repl>:4:31: undefined: Gausian (did you mean Gaussian?)",
		"no flow named nope",
		"unknown command :bogus",
		"syntax error: unexpected end of file, expected an expression",
		"syntax error: unexpected character",
	} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
	if strings.Contains(out.String()+errb.String(), "internal error") {
		t.Errorf("the REPL hit an internal error:\n%s", errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "r.csv")); err != nil {
		t.Errorf("sample did not write r.csv: %v", err)
	}
}

// replIn runs the REPL in dir on lines and returns its stdout and stderr.
func replIn(t *testing.T, dir string, lines ...string) (string, string) {
	t.Helper()
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := repl(io.NopCloser(strings.NewReader(strings.Join(lines, "\n")+"\n")), &out, &errb, false, nox.CompileOptions{}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if strings.Contains(out.String()+errb.String(), "internal error") {
		t.Fatalf("the REPL hit an internal error:\n%s", errb.String())
	}
	return out.String(), errb.String()
}

// TestREPLTypeError: issue 24: an error in :type EXPR shows the
// expression as typed, never the name the session binds it to.
func TestREPLTypeError(t *testing.T) {
	_, errs := replIn(t, t.TempDir(), `h = 8`, `:type MAF(h) |> Gausian`, `:type h |> 3`)
	for _, want := range []string{
		"<repl>:2:11: undefined: Gausian (did you mean Gaussian?)\n    MAF(h) |> Gausian\n              ^~~~~~~",
		"<repl>:2:6: cannot use int 3 as a flow stage",
		"\n    h |> 3\n         ^",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if strings.Contains(errs, "__type__") {
		t.Errorf("stderr shows the internal name:\n%s", errs)
	}
}

// TestREPLBareExpression: issue 24: a bare expression prints its type
// at once, also one that continues on the next line.
func TestREPLBareExpression(t *testing.T) {
	out, errs := replIn(t, t.TempDir(), `data = toy("moons", n = 500)`, `data`, `MAF(8) |>`, `  Gaussian`, `data |> 3`, `h = 2`, `h`)
	for _, want := range []string{
		"data set: 500 rows × 2 columns",
		"flow: MAF(8) |> Gaussian; dimension not fixed yet",
		"int: 2",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if want := "<repl>:2:9: cannot use int 3 as a flow stage"; !strings.Contains(errs, want) {
		t.Errorf("stderr lacks %q:\n%s", want, errs)
	}
}

// TestREPLRebind: issue 24: binding a name again replaces the earlier
// binding, what uses it is checked again, and a trained flow whose
// definition changed loses its training. A file still rejects it.
func TestREPLRebind(t *testing.T) {
	dir := t.TempDir()
	out, errs := replIn(t, dir,
		`data = toy("moons", n = 500)`,
		`h = 8`,
		`flow = MAF(h) |> Gaussian`,
		`other = MAF(3) |> Gaussian`,
		`train flow on data { steps = 2 }`,
		`train other on data { steps = 2 }`,
		`h = 4`, // flow uses h: checked again, untrained
		`:type flow`,
		`sample flow 2 to "a.csv"`,
		`sample other 2 to "b.csv"`, // other keeps its training
		`k = 5`,
		`flow = MAF(k) |> Gaussian`, // uses a name bound after the old flow
		`:type flow`,
		`data = 3`, // train flow on data no longer checks
		`h = 1`,
		`h`,
	)
	for _, want := range []string{
		"flow flow: its definition or data changed, so its training is dropped",
		"flow: MAF(4) |> Gaussian; maps 2 → 2 dimensions",
		"sample other: 2 draws written",
		"flow: MAF(5) |> Gaussian; maps 2 → 2 dimensions",
		"int: 1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	for _, want := range []string{
		"sample: flow flow has not been trained",
		"train: data is an int, not data",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if strings.Contains(out, "flow other:") {
		t.Errorf("a flow that does not use h lost its training:\n%s", out)
	}
	os.WriteFile(filepath.Join(dir, "twice.nox"), []byte("h = 1\nh = 2\n"), 0o644)
	var o, e bytes.Buffer
	if code := mainErr([]string{"check", filepath.Join(dir, "twice.nox")}, nil, &o, &e); code == 0 || !strings.Contains(e.String(), "h redeclared") {
		t.Errorf("noxc check accepted a redeclaration: exit %d, %s", code, e.String())
	}
}

// TestREPLLoadRelative: issue 24: :load reads the data a file names
// relative to the file, not to the working directory.
func TestREPLLoadRelative(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	os.MkdirAll(filepath.Join(sub, "data"), 0o755)
	os.WriteFile(filepath.Join(sub, "data", "x.csv"), []byte("a,b\n1,2\n3,4\n5,7\n"), 0o644)
	os.WriteFile(filepath.Join(sub, "f.nox"), []byte("x = csv(\"data/x.csv\", sep = \",\")\n"), 0o644)
	out, errs := replIn(t, dir, `:load sub/f.nox`, `x`)
	if want := `data set: 3 rows × 2 columns, from "sub/data/x.csv"`; !strings.Contains(out, want) {
		t.Errorf("stdout lacks %q:\n%s\nstderr:\n%s", want, out, errs)
	}
}

// TestREPLResetSave: issue 24: :save writes the session's source
// formatted; :reset forgets it.
func TestREPLResetSave(t *testing.T) {
	dir := t.TempDir()
	out, errs := replIn(t, dir, `h=8`, `flow = MAF(h)|>Gaussian`, `h = 3`, `:save s.nox`, `:reset`, `h`, `:source`, `:help`)
	got, err := os.ReadFile(filepath.Join(dir, "s.nox"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "h = 3\nflow = MAF(h) |> Gaussian\n"; string(got) != want {
		t.Errorf(":save wrote %q, want %q", got, want)
	}
	if !strings.Contains(out, "session source written to s.nox") || !strings.Contains(out, ":reset") || !strings.Contains(out, ":save FILE") {
		t.Errorf("stdout:\n%s", out)
	}
	if !strings.Contains(errs, "undefined: h") {
		t.Errorf(":reset kept h:\n%s", errs)
	}
}

// TestREPLOffTerminal: issue 24: off a terminal, training draws no
// progress bar and :ir is written whole, through no pager.
func TestREPLOffTerminal(t *testing.T) {
	t.Setenv("PAGER", "false")
	out, errs := replIn(t, t.TempDir(), `data = toy("moons", n = 500)`, `flow = MAF(4) |> Gaussian`, `train flow on data { steps = 20 }`, `:ir flow`)
	if strings.Contains(errs, "loss") || strings.Contains(errs, "steps/s") {
		t.Errorf("a progress bar off a terminal:\n%s", errs)
	}
	if !strings.Contains(out, "program loss.grad(x [B,2])") {
		t.Errorf(":ir printed no program:\n%s", out)
	}
}

// TestREPLRebindData: issue 24: a flow trained on data that is bound
// again loses its training (its dimension may change).
func TestREPLRebindData(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "d3.csv"), []byte("a,b,c\n1,2,3\n3,4,4\n5,7,8\n2,2,1\n4,4,4\n6,7,7\n1,1,1\n3,3,3\n5,5,5\n7,7,7\n"), 0o644)
	out, errs := replIn(t, dir, `data = toy("moons", n = 500)`, `f = MAF(4) |> Gaussian`, `train f on data { steps = 2 }`,
		`data = csv("d3.csv")`, `:type f`, `eval f on data`)
	if want := "flow f: its definition or data changed"; !strings.Contains(out, want) {
		t.Errorf("stdout lacks %q:\n%s", want, out)
	}
	if want := "maps 3 → 3 dimensions"; !strings.Contains(out, want) {
		t.Errorf("stdout lacks %q:\n%s", want, out)
	}
	if want := "eval: flow f has not been trained"; !strings.Contains(errs, want) {
		t.Errorf("stderr lacks %q:\n%s", want, errs)
	}
}

// TestREPLReviewFixes: a session may write a file again; rebinding a
// name that only a sample or eval uses keeps the flow's training; a
// rebinding chunk with an error says so instead of vanishing.
func TestREPLReviewFixes(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "data"), os.DirFS("../../examples/data")); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	os.Chdir(dir)
	input := strings.Join([]string{
		`data = csv("data/moons.csv")`,
		`other = csv("data/moons.csv")`,
		`flow = MAF(4) |> Gaussian`,
		`train flow on data { steps = 5 }`,
		`eval flow on other`,
		`sample flow 3 to "s.csv"`,
		`sample flow 3 to "s.csv"`,
		`other = csv("data/moons.csv")`,
		`eval flow on other`,
		"h = 2",
		"h = 3\nz = undefined_thing",
		`:quit`,
	}, "\n") + "\n"
	var out, errb bytes.Buffer
	repl(io.NopCloser(strings.NewReader(input)), &out, &errb, false, nox.CompileOptions{})
	if strings.Contains(errb.String(), "also written by") {
		t.Errorf("a second sample to the same file was refused:\n%s", errb.String())
	}
	if strings.Count(out.String(), "sample flow: 3 draws written") != 2 {
		t.Errorf("want two samples written:\n%s", out.String())
	}
	if strings.Contains(out.String()+errb.String(), "training is dropped") || strings.Count(out.String(), "eval flow: mean NLL") != 2 {
		t.Errorf("rebinding an eval's data set dropped the training:\n%s\n%s", out.String(), errb.String())
	}
	if !strings.Contains(errb.String(), "undefined: undefined_thing") {
		t.Errorf("a rebinding chunk with an error vanished:\n%s", errb.String())
	}
}

// TestREPLSaveRefusesData: :save does not replace a file that is not
// nox source (a data file, say).
func TestREPLSaveRefusesData(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "keep.csv")
	os.WriteFile(keep, []byte("1,2\n"), 0o644)
	var out, errb bytes.Buffer
	repl(io.NopCloser(strings.NewReader("h = 2\n:save "+keep+"\n:quit\n")), &out, &errb, false, nox.CompileOptions{})
	if b, _ := os.ReadFile(keep); string(b) != "1,2\n" || !strings.Contains(errb.String(), "is not a .nox file") {
		t.Errorf(":save over a CSV file: file now %q, stderr %q", b, errb.String())
	}
	// Nor through a link named .nox (writes go through links).
	link := filepath.Join(dir, "link.nox")
	os.Symlink(keep, link)
	errb.Reset()
	repl(io.NopCloser(strings.NewReader("h = 2\n:save "+link+"\n:quit\n")), &out, &errb, false, nox.CompileOptions{})
	if b, _ := os.ReadFile(keep); string(b) != "1,2\n" || !strings.Contains(errb.String(), "is not a .nox file") {
		t.Errorf(":save through a link to a CSV file: file now %q, stderr %q", b, errb.String())
	}
}

// TestREPLWarnings: the checker's warnings reach the REPL, once each,
// before the statement that raised them runs (a MAF on one column is an
// affine map).
func TestREPLWarnings(t *testing.T) {
	dir := t.TempDir()
	var sb strings.Builder
	sb.WriteString("x\n")
	for i := range 50 {
		fmt.Fprintf(&sb, "%g\n", float64(i%7)+float64(i)/50)
	}
	if err := os.WriteFile(filepath.Join(dir, "one.csv"), []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs := replIn(t, dir, `data = csv("one.csv")`, `flow = MAF(4) |> Gaussian`,
		`train flow on data { steps = 3 }`, `sample flow 5 to "s.csv"`)
	if n := strings.Count(errs, "warning: "); n != 1 || !strings.Contains(errs, "<repl>:2:8: warning: MAF on 1 column is only an affine map") {
		t.Errorf("want one warning at the train statement; stderr:\n%s", errs)
	}
	if !strings.Contains(out, "train flow:") {
		t.Errorf("the statement did not run:\n%s", out)
	}
}

// TestREPLLongPaste: a statement pasted over thousands of lines is read
// in linear time: an open bracket says "more to come" without parsing
// the session again at every line (2,000 lines took 39 s).
func TestREPLLongPaste(t *testing.T) {
	lines := []string{"f = MAF(8"}
	for range 2000 {
		lines = append(lines, ", 8")
	}
	lines = append(lines, ") # a comment with ( and \" in it", ":type f")
	start := time.Now()
	out, errs := replIn(t, t.TempDir(), lines...)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %v", took)
	}
	if !strings.Contains(out, "flow stage: MAF(8, 8, 8") || errs != "" {
		t.Errorf("stdout:\n%.300s\nstderr:\n%s", out, errs)
	}
}

func TestOpenBrackets(t *testing.T) {
	for chunk, want := range map[string]int{
		"f = MAF(8":                          1,
		"x = [1, (2":                         2,
		`s = "(((" + "\")"`:                  0,
		"f = g(1) # (((":                     0,
		"f = g(1 # )\n":                      1,
		"}":                                  0,
		"d = csv(\"moons.csv)\nflow = MAF(8": 0,
		"x = [0, 1)":                         0,
		"x = f([1, 2]":                       1,
	} {
		if got := openBrackets(chunk); got != want {
			t.Errorf("openBrackets(%q) = %d, want %d", chunk, got, want)
		}
	}
}

// TestREPLMistakesReportedAtOnce: an unterminated string or a bracket
// closed by the wrong one is reported when its line is entered, and the
// lines after it are statements of their own (the bracket count that
// keeps a long paste linear must not swallow them).
func TestREPLMistakesReportedAtOnce(t *testing.T) {
	out, errs := replIn(t, t.TempDir(), `data = csv("moons.csv)`, `flow = MAF(8) |> Gaussian`, `flow`,
		`x = [0, 1)`, `y = 2`, `y`)
	for _, want := range []string{"<repl>:1:12: syntax error: unterminated string", `unexpected ")", expected "]"`} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if !strings.Contains(out, "flow: MAF(8) |> Gaussian") || !strings.Contains(out, "int: 2") {
		t.Errorf("the statements after the mistakes did not run:\n%s", out)
	}
}
