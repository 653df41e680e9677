package runtime

import (
	"fmt"
	"math/rand/v2"
	"os"
	goruntime "runtime"
	"slices"
	"testing"
	"time"

	"github.com/noxlang/nox/compiler/ir"
)

// TestProbeProducts is a measuring tool, run only with NOX_PROBE=1 (go
// test ./runtime -run ProbeProducts -v): for one training shard of the
// digits (128 rows) and 784-d (64 rows) MAFs in float32 (float64 with
// NOX_PROBE_DTYPE=float64), it times each
// product on one thread (thread CPU time, the minimum of 25 runs, less a
// timer read) and prints its shape and transposes, its useful and
// computed multiply-adds, and its rate in GFLOP/s of each: where the
// products' time goes, and which run far from the kernels' best.
func TestProbeProducts(t *testing.T) {
	probeOnly(t)
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	if os.Getenv("NOX_PROBE_DTYPE") == "float64" {
		probeProducts[float64](t)
		return
	}
	probeProducts[float32](t)
}

func probeProducts[T Float](t *testing.T) {
	for _, c := range []struct{ dim, hidden, rows int }{{64, 512, 128}, {784, 1024, 64}} {
		m, ps := probeMAF(t, c.dim, c.hidden)
		if _, ok := any(T(0)).(float32); ok {
			ps.float32Views()
		} else {
			ps.DType = Float64
		}
		e := newExec[T](splitGradScales(m.Grad), ps, c.rows, rand.New(rand.NewPCG(1, 1)), nil)
		e.Run()
		q := e.prog
		static, outMasks := staticValues(q), outputMasks(q)
		cost := timerCost()
		best := make([]time.Duration, len(e.steps))
		all := make([][]time.Duration, len(e.steps))
		for range 25 {
			for i := range e.pre {
				e.exec(&e.pre[i])
			}
			for i := range e.steps {
				t0 := threadTime()
				e.exec(&e.steps[i])
				d := max(threadTime()-t0-cost, 0)
				if best[i] == 0 || d < best[i] {
					best[i] = d
				}
				all[i] = append(all[i], d)
			}
		}
		var tUse, tComp, tTime, tMed float64
		fmt.Printf("D=%d, %d rows, %T, one thread:\n", c.dim, c.rows, T(0))
		fmt.Printf("    %-5s %-16s %2s %8s %8s %8s %8s %8s %8s %6s\n", "step", "m×n×k", "tr", "useful M", "comp M", "µs", "µs med", "GF/s use", "GF/s cmp", "blocks")
		if os.Getenv("NOX_PROBE_ELEM") == "1" {
			for i, s := range e.steps {
				if isProduct(s.op) {
					continue
				}
				us := float64(best[i].Nanoseconds()) / 1e3
				fmt.Printf("    %-5d %-10s %5d×%-5d a=%d b=%d %8.2f µs %6.3f ns/elem\n", i, s.op, len(s.out)/max(1, s.cols), s.cols, len(s.a), len(s.b), us, us*1e3/float64(max(1, len(s.out))))
			}
		}
		for i, s := range e.steps {
			if !isProduct(s.op) {
				continue
			}
			in := q.Instrs[s.value]
			full, comp, useful := productMACs(q, static, outMasks, &e.steps[i])
			k := int(full) / (s.rows * s.cols)
			tr := ""
			if in.Int&ir.TransA != 0 {
				tr += "A"
			}
			if in.Int&ir.TransB != 0 {
				tr += "B"
			}
			us := float64(best[i].Nanoseconds()) / 1e3
			slices.Sort(all[i])
			med := float64(all[i][len(all[i])/2].Nanoseconds()) / 1e3
			tUse += useful
			tComp += comp
			tTime += us
			tMed += med
			fmt.Printf("    %-5d %-16s %2s %8.2f %8.2f %8.1f %8.1f %8.1f %8.1f %6d\n", i, fmt.Sprintf("%d×%d×%d", s.rows, s.cols, k), tr,
				useful/1e6, comp/1e6, us, med, 2*useful/us/1e3, 2*comp/us/1e3, len(s.blocks))
		}
		fmt.Printf("    all products: useful %.1fM, computed %.1fM, %.0f µs (medians %.0f): %.1f GFLOP/s useful, %.1f computed\n",
			tUse/1e6, tComp/1e6, tTime, tMed, 2*tUse/tTime/1e3, 2*tComp/tTime/1e3)
	}
}
