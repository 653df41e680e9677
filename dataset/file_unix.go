//go:build unix

package dataset

import "syscall"

// nonBlocking opens a FIFO without waiting for a writer (see OpenRegular).
const nonBlocking = syscall.O_NONBLOCK
