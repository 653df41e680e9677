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
		New: func(args Args, dim int, name string, table *[]ir.Param) Layer {
			perm := make([]int, dim)
			for i := range perm {
				perm[i] = dim - 1 - i
			}
			return &permute{perm: perm, name: name}
		},
	})
	register(&Spec{
		Name:   "Gaussian",
		Kind:   Prior,
		MinDim: 1,
		Doc:    "Standard normal prior N(0, I).",
		New: func(args Args, dim int, name string, table *[]ir.Param) Layer {
			return &gaussian{dim: dim, name: name}
		},
	})
}

// permute reorders columns: z[:, j] = x[:, perm[j]].
type permute struct {
	perm []int
	name string
}

func (p *permute) Forward(b *ir.Builder, x ir.Value, train bool) (ir.Value, ir.Value) {
	defer b.SetNote(b.SetNote(p.name))
	return b.PermuteCols(x, p.perm), ir.None
}

func (p *permute) Inverse(b *ir.Builder, z ir.Value) ir.Value {
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

func (g *gaussian) LogProb(b *ir.Builder, z ir.Value) ir.Value {
	defer b.SetNote(b.SetNote(g.name))
	sq := b.SumCols(b.Mul(z, z))
	return b.AddConst(b.Scale(sq, -0.5), -0.5*float64(g.dim)*math.Log(2*math.Pi))
}

func (g *gaussian) Sample(b *ir.Builder) ir.Value {
	defer b.SetNote(b.SetNote(g.name + "/sample"))
	return b.RandNormal(ir.Shape{Rows: ir.Batch, Cols: g.dim})
}
