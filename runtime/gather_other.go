//go:build !amd64

package runtime

// gatherVec: see gather_amd64.go; without AVX-512 kernels the narrow
// layout steps run as loops.
func gatherVec[T Float](out, src []T, t *gatherTable, add int) bool { return false }
