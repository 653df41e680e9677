package dataset

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noxlang/nox/internal/fifo"
)

// TestReadFileNotRegular: a named pipe, a character device, a directory
// or a socket is refused at once with a message that says what it is;
// none blocks the reader (before, a pipe blocked for ever). Symbolic
// links are followed to what they name.
func TestReadFileNotRegular(t *testing.T) {
	dir := t.TempDir()
	pipe := filepath.Join(dir, "data.csv")
	fifo.MakeOrSkip(t, pipe)
	npyFifo := filepath.Join(dir, "data.npy")
	fifo.MakeOrSkip(t, npyFifo)
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(pipe, link); err != nil {
		t.Fatal(err)
	}
	regular := filepath.Join(dir, "ok.csv")
	if err := os.WriteFile(regular, []byte("x\n1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	okLink := filepath.Join(dir, "oklink.csv")
	if err := os.Symlink(regular, okLink); err != nil {
		t.Fatal(err)
	}
	escaped := filepath.Join(dir, "a\x1b[2Jb.csv")
	cases := []struct{ path, want string }{
		{pipe, pipe + " is a named pipe (FIFO); nox reads only regular files"},
		{npyFifo, npyFifo + " is a named pipe (FIFO); nox reads only regular files"},
		{link, link + " is a named pipe (FIFO)"},
		{"/dev/zero", "/dev/zero is a character device; nox reads only regular files"},
		{"/dev/null", "/dev/null is a character device"},
		{dir, dir + " is a directory; nox reads only regular files"},
		{"/dev/stdin", "/dev/stdin is "},
		{escaped, "no such file " + strings.ReplaceAll(escaped, "\x1b", `\x1b`)},
		{regular, ""},
		{okLink, ""},
	}
	for _, c := range cases {
		done := make(chan error, 1)
		go func() {
			_, err := ReadFile(c.path)
			done <- err
		}()
		select {
		case err := <-done:
			switch {
			case c.want == "" && err != nil:
				t.Errorf("%s: %v", c.path, err)
			case c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), c.want)):
				t.Errorf("%s: got %v, want %q", c.path, err, c.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: still reading after 5 s", c.path)
		}
	}
}

// TestOpenRegularRace: a file that is a pipe by the time it is opened is
// refused too, without blocking: checkRegular sees the opened file.
func TestOpenRegularRace(t *testing.T) {
	dir := t.TempDir()
	pipe := filepath.Join(dir, "p")
	fifo.MakeOrSkip(t, pipe)
	f, err := os.OpenFile(pipe, os.O_RDONLY|nonBlocking, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if err := checkRegular(pipe, fi); err == nil || !strings.Contains(err.Error(), "named pipe") {
		t.Errorf("got %v", err)
	}
}

// TestReadSized: readSized reads files whole, empty and not, in one
// buffer of their size.
func TestReadSized(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{0, 1, 4095, 4096, 1 << 20} {
		want := bytes.Repeat([]byte("0123456789,\n"), n/12+1)[:n]
		path := filepath.Join(dir, fmt.Sprint(n))
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readSized(f)
		f.Close()
		if err != nil || !bytes.Equal(got, want) || cap(got) > n+1 {
			t.Errorf("%d bytes: read %d (capacity %d), %v", n, len(got), cap(got), err)
		}
	}
}
