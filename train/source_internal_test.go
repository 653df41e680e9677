package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/noxlang/nox/dataset"
)

// TestFeistelIsAPermutation checks, for sizes around powers of two, that
// At is a bijection of [0, n) and Pos its inverse, and that another key
// gives another permutation.
func TestFeistelIsAPermutation(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5, 64, 100, 1000, 4097, 65536} {
		f := NewFeistel(n, rand.New(rand.NewPCG(uint64(n), 1)))
		seen := make([]bool, n)
		moved := 0
		for i := range n {
			r := f.At(i)
			if r < 0 || r >= n || seen[r] {
				t.Fatalf("n %d: At(%d) = %d, out of range or seen before", n, i, r)
			}
			seen[r] = true
			if f.Pos(r) != i {
				t.Fatalf("n %d: Pos(At(%d)) = %d", n, i, f.Pos(r))
			}
			if r != i {
				moved++
			}
		}
		if n >= 100 && moved < n/2 {
			t.Errorf("n %d: only %d of the rows move", n, moved)
		}
	}
	a := NewFeistel(1000, rand.New(rand.NewPCG(1, 1)))
	b := NewFeistel(1000, rand.New(rand.NewPCG(2, 1)))
	same := 0
	for i := range 1000 {
		if a.At(i) == b.At(i) {
			same++
		}
	}
	if same > 20 {
		t.Errorf("two keys agree on %d of 1000 positions", same)
	}
}

// TestNewOrderSwitchesAtPermBound: up to PermBound rows the order is
// rng.Perm's, as Split draws it; above, a Feistel network.
func TestNewOrderSwitchesAtPermBound(t *testing.T) {
	defer func(b int) { PermBound = b }(PermBound)
	PermBound = 50
	perm := rand.New(rand.NewPCG(3, 4)).Perm(50)
	o := newOrder(50, rand.New(rand.NewPCG(3, 4)))
	for i, r := range perm {
		if o.at(i) != r || o.pos(r) != i {
			t.Fatalf("position %d: order has row %d, rng.Perm %d", i, o.at(i), r)
		}
	}
	if _, ok := newOrder(51, rand.New(rand.NewPCG(3, 4))).(*Feistel); !ok {
		t.Error("51 rows over a bound of 50 are not split by a Feistel network")
	}
}

// TestStreamStatsMatchStandardization compares the one-pass statistics
// of the rows other than the held-out ones with Standardization of
// those rows in memory, on columns far from 0 and one constant column.
func TestStreamStatsMatchStandardization(t *testing.T) {
	const n, w = 300000, 3 // more than one read chunk
	rng := rand.New(rand.NewPCG(5, 6))
	rows := make([]float64, n*w)
	for i := range n {
		rows[i*w] = 1e6 + rng.NormFloat64()
		rows[i*w+1] = 3 * rng.ExpFloat64()
		rows[i*w+2] = 7
	}
	f := NewFeistel(n, rng)
	const nHeld = 5000
	isHeld := map[int]bool{}
	var held, kept []float64
	for p := range nHeld {
		r := f.At(p)
		isHeld[r] = true
		held = append(held, rows[r*w:(r+1)*w]...)
	}
	for r := range n {
		if !isHeld[r] {
			kept = append(kept, rows[r*w:(r+1)*w]...)
		}
	}
	mean, std, err := streamStats(&dataset.Table{Rows: n, Cols: w, Values: rows}, held)
	if err != nil {
		t.Fatal(err)
	}
	want := Standardization(kept, w, 0, w)
	for j := range w {
		if d := math.Abs(mean[j]-want.Mean[j]) / math.Max(1, math.Abs(want.Mean[j])); d > 1e-12 {
			t.Errorf("column %d: mean %v, want %v", j, mean[j], want.Mean[j])
		}
		if d := math.Abs(std[j]-want.Std[j]) / want.Std[j]; d > 1e-9 {
			t.Errorf("column %d: std %v, want %v", j, std[j], want.Std[j])
		}
	}
}
