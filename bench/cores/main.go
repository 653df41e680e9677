//go:build linux

// Command cores measures what a cache line costs between this machine's
// cores, the figures behind the team's claiming from both ends and the
// early update (bench/README.md, seventeenth session): the round trip of
// a line that two threads pinned to two CPUs write in turn, and the
// speed at which one CPU reads 512 KiB that it wrote itself (in its
// caches), that it wrote before 3 MiB of other writes, that it wrote
// before 64 MiB (from memory), and that the other CPU wrote (in the
// other core's caches). Medians of 30 rounds. Linux only (it pins threads
// with sched_setaffinity).
//
//	go run ./bench/cores [-a 0] [-b 1]
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

var (
	cpuA = flag.Int("a", 0, "the first CPU")
	cpuB = flag.Int("b", 1, "the second CPU")
)

func main() {
	flag.Parse()
	if runtime.NumCPU() < 2 {
		fmt.Fprintln(os.Stderr, "cores: one CPU: nothing to measure")
		os.Exit(1)
	}
	fmt.Printf("CPUs %d and %d, %s\n", *cpuA, *cpuB, time.Now().UTC().Format(time.RFC3339))
	pingPong()
	reads()
}

// onCPU runs f on a goroutine locked to a thread pinned to cpu, and
// waits for it.
func onCPU(cpu int, f func()) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		runtime.LockOSThread()
		var s unix.CPUSet
		s.Set(cpu)
		if err := unix.SchedSetaffinity(0, &s); err != nil {
			fmt.Fprintln(os.Stderr, "cores:", err)
			os.Exit(1)
		}
		f()
	}()
	wg.Wait()
}

// pingPong prints the median round trip of a line written in turn by a
// thread on each CPU.
func pingPong() {
	const n = 200000
	var flag atomic.Int64
	var trips []time.Duration
	for range 7 {
		flag.Store(0)
		var wg sync.WaitGroup
		wg.Add(2)
		t0 := time.Now()
		for k, cpu := range []int{*cpuA, *cpuB} {
			go func() {
				defer wg.Done()
				onCPU(cpu, func() {
					for i := int64(0); i < n; i++ {
						for flag.Load() != 2*i+int64(k) {
						}
						flag.Store(2*i + int64(k) + 1)
					}
				})
			}()
		}
		wg.Wait()
		trips = append(trips, time.Since(t0)/n)
	}
	fmt.Printf("round trip of a cache line between the CPUs: %v (median of 7 runs of %d)\n", median(trips), n)
}

var sink float32

// reads prints the speed of one CPU's reads of 512 KiB by where the data
// was written last.
func reads() {
	const size = 512 << 10
	b := make([]float32, size/4)
	evict := make([]float32, 64<<20/4)
	write := func(x []float32, v float32) {
		for i := range x {
			x[i] = v
		}
	}
	read := func() time.Duration {
		t0 := time.Now()
		var s float32
		for i := 0; i < len(b); i += 16 { // one load a line
			s += b[i]
		}
		sink += s
		return time.Since(t0)
	}
	var own, l3, mem, remote []time.Duration
	for range 30 {
		onCPU(*cpuB, func() { write(b, 1); own = append(own, read()) })
		onCPU(*cpuB, func() { write(b, 2); write(evict[:3<<20/4], 1); l3 = append(l3, read()) })
		onCPU(*cpuB, func() { write(b, 3); write(evict, 1); mem = append(mem, read()) })
		onCPU(*cpuA, func() { write(b, 4) })
		onCPU(*cpuB, func() { remote = append(remote, read()) })
	}
	gbs := func(d time.Duration) float64 { return float64(size) / float64(d.Nanoseconds()) }
	for _, r := range []struct {
		what string
		ds   []time.Duration
	}{
		{"written by itself just before", own},
		{"written by itself, then 3 MiB of other writes", l3},
		{"written by itself, then 64 MiB of other writes (memory)", mem},
		{"written by the other CPU", remote},
	} {
		m := median(r.ds)
		fmt.Printf("CPU %d reads 512 KiB %-58s %8v  %5.1f GB/s\n", *cpuB, r.what+":", m, gbs(m))
	}
}

func median(ds []time.Duration) time.Duration {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[len(ds)/2]
}
