package compiler

import "github.com/noxlang/nox/lang"

// The memory a fit's density holds: its sums over data rows make values
// of [draws, rows], which no flow's cost (FlowCost) counts.

// FitDrawChunk is the most draws of a fitted flow one run of its draw
// program (VI.Draw) takes: the validations and the final estimates draw
// in chunks of this many (train.Variational).
const FitDrawChunk = 4096

// drawLive is how many values of [FitDrawChunk, N] the draw program
// holds at once, whatever the size of a sum's term (its buffers are
// reused): measured with noxc run at N = 20000, batch 2, data_batch 10,
// a term of one normal_lpdf peaks at 1.9 GB (2.9 such values), of three
// at 2.6 GB (4.0).
const drawLive = 4

// TargetMemory estimates the bytes t's sums over data hold during a fit
// with options o: every operation of a sum's term is a value of [B, M],
// kept with its adjoint for the gradient of a step (B the batch, M the
// rows a step reads); the draw program, which reads every row even with
// a minibatch, holds a few values of [FitDrawChunk, N]; and the data
// sets themselves.
func TargetMemory(t *Target, o FitOptions) float64 {
	batch, dataBatch := o.Batch, o.DataBatch
	total := 0.0
	for _, d := range t.Data {
		n := d.Table.Rows
		m := n
		if dataBatch > 0 && dataBatch < m {
			m = dataBatch
		}
		ops := float64(sumOps(t.Body))
		total += float64(n) * float64(d.Table.Cols) * 8
		total += float64(batch) * float64(m) * 8 * 3 * ops
		total += float64(max(batch, FitDrawChunk)) * float64(n) * 8 * min(ops, drawLive)
	}
	return total
}

// sumOps counts the operations inside the sums over rows of a body: the
// nodes of their terms, a distribution's call as the dozen operations
// it expands to.
func sumOps(a *lang.Arith) int {
	n := 0
	var arith func(a *lang.Arith, in bool)
	var unary func(u *lang.Unary, in bool)
	count := func(in bool, k int) {
		if in {
			n += k
		}
	}
	unary = func(u *lang.Unary, in bool) {
		count(in, 1)
		p := u.Power
		if p.Exp != nil {
			count(in, 1)
			unary(p.Exp, in)
		}
		for _, ix := range p.Base.Indexes {
			count(in, 1)
			if ix.Lo != nil {
				arith(ix.Lo, false)
			}
		}
		at := p.Base.Atom
		switch {
		case at.Paren != nil:
			arith(at.Paren, in)
		case at.Call != nil && at.Call.Parens:
			name := at.Call.Name.Name
			if _, ok := lpdfs[name]; ok {
				count(in, 12)
			}
			for _, arg := range at.Call.Args {
				arith(arg.Value, in || name == "sum" && arg.Var != nil)
			}
		}
	}
	arith = func(a *lang.Arith, in bool) {
		unaryList := func(p *lang.Product) {
			unary(p.Left, in)
			for _, op := range p.Rest {
				count(in, 1)
				unary(op.Right, in)
			}
		}
		unaryList(a.Left)
		for _, op := range a.Rest {
			count(in, 1)
			unaryList(op.Right)
		}
	}
	arith(a, false)
	return n
}
