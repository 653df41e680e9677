// Command fmapeak measures the machine's vector FMA limit: the
// floating-point operations a second that fused multiply-adds on
// registers alone sustain, on each of -threads thread counts, in float32
// and float64, with the widest vectors the CPU has (AVX-512, else AVX2;
// -isa chooses). No program reaches it; it is the ceiling the useful-FLOP
// shares of issue 22 stand under, and it tells a slower machine from
// slower code: a product kernel at 90 % of it has nothing left to gain
// from its inner loop, whatever its share of OpenBLAS's rate
// (bench/README.md). Each figure is the best of -reps timings of about
// 20 ms: threads run side by side, each locked to its own OS thread, and
// a timing is all of their operations over the time until the last one
// finishes. One JSON line a measure, as bench/gemm/openblas.py prints:
//
//	go run ./bench/fmapeak [-threads 1,2] [-reps 7] [-dtypes float32,float64] [-isa avx512|avx2]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

var (
	flagThreads = flag.String("threads", "1,2", "thread counts to measure, comma-separated")
	flagReps    = flag.Int("reps", 7, "timings per measure; the best is printed")
	flagDtypes  = flag.String("dtypes", "float32,float64", "dtypes to measure, comma-separated")
	flagISA     = flag.String("isa", "", "the instruction set: avx512 or avx2 (default: the widest the CPU has)")
)

// result is one measure's JSON line.
type result struct {
	Dtype   string  `json:"dtype"`
	ISA     string  `json:"isa"`
	Threads int     `json:"threads"`
	Seconds float64 `json:"seconds"`
	GFLOPs  float64 `json:"gflops"`
}

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "fmapeak:", err)
		os.Exit(1)
	}
}

func run() error {
	k, err := choose(*flagISA)
	if err != nil {
		return err
	}
	threads, err := counts(*flagThreads)
	if err != nil {
		return fmt.Errorf("-threads: %v", err)
	}
	if *flagReps < 1 {
		return fmt.Errorf("-reps %d: at least 1", *flagReps)
	}
	dtypes := strings.Split(*flagDtypes, ",")
	for _, dt := range dtypes {
		if dt != "float32" && dt != "float64" {
			return fmt.Errorf("-dtypes: %q is neither float32 nor float64", dt)
		}
	}
	runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0), slices.Max(threads)))
	enc := json.NewEncoder(os.Stdout)
	for _, dt := range dtypes {
		loop := k.f32
		if dt == "float64" {
			loop = k.f64
		}
		for _, t := range threads {
			secs, flops := measure(loop, k.flopsPerIter(dt), t, *flagReps)
			rate := flops / secs / 1e9
			if math.IsInf(rate, 0) || math.IsNaN(rate) || secs <= 0 {
				return fmt.Errorf("%s on %d threads: %g operations in %g s", dt, t, flops, secs)
			}
			if err := enc.Encode(result{Dtype: dt, ISA: k.isa, Threads: t, Seconds: secs, GFLOPs: rate}); err != nil {
				return err
			}
		}
	}
	return nil
}

// kernels are one instruction set's loops: each runs n iterations
// of fmas fused multiply-adds on vectors of bytes bytes.
type kernels struct {
	isa      string
	f32, f64 func(n int)
	fmas     int
	bytes    int
}

// choose returns the loops of instruction set isa, or of the widest the
// CPU and the operating system support if isa is "".
func choose(isa string) (*kernels, error) {
	ks := available()
	if len(ks) == 0 {
		return nil, fmt.Errorf("this CPU has neither AVX-512 nor AVX2 with FMA (or the loops are not written for %s)", runtime.GOARCH)
	}
	if isa == "" {
		return ks[0], nil
	}
	for _, k := range ks {
		if k.isa == isa {
			return k, nil
		}
	}
	return nil, fmt.Errorf("-isa %s: not available here", isa)
}

// flopsPerIter is an iteration's floating-point operations in dtype: two
// per lane per multiply-add.
func (k *kernels) flopsPerIter(dt string) float64 {
	size := 4
	if dt == "float64" {
		size = 8
	}
	return float64(2 * k.fmas * k.bytes / size)
}

// iters is one timing's iterations a thread: ~20 ms at 4 GHz and one
// multiply-add a cycle.
const iters = 5_000_000

// warm is the iterations each thread runs before the gate opens: about
// half a millisecond, so that vector units that power up or change their
// clock on first use (some Intel cores take up to that long) are ready
// when the timing starts.
const warm = 100_000

// measure times loop on threads threads side by side, reps times, and
// returns the best timing's seconds and the floating-point operations
// all the threads did in it.
func measure(loop func(int), perIter float64, threads, reps int) (float64, float64) {
	bestSecs := 0.0
	for range reps {
		var start, done sync.WaitGroup
		start.Add(threads)
		done.Add(threads)
		gate := make(chan struct{})
		for range threads {
			go func() {
				defer done.Done()
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				loop(warm)
				start.Done()
				<-gate
				loop(iters)
			}()
		}
		start.Wait()
		t := time.Now()
		close(gate)
		done.Wait()
		if s := time.Since(t).Seconds(); bestSecs == 0 || s < bestSecs {
			bestSecs = s
		}
	}
	return bestSecs, perIter * iters * float64(threads)
}

// counts parses a comma-separated list of thread counts, each at least 1.
func counts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 1024 {
			return nil, fmt.Errorf("thread count %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}
