package main

import (
	"path/filepath"
	"testing"

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
