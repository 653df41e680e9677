package runtime

import (
	goruntime "runtime"
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
