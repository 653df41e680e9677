//go:build !unix || aix || netbsd

package runtime

import "time"

var epoch = time.Now()

// threadTime, without a thread CPU clock (Windows, and AIX and NetBSD,
// where x/sys/unix offers none), is the time since the tests started: the probes then also count what preempts their thread.
func threadTime() time.Duration { return time.Since(epoch) }
