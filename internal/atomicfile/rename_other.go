//go:build !windows

package atomicfile

import "os"

// replaceable reports why Write's rename could not replace path: nothing
// here, where a rename replaces a file whatever its permissions.
func replaceable(string) error { return nil }

// renameFile is os.Rename; syncDir then makes the rename durable.
func renameFile(from, to string) error { return os.Rename(from, to) }
