package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noxlang/nox"
)

// sandboxDirs makes a program directory (the moons example's data, a
// saved model m.noxm, a subdirectory) and a directory outside it with a
// secret data file and model, and links from the one to the other.
func sandboxDirs(t *testing.T) (dir, outside string) {
	t.Helper()
	dir = filepath.Dir(example(t))
	file := filepath.Join(dir, "mk.nox")
	os.WriteFile(file, []byte("data = csv(\"data/moons.csv\")\nflow = MAF(4) |> Gaussian\ntrain flow on data { steps = 5 }\nsave flow to \"m.noxm\"\n"), 0o644)
	var out, errb bytes.Buffer
	if code := mainErr([]string{"run", file}, nil, &out, &errb); code != 0 {
		t.Fatalf("making a model: exit %d: %s", code, errb.String())
	}
	outside = t.TempDir()
	data, _ := os.ReadFile(filepath.Join(dir, "data", "moons.csv"))
	model, _ := os.ReadFile(filepath.Join(dir, "m.noxm"))
	os.WriteFile(filepath.Join(outside, "secret.csv"), data, 0o644)
	os.WriteFile(filepath.Join(outside, "secret.noxm"), model, 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "sub", "x.csv"), data, 0o644)
	for link, to := range map[string]string{
		"out.csv":    filepath.Join(outside, "secret.csv"),
		"out.noxm":   filepath.Join(outside, "secret.noxm"),
		"outdir":     outside,
		"in.csv":     filepath.Join(dir, "data", "moons.csv"),
		"w.csv":      filepath.Join(outside, "w.csv"),
		"p_loss.png": filepath.Join(outside, "p_loss.png"),
	} {
		if err := os.Symlink(to, filepath.Join(dir, link)); err != nil {
			t.Skip(err)
		}
	}
	os.WriteFile(filepath.Join(outside, "w.csv"), []byte("keep\n"), 0o644)
	os.WriteFile(filepath.Join(outside, "p_loss.png"), []byte("keep\n"), 0o644)
	return dir, outside
}

// TestSandbox (issue 23): noxc check and run -sandbox refuse, positioned
// at the path and before anything runs, a read of a file outside the
// program's directory or a write outside it: absolute paths, paths
// through .., symbolic links that lead out (of data, models, every
// output and plot's derived pictures). What stays inside is allowed.
func TestSandbox(t *testing.T) {
	dir, outside := sandboxDirs(t)
	secret := filepath.Join(outside, "secret.csv")
	head := "flow = MAF(4) |> Gaussian\ndata = csv(\"data/moons.csv\")\ntrain flow on data { steps = 1000000 }\n"
	for _, c := range []struct{ src, want string }{
		{`d = csv("` + secret + `")`, `p.nox:1:9: csv("` + secret + `"): "` + secret + `" is an absolute path; in a sandbox (-sandbox) a program may read only files below`},
		{`d = npy("` + filepath.Join(outside, "x.npy") + `")`, `p.nox:1:9: npy(`},
		{`d = csv("../` + filepath.Base(outside) + `/secret.csv")`, `p.nox:1:9: csv("../`},
		{`d = csv("sub/../data/moons.csv")`, `goes through ..`},
		{`d = csv("out.csv")`, `p.nox:1:9: csv("out.csv"): "out.csv" leads out of ` + dir + ` through a symbolic link (to ` + secret + `)`},
		{`d = csv("outdir/secret.csv")`, `"outdir/secret.csv" leads out of`},
		{`f = load("out.noxm")`, `p.nox:1:10: load("out.noxm"): "out.noxm" leads out of`},
		{`f = load("` + filepath.Join(dir, "m.noxm") + `")`, `is an absolute path`},
		{head + `sample flow 10 to "/tmp/x.csv"`, `p.nox:4:1: sample: "/tmp/x.csv" is an absolute path; in a sandbox (-sandbox) a program may write only`},
		{head + `save flow to "../m.noxm"`, `p.nox:4:1: save: "../m.noxm" goes through ..`},
		{head + `eval flow on data to "w.csv"`, `p.nox:4:1: eval: "w.csv" leads out of`},
		{head + `sample flow 10 to "outdir/new.csv"`, `p.nox:4:1: sample: "outdir/new.csv" leads out of`},
		{head + `plot flow to "p.png"`, `p.nox:4:1: plot: "p_loss.png" leads out of`},
		{strings.Replace(head, "1000000 }", "1000000, checkpoint = \"/tmp/ck.noxm\" }", 1), `p.nox:3:1: train: "/tmp/ck.noxm" is an absolute path`},
	} {
		file := filepath.Join(dir, "p.nox")
		os.WriteFile(file, []byte(c.src+"\n"), 0o644)
		for _, cmd := range []string{"check", "run"} {
			var out, errb bytes.Buffer
			code := mainErr([]string{cmd, "-sandbox", file}, nil, &out, &errb)
			if code != 1 || !strings.Contains(errb.String(), c.want) {
				t.Errorf("%s -sandbox with %q: exit %d, stderr:\n%s\nwant %q", cmd, c.src, code, errb.String(), c.want)
			}
		}
	}
	if b, _ := os.ReadFile(filepath.Join(outside, "w.csv")); string(b) != "keep\n" {
		t.Errorf("a file outside the sandbox was written: %q", b)
	}
	// Inside: data in a subdirectory, a link that stays inside, a model.
	file := filepath.Join(dir, "ok.nox")
	os.WriteFile(file, []byte("a = csv(\"sub/x.csv\")\nb = csv(\"in.csv\")\nf = load(\"m.noxm\")\nsample f 10 to \"sub/s.csv\"\n"), 0o644)
	var out, errb bytes.Buffer
	if code := mainErr([]string{"run", "-sandbox", file}, nil, &out, &errb); code != 0 {
		t.Errorf("run -sandbox of a program that stays inside: exit %d: %s", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "sub", "s.csv")); err != nil {
		t.Error(err)
	}
}

// TestOutDir (issue 23): with -outdir, a program's outputs resolve below
// that directory, its inputs below its own; with -sandbox it may write
// there only, even through its own directory.
func TestOutDir(t *testing.T) {
	dir, _ := sandboxDirs(t)
	outDir := t.TempDir()
	file := filepath.Join(dir, "p.nox")
	os.WriteFile(file, []byte("f = load(\"m.noxm\")\nsample f 10 to \"s.csv\"\nsave f to \"m.noxm\"\n"), 0o644)
	var out, errb bytes.Buffer
	if code := mainErr([]string{"run", "-sandbox", "-outdir", outDir, file}, nil, &out, &errb); code != 0 {
		t.Fatalf("run -sandbox -outdir: exit %d: %s", code, errb.String())
	}
	for _, f := range []string{"s.csv", "m.noxm"} {
		if _, err := os.Stat(filepath.Join(outDir, f)); err != nil {
			t.Errorf("-outdir: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "s.csv")); err == nil {
		t.Error("-outdir: the sample was written to the program's directory")
	}
	if !strings.Contains(out.String(), "written to "+filepath.Join(outDir, "s.csv")) {
		t.Errorf("the sample's event does not name the file in -outdir:\n%s", out.String())
	}
	// Back into the program's directory: refused in a sandbox.
	os.WriteFile(file, []byte("f = load(\"m.noxm\")\nsample f 10 to \""+filepath.Join("..", filepath.Base(dir), "s.csv")+"\"\n"), 0o644)
	out.Reset()
	errb.Reset()
	if code := mainErr([]string{"check", "-sandbox", "-outdir", outDir, file}, nil, &out, &errb); code != 1 || !strings.Contains(errb.String(), "goes through ..") {
		t.Errorf("check -sandbox -outdir, a write back into the program's directory: exit %d: %s", code, errb.String())
	}
	for _, c := range []struct {
		outdir, want string
	}{
		{filepath.Join(dir, "nowhere"), "does not exist"},
		{filepath.Join(dir, "m.noxm"), "is not a directory"},
	} {
		errb.Reset()
		if code := mainErr([]string{"check", "-outdir", c.outdir, file}, nil, &out, &errb); code != 1 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("-outdir %s: exit %d: %s; want status 1 and %q", c.outdir, code, errb.String(), c.want)
		}
	}
}

// TestNoOverwriteOfInputs (issue 23): without -sandbox, noxc run still
// refuses to write over the program's own file, an input data file or a
// model the program loads, also under another name (a symbolic link).
func TestNoOverwriteOfInputs(t *testing.T) {
	dir, _ := sandboxDirs(t)
	os.Symlink("p.nox", filepath.Join(dir, "self.nox"))
	os.Symlink("m.noxm", filepath.Join(dir, "model-link.noxm"))
	head := "f = load(\"m.noxm\")\n"
	for _, c := range []struct{ stmt, want string }{
		{`save f to "m.noxm"`, `p.nox:2:1: save: "m.noxm" is a model this program loads (load("m.noxm")); writing it would destroy it`},
		{`save f to "model-link.noxm"`, `save: "model-link.noxm" is a model this program loads`},
		{`save f to "./m.noxm"`, `save: "./m.noxm" is a model this program loads`},
		{`save f to "self.nox"`, `save: "self.nox" is this program's own file`},
		{"d = csv(\"data/moons.csv\")\nsample f 10 to \"in.csv\"", `sample: "in.csv" is an input data file of this program`},
	} {
		file := filepath.Join(dir, "p.nox")
		os.WriteFile(file, []byte(head+c.stmt+"\n"), 0o644)
		var out, errb bytes.Buffer
		if code := mainErr([]string{"run", file}, nil, &out, &errb); code != 1 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("run with %q: exit %d, stderr:\n%s\nwant %q", c.stmt, code, errb.String(), c.want)
		}
	}
}

// TestREPLSandbox (issue 23): noxc repl -sandbox confines the session's
// statements to the current directory, as noxc run -sandbox does a file.
func TestREPLSandbox(t *testing.T) {
	input := "d = csv(\"../../examples/data/moons.csv\")\n:reset\ne = csv(\"/etc/hosts\")\n:quit\n"
	for _, sandbox := range []bool{false, true} {
		var out, errb bytes.Buffer
		repl(io.NopCloser(strings.NewReader(input)), &out, &errb, false, nox.CompileOptions{Sandbox: sandbox})
		for _, want := range []string{`"../../examples/data/moons.csv" goes through ..`, `"/etc/hosts" is an absolute path`} {
			if strings.Contains(errb.String(), want) != sandbox {
				t.Errorf("sandbox %v: stderr (want %q: %v):\n%s", sandbox, want, sandbox, errb.String())
			}
		}
	}
}
