package atomicfile

import (
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// writableDir, on Windows, creates (and removes) a temporary file in dir,
// as Write would: a directory's read-only attribute does not stop that
// there (Explorer sets it on every customised folder), and an access
// control list that does is seen only by trying. The probe is a
// registered write, so Cleanup removes it if a signal comes meanwhile.
func writableDir(dir string) error {
	w, err := create(dir, ".nox-writable-*.tmp")
	if err != nil {
		return err
	}
	w.remove() // closes it first
	w.unregister()
	return nil
}

// replaceable reports why Write's rename could not replace path: on
// Windows a file with the read-only attribute (a Go mode without write
// permission) is never replaced, where a rename on unix would.
func replaceable(path string) error {
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o200 == 0 {
		return fmt.Errorf("%s is read-only", path)
	}
	return nil
}

// renameFile moves the temporary file from to to, replacing it, and asks
// for the move to reach the disk before it returns (MoveFileEx with
// MOVEFILE_WRITE_THROUGH): Windows has no directory sync for syncDir
// to make it durable afterwards.
func renameFile(from, to string) error {
	f, err := windows.UTF16PtrFromString(from)
	if err != nil {
		return err
	}
	t, err := windows.UTF16PtrFromString(to)
	if err != nil {
		return err
	}
	if err := windows.MoveFileEx(f, t, windows.MOVEFILE_REPLACE_EXISTING|windows.MOVEFILE_WRITE_THROUGH); err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	return nil
}

// syncDir does nothing on Windows, which has no directory sync (a
// directory opened for reading cannot be flushed): renameFile's
// write-through move is what makes the rename durable there.
func syncDir(string) error { return nil }
