package runtime

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/compiler/ir"
)

// TestProbeShard is a measuring tool, run only with NOX_PROBE=1 (go test
// ./runtime -run ProbeShard -v): for one training shard of the moons
// (128 rows), digits (128 rows) and 784-d (64 rows) MAFs in float32
// (NOX_PROBE_DIMS=2,64: those dimensions only), it prints the
// multiply-adds of the products (full, computed, useful: nonzero mask
// entries), then alternates two plans of the shard's program, with the
// masked blocks' parts off and on (maskParts; with NOX_PROBE_VARY=relu,
// the relu's fusion into the training program's products off and on:
// reluGradFusion; bcast: bcastFusion; fuse: both; colsum: colSums;
// narrow: narrowLoops, with narrowGathers, narrowPermutes and smallKOn;
// gathers: those three alone; rows: rowKernels; relusum: reluSums; NOX_PROBE_SWAP=1 runs
// on before off), and prints each one's thread CPU time, the minimum over 25 runs, in total, in products, per
// kind of step, and in the prelude, and the minima of runs timed at
// once (probeAlternate). Thread CPU time leaves out the time
// another process holds the core, which wall time on a busy machine
// does not; alternating in one process puts both variants under the
// same conditions. Figures quoted in bench/README.md.
func TestProbeShard(t *testing.T) {
	probeOnly(t)
	for _, c := range []struct{ dim, hidden, rows int }{{2, 100, 128}, {64, 512, 128}, {784, 1024, 64}} {
		if d := os.Getenv("NOX_PROBE_DIMS"); d != "" && !slices.Contains(strings.Split(d, ","), strconv.Itoa(c.dim)) {
			continue
		}
		m, ps := probeMAF(t, c.dim, c.hidden)
		ps.float32Views()
		g := splitGradScales(m.Grad)
		var es [2]*Exec[float32]
		flags, name := []*bool{&maskParts}, "parts"
		runFlags := false // flags read as the steps run, not as they are planned
		switch os.Getenv("NOX_PROBE_VARY") {
		case "relu":
			flags, name = []*bool{&reluGradFusion}, "relugrad-fusion"
		case "bcast":
			flags, name = []*bool{&bcastFusion}, "bcastcols-fusion"
		case "fuse":
			flags, name = []*bool{&reluGradFusion, &bcastFusion}, "relugrad+bcastcols-fusion"
		case "colsum":
			flags, name, runFlags = []*bool{&colSums}, "column-sum kernel", true
		case "rows":
			flags, name, runFlags = []*bool{&rowKernels}, "row kernels", true
		case "relusum":
			flags, name = []*bool{&reluSums}, "relu derivatives with their sums"
		case "halves":
			flags, name = []*bool{&maskHalves}, "halves blocks"
		case "exact":
			flags, name = []*bool{&maskExact}, "exact segments"
		case "narrow":
			flags, name, runFlags = []*bool{&narrowLoops, &narrowGathers, &narrowPermutes, &smallKOn}, "narrow loops, gathers, small products", true
		case "gathers":
			flags, name = []*bool{&narrowGathers, &narrowPermutes, &smallKOn}, "gathers and small products"
		}
		saved := make([]bool, len(flags)) // the defaults, restored after
		for i, f := range flags {
			saved[i] = *f
		}
		order := []bool{false, true}
		if os.Getenv("NOX_PROBE_SWAP") == "1" {
			order = []bool{true, false} // the other order: variant 0 is on
		}
		for v, on := range order {
			for _, f := range flags {
				*f = on
			}
			es[v] = newExec[float32](g, ps, c.rows, rand.New(rand.NewPCG(1, 1)), nil)
			full, comp, useful := productWork(es[v])
			fmt.Printf("D=%d %s=%v: multiply-adds full %.1fM, computed %.1fM, useful %.1fM (%.2f of computed)\n",
				c.dim, name, on, full/1e6, comp/1e6, useful/1e6, useful/comp)
		}
		for i, f := range flags {
			*f = saved[i]
		}
		// Flags the kernels read as they run are set before each
		// variant's runs, and restored after.
		var set func(v int)
		if runFlags {
			set = func(v int) {
				for _, f := range flags {
					*f = order[v]
				}
			}
		}
		probeAlternate(fmt.Sprintf("D=%d", c.dim), es, set)
		for i, f := range flags {
			*f = saved[i]
		}
	}
}

// probeOnly skips a probe, a measuring tool rather than a test, unless
// NOX_PROBE=1.
func probeOnly(t *testing.T) {
	t.Helper()
	if os.Getenv("NOX_PROBE") != "1" {
		t.Skip("a measuring tool: NOX_PROBE=1")
	}
}

// probeCount returns the positive count the environment variable name
// gives a probe (its rounds, its steps), or def.
func probeCount(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// alternateSteps runs rounds of 10 steps of each of two trainers, the
// two taking turns to go first, so that the machine's drift hits both,
// and returns each one's mean step per round, sorted, and in how many
// rounds the second was faster. after, if not nil, runs after each
// trainer's turn with its index (TestProbeInPlace times its scorers
// there).
func alternateSteps(trs [2]*Trainer, rounds int, after func(v int)) (steps [2][]time.Duration, faster int) {
	for r := range rounds {
		var d [2]time.Duration
		for k := range 2 {
			v := (r + k) % 2
			t0 := time.Now()
			for range 10 {
				trs[v].Step()
			}
			d[v] = time.Since(t0) / 10
			steps[v] = append(steps[v], d[v])
			if after != nil {
				after(v)
			}
		}
		if d[1] < d[0] {
			faster++
		}
	}
	slices.Sort(steps[0])
	slices.Sort(steps[1])
	return steps, faster
}

// probeMAF returns the probes' model, a MAF of 5 layers over dim
// columns standardized with mean 0.1 and standard deviation 1.3 (as the
// benchmarks' mafModel), and its float32 parameters, initialised, with
// the model's programs declared (Params.ZeroMasked) as train.Likelihood
// declares them, unless NOX_PROBE_COPY=1 keeps the masked weights copied.
func probeMAF(t *testing.T, dim, hidden int) (*compiler.Model, *Params) {
	t.Helper()
	std := &compiler.Standardize{}
	for range dim {
		std.Mean = append(std.Mean, 0.1)
		std.Std = append(std.Std, 1.3)
	}
	m := MAFModel(t, 5, hidden, dim, std)
	ps := NewParams(m.Params)
	ps.DType = Float32
	if os.Getenv("NOX_PROBE_COPY") != "1" {
		ps.ZeroMasked(modelPrograms(m)...)
	}
	ps.Init(rand.New(rand.NewPCG(0, 0)))
	return m, ps
}

// productWork returns the multiply-adds of e's products: as full
// products, as computed (blocks and parts), and useful (masked products
// counted by their masks' nonzeros).
func productWork[T Float](e *Exec[T]) (full, comp, useful float64) {
	static, outMasks := staticValues(e.prog), outputMasks(e.prog)
	for i := range e.steps {
		if !isProduct(e.steps[i].op) {
			continue
		}
		f, c, u := productMACs(e.prog, static, outMasks, &e.steps[i])
		full, comp, useful = full+f, comp+c, useful+u
	}
	return full, comp, useful
}

// productMACs returns the multiply-adds of product step s of q: as a
// full product, as computed (its blocks and parts), and useful (a masked
// product's counted by its mask's nonzeros).
func productMACs[T Float](q *ir.Program, static []bool, outMasks map[ir.Value][]float64, s *step[T]) (full, comp, useful float64) {
	in := q.Instrs[s.value]
	k := s.ac
	if in.Int&ir.TransA != 0 {
		k = s.ar
	}
	nonzeros := func(m []float64) float64 {
		n := 0
		for _, x := range m {
			if x != 0 {
				n++
			}
		}
		return float64(n)
	}
	full = float64(s.rows * s.cols * k)
	switch mk := operandMask(q, static, in.Args[1]); {
	case mk != nil && in.Int&ir.GemmSliceB == 0:
		useful = nonzeros(mk) * float64(s.rows)
	case outMasks[s.value] != nil:
		useful = nonzeros(outMasks[s.value]) * float64(k)
	default:
		useful = full
	}
	if s.blocks == nil {
		return full, full, useful
	}
	for i, b := range s.blocks {
		var parts []gemmPart
		if s.parts != nil {
			parts = s.parts[i]
		}
		comp += float64(partsWork(parts, b))
	}
	if s.halves > 0 {
		comp *= 2 // each block's columns in both halves
	}
	return full, comp, useful
}

// probeAlternate runs es[0] and es[1] alternately, step by step timed,
// and prints the minimum of each step's time summed by kind of step,
// less the timer's own cost (timerCost: a thread CPU clock read is a
// system call here, about 1.4 µs, which summed over a shard's ~200
// steps made the small steps look twice as costly as they are). It also
// prints the minimum of a whole run (runMain) and of the steps other
// than products run back to back (on the values the last run left),
// each timed at once.
func probeAlternate(label string, es [2]*Exec[float32], set func(v int)) {
	if set == nil {
		set = func(int) {}
	}
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	var steps [2][]time.Duration
	var pre, whole, elem [2]time.Duration
	for v, e := range es {
		set(v)
		e.Run()
		steps[v] = make([]time.Duration, len(e.steps))
	}
	keep := func(d *time.Duration, x time.Duration) {
		if *d == 0 || x < *d {
			*d = x
		}
	}
	cost := timerCost()
	for range 25 {
		for v, e := range es {
			set(v)
			t0 := threadTime()
			for i := range e.pre {
				e.exec(&e.pre[i])
			}
			keep(&pre[v], threadTime()-t0)
			for i := range e.steps {
				t0 := threadTime()
				e.exec(&e.steps[i])
				keep(&steps[v][i], max(threadTime()-t0-cost, 0))
			}
			t0 = threadTime()
			e.runMain()
			keep(&whole[v], threadTime()-t0)
			t0 = threadTime()
			for i := range e.steps {
				if !isProduct(e.steps[i].op) {
					e.exec(&e.steps[i])
				}
			}
			keep(&elem[v], threadTime()-t0)
		}
	}
	fmt.Printf("%s: a timer read costs %v, taken off each step's time\n", label, cost)
	for v, e := range es {
		kinds := map[string]time.Duration{}
		var total time.Duration
		for i, d := range steps[v] {
			k := e.steps[i].op.String()
			if isProduct(e.steps[i].op) {
				k = "products"
			}
			kinds[k] += d
			total += d
		}
		fmt.Printf("%s variant %d: steps %v (products %v), prelude %v; whole run %v, all but products %v\n",
			label, v, total, kinds["products"], pre[v], whole[v], elem[v])
		if l := os.Getenv("NOX_PROBE_LIST"); l != "" {
			for i, d := range steps[v] {
				if s := &e.steps[i]; isProduct(s.op) || l == "all" {
					fmt.Printf("    step %3d %8.1f us  %-10v %d×%d\n", i, float64(d.Nanoseconds())/1e3, s.op, s.rows, s.cols)
				}
			}
		}
		names := slices.Sorted(maps.Keys(kinds))
		for _, k := range names {
			fmt.Printf("    %-10s %8.1f us\n", k, float64(kinds[k].Nanoseconds())/1e3)
		}
	}
}

// timerCost is the least time between two reads of threadTime.
func timerCost() time.Duration {
	var c time.Duration
	for range 1000 {
		t0 := threadTime()
		if d := threadTime() - t0; c == 0 || d < c {
			c = d
		}
	}
	return c
}
