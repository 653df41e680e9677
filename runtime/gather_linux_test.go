package runtime

import (
	"sync"
	"syscall"
	"unsafe"
)

// guarded is memory followed by a page the process may not read.
var guarded struct {
	once sync.Once
	mem  []byte // the readable part
}

// atMemoryEnd returns a copy of x that ends where an inaccessible page
// begins, so that a read past its end faults; the copy is valid until
// the next call. x holds at most 64 KiB.
func atMemoryEnd[T Float](x []T) []T {
	guarded.once.Do(func() {
		const n = 64 << 10
		page := syscall.Getpagesize()
		mem, err := syscall.Mmap(-1, 0, n+page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			panic(err)
		}
		if err := syscall.Mprotect(mem[n:], syscall.PROT_NONE); err != nil {
			panic(err)
		}
		guarded.mem = mem[:n]
	})
	if len(x) == 0 {
		return x
	}
	size := int(unsafe.Sizeof(x[0]))
	if len(x)*size > len(guarded.mem) {
		panic("atMemoryEnd: more than 64 KiB")
	}
	y := unsafe.Slice((*T)(unsafe.Pointer(&guarded.mem[len(guarded.mem)-len(x)*size])), len(x))
	copy(y, x)
	return y
}
