//go:build unix

package lang

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the test process has used (user and system):
// unlike the wall clock, it does not grow when other processes load the
// machine, so time bounds on it do not flake on a busy CI runner.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
