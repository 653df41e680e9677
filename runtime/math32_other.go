//go:build !amd64

package runtime

func exp32(out, a []float32)  { each(out, a, expf) }
func tanh32(out, a []float32) { each(out, a, tanhf) }
