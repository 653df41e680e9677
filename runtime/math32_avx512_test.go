//go:build amd64

package runtime

// withAVX512Math runs f with the AVX-512 forms of exp32 and tanh32 on
// (where the machine has them) or off.
func withAVX512Math(on bool, f func()) {
	saved := useAVX512Math
	useAVX512Math = on && useAVX512
	defer func() { useAVX512Math = saved }()
	f()
}
