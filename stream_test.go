package nox_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/train"
)

// TestStreamedProgram runs a program on a .npy file streamed rather than
// loaded (dataset.StreamBytes lowered), trained through a pool (PoolBytes
// lowered): training, eval on test and on the data set itself, whose
// per-row log-likelihoods are written as they are scored, give the same
// numbers as the same program on the file loaded; the statements that
// need the rows in memory are errors that say so.
func TestStreamedProgram(t *testing.T) {
	dir := t.TempDir()
	tab, err := dataset.Toy("moons", 6000, -1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := dataset.WriteFile(filepath.Join(dir, "m.npy"), tab.Values, 2); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "p.nox")
	for _, prog := range []string{
		"data = npy(\"m.npy\", columns = [1, 0])\nflow = MAF(8) |> Reverse |> MAF(8) |> Gaussian\n" +
			"train flow on data { steps = 30, test_frac = 0.1, val_frac = 0.1, eval_every = 10 }\n",
		"data = npy(\"m.npy\", columns = [1], context = [0])\nflow = MAF(8) |> Gaussian\n" +
			"train flow on data { steps = 30, test_frac = 0.1, val_frac = 0.1, eval_every = 10, dtype = \"float32\" }\n",
	} {
		os.WriteFile(path, []byte(prog+"eval flow on test\neval flow on data to \"ll.npy\"\n"), 0o644)
		compareStreamed(t, dir, path)
	}
	refusals(t, path)
}

// compareStreamed runs the program at path on its file loaded and
// streamed and compares the results.
func compareStreamed(t *testing.T, dir, path string) {
	t.Helper()
	run := func() []nox.Event {
		s, err := nox.CompileFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var evs []nox.Event
		if err := s.Run(context.Background(), nox.RunOptions{OnEvent: func(e nox.Event) { evs = append(evs, e) }}); err != nil {
			t.Fatal(err)
		}
		return evs
	}
	loaded := run()
	ll, err := dataset.ReadFile(filepath.Join(dir, "ll.npy"))
	if err != nil {
		t.Fatal(err)
	}
	defer func(b int64) { dataset.StreamBytes = b }(dataset.StreamBytes)
	dataset.StreamBytes = 1 << 10
	streamed := run()
	if len(streamed) != 3 || len(loaded) != 3 {
		t.Fatalf("events: %+v", streamed)
	}
	for i := range 3 {
		a, b := loaded[i], streamed[i]
		if !same(a.TestNLL, b.TestNLL) || !same(a.MeanNLL, b.MeanNLL) || a.N != b.N || !same(a.TrainNLL, b.TrainNLL) {
			t.Errorf("event %d: loaded %+v, streamed %+v", i, a, b)
		}
	}
	ll2, err := dataset.ReadFile(filepath.Join(dir, "ll.npy"))
	if err != nil || ll2.Rows != 6000 || math.Abs(ll2.Values[17]-ll.Values[17]) > 1e-12 {
		t.Errorf("ll.npy streamed: %v, %d rows", err, ll2.Rows)
	}
}

// refusals checks the statements that need a streamed data set's rows
// in memory.
func refusals(t *testing.T, path string) {
	defer func(b int64) { dataset.StreamBytes = b }(dataset.StreamBytes)
	dataset.StreamBytes = 1 << 10
	defer func(b int64) { train.PoolBytes = b }(train.PoolBytes)
	train.PoolBytes = 8 << 10
	for _, c := range []struct{ stmt, want string }{
		{"eval flow on train", "not held in memory"},
		{"plot flow on data to \"p.png\"", "plot: data is streamed"},
	} {
		src := "data = npy(\"m.npy\")\nflow = MAF(8) |> Gaussian\ntrain flow on data { steps = 5 }\n" + c.stmt + "\n"
		os.WriteFile(path, []byte(src), 0o644)
		s, err := nox.CompileFile(path)
		if err == nil {
			err = s.Run(context.Background(), nox.RunOptions{})
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.stmt, err, c.want)
		}
	}
}

func same(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
