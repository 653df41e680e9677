package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/noxlang/nox"
)

// TestExitStatus (issue 23): every command exits 2 for a usage error (an
// unknown flag, a bad flag value, a missing or extra argument) and 1 for
// an error in a program or a file, whatever the command.
func TestExitStatus(t *testing.T) {
	dir, _ := sandboxDirs(t)
	at := func(name string) string { return filepath.Join(dir, name) }
	os.WriteFile(at("bad.nox"), []byte("flow = MAF(\n"), 0o644)
	os.WriteFile(at("garbage.noxm"), []byte("not a model\n"), 0o644)
	os.WriteFile(at("bad.csv"), []byte("x,y\n1,two\n"), 0o644)
	model, data := at("m.noxm"), at("data/moons.csv")
	for _, c := range []struct {
		args []string
		code int
	}{
		{nil, 2},
		{[]string{"frobnicate"}, 2},
		{[]string{"help", "frobnicate"}, 2},
		{[]string{"version", "extra"}, 2},
		{[]string{"run"}, 2},
		{[]string{"run", "-nosuchflag", at("mk.nox")}, 2},
		{[]string{"run", "-threads", "0", at("mk.nox")}, 2},
		{[]string{"run", "-max-memory", "lots", at("mk.nox")}, 2},
		{[]string{"run", "-max-memory", "1KB", at("mk.nox")}, 2},
		{[]string{"run", at("a.nox"), at("b.nox")}, 2},
		{[]string{"run", at("missing.nox")}, 1},
		{[]string{"run", at("bad.nox")}, 1},
		{[]string{"run", "-outdir", at("nowhere"), at("mk.nox")}, 1},
		{[]string{"check"}, 2},
		{[]string{"check", "-steps", "3", at("mk.nox")}, 2},
		{[]string{"check", "-sandbox=maybe", at("mk.nox")}, 2},
		{[]string{"check", at("missing.nox")}, 1},
		{[]string{"check", at("bad.nox")}, 1},
		{[]string{"fmt"}, 2},
		{[]string{"fmt", "-x", at("mk.nox")}, 2},
		{[]string{"fmt", at("missing.nox")}, 1},
		{[]string{"fmt", at("bad.nox")}, 1},
		{[]string{"repl", "file.nox"}, 2},
		{[]string{"repl", "-max-memory", "-1"}, 2},
		{[]string{"repl", "-outdir", at("nowhere")}, 1},
		{[]string{"sample"}, 2},
		{[]string{"sample", "-n", "0", model}, 2},
		{[]string{"sample", "-max-memory", "2Q", model}, 2},
		{[]string{"sample", at("missing.noxm")}, 1},
		{[]string{"sample", at("garbage.noxm")}, 1},
		{[]string{"eval", model}, 2},
		{[]string{"eval", "-max-memory", "", model, data}, 2},
		{[]string{"eval", at("garbage.noxm"), data}, 1},
		{[]string{"eval", model, at("missing.csv")}, 1},
		{[]string{"eval", model, at("bad.csv")}, 1},
		{[]string{"plot"}, 2},
		{[]string{"plot", "-o", "x.gif", model}, 2},
		{[]string{"plot", at("garbage.noxm")}, 1},
		{[]string{"info"}, 2},
		{[]string{"info", at("missing.noxm")}, 1},
		{[]string{"info", at("garbage.noxm")}, 1},
	} {
		var out, errb bytes.Buffer
		if code := mainErr(c.args, strings.NewReader(""), &out, &errb); code != c.code {
			t.Errorf("noxc %s: exit %d, want %d; stderr:\n%s", strings.Join(c.args, " "), code, c.code, errb.String())
		}
	}
}

// TestPanicIsInternalError (issue 23): a panic in a command, a bug in
// nox or an allocation Go refuses, is reported as an internal error
// with status 1, not Go's trace and status 2 (a usage error).
func TestPanicIsInternalError(t *testing.T) {
	huge := int64(1) << 62
	for _, c := range []struct {
		name string
		cmd  func() int
		want string
	}{
		{"panic", func() int { panic("boom") }, "boom"},
		{"index", func() int { var a []int; return a[len(os.Args)+1] }, "index out of range"},
		{"allocation", func() int { return len(make([]float64, huge)) }, "makeslice: len out of range"},
	} {
		var errb bytes.Buffer
		if code := guard(&errb, c.cmd); code != 1 || !strings.Contains(errb.String(), "internal error") || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%s: exit %d, stderr %q; want 1 and an internal error naming %q", c.name, code, errb.String(), c.want)
		}
	}
	if code := guard(&bytes.Buffer{}, func() int { return 2 }); code != 2 {
		t.Errorf("guard changed a status 2 to %d", code)
	}
}

// TestParseSize: -max-memory's sizes.
func TestParseSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64 // 0: an error
	}{
		{"512MB", 512e6}, {"512mb", 512e6}, {"4GiB", 4 << 30}, {"2G", 2 << 30}, {"2g", 2 << 30},
		{"1.5GB", 15e8}, {"1048576", 1 << 20}, {"3000000B", 3e6}, {"64 MiB", 64 << 20}, {"1T", 1 << 40},
		{"", 0}, {"lots", 0}, {"-1GB", 0}, {"0", 0}, {"1KB", 0}, {"1e9", 0}, {"0x100000", 0},
		{"1_000_000_000", 0}, {"NaN", 0}, {"Inf", 0}, {"9999999TB", 0}, {"GB", 0},
	} {
		got, err := parseSize(c.in)
		if c.want == 0 && err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", c.in, got)
		}
		if c.want != 0 && (err != nil || got != c.want) {
			t.Errorf("parseSize(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}

// TestMaxMemory (issue 23): -max-memory sets the compile limit and Go's
// soft memory limit, for every command that takes it.
func TestMaxMemory(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	dir, _ := sandboxDirs(t)
	model, data := filepath.Join(dir, "m.noxm"), filepath.Join(dir, "data", "moons.csv")
	for i, args := range [][]string{
		{"check", filepath.Join(dir, "mk.nox")},
		{"run", filepath.Join(dir, "mk.nox")},
		{"sample", model, "-n", "3"},
		{"eval", model, data},
	} {
		size := int64(3+i) << 30
		debug.SetMemoryLimit(math.MaxInt64)
		var out, errb bytes.Buffer
		if code := mainErr(append(args, "-max-memory", fmt.Sprintf("%dGiB", 3+i)), nil, &out, &errb); code != 0 {
			t.Fatalf("noxc %s -max-memory: exit %d: %s", args[0], code, errb.String())
		}
		if got := debug.SetMemoryLimit(-1); got != size {
			t.Errorf("noxc %s -max-memory %dGiB: Go's memory limit is %d, want %d", args[0], 3+i, got, size)
		}
	}
	// eval refuses, before reading it, a data file that would not fit.
	var big strings.Builder
	for i := range 200000 {
		fmt.Fprintf(&big, "%d.25,%d.5\n", i, i)
	}
	bigCSV := filepath.Join(dir, "big.csv")
	os.WriteFile(bigCSV, []byte(big.String()), 0o644)
	var out, errb bytes.Buffer
	if code := mainErr([]string{"eval", model, bigCSV, "-max-memory", "2MB"}, nil, &out, &errb); code != 1 || !strings.Contains(errb.String(), "more than the limit of 2 MB") {
		t.Errorf("eval of a %d-byte file with -max-memory 2MB: exit %d: %s", big.Len(), code, errb.String())
	}
	errb.Reset()
	if code := mainErr([]string{"eval", model, bigCSV, "-max-memory", "1GB"}, nil, &out, &errb); code != 0 {
		t.Errorf("eval of a %d-byte file with -max-memory 1GB: exit %d: %s", big.Len(), code, errb.String())
	}
	var pf policyFlags
	fs := newFlags("run", &bytes.Buffer{})
	pf.defineMemory(fs)
	pf.defineFiles(fs)
	if err := fs.Parse([]string{"-max-memory", "512MB", "-sandbox", "-outdir", dir}); err != nil {
		t.Fatal(err)
	}
	var o nox.CompileOptions
	if err := pf.apply(&o); err != nil {
		t.Fatal(err)
	}
	if o.Limits.MaxMemory != 512e6 || !o.Sandbox || o.OutDir != dir {
		t.Errorf("compile options from -max-memory 512MB -sandbox -outdir: %+v", o)
	}
}
