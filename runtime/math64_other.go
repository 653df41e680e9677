//go:build !amd64

package runtime

func exp64(out, a []float64)  { exp64Go(out, a) }
func tanh64(out, a []float64) { tanh64Go(out, a) }
