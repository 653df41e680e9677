package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSplitMix: splitMix is the SplitMix64 stream, value n of it the
// (n+1)-th output of the generator run from key: against the published
// first outputs for seed 1234567 and against the generator stepped one
// value at a time.
func TestSplitMix(t *testing.T) {
	// The reference implementation's (splitmix64.c, Vigna) first outputs
	// for the state 1234567.
	want := []uint64{6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821}
	for n, w := range want {
		if got := splitMix(1234567, uint64(n)); got != w {
			t.Errorf("splitMix(1234567, %d) = %d, want %d", n, got, w)
		}
	}
	for _, key := range []uint64{0, 1, 1 << 63, math.MaxUint64} {
		state := key
		for n := range uint64(1000) {
			state += splitGamma
			z := state
			z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
			z = (z ^ (z >> 27)) * 0x94d049bb133111eb
			z ^= z >> 31
			if got := splitMix(key, n); got != z {
				t.Fatalf("splitMix(%#x, %d) = %#x, the generator stepped gives %#x", key, n, got, z)
			}
		}
	}
	if u := uniformAt(0, 0); u < 0 || u >= 1 {
		t.Errorf("uniformAt(0, 0) = %v, not in [0, 1)", u)
	}
}

// noisyBatches draws steps batches of a trainer over constant rows (every
// value c) with noise widths w, copied by the shards' tasks or on the
// caller (tasks), and returns each batch's input rows, batch row by batch
// row, as the shards' programs read them.
func noisyBatches(t *testing.T, batch, steps int, c float64, w []float64, tasks bool) [][]float64 {
	t.Helper()
	defer func(on bool) { copyInTasks = on }(copyInTasks)
	copyInTasks = tasks
	dim := len(w)
	m := madeModel(t, 1, 8, dim)
	ps := NewParams(m.Params)
	ps.Init(rand.New(rand.NewPCG(1, 1)))
	data := make([]float64, 50*dim)
	for i := range data {
		data[i] = c
	}
	tr, err := NewTrainer(m.Grad, ps, data, dim, batch, DefaultAdam(1e-3), rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	tr.SetNoise(w)
	var out [][]float64
	for range steps {
		tr.drawBatch()
		if tr.drawn != tasks {
			t.Fatalf("rows copied in tasks: %v, want %v", tr.drawn, tasks)
		}
		var rows []float64
		for j, s := range tr.shards {
			if tr.drawn {
				tr.copyRows(j)
			}
			in := s.p.(*execPart[float64]).ins[0]
			rows = append(rows, in[:s.rows*dim]...)
		}
		out = append(out, rows)
	}
	return out
}

// TestNoise: the dequantization noise of SetNoise is uniform in ±w[j] in
// column j (none where w[j] is 0), fresh at every step and in every row,
// and the same whether the shards' tasks or the caller copy the rows.
func TestNoise(t *testing.T) {
	w := []float64{0.5, 0, 2, 0.25}
	const batch, steps, c = 100, 60, 3.0
	got := noisyBatches(t, batch, steps, c, w, true)
	serial := noisyBatches(t, batch, steps, c, w, false)
	for s := range got {
		sameBits(t, fmt.Sprintf("batch %d, tasks against caller", s), got[s], serial[s])
	}
	dim := len(w)
	seen := map[float64]bool{}
	for j, wj := range w {
		var sum, sq float64
		n := 0
		for s := range got {
			for b := range batch {
				x := got[s][b*dim+j]
				if wj == 0 {
					if x != c {
						t.Fatalf("batch %d row %d column %d: %v, want %v (no noise)", s, b, j, x, c)
					}
					continue
				}
				u := (x - c) / wj // uniform in [-1, 1)
				if u < -1 || u >= 1 {
					t.Fatalf("batch %d row %d column %d: %v, beyond %v ± %v", s, b, j, x, c, wj)
				}
				if seen[x] {
					t.Fatalf("batch %d row %d column %d: %v drawn twice", s, b, j, x)
				}
				seen[x] = true
				sum, sq, n = sum+u, sq+u*u, n+1
			}
		}
		if wj == 0 {
			continue
		}
		// Over 6,000 draws: the mean of U(-1, 1) has σ 0.0075, the mean
		// square (1/3) σ 0.0039; five of them either way.
		mean, msq := sum/float64(n), sq/float64(n)
		if math.Abs(mean) > 5*0.0075 || math.Abs(msq-1.0/3) > 5*0.0039 {
			t.Errorf("column %d: noise ÷ width has mean %.4f and mean square %.4f over %d draws, want 0 and 1/3", j, mean, msq, n)
		}
	}
}

// TestNoiseShards: a batch row's noise depends only on its position in
// the stream: column j of row b of the s-th batch gets the value of
// position s·batch·dim + b·dim + j, whatever the shards the batch is
// split into (one for 7 rows, more for 100 and 257).
func TestNoiseShards(t *testing.T) {
	w := []float64{1, 1, 1}
	for _, batch := range []int{7, 100, 257} {
		got := noisyBatches(t, batch, 3, 0, w, true)
		m := madeModel(t, 1, 8, len(w))
		ps := NewParams(m.Params)
		tr, err := NewTrainer(m.Grad, ps, make([]float64, 10*len(w)), len(w), batch, DefaultAdam(1e-3), rand.New(rand.NewPCG(5, 6)))
		if err != nil {
			t.Fatal(err)
		}
		tr.SetNoise(w)
		key, shards := tr.noiseKey, len(tr.shards)
		tr.Close()
		if batch > 7 && shards < 2 {
			t.Fatalf("batch of %d: %d shard, want more", batch, shards)
		}
		for s := range got {
			for i, x := range got[s] {
				at := uint64(s*batch*len(w) + i)
				if want := 2*uniformAt(key, at) - 1; x != want {
					t.Fatalf("batch of %d, step %d, value %d: %v, want position %d's %v", batch, s, i, x, at, want)
				}
			}
		}
	}
}

// TestNoiseAllocs: a step with dequantization noise allocates nothing,
// in either dtype.
func TestNoiseAllocs(t *testing.T) {
	for _, dt := range []DType{Float64, Float32} {
		m := madeModel(t, 2, 16, 4)
		ps := NewParams(m.Params)
		ps.DType = dt
		ps.Init(rand.New(rand.NewPCG(1, 1)))
		tr, err := NewTrainer(m.Grad, ps, randomRows(200, 4, 2), 4, 100, DefaultAdam(1e-3), rand.New(rand.NewPCG(3, 4)))
		if err != nil {
			t.Fatal(err)
		}
		tr.SetNoise([]float64{0.1, 0, 0.2, 0.3})
		tr.Step()
		if a := testing.AllocsPerRun(5, func() { tr.Step() }); a != 0 {
			t.Errorf("%v: a step with noise allocates %v times", dt, a)
		}
		tr.Close()
	}
}
