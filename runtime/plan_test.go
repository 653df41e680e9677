package runtime

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestPlanSlab checks that plan carves the buffers it allocates from one
// slab, in the order it allocates them, each at a cache line, or at a
// page if it fills one: the layout of a program's memory then does not
// depend on which of Go's processors allocated it (bench/README.md, the
// sixteenth session).
func TestPlanSlab(t *testing.T) {
	m, ps := probeMAF(t, 8, 32)
	ps.float32Views()
	check := func(name string, fresh [][]byte) {
		t.Helper()
		pages := 0
		if len(fresh) < 10 {
			t.Fatalf("%s: %d fresh buffers; want a trainer's many", name, len(fresh))
		}
		next := uintptr(0)
		for i, b := range fresh {
			if len(b) == 0 {
				continue
			}
			at := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
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
			next = at + uintptr(len(b))
		}
		if pages == 0 {
			t.Errorf("%s: no buffer of a page or more", name)
		}
	}
	for _, rows := range []int{64, 200} {
		e64 := newExec[float64](m.Grad, ps, rows, rand.New(rand.NewPCG(1, 1)), nil)
		check("float64", e64.freshBytes()[:len(e64.fresh)])
		e32 := newExec[float32](m.Grad, ps, rows, rand.New(rand.NewPCG(1, 1)), nil)
		check("float32", e32.freshBytes()[:len(e32.fresh)])
	}
}
