//go:build !linux

package runtime

// crowded reports false where the run queue cannot be read: the team
// stays parallel, its runs judged by adapt alone (pace.go).
func crowded(extra int) bool { return false }

// waited would measure the calling thread's waits for a CPU; where that
// cannot be read, it never knows.
func waited() (share float64, ok bool) { return 0, false }
