package dataset

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sharedToy is where the reference toy sets are: shared/data/toy beside
// the repository (made with NumPy by make_data.py, 20000 × 2 each).
const sharedToy = "../../shared/data/toy"

func readShared(t *testing.T, name string) *Table {
	t.Helper()
	f, err := os.Open(filepath.Join(sharedToy, name+".csv"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("no reference file: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := ReadCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func colStats(t *Table, j int) (mean, std float64) {
	for i := range t.Rows {
		mean += t.Values[i*t.Cols+j]
	}
	mean /= float64(t.Rows)
	for i := range t.Rows {
		d := t.Values[i*t.Cols+j] - mean
		std += d * d
	}
	return mean, math.Sqrt(std / float64(t.Rows))
}

// histTV is the total variation distance between the 2-D histograms of two
// tables on a k×k grid over [-lim, lim]² (points outside in one bin).
func histTV(a, b *Table, k int, lim float64) float64 {
	hist := func(t *Table) []float64 {
		h := make([]float64, k*k+1)
		for i := range t.Rows {
			x, y := t.Values[2*i], t.Values[2*i+1]
			bx := int(math.Floor((x + lim) / (2 * lim) * float64(k)))
			by := int(math.Floor((y + lim) / (2 * lim) * float64(k)))
			if bx < 0 || by < 0 || bx >= k || by >= k {
				h[k*k]++
			} else {
				h[by*k+bx]++
			}
		}
		for i := range h {
			h[i] /= float64(t.Rows)
		}
		return h
	}
	ha, hb := hist(a), hist(b)
	tv := 0.0
	for i := range ha {
		tv += math.Abs(ha[i] - hb[i])
	}
	return tv / 2
}

// TestToyMatchesReference compares each set with the reference file drawn
// by NumPy: per-column means and standard deviations, and the 2-D
// histograms (a mirrored pinwheel or a misplaced ring would fail).
func TestToyMatchesReference(t *testing.T) {
	for _, name := range ToyNames {
		t.Run(name, func(t *testing.T) {
			ref := readShared(t, name)
			got, err := Toy(name, ref.Rows, -1, 0)
			if err != nil {
				t.Fatal(err)
			}
			for j := range 2 {
				gm, gs := colStats(got, j)
				rm, rs := colStats(ref, j)
				if math.Abs(gm-rm) > 0.03*rs || math.Abs(gs-rs) > 0.03*rs {
					t.Errorf("column %d: mean %.4f std %.4f, the reference has mean %.4f std %.4f", j, gm, gs, rm, rs)
				}
			}
			// Two independent samples of 20000 from the same set differ
			// by 0.02 to 0.05 on this grid; a set mirrored left to right
			// (where that changes it) by 0.48 to 0.77.
			if tv := histTV(got, ref, 16, 4.5); tv > 0.1 {
				t.Errorf("histogram differs from the reference's by %.3f (total variation)", tv)
			}
		})
	}
}

// TestToyCheckerboard: every point lies on a dark square of the 4×4 board
// over [-4, 4]², and the 8 squares are equally full.
func TestToyCheckerboard(t *testing.T) {
	check := func(t *testing.T, tab *Table) {
		counts := map[[2]int]int{}
		for i := range tab.Rows {
			x, y := tab.Values[2*i], tab.Values[2*i+1]
			if x < -4 || x >= 4 || y < -4 || y >= 4 {
				t.Fatalf("row %d: (%g, %g) is off the board", i+1, x, y)
			}
			sx, sy := int(math.Floor(x/2)), int(math.Floor(y/2))
			if (sx+sy)%2 != 0 {
				t.Fatalf("row %d: (%g, %g) is on a light square", i+1, x, y)
			}
			counts[[2]int{sx, sy}]++
		}
		if len(counts) != 8 {
			t.Fatalf("%d squares hold points, want 8", len(counts))
		}
		for sq, c := range counts {
			if want := float64(tab.Rows) / 8; math.Abs(float64(c)-want) > 0.06*want {
				t.Errorf("square %v holds %d points, want about %.0f", sq, c, want)
			}
		}
	}
	tab, err := Toy("checkerboard", 20000, -1, 3)
	if err != nil {
		t.Fatal(err)
	}
	check(t, tab)
	t.Run("reference", func(t *testing.T) { check(t, readShared(t, "checkerboard")) })
}

// TestToy8Gaussians: points cluster around the 8 centres 4/1.414·(cos kπ/4,
// sin kπ/4) with per-coordinate std 0.5/1.414, about n/8 each.
func TestToy8Gaussians(t *testing.T) {
	check := func(t *testing.T, tab *Table, std float64) {
		counts := make([]int, 8)
		var ss float64
		for i := range tab.Rows {
			x, y := tab.Values[2*i], tab.Values[2*i+1]
			best, bd := 0, math.Inf(1)
			for k := range 8 {
				s, c := math.Sincos(float64(k) * math.Pi / 4)
				if d := math.Hypot(x-4*c/1.414, y-4*s/1.414); d < bd {
					best, bd = k, d
				}
			}
			counts[best]++
			ss += bd * bd
		}
		// The mean squared distance to the nearest centre is 2σ².
		if got := math.Sqrt(ss / float64(2*tab.Rows)); math.Abs(got-std) > 0.03*std {
			t.Errorf("spread around the centres is %.4f, want %.4f", got, std)
		}
		for k, c := range counts {
			if want := float64(tab.Rows) / 8; math.Abs(float64(c)-want) > 0.06*want {
				t.Errorf("centre %d holds %d points, want about %.0f", k, c, want)
			}
		}
	}
	tab, err := Toy("8gaussians", 20000, -1, 1)
	if err != nil {
		t.Fatal(err)
	}
	check(t, tab, 0.5/1.414)
	t.Run("reference", func(t *testing.T) { check(t, readShared(t, "8gaussians"), 0.5/1.414) })
	t.Run("noise", func(t *testing.T) {
		tab, err := Toy("8gaussians", 20000, 0.2, 1)
		if err != nil {
			t.Fatal(err)
		}
		check(t, tab, 0.2/1.414)
	})
}

// TestToyRings: a quarter of the points on each circle, within the noise.
func TestToyRings(t *testing.T) {
	tab, err := Toy("rings", 20001, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[float64]int{}
	for i := range tab.Rows {
		r := math.Hypot(tab.Values[2*i], tab.Values[2*i+1])
		rr := math.Round(r/0.75) * 0.75
		if math.Abs(r-rr) > 1e-12 {
			t.Fatalf("row %d: radius %v is on no circle", i+1, r)
		}
		counts[rr]++
	}
	want := map[float64]int{3: 5000, 2.25: 5000, 1.5: 5000, 0.75: 5001}
	if !mapsEqual(counts, want) {
		t.Errorf("points per circle %v, want %v", counts, want)
	}
}

func mapsEqual(a, b map[float64]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestToyNoise: noise 0 puts moons and 2spirals points on their curves,
// and the noise parameter scales the spread as documented.
func TestToyNoise(t *testing.T) {
	tab, err := Toy("moons", 1001, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range tab.Rows {
		// Undo the ×2 and shift; the point is on the unit upper half
		// circle at the origin or the lower one at (1, 0.5).
		x, y := (tab.Values[2*i]+1)/2, (tab.Values[2*i+1]+0.2)/2
		outer := math.Abs(math.Hypot(x, y)-1) < 1e-12 && y >= 0
		inner := math.Abs(math.Hypot(x-1, y-0.5)-1) < 1e-12 && y <= 0.5
		if !outer && !inner {
			t.Fatalf("row %d: (%g, %g) is on neither moon", i+1, x, y)
		}
	}
	// Moons' noise is added before the ×2 scaling.
	a, _ := Toy("moons", 50000, 0, 5)
	b, _ := Toy("moons", 50000, 0.3, 5)
	_, sa := colStats(a, 1)
	_, sb := colStats(b, 1)
	if got, want := sb*sb-sa*sa, 4*0.3*0.3; math.Abs(got-want) > 0.05*want {
		t.Errorf("moons noise 0.3 adds variance %.4f, want %.4f", got, want)
	}
	// rings: noise is the std added to each coordinate.
	c, _ := Toy("rings", 50000, 0.05, 5)
	var ss float64
	for i := range c.Rows {
		r := math.Hypot(c.Values[2*i], c.Values[2*i+1])
		d := r - math.Round(r/0.75)*0.75
		ss += d * d
	}
	if got := math.Sqrt(ss / float64(c.Rows)); math.Abs(got-0.05) > 0.002 {
		t.Errorf("rings noise 0.05: radial spread %.4f", got)
	}
	// A negative noise is the default.
	d1, _ := Toy("pinwheel", 100, -1, 9)
	d2, _ := Toy("pinwheel", 100, 0.1, 9)
	if !slices.Equal(d1.Values, d2.Values) {
		t.Error("pinwheel noise -1 is not the default 0.1")
	}
}

func TestToyDeterministic(t *testing.T) {
	for _, name := range ToyNames {
		a, err := Toy(name, 999, -1, 42)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Toy(name, 999, -1, 42)
		c, _ := Toy(name, 999, -1, 43)
		if !slices.Equal(a.Values, b.Values) {
			t.Errorf("%s: the same arguments give different values", name)
		}
		if slices.Equal(a.Values, c.Values) {
			t.Errorf("%s: seeds 42 and 43 give the same values", name)
		}
	}
}

func TestToyShapes(t *testing.T) {
	for _, name := range ToyNames {
		for _, n := range []int{1, 2, 3, 4, 5, 7, 1000} {
			tab, err := Toy(name, n, -1, 0)
			if err != nil {
				t.Fatal(err)
			}
			if tab.Rows != n || tab.Cols != 2 || len(tab.Values) != 2*n || tab.Names != nil {
				t.Fatalf("%s n=%d: %d×%d with %d values", name, n, tab.Rows, tab.Cols, len(tab.Values))
			}
			for _, v := range tab.Values {
				if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 20 {
					t.Fatalf("%s n=%d: value %v", name, n, v)
				}
			}
		}
	}
}

func TestToyErrors(t *testing.T) {
	cases := []struct {
		name  string
		n     int
		noise float64
		err   string
	}{
		{"mons", 10, -1, `unknown toy data set "mons" (did you mean moons?); the sets are 2spirals, 8gaussians, checkerboard, moons, pinwheel, rings`},
		{"Rings", 10, -1, `unknown toy data set "Rings" (did you mean rings?)`},
		{"swissroll", 10, -1, `unknown toy data set "swissroll"; the sets are`},
		{"moons", 0, -1, "toy moons: n must be in [1, 10000000], got 0"},
		{"moons", MaxToyRows + 1, -1, "toy moons: n must be in [1, 10000000], got 10000001"},
		{"moons", 10, math.NaN(), "toy moons: noise must be at most 1000, got NaN"},
		{"rings", 10, math.Inf(1), "toy rings: noise must be at most 1000, got +Inf"},
		{"checkerboard", 10, 0.1, "toy checkerboard has no noise parameter (noise must be negative or 0), got 0.1"},
	}
	for _, c := range cases {
		_, err := Toy(c.name, c.n, c.noise, 0)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("Toy(%q, %d, %v): got %v, want %q", c.name, c.n, c.noise, err, c.err)
		}
	}
	if _, err := Toy("checkerboard", 10, 0, 0); err != nil {
		t.Errorf("checkerboard noise 0: %v", err)
	}
}
