package stdlib

import (
	"math"

	"github.com/noxlang/nox/compiler/ir"
)

func init() {
	register(&Spec{
		Name: "Dequantize",
		Kind: Bijector,
		Params: []Param{
			{Name: "scale", Type: Float, Default: []float64{1}, Min: 0, MinOpen: true, Max: 1e12,
				Doc: "the dequantized value is divided by scale (e.g. 256 maps 8-bit pixels into [0, 1))"},
		},
		MinDim: 1,
		Doc: "Uniform dequantization of integer-valued data: y = x + u, z = y/scale, with u ~ U[0,1)^D drawn " +
			"afresh in every training step and u = 1/2 (the cell's midpoint) for densities, the forward map and " +
			"initialisation. log-det = -D*log(scale). The training loss is then, in expectation, an upper bound " +
			"on -log P(x), the negative log-probability of the integer vector x (Jensen: log P(x) = " +
			"log E_u p(x + u) >= E_u log p(x + u)); densities report log p at the midpoint x + 1/2. Inverse (sampling) x = floor(z*scale), so samples are integers. Use it as the first " +
			"stage on raw integer data (train with standardize = false, dequantize = false). " +
			"Forward (density) and inverse (sampling) are O(B*D).",
		Paper: "Theis, van den Oord & Bethge 2016, A note on the evaluation of generative models; " +
			"Uria, Murray & Larochelle 2013, RNADE",
		NotInvertible: "it adds noise to integers: it has no inverse to take",
		New: func(cfg Config) Layer {
			return &dequantize{name: cfg.Name, scale: cfg.Args.Float("scale")}
		},
		Domain: dequantizeDomain,
	})
}

// dequantize is z = (x + u)/scale with u uniform in training and 1/2
// otherwise.
type dequantize struct {
	name  string
	scale float64
}

// Preprocess marks Dequantize as data preprocessing (see Preprocessor).
func (q *dequantize) Preprocess() {}

func (q *dequantize) Forward(b *ir.Builder, x ir.Value, env *Env) (z, logdet ir.Value) {
	defer b.SetNote(b.SetNote(q.name))
	var y ir.Value
	if env.Mode == Train {
		y = b.Add(x, b.RandUniform(b.Type(x)))
	} else {
		y = b.AddConst(x, 0.5)
	}
	// The density is a probability of integer vectors: 0 off the lattice.
	support := b.Support(x, math.Inf(-1), math.Inf(1), true)
	if q.scale == 1 {
		return y, support
	}
	z = b.Scale(y, 1/q.scale)
	d := float64(b.Type(x).Cols)
	return z, b.Add(batchColumn(b, b.Scalar(-d*math.Log(q.scale)), x), support)
}

// Inverse maps z to the integer cell it lies in. For z = (x + 1/2)/scale
// the rounding of the division and multiplication moves z·scale by far
// less than 1/2, so floor returns x exactly for |x| up to ~1e15.
func (q *dequantize) Inverse(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(q.name + "/inverse"))
	if q.scale == 1 {
		return b.Floor(z)
	}
	return b.Floor(b.Scale(z, q.scale))
}
