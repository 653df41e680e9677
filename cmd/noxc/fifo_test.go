package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noxlang/nox/internal/fifo"
)

// TestNonRegularInputs: every file noxc reads — a program, a model, a
// data file to score or plot against — is refused at once, exit 1, when
// it is a named pipe or a device: before issue 23 each of these blocked
// for ever (a FIFO) or read without end (/dev/zero).
func TestNonRegularInputs(t *testing.T) {
	moons := example(t)
	dir := filepath.Dir(moons)
	model := filepath.Join(dir, "m.noxm")
	var stdout, stderr bytes.Buffer
	if code := mainErr([]string{"run", "-steps", "5", "-o", model, moons}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("run: %s", stderr.String())
	}
	pipe := filepath.Join(dir, "pipe")
	fifo.MakeOrSkip(t, pipe)
	for _, args := range [][]string{
		{"run", pipe},
		{"check", pipe},
		{"fmt", pipe},
		{"check", "/dev/zero"},
		{"sample", pipe},
		{"eval", model, pipe},
		{"eval", model, "/dev/zero"},
		{"plot", model, "-data", pipe, "-o", filepath.Join(dir, "p.png")},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			done := make(chan int, 1)
			var stdout, stderr bytes.Buffer
			go func() { done <- mainErr(args, nil, &stdout, &stderr) }()
			select {
			case code := <-done:
				if code != 1 || !strings.Contains(stderr.String(), "not a regular file") &&
					!strings.Contains(stderr.String(), "named pipe") && !strings.Contains(stderr.String(), "device") {
					t.Errorf("exit %d: %s", code, stderr.String())
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("still reading after 5 s")
			}
		})
	}
}

// TestSampleOutputCheckedFirst: noxc sample -o checks its output before
// it draws: a directory is named as such, not a failed rename after the
// draws (review of issue 23).
func TestSampleOutputCheckedFirst(t *testing.T) {
	moons := example(t)
	dir := filepath.Dir(moons)
	model := filepath.Join(dir, "m.noxm")
	var stdout, stderr bytes.Buffer
	if code := mainErr([]string{"run", "-steps", "5", "-o", model, moons}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("run: %s", stderr.String())
	}
	stderr.Reset()
	if code := mainErr([]string{"sample", model, "-o", dir}, nil, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "is a directory") {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}
