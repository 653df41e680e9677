package runtime

import (
	"math/rand/v2"
	"testing"
	"unsafe"
	"weak"
)

// TestPlanSlab checks that plan carves the buffers it allocates from one
// slab, in the order it allocates them, each at a cache line, or at a
// page if it fills one: the layout of a program's memory then does not
// depend on which of Go's processors allocated it (bench/README.md, the
// sixteenth session). A masked weight lent to other programs
// (sharedMasked) is the exception: an allocation of its own, so that a
// borrower keeps only it alive.
func TestPlanSlab(t *testing.T) {
	m, ps := probeMAF(t, 8, 32)
	ps.float32Views()
	// lent returns the addresses of the masked weights lent so far.
	lent := func() map[uintptr]bool {
		out := map[uintptr]bool{}
		ps.mu.Lock()
		defer ps.mu.Unlock()
		for _, r := range ps.masked {
			switch w := r.p.(type) {
			case weak.Pointer[float64]:
				out[uintptr(unsafe.Pointer(w.Value()))] = true
			case weak.Pointer[float32]:
				out[uintptr(unsafe.Pointer(w.Value()))] = true
			}
		}
		return out
	}
	check := func(name string, fresh [][]byte, wantLent bool) {
		t.Helper()
		if len(fresh) < 6 { // enough to check their layout (steps that write over an operand take none)
			t.Fatalf("%s: %d fresh buffers; want a trainer's many", name, len(fresh))
		}
		isLent := lent()
		first, next := uintptr(0), uintptr(0)
		pages, nlent := 0, 0
		var lentAt []uintptr
		for i, b := range fresh {
			if len(b) == 0 {
				continue
			}
			at := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
			if isLent[at] {
				nlent++
				lentAt = append(lentAt, at)
				continue
			}
			align := uintptr(64)
			if len(b) >= 4096 {
				align = 4096
				pages++
			}
			if at%align != 0 {
				t.Errorf("%s: buffer %d of %d bytes at %#x, not at a multiple of %d", name, i, len(b), at, align)
			}
			if want := (next + align - 1) / align * align; next != 0 && at != want {
				t.Errorf("%s: buffer %d at %#x; want %#x, right after buffer %d", name, i, at, want, i-1)
			}
			if first == 0 {
				first = at
			}
			next = at + uintptr(len(b))
		}
		if pages == 0 {
			t.Errorf("%s: no buffer of a page or more", name)
		}
		if wantLent && nlent == 0 {
			t.Errorf("%s: no masked weight lent", name)
		}
		for _, at := range lentAt {
			if at >= first && at < next {
				t.Errorf("%s: a lent masked weight at %#x, inside the slab [%#x, %#x)", name, at, first, next)
			}
		}
	}
	for _, rows := range []int{64, 200} {
		e64 := newExec[float64](m.Grad, ps, rows, rand.New(rand.NewPCG(1, 1)), nil)
		check("float64 gradient", e64.freshBytes()[:len(e64.fresh)], true)
		l64 := newExec[float64](m.LogProb, ps, rows, rand.New(rand.NewPCG(1, 1)), nil)
		check("float64 log-prob", l64.freshBytes()[:len(l64.fresh)], false)
		e32 := newExec[float32](m.Grad, ps, rows, rand.New(rand.NewPCG(1, 1)), nil)
		check("float32 gradient", e32.freshBytes()[:len(e32.fresh)], true)
		l32 := newExec[float32](m.LogProb, ps, rows, rand.New(rand.NewPCG(1, 1)), nil)
		check("float32 log-prob", l32.freshBytes()[:len(l32.fresh)], false)
	}
}
