package dataset

import (
	"os"

	"golang.org/x/sys/unix"
)

// descriptor returns f's file descriptor, or -1.
func descriptor(f *os.File) int {
	c, err := f.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	c.Control(func(d uintptr) { fd = int(d) })
	return fd
}

// willNeed asks the kernel to read n bytes of the file fd from off into
// the page cache in the background (POSIX_FADV_WILLNEED), ignoring
// errors.
func willNeed(fd int, off, n int64) {
	if fd >= 0 {
		unix.Fadvise(fd, off, n, unix.FADV_WILLNEED)
	}
}
