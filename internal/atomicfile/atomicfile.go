// Package atomicfile replaces files whole: the new contents go to a
// temporary file beside the target, are synced, and are renamed over it,
// so a reader or a crash sees the old file or the new one, never part of
// either. Every file nox writes (models, samples, log-likelihoods,
// pictures, formatted sources) goes through it.
package atomicfile

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
)

// Write calls write with a buffered writer on a temporary file beside path
// and, if it and the sync succeed, renames the file to path. The file
// keeps the permissions of the one it replaces (0644 for a new one). On
// any error the temporary file is removed and path is untouched.
func Write(path string, write func(io.Writer) error) (err error) {
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriter(f)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Chmod(mode); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
