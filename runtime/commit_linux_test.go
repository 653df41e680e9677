package runtime

import (
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
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

// TestCommitPages: commitPages maps every page of fresh buffers (the
// resident set grows by their size) and leaves them zero.
func TestCommitPages(t *testing.T) {
	const n = 16 << 20 // float32s: 64 MiB
	a, b := make([]float32, n), make([]float32, n/2+3)
	before := residentBytes(t)
	commitPages([][]byte{bytesOf(a), bytesOf(b)[5:]})
	grew := residentBytes(t) - before
	if want := 4 * (n + n/2) * 9 / 10; grew < want {
		t.Errorf("resident set grew by %d bytes, want at least %d", grew, want)
	}
	for i, x := range a {
		if x != 0 {
			t.Fatalf("a[%d] = %v after commitPages", i, x)
		}
	}
}

// TestTrainerCommitted: a trainer's first step maps no new memory: the
// buffers its steps write were committed when it was built.
func TestTrainerCommitted(t *testing.T) {
	const dim, batch = 128, 128
	m := madeModel(t, 2, 1024, dim)
	for _, dt := range []DType{Float32, Float64} {
		ps := NewParams(m.Params)
		ps.DType = dt
		ps.ZeroMasked(m.Forward, m.Inverse, m.LogProb, m.Loss, m.Grad)
		ps.Init(rand.New(rand.NewPCG(1, 1)))
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
