package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/noxlang/nox"
)

// TestFamiliesCompile compiles every family's program as main writes it,
// on a 2-D and a 64-D set, so a family whose nox text or argument list
// drifts from the library fails here rather than after an hour of
// training runs. Only compilation: no training step is taken.
func TestFamiliesCompile(t *testing.T) {
	sets := []struct{ name, file, trace string }{
		{"2-D", "../../examples/data/moons.csv", "exact"},
		{"64-D", "../../examples/data/digits.csv", "hutchinson"},
	}
	for _, f := range families {
		for _, d := range sets {
			t.Run(f.name+"/"+d.name, func(t *testing.T) {
				abs, err := filepath.Abs(d.file)
				if err != nil {
					t.Fatal(err)
				}
				src := program(abs, "", f, 10, d.trace)
				if _, err := nox.Compile(filepath.Join(t.TempDir(), "model.nox"), []byte(src)); err != nil {
					t.Fatalf("%s on %s: %v\n%s", f.name, d.name, err, src)
				}
			})
		}
	}
}

// TestIssue21Families checks that the table covers every family issue 21
// asks the NLL table to be extended with.
func TestIssue21Families(t *testing.T) {
	for _, want := range []string{"BNAF", "NAF", "UMNN", "CNF"} {
		found := false
		for _, f := range families {
			found = found || f.name == want
		}
		if !found {
			t.Errorf("family %s missing from bench/nll's families", want)
		}
	}
}

// TestCell checks a table cell says how a run ended: a run stopped
// before its last step (early stopping, or the -budget interrupt) must
// not read as a full-budget result.
func TestCell(t *testing.T) {
	nll, best := 2.5, 800
	cases := []struct {
		name string
		ev   nox.Event
		want string
	}{
		{"full", nox.Event{TestNLL: &nll, Params: 23456, Steps: 2000}, " 2.500 (23k params, 12s) |"},
		{"early", nox.Event{TestNLL: &nll, Params: 4000, Steps: 1600, Stopped: "early stopping", BestStep: &best},
			" 2.500 (4k params, 12s, early stopping at step 1600, kept 800) |"},
		{"budget", nox.Event{TestNLL: &nll, Params: 4000, Steps: 300, Stopped: "interrupted", BestStep: &best},
			" 2.500 (4k params, 12s, interrupted at step 300, kept 800) |"},
		{"no NLL", nox.Event{Params: 4000}, " no test NLL |"},
	}
	for _, c := range cases {
		if got := cell(c.ev, 12*time.Second); got != c.want {
			t.Errorf("%s: cell = %q, want %q", c.name, got, c.want)
		}
	}
}
