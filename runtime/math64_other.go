//go:build !amd64

package runtime

func exp64(out, a []float64)  { each(out, a, expd) }
func tanh64(out, a []float64) { each(out, a, tanhd) }
