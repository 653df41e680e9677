package dataset

import (
	"os"

	"golang.org/x/sys/unix"
)

// willNeed asks the kernel to read n bytes of f from off into the page
// cache in the background (POSIX_FADV_WILLNEED), ignoring errors.
func willNeed(f *os.File, off, n int64) {
	c, err := f.SyscallConn()
	if err != nil {
		return
	}
	c.Control(func(fd uintptr) { unix.Fadvise(int(fd), off, n, unix.FADV_WILLNEED) })
}
