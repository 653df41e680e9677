package runtime

import (
	"fmt"
	"math/rand/v2"
	goruntime "runtime"
	"slices"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/compiler/ir"
)

// TestKeptCopies checks that a trainer whose update keeps the masked
// copies (maskkeep.go) trains to the same bits as one whose prelude
// makes them at every step, in both dtypes, on 1 and 2 cores and with
// the weight gradients joined or not (joint.go), with clipping and
// weight decay, and that a change of the parameters
// between steps (Params.Changed) makes the next step copy them again:
// the parameters are scaled after the third step, and a trainer that
// kept reading its own copies would go on from the old values.
func TestKeptCopies(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(0))
	defer func(b int) { jointMinBytes = b }(jointMinBytes)
	const dim, batch, rows = 16, 64, 200
	m := madeModel(t, 2, 256, dim)
	data := randomRows(rows, dim, 3)
	opt := DefaultAdam(1e-2)
	opt.Clip, opt.WeightDecay = 0.5, 0.1
	for _, dt := range []DType{Float64, Float32} {
		for _, c := range []struct {
			procs int
			joint bool
		}{{1, false}, {2, false}, {2, true}} {
			goruntime.GOMAXPROCS(c.procs)
			jointMinBytes = 1 << 40
			if c.joint {
				jointMinBytes = 0
			}
			sameTraining(t, fmt.Sprintf("%v, %+v, copies kept", dt, c), func(keep bool) (*Trainer, []float64) {
				ps := NewParams(m.Params)
				ps.DType = dt
				ps.ZeroMasked(modelPrograms(m)...)
				ps.Init(rand.New(rand.NewPCG(1, 1)))
				keepMasked = keep
				tr, err := NewTrainer(m.Grad, ps, data, dim, batch, opt, rand.New(rand.NewPCG(2, 2)))
				keepMasked = true
				if err != nil {
					t.Fatal(err)
				}
				want := 0
				if keep {
					want = 4
				}
				if joined := tr.upd.jointTasks() > 0; joined != c.joint {
					t.Fatalf("%v: joined %v, want %v", dt, joined, c.joint)
				}
				if n := keptCount(tr); n != want || keep == (fmt.Sprint(tr.rest) == fmt.Sprint(tr.pre)) {
					t.Fatalf("%v, keep %v: %d masked copies kept, want %d (prelude %v, without them %v)", dt, keep, n, want, tr.pre, tr.rest)
				}
				losses := stepsChanged(tr, ps)
				tr.Close()
				return tr, losses
			})
		}
	}
}

// sameTraining runs train without the variant under test (on false) and
// with it, and checks that both give the same losses, values and
// moments, bit for bit.
func sameTraining(t *testing.T, label string, train func(on bool) (*Trainer, []float64)) {
	t.Helper()
	ref, refLoss := train(false)
	got, losses := train(true)
	sameBits(t, label+": losses", losses, refLoss)
	sameArrays(t, label, optArrays(got), optArrays(ref))
}

// stepsChanged runs 6 steps of tr and returns their losses; after the
// third the parameters change other than by the update (scaled by 0.9,
// Params.Changed), as a restored model changes them.
func stepsChanged(tr *Trainer, ps *Params) []float64 {
	var losses []float64
	for step := range 6 {
		losses = append(losses, tr.Step())
		if step == 2 {
			tr.Sync()
			for i := range ps.Data {
				ps.Data[i] *= 0.9
			}
			ps.Changed()
		}
	}
	return losses
}

// keptCount is the number of masked copies tr's update keeps.
func keptCount(tr *Trainer) int {
	n := 0
	switch o := tr.upd.(type) {
	case *optState[float64]:
		for _, cs := range o.copies {
			n += len(cs)
		}
	case *optState[float32]:
		for _, cs := range o.copies {
			n += len(cs)
		}
	}
	return n
}

// TestKeptCopiesSetFixed: setting a fixed parameter between steps (a
// MAF's standardization here) leaves the kept copies current, as no kept
// copy is made from a fixed parameter, and the trainer still trains to
// the bits of one that makes its copies at every step.
func TestKeptCopiesSetFixed(t *testing.T) {
	const dim, batch = 8, 64
	std := &compiler.Standardize{}
	for range dim {
		std.Mean = append(std.Mean, 0.1)
		std.Std = append(std.Std, 1.3)
	}
	m := MAFModel(t, 2, 64, dim, std)
	data := randomRows(300, dim, 4)
	fixed := slices.IndexFunc(m.Params, func(p ir.Param) bool { return p.Fixed })
	if fixed < 0 {
		t.Fatal("the model has no fixed parameter: the test does not test SetFixed")
	}
	var refLoss []float64
	var ref map[string][]float64
	for _, keep := range []bool{false, true} {
		ps := NewParams(m.Params)
		ps.ZeroMasked(modelPrograms(m)...)
		ps.Init(rand.New(rand.NewPCG(1, 1)))
		keepMasked = keep
		tr, err := NewTrainer(m.Grad, ps, data, dim, batch, DefaultAdam(1e-2), rand.New(rand.NewPCG(2, 2)))
		keepMasked = true
		if err != nil {
			t.Fatal(err)
		}
		if keep && keptCount(tr) == 0 {
			t.Fatal("no masked copy kept: the test does not test them")
		}
		var losses []float64
		for step := range 4 {
			losses = append(losses, tr.Step())
			if step == 1 {
				v := slices.Clone(ps.Views[fixed])
				for j := range v {
					v[j] *= 1.5
				}
				tr.SetFixed(fixed, v)
				if keep && tr.copied != ps.generation() {
					t.Fatalf("after SetFixed: copies of generation %d, parameters of %d: the copies are made again", tr.copied, ps.generation())
				}
			}
		}
		tr.Close()
		if !keep {
			refLoss, ref = losses, optArrays(tr)
			continue
		}
		sameBits(t, "copies kept: losses", losses, refLoss)
		sameArrays(t, "copies kept", optArrays(tr), ref)
	}
}
