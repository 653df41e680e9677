//go:build js

package atomicfile

import (
	"errors"
	"os"
)

// writableDir, in the browser (GOOS=js), reads the permission bits: the
// file system there is the page's own in-memory one, which has no users
// or read-only mounts for access(2) to consult, and no access(2).
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
