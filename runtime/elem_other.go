//go:build !amd64

package runtime

func relu(out, a []float64)        { reluGo(out, a) }
func reluGrad(out, a, g []float64) { reluGradGo(out, a, g) }
func add(out, a, b []float64)      { addGo(out, a, b) }
func sub(out, a, b []float64)      { subGo(out, a, b) }
func mul(out, a, b []float64)      { mulGo(out, a, b) }

func bias64(out, bias []float64, rows, cols int, relu bool) {
	biasGo(add, reluGo, out, bias, rows, cols, relu)
}
