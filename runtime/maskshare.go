package runtime

import (
	"strings"
	"unsafe"
	"weak"

	"github.com/noxlang/nox/compiler/ir"
)

// maskedKey names a masked weight W⊙M: W's parameter index and M's data
// (where it starts and its length). A model's programs share one mask
// slice per layer (stdlib's madeNet keeps it), so the same layer's masked
// weight has the same key in its gradient and its log-density programs.
type maskedKey struct {
	param int
	mask  *float64
	n     int
}

// maskedRef is a weak pointer to the first element of a masked weight's
// buffer and its length; the dtype is the pointer's.
type maskedRef struct {
	p any // weak.Pointer[float32] or weak.Pointer[float64]
	n int
}

// maskedKeyOf returns the key of static value v of p if it is a masked
// copy of a parameter (ir.OpMaskCopy of an ir.OpParam), else false.
func maskedKeyOf(p *ir.Program, v int) (maskedKey, bool) {
	in := p.Instrs[v]
	if in.Op != ir.OpMaskCopy || p.Instrs[in.Args[0]].Op != ir.OpParam {
		return maskedKey{}, false
	}
	m := p.Instrs[in.Args[1]].Data
	if len(m) == 0 {
		return maskedKey{}, false
	}
	return maskedKey{param: p.Instrs[in.Args[0]].Int, mask: &m[0], n: len(m)}, true
}

// computesGradients reports whether p is a gradient program (a Trainer's):
// its masked weights are the ones other programs borrow. A shards'
// program whose weight gradients are all joint (joint.go) has only their
// operands as outputs.
func computesGradients(p *ir.Program) bool {
	for _, o := range p.Outputs {
		if strings.HasPrefix(o.Name, ir.GradPrefix) || strings.HasPrefix(o.Name, jointPrefix) {
			return true
		}
	}
	return false
}

// sharedMasked returns the buffer of the masked weight k of element type
// T and length n that a gradient program planned over ps still holds, or
// nil. Sharing it changes no value: both programs write W⊙M of the same
// parameter values (a Mapper recomputes it whenever the parameters'
// generation moved, which every training step does after its prelude
// wrote it) in runs of ones over a buffer whose zeros were written once.
// Only a trainer's buffer is lent, never one Mapper's to another: two
// Mappers may run at once, a Mapper and a Trainer over the same
// parameters may not (the trainer writes them).
func sharedMasked[T Float](ps *Params, k maskedKey, n int) []T {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	r, ok := ps.masked[k]
	if !ok || r.n != n {
		return nil
	}
	w, ok := r.p.(weak.Pointer[T])
	if !ok {
		return nil
	}
	p := w.Value()
	if p == nil {
		delete(ps.masked, k)
		return nil
	}
	return unsafe.Slice(p, n)
}

// lendMasked records buf, a gradient program's masked weight k, for
// sharedMasked; the record does not keep it alive.
func lendMasked[T Float](ps *Params, k maskedKey, buf []T) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.masked == nil {
		ps.masked = map[maskedKey]maskedRef{}
	}
	ps.masked[k] = maskedRef{p: weak.Make(&buf[0]), n: len(buf)}
}
