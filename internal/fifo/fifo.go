// Package fifo makes named pipes for the tests of inputs that are not
// regular files (a data, model or program path that names a pipe must be
// refused, never read until it blocks). Where the file system has none
// (Windows' pipes are not files of a directory), Make returns
// errors.ErrUnsupported, and the tests skip what needs one, saying so;
// any other error fails them.
package fifo

import (
	"errors"
	"testing"
)

// Make creates a named pipe at path, readable and writable by its owner.
func Make(path string) error { return mkfifo(path) }

// MakeOrSkip creates a named pipe at path, skips t where the system has
// none, and fails it on any other error.
func MakeOrSkip(t testing.TB, path string) {
	t.Helper()
	switch err := Make(path); {
	case errors.Is(err, errors.ErrUnsupported):
		t.Skipf("no named pipes here: %v", err)
	case err != nil:
		t.Fatal(err)
	}
}
