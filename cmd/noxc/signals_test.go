package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tempFiles lists the temporary files of atomicfile in dir.
func tempFiles(dir string) []string {
	var tmps []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") && strings.HasSuffix(e.Name(), ".tmp") {
			tmps = append(tmps, e.Name())
		}
	}
	return tmps
}

// TestSignalDuringWrite (issue 23): a noxc process that gets SIGTERM, or
// Ctrl-C, while it writes a large file removes the write's temporary
// file before it exits (a killed sample used to leave up to 2 GB of
// ".big.csv.NNN.tmp"), leaves the target as it was, and exits with the
// signal's status. A real process is signalled once its temporary file
// appears.
func TestSignalDuringWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("writes large files")
	}
	dir, _ := sandboxDirs(t)
	run := filepath.Join(dir, "big.nox")
	os.WriteFile(run, []byte("f = load(\"m.noxm\")\nsample f 3000000 to \"big.csv\"\n"), 0o644)
	for _, c := range []struct {
		name    string
		args    []string
		sig     syscall.Signal
		code    int
		message string
	}{
		{"sample SIGTERM", []string{"sample", filepath.Join(dir, "m.noxm"), "-n", "3000000", "-o", filepath.Join(dir, "big.csv")}, syscall.SIGTERM, 143, "the unfinished write of 1 file was abandoned"},
		{"sample SIGINT", []string{"sample", filepath.Join(dir, "m.noxm"), "-n", "3000000", "-o", filepath.Join(dir, "big.csv")}, syscall.SIGINT, 130, "the unfinished write of 1 file was abandoned"},
		{"run SIGINT", []string{"run", run}, syscall.SIGINT, 130, "sample: write interrupted"},
		{"run SIGTERM", []string{"run", run}, syscall.SIGTERM, 143, "the unfinished write of 1 file was abandoned"},
	} {
		t.Run(c.name, func(t *testing.T) {
			os.WriteFile(filepath.Join(dir, "big.csv"), []byte("old\n"), 0o644)
			cmd := exec.Command(os.Args[0], c.args...)
			cmd.Env = append(os.Environ(), "NOXC_AS_MAIN=1")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(time.Minute)
			for len(tempFiles(dir)) == 0 {
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatal("no temporary file after a minute")
				}
				time.Sleep(time.Millisecond)
			}
			time.Sleep(50 * time.Millisecond) // well into the write
			cmd.Process.Signal(c.sig)
			err := cmd.Wait()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != c.code {
				t.Errorf("noxc exited with %v, want status %d; stderr:\n%s", err, c.code, stderr.String())
			}
			if tmps := tempFiles(dir); len(tmps) > 0 {
				t.Errorf("temporary files left behind: %v", tmps)
				for _, f := range tmps {
					os.Remove(filepath.Join(dir, f))
				}
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "big.csv")); string(b) != "old\n" {
				t.Errorf("big.csv holds %d bytes, want the old file kept", len(b))
			}
			if !strings.Contains(stderr.String(), c.message) {
				t.Errorf("stderr does not say the write was abandoned:\n%s", stderr.String())
			}
		})
	}
}

// TestREPLInterruptDuringWrite (issue 23): Ctrl-C while a REPL statement
// writes a file abandons the write, its temporary file removed and the
// target unchanged, and the session goes on.
func TestREPLInterruptDuringWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("writes large files")
	}
	dir, _ := sandboxDirs(t)
	cmd := exec.Command(os.Args[0], "repl")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NOXC_AS_MAIN=1")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in.Write([]byte("f = load(\"m.noxm\")\nsample f 3000000 to \"big.csv\"\n"))
	deadline := time.Now().Add(time.Minute)
	for len(tempFiles(dir)) == 0 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no temporary file after a minute")
		}
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	in.Write([]byte(":type f\n:quit\n"))
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the REPL ended with %v after an interrupt during a write; stderr:\n%s", err, stderr.String())
	}
	if tmps := tempFiles(dir); len(tmps) > 0 {
		t.Errorf("temporary files left behind: %v", tmps)
	}
	if _, err := os.Stat(filepath.Join(dir, "big.csv")); err == nil {
		t.Error("the abandoned sample's file exists")
	}
	for _, want := range []string{"abandoning the write in progress", "sample: write interrupted"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if !strings.Contains(out.String(), "maps 2 → 2 dimensions") {
		t.Errorf("the session did not go on after the interrupt:\n%s", out.String())
	}
}

// TestInterruptDuringCheckpoint (issue 23): the first Ctrl-C of noxc run
// keeps its meaning when it comes while a checkpoint is written: the
// training stops with its best parameters, the write is abandoned
// without a temporary file left, and the run goes on to save the model.
func TestInterruptDuringCheckpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a large model")
	}
	dir := filepath.Dir(example(t))
	file := filepath.Join(dir, "ck.nox")
	os.WriteFile(file, []byte(`data = csv("data/moons.csv")
flow = MAF(1024, 1024) |> Gaussian
train flow on data { steps = 100000, patience = 0, eval_every = 1, checkpoint = "ck.noxm", checkpoint_every = 1 }
save flow to "final.noxm"
`), 0o644)
	cmd := exec.Command(os.Args[0], "run", file)
	cmd.Env = append(os.Environ(), "NOXC_AS_MAIN=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for len(tempFiles(dir)) == 0 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no checkpoint written after a minute")
		}
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("noxc run ended with %v after a Ctrl-C during a checkpoint; stderr:\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "(interrupted)") || !strings.Contains(stdout.String(), "model written to") {
		t.Errorf("the training was not stopped and the run did not go on:\n%s", stdout.String())
	}
	if tmps := tempFiles(dir); len(tmps) > 0 {
		t.Errorf("temporary files left behind: %v", tmps)
	}
}
