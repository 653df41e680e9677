package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	goruntime "runtime"
	"testing"
)

// TestAdamRuns: the runs kernel (runsKernel) trains to the same bits as
// the blocks: the losses, values and moments after steps with and
// without clipping (the gradient combined by the norm, or in the
// kernel), weight decay, one shard or two of unequal weights (the
// kernel's modes 1 and 2), joint products, kept masked copies and a
// Params.Changed between steps, on one core and two, in both dtypes. The
// model's masked weights are dense (runs shorter than denseRun, longer
// than kernelRun), so the kernel skips elements the blocks visit; with
// denseRun 0 they have live runs instead, their moments packed, and
// joined they are fused (the update reads C as it is). Without
// Params.ZeroMasked the masked-out values are not zero, so weight decay
// must reach them as the blocks' does. And where the machine has no
// AVX-512 (useAVX512 off) the planned segments fall back to the blocks,
// decayed once.
func TestAdamRuns(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(0))
	defer func(b, d int, v bool) { jointMinBytes, denseRun, useAVX512 = b, d, v }(jointMinBytes, denseRun, useAVX512)
	const dim, rows = 40, 300
	m := madeModel(t, 2, 128, dim)
	data := randomRows(rows, dim, 3)
	saved := useAVX512
	for _, dt := range []DType{Float64, Float32} {
		for _, c := range []struct {
			procs, batch int
			clip, decay  float64
			joint, live  bool
			zeroed       bool
		}{
			{1, 32, 0, 0, false, false, true}, {2, 128, 0, 0, false, false, true}, {2, 129, 0.5, 0, false, false, true},
			{2, 129, 0, 0.1, false, false, true}, {1, 129, 0.5, 0.1, false, false, true}, {2, 32, 0.5, 0.1, false, false, true},
			{2, 128, 0, 0, true, false, true}, {2, 128, 0.5, 0.1, true, false, true},
			{2, 129, 0, 0.1, false, true, true}, {2, 128, 0, 0.1, true, true, true}, {2, 128, 0.5, 0, true, true, true},
			{2, 129, 0, 0.1, false, false, false}, {2, 129, 0.5, 0.1, false, true, false},
		} {
			for _, vec := range []bool{true, false} {
				if vec && !saved {
					continue
				}
				useAVX512 = vec
				goruntime.GOMAXPROCS(c.procs)
				jointMinBytes, denseRun = 1<<40, 64
				if c.joint {
					jointMinBytes = 0
				}
				if c.live {
					denseRun = 0
				}
				label := fmt.Sprintf("%v %+v, AVX-512 %v", dt, c, vec)
				sameTraining(t, label+", runs kernel", func(on bool) (*Trainer, []float64) {
					ps := NewParams(m.Params)
					ps.DType = dt
					if c.zeroed {
						ps.ZeroMasked(modelPrograms(m)...)
					}
					ps.Init(rand.New(rand.NewPCG(1, 1)))
					opt := DefaultAdam(1e-2)
					opt.Clip, opt.WeightDecay = c.clip, c.decay
					runsKernel = on
					tr, err := NewTrainer(m.Grad, ps, data, dim, c.batch, opt, rand.New(rand.NewPCG(2, 2)))
					runsKernel = true
					if err != nil {
						t.Fatal(err)
					}
					if joined := tr.upd.jointTasks() > 0; joined != c.joint {
						t.Fatalf("%s: joined %v", label, joined)
					}
					if on {
						dense, live, fused, planned := kernelRuns(tr)
						if planned == 0 || !c.live && dense == 0 || c.live && live == 0 || c.live && c.joint && fused == 0 {
							t.Fatalf("%s: %d segments planned for the kernel, %d of dense parameters, %d of live runs, %d fused: the test does not test what it says", label, planned, dense, live, fused)
						}
					}
					losses := stepsChanged(tr, ps)
					tr.Close()
					return tr, losses
				})
			}
		}
	}
	if !saved {
		t.Log("no AVX-512 here: the kernel itself did not run")
	}
}

// kernelRuns returns how many update segments the runs kernel is
// planned for, and how many of them are of dense parameters, of
// parameters with live runs and of fused joint gradients.
func kernelRuns(tr *Trainer) (dense, live, fused, planned int) {
	count := func(kr [][][]int32, isFused []bool) {
		for j, segs := range kr {
			for s, r := range segs {
				if r == nil {
					continue
				}
				planned++
				p := tr.useg[j][s].param
				if tr.dense[p] != nil {
					dense++
				}
				if tr.live[p] != nil {
					live++
				}
				if isFused[p] {
					fused++
				}
			}
		}
	}
	switch o := tr.upd.(type) {
	case *optState[float64]:
		count(o.kruns, o.fused)
	case *optState[float32]:
		count(o.kruns, o.fused)
	}
	return dense, live, fused, planned
}

// TestAdamRunsKernel: the runs kernel gives, run by run, the bits of the
// Go loops (scaleInto's, then adamBlock's) in modes 0, 1 and 2, with and
// without a kept copy, for runs of every length up to three vectors and a
// half at random places, and writes nothing outside them (sentinels
// around and between the runs in p, m, v and the copy).
func TestAdamRunsKernel(t *testing.T) {
	if !useAVX512 {
		t.Skip("no AVX-512 here: the kernel under test does not run")
	}
	testAdamRunsKernel[float64](t)
	testAdamRunsKernel[float32](t)
}

func testAdamRunsKernel[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	const n, sentinel = 4000, 777.25
	k := [8]T{0.7, 0.9, 0.1, 0.999, 0.001, 1e-3, 1.3, 1e-8}
	for mode := range 3 {
		for _, copied := range []bool{false, true} {
			fill := func(x []T, scale float64) {
				for i := range x {
					x[i] = T(rng.NormFloat64() * scale)
				}
			}
			p, m, v, g0, g1 := make([]T, n), make([]T, n), make([]T, n), make([]T, n), make([]T, n)
			fill(p, 1)
			fill(m, 0.1)
			fill(g0, 1)
			fill(g1, 1)
			for i := range v {
				v[i] = T(math.Abs(rng.NormFloat64()) * 0.01)
			}
			var cp []T
			if copied {
				cp = make([]T, n)
				for i := range cp {
					cp[i] = sentinel
				}
			}
			// Runs in p and, elsewhere, in the moments, with gaps.
			var runs []int32
			at, mo := 3, 5
			for at < n-60 && mo < n-60 {
				l := 1 + rng.IntN(56)
				runs = append(runs, int32(at), int32(l), int32(mo))
				at += l + 1 + rng.IntN(9)
				mo += l + 1 + rng.IntN(5)
			}
			wp, wm, wv, wc := append([]T(nil), p...), append([]T(nil), m...), append([]T(nil), v...), append([]T(nil), cp...)
			w0, w1 := T(0.53), T(0.47)
			saved := useAVX512
			useAVX512 = false // the Go loops
			buf := make([]T, 64)
			for r := 0; r < len(runs); r += 3 {
				a, l, o := int(runs[r]), int(runs[r+1]), int(runs[r+2])
				g := buf[:l]
				switch mode {
				case 0:
					copy(g, g0[a:a+l])
				case 1:
					scaleInto(g, g0[a:a+l], w0, false)
				case 2:
					scaleInto(g, g0[a:a+l], w0, false)
					scaleInto(g, g1[a:a+l], w1, true)
				}
				adamBlock(wp[a:a+l], wm[o:o+l], wv[o:o+l], g, &k)
				if copied {
					copy(wc[a:a+l], wp[a:a+l])
				}
			}
			useAVX512 = saved
			kr := [10]T{k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], w0, w1}
			var h1 []T
			if mode == 2 {
				h1 = g1
			}
			if !adamRunsVec(p, m, v, g0, h1, cp, runs, &kr, mode) {
				t.Fatal("the kernel did not run")
			}
			for name, pair := range map[string][2][]T{"p": {p, wp}, "m": {m, wm}, "v": {v, wv}, "copy": {cp, wc}} {
				for i := range pair[0] {
					if math.Float64bits(float64(pair[0][i])) != math.Float64bits(float64(pair[1][i])) {
						t.Fatalf("%T mode %d, copy %v: %s[%d] = %v, want %v", p, mode, copied, name, i, pair[0][i], pair[1][i])
					}
				}
			}
		}
	}
}
