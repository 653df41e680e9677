//go:build !amd64

package runtime

func relu32(out, a []float32)        { reluT(out, a) }
func reluGrad32(out, a, g []float32) { reluGradT(out, a, g) }
func add32(out, a, b []float32)      { addGo(out, a, b) }
func sub32(out, a, b []float32)      { subGo(out, a, b) }
func mul32(out, a, b []float32)      { mulGo(out, a, b) }

func bias32(out, bias []float32, rows, cols int, relu bool) {
	biasGo(add32, relu32, out, bias, rows, cols, relu)
}
