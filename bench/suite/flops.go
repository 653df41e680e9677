package main

import "github.com/noxlang/nox/stdlib"

// Useful floating-point operations of the suite's MAFs.
//
// Only matrix products are counted, and of each masked weight matrix only
// its nonzero mask entries: a product of r rows by a masked [in,out]
// weight costs 2·r·nnz(mask) (a multiply and an add per kept weight per
// row). Elementwise work (biases, relu, exp, the affine map, the
// log-determinant, Adam, the standardization) is not counted; it is a few
// percent of the products on digits and 784-d and nothing a GEMM rate says
// anything about.
//
// With N the nonzero mask entries of one MAF layer's MADE (its [D,H] input
// mask and its [H,2D] output mask, N = nnz₁ + nnz₂), K the layers and B
// the rows:
//
//	log-prob, per row:       2·K·N                (one forward pass)
//	training step, per step: 6·B·K·N − 2·B·nnz₁   (forward 2·B·N per layer, the
//	                          data gradient 2·B·N and the weight gradient 2·B·N;
//	                          the first layer's gradient with respect to the data
//	                          is not needed and not counted)
//	sampling, per row:       2·K·N                (one dimension at a time)
//
// The sampling figure is what a sampler that solves one dimension at a
// time must do, nox's (stdlib/made.go, madeNet.solve): step i computes the
// hidden units of degree i and the outputs of dimension i, and over the D
// steps each kept weight is multiplied once per row, one pass in all. The
// reference's sampler runs the whole network D times per layer (dense
// products over the unmasked matrices, 2·D·K·(D·H + H·2D) per row), so
// the same count divided by its time is the useful rate of its algorithm,
// not its arithmetic rate.

// flops is the useful work of one configuration: per training step, per
// log-prob row and per sampled row.
type flops struct {
	Train, LogProbRow, SampleRow float64
}

// madeNNZ returns the nonzero mask entries of a MADE with one hidden
// layer of h units over dim inputs, outputs μ and α (2·dim columns), with
// nox's degrees (stdlib.MADEDegrees) and mask rule (stdlib/made.go,
// madeNet.mask): hidden unit k sees input j (degree j+1) if its degree
// d_k ≥ j+1; output column c (value c / dim of input i = c mod dim) sees
// hidden unit k if d_k < i+1. TestMADENNZ checks the counts against the
// masks of a MAF lowered by the compiler.
func madeNNZ(dim, h int) (first, out int) {
	degs := stdlib.MADEDegrees(dim, []int{h})
	in, hid := degs[0], degs[1]
	for _, dj := range in {
		for _, dk := range hid {
			if dk >= dj {
				first++
			}
		}
	}
	for c := range 2 * dim {
		for _, dk := range hid {
			if c%dim+1 > dk {
				out++
			}
		}
	}
	return first, out
}

// usefulFLOPs returns the useful work of configuration c (the formulas
// above).
func usefulFLOPs(c config) flops {
	first, out := madeNNZ(c.Dim, c.Hidden)
	n := float64(layers * (first + out))
	b := float64(c.Batch)
	return flops{
		Train:      6*b*n - 2*b*float64(first),
		LogProbRow: 2 * n,
		SampleRow:  2 * n,
	}
}
