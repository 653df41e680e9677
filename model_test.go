package nox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox/internal/modelfile"
	"github.com/noxlang/nox/train"
)

// trainedMoons trains a small model on the moons example data.
func trainedMoons(t *testing.T, src string) *Model {
	t.Helper()
	s, err := Compile(filepath.Join("examples", "m.nox"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(context.Background(), RunOptions{}); err != nil {
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

// withOptions returns moonsSrc with extra train options.
func withOptions(opts string) string {
	return strings.Replace(moonsSrc, "seed = 3 }", "seed = 3"+opts+" }", 1)
}

// assertSameModel checks that b gives a's log-probabilities and samples
// exactly.
func assertSameModel(t *testing.T, a, b *Model) {
	t.Helper()
	x := testRows()
	la, lb := make([]float64, 5), make([]float64, 5)
	if err := a.LogProb(la, x, nil); err != nil {
		t.Fatal(err)
	}
	if err := b.LogProb(lb, x, nil); err != nil {
		t.Fatal(err)
	}
	for i := range la {
		if la[i] != lb[i] || math.IsNaN(la[i]) {
			t.Errorf("row %d: log p %v before save, %v after load", i, la[i], lb[i])
		}
	}
	s1, _ := a.Sample(100, 7, nil)
	s2, _ := b.Sample(100, 7, nil)
	if !mat.Equal(s1, s2) {
		t.Error("samples with one seed differ after load")
	}
}

// TestModelSaveLoadIdentical: a saved model reloads with its defensive
// weight, the same log-probabilities and the same samples.
func TestModelSaveLoadIdentical(t *testing.T) {
	for _, c := range []struct {
		opts string
		eps  float64
	}{{"", 0.01}, {", defensive = 0.3", 0.3}, {", defensive = 0", 0}, {", dtype = float32", 0.01}} {
		t.Run(c.opts, func(t *testing.T) {
			src := withOptions(c.opts)
			m := trainedMoons(t, src)
			if m.m.Options.Defensive != c.eps || len(m.m.Stages) != 4 {
				t.Fatalf("trained model: defensive %v, %d stages; want %v and the flow's 4", m.m.Options.Defensive, len(m.m.Stages), c.eps)
			}
			path := filepath.Join(t.TempDir(), "moons.noxm")
			if err := m.Save(path); err != nil {
				t.Fatal(err)
			}
			l, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			assertSameModel(t, m, l)
			if l.m.Options.Defensive != c.eps {
				t.Errorf("loaded defensive weight %v, saved %v", l.m.Options.Defensive, c.eps)
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
		})
	}
}

// reseal replaces from by to in the header of an encoded model, sets its
// format version and recomputes the checksum.
func reseal(t *testing.T, orig []byte, version uint32, from, to string) []byte {
	t.Helper()
	hl := binary.LittleEndian.Uint64(orig[8:16])
	if !strings.Contains(string(orig[16:16+hl]), from) {
		t.Fatalf("header lacks %q", from)
	}
	h := strings.Replace(string(orig[16:16+hl]), from, to, 1)
	var out bytes.Buffer
	out.Write(orig[:4])
	binary.Write(&out, binary.LittleEndian, version)
	binary.Write(&out, binary.LittleEndian, uint64(len(h)))
	out.WriteString(h)
	out.Write(orig[16+hl : len(orig)-sha256.Size])
	sum := sha256.Sum256(out.Bytes())
	out.Write(sum[:])
	return out.Bytes()
}

// TestLoadFormat1: a model saved in format 1 (no defensive weight) loads
// as the flow alone; a weight in a format-1 header, or one outside
// [0, 1), is refused.
func TestLoadFormat1(t *testing.T) {
	// Without standardization, formats 1 to 3 hold the same header and
	// values (the fixtures in testdata/models cover standardized ones).
	m := trainedMoons(t, withOptions(", defensive = 0, standardize = false"))
	var buf bytes.Buffer
	m.encode(&buf)
	v1 := reseal(t, buf.Bytes(), 1, "", "")
	l, err := decode(v1)
	if err != nil {
		t.Fatalf("format 1: %v", err)
	}
	if l.m.Options.Defensive != 0 {
		t.Errorf("format 1 loads with defensive weight %v", l.m.Options.Defensive)
	}
	assertSameModel(t, m, l)

	d := trainedMoons(t, moonsSrc)
	buf.Reset()
	d.encode(&buf)
	for _, c := range []struct {
		version  uint32
		from, to string
	}{
		{1, `"defensive":0.01`, `"defensive":0.01`},
		{2, `"defensive":0.01`, `"defensive":1`},
		{2, `"defensive":0.01`, `"defensive":-0.5`},
	} {
		_, err := decode(reseal(t, buf.Bytes(), c.version, c.from, c.to))
		if err == nil || !strings.Contains(err.Error(), "defensive weight") {
			t.Errorf("format %d with %s: got %v", c.version, c.to, err)
		}
	}
}

// fitLogProb is log p_fit(x) of a whitened model, computed directly:
// log N((x − mean)·W; 0, I) + log|det W|.
func fitLogProb(m *Model, x []float64) float64 {
	d := m.Dim()
	mean, w := fixedParam(m, "standardize.mean"), fixedParam(m, "standardize.w")
	lp := fixedParam(m, "standardize.logdet")[0]
	for k := range d {
		h := 0.0
		for j := range d {
			h += (x[j] - mean[j]) * w[j*d+k]
		}
		lp += -0.5*h*h - 0.5*math.Log(2*math.Pi)
	}
	return lp
}

// TestModelForwardInverse: Forward and Inverse are the flow's bijection,
// and LogProb is the prior at Forward's latents plus its log-det — the
// flow's density — mixed with the Gaussian fit at weight ε when the
// model has a defensive weight.
func TestModelForwardInverse(t *testing.T) {
	for _, c := range []struct {
		opts string
		eps  float64
	}{{", defensive = 0", 0}, {"", 0.01}, {", defensive = 0.5", 0.5}} {
		t.Run(c.opts, func(t *testing.T) {
			m := trainedMoons(t, withOptions(c.opts))
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
			lp := make([]float64, 5)
			m.LogProb(lp, x, nil)
			for i := range 5 {
				flow := logdet[i] // log N(z) + logdet
				for _, v := range z.RawRowView(i) {
					flow += -0.5*v*v - 0.5*math.Log(2*math.Pi)
				}
				want := flow
				if c.eps > 0 {
					want = math.Log((1-c.eps)*math.Exp(flow) + c.eps*math.Exp(fitLogProb(m, x.RawRowView(i))))
				}
				if math.Abs(lp[i]-want) > 1e-9 {
					t.Errorf("row %d: LogProb %v, want %v (flow %v)", i, lp[i], want, flow)
				}
			}
		})
	}
}

// TestTrainFallsBackToFit: a flow that does not beat the Gaussian fit on
// the validation rows by two standard errors (here: one step with a
// learning rate that ruins it) ends as the fit itself when defensive > 0 — no parameters,
// log p(x) = log p_fit(x) exactly as computed directly — and reports
// best_step 0 and the flow's parameter count; with defensive = 0 it keeps
// the initial flow, as before.
func TestTrainFallsBackToFit(t *testing.T) {
	for _, c := range []struct {
		opts string
		fit  bool
	}{{"", true}, {", defensive = 0.5", true}, {", defensive = 0", false}} {
		t.Run(c.opts, func(t *testing.T) {
			src := strings.Replace(withOptions(c.opts), "steps = 50", "steps = 1, lr = 5", 1)
			s, err := Compile(filepath.Join("examples", "m.nox"), []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			var ev Event
			if err := s.Run(context.Background(), RunOptions{OnEvent: func(e Event) { ev = e }}); err != nil {
				t.Fatal(s.Render(err))
			}
			m, _ := s.Model("flow")
			if ev.BestStep == nil || *ev.BestStep != 0 || ev.Params == 0 {
				t.Errorf("event: best_step %v, params %d; want 0 and the flow's count", ev.BestStep, ev.Params)
			}
			if got := m.NumParams() == 0; got != c.fit {
				t.Fatalf("model has %d parameters; want the fit: %v", m.NumParams(), c.fit)
			}
			if !c.fit {
				return
			}
			if m.m.Options.Defensive != 0 || len(m.m.Stages) != 1 {
				t.Errorf("the fit has defensive weight %v and %d stages; want 0 and 1 (the prior)", m.m.Options.Defensive, len(m.m.Stages))
			}
			x := testRows()
			lp := make([]float64, 5)
			m.LogProb(lp, x, nil)
			for i := range 5 {
				if want := fitLogProb(m, x.RawRowView(i)); math.Abs(lp[i]-want) > 1e-12*max(1, math.Abs(want)) {
					t.Errorf("row %d: log p %v, the fit's %v", i, lp[i], want)
				}
			}
			// It saves and loads like any model.
			path := filepath.Join(t.TempDir(), "fit.noxm")
			if err := m.Save(path); err != nil {
				t.Fatal(err)
			}
			l, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			assertSameModel(t, m, l)
		})
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
	binary.LittleEndian.PutUint32(newer[4:], modelfile.Version+1)
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
	for _, src := range []string{moonsSrc, withOptions(", dtype = float32")} {
		modelConcurrent(t, trainedMoons(t, src))
	}
}

func modelConcurrent(t *testing.T, m *Model) {
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
	if err := s.Run(context.Background(), RunOptions{MaxSteps: 2}); err != nil {
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
	for _, c := range []struct{ from, to, want string }{
		{`"hidden":[16]`, `"hidden":[-3]`, "out of range"},
		{`"hidden":[16]`, `"hidden":[16.5]`, "whole number"},
		{`"layer":"Gaussian"`, `"layer":"Gaussian2"`, "does not have"},
		{`"layer":"Gaussian"`, `"layer":"Reverse"`, "not a prior"},
		{`"dim":2`, `"dim":3`, "do not fit the flow"},
		{`"standardize":true`, `"standardize":true,"std":{"Mean":[0,0],"Std":[1,1]}`, "holds no standardization"},
		{`"name":"standardize.w","rows":2,"cols":2,"state":true,"fixed":true`, `"name":"standardize.w","rows":2,"cols":2,"state":true`, "saved parameter"},
		{`"name":"maf1.h0.w"`, `"name":"maf1.h0.v"`, "saved parameter 0"},
	} {
		_, err := decode(reseal(t, orig, FormatVersion, c.from, c.to))
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

// fixedParam returns the values of a model's fixed parameter.
func fixedParam(m *Model, name string) []float64 {
	for i, p := range m.params.Table {
		if p.Name == name && p.Fixed {
			return m.params.Views[i]
		}
	}
	panic("no fixed parameter " + name)
}

// TestLoadHugeDimRefused (review of issue 17): a small file whose header
// claims a million whitened columns is refused before anything of that
// size is allocated (lowering holds the identity as no data, and the
// parameter table is checked against the file first).
func TestLoadHugeDimRefused(t *testing.T) {
	f := &modelfile.File{Version: 3, Header: modelfile.Header{Name: "flow", Dim: 1 << 20, Standardize: true, Whiten: true,
		Stages: []modelfile.Stage{{Layer: "Gaussian", Name: "gaussian1"}}}}
	var buf bytes.Buffer
	if err := modelfile.Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	_, err := decode(buf.Bytes())
	goruntime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "do not fit") {
		t.Errorf("decode: %v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 200<<20 {
		t.Errorf("refusing it allocated %d MB", grew>>20)
	}
}

// namedData writes a CSV file with a header line to dir: the moons and a
// third column, named u, v and w.
func namedData(t *testing.T, dir string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("examples", "data", "moons.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	out.WriteString("u,v,w\n")
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[:600] {
		fmt.Fprintf(&out, "%s,%d\n", strings.TrimSpace(line), i%3)
	}
	if err := os.WriteFile(filepath.Join(dir, "named.csv"), []byte(out.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestColumnNamesTravel (issue 24): a model trained on a CSV file with a
// header knows its columns' names, writes them as the header of its
// samples, and keeps them through Save and Load; one trained on a
// headerless file has none and writes no header.
func TestColumnNamesTravel(t *testing.T) {
	dir := t.TempDir()
	namedData(t, dir)
	src := `data = csv("named.csv", columns = ["v", "u"], context = ["w"])
flow = MAF(8) |> Gaussian
train flow on data { steps = 10, seed = 1 }
sample flow 5 given [1] to "s.csv"
save flow to "m.noxm"
`
	s, err := Compile(filepath.Join(dir, "m.nox"), []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(context.Background(), RunOptions{}); err != nil {
		t.Fatal(s.Render(err))
	}
	m, _ := s.Model("flow")
	check := func(what string, m *Model) {
		t.Helper()
		d, c := m.Columns()
		if strings.Join(d, ",") != "v,u" || strings.Join(c, ",") != "w" {
			t.Errorf("%s: columns %q, context columns %q; want [v u] and [w]", what, d, c)
		}
	}
	check("trained", m)
	l, err := Load(filepath.Join(dir, "m.noxm"))
	if err != nil {
		t.Fatal(err)
	}
	check("loaded", l)
	if b, _ := os.ReadFile(filepath.Join(dir, "s.csv")); !strings.HasPrefix(string(b), "v,u\n") {
		t.Errorf("samples start %q, want the header v,u", b[:min(len(b), 20)])
	}

	// Unnamed: no names, no header.
	src = strings.Replace(moonsSrc, "train flow on data { steps = 50, seed = 3 }", "train flow on data { steps = 5 }\nsample flow 5 to \""+filepath.ToSlash(filepath.Join(dir, "u.csv"))+"\"", 1)
	m = trainedMoons(t, src)
	if d, c := m.Columns(); d != nil || c != nil {
		t.Errorf("headerless data: columns %q, %q; want none", d, c)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "u.csv")); len(b) == 0 || strings.ContainsAny(string(b[:1]), "uvwx") {
		t.Errorf("unnamed samples start %q, want a number", b[:min(len(b), 20)])
	}
}

// TestLoadColumnNames (issue 24): a format-3 header may name the columns,
// one name per column; a wrong count is refused.
func TestLoadColumnNames(t *testing.T) {
	m := trainedMoons(t, moonsSrc)
	var buf bytes.Buffer
	m.encode(&buf)
	l, err := decode(reseal(t, buf.Bytes(), FormatVersion, `"name":"flow"`, `"name":"flow","columns":["p","q"]`))
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := l.Columns(); strings.Join(d, ",") != "p,q" {
		t.Errorf("loaded columns %q, want [p q]", d)
	}
	_, err = decode(reseal(t, buf.Bytes(), FormatVersion, `"name":"flow"`, `"name":"flow","columns":["p"]`))
	if err == nil || !strings.Contains(err.Error(), "bad header: 1 data column names for 2 data columns") {
		t.Errorf("one name for two columns: got %v", err)
	}
}

// TestTrainEventInfiniteNLL: a train or test NLL of +Inf (held-out rows
// outside a restricted layer's support) has no JSON number; the event
// leaves it out and says why in its warning, and still encodes.
func TestTrainEventInfiniteNLL(t *testing.T) {
	ev := trainEvent("flow", train.Report{Steps: 3, TrainNLL: 1.5, TestNLL: math.Inf(1), BestStep: -1})
	if ev.TestNLL != nil || ev.TrainNLL == nil || !strings.Contains(ev.Warning, "test NLL is +Inf") {
		t.Errorf("event %+v", ev)
	}
	if _, err := json.Marshal(ev); err != nil {
		t.Errorf("json: %v", err)
	}
}
