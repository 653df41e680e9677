//go:build !amd64

package runtime

func exp32(out, a []float32)  { exp32Go(out, a) }
func tanh32(out, a []float32) { tanh32Go(out, a) }
