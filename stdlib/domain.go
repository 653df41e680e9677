package stdlib

import (
	"fmt"
	"math"
)

// Domains. A stage's density-direction map (Forward) is defined on a set
// of inputs; for most layers that is all of R^D, and for a few it is
// less: Logit is defined where its squeezed input lies in (0, 1), and
// Dequantize's density is a probability of integer vectors, defined on
// the integer lattice. Such a layer adds the log of the indicator of its
// domain (ir.Builder.Support: 0 inside, −Inf outside) to its log-det, so
// that a point outside gets log p = −Inf, never a finite density from a
// clamped value, and the flow's density integrates to 1 over all of R^D.
// Spec.Domain describes the same set to the compiler, which refuses
// training rows outside it before anything runs; the two share the
// arithmetic (the layer's contains function), so they agree bit for bit.

// Domain is the set, coordinate by coordinate, on which a stage's map is
// defined: a row is inside when every coordinate is.
type Domain struct {
	// Text describes the set for messages: "(0, 1)", "the integers".
	Text string
	// Hint says what to do about data outside it, or is empty.
	Hint     string
	contains func(x float64) bool
}

// Contains reports whether coordinate value x is in the domain, computed
// as the layer's program computes it (in float64).
func (d *Domain) Contains(x float64) bool { return d.contains(x) }

// logitSqueeze is Logit's x' = margin + (1 − 2·margin)·x in the order its
// program computes it: a product, rounded, then a sum (the conversion
// forbids a fused multiply-add, which the program never does).
func logitSqueeze(x, margin float64) float64 {
	return float64(x*(1-2*margin)) + margin
}

// logitDomain is the domain of Logit(margin): 0 < x' < 1.
func logitDomain(a Args) *Domain {
	m := a.Float("margin")
	text := "(0, 1)"
	if m > 0 {
		text = fmt.Sprintf("(%.7g, %.7g) (the x with 0 < margin + (1 - 2*margin)*x < 1, margin = %g)", -m/(1-2*m), (1-m)/(1-2*m), m)
	}
	return &Domain{Text: text, contains: func(x float64) bool {
		xs := logitSqueeze(x, m)
		return xs > 0 && xs < 1
	}}
}

// dequantizeDomain is the domain of Dequantize: the integers.
func dequantizeDomain(Args) *Domain {
	return &Domain{Text: "the integers", contains: func(x float64) bool {
		return !math.IsInf(x, 0) && x == math.Floor(x)
	}}
}
