package runtime

import (
	"math/rand/v2"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// residentBytes is the process's resident set (/proc/self/statm).
func residentBytes(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	pages, err := strconv.Atoi(f[1])
	if err != nil {
		t.Fatal(err)
	}
	return pages * os.Getpagesize()
}

// TestCommitPages: commitPages maps every page a buffer touches, the one
// its last byte is in too when it starts inside a page, and no other,
// and leaves the bytes zero. The buffer is a fresh anonymous mapping
// (Go's heap may hand out pages that are resident already); which pages
// are resident, mincore says.
func TestCommitPages(t *testing.T) {
	page := os.Getpagesize()
	const pages = 64
	mem, err := syscall.Mmap(-1, 0, (pages+2)*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(mem)
	resident := func() []bool {
		vec := make([]byte, pages+2)
		if _, _, e := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(&mem[0])), uintptr(len(mem)), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
			t.Fatal(e)
		}
		out := make([]bool, len(vec))
		for i, v := range vec {
			out[i] = v&1 != 0
		}
		return out
	}
	if r := resident(); slices.Contains(r, true) {
		t.Fatalf("a fresh mapping has resident pages: %v", r)
	}
	buf := mem[100 : pages*page+50] // pages 0 to pages, the last by its last bytes only
	commitPages([][]byte{buf[:len(buf)/3], buf[len(buf)/3:]})
	r := resident()
	for p, in := range r {
		if want := p <= pages; in != want {
			t.Errorf("page %d resident: %v, want %v", p, in, want)
		}
	}
	for i, x := range mem {
		if x != 0 {
			t.Fatalf("byte %d = %d after commitPages", i, x)
		}
	}
}

// TestTrainerCommitted: a trainer's first step maps no new memory: the
// buffers its steps write were committed when it was built.
func TestTrainerCommitted(t *testing.T) {
	if raceDetector {
		t.Skip("the race detector maps shadow memory as the step runs")
	}
	const dim, batch = 128, 128
	m := madeModel(t, 2, 1024, dim)
	for _, dt := range []DType{Float32, Float64} {
		ps := NewParams(m.Params)
		ps.DType = dt
		ps.ZeroMasked(m.Forward, m.Inverse, m.LogProb, m.Loss, m.Grad)
		ps.Init(rand.New(rand.NewPCG(1, 1)))
		debug.FreeOSMemory() // fresh pages for the trainer, not freed ones still resident
		tr, err := NewTrainer(m.Grad, ps, randomRows(500, dim, 11), dim, batch, DefaultAdam(1e-3), rand.New(rand.NewPCG(2, 2)))
		if err != nil {
			t.Fatal(err)
		}
		before := residentBytes(t)
		tr.Step()
		grew := residentBytes(t) - before
		tr.Close()
		// The step writes ~2 MB of gradients per shard and ~2 MB of
		// moments (float32); 256 KiB is room for the runtime's own.
		if grew > 256<<10 {
			t.Errorf("%v: the first step grew the resident set by %d KiB", dt, grew>>10)
		}
	}
}
