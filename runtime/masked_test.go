package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	goruntime "runtime"
	"slices"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// TestMaskedProducts checks that splitting the products over MADE's
// masked weights (masked.go) happens on a MAF large enough to pay, and
// that the split programs agree with the whole products: the forward,
// and gradient programs (masked in the program and by the trainer's
// scales), in both dtypes, run in pieces (share.go) and in Exec.exec's
// loop over blocks, which agree bit for bit. (Sampling multiplies column ranges of the masked
// weights, one input at a time: stdlib's madeNet.solve.)
func TestMaskedProducts(t *testing.T) {
	defer func(p gemmPath) { gemmForced = p }(gemmForced)
	// 256 inputs: the input weights' float32 blocks are wide
	// (maskBlockColsFor), forward and for the weight gradient.
	for _, c := range []struct{ dim, hidden int }{{16, 256}, {64, 256}, {256, 256}} {
		// Every matrix path: a block's later parts add with gemmAdd,
		// which has paths of its own.
		for _, p := range []gemmPath{pathAuto, pathGo, pathAVX2} {
			if p.available() {
				gemmForced = p
				testMaskedProducts(t, c.dim, c.hidden)
			}
		}
	}
}

// testMaskedProducts is TestMaskedProducts on a MADE of dim inputs and
// hidden units; with 64 inputs, the output weights' blocks are steep
// enough to be run as parts (blockSegments), which is checked too.
func testMaskedProducts(t *testing.T, dim, hidden int) {
	const rows = 64
	m := madeModel(t, 2, hidden, dim)
	ps := NewParams(m.Params)
	ps.Init(rand.New(rand.NewPCG(3, 4)))
	in := randomRows(rows, dim, 5)
	for _, p := range []*ir.Program{m.LogProb, m.Grad, splitGradScales(m.Grad)} {
		for _, dt := range []DType{Float64, Float32} {
			ps.DType = dt
			var got [3][][]float64
			split, parted := 0, 0
			// Whole products; split and run in pieces; split and run in
			// Exec.exec's loop over blocks (no pieces).
			for k, on := range []bool{false, true, true} {
				maskSplit, sharing = on, k != 2
				var pt part
				got[k], pt = runOutputs(p, ps, in, rows, dim)
				if on {
					split, parted = countBlocked(pt)
				}
			}
			maskSplit, sharing = true, true
			for i, o := range p.Outputs {
				for j, x := range got[1][i] {
					if y := got[2][i][j]; math.Float64bits(x) != math.Float64bits(y) {
						t.Fatalf("%s %v: %s[%d] = %v in pieces, %v in exec's loop", p.Name, dt, o.Name, j, x, y)
					}
				}
			}
			if dim == 64 && parted == 0 {
				t.Fatalf("%s %v: no block run as parts or in halves", p.Name, dt)
			}
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

// TestMaskWideBlocks checks which products get wide blocks (float32 on
// the AVX-512 kernels, B not transposed, A at least maskWideMinBytes, at
// least maskWideMinRows rows, and enough columns), and that a MADE over
// 256 inputs gets them where its input weights' A is 64×256 (forward)
// or its transpose (the weight gradients), and only there: never in
// float64, never for dY·Wᵀ. TestMaskedProducts checks the wide blocks'
// products against the whole ones.
func TestMaskWideBlocks(t *testing.T) {
	for _, c := range []struct {
		f64, tB bool
		m, k, n int
		want    int
	}{
		{false, false, 64, 256, 256, maskWideCols},                 // 64 KB of A
		{false, false, 64, 255, 256, maskBlockCols},                // just under
		{false, false, 64, 784, 1024, maskWideCols},                // a 784-d MAF's input weights
		{false, false, 784, 64, 1024, maskWideCols},                // their gradient, Aᵀ of 64 rows
		{false, false, 128, 64, 512, maskBlockCols},                // a digits shard's, 32 KB
		{false, false, 500, 64, 512, maskWideCols},                 // a digits log-density part's, 125 KB
		{false, false, 32, 784, 1024, maskBlockCols},               // a 784-d log-density part's: too few rows
		{false, true, 64, 1568, 1024, maskBlockCols},               // dY·Wᵀ
		{false, false, 64, 784, 2*maskWideCols - 1, maskBlockCols}, // too few columns for two wide blocks
		{true, false, 64, 784, 1024, maskBlockCols},                // float64
	} {
		got := maskBlockColsFor[float32](c.tB, c.m, c.k, c.n)
		if c.f64 {
			got = maskBlockColsFor[float64](c.tB, c.m, c.k, c.n)
		}
		if !gemmAVX512Path() {
			c.want = maskBlockCols // the other kernels' blocks stay narrow
		}
		if got != c.want {
			t.Errorf("%+v: %d columns, want %d", c, got, c.want)
		}
	}
	m := madeModel(t, 2, 256, 256)
	ps := NewParams(m.Params)
	ps.Init(rand.New(rand.NewPCG(3, 4)))
	in := randomRows(64, 256, 5)
	for _, p := range []*ir.Program{m.LogProb, m.Grad} {
		for _, dt := range []DType{Float64, Float32} {
			ps.DType = dt
			_, pt := runOutputs(p, ps, in, 64, 256)
			var wide, trans int
			switch e := pt.(type) {
			case *execPart[float64]:
				wide, trans = wideBlocked(e.exec.steps)
			case *execPart[float32]:
				wide, trans = wideBlocked(e.exec.steps)
			}
			want := 0
			if dt == Float32 && gemmAVX512Path() {
				// The two layers' x·W over the input weights; in the
				// gradient program also their gradients xᵀ·dY and the
				// output weights' Hᵀ·dY (A 64×256 transposed, not run in
				// halves); never dY·Wᵀ.
				want = 2
				if p == m.Grad {
					want = 6
				}
			}
			if wide != want || trans != 0 {
				t.Errorf("%s %v: %d products in wide blocks (%d with B transposed), want %d (0)", p.Name, dt, wide, trans, want)
			}
		}
	}
}

// wideBlocked returns the number of products among steps in wide
// blocks, and of those with B transposed.
func wideBlocked[T Float](steps []step[T]) (wide, trans int) {
	for _, s := range steps {
		if s.blocks != nil && s.blockCols == maskWideCols {
			wide++
			if s.flags&ir.TransB != 0 {
				trans++
			}
		}
	}
	return wide, trans
}

// countBlocked returns the number of products of pt split into blocks,
// and of those run as parts or in halves (halvesOf: in float64 on the
// 64-input MADE's output weights, whose blocks of 8 columns a half
// follow the staircase closely enough that parts do not pay).
func countBlocked(pt part) (blocked, parted int) {
	switch e := pt.(type) {
	case *execPart[float64]:
		for _, s := range e.exec.steps {
			blocked += min(len(s.blocks), 1)
			parted += min(len(s.parts)+s.halves, 1)
		}
	case *execPart[float32]:
		for _, s := range e.exec.steps {
			blocked += min(len(s.blocks), 1)
			parted += min(len(s.parts)+s.halves, 1)
		}
	}
	return blocked, parted
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
// has a buffer no other value shares, so the elements its blocks (and
// their parts) skip stay the zeros they were planned with, run after
// run.
func TestMaskedOutputZeros(t *testing.T) {
	const rows = 64
	for _, dim := range []int{16, 64} {
		m := madeModel(t, 2, 256, dim)
		ps := NewParams(m.Params)
		ps.Init(rand.New(rand.NewPCG(3, 4)))
		in := randomRows(rows, dim, 5)
		for _, p := range []*ir.Program{m.Grad, splitGradScales(m.Grad)} {
			if n := checkOutputZeros(t, New(p, ps, rows, nil), in); n == 0 {
				t.Fatalf("%s, %d inputs: no product skips elements", p.Name, dim)
			}
		}
	}
}

// checkOutputZeros runs e twice on the rows in and checks that every
// element of a product's output that none of its blocks or parts
// covers is zero; it returns the number of products that skip some.
func checkOutputZeros(t *testing.T, e *Exec[float64], in []float64) int {
	t.Helper()
	copy(e.Input(0), in)
	q := e.prog
	checked := 0
	for round := range 2 {
		e.Run()
		for _, s := range e.steps {
			if s.blocks == nil {
				continue
			}
			covered := make([]bool, len(s.out))
			for bi, b := range s.blocks {
				ps := []gemmPart{{b, false}}
				if s.parts != nil && s.parts[bi] != nil {
					ps = s.parts[bi]
				}
				for _, pt := range ps {
					for i := pt.m0; i < pt.m1; i++ {
						for j := pt.n0; j < pt.n1; j++ {
							covered[i*s.cols+j] = true
							if s.halves > 0 {
								covered[i*s.cols+j+s.halves] = true
							}
						}
					}
				}
			}
			if !slices.Contains(covered, false) {
				continue
			}
			checked++
			for v, b := range e.bufs {
				if ir.Value(v) != s.value && len(b) > 0 && &b[0] == &s.out[0] {
					t.Fatalf("%s shares its buffer with %s", q.Instrs[s.value].Note, q.Instrs[v].Note)
				}
			}
			for i, c := range covered {
				if x := s.out[i]; !c && x != 0 {
					t.Fatalf("round %d: %s[%d,%d] = %v in a skipped element", round, q.Instrs[s.value].Note, i/s.cols, i%s.cols, x)
				}
			}
		}
	}
	return checked / 2
}

// TestBlockSegments checks the parts of blocks over staircases, holes
// and a zero block: every nonzero of the mask lies in a part that covers
// its row and column, parts of an output-masked block never overlap, a
// product block's first part writes every column, and the parts save
// work where a block's halves need very different rows.
func TestBlockSegments(t *testing.T) {
	stair := func(step float64) func(p, j int) bool {
		return func(p, j int) bool { return float64(p) < step*float64(j+1) }
	}
	cases := []struct {
		name    string
		l, n    int
		nz      func(p, j int) bool
		parts   bool    // whether some block is split into parts (in float32's grain)
		maxWork float64 // the parts' work over the whole blocks'
	}{
		// digits' output weights: 8 hidden units a degree, 64 degrees.
		{"steep staircase", 512, 128, func(p, j int) bool { return p < 8*(j%64) }, true, 0.85},
		{"gentle staircase", 1024, 1568, stair(0.65), false, 1},
		{"suffixes", 512, 64, func(p, j int) bool { return p >= 8*j }, true, 0.85},
		// dY·(W⊙M)ᵀ over MADE output weights: μ's and α's runs.
		{"two runs", 128, 512, func(p, j int) bool { return p%64 >= j/8 }, true, 0.8},
		{"zeros", 64, 64, func(p, j int) bool { return false }, false, 1},
		{"narrow", 40, 20, stair(2), false, 1},
	}
	defer func(on bool) { maskExact = on }(maskExact)
	for _, exact := range []bool{true, false} {
		maskExact = exact
		testBlockSegments(t, cases)
	}
}

func testBlockSegments(t *testing.T, cases []struct {
	name    string
	l, n    int
	nz      func(p, j int) bool
	parts   bool
	maxWork float64
}) {
	for _, c := range cases {
		var works [2]float64
		grains := []maskGrain{maskGrainOf[float32](), maskGrainOf[float64]()}
		for wi, gr := range grains {
			works[wi] = blockSegmentsWork(t, c.name, c.l, c.n, gr, c.nz, c.parts, c.maxWork)
		}
		// Quarters (float64's) never do more than halves, and follow the
		// steep staircase closer.
		if works[1] > works[0] || c.name == "steep staircase" && works[1] >= works[0] {
			t.Errorf("%s: quarters do %.3f of the whole blocks' work, halves %.3f", c.name, works[1], works[0])
		}
	}
}

// blockSegmentsWork checks the parts of the blocks of an l×n mask with
// nonzeros nz in the grain gr, as TestBlockSegments says, and
// returns the product parts' work over the whole blocks'.
func blockSegmentsWork(t *testing.T, name string, l, n int, gr maskGrain, nz func(p, j int) bool, parts bool, maxWork float64) float64 {
	t.Helper()
	c := struct {
		name    string
		l, n    int
		nz      func(p, j int) bool
		parts   bool
		maxWork float64
	}{fmt.Sprintf("%s, grain %v", name, gr), l, n, nz, parts, maxWork}
	w := gr.cols
	{
		work, whole, split := 0, 0, false
		for n0 := 0; n0 < c.n; n0 += maskBlockCols {
			n1 := min(n0+maskBlockCols, c.n)
			segs := blockSegments(c.l, n0, n1, gr, rowsOf(c.nz))
			lo, hi := c.l, 0
			for p := range c.l {
				for j := n0; j < n1; j++ {
					if c.nz(p, j) {
						lo, hi = min(lo, p), max(hi, p+1)
					}
				}
			}
			lo = min(lo, hi)
			const m = 3
			whole += m * (n1 - n0) * (hi - lo)
			for _, out := range []bool{false, true} {
				var ps []gemmPart
				if out {
					ps = outputParts(segs, n0, n1, m, w)
				} else {
					ps = productParts(segs, m, n0, n1, w)
				}
				if ps == nil {
					ps = []gemmPart{{gemmBlock{0, m, n0, n1, lo, hi}, false}}
					if out {
						ps = []gemmPart{{gemmBlock{lo, hi, n0, n1, 0, m}, false}}
					}
				} else {
					split = true
				}
				checkParts(t, c.name, c.l, n0, n1, c.nz, ps, out)
				if !out {
					work += partsWork(ps, gemmBlock{})
				}
			}
		}
		if w == maskHalfCols && split != c.parts { // the cases' expectation is float32's
			t.Errorf("%s: split into parts %v, want %v", c.name, split, c.parts)
		}
		r := float64(work) / float64(max(whole, 1))
		if r > c.maxWork {
			t.Errorf("%s: parts do %.2f of the whole blocks' work, want at most %.2f", c.name, r, c.maxWork)
		}
		return r
	}
}

// checkParts checks the parts ps of the block of columns [n0, n1) over
// a dimension of l rows (of C if out, else of op(B)) with nonzeros nz.
func checkParts(t *testing.T, name string, l, n0, n1 int, nz func(p, j int) bool, ps []gemmPart, out bool) {
	t.Helper()
	for p := range l {
		for j := n0; j < n1; j++ {
			n := 0
			for _, q := range ps {
				lo, hi := q.k0, q.k1
				if out {
					lo, hi = q.m0, q.m1
				}
				if p >= lo && p < hi && j >= q.n0 && j < q.n1 {
					n++
				}
			}
			if nz(p, j) && n == 0 {
				t.Fatalf("%s: nonzero (%d, %d) in no part of %v", name, p, j, ps)
			}
			if out && n > 1 {
				t.Fatalf("%s: (%d, %d) in %d parts of %v", name, p, j, n, ps)
			}
		}
	}
	if out {
		return
	}
	if f := ps[0]; f.acc || f.n0 != n0 || f.n1 != n1 {
		t.Fatalf("%s: first part %v does not write columns [%d, %d)", name, f, n0, n1)
	}
	for _, q := range ps[1:] {
		if !q.acc {
			t.Fatalf("%s: part %v after the first overwrites", name, q)
		}
	}
}

// TestPartsCores: training a MAF whose masked blocks run as parts gives
// the same bits on one core and on two, where members help with each
// other's products (a block's parts always run together, in order), in
// both dtypes.
func TestPartsCores(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(0))
	const dim, batch = 64, 128
	m := madeModel(t, 2, 256, dim)
	data := randomRows(300, dim, 3)
	if e := New(splitGradScales(m.Grad), NewParams(m.Params), batch/2, nil); !slices.ContainsFunc(e.steps, func(s step[float64]) bool { return s.parts != nil }) {
		t.Fatal("no product runs as parts")
	}
	for _, dt := range []DType{Float64, Float32} {
		var got [2]map[string][]float64
		for k, procs := range []int{1, 2} {
			goruntime.GOMAXPROCS(procs)
			tr := seededTrainer(t, m, dt, data, dim, batch, DefaultAdam(1e-3))
			for range 3 {
				tr.Step()
			}
			tr.Close()
			got[k] = optArrays(tr)
		}
		sameArrays(t, dt.String()+" on two cores", got[1], got[0])
	}
}

// rowsOf turns a test's per-entry nz(p, j) into blockSegments' per-row
// question: does row p have a nonzero in columns [j0, j1)?
func rowsOf(nz func(p, j int) bool) func(p, j0, j1 int) bool {
	return func(p, j0, j1 int) bool {
		for j := j0; j < j1; j++ {
			if nz(p, j) {
				return true
			}
		}
		return false
	}
}

// TestOpRows checks blockSegments' per-row question on a k×n mask against
// the entries themselves, plain and transposed, for every row and every
// range of columns of a few shapes (random masks, a MADE staircase).
func TestOpRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sh := range []struct{ k, n int }{{1, 1}, {5, 7}, {33, 16}, {64, 48}} {
		for _, kind := range []string{"random", "sparse", "staircase"} {
			mask := make([]float64, sh.k*sh.n)
			for i := range mask {
				p, j := i/sh.n, i%sh.n
				switch kind {
				case "random":
					mask[i] = float64(rng.IntN(2))
				case "sparse":
					if rng.IntN(40) == 0 {
						mask[i] = 1
					}
				case "staircase":
					if p >= j {
						mask[i] = 1
					}
				}
			}
			for _, tr := range []bool{false, true} {
				// op(B) is k×n; stored transposed, it is n×k.
				k, n := sh.k, sh.n
				if tr {
					k, n = sh.n, sh.k
				}
				entry := func(p, j int) bool {
					if tr {
						return mask[j*k+p] != 0
					}
					return mask[p*n+j] != 0
				}
				rows, want := opRows(mask, k, n, tr), rowsOf(entry)
				for p := range k {
					for j0 := range n {
						for j1 := j0; j1 <= n; j1++ {
							if g, w := rows(p, j0, j1), want(p, j0, j1); g != w {
								t.Fatalf("%s %d×%d, transposed %v: row %d, columns [%d, %d): %v, want %v", kind, k, n, tr, p, j0, j1, g, w)
							}
						}
					}
				}
			}
		}
	}
}
