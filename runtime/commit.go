package runtime

import (
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// A trainer's buffers are planned and allocated once, but Go takes large
// allocations from the OS untouched, already zero, and the OS maps each
// page only at its first write. On the machine of bench/README.md (a
// virtual machine) a page's first write costs about 10 µs (a C program
// writing one byte per 4 KiB page of a fresh 256 MiB mapping: 10.7–10.9 µs
// a page on one thread, 1.7× faster on two), and the 784-d MAF's first
// training step took 200–300 ms instead of 26: its shards' gradients and
// Adam's moments, ~150 MB, were written there for the first time. So a
// trainer commits the buffers its steps write when it is built
// (commitPages), on every core, and its first step runs at the speed of
// the others: the time a progress report or an estimate sees is the
// training's, and the pages cost less wall time than the step's one
// writer would pay.

// commitPage is the stride of commitPages' writes: the smallest page size
// of the platforms Go runs on.
const commitPage = 4 << 10

// commitPiece is how many bytes one goroutine commits at a time.
const commitPiece = 1 << 20

// bytesOf returns the memory of b as bytes.
func bytesOf[T Float](b []T) []byte {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(b))), len(b)*int(unsafe.Sizeof(b[0])))
}

// commitPages writes a zero into every page of bufs, whose elements must
// all be zero and which nothing else may be using: the write changes no
// value, but makes the OS map the page. The pieces are shared among up to
// GOMAXPROCS goroutines.
func commitPages(bufs [][]byte) {
	var pieces [][]byte
	for _, b := range bufs {
		for lo := 0; lo < len(b); lo += commitPiece {
			pieces = append(pieces, b[lo:min(lo+commitPiece, len(b))])
		}
	}
	var next atomic.Int64
	work := func() {
		for {
			j := int(next.Add(1)) - 1
			if j >= len(pieces) {
				return
			}
			b := pieces[j]
			for i := 0; i < len(b); i += commitPage {
				b[i] = 0
			}
			b[len(b)-1] = 0 // the last page, where b starts inside its first
		}
	}
	n := min(goruntime.GOMAXPROCS(0), len(pieces))
	var wg sync.WaitGroup
	for range n - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
}

// freshBytes returns the memory of the buffers the program's steps write
// (plan's fresh) and of its products' scratch.
func (e *Exec[T]) freshBytes() [][]byte {
	out := make([][]byte, 0, len(e.fresh)+3)
	for _, b := range e.fresh {
		out = append(out, bytesOf(b))
	}
	return append(out, bytesOf(e.scratch), bytesOf(e.rowA), bytesOf(e.rowC))
}

func (pt *execPart[T]) freshBytes() [][]byte { return pt.exec.freshBytes() }

// freshBytes returns the memory of the moments, the joint gradients and
// the scratch blocks.
func (o *optState[T]) freshBytes() [][]byte {
	out := append([][]byte{bytesOf(o.m), bytesOf(o.v)}, o.js.freshBytes()...)
	for _, b := range o.scratch {
		out = append(out, bytesOf(b))
	}
	return out
}

// commit writes the pages of the buffers the trainer's steps write, which
// are all zero until its first step (commitPages).
func (t *Trainer) commit() {
	bufs := t.upd.freshBytes()
	for _, p := range t.parts {
		bufs = append(bufs, p.freshBytes()...)
	}
	commitPages(bufs)
}
