package runtime

import (
	"math"
	"syscall"
	"testing"
	"unsafe"
)

// TestAddSquaresGuarded runs addSquares on runs that start at the first
// byte of a page whose previous page is unmapped, and that end at the
// last byte of a page whose next page is unmapped: the vector kernel
// reads the first and last groups of eight under a lane mask, and a read
// of a lane outside the run would fault. Every length up to 17 and every
// place mod 8, both dtypes; the sums must match the plain definition.
func TestAddSquaresGuarded(t *testing.T) {
	page := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 3*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	defer syscall.Munmap(mem)
	if err := syscall.Mprotect(mem[:page], syscall.PROT_NONE); err != nil {
		t.Skipf("mprotect: %v", err)
	}
	if err := syscall.Mprotect(mem[2*page:], syscall.PROT_NONE); err != nil {
		t.Skipf("mprotect: %v", err)
	}
	mid := mem[page : 2*page]
	f64 := unsafe.Slice((*float64)(unsafe.Pointer(&mid[0])), page/8)
	f32 := unsafe.Slice((*float32)(unsafe.Pointer(&mid[0])), page/4)
	check := func(name string, got, want [8]float64) {
		t.Helper()
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("%s: sum %d = %v, want %v", name, i, got[i], want[i])
			}
		}
	}
	for n := 1; n <= 17; n++ {
		for at := range 8 {
			for _, end := range []bool{false, true} {
				x64, x32 := f64[:n], f32[:n]
				if end {
					x64, x32 = f64[len(f64)-n:], f32[len(f32)-n:]
				}
				for j := range x64 {
					x64[j] = float64(j + 1)
				}
				var got, want [8]float64
				for j, v := range x64 {
					want[(at+j)%8] += v * v
				}
				addSquares(&got, x64, at)
				check("float64", got, want)
				for j := range x32 {
					x32[j] = float32(j + 2)
				}
				got, want = [8]float64{}, [8]float64{}
				for j, v := range x32 {
					want[(at+j)%8] += float64(v) * float64(v)
				}
				addSquares(&got, x32, at)
				check("float32", got, want)
			}
		}
	}
}
