package nox_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/stdlib"
)

// Fuzzing whole flows: whatever a flow expression says, fitting it,
// scoring, sampling and mapping rows through the model return or fail
// with an error; nothing panics or hangs (every phase within 8 s, with
// training bounded by a 5 s context and 64 MB of estimated cost). The
// seeds run in go test; `go test -fuzz FuzzGenFlow` explores further.

// FuzzFitFlow fits arbitrary flow expressions: every registered layer
// alone and inverted, and the examples' flows at small sizes, as seeds.
func FuzzFitFlow(f *testing.F) {
	for _, name := range stdlib.Names() {
		f.Add(name+" |> Gaussian", uint8(2), uint8(0), false)
		f.Add("Inverse("+name+") |> Reverse |> "+name+" |> Gaussian", uint8(3), uint8(1), true)
	}
	for _, s := range []string{
		"repeat(3, BNAF(hidden = 4, layers = 2) |> Reverse) |> Gaussian",
		"CircularSpline(4, 4, bins = 3) |> Reverse |> CircularSpline(4, 4, bins = 3) |> Gaussian",
		"CNF(4, 4, trace = \"hutchinson\") |> Gaussian",
		"MAF(8) |> Reverse |> MAF(8) |> Split(1) |> MAF(4) |> Reverse |> MAF(4) |> Gaussian",
		"repeat(2, Inverse(MAF(8)) |> Reverse) |> Inverse(LULinear) |> Inverse(Affine) |> Gaussian",
		"repeat(3, NAF(4, 4, units = 2) |> Reverse) |> Gaussian",
		"repeat(2, SplineCoupling(4, 4, bins = 3)) |> Gaussian",
		"repeat(2, UMNN(4, 4, units = 4) |> Reverse) |> Gaussian",
		"repeat(3, Inverse(Planar)) |> Gaussian",
		"repeat(2, Inverse(AffineCoupling(4, 4, bound = 1))) |> Gaussian",
	} {
		f.Add(s, uint8(2), uint8(0), false)
		f.Add(s, uint8(1), uint8(2), true)
	}
	f.Fuzz(fitFlow)
}

// fitFlow fits flow to 16 rows of dim%4+1 columns (with cdim%3 context
// columns) for 3 steps and runs the model's methods: nothing may panic.
func fitFlow(t *testing.T, flow string, dim, cdim uint8, f32 bool) {
	d, cd, n := int(dim%4)+1, int(cdim%3), 16
	x := mat.NewDense(n, d, nil)
	for i := range n {
		for j := range d {
			x.Set(i, j, math.Sin(float64(3*i+7*j+1))*0.9)
		}
	}
	var c *mat.Dense
	var c1 []float64 // the context of the draws
	if cd > 0 {
		c = mat.NewDense(n, cd, nil)
		for i := range n {
			for j := range cd {
				c.Set(i, j, math.Cos(float64(5*i+j)))
			}
		}
		c1 = c.RawRowView(0)
	}
	o := nox.DefaultFitOptions()
	o.Steps, o.Batch, o.EvalEvery = 3, 4, 2
	o.ValFrac, o.TestFrac = 0.25, 0.25
	if f32 {
		o.DType = "float32"
	}
	o.Limits = compiler.Limits{MaxMemory: 64 << 20}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	// took fails the input if the phase what took over 8 s.
	took := func(what string) {
		if el := time.Since(start); el > 8*time.Second {
			t.Fatalf("%q (%d columns, %d of context, float32 %v): %s took %v", flow, d, cd, f32, what, el)
		}
		start = time.Now()
	}
	m, _, err := nox.Fit(ctx, flow, x, c, o)
	took("Fit")
	if err != nil {
		// A panic turned into an error is still a panic.
		if strings.Contains(err.Error(), "runtime error") {
			t.Fatalf("%q: %v", flow, err)
		}
		return
	}
	if m == nil {
		t.Fatalf("%q: no model and no error", flow)
	}
	_ = m.LogProb(make([]float64, n), x, c)
	took("LogProb")
	_, _ = m.Sample(3, 1, c1)
	took("Sample")
	if z, _, err := m.Forward(x, c); err == nil {
		_, _ = m.Inverse(z, c)
	}
	took("Forward and Inverse")
}

// genFlow builds a flow expression from the bytes of b: stages of
// registered bijectors with arguments at their bounds, defaults and
// small values, wrapped in Inverse or repeat now and then, and a prior.
func genFlow(b []byte) string {
	next := func() int {
		if len(b) == 0 {
			return 0
		}
		v := int(b[0])
		b = b[1:]
		return v
	}
	var bij, pri []*stdlib.Spec
	for _, n := range stdlib.Names() {
		s := stdlib.Lookup(n)
		switch s.Kind {
		case stdlib.Bijector:
			bij = append(bij, s)
		case stdlib.Prior:
			pri = append(pri, s)
		}
	}
	num := func(p stdlib.Param) string {
		lo, hi := p.Min, p.Max
		var cands []float64
		if p.Type == stdlib.Int {
			if p.MinOpen {
				lo++
			}
			cands = []float64{lo, lo + 1, 2, 3}
			if !math.IsInf(hi, 1) && hi < 1e6 {
				cands = append(cands, hi)
			}
		} else {
			cands = []float64{lo + 1e-3, 0.5, 1, 5}
			if !p.MinOpen {
				cands = append(cands, lo)
			}
			if !math.IsInf(hi, 1) && hi < 1e6 && !p.MaxOpen {
				cands = append(cands, hi)
			}
		}
		if len(p.Default) > 0 {
			cands = append(cands, p.Default[0])
		}
		x := cands[next()%len(cands)]
		if p.Type == stdlib.Int {
			x = math.Min(math.Max(math.Round(x), 1), 8)
			return strconv.Itoa(int(x))
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	var stage func(depth int) string
	stage = func(depth int) string {
		s := bij[next()%len(bij)]
		var args []string
		for _, p := range s.Params {
			if !p.Required && next()%2 == 0 {
				continue
			}
			var v string
			switch p.Type {
			case stdlib.Int, stdlib.Float:
				v = num(p)
				if p.Variadic && next()%2 == 0 {
					v += ", " + num(p)
				}
			case stdlib.Bool:
				v = [...]string{"false", "true"}[next()%2]
			case stdlib.Choice:
				v = strconv.Quote(p.Choices[next()%len(p.Choices)])
			case stdlib.Stages:
				if depth > 1 {
					v = "Reverse"
				} else {
					v = stage(depth + 1)
				}
			default:
				if p.Required {
					return "Reverse"
				}
				continue
			}
			if p.PositionalOnly || p.Variadic {
				args = append(args, v)
			} else {
				args = append(args, p.Name+" = "+v)
			}
		}
		out := s.Name
		if len(args) > 0 {
			out += "(" + strings.Join(args, ", ") + ")"
		}
		switch next() % 8 {
		case 0:
			out = "Inverse(" + out + ")"
		case 1:
			out = fmt.Sprintf("repeat(2, %s |> Reverse)", out)
		}
		return out
	}
	var stages []string
	for range 1 + next()%3 {
		stages = append(stages, stage(0))
		if next()%9 == 0 {
			stages = append(stages, "Split(1)")
		}
	}
	stages = append(stages, pri[next()%len(pri)].Name)
	return strings.Join(stages, " |> ")
}

// seedBytes returns 64 pseudo-random bytes for seed i.
func seedBytes(i int) []byte {
	r := rand.New(rand.NewPCG(uint64(i), 7))
	b := make([]byte, 64)
	for j := range b {
		b[j] = byte(r.Uint32())
	}
	return b
}

// TestGenFlow: the generator's flows are varied (the fuzz target's seeds
// reach many layers, not one) and each seed gives the same flow.
func TestGenFlow(t *testing.T) {
	seen := map[string]bool{}
	for i := range 64 {
		s := genFlow(seedBytes(i))
		if s != genFlow(seedBytes(i)) {
			t.Fatalf("seed %d gives two flows", i)
		}
		for _, n := range stdlib.Names() {
			if strings.Contains(s, n+"(") || strings.Contains(s, n+" ") || strings.HasSuffix(s, n) || strings.Contains(s, n+")") {
				seen[n] = true
			}
		}
	}
	if len(seen) < len(stdlib.Names())/2 {
		t.Fatalf("64 seeds name %d of %d layers and priors", len(seen), len(stdlib.Names()))
	}
}

// FuzzGenFlow is FuzzFitFlow over flows that check: genFlow turns the
// fuzzer's bytes into stages of registered layers with arguments at
// their bounds, so that the fuzzer spends its time in lowering, training
// and the model's methods rather than in the parser. Ten minutes of it
// (48,000 flows, -parallel 2) found nothing when it was written.
func FuzzGenFlow(f *testing.F) {
	for i := range 64 {
		f.Add(seedBytes(i), uint8(i), uint8(i/3), i%2 == 0)
	}
	f.Fuzz(func(t *testing.T, b []byte, dim, cdim uint8, f32 bool) {
		fitFlow(t, genFlow(b), dim, cdim, f32)
	})
}
