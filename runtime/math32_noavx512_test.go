//go:build !amd64

package runtime

// withAVX512Math runs f: there are no AVX-512 forms here.
func withAVX512Math(on bool, f func()) { f() }
