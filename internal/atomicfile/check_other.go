//go:build !unix

package atomicfile

import (
	"errors"
	"os"
)

// writableDir, where there is no access(2), reads the permission bits:
// in the browser (GOOS=js) the file system is the page's own in-memory
// one, which has no users or read-only mounts; on Windows the bits say
// only whether the directory has the read-only attribute, and an access
// control list that forbids writing is found only by Write, when it
// creates its temporary file.
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
