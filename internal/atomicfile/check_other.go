//go:build !unix && !windows

package atomicfile

import (
	"errors"
	"os"
)

// writableDir, where there is no access(2) (the browser, GOOS=js, whose
// file system is the page's own in-memory one, without users or
// read-only mounts), reads the permission bits.
func writableDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if st.Mode().Perm()&0o200 == 0 {
		return errors.New("not writable")
	}
	return nil
}
