package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	code := repl(io.NopCloser(strings.NewReader(input)), &out, &errb, false)
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
