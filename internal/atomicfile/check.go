package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Writable reports why Write could not put a file at path, or nil: its
// directory does not exist, is not a directory or is not writable (Write
// creates a temporary file there), or path is a directory, or a file
// that the rename cannot replace (read-only, on Windows). Checked
// before a program runs, it turns a failure after an hour of training
// into an error before the first step.
func Writable(path string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("directory %s does not exist", dir)
	case err != nil:
		return err
	case !st.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	if err := writableDir(dir); err != nil {
		return fmt.Errorf("directory %s is not writable", dir)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	return replaceable(path)
}

// Canonical returns path absolute and with the symbolic links of its
// directory resolved, so that two names of one file compare equal; a
// part that does not exist is kept as written.
func Canonical(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		return filepath.Join(dir, filepath.Base(abs))
	}
	return abs
}
