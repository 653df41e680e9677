package dataset

import (
	"math"
	"os"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestWillNeed: WillNeed on a streamed .npy file brings the rows asked
// for into the page cache in the background, and no others far from
// them: the file's pages are dropped from the cache (POSIX_FADV_DONTNEED
// after an fsync), WillNeed asks for 1 MiB of rows in its middle, and
// mincore on a mapping of the file (which maps without reading) must
// show those pages resident within a few seconds, and the file's last
// pages still not. It asks through a Table and a selection of columns
// too, allocates nothing (the pool announces a stage every few steps
// of a training run that allocates nothing a step), and ignores rows
// outside the file and sources in memory.
func TestWillNeed(t *testing.T) {
	const cols = 4
	rows := 4 << 20 / (8 * cols) * 4 // 16 MiB of float64
	values := make([]float64, rows*cols)
	for i := range values {
		values[i] = math.Sqrt(float64(i))
	}
	path := writeTemp(t, "big.npy", npyBytes(t, values, cols, false))
	n, err := OpenNPY(path)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.f.Sync(); err != nil {
		t.Fatal(err)
	}
	size := n.off + n.Bytes()
	if err := unix.Fadvise(n.fd, 0, size, unix.FADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
	m, err := unix.Mmap(n.fd, 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	page := os.Getpagesize()
	resident := func(off, end int64) (in, all int) {
		lo := int(off) / page * page
		vec := make([]byte, (int(end)-lo+page-1)/page)
		if _, _, e := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[lo])), uintptr(int(end)-lo), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
			t.Fatal(e)
		}
		for _, v := range vec {
			in += int(v & 1)
		}
		return in, len(vec)
	}
	tail := size - 1<<20
	if in, _ := resident(n.off, size); in > 0 {
		t.Skipf("%d pages of the file stay in the page cache after POSIX_FADV_DONTNEED (a file system that keeps them, such as tmpfs): nothing to announce", in)
	}
	lo, hi := rows/2, rows/2+(1<<20)/(8*cols)
	from, to := n.off+int64(lo)*int64(n.rowBytes), n.off+int64(hi)*int64(n.rowBytes)
	sel := &Table{Rows: rows, Cols: 2, Src: Columns(n, []int{2, 0})}
	mem := &Table{Rows: 1, Cols: 1, Values: []float64{1}}
	if a := testing.AllocsPerRun(10, func() {
		WillNeed(sel, lo, hi)
		WillNeed(n, -1, 5)
		WillNeed(n, rows-1, rows+1)
		WillNeed(mem, 0, 1)
	}); a != 0 {
		t.Errorf("WillNeed allocates %v times", a)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		in, all := resident(from, to)
		if in == all {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("5 s after WillNeed, %d of the %d pages of the rows asked for are in the page cache", in, all)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if in, all := resident(tail, size); in == all {
		t.Errorf("the file's last MiB, not asked for, is in the page cache too (%d pages)", in)
	}
}
