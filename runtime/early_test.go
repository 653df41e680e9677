package runtime

import (
	"math"
	"math/rand/v2"
	goruntime "runtime"
	"slices"
	"testing"
	"time"
)

// maskUse is how an early-update test trainer's programs read the
// masked weights W⊙M.
type maskUse int

const (
	maskCopied maskUse = iota // no ZeroMasked: the prelude copies W⊙M every step
	maskKept                  // ZeroMasked, inPlaceMinBytes above them: the update keeps the copies (maskkeep.go), as moons' does
	maskRead                  // ZeroMasked, inPlaceMinBytes 0: the programs read W in place, as digits' do
)

func (u maskUse) String() string { return [...]string{"copied", "kept", "in place"}[u] }

// earlyTrainer is seededTrainer with the early update on or off and the
// masked weights read as use says, whatever their size.
func earlyTrainer(t *testing.T, on bool, use maskUse, dt DType, clip float64, data []float64) *Trainer {
	t.Helper()
	defer func(was bool, minBytes int) { earlyUpdate, inPlaceMinBytes = was, minBytes }(earlyUpdate, inPlaceMinBytes)
	earlyUpdate = on
	switch use {
	case maskKept:
		inPlaceMinBytes = math.MaxInt
	case maskRead:
		inPlaceMinBytes = 0
	}
	m := madeModel(t, 2, 512, 16)
	ps := NewParams(m.Params)
	ps.DType = dt
	if use != maskCopied {
		ps.ZeroMasked(modelPrograms(m)...)
	}
	ps.Init(rand.New(rand.NewPCG(1, 1)))
	opt := DefaultAdam(1e-3)
	opt.Clip = clip
	tr, err := NewTrainer(m.Grad, ps, data, 16, 128, opt, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Close)
	if n := inPlaceCount(tr.shards[0].p); (n > 0) != (use == maskRead) {
		t.Fatalf("masked weights %v: %d read in place", use, n)
	}
	if kept := tr.restSize < tr.shards[0].p.preludeSize(); kept != (use == maskKept) {
		t.Fatalf("masked weights %v: copies kept by the update: %v", use, kept)
	}
	return tr
}

// TestEarlyReady: the early update's plan. Every range waits for the
// loss and for no more than the whole program; ranges are claimed in
// the order they become ready; the last layer's parameters (the end of
// params.Data) are ready before the first layer's, which backpropagation
// reaches last.
func TestEarlyReady(t *testing.T) {
	data := randomRows(300, 16, 3)
	for _, dt := range []DType{Float64, Float32} {
		for _, use := range []maskUse{maskCopied, maskKept, maskRead} {
			tr := earlyTrainer(t, true, use, dt, 0, data)
			es := &tr.early
			if !es.on {
				t.Fatalf("%v, masked weights %v: the early update is off", dt, use)
			}
			steps := 0
			switch p := tr.parts[0].(type) {
			case *execPart[float32]:
				steps = len(p.exec.steps)
			case *execPart[float64]:
				steps = len(p.exec.steps)
			}
			if len(es.ready) != len(tr.useg) || len(es.order) != len(tr.useg) {
				t.Fatalf("%v: %d ready steps and %d in order for %d ranges", dt, len(es.ready), len(es.order), len(tr.useg))
			}
			for j, r := range es.ready {
				if r < 1 || r > steps {
					t.Fatalf("%v: range %d ready after %d of %d steps", dt, j, r, steps)
				}
			}
			if !slices.IsSortedFunc(es.order, func(a, b int) int { return es.ready[a] - es.ready[b] }) {
				t.Fatalf("%v: order %v not by ready %v", dt, es.order, es.ready)
			}
			if last, first := es.ready[len(es.ready)-1], es.ready[0]; last >= first {
				t.Fatalf("%v, masked weights %v: the last range is ready after %d steps, the first after %d", dt, use, last, first)
			}
		}
	}
}

// TestEarlyBits drives steps by hand: shard 0 runs, then shard 1 one
// step at a time, and after each of its steps the caller runs every
// range the early update lets it, as an idle member would. Every range
// must have run by the end, and the parameters and moments must be the
// same bits as a trainer's without the early update, in both dtypes, with
// the masked weights copied by the prelude, copied by the update (kept
// copies) or read in place: a range run before the
// shards were done with its parameters or gradients would change them. A
// trainer that clips runs nothing early. A batch whose loss is not finite
// updates nothing, early or late.
func TestEarlyBits(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(1))
	data := randomRows(300, 16, 3)
	for _, dt := range []DType{Float64, Float32} {
		if earlyTrainer(t, true, maskRead, dt, 0.5, data).early.on {
			t.Fatalf("%v: the early update is on with clipping", dt)
		}
		{
			const clip = 0
			for _, use := range []maskUse{maskCopied, maskKept, maskRead} {
				a := earlyTrainer(t, true, use, dt, clip, data)
				b := earlyTrainer(t, false, use, dt, clip, data)
				if b.early.on {
					t.Fatal("earlyUpdate = false left the early update on")
				}
				for step := range 4 {
					a.drawBatch()
					a.runPrelude()
					for _, p := range a.parts {
						p.startShared()
					}
					a.openEarly()
					a.phase = 0
					a.work(0, 0)
					n := 0
					runByStep(a, 1, func() {
						for a.earlyTask(0) {
							n++
						}
					})
					for a.earlyTask(0) {
						n++
					}
					if n != len(a.useg) {
						t.Fatalf("%v clip %v step %d: %d of %d ranges ran early", dt, clip, step, n, len(a.useg))
					}
					if !finite(a.batchLoss()) {
						t.Fatalf("step %d: loss %v", step, a.batchLoss())
					}
					a.runJoint()
					a.applyUpdate()
					b.Step()
					sameArrays(t, dt.String()+" early, by hand, masked weights "+use.String(), optArrays(a), optArrays(b))
				}
			}
		}
		// Rows of NaN: every loss is NaN, nothing runs early, and
		// nothing moves, the step counters included.
		nan := slices.Repeat([]float64{math.NaN()}, 300*16)
		tr := earlyTrainer(t, true, maskRead, dt, 0, nan)
		before := optArrays(tr)
		for range 3 {
			if loss := tr.Step(); !math.IsNaN(loss) {
				t.Fatalf("%v: loss %v on rows of NaN", dt, loss)
			}
		}
		if tr.t != 0 || tr.b1t != 1 || tr.b2t != 1 || tr.early.ran != 0 {
			t.Fatalf("%v: after NaN losses, step %d, β powers %v %v, %d ranges run early", dt, tr.t, tr.b1t, tr.b2t, tr.early.ran)
		}
		sameArrays(t, dt.String()+" after NaN losses", optArrays(tr), before)
	}
}

// TestEarlyCores: training on two cores, where the helper starts each of
// its tasks late so that the caller is idle while the helper's shard
// runs and takes ranges early,
// gives the same bits as on one core (with clipping too, where nothing
// runs early).
func TestEarlyCores(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(0))
	data := randomRows(300, 16, 3)
	for _, dt := range []DType{Float64, Float32} {
		for _, c := range []struct {
			clip float64
			use  maskUse
		}{{0, maskKept}, {0, maskRead}, {0.5, maskRead}} {
			var got [2]map[string][]float64
			ran := 0
			for k, procs := range []int{1, 2} {
				goruntime.GOMAXPROCS(procs)
				tr := earlyTrainer(t, true, c.use, dt, c.clip, data)
				testStall = func(i, j int) {
					if i == 1 {
						time.Sleep(50 * time.Microsecond)
					}
				}
				for range 40 {
					tr.Step()
				}
				testStall = nil
				tr.Close()
				got[k] = optArrays(tr)
				ran = tr.early.ran
			}
			sameArrays(t, dt.String()+" on two cores, early, masked weights "+c.use.String(), got[1], got[0])
			t.Logf("%v clip %v, masked weights %v: %d ranges ran early in 40 steps", dt, c.clip, c.use, ran)
		}
	}
}

// runByStep runs shard j's task as Trainer.work does, one step of its
// program at a time (products whole, as TestPiecesWhole allows), its
// progress published after each, and calls between after each step.
func runByStep(tr *Trainer, j int, between func()) {
	if tr.drawn {
		tr.copyRows(j)
	}
	switch p := tr.parts[j].(type) {
	case *execPart[float32]:
		stepByStep(p.exec, between)
	case *execPart[float64]:
		stepByStep(p.exec, between)
	}
}

func stepByStep[T Float](e *Exec[T], between func()) {
	for i := range e.steps {
		e.exec(&e.steps[i])
		e.share.progress.Store(int32(i + 1))
		between()
	}
	e.share.finished.Store(true)
}

// TestEarlyStale: a member that read the claim word of one step and was
// descheduled before it claimed must claim nothing of the next step
// (the word holds the step's generation), and a step whose claims were
// not opened (an update run by itself, as the probes do) runs the whole
// update.
func TestEarlyStale(t *testing.T) {
	data := randomRows(300, 16, 3)
	tr := earlyTrainer(t, true, maskRead, Float32, 0, data)
	es := &tr.early
	tr.openEarly()
	stale := es.claim.Load()
	if n, opened := tr.closeEarly(); n != 0 || !opened {
		t.Fatalf("closeEarly: %d ranges, opened %v", n, opened)
	}
	tr.openEarly()
	if es.claim.CompareAndSwap(stale, stale+1) {
		t.Fatal("a claim word of the last step claimed a range of this one")
	}
	tr.skipUpdate()
	if n, opened := tr.closeEarly(); n != 0 || opened {
		t.Fatalf("a closed step: closeEarly gave %d ranges, opened %v", n, opened)
	}
	before := tr.t
	tr.applyUpdate() // not opened: the update advances the counters itself
	if tr.t != before+1 {
		t.Fatalf("an update outside a step left the step at %d, from %d", tr.t, before)
	}
}
