//go:build !windows

package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// replaceable reports why Write's rename could not replace path: nothing
// here, where a rename replaces a file whatever its permissions.
func replaceable(string) error { return nil }

// renameFile is os.Rename; syncDir then makes the rename durable.
func renameFile(from, to string) error { return os.Rename(from, to) }

// syncDir makes a rename in dir durable: without it a crash soon after
// the rename may bring back the old file, or none. A file system that
// cannot sync directories (EINVAL, ENOTSUP) is not an error: the file is
// in place, as durable as that file system makes it.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("syncing directory %s after writing: %w", dir, err)
	}
	return nil
}
