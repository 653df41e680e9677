package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestJointGradients: joint weight gradients (joint.go) train as the
// shards' own gradients do. Over shards of 128 rows, the kernels' own
// blocking along the rows, and without clipping, the bits are the same;
// with clipping the norm sums the squares in another order, and over
// shards of 64 the gradients differ in rounding (the sum over both
// shards' rows is one sum): then they must agree to rounding, and so
// must the clipping factors, whose norms the joint tasks sum in part
// (jointSquares: a task that summed the mask's zeros, or a weight
// counted twice or not at all, moves it). Float32 and float64.
func TestJointGradients(t *testing.T) {
	defer func(b, w int) { jointMinBytes, jointTaskWork = b, w }(jointMinBytes, jointTaskWork)
	jointTaskWork = 1 << 14 // products of several tasks
	const dim = 64
	m := madeModel(t, 2, 512, dim)
	data := randomRows(600, dim, 5)
	for _, c := range []struct {
		batch int
		clip  float64
		same  bool
	}{{256, 0, true}, {256, 0.5, false}, {128, 0, false}, {128, 0.5, false}} {
		for _, dt := range []DType{Float64, Float32} {
			name := fmt.Sprintf("%v batch %d clip %v", dt, c.batch, c.clip)
			var got [2]map[string][]float64
			var clipC [2]float64
			for k, min := range []int{1 << 40, 0} {
				jointMinBytes = min
				ps := NewParams(m.Params)
				ps.DType = dt
				ps.ZeroMasked(m.Forward, m.Inverse, m.LogProb, m.Loss, m.Grad)
				ps.Init(rand.New(rand.NewPCG(1, 1)))
				opt := DefaultAdam(1e-3)
				opt.Clip = c.clip
				tr, err := NewTrainer(m.Grad, ps, data, dim, c.batch, opt, rand.New(rand.NewPCG(2, 2)))
				if err != nil {
					t.Fatal(err)
				}
				if joined := tr.upd.jointTasks() > 0; joined != (k == 1) {
					t.Fatalf("%s: joined %v, want %v", name, joined, k == 1)
				}
				if k == 1 && !jointShapes(tr) {
					t.Fatalf("%s: no product of several tasks or block of several parts: the test does not test them", name)
				}
				steps := 4
				if !c.same {
					steps = 1 // m is then 0.1 × the gradient
				}
				for range steps {
					tr.Step()
				}
				tr.Close()
				got[k], clipC[k] = optArrays(tr), tr.clipC
				if c.clip > 0 && (tr.clipC >= 1 || tr.clipC <= 0) {
					t.Fatalf("%s: clipping factor %v: the test does not clip", name, tr.clipC)
				}
			}
			if c.same {
				for _, arr := range []string{"params", "m", "v"} {
					a, b := got[0][arr], got[1][arr]
					for j := range a {
						if math.Float64bits(a[j]) != math.Float64bits(b[j]) {
							t.Fatalf("%s: %s[%d] = %v joined, %v not", name, arr, j, b[j], a[j])
						}
					}
				}
				continue
			}
			// The first moments after one step: 0.1 × the gradients,
			// which must agree to rounding, relative to the largest.
			tol := 1e-13
			if dt == Float32 {
				tol = 1e-6
			}
			a, b := got[0]["m"], got[1]["m"]
			big, worst := 0.0, 0.0
			for j := range a {
				big, worst = max(big, math.Abs(a[j])), max(worst, math.Abs(a[j]-b[j]))
			}
			if big == 0 || worst > tol*big {
				t.Errorf("%s: gradients differ by up to %.3g of the largest (%.3g), want at most %g", name, worst/big, big, tol)
			}
			if d := math.Abs(clipC[1]-clipC[0]) / clipC[0]; d > tol {
				t.Errorf("%s: clipping factor %v joined, %v not: %.3g apart, want at most %g", name, clipC[1], clipC[0], d, tol)
			}
		}
	}
}

// TestJointChosen: a trainer joins the weight gradients of a model whose
// gradients are large (the 784-d MAF's shape, float32) and not those of
// the digits MAF, nor of shards of unequal rows or a single shard; the
// joint products are its weights' and their operands are kept by the
// shards.
func TestJointChosen(t *testing.T) {
	for _, c := range []struct {
		dim, hidden int
		sizes       []int
		elem        int
		want        int // joint products
	}{
		{784, 1024, []int{64, 64}, 4, 10},
		{784, 1024, []int{64, 64}, 8, 10},
		{64, 512, []int{128, 128}, 4, 0},
		{64, 512, []int{128, 128}, 8, 0},
		{784, 1024, []int{65, 64}, 4, 0},
		{784, 1024, []int{128}, 4, 0},
	} {
		m := madeModel(t, 5, c.hidden, c.dim)
		g := splitGradScales(m.Grad)
		h, joint := joinGradients(g, m.Params, c.sizes, c.elem)
		q := Backend(h) // what the shards run
		n := 0
		for i, v := range joint {
			if v == ir.None {
				continue
			}
			n++
			name := ir.GradPrefix + m.Params[i].Name
			a, b := h.Output(jointPrefix+"a:"+name), h.Output(jointPrefix+"b:"+name)
			if h.Output(name) != ir.None || a == ir.None || b == ir.None {
				t.Errorf("%v: %s is joined but the shards' program computes it, or keeps no operands", c, name)
				continue
			}
			if q.Instrs[a].Op == ir.OpNop || q.Instrs[b].Op == ir.OpNop {
				t.Errorf("%v: an operand of %s has no buffer of its own (absorbed by fuse)", c, name)
			}
			if g.Instrs[v].Op != ir.OpMatMul || m.Params[i].Shape != g.Instrs[v].Shape {
				t.Errorf("%v: %s joined as %v %v", c, name, g.Instrs[v].Op, g.Instrs[v].Shape)
			}
		}
		if n != c.want {
			t.Errorf("dim %d hidden %d shards %v elem %d: %d joint products, want %d", c.dim, c.hidden, c.sizes, c.elem, n, c.want)
		}
	}
}

// jointShapes reports whether tr's joint products include one of several
// tasks and a block of several parts.
func jointShapes(tr *Trainer) bool {
	var tasks []jointTask
	var prods [][][]gemmPart
	switch o := tr.upd.(type) {
	case *optState[float32]:
		tasks = o.js.tasks
		for _, st := range o.js.prods {
			prods = append(prods, st.parts)
		}
	case *optState[float64]:
		tasks = o.js.tasks
		for _, st := range o.js.prods {
			prods = append(prods, st.parts)
		}
	}
	per := map[int]int{}
	for _, tk := range tasks {
		per[tk.p]++
	}
	several, parts := false, false
	for _, n := range per {
		several = several || n > 1
	}
	for _, ps := range prods {
		for _, p := range ps {
			parts = parts || len(p) > 1
		}
	}
	return several && parts
}
