//go:build unix

package modelfile

import "syscall"

// nonBlocking opens a FIFO without waiting for a writer (see readFile).
const nonBlocking = syscall.O_NONBLOCK
