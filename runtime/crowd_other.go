//go:build !linux

package runtime

// crowded reports false where the run queue cannot be read: the team
// stays parallel, its runs judged by adapt alone (pace.go).
func crowded(extra int) bool { return false }

// delayClock would measure the calling thread's waits for a CPU; where
// that cannot be read, it never knows.
type delayClock struct{}

func (c *delayClock) waited() (share float64, ok bool) { return 0, false }

func (c *delayClock) close() {}
