package nox

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// trainedMoons trains a small model on the moons example data.
func trainedMoons(t *testing.T, src string) *Model {
	t.Helper()
	s, err := Compile(filepath.Join("examples", "m.nox"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(RunOptions{}); err != nil {
		t.Fatal(s.Render(err))
	}
	m, err := s.Model("flow")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

const moonsSrc = `data = csv("data/moons.csv")
flow = MAF(16) |> Reverse |> MAF(16) |> Gaussian
train flow on data { steps = 50, seed = 3 }
`

func testRows() *mat.Dense {
	return mat.NewDense(5, 2, []float64{0, 0, 1, 0.5, -1, 0.3, 2, -0.2, 0.4, 0.9})
}

func TestModelSaveLoadIdentical(t *testing.T) {
	for _, src := range []string{moonsSrc, moonsSrc32} {
		saveLoadIdentical(t, src)
	}
}

// moonsSrc32 is moonsSrc in float32.
var moonsSrc32 = strings.Replace(moonsSrc, "seed = 3", "seed = 3, dtype = float32", 1)

func saveLoadIdentical(t *testing.T, src string) {
	m := trainedMoons(t, src)
	path := filepath.Join(t.TempDir(), "moons.noxm")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	l, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	x := testRows()
	a, b := make([]float64, 5), make([]float64, 5)
	if err := m.LogProb(a, x, nil); err != nil {
		t.Fatal(err)
	}
	if err := l.LogProb(b, x, nil); err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if a[i] != b[i] || math.IsNaN(a[i]) {
			t.Errorf("row %d: log p %v before save, %v after load", i, a[i], b[i])
		}
	}
	s1, _ := m.Sample(100, 7, nil)
	s2, _ := l.Sample(100, 7, nil)
	if !mat.Equal(s1, s2) {
		t.Error("samples with one seed differ after load")
	}
	if l.params.DType != m.params.DType {
		t.Errorf("loaded model runs in %v, saved one in %v", l.params.DType, m.params.DType)
	}
	if l.Source() != src || l.Dim() != 2 || l.NumParams() != m.NumParams() {
		t.Errorf("loaded model: source %q dim %d params %d", l.Source(), l.Dim(), l.NumParams())
	}
	// No temporary files are left beside the model.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after Save, want 1", len(entries))
	}
}

func TestModelForwardInverse(t *testing.T) {
	m := trainedMoons(t, moonsSrc)
	x := testRows()
	z, logdet, err := m.Forward(x, nil)
	if err != nil {
		t.Fatal(err)
	}
	x2, err := m.Inverse(z, nil)
	if err != nil {
		t.Fatal(err)
	}
	var d mat.Dense
	d.Sub(x, x2)
	if e := mat.Norm(&d, math.Inf(1)); e > 1e-9 {
		t.Errorf("Inverse(Forward(x)) differs from x by %g", e)
	}
	// log p(x) = log N(z) + logdet
	lp := make([]float64, 5)
	m.LogProb(lp, x, nil)
	for i := range 5 {
		want := logdet[i]
		for _, v := range z.RawRowView(i) {
			want += -0.5*v*v - 0.5*math.Log(2*math.Pi)
		}
		if math.Abs(lp[i]-want) > 1e-9 {
			t.Errorf("row %d: LogProb %v, prior+logdet %v", i, lp[i], want)
		}
	}
}

func TestModelErrors(t *testing.T) {
	m := trainedMoons(t, moonsSrc)
	if err := m.LogProb(make([]float64, 5), mat.NewDense(5, 3, nil), nil); err == nil || !strings.Contains(err.Error(), "3 columns") {
		t.Errorf("wrong width: %v", err)
	}
	if err := m.LogProb(make([]float64, 4), testRows(), nil); err == nil {
		t.Error("short dst accepted")
	}
	if err := m.LogProb(make([]float64, 5), testRows(), mat.NewDense(5, 1, nil)); err == nil || !strings.Contains(err.Error(), "not conditional") {
		t.Errorf("context for an unconditional model: %v", err)
	}
	if _, err := m.Sample(0, 1, nil); err == nil {
		t.Error("Sample(0) accepted")
	}
}

// TestLoadRefusesDamage: every damaged file is refused with a message
// that says what is wrong.
func TestLoadRefusesDamage(t *testing.T) {
	m := trainedMoons(t, moonsSrc)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.noxm")
	if err := m.Save(good); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(good)
	flip := append([]byte(nil), b...)
	flip[len(flip)/2] ^= 0x10
	newer := append([]byte(nil), b...)
	binary.LittleEndian.PutUint32(newer[4:], FormatVersion+1)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", b[:len(b)*2/3], "truncated"},
		{"truncated header", b[:30], "truncated"},
		{"bit flip", flip, "checksum mismatch"},
		{"newer", newer, "newer nox"},
		{"not a model", []byte("x,y\n1,2\n"), "not a nox model"},
		{"empty", nil, "not a nox model"},
	}
	for _, c := range cases {
		path := filepath.Join(dir, c.name+".noxm")
		os.WriteFile(path, c.data, 0o644)
		_, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

// TestModelConcurrent: LogProb and Sample from many goroutines give what
// they give serially (run with -race).
func TestModelConcurrent(t *testing.T) {
	m := trainedMoons(t, moonsSrc)
	x := mat.NewDense(300, 2, nil)
	for i := range 300 {
		x.Set(i, 0, math.Sin(float64(i)))
		x.Set(i, 1, math.Cos(float64(i)*0.7))
	}
	want := make([]float64, 300)
	m.LogProb(want, x, nil)
	wantS, _ := m.Sample(50, 9, nil)
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				got := make([]float64, 300)
				rows := x
				if g%2 == 1 {
					rows = mat.DenseCopyOf(x.Slice(0, 1, 0, 2)) // a one-row call
				}
				n, _ := rows.Dims()
				m.LogProb(got[:n], rows, nil)
				for i := range n {
					if got[i] != want[i] {
						errs <- "LogProb differs under concurrency"
						return
					}
				}
				s, _ := m.Sample(50, 9, nil)
				if !mat.Equal(s, wantS) {
					errs <- "Sample differs under concurrency"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

// FuzzDecode: no byte string makes Load panic or allocate without bound.
func FuzzDecode(f *testing.F) {
	dir := f.TempDir()
	s, err := Compile(filepath.Join("examples", "m.nox"), []byte(moonsSrc))
	if err != nil {
		f.Fatal(err)
	}
	if err := s.Run(RunOptions{MaxSteps: 2}); err != nil {
		f.Fatal(err)
	}
	m, _ := s.Model("flow")
	path := filepath.Join(dir, "m.noxm")
	m.Save(path)
	b, _ := os.ReadFile(path)
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add([]byte("NOXM\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		decode(b)
	})
}

// TestLoadRefusesCraftedHeaders: a file with a valid checksum but
// arguments the checker would reject is refused, not lowered.
func TestLoadRefusesCraftedHeaders(t *testing.T) {
	m := trainedMoons(t, moonsSrc)
	var buf bytes.Buffer
	m.encode(&buf)
	orig := buf.Bytes()
	reseal := func(from, to string) []byte {
		hl := binary.LittleEndian.Uint64(orig[8:16])
		h := strings.Replace(string(orig[16:16+hl]), from, to, 1)
		if h == string(orig[16:16+hl]) {
			t.Fatalf("header lacks %q", from)
		}
		var out bytes.Buffer
		out.Write(orig[:8])
		binary.Write(&out, binary.LittleEndian, uint64(len(h)))
		out.WriteString(h)
		out.Write(orig[16+hl : len(orig)-sha256.Size])
		sum := sha256.Sum256(out.Bytes())
		out.Write(sum[:])
		return out.Bytes()
	}
	for _, c := range []struct{ from, to, want string }{
		{`"hidden":[16]`, `"hidden":[-3]`, "out of range"},
		{`"hidden":[16]`, `"hidden":[16.5]`, "whole number"},
		{`"layer":"Gaussian"`, `"layer":"Gaussian2"`, "does not have"},
		{`"layer":"Gaussian"`, `"layer":"Reverse"`, "not a prior"},
		{`"dim":2`, `"dim":3`, "standardization"},
		{`"W":[`, `"W":[1,`, "standardization"},
		{`"name":"maf1.h0.w"`, `"name":"maf1.h0.v"`, "saved parameter 0"},
	} {
		_, err := decode(reseal(c.from, c.to))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s → %s: got %v, want %q", c.from, c.to, err, c.want)
		}
	}
}

// TestLogProbFiniteFarAway: densities far from the data are tiny, never
// NaN (log-scales are bounded by default, so no stack of layers
// overflows).
func TestLogProbFiniteFarAway(t *testing.T) {
	m := trainedMoons(t, moonsSrc)
	var xs []float64
	for _, a := range []float64{-1e4, -300, -20, -4.5, 0, 2.8, 30, 1e3, 1e5} {
		for _, b := range []float64{-1e5, -50, -2, 0, 2.8, 7, 400, 1e4} {
			xs = append(xs, a, b)
		}
	}
	n := len(xs) / 2
	lp := make([]float64, n)
	m.LogProb(lp, mat.NewDense(n, 2, xs), nil)
	for i, v := range lp {
		if math.IsNaN(v) || math.IsInf(v, 1) {
			t.Errorf("log p(%v, %v) = %v", xs[2*i], xs[2*i+1], v)
		}
	}
}
