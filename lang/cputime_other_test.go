//go:build !unix

package lang

import "time"

// cpuTime is not measured here: elapsed reports the wall clock alone.
func cpuTime() time.Duration { return 0 }
