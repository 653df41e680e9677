//go:build !linux

package dataset

import "os"

// willNeed does nothing where POSIX_FADV_WILLNEED is not at hand.
func willNeed(f *os.File, off, n int64) {}
