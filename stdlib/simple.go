package stdlib

import (
	"math"

	"github.com/noxlang/nox/compiler/ir"
)

func init() {
	register(&Spec{
		Name:   "Reverse",
		Kind:   Bijector,
		MinDim: 1,
		Doc:    "Reverses the order of the dimensions. Volume-preserving (log-det 0); both directions are one gather.",
		Paper:  "Papamakarios et al. 2017 (between MADE layers); Dinh et al. 2017",
		New: func(cfg Config) Layer {
			perm := make([]int, cfg.Dim)
			for i := range perm {
				perm[i] = cfg.Dim - 1 - i
			}
			return &permute{perm: perm, name: cfg.Name}
		},
	})
	register(&Spec{
		Name:   "Gaussian",
		Kind:   Prior,
		MinDim: 1,
		Doc:    "Standard normal prior N(0, I).",
		New: func(cfg Config) Layer {
			return &gaussian{dim: cfg.Dim, name: cfg.Name}
		},
	})
}

// permute reorders columns: z[:, j] = x[:, perm[j]].
type permute struct {
	perm []int
	name string
}

func (p *permute) Forward(b *ir.Builder, x ir.Value, env *Env) (ir.Value, ir.Value) {
	defer b.SetNote(b.SetNote(p.name))
	return b.PermuteCols(x, p.perm), ir.None
}

func (p *permute) Inverse(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(p.name + "/inverse"))
	inv := make([]int, len(p.perm))
	for j, k := range p.perm {
		inv[k] = j
	}
	return b.PermuteCols(z, inv)
}

// gaussian is the standard normal N(0, I).
type gaussian struct {
	dim  int
	name string
}

func (g *gaussian) LogProb(b *ir.Builder, z ir.Value, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(g.name))
	sq := b.SumCols(b.Mul(z, z))
	return b.AddConst(b.Scale(sq, -0.5), -0.5*float64(g.dim)*math.Log(2*math.Pi))
}

func (g *gaussian) Sample(b *ir.Builder, env *Env) ir.Value {
	defer b.SetNote(b.SetNote(g.name + "/sample"))
	return b.RandNormal(ir.Shape{Rows: ir.Batch, Cols: g.dim})
}

func init() {
	register(&Spec{
		Name: "Split",
		Kind: Split,
		Params: []Param{
			{Name: "keep", Type: Int, Required: true, Min: 1, Max: 1 << 20,
				Doc: "how many of the first dimensions continue through the flow"},
		},
		MinDim: 2,
		Doc: "Multi-scale split: the first keep dimensions continue through the stages after it; " +
			"the others are final latents, sent directly to the prior (log-det 0). " +
			"Later stages cost less because they see fewer dimensions.",
		Paper: "Dinh, Sohl-Dickstein & Bengio 2017, Density estimation using Real NVP (multi-scale architecture)",
	})
}
