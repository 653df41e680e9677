package runtime

import (
	"sync/atomic"

	"github.com/noxlang/nox/compiler/ir"
)

// The shards of a batch do the same work on equal parts of it, but the
// cores they run on are not equally fast: on a shared machine one core
// is often slower for a while, and a team is as slow as its slowest
// member. So the large matrix products of a shard's program run as
// pieces (chunks: column ranges, or a masked product's blocks) that the
// shard's owner claims one by one, and a member that has finished its own
// shard claims pieces of the shards still running. Who runs a piece does
// not change what it computes, and a product is cut into the same pieces
// whoever runs it, so results do not depend on the number of cores.
//
// A shard publishes the product it is running in one word: the step's
// index in its program, and the next unclaimed piece. Claiming a piece
// moves the word on by one (the owner adds, a helper swaps in the new
// word only if it still holds what it read); a piece claimed is run by
// its claimer, which then counts it done. The owner waits until every
// piece of its product is done before it runs the next step.

// sharing turns pieces on; tests turn it off to run every product in
// Exec.exec, whose loop over a masked product's blocks is then used.
var sharing = true

// shareMin is the smallest product, in multiply-adds, cut into pieces.
const shareMin = 1 << 18

// shareCols is the width of a piece of a product that has no blocks: one
// float32 panel of the AVX-512 kernels, two float64 ones.
const shareCols = 64

// share is a shard's published product.
type share struct {
	word     atomic.Uint64 // step index << 32 | next piece
	done     atomic.Int32  // pieces of the published product done
	finished atomic.Bool   // the shard's program has run to its end
	// progress counts the main steps run, where track asks for it (a
	// Trainer's early update, early.go); startShared zeroes it.
	progress atomic.Int32
	track    bool
	helped   atomic.Int64 // pieces run by helpers, ever (tests)
	// The owner, waiting for pieces a helper holds, spins for a while and
	// then blocks (a helper descheduled by the OS may hold its piece for
	// milliseconds): it says so in waiting first, and the helper that
	// finishes the last piece sends a token on wake.
	waiting atomic.Bool
	wake    chan struct{} // buffered; made by the first startShared
}

// pieces returns the pieces a product step is run as, or nil to run it
// whole: its blocks (masked.go), or ranges of shareCols columns. A piece
// computes exactly what the whole product computes for its elements: the
// matrix kernels sum each element in an order that depends only on k,
// except the ones for at most 4 columns, so no piece is that narrow
// unless the product is; and no piece needs the Exec's one transpose
// scratch.
func pieces[T Float](e *Exec[T], s *step[T], tA, tB bool, k int) []gemmBlock {
	if !sharing || s.rows*s.cols*k < shareMin {
		return nil
	}
	if s.blocks != nil {
		for _, b := range s.blocks {
			if e.k.scratch(tA, tB, b.m1-b.m0, b.n1-b.n0, b.k1-b.k0) {
				return nil
			}
		}
		return s.blocks
	}
	if s.cols < 2*shareCols {
		return nil
	}
	var ps []gemmBlock
	for n0, n1 := 0, 0; n0 < s.cols; n0 = n1 {
		n1 = n0 + shareCols
		if s.cols-n1 < shareCols/4 {
			n1 = s.cols // no narrow last piece
		}
		if e.k.scratch(tA, tB, s.rows, n1-n0, k) {
			return nil
		}
		ps = append(ps, gemmBlock{0, s.rows, n0, n1, 0, k})
	}
	return ps
}

// idle is the word of a shard with no product published: a step index
// past the end.
func (e *Exec[T]) idle() uint64 { return uint64(len(e.steps)) << 32 }

// startShared readies e for a run whose products others may help with;
// the caller calls it before the team starts.
func (e *Exec[T]) startShared() {
	e.share.word.Store(e.idle())
	e.share.finished.Store(false)
	e.share.progress.Store(0)
	if e.share.wake == nil {
		e.share.wake = make(chan struct{}, 1)
	}
}

// testPublished, if set, is called after a product is published, before
// its owner claims a piece: tests wait there for a helper.
var testPublished func(*share)

// runShared runs product step i of the main program piece by piece,
// with whoever helps, and returns when every piece is done.
func (e *Exec[T]) runShared(i int) {
	s := &e.steps[i]
	sh := &e.share
	n := uint32(len(s.pieces))
	sh.done.Store(0)
	e.rowwiseStart(s) // before any piece is published
	sh.word.Store(uint64(i) << 32)
	if testPublished != nil {
		testPublished(sh)
	}
	tA, tB := s.flags&ir.TransA != 0, s.flags&ir.TransB != 0
	for {
		c := uint32(sh.word.Add(1) - 1)
		if c >= n {
			break
		}
		e.gemmBlock(s, s.pieces[c], tA, tB)
		sh.done.Add(1)
	}
	sh.waitDone(n)
	sh.word.Store(e.idle())
	e.biasAfter(s)
}

// waitDone returns when n pieces of the published product are done: it
// spins for a while, then blocks until the helper that finishes the last
// piece wakes it.
func (sh *share) waitDone(n uint32) {
	for s := 0; s < spinLimit && uint32(sh.done.Load()) < n; s++ {
	}
	if uint32(sh.done.Load()) >= n {
		return
	}
	sh.waiting.Store(true)
	for uint32(sh.done.Load()) < n {
		<-sh.wake
	}
	sh.waiting.Store(false)
}

// help runs pieces of e's published product until it has none left
// unclaimed; it reports whether e's program is still running, and how
// many pieces it ran. It may run at any time, even while the owner
// prepares its next run: it only claims a piece of a published product,
// published after the product's operands were written.
func (e *Exec[T]) help() (running bool, ran int) {
	sh := &e.share
	for {
		if sh.finished.Load() {
			return false, ran
		}
		w := sh.word.Load()
		i, c := int(w>>32), int(uint32(w))
		if i >= len(e.steps) {
			return true, ran
		}
		s := &e.steps[i]
		if c >= len(s.pieces) || !sh.word.CompareAndSwap(w, w+1) {
			return true, ran
		}
		e.gemmBlock(s, s.pieces[c], s.flags&ir.TransA != 0, s.flags&ir.TransB != 0)
		sh.helped.Add(1)
		ran++
		if uint32(sh.done.Add(1)) == uint32(len(s.pieces)) && sh.waiting.Load() {
			select {
			case sh.wake <- struct{}{}:
			default:
			}
		}
	}
}

// helpParts is a team member's idle work in a run of parts (team.idle):
// one pass running pieces of the products the parts are running. It
// reports whether it ran any. Which member runs a piece does not change
// what it computes.
func helpParts(parts []part) bool {
	ran := 0
	for _, p := range parts {
		_, n := p.help()
		ran += n
	}
	return ran > 0
}
