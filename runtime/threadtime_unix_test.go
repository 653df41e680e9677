//go:build unix && !aix && !netbsd

package runtime

import (
	"time"

	"golang.org/x/sys/unix"
)

// threadTime is the calling thread's CPU time (the probes').
func threadTime() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		panic(err)
	}
	return time.Duration(ts.Nano())
}
