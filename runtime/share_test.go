package runtime

import (
	"math"
	"math/rand/v2"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/noxlang/nox/compiler/ir"
)

// TestPiecesWhole checks that a product run as its pieces (share.go)
// gives the whole product's result bit for bit, on every matrix path
// the machine has, in both element types.
func TestPiecesWhole(t *testing.T) {
	defer func(p gemmPath) { gemmForced = p }(gemmForced)
	for _, p := range []gemmPath{pathGo, pathAVX2, pathAVX512} {
		if !p.available() {
			continue
		}
		gemmForced = p
		checkPieces[float64](t, p)
		checkPieces[float32](t, p)
	}
}

func checkPieces[T Float](t *testing.T, p gemmPath) {
	rng := rand.New(rand.NewPCG(1, 2))
	e := &Exec[T]{k: kernelsFor[T]()}
	pieced := 0
	for _, m := range []int{8, 40, 200} {
		for _, n := range []int{128, 130, 143, 200, 300} {
			for _, k := range []int{12, 100, 300} {
				for _, fl := range []int{0, ir.TransA, ir.TransB, ir.TransA | ir.TransB} {
					tA, tB := fl&ir.TransA != 0, fl&ir.TransB != 0
					s := &step[T]{op: ir.OpMatMul, flags: fl, rows: m, cols: n, ar: m, ac: k, br: k, bc: n}
					if tA {
						s.ar, s.ac = k, m
					}
					if tB {
						s.br, s.bc = n, k
					}
					s.lda, s.ldb = s.ac, s.bc
					gen := func(n int) []T {
						x := make([]T, n)
						for i := range x {
							x[i] = T(rng.NormFloat64())
						}
						return x
					}
					s.a, s.b = gen(s.ar*s.ac), gen(s.br*s.bc)
					ps := pieces(e, s, tA, tB, k)
					if ps == nil {
						continue
					}
					pieced++
					e.scratch = make([]T, s.br*s.bc)
					want := make([]T, m*n)
					e.k.gemm(tA, tB, m, n, k, s.a, s.ac, s.b, s.bc, want, n, e.scratch)
					s.out = gen(m * n) // every element is written
					for _, b := range ps {
						e.gemmBlock(s, b, tA, tB)
					}
					for i, w := range want {
						if math.Float64bits(float64(s.out[i])) != math.Float64bits(float64(w)) {
							t.Fatalf("%v %T %dx%dx%d flags %d: C[%d] = %v in pieces, %v whole", p, w, m, n, k, fl, i, s.out[i], w)
						}
					}
				}
			}
		}
	}
	if pieced == 0 {
		t.Fatalf("%v: no product was cut into pieces", p)
	}
}

// TestHelpIdentical runs a shard's programs (a training step's gradient
// and a log-density) while another goroutine helps with their products,
// and checks that the results are the ones the shard computes alone, and
// that the helper did run pieces: the owner of the first product of a
// run waits (up to 10 s) until the helper has run one.
func TestHelpIdentical(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(2))
	var waited, timedOut atomic.Bool
	testPublished = func(sh *share) {
		if waited.Swap(true) || timedOut.Load() {
			return
		}
		before := sh.helped.Load()
		for end := time.Now().Add(10 * time.Second); sh.helped.Load() == before; {
			if time.Now().After(end) {
				timedOut.Store(true) // fails below; wait no more
				return
			}
			goruntime.Gosched()
		}
	}
	defer func() { testPublished = nil }()
	const dim, rows = 16, 128
	m := madeModel(t, 3, 512, dim)
	ps := NewParams(m.Params)
	ps.Init(rand.New(rand.NewPCG(3, 4)))
	in := randomRows(rows, dim, 5)
	for _, dt := range []DType{Float64, Float32} {
		ps.DType = dt
		for _, p := range []*ir.Program{splitGradScales(m.Grad), m.LogProb} {
			waited.Store(true) // alone: nobody to wait for
			want, _ := runOutputs(p, ps, in, rows, dim)
			pt := newPartOf(p, ps, rows, rand.New(rand.NewPCG(6, 7)), nil)
			for i := range rows {
				pt.setRow(i, in[i*dim:(i+1)*dim])
			}
			pt.prelude(allSteps(pt.preludeWork(1)))
			for round := range 20 {
				waited.Store(false)
				pt.startShared()
				var wg sync.WaitGroup
				wg.Add(1)
				go func() {
					defer wg.Done()
					for running, _ := pt.help(); running; running, _ = pt.help() {
					}
				}()
				pt.run()
				wg.Wait()
				for i, o := range p.Outputs {
					got := make([]float64, p.Type(o.Value).Size(rows))
					pt.accumulate(got, o.Value, 0, 1, false)
					for j := range got {
						if math.Float64bits(got[j]) != math.Float64bits(want[i][j]) {
							t.Fatalf("%v %s round %d: %s[%d] = %v helped, %v alone", dt, p.Name, round, o.Name, j, got[j], want[i][j])
						}
					}
				}
			}
			if helpedPieces(pt) == 0 {
				t.Errorf("%v %s: the helper ran no piece in 20 runs", dt, p.Name)
			}
		}
	}
}

// helpedPieces returns how many pieces of pt's products helpers ran.
func helpedPieces(pt part) int64 {
	switch e := pt.(type) {
	case *execPart[float64]:
		return e.exec.share.helped.Load()
	case *execPart[float32]:
		return e.exec.share.helped.Load()
	}
	return 0
}

// TestStepAfterClose: a closed trainer and mapper run their shards one
// after another on the caller, so no member may wait to help another.
func TestStepAfterClose(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(2))
	const dim, batch = 16, 128
	m := madeModel(t, 2, 512, dim)
	ps := NewParams(m.Params)
	ps.Init(rand.New(rand.NewPCG(1, 1)))
	data := randomRows(300, dim, 3)
	tr, err := NewTrainer(m.Grad, ps, data, dim, batch, DefaultAdam(1e-3), rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	mp := NewMapper(m.LogProb, ps, "logp", batch, nil)
	tr.Step()
	mp.Map(make([]float64, 300), data, 300)
	tr.Close()
	mp.Close()
	done := make(chan bool)
	go func() {
		tr.Step()
		mp.Map(make([]float64, 300), data, 300)
		done <- true
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("a step after Close did not finish in 30 s")
	}
}

// TestTrainCores: training gives the same bits on one core and on two,
// where members help with each other's products, in both dtypes.
func TestTrainCores(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(0))
	const dim, batch = 16, 128
	m := madeModel(t, 2, 512, dim)
	data := randomRows(300, dim, 3)
	for _, dt := range []DType{Float64, Float32} {
		var got [2]map[string][]float64
		var lp [2][]float64
		for k, procs := range []int{1, 2} {
			goruntime.GOMAXPROCS(procs)
			tr := seededTrainer(t, m, dt, data, dim, batch, DefaultAdam(1e-3))
			ps := tr.params
			for range 5 {
				tr.Step()
			}
			tr.Close()
			got[k] = optArrays(tr)
			mp := NewMapper(m.LogProb, ps, "logp", batch, nil)
			lp[k] = make([]float64, 300)
			mp.Map(lp[k], data, 300)
			mp.Close()
		}
		sameArrays(t, dt.String()+" on two cores", got[1], got[0])
		sameBits(t, dt.String()+" log-densities on two cores", lp[1], lp[0])
	}
}
