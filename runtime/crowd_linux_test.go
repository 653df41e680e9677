package runtime

import (
	"os"
	goruntime "runtime"
	"syscall"
	"testing"
	"time"
)

// TestWaited checks the calling thread's share of waits: unknown at a
// thread's first reading, then a share between 0 and 1 (a shared test
// machine cannot promise more), and nothing allocated, on a thread known
// or new.
func TestWaited(t *testing.T) {
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	forget := func() {
		threads.mu.Lock()
		for i := range threads.slots {
			threads.slots[i].close()
		}
		threads.mu.Unlock()
	}
	forget()
	if _, ok := waited(); ok {
		t.Fatal("the first reading is known; want unknown")
	}
	for s := time.Now(); time.Since(s) < 5*time.Millisecond; {
	}
	share, ok := waited()
	if !ok || share < 0 || share > 1 {
		t.Fatalf("waited() = %v, %v; want a share in [0, 1]", share, ok)
	}
	if a := testing.AllocsPerRun(100, func() { waited() }); a != 0 {
		t.Fatalf("waited allocates %v times a call", a)
	}
	if a := testing.AllocsPerRun(100, func() { forget(); waited() }); a != 0 {
		t.Fatalf("waited allocates %v times a call on a new thread", a)
	}
	forget()
}

// TestPreadRaw checks the raw read the looks use: the start of the file
// at every call (the offset is 0, not the file's position), as
// os.ReadFile reads it, false on an invalid descriptor, and nothing
// allocated.
func TestPreadRaw(t *testing.T) {
	fd, err := syscall.Open("/proc/self/stat", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	want, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Fatal(err)
	}
	var buf [16]byte
	for range 3 {
		n, ok := preadRaw(fd, buf[:])
		if !ok || n != len(buf) || string(buf[:n]) != string(want[:len(buf)]) {
			t.Fatalf("preadRaw = %q, %v; want %q, true", buf[:n], ok, want[:len(buf)])
		}
	}
	if a := testing.AllocsPerRun(100, func() { preadRaw(fd, buf[:]) }); a != 0 {
		t.Fatalf("preadRaw allocates %v times a call", a)
	}
	syscall.Close(fd)
	// Not fd again: another test's open may have taken its number.
	if _, ok := preadRaw(-1, buf[:]); ok {
		t.Fatal("preadRaw on an invalid descriptor succeeded")
	}
}
