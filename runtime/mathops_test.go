package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/compiler/ir"
)

// lgamma is math.Lgamma's value without its sign.
func lgamma(x float64) float64 { v, _ := math.Lgamma(x); return v }

// mathGrid is the test grid of the elementwise math kernels: signed
// zeros, subnormals, values near 0 and ±1, the poles of lgamma, large
// values, infinities, NaN, and random values over several scales.
func mathGrid() []float64 {
	inf := math.Inf(1)
	g := []float64{0, math.Copysign(0, -1), 5e-324, -5e-324, 1e-300, 1e-17, -1e-17, 1e-8, -1e-8,
		0.5, -0.5, 1, -1, 1 - 0x1p-53, -1 + 0x1p-53, -1 - 0x1p-52, 2, -2, -2.5, -3, 3, 1.4616321449683623,
		math.Pi, -math.Pi, math.Pi / 2, 10, 100, 700, 710, -745, -750, 1e10, 1e15, 1e17, -1e17 + 0.5,
		math.MaxFloat64, -math.MaxFloat64, inf, -inf, math.NaN()}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, scale := range []float64{1e-6, 1, 10, 1e4} {
		for range 50 {
			g = append(g, scale*(2*rng.Float64()-1))
		}
	}
	return g
}

// runUnary runs one elementwise op over xs in both precisions.
func runUnary(f func(b *ir.Builder, x ir.Value) ir.Value, xs []float64) ([]float64, []float32) {
	var table []ir.Param
	b := ir.NewBuilder("math", &table)
	b.Output("y", f(b, b.Input("x", len(xs))))
	p := b.Program()
	ps := NewParams(table)
	e64, e32 := NewExec[float64](p, ps, 1, nil), NewExec[float32](p, ps, 1, nil)
	copy(e64.Input(0), xs)
	for i, x := range xs {
		e32.Input(0)[i] = float32(x)
	}
	e64.Run()
	e32.Run()
	return e64.Output("y"), e32.Output("y")
}

func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// TestMathKernels checks the elementwise math kernels against Go's math
// package: in float64 bit for bit (the same result, rounding included);
// in float32 within half a float32 ulp of the float64 function at the
// float32 input (a value out of float32's range must round to ±Inf, an
// underflow to a zero or subnormal within that half ulp).
func TestMathKernels(t *testing.T) {
	pow := func(c float64) func(float64) float64 { return func(x float64) float64 { return math.Pow(x, c) } }
	powOp := func(c float64) func(*ir.Builder, ir.Value) ir.Value {
		return func(b *ir.Builder, x ir.Value) ir.Value { return b.PowConst(x, c) }
	}
	cases := []struct {
		name string
		op   func(*ir.Builder, ir.Value) ir.Value
		ref  func(float64) float64
	}{
		{"sin", (*ir.Builder).Sin, math.Sin},
		{"cos", (*ir.Builder).Cos, math.Cos},
		{"log1p", (*ir.Builder).Log1p, math.Log1p},
		{"expm1", (*ir.Builder).Expm1, math.Expm1},
		{"lgamma", (*ir.Builder).Lgamma, lgamma},
		{"digamma", (*ir.Builder).Digamma, digamma},
		{"powconst 2", powOp(2), pow(2)},
		{"powconst 0.5", powOp(0.5), pow(0.5)},
		{"powconst -1", powOp(-1), pow(-1)},
		{"powconst -1.5", powOp(-1.5), pow(-1.5)},
		{"powconst 3", powOp(3), pow(3)},
		{"powconst 0", powOp(0), pow(0)},
		{"powconst 1/3", powOp(1.0 / 3), pow(1.0 / 3)},
	}
	xs := mathGrid()
	for _, c := range cases {
		y64, y32 := runUnary(c.op, xs)
		for i, x := range xs {
			if want := c.ref(x); !sameFloat(y64[i], want) {
				t.Errorf("%s(%g) = %.17g, math gives %.17g", c.name, x, y64[i], want)
			}
			x32 := float64(float32(x))
			want := c.ref(x32)
			got := float64(y32[i])
			if !within32(got, want) {
				t.Errorf("%s float32(%g) = %.9g, float64 function gives %.17g", c.name, x32, got, want)
			}
		}
	}
}

// within32 reports whether got (a float32) is want rounded to float32 to
// within half a float32 ulp of want.
func within32(got, want float64) bool {
	r := float64(float32(want))
	if math.IsInf(r, 0) || math.IsNaN(want) || r == 0 {
		return sameFloat(got, r) || r == 0 && math.Abs(got) <= 0x1p-150
	}
	ulp := math.Abs(float64(math.Nextafter32(float32(r), float32(math.Inf(1)))) - r)
	if ulp == 0 || math.IsInf(ulp, 0) {
		ulp = math.Abs(r - float64(math.Nextafter32(float32(r), 0)))
	}
	return math.Abs(got-want) <= ulp/2*(1+1e-9)
}

// TestDigamma checks digamma against mpmath's values near poles, near
// ψ's zero and over wide ranges, against closed forms — ψ(1) = −γ,
// ψ(1/2) = −γ − 2 log 2, ψ(1/4) = −γ − π/2 − 3 log 2, ψ(n) = H(n−1) − γ —
// its expansions at 0 and ∞, the recurrence ψ(x+1) = ψ(x) + 1/x and
// the reflection ψ(1−x) − ψ(x) = π cot(πx) over a grid, and its poles.
func TestDigamma(t *testing.T) {
	const euler = 0.57721566490153286061
	type pt struct{ x, want float64 }
	cases := []pt{
		{1, -euler},
		{0.5, -euler - 2*math.Ln2},
		{0.25, -euler - math.Pi/2 - 3*math.Ln2},
		{1e-9, -1e9 - euler + math.Pi*math.Pi/6*1e-9},
		{1e8, math.Log(1e8) - 0.5e-8 - 1/(12*1e16)},
		{-0.5, 2 - euler - 2*math.Ln2},
		{-1.5, 2 - euler - 2*math.Ln2 + 2.0/3},
	}
	// mpmath's digamma at 200 bits, near poles and ψ's zero included
	cases = append(cases, []pt{
		{-26.0000000305269, 32757998.825288236134},
		{-3.000000001, 999999918.5157535123},
		{-2.999999999999, -999911107319.01386457},
		{-0.999999, -999999.57718426430315},
		{-12757.123456789, 17.143595398298299307},
		{-1000000.25, 16.957103961553827759},
		{0.55386185539514, -1.71983090599576168},
		{1.4616321449683622, -9.2412655217294275168e-17},
		{3.7, 1.1671535393615114409},
		{9.999, 2.2516474172057353142},
		{1e-300, -9.9999999999999997494e+299},
		{2.5e-05, -40000.577174542299213},
		{123.456, 4.8118293238289854123},
	}...)
	h := 0.0
	for n := 1; n <= 30; n++ {
		cases = append(cases, pt{float64(n), h - euler})
		h += 1 / float64(n)
	}
	for _, c := range cases {
		got := digamma(c.x)
		// 6 ulps of max(1, |ψ|): the sum of the recurrence cancels
		if math.Abs(got-c.want) > 1.4e-15*math.Max(1, math.Abs(c.want)) {
			t.Errorf("ψ(%g) = %.17g, want %.17g (error %.2g)", c.x, got, c.want, got-c.want)
		}
	}
	worstRec, worstRefl := 0.0, 0.0
	rng := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		x := math.Exp(rng.Float64()*10 - 4) // (0.018, 403)
		// errors relative to the largest term of each identity
		d := digamma(x+1) - digamma(x) - 1/x
		worstRec = max(worstRec, math.Abs(d)/max(1, math.Abs(digamma(x)), 1/x))
		y := -40 * rng.Float64()
		if y == math.Floor(y) {
			continue
		}
		cot := math.Pi / math.Tan(math.Pi*(y-math.Round(y))) // π cot(πy), period 1
		d = digamma(1-y) - digamma(y) - cot
		worstRefl = max(worstRefl, math.Abs(d)/max(1, math.Abs(digamma(y)), math.Abs(cot)))
	}
	if worstRec > 1.5e-15 || worstRefl > 1.5e-15 {
		t.Errorf("recurrence error %.2g, reflection %.2g", worstRec, worstRefl)
	}
	t.Logf("worst relative errors: recurrence %.2g, reflection %.2g", worstRec, worstRefl)
	for _, x := range []float64{0, math.Copysign(0, -1), -1, -2, -1e17, math.Inf(-1), math.NaN()} {
		if got := digamma(x); !math.IsNaN(got) {
			t.Errorf("ψ(%g) = %g, want NaN (a pole or no limit)", x, got)
		}
	}
	if got := digamma(math.Inf(1)); !math.IsInf(got, 1) {
		t.Errorf("ψ(+Inf) = %g, want +Inf", got)
	}
}

// TestMathOpsMapped runs every new elementwise op through a Mapper split
// into two parts and into eight, in both precisions: each result equals
// the whole batch run as one Exec bit for bit (the kernels read only
// their own elements, so the split cannot matter), and a mapped step
// allocates nothing.
func TestMathOpsMapped(t *testing.T) {
	var table []ir.Param
	b := ir.NewBuilder("math", &table)
	x := b.Input("x", 3)
	pos := b.AddConst(b.Abs(x), 0.25)
	terms := []ir.Value{b.Sin(x), b.Cos(x), b.Log1p(pos), b.Expm1(x), b.Lgamma(pos), b.Digamma(pos),
		b.PowConst(pos, -1.5), b.PowConst(x, 3)}
	y := terms[0]
	for _, v := range terms[1:] {
		y = b.Add(y, v)
	}
	b.Output("y", y)
	p := b.Program()
	const n = 200
	rng := rand.New(rand.NewPCG(7, 8))
	data := make([]float64, 3*n)
	for i := range data {
		data[i] = 4 * (2*rng.Float64() - 1)
	}
	for _, dt := range []DType{Float64, Float32} {
		ps := NewParams(table)
		ps.DType = dt
		var want []float64
		if dt == Float64 {
			e := NewExec[float64](p, ps, n, nil)
			copy(e.Input(0), data)
			e.Run()
			want = e.Output("y")
		} else {
			e := NewExec[float32](p, ps, n, nil)
			convert(e.Input(0), data)
			e.Run()
			want = make([]float64, 3*n)
			convert(want, e.Output("y"))
		}
		for _, parts := range []int{2, 8} {
			restore := SetMapParts(1, 1, parts, 0)
			mp := NewMapper(p, ps, "y", n, nil)
			restore()
			if len(mp.parts) != parts {
				t.Fatalf("%d parts planned, want %d", len(mp.parts), parts)
			}
			out := make([]float64, 3*n)
			mp.Map(out, data, n)
			for i := range out {
				if !sameFloat(out[i], want[i]) {
					t.Fatalf("%v, %d parts: element %d = %.17g, one Exec gives %.17g", dt, parts, i, out[i], want[i])
				}
			}
			if a := testing.AllocsPerRun(5, func() { mp.Map(out, data, n) }); a != 0 {
				t.Errorf("%v, %d parts: a mapped step allocates %v times", dt, parts, a)
			}
			mp.Close()
		}
	}
}
