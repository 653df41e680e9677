package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noxlang/nox"
)

// example copies examples/moons.nox and its data into a temporary
// directory, so that running it writes nothing into the repository.
func example(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile("../../examples/moons.nox")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "moons.nox"), src, 0o644)
	if err := os.CopyFS(filepath.Join(dir, "data"), os.DirFS("../../examples/data")); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "moons.nox")
}

func TestFmt(t *testing.T) {
	dir := t.TempDir()
	messy := filepath.Join(dir, "messy.nox")
	clean := filepath.Join(dir, "clean.nox")
	os.WriteFile(messy, []byte("flow=MAF( 8 )|>Gaussian # c\n"), 0o644)
	os.WriteFile(clean, []byte("flow = MAF(8) |> Gaussian  # c\n"), 0o644)
	var out, errb bytes.Buffer
	if code := mainErr([]string{"fmt", messy}, nil, &out, &errb); code != 0 || out.String() != "flow = MAF(8) |> Gaussian  # c\n" {
		t.Fatalf("fmt: exit %d, out %q, err %q", code, out.String(), errb.String())
	}
	out.Reset()
	if code := mainErr([]string{"fmt", "-l", messy, clean}, nil, &out, &errb); code != 0 || out.String() != messy+"\n" {
		t.Fatalf("fmt -l: exit %d, out %q", code, out.String())
	}
	if code := mainErr([]string{"fmt", "-w", messy}, nil, &out, &errb); code != 0 {
		t.Fatalf("fmt -w: exit %d", code)
	}
	if b, _ := os.ReadFile(messy); string(b) != "flow = MAF(8) |> Gaussian  # c\n" {
		t.Fatalf("fmt -w wrote %q", b)
	}
	bad := filepath.Join(dir, "bad.nox")
	os.WriteFile(bad, []byte("flow = MAF(8\n"), 0o644)
	errb.Reset()
	if code := mainErr([]string{"fmt", bad}, nil, &out, &errb); code != 1 || !strings.Contains(errb.String(), bad+":1:13: syntax error") {
		t.Fatalf("fmt of a bad file: exit %d, err %q", code, errb.String())
	}
	if code := mainErr([]string{"fmt"}, nil, &out, &errb); code != 2 {
		t.Fatalf("fmt without files: exit %d", code)
	}
}

// TestFmtWriteThroughLink (issue 23): noxc fmt -w on a symbolic link
// rewrites the file it leads to and keeps the link (it used to replace
// the link with a copy).
func TestFmtWriteThroughLink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.nox")
	link := filepath.Join(dir, "link.nox")
	os.WriteFile(real, []byte("flow=MAF( 8 )|>Gaussian\n"), 0o644)
	if err := os.Symlink("real.nox", link); err != nil {
		t.Skip(err)
	}
	var out, errb bytes.Buffer
	if code := mainErr([]string{"fmt", "-w", link}, nil, &out, &errb); code != 0 {
		t.Fatalf("fmt -w: exit %d: %s", code, errb.String())
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("fmt -w replaced the link with a file (%v)", err)
	}
	if b, _ := os.ReadFile(real); string(b) != "flow = MAF(8) |> Gaussian\n" {
		t.Errorf("the link's target holds %q, want it formatted", b)
	}
}

func TestCLI(t *testing.T) {
	moons := example(t)
	bad := filepath.Join(t.TempDir(), "bad.nox")
	os.WriteFile(bad, []byte("flow = MAF(4) |> Gausian\n"), 0o644)
	cases := []struct {
		name       string
		args       []string
		code       int
		stdout     []string // substrings
		stderr     []string
		jsonEvents []string // statements expected as JSON lines, in order
	}{
		{name: "no args", args: nil, code: 2, stderr: []string{"Usage:"}},
		{name: "help", args: []string{"help"}, code: 0, stdout: []string{"Commands:", "sample    draw from a saved model"}},
		{name: "-h", args: []string{"-h"}, code: 0, stdout: []string{"Commands:"}},
		{name: "help run", args: []string{"help", "run"}, code: 0, stdout: []string{"usage: noxc run FILE", "-o MODEL"}},
		{name: "help unknown", args: []string{"help", "frob"}, code: 2, stderr: []string{`unknown command "frob"`}},
		{name: "run -h", args: []string{"run", "-h"}, code: 0, stderr: []string{"usage: noxc run FILE"}},
		{name: "sample -h", args: []string{"sample", "-h"}, code: 0, stderr: []string{"usage: noxc sample MODEL"}},
		{name: "eval -h", args: []string{"eval", "-h"}, code: 0, stderr: []string{"usage: noxc eval MODEL DATA"}},
		{name: "fmt -h", args: []string{"fmt", "-h"}, code: 0, stderr: []string{"usage: noxc fmt"}},
		{name: "repl -h", args: []string{"repl", "-h"}, code: 0, stderr: []string{"usage: noxc repl"}},
		{name: "version", args: []string{"version"}, code: 0, stdout: []string{"noxc ", "go1.", "model format 4"}},
		{name: "unknown command", args: []string{"frob"}, code: 2, stderr: []string{`unknown command "frob"`}},
		{name: "unknown flag", args: []string{"run", "-nope", moons}, code: 2, stderr: []string{"flag provided but not defined: -nope"}},
		{name: "two files", args: []string{"check", moons, moons}, code: 2, stderr: []string{"want exactly one FILE, got 2"}},
		{name: "no file", args: []string{"check"}, code: 2, stderr: []string{"want exactly one FILE, got 0"}},
		{name: "missing file", args: []string{"check", "/nonexistent/x.nox"}, code: 1, stderr: []string{"no such file"}},
		{name: "check ok", args: []string{"check", moons}, code: 0},
		{name: "check diagnostics", args: []string{"check", bad}, code: 1,
			stderr: []string{bad + ":1:18: undefined: Gausian (did you mean Gaussian?)", "    flow = MAF(4) |> Gausian\n", "^~~~~~~"}},
		{name: "check -ir", args: []string{"check", moons, "-ir"}, code: 0,
			stdout: []string{"program loss(x [B,2])", "program loss.grad(x [B,2])", "return grad:maf5.out.w"}},
		{name: "run json flags after", args: []string{"run", moons, "-json", "-steps", "5", "-write"}, code: 0, jsonEvents: []string{"train", "sample", "plot"}},
		{name: "run json flags before", args: []string{"run", "-write", "-steps=5", "-json", moons}, code: 0, jsonEvents: []string{"train", "sample", "plot"}},
		{name: "run trial writes nothing", args: []string{"run", "-steps", "5", moons}, code: 0,
			stdout: []string{"train flow: 5 steps", "sample flow: not written to ", "moons_samples.csv: a trial run (-steps) writes no files; -write writes them"}},
		{name: "run human", args: []string{"run", "-steps", "5", "-write", moons}, code: 0,
			stdout: []string{"train flow: 5 steps", "test NLL", "sample flow: 1000 draws written to", "plot flow: ", "moons_loss.png"},
			stderr: []string{"train flow: step 5/5"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := mainErr(c.args, nil, &stdout, &stderr)
			if code != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, stdout.String(), stderr.String())
			}
			for _, s := range c.stdout {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout.String())
				}
			}
			for _, s := range c.stderr {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
				}
			}
			if c.jsonEvents == nil {
				return
			}
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			if len(lines) != len(c.jsonEvents) {
				t.Fatalf("%d JSON lines, want %d:\n%s", len(lines), len(c.jsonEvents), stdout.String())
			}
			for i, line := range lines {
				var ev map[string]any
				if err := json.Unmarshal([]byte(line), &ev); err != nil {
					t.Fatalf("line %d is not JSON: %v\n%s", i+1, err, line)
				}
				if ev["statement"] != c.jsonEvents[i] || ev["flow"] != "flow" {
					t.Errorf("line %d: %s", i+1, line)
				}
				var keys []string
				switch ev["statement"] {
				case "train":
					keys = []string{"steps", "seconds", "steps_per_s", "train_nll", "test_nll"}
				case "sample":
					keys = []string{"n", "path"}
				}
				for _, k := range keys {
					if _, ok := ev[k]; !ok {
						t.Errorf("line %d lacks %q: %s", i+1, k, line)
					}
				}
			}
		})
	}
}

// TestSavedModelCommands: run -o saves a model; sample and eval use it
// without the data; damaged files and wrong arguments are refused.
func TestSavedModelCommands(t *testing.T) {
	moons := example(t)
	dir := filepath.Dir(moons)
	model := filepath.Join(dir, "moons.noxm")
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := mainErr(args, nil, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	if code, out, errs := run("run", "-steps", "20", "-o", model, moons); code != 0 || !strings.Contains(out, "save flow: model written to "+model) {
		t.Fatalf("run -o: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs := run("sample", model, "-n", "7", "-seed", "3")
	if code != 0 || strings.Count(out, "\n") != 7 || strings.Count(strings.SplitN(out, "\n", 2)[0], ",") != 1 {
		t.Fatalf("sample: exit %d\n%s\n%s", code, out, errs)
	}
	_, again, _ := run("sample", model, "-n", "7", "-seed", "3")
	if again != out {
		t.Error("sample with one seed is not reproducible")
	}
	samples := filepath.Join(dir, "s.csv")
	if code, _, errs := run("sample", model, "-n", "50", "-o", samples); code != 0 {
		t.Fatalf("sample -o: %s", errs)
	}
	code, out, errs = run("eval", model, samples, "-json", "-o", filepath.Join(dir, "lp.csv"))
	if code != 0 || !strings.Contains(out, `"statement":"eval"`) || !strings.Contains(out, `"n":50`) {
		t.Fatalf("eval: exit %d\n%s\n%s", code, out, errs)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "lp.csv")); strings.Count(string(b), "\n") != 50 {
		t.Errorf("eval -o wrote %d lines", strings.Count(string(b), "\n"))
	}
	three := filepath.Join(dir, "three.csv")
	os.WriteFile(three, []byte("1,2,3\n"), 0o644)
	broken := filepath.Join(dir, "broken.noxm")
	b, _ := os.ReadFile(model)
	os.WriteFile(broken, b[:len(b)/2], 0o644)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"eval", model, three}, 1, "has 3 columns; the model wants 2 data columns"},
		{[]string{"sample", broken}, 1, "truncated file"},
		{[]string{"sample", model, "-given", "1"}, 2, "is not conditional; drop -given"},
		{[]string{"sample", model, "-n", "0"}, 2, "-n must be from 1"},
		{[]string{"sample"}, 2, "want exactly one MODEL"},
		{[]string{"eval", model}, 2, "want MODEL and DATA"},
		{[]string{"sample", filepath.Join(dir, "none.noxm")}, 1, "no such file"},
	} {
		code, _, errs := run(c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.want)
		}
	}
}

// TestCheckIRNeedsNoData: the lowered programs depend on the width of a
// flow's data, never on its values (issue 17): two data files of the
// same width give the same -ir text, with no statistics baked in, and a
// third of another width gives other programs.
func TestCheckIRNeedsNoData(t *testing.T) {
	dir := t.TempDir()
	prog := "data = csv(\"d.csv\")\nflow = MAF(8) |> Reverse |> MAF(8) |> Gaussian\ntrain flow on data { steps = 10 }\n"
	irOf := func(rows string) string {
		t.Helper()
		os.WriteFile(filepath.Join(dir, "d.csv"), []byte(rows), 0o644)
		os.WriteFile(filepath.Join(dir, "p.nox"), []byte(prog), 0o644)
		var out, errb bytes.Buffer
		if code := mainErr([]string{"check", "-ir", filepath.Join(dir, "p.nox")}, nil, &out, &errb); code != 0 {
			t.Fatalf("check -ir: exit %d: %s", code, errb.String())
		}
		return out.String()
	}
	a := irOf("x,y\n1,2\n3,5\n-2,7\n4,4\n0,1\n")
	b := irOf("x,y\n1000,-3e5\n2e3,1e-4\n7,7\n-1,0.5\n9,9\n")
	c := irOf("x,y,z\n1,2,3\n3,5,1\n-2,7,2\n4,4,0\n0,1,1\n")
	if a != b {
		t.Errorf("two data sets of 2 columns give different programs")
	}
	if a == c {
		t.Errorf("data sets of 2 and 3 columns give the same programs")
	}
	if !strings.Contains(a, `param "standardize.w"`) {
		t.Errorf("the programs do not read the whitening as a parameter:\n%s", a[:min(len(a), 600)])
	}
}

// TestCheckIRBackend: -ir -backend prints the programs as the runtime
// runs them, with its declared backend ops by name; -backend alone is a
// usage error.
func TestCheckIRBackend(t *testing.T) {
	moons := example(t)
	var out, errb bytes.Buffer
	if code := mainErr([]string{"check", "-ir", "-backend", moons}, nil, &out, &errb); code != 0 {
		t.Fatalf("check -ir -backend: exit %d: %s", code, errb.String())
	}
	for _, op := range []string{" = gemm ", " = mask ", " = nop"} {
		if !strings.Contains(out.String(), op) {
			t.Errorf("check -ir -backend prints no%s", op)
		}
	}
	plain := bytes.Buffer{}
	mainErr([]string{"check", "-ir", moons}, nil, &plain, &errb)
	if strings.Contains(plain.String(), " = gemm ") {
		t.Errorf("check -ir (without -backend) prints backend ops")
	}
	if code := mainErr([]string{"check", "-backend", moons}, nil, &out, &errb); code != 2 {
		t.Errorf("check -backend without -ir: exit %d, want 2", code)
	}
}

// TestOutputsCheckedFirst (issue 24): noxc check and run refuse, before
// anything trains, an output whose directory is missing or that is a
// directory, a file two statements write, an input data file and the
// program itself — positioned, naming the directory or the other
// statement.
func TestOutputsCheckedFirst(t *testing.T) {
	dir := filepath.Dir(example(t))
	os.Mkdir(filepath.Join(dir, "adir"), 0o755)
	head := "data = csv(\"data/moons.csv\")\nflow = MAF(8) |> Gaussian\ntrain flow on data { steps = 1000000 }\n"
	for _, c := range []struct{ stmt, want string }{
		{`sample flow 10 to "nodir/x.csv"`, `p.nox:4:1: sample: cannot write "nodir/x.csv": directory ` + filepath.Join(dir, "nodir") + ` does not exist`},
		{`save flow to "adir"`, `save: cannot write "adir": ` + filepath.Join(dir, "adir") + ` is a directory`},
		{`sample flow 10 to "data/moons.csv"`, `sample: "data/moons.csv" is an input data file of this program (read at`},
		{`save flow to "p.nox"`, `save: "p.nox" is this program's own file`},
		{"sample flow 10 to \"a.csv\"\nsample flow 10 to \"./a.csv\"", `p.nox:5:1: sample: "./a.csv" is also written by the statement at`},
		{"plot flow to \"m.png\"\nsample flow 10 to \"m_density.png\"", `sample: "m_density.png" is also written by the statement at`},
	} {
		file := filepath.Join(dir, "p.nox")
		os.WriteFile(file, []byte(head+c.stmt+"\n"), 0o644)
		for _, cmd := range []string{"check", "run"} {
			var out, errb bytes.Buffer
			start := time.Now()
			code := mainErr([]string{cmd, file}, nil, &out, &errb)
			if code != 1 || !strings.Contains(errb.String(), c.want) {
				t.Errorf("%s with %q: exit %d, stderr:\n%s\nwant %q", cmd, c.stmt, code, errb.String(), c.want)
			}
			if time.Since(start) > 10*time.Second {
				t.Errorf("%s with %q took %v: it trained before refusing", cmd, c.stmt, time.Since(start))
			}
		}
	}
}

// TestTrialRunKeepsResults (issue 24): noxc run -steps N, a quick trial,
// replaces none of the files a full run wrote (it used to replace a
// 500-step model and the example's pictures); -o still saves where asked.
func TestTrialRunKeepsResults(t *testing.T) {
	dir := filepath.Dir(example(t))
	file := filepath.Join(dir, "p.nox")
	os.WriteFile(file, []byte("data = csv(\"data/moons.csv\")\nflow = MAF(8) |> Gaussian\ntrain flow on data { steps = 50 }\nsave flow to \"m.noxm\"\nsample flow 10 to \"s.csv\"\n"), 0o644)
	var out, errb bytes.Buffer
	if code := mainErr([]string{"run", file}, nil, &out, &errb); code != 0 {
		t.Fatalf("full run: exit %d: %s", code, errb.String())
	}
	before := map[string][]byte{}
	for _, f := range []string{"m.noxm", "s.csv"} {
		before[f], _ = os.ReadFile(filepath.Join(dir, f))
	}
	out.Reset()
	trial := filepath.Join(dir, "trial.noxm")
	if code := mainErr([]string{"run", "-steps", "3", "-o", trial, file}, nil, &out, &errb); code != 0 {
		t.Fatalf("trial run: exit %d: %s", code, errb.String())
	}
	for f, b := range before {
		if now, _ := os.ReadFile(filepath.Join(dir, f)); !bytes.Equal(now, b) {
			t.Errorf("the trial run replaced %s", f)
		}
	}
	if _, err := os.Stat(trial); err != nil {
		t.Errorf("-o with -steps: %v", err)
	}
	for _, want := range []string{"save flow: not written to " + filepath.Join(dir, "m.noxm"), "sample flow: not written to " + filepath.Join(dir, "s.csv")} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the trial run does not say %q:\n%s", want, out.String())
		}
	}
}

// TestREADMETools checks that README's tool list names every noxc command
// and says how to get a noxc binary (issue 24).
func TestREADMETools(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	_, tools, ok := strings.Cut(readme, "- **Tools**:")
	if !ok {
		t.Fatal("README has no **Tools** item")
	}
	tools, _, _ = strings.Cut(tools, "\n- ")
	for cmd := range help {
		if !strings.Contains(tools, "`"+cmd+"`") && !strings.Contains(tools, "`noxc "+cmd+"`") {
			t.Errorf("README's tool list leaves out %s", cmd)
		}
	}
	if !strings.Contains(tools, "`help`") {
		t.Errorf("README's tool list leaves out help")
	}
	for _, want := range []string{"go install ./cmd/noxc", "go run ./cmd/noxc"} {
		if !strings.Contains(readme, want) {
			t.Errorf("README does not say %q", want)
		}
	}
	if strings.Contains(readme, "(a header line names the columns)") {
		t.Errorf("README says moons.csv has a header line; it has none")
	}
}

// TestPluralCounts: counts of one are singular (issue 24: "1 columns").
func TestPluralCounts(t *testing.T) {
	nll := 1.5
	var b bytes.Buffer
	printEvent(&b, nox.Event{Statement: "sample", Flow: "f", N: 1, Path: "x.csv"})
	printEvent(&b, nox.Event{Statement: "eval", Flow: "f", N: 1, MeanNLL: &nll})
	printEvent(&b, nox.Event{Statement: "eval", Flow: "f", N: 2, MeanNLL: &nll})
	printEvent(&b, nox.Event{Statement: "eval", Flow: "f", N: 2, MeanNLL: &nll, Part: "test"})
	want := "sample f: 1 draw written to x.csv\neval f: mean NLL 1.5000 nats/row over 1 row\neval f: mean NLL 1.5000 nats/row over 2 rows\n" +
		"eval f: mean NLL 1.5000 nats/row over 2 test rows\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestFmtStdin: noxc fmt - formats standard input to standard output, as
// gofmt does (issue 24).
func TestFmtStdin(t *testing.T) {
	run := func(stdin string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := mainErr(append([]string{"fmt"}, args...), strings.NewReader(stdin), &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, out, errs := run("flow=MAF( 8 )|>Gaussian # c\n", "-"); code != 0 || out != "flow = MAF(8) |> Gaussian  # c\n" {
		t.Errorf("fmt -: exit %d, out %q, err %q", code, out, errs)
	}
	if code, out, _ := run("flow=MAF( 8 )|>Gaussian\n", "-l", "-"); code != 0 || out != "<stdin>\n" {
		t.Errorf("fmt -l -: exit %d, out %q", code, out)
	}
	if code, _, errs := run("flow = MAF(8\n", "-"); code != 1 || !strings.Contains(errs, "<stdin>:1:13: syntax error") {
		t.Errorf("fmt - of a bad file: exit %d, err %q", code, errs)
	}
	if code, out, errs := run("x = 1\n", "-w", "-"); code != 2 || out != "" || !strings.Contains(errs, "not with -w") {
		t.Errorf("fmt -w -: exit %d, out %q, err %q", code, out, errs)
	}
	if code, _, _ := run("x = 1\n", "-", "-"); code != 2 {
		t.Errorf("fmt - -: exit %d, want 2", code)
	}
}

// TestVersionFlags: noxc --version and -version print what noxc version
// prints (issue 24).
func TestVersionFlags(t *testing.T) {
	var want, errb bytes.Buffer
	if code := mainErr([]string{"version"}, nil, &want, &errb); code != 0 || want.Len() == 0 {
		t.Fatalf("noxc version: exit %d, out %q", code, want.String())
	}
	for _, arg := range []string{"--version", "-version"} {
		var out bytes.Buffer
		if code := mainErr([]string{arg}, nil, &out, &errb); code != 0 || out.String() != want.String() {
			t.Errorf("noxc %s: exit %d, out %q, want %q", arg, code, out.String(), want.String())
		}
	}
}

// TestDroppedRowsReported (issue 24): csv(..., na = "drop") says how many
// rows it dropped when noxc checks or runs the program.
func TestDroppedRowsReported(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "d.csv"), []byte("x,y\n1,2\nNA,3\n4,5\n6,\n7,8\n9,1\n"), 0o644)
	file := filepath.Join(dir, "p.nox")
	os.WriteFile(file, []byte("data = csv(\"d.csv\", na = \"drop\")\nflow = MAF(4) |> Gaussian\ntrain flow on data { steps = 2 }\n"), 0o644)
	var out, errb bytes.Buffer
	if code := mainErr([]string{"check", file}, nil, &out, &errb); code != 0 {
		t.Fatalf("check: exit %d: %s", code, errb.String())
	}
	if want := "p.nox:1:8: csv(\"d.csv\"): 2 rows with missing values dropped (na = \"drop\"); 4 rows left"; !strings.Contains(errb.String(), want) {
		t.Errorf("check says %q, want %q", errb.String(), want)
	}
}

// TestTrialRunTrainsWithCheckpoint: a trial run still trains a flow whose
// train statement has a checkpoint (it only skips writing it).
func TestTrialRunTrainsWithCheckpoint(t *testing.T) {
	dir := filepath.Dir(example(t))
	file := filepath.Join(dir, "ck.nox")
	os.WriteFile(file, []byte("data = csv(\"data/moons.csv\")\nflow = MAF(4) |> Gaussian\ntrain flow on data { steps = 50, checkpoint = \"ck.noxm\" }\neval flow on test\n"), 0o644)
	var out, errb bytes.Buffer
	if code := mainErr([]string{"run", "-steps", "5", file}, nil, &out, &errb); code != 0 || !strings.Contains(out.String(), "eval flow: mean NLL") {
		t.Errorf("trial run: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "ck.noxm")); err == nil {
		t.Errorf("the trial run wrote the checkpoint")
	}
}
