//go:build !amd64

package runtime

// reluGradSumVec is the AVX-512 pass of the relu derivative and its sum where there is none: it
// does nothing and says so.
func reluGradSumVec[T Float](out, a, g, sum []T, rows int) bool { return false }
