package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.txt")
	if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "one"); return err }); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("new file mode %v, want 0644", st.Mode().Perm())
	}
	os.Chmod(path, 0o600)
	boom := errors.New("boom")
	if err := Write(path, func(w io.Writer) error { io.WriteString(w, "half"); return boom }); err != boom {
		t.Fatalf("got %v, want the writer's error", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "one" {
		t.Errorf("a failed write changed the file to %q", b)
	}
	if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "two"); return err }); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	st, _ := os.Stat(path)
	if string(b) != "two" || st.Mode().Perm() != 0o600 {
		t.Errorf("replaced file: %q, mode %v; want two, 0600 kept", b, st.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries in the directory, want 1: temporary files left behind", len(entries))
	}
	if err := Write(filepath.Join(dir, "no", "such", "dir"), func(io.Writer) error { return nil }); err == nil {
		t.Error("no error for a missing directory")
	}
}

// TestWritePatched: the head write returns replaces the file's first
// bytes, after a write of more than the writer's buffer; a head longer
// than the file is an error that leaves nothing behind.
func TestWritePatched(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.bin")
	body := strings.Repeat("x", 100_000)
	err := WritePatched(path, func(w io.Writer) ([]byte, error) {
		if _, err := io.WriteString(w, "HEAD:?|"+body); err != nil {
			return nil, err
		}
		return []byte("HEAD:7"), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "HEAD:7|"+body {
		t.Errorf("patched file starts %q, %d bytes; want HEAD:7| and %d", b[:min(len(b), 10)], len(b), 7+len(body))
	}
	err = WritePatched(path, func(w io.Writer) ([]byte, error) {
		_, err := io.WriteString(w, "ab")
		return []byte("abc"), err
	})
	if err == nil {
		t.Error("no error for a head longer than the file")
	}
	if b, _ := os.ReadFile(path); string(b) != "HEAD:7|"+body {
		t.Error("a failed patched write changed the file")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries in the directory, want 1: temporary files left behind", len(entries))
	}
}

// TestWriteThroughLink: a path that is a symbolic link to a file is
// written through, so noxc fmt -w on a link keeps the link; a dangling
// link is replaced, never followed.
func TestWriteThroughLink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.nox")
	link := filepath.Join(dir, "link.nox")
	os.WriteFile(real, []byte("old"), 0o600)
	if err := os.Symlink("real.nox", link); err != nil {
		t.Skip(err)
	}
	if err := Write(link, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced by a file (%v)", err)
	}
	if b, _ := os.ReadFile(real); string(b) != "new" {
		t.Errorf("target holds %q, want new", b)
	}
	if st, _ := os.Stat(real); st.Mode().Perm() != 0o600 {
		t.Errorf("target mode %v, want 0600 kept", st.Mode().Perm())
	}
	dangling := filepath.Join(dir, "dangling")
	os.Symlink(filepath.Join(dir, "nowhere"), dangling)
	if err := Write(dangling, func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "nowhere")); err == nil {
		t.Error("a dangling link was followed: its target was created")
	}
	if st, _ := os.Lstat(dangling); st.Mode()&os.ModeSymlink != 0 {
		t.Error("a dangling link was not replaced")
	}
	noTemps(t, dir)
}

// noTemps fails if dir holds a temporary file of Write.
func noTemps(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

// TestAbandonAndCleanup: a write in progress that is abandoned, or
// cleaned up as a signal handler does before exiting, leaves no
// temporary file and no target; after Cleanup no write starts.
func TestAbandonAndCleanup(t *testing.T) {
	defer func() { reg.closed = false }()
	for _, stop := range []struct {
		name string
		f    func()
	}{{"Abandon", func() { Abandon() }}, {"Cleanup", func() { Cleanup() }}} {
		t.Run(stop.name, func(t *testing.T) {
			reg.closed = false
			dir := t.TempDir()
			path := filepath.Join(dir, "big.csv")
			started, done := make(chan bool), make(chan error)
			go func() {
				done <- Write(path, func(w io.Writer) error {
					buf := make([]byte, 1<<10)
					for i := 0; ; i++ {
						if _, err := w.Write(buf); err != nil {
							return err
						}
						if i == 100 {
							started <- true
						}
					}
				})
			}()
			<-started
			if n := InProgress(); n != 1 {
				t.Errorf("InProgress = %d, want 1", n)
			}
			stop.f()
			if err := <-done; !errors.Is(err, ErrAbandoned) {
				t.Errorf("write returned %v, want ErrAbandoned", err)
			}
			if _, err := os.Stat(path); err == nil {
				t.Error("an abandoned write created its file")
			}
			noTemps(t, dir)
			if n := InProgress(); n != 0 {
				t.Errorf("InProgress = %d after the write ended, want 0", n)
			}
			err := Write(path, func(w io.Writer) error { return nil })
			if closed := stop.name == "Cleanup"; closed != (err != nil) {
				t.Errorf("a write after %s: %v", stop.name, err)
			}
			noTemps(t, dir)
		})
	}
}

// TestCleanupRace: writes that start, run and finish while Cleanup runs
// leave no temporary file, and no file appears after Cleanup returns (a
// process exits right after it).
func TestCleanupRace(t *testing.T) {
	defer func() { reg.closed = false }()
	reg.closed = false
	dir := t.TempDir()
	var wg sync.WaitGroup
	stop := make(chan bool)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; ; j++ {
				select {
				case <-stop:
					return
				default:
				}
				Write(filepath.Join(dir, fmt.Sprintf("f%d-%d", i, j)), func(w io.Writer) error {
					_, err := w.Write(make([]byte, 1<<12))
					return err
				})
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	Cleanup()
	before, _ := os.ReadDir(dir)
	close(stop)
	wg.Wait()
	after, _ := os.ReadDir(dir)
	if len(after) != len(before) {
		t.Errorf("%d files after Cleanup returned, %d when the writes ended", len(before), len(after))
	}
	noTemps(t, dir)
}

// TestCleanupBeforeSync: Cleanup closes and removes the temporary file of
// a write that has written everything but not yet synced it (as Windows
// needs: an open file cannot be removed there); the write then reports
// ErrAbandoned, not the closed file's error, and leaves nothing.
func TestCleanupBeforeSync(t *testing.T) {
	defer func() { reg.closed = false }()
	reg.closed = false
	dir := t.TempDir()
	path := filepath.Join(dir, "m.noxm")
	err := Write(path, func(w io.Writer) error {
		Cleanup()
		return nil
	})
	if !errors.Is(err, ErrAbandoned) {
		t.Errorf("write returned %v, want ErrAbandoned", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a write cleaned up before its sync created its file")
	}
	noTemps(t, dir)
}
