package runtime

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestPlanSlab checks that plan carves the buffers it allocates from one
// slab, in the order it allocates them, each at a cache line: the
// layout of a program's memory then does not depend on which of Go's
// processors allocated it (bench/README.md, the sixteenth session).
func TestPlanSlab(t *testing.T) {
	m, ps := probeMAF(t, 8, 32)
	ps.float32Views()
	check := func(name string, fresh [][]byte) {
		t.Helper()
		if len(fresh) < 10 {
			t.Fatalf("%s: %d fresh buffers; want a trainer's many", name, len(fresh))
		}
		next := uintptr(0)
		for i, b := range fresh {
			if len(b) == 0 {
				continue
			}
			at := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
			if at%64 != 0 {
				t.Errorf("%s: buffer %d at %#x, not at a cache line", name, i, at)
			}
			if next != 0 && at != next {
				t.Errorf("%s: buffer %d at %#x; want %#x, right after buffer %d", name, i, at, next, i-1)
			}
			next = at + (uintptr(len(b))+63)/64*64
		}
	}
	for _, rows := range []int{1, 3, 64} {
		e64 := newExec[float64](m.Grad, ps, rows, rand.New(rand.NewPCG(1, 1)), nil)
		check("float64", e64.freshBytes()[:len(e64.fresh)])
		e32 := newExec[float32](m.Grad, ps, rows, rand.New(rand.NewPCG(1, 1)), nil)
		check("float32", e32.freshBytes()[:len(e32.fresh)])
	}
}
