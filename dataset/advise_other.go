//go:build !linux

package dataset

import "os"

// descriptor is -1: willNeed needs none where it does nothing.
func descriptor(f *os.File) int { return -1 }

// willNeed does nothing where POSIX_FADV_WILLNEED is not at hand.
func willNeed(fd int, off, n int64) {}
