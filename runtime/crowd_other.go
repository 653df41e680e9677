//go:build !linux

package runtime

// crowded reports false where the run queue cannot be read: the team
// stays parallel, its runs judged by adapt alone (pace.go).
func crowded(extra int) bool { return false }
