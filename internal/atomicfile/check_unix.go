//go:build unix

package atomicfile

import "golang.org/x/sys/unix"

// writableDir asks the kernel whether this process may create files in
// dir (access(2) with W_OK), which accounts for its user, groups and
// read-only mounts as permission bits alone cannot.
func writableDir(dir string) error { return unix.Access(dir, unix.W_OK) }
