package runtime

//go:generate go run gen_chains.go

//go:noescape
func chainRunS(prog *uint64, nbytes int)

//go:noescape
func chainRunD(prog *uint64, nbytes int)

// chainAsm reports whether the chain engine's handlers run here.
func chainAsm() bool { return useAVX512 }

// chainRun runs a chain's program over the first n elements of its
// buffers (whole groups: formChains).
func chainRun[T Float](prog []uint64, n int) {
	var z T
	switch any(z).(type) {
	case float32:
		chainRunS(&prog[0], n*4)
	default:
		chainRunD(&prog[0], n*8)
	}
}
