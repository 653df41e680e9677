package runtime

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestMaskedProducts checks that splitting the products over MADE's
// masked weights (masked.go) happens on a MAF large enough to pay, and
// that the split programs agree with the whole products: the forward,
// and gradient programs (masked in the program and by the trainer's
// scales), in both dtypes. (Sampling multiplies column ranges of the masked
// weights, one input at a time: stdlib's madeNet.solve.)
func TestMaskedProducts(t *testing.T) {
	const dim, rows = 16, 64
	m := madeModel(t, 2, 256, dim)
	ps := NewParams(m.Params)
	ps.Init(rand.New(rand.NewPCG(3, 4)))
	in := randomRows(rows, dim, 5)
	for _, p := range []*ir.Program{m.LogProb, m.Grad, splitGradScales(m.Grad)} {
		for _, dt := range []DType{Float64, Float32} {
			ps.DType = dt
			var got [2][][]float64
			split := 0
			for k, on := range []bool{false, true} {
				maskSplit = on
				var pt part
				got[k], pt = runOutputs(p, ps, in, rows, dim)
				if on {
					split = countBlocked(pt)
				}
			}
			maskSplit = true
			// An output whose mask the trainer applies (splitGradScales)
			// is compared masked: the split leaves zeros where the whole
			// product has values the mask discards.
			for i, o := range p.Outputs {
				if sc := gradFactor(p, o.Name); sc != ir.None {
					for _, g := range got {
						for j, x := range g[slices.IndexFunc(p.Outputs, func(o ir.Output) bool { return o.Value == sc })] {
							g[i][j] *= x
						}
					}
				}
			}
			if split == 0 {
				t.Fatalf("%s %v: no product split", p.Name, dt)
			}
			tol := 1e-12
			if dt == Float32 {
				tol = 2e-5
			}
			for i, o := range p.Outputs {
				scale := 0.0
				for _, x := range got[0][i] {
					scale = max(scale, math.Abs(x))
				}
				for j, want := range got[0][i] {
					if d := math.Abs(got[1][i][j] - want); !(d <= tol*max(scale, 1)) {
						t.Fatalf("%s %v: %s[%d] = %v split, %v whole", p.Name, dt, o.Name, j, got[1][i][j], want)
					}
				}
			}
		}
	}
}

func countBlocked(pt part) int {
	n := 0
	switch e := pt.(type) {
	case *execPart[float64]:
		for _, s := range e.exec.steps {
			n += min(len(s.blocks), 1)
		}
	case *execPart[float32]:
		for _, s := range e.exec.steps {
			n += min(len(s.blocks), 1)
		}
	}
	return n
}

// TestMaskCopy checks that each masked weight computed as ir.OpMaskCopy
// is W⊙M, after a parameter change too (the zeros are written once).
func TestMaskCopy(t *testing.T) {
	m := madeModel(t, 2, 24, 5)
	ps := NewParams(m.Params)
	ps.Init(rand.New(rand.NewPCG(1, 1)))
	e := New(m.LogProb, ps, 4, nil)
	q := e.prog
	for round := range 2 {
		e.Run()
		n := 0
		for _, s := range e.pre {
			if s.op != ir.OpMaskCopy {
				continue
			}
			n++
			in := q.Instrs[s.value]
			w, mk := e.bufs[in.Args[0]], q.Instrs[in.Args[1]].Data
			for j, x := range s.out {
				if want := w[j] * mk[j]; x != want {
					t.Fatalf("round %d: %s[%d] = %v, want %v·%v", round, in.Note, j, x, w[j], mk[j])
				}
			}
		}
		if n != 4 {
			t.Fatalf("%d masked copies, want 4", n)
		}
		for i := range ps.Data {
			ps.Data[i] = -2 * ps.Data[i]
		}
		ps.Changed()
	}
}

// TestMaskedOutputZeros checks that a product split by its output mask
// has a buffer no other value shares, so the rows its blocks skip stay
// the zeros they were planned with, run after run.
func TestMaskedOutputZeros(t *testing.T) {
	const dim, rows = 16, 64
	m := madeModel(t, 2, 256, dim)
	ps := NewParams(m.Params)
	ps.Init(rand.New(rand.NewPCG(3, 4)))
	in := randomRows(rows, dim, 5)
	for _, p := range []*ir.Program{m.Grad, splitGradScales(m.Grad)} {
		e := New(p, ps, rows, nil)
		copy(e.Input(0), in)
		q := e.prog
		checked := 0
		for round := range 2 {
			e.Run()
			for _, s := range e.steps {
				skips := slices.ContainsFunc(s.blocks, func(b gemmBlock) bool { return b.m0 > 0 || b.m1 < s.rows })
				if !skips {
					continue
				}
				checked++
				for v, b := range e.bufs {
					if ir.Value(v) != s.value && len(b) > 0 && &b[0] == &s.out[0] {
						t.Fatalf("%s: %s shares its buffer with %s", p.Name, q.Instrs[s.value].Note, q.Instrs[v].Note)
					}
				}
				for _, b := range s.blocks {
					for i := range s.rows {
						if i >= b.m0 && i < b.m1 {
							continue
						}
						for j := b.n0; j < b.n1; j++ {
							if x := s.out[i*s.cols+j]; x != 0 {
								t.Fatalf("round %d: %s[%d,%d] = %v in a skipped row", round, q.Instrs[s.value].Note, i, j, x)
							}
						}
					}
				}
			}
		}
		if checked == 0 {
			t.Fatalf("%s: no product skips rows", p.Name)
		}
	}
}
