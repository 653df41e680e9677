//go:build !amd64

package runtime

// biasTiled: see bias_amd64.go; without AVX-512 kernels the bias runs
// row by row.
func biasTiled[T Float](out, bias, tile []T, cols int, relu bool) bool { return false }
