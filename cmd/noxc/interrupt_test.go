package main

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary run as noxc (NOXC_AS_MAIN=1), so that
// tests can signal a real noxc process.
func TestMain(m *testing.M) {
	if os.Getenv("NOXC_AS_MAIN") == "1" {
		os.Exit(mainErr(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// noxcProcess starts noxc with args, its stdout read line by line.
func noxcProcess(t *testing.T, args ...string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "NOXC_AS_MAIN=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewScanner(out)
}

// waitFor reads lines until one contains want, failing after a minute.
func waitFor(t *testing.T, sc *bufio.Scanner, want string) string {
	t.Helper()
	found := make(chan string, 1)
	go func() {
		for sc.Scan() {
			if strings.Contains(sc.Text(), want) {
				found <- sc.Text()
				return
			}
		}
		close(found)
	}()
	select {
	case line, ok := <-found:
		if !ok {
			t.Fatalf("noxc ended before printing %q", want)
		}
		return line
	case <-time.After(time.Minute):
		t.Fatalf("no %q after a minute", want)
	}
	return ""
}

// interruptProgram writes a program whose first training is long, then
// samples, saves and trains again.
func interruptProgram(t *testing.T) (dir, file string) {
	t.Helper()
	dir = filepath.Dir(example(t))
	src := `data = csv("data/moons.csv")
flow = MAF(16) |> Reverse |> MAF(16) |> Gaussian
train flow on data { steps = 100000, patience = 0, eval_every = 50 }
sample flow 100 to "draws.csv"
save flow to "flow.noxm"
again = MAF(16) |> Gaussian
train again on data { steps = 100000, patience = 0 }
`
	file = filepath.Join(dir, "long.nox")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, file
}

// TestInterruptKeepsModel (issue 24): the first Ctrl-C stops the training
// in progress, which keeps its best parameters; the run goes on with the
// statements after it (the sample and save happen); a second Ctrl-C
// exits at once with status 130.
func TestInterruptKeepsModel(t *testing.T) {
	dir, file := interruptProgram(t)
	cmd, out := noxcProcess(t, "run", "-json", "-progress", file)
	waitFor(t, out, `"statement":"progress"`)
	cmd.Process.Signal(syscall.SIGINT)
	train := waitFor(t, out, `"statement":"train"`)
	if !strings.Contains(train, `"stopped":"interrupted"`) || !strings.Contains(train, `"best_step"`) {
		t.Errorf("train event after an interrupt: %s", train)
	}
	waitFor(t, out, `"statement":"save"`)
	for _, f := range []string{"draws.csv", "flow.noxm"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("after the first interrupt: %v", err)
		}
	}
	waitFor(t, out, `"statement":"progress","flow":"again"`)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Errorf("after a second interrupt noxc exited with %v, want status 130", err)
	}
}

// TestREPLInterrupt (issue 24): Ctrl-C during a training in the REPL
// stops it and returns to the prompt, the flow trained (with its best
// parameters so far) and the session intact.
func TestREPLInterrupt(t *testing.T) {
	dir := filepath.Dir(example(t))
	cmd := exec.Command(os.Args[0], "repl")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NOXC_AS_MAIN=1")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	io.WriteString(in, "data = csv(\"data/moons.csv\")\nflow = MAF(16) |> Gaussian\ntrain flow on data { steps = 1000000, patience = 0 }\n")
	time.Sleep(2 * time.Second) // well into the training
	cmd.Process.Signal(syscall.SIGINT)
	io.WriteString(in, ":type flow\n:quit\n")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the REPL ended with %v after an interrupt; output:\n%s", err, out.String())
	}
	for _, want := range []string{"(interrupted)", "maps 2 → 2 dimensions"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("REPL output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestCheckpointSurvivesKill (issue 24): with checkpoint = "path", the
// best model so far is on disk while training runs, so a process killed
// with SIGKILL loses at most the steps since; the file loads and scores.
func TestCheckpointSurvivesKill(t *testing.T) {
	dir := filepath.Dir(example(t))
	file := filepath.Join(dir, "ck.nox")
	os.WriteFile(file, []byte(`data = csv("data/moons.csv")
flow = MAF(16) |> Reverse |> MAF(16) |> Gaussian
train flow on data { steps = 100000, patience = 0, eval_every = 20, checkpoint = "ck.noxm", checkpoint_every = 200 }
`), 0o644)
	cmd, out := noxcProcess(t, "run", "-json", "-progress", file)
	waitFor(t, out, `"statement":"progress"`)
	ck := filepath.Join(dir, "ck.noxm")
	if _, err := os.Stat(ck); err != nil {
		t.Fatalf("no checkpoint while training: %v", err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	var stdout, stderr strings.Builder
	if code := mainErr([]string{"eval", ck, filepath.Join(dir, "data", "moons.csv")}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("eval of the checkpoint after kill -9: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "mean NLL") {
		t.Errorf("eval of the checkpoint: %s", stdout.String())
	}
	// (A kill in the middle of a write can leave the write's temporary
	// file; the checkpoint itself is always whole: atomicfile.)
}
