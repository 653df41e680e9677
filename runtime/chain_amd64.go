package runtime

//go:generate go run gen_chains.go

//go:noescape
func chainRunS(prog *uint64, nbytes int)

//go:noescape
func chainRunD(prog *uint64, nbytes int)

// chainAsm reports whether the chain engine's handlers run here.
func chainAsm() bool { return useAVX512 }

// chainRun runs a chain's program over nbytes of its buffers (a multiple
// of chainGroup).
func chainRun[T Float](prog []uint64, nbytes int) {
	var z T
	if any(z) == any(float32(0)) {
		chainRunS(&prog[0], nbytes)
	} else {
		chainRunD(&prog[0], nbytes)
	}
}
