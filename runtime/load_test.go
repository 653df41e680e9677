package runtime

import (
	"math"
	"math/rand/v2"
	goruntime "runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestTrainThreads: training (with clipping, so the norm runs as tasks
// too, and a model large enough that Adam is split into ranges the team
// claims; with and without dequantization noise) and log-densities give
// the same bits at GOMAXPROCS 1, 2 and 3,
// and with a member stalled as the OS deschedules one: on arrival at a
// run, before it claims a task (the others take its work), or on a task
// it has claimed (the run waits for it). Which member runs a task must
// change no bit. After Close no helper goroutine is left.
func TestTrainThreads(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(0))
	defer func() { testArrive, testStall = nil, nil }()
	const dim, batch = 16, 128
	m := madeModel(t, 2, 1024, dim)
	data := randomRows(300, dim, 3)
	before := helpers()
	var calls atomic.Int64
	arrive := func(int) {
		if calls.Add(1)%3 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	stall := func(i, j int) {
		if i != 0 && calls.Add(1)%2 == 0 {
			time.Sleep(200 * time.Microsecond)
		}
	}
	cases := []struct {
		name   string
		procs  int
		arrive func(int)
		stall  func(int, int)
	}{
		{"GOMAXPROCS 1", 1, nil, nil},
		{"GOMAXPROCS 2", 2, nil, nil},
		{"GOMAXPROCS 3", 3, nil, nil},
		{"GOMAXPROCS 2, helpers late", 2, arrive, nil},
		{"GOMAXPROCS 2, helpers stalled on their tasks", 2, nil, stall},
	}
	defer func(b int) { jointMinBytes = b }(jointMinBytes)
	for _, jc := range []struct {
		join  bool
		clip  float64
		noise bool // dequantization noise, added by the shards' tasks
	}{{false, 0.5, false}, {true, 0.5, false}, {true, 0, false}, {false, 0.5, true}} {
		join := jc.join
		for _, dt := range []DType{Float64, Float32} {
			jointMinBytes = 1 << 40
			if join {
				jointMinBytes = 0 // the model is too small to join otherwise
			}
			var want map[string][]float64
			var wantLP []float64
			for _, c := range cases {
				goruntime.GOMAXPROCS(c.procs)
				testArrive, testStall = c.arrive, c.stall
				ps := NewParams(m.Params)
				ps.DType = dt
				ps.Init(rand.New(rand.NewPCG(1, 1)))
				opt := DefaultAdam(1e-3)
				opt.Clip = jc.clip
				tr, err := NewTrainer(m.Grad, ps, data, dim, batch, opt, rand.New(rand.NewPCG(2, 2)))
				if err != nil {
					t.Fatal(err)
				}
				if jc.noise {
					w := make([]float64, dim)
					for j := range w {
						w[j] = 0.05 * float64(j%4)
					}
					tr.SetNoise(w)
				}
				if !tr.par || len(tr.useg) < 2 {
					t.Fatalf("%v: the update is not split (%d ranges): the model is too small for this test", dt, len(tr.useg))
				}
				if n := tr.upd.jointTasks(); join != (n > 1) {
					t.Fatalf("%v: %d joint tasks, want them split among the team: %v", dt, n, join)
				}
				for range 6 {
					tr.Step()
				}
				tr.Close()
				got := optArrays(tr)
				mp := NewMapper(m.LogProb, ps, "logp", batch, nil)
				lp := make([]float64, 300)
				mp.Map(lp, data, 300)
				mp.Close()
				testArrive, testStall = nil, nil
				if n := helpersAfter(before); n != before {
					t.Fatalf("%v, %s: %d team helpers running after Close, %d before", dt, c.name, n, before)
				}
				if want == nil {
					want, wantLP = got, lp
					continue
				}
				for name, x := range want {
					for j := range x {
						if math.Float64bits(x[j]) != math.Float64bits(got[name][j]) {
							t.Fatalf("%v, %s, joint %v: %s[%d] = %v, %v at GOMAXPROCS 1", dt, c.name, join, name, j, got[name][j], x[j])
						}
					}
				}
				for j := range lp {
					if math.Float64bits(lp[j]) != math.Float64bits(wantLP[j]) {
						t.Fatalf("%v, %s, joint %v: log-density of row %d = %v, %v at GOMAXPROCS 1", dt, c.name, join, j, lp[j], wantLP[j])
					}
				}
			}
		}
	}
}

// TestUpdateRanges: the update's ranges cover every element once, in
// order, and their number depends only on the parameter count.
func TestUpdateRanges(t *testing.T) {
	for _, c := range []struct{ sizes []int }{
		{[]int{10}},
		{[]int{700, 3, 1000, 5}},
		{[]int{1 << 16, 7, 1 << 17, 1}},
		{[]int{1 << 22, 1 << 20}},
	} {
		var views [][]float64
		total := 0
		for _, n := range c.sizes {
			views = append(views, make([]float64, n))
			total += n
		}
		k := updateRanges(total)
		if k < 1 || k > updMax || k > 1 && total/k < updMin {
			t.Fatalf("%v: %d ranges", c.sizes, k)
		}
		pos := 0
		for r, segs := range splitRanges(views, total, k) {
			for _, sg := range segs {
				if sg.off+sg.lo != pos || sg.hi <= sg.lo || sg.hi > len(views[sg.param]) {
					t.Fatalf("%v: range %d segment %+v at %d", c.sizes, r, sg, pos)
				}
				pos = sg.off + sg.hi
			}
		}
		if pos != total {
			t.Fatalf("%v: ranges cover %d of %d", c.sizes, pos, total)
		}
	}
}
