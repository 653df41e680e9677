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
		name string
		args []string
		sig  syscall.Signal
		code int
	}{
		{"sample SIGTERM", []string{"sample", filepath.Join(dir, "m.noxm"), "-n", "3000000", "-o", filepath.Join(dir, "big.csv")}, syscall.SIGTERM, 143},
		{"sample SIGINT", []string{"sample", filepath.Join(dir, "m.noxm"), "-n", "3000000", "-o", filepath.Join(dir, "big.csv")}, syscall.SIGINT, 130},
		{"run SIGINT", []string{"run", run}, syscall.SIGINT, 130},
		{"run SIGTERM", []string{"run", run}, syscall.SIGTERM, 143},
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
			if !strings.Contains(stderr.String(), "the unfinished write of 1 file was abandoned") {
				t.Errorf("stderr does not say the write was abandoned:\n%s", stderr.String())
			}
		})
	}
}
