//go:build !amd64

package runtime

// smallKVec: see smallk_amd64.go; smallKPlanned never plans it here.
func smallKVec[T Float](out, a, b, bias []T, rows, cols, k, lda, ldb int, floor T) {
	panic("runtime: no small-k kernel on this architecture")
}
