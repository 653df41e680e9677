package nox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"testing"

	"golang.org/x/sys/cpu"
	"gonum.org/v1/gonum/mat"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/internal/modelfile"
	"github.com/noxlang/nox/internal/ulp"
)

// A fixture is a saved model of one format version, kept in
// testdata/models/NAME.noxm, with what it computed when it was written in
// NAME.golden.json. TestFixtures loads every one and checks that today's
// nox computes the same numbers, so a refactor of the compiler, the
// runtime or the file format cannot change what a user's saved model
// computes without a test failing.
//
// The files are written once, by `go test -run TestFixtures -update`,
// which trains and saves the fixtures whose files are missing and leaves
// the others alone: a fixture pins the numbers of the nox that wrote it,
// and an old format's files cannot be written again by a nox that saves a
// newer one. The formats 1 and 2 fixtures were written by nox at commit
// 9179460 (format 1 by rewriting the header of a format-2 file without a
// defensive weight, as format 1 had none).
//
// A deliberate change of the kernels' last bits (float64 exp and tanh
// vectorized, for one) changes what a saved model computes by an ulp or
// so. `go test -run TestFixtures -regolden -v` then rewrites the numbers
// of the goldens written on this machine, the .noxm files untouched,
// logging each number that moved and by how many ulps, and refusing a
// fixture where one moved by more than 64 (regoldenUlps); read the diff.
//
// To add a fixture of the format Save writes now (say version 3): append
// an entry with that format to fixtures, run
// `go test -run TestFixtures -update`, check that its .noxm is small, and
// commit both files.
var fixtures = []fixture{
	{"v1_moons", 1, `data = toy("moons", n = 2000, seed = 1)
flow = MAF(8) |> Reverse |> MAF(8) |> Gaussian
train flow on data { steps = 100, seed = 1, defensive = 0 }
`, rows2, nil, nil},
	{"v2_moons", 2, `data = toy("moons", n = 2000, seed = 0)
flow = MAF(8) |> Reverse |> MAF(8) |> Gaussian
train flow on data { steps = 200, seed = 0, whiten = true, defensive = 0.01 }
`, rows2, nil, nil},
	{"v2_cond", 2, `geyser = csv("data/faithful.csv", columns = [1], context = [0])
flow = MAF(8, 8) |> MAF(8, 8) |> Gaussian
train flow on geyser { steps = 200, batch = 64, seed = 0 }
`, [][]float64{{50}, {55}, {60}, {70}, {75}, {80}, {85}, {95}},
		[][]float64{{1.8}, {2}, {2.5}, {3.5}, {4}, {4.3}, {4.6}, {5}}, []float64{4.5}},
	{"v2_f32", 2, `data = toy("moons", n = 2000, seed = 2)
flow = AffineCoupling(8, 8) |> Permute(seed = 1) |> AffineCoupling(8, 8) |> Gaussian
train flow on data { steps = 200, seed = 2, dtype = float32 }
`, rows2, nil, nil},
	{"v2_std", 2, `data = toy("moons", n = 2000, seed = 3)
flow = MAF(8) |> BatchNorm |> Reverse |> MAF(8) |> DiagGaussian
train flow on data { steps = 200, seed = 3, whiten = false }
`, rows2, nil, nil},
	// Format 3: the standardization among the fixed parameters. v3_moons
	// is v2_moons's program, which trains to the same bits.
	{"v3_moons", 3, `data = toy("moons", n = 2000, seed = 0)
flow = MAF(8) |> Reverse |> MAF(8) |> Gaussian
train flow on data { steps = 200, seed = 0, whiten = true, defensive = 0.01 }
`, rows2, nil, nil},
	{"v3_cond", 3, `geyser = csv("data/faithful.csv", columns = [1], context = [0])
flow = MAF(8, 8) |> MAF(8, 8) |> Gaussian
train flow on geyser { steps = 200, batch = 64, seed = 0 }
`, [][]float64{{50}, {55}, {60}, {70}, {75}, {80}, {85}, {95}},
		[][]float64{{1.8}, {2}, {2.5}, {3.5}, {4}, {4.3}, {4.6}, {5}}, []float64{4.5}},
	// A flow that starts with Logit, with a defensive mixture, saved by
	// the nox before issue 23 (whose defensive fit came before the Logit):
	// written by fac852a, it must load as it was saved.
	{"v3_logit", 3, `data = csv("../testdata/models/unit.csv")
flow = Logit |> MAF(8) |> Gaussian
train flow on data { steps = 200, seed = 0, standardize = false, defensive = 0.05 }
`, rowsUnit, nil, nil},
	// Format 4: the same flow, its defensive fit after the Logit, so that
	// the model has no density outside (0, 1)².
	{"v4_logit", 4, `data = csv("../testdata/models/unit.csv")
flow = Logit |> MAF(8) |> Gaussian
train flow on data { steps = 200, seed = 0, standardize = false, defensive = 0.05 }
`, rowsUnit, nil, nil},
	{"v3_f32_std", 3, `data = toy("moons", n = 2000, seed = 3)
flow = MAF(8) |> BatchNorm |> Reverse |> MAF(8) |> DiagGaussian
train flow on data { steps = 200, seed = 3, whiten = false, dtype = float32 }
`, rows2, nil, nil},
}

// rows2 are the rows an unconditional 2-D fixture is scored at: in the
// moons, near them, and far away.
// rowsUnit are the rows a fixture of data in (0, 1)² is scored at.
var rowsUnit = [][]float64{{0.5, 0.5}, {0.2, 0.3}, {0.8, 0.6}, {0.05, 0.95}, {0.5, 0.25}, {0.99, 0.01}}

var rows2 = [][]float64{{0, 0}, {1, 0.5}, {-1, 0.3}, {2, -0.2}, {0.4, 0.9}, {-0.5, -0.5}, {1.5, -1}, {3, 3}}

type fixture struct {
	name   string
	format uint32 // the format version the file is saved in
	src    string // trains flow "flow" (data paths relative to examples/)
	// x are the rows scored, c their context (conditional models), and
	// sampleC the context of the sample.
	x, c    [][]float64
	sampleC []float64
}

// golden is what a fixture computed when it was written. Floats are
// strconv 'g' -1 strings, which read back to the same bits.
type golden struct {
	// Machine names the architecture and the kernels the numbers were
	// computed with (see machine).
	Machine string      `json:"machine"`
	X       [][]float64 `json:"x"`
	C       [][]float64 `json:"c,omitempty"`
	// LogProb is log p of every row of X.
	LogProb []string `json:"logprob"`
	// Sample is Sample(4, SampleSeed, SampleContext).
	SampleSeed    uint64     `json:"sample_seed"`
	SampleContext []float64  `json:"sample_context,omitempty"`
	Sample        [][]string `json:"sample"`
	// Z and LogDet are Forward of the first two rows of X.
	Z      [][]string `json:"z"`
	LogDet []string   `json:"logdet"`
}

const fixtureDir = "testdata/models"

// machine names what decides the last bits of a model's numbers: the
// architecture and the kernels nox runs on it, which the CPU's vector
// instructions and NOX_GEMM choose (spec.md, Determinism; the noasm build
// tag is not seen here). On a machine with the same name a fixture must
// reproduce its numbers exactly, elsewhere only closely.
func machine() string {
	avx2 := cpu.X86.HasAVX2 && cpu.X86.HasFMA
	gemm := "go"
	switch {
	case cpu.X86.HasAVX512F:
		gemm = "avx512"
	case avx2:
		gemm = "avx2"
	}
	switch env := os.Getenv("NOX_GEMM"); {
	case env == "go", env == "avx2" && avx2, env == "avx512" && cpu.X86.HasAVX512F:
		gemm = env
	}
	return fmt.Sprintf("%s gemm=%s avx2=%v", goruntime.GOARCH, gemm, avx2)
}

// TestFixtures: every saved model of every format loads and computes
// exactly the log-densities, samples and latents it computed when it was
// saved, and it still does after Save and Load.
func TestFixtures(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			path := filepath.Join(fixtureDir, fx.name+".noxm")
			gpath := filepath.Join(fixtureDir, fx.name+".golden.json")
			if *update {
				writeFixture(t, fx, path, gpath)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test -run TestFixtures -update writes missing fixtures)", err)
			}
			if f, err := modelfile.Decode(b); err != nil || f.Version != fx.format {
				t.Fatalf("%s: want a format-%d file, got %v", path, fx.format, err)
			}
			gb, err := os.ReadFile(gpath)
			if err != nil {
				t.Fatal(err)
			}
			var want golden
			if err := json.Unmarshal(gb, &want); err != nil {
				t.Fatalf("%s: %v", gpath, err)
			}
			m, err := nox.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if *regolden && want.Machine != machine() {
				t.Logf("-regolden: %s was written on %q, this is %q: not rewritten", gpath, want.Machine, machine())
			}
			if *regolden && want.Machine == machine() {
				regoldenFixture(t, m, b, want, gpath)
				if gb, err = os.ReadFile(gpath); err != nil {
					t.Fatal(err)
				}
				want = golden{}
				if err := json.Unmarshal(gb, &want); err != nil {
					t.Fatal(err)
				}
			}
			tol := 0.0
			if want.Machine != machine() {
				tol = 1e-9
				if bytes.Contains(b, []byte(`"dtype":"float32"`)) {
					tol = 1e-4
				}
				t.Logf("written on %q, running on %q: comparing to a relative %g, not exactly", want.Machine, machine(), tol)
			}
			compareGolden(t, "loaded", computeGolden(t, m, want.X, want.C, want.SampleContext), want, tol)

			// The model saved again (in the format Save writes now) computes
			// the same.
			again := filepath.Join(t.TempDir(), "again.noxm")
			if err := m.Save(again); err != nil {
				t.Fatal(err)
			}
			m2, err := nox.Load(again)
			if err != nil {
				t.Fatal(err)
			}
			compareGolden(t, "saved again", computeGolden(t, m2, want.X, want.C, want.SampleContext), want, tol)
			if fx.format == nox.FormatVersion {
				if b2, _ := os.ReadFile(again); !bytes.Equal(b2, b) {
					t.Errorf("saved again in format %d, the model differs from the file it was loaded from", fx.format)
				}
			}
		})
	}
}

// regolden rewrites the numbers of this machine's goldens (see fixtures).
var regolden = flag.Bool("regolden", false, "rewrite the numbers of this machine's fixture goldens after a deliberate kernel change, where none moved by more than 64 ulps")

// regoldenFixture recomputes what m (the model of file b) computes at
// want's rows and writes it to gpath, logging every number that changed
// and by how many units in the last place, unless one moved by more than
// regoldenUlps (in float32's units for a float32 model): an ulp or so is
// a kernel rounding differently; more is a bug to find, not to record.
func regoldenFixture(t *testing.T, m *nox.Model, b []byte, want golden, gpath string) {
	t.Helper()
	f32 := bytes.Contains(b, []byte(`"dtype":"float32"`))
	got := computeGolden(t, m, want.X, want.C, want.SampleContext)
	g, w := goldenNumbers(got), goldenNumbers(want)
	if len(g) != len(w) {
		t.Fatalf("%s: %d numbers, the golden %d: not rewritten", gpath, len(g), len(w))
	}
	for i := range g {
		gv, err1 := strconv.ParseFloat(g[i][1], 64)
		wv, err2 := strconv.ParseFloat(w[i][1], 64)
		if err1 != nil || err2 != nil || g[i][0] != w[i][0] {
			t.Fatalf("%s: %s = %q, golden %s = %q", gpath, g[i][0], g[i][1], w[i][0], w[i][1])
		}
		if math.Float64bits(gv) == math.Float64bits(wv) {
			continue
		}
		u := ulp.Distance(gv, wv)
		if f32 {
			u = ulp.Distance(float64(float32(gv)), float64(float32(wv))) // float32 bits widened: 2^29 float64 ulps apart per float32 ulp
			u /= 1 << 29
		}
		t.Logf("%s: %s %s -> %s (%g ulp)", gpath, g[i][0], w[i][1], g[i][1], u)
		if u > regoldenUlps {
			t.Errorf("%s: %s moved by %g ulp, more than %d", gpath, g[i][0], u, regoldenUlps)
		}
	}
	if t.Failed() {
		t.Fatalf("%s: not rewritten", gpath)
	}
	gb, err := json.MarshalIndent(got, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gpath, append(gb, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("rewrote the numbers of %s", gpath)
}

// regoldenUlps is how far -regolden lets a number move.
const regoldenUlps = 64

// goldenNumbers lists g's numbers with their names, in a fixed order.
func goldenNumbers(g golden) [][2]string {
	var out [][2]string
	add := func(name string, vs []string) {
		for i, v := range vs {
			out = append(out, [2]string{fmt.Sprintf("%s[%d]", name, i), v})
		}
	}
	add("logprob", g.LogProb)
	for i, r := range g.Sample {
		add(fmt.Sprintf("sample[%d]", i), r)
	}
	for i, r := range g.Z {
		add(fmt.Sprintf("z[%d]", i), r)
	}
	add("logdet", g.LogDet)
	return out
}

// writeFixture trains and saves fx, and records what the saved model
// computes, unless both files exist.
func writeFixture(t *testing.T, fx fixture, path, gpath string) {
	t.Helper()
	_, err1 := os.Stat(path)
	_, err2 := os.Stat(gpath)
	if err1 == nil && err2 == nil {
		return
	}
	s, err := nox.Compile(filepath.Join("examples", fx.name+".nox"), []byte(fx.src))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(context.Background(), nox.RunOptions{}); err != nil {
		t.Fatal(s.Render(err))
	}
	m, err := s.Model("flow")
	if err != nil {
		t.Fatal(err)
	}
	if m.NumParams() == 0 {
		t.Fatal("training ended as the Gaussian fit: no flow to pin")
	}
	tmp := filepath.Join(t.TempDir(), "m.noxm")
	if err := m.Save(tmp); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(tmp)
	if err != nil {
		t.Fatal(err)
	}
	f, err := modelfile.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case f.Version == fx.format:
	case fx.format == 1 && f.Version == 2 && f.Header.Defensive == 0:
		// Format 1 is format 2 without a defensive weight.
		f.Version = 1
		var buf bytes.Buffer
		if err := modelfile.Encode(&buf, f); err != nil {
			t.Fatal(err)
		}
		b = buf.Bytes()
	default:
		t.Fatalf("this nox saves format %d, and cannot write a format-%d fixture", f.Version, fx.format)
	}
	if err := os.MkdirAll(fixtureDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := nox.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	g := computeGolden(t, l, fx.x, fx.c, fx.sampleC)
	gb, err := json.MarshalIndent(g, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gpath, append(gb, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes) and %s", path, len(b), gpath)
}

// computeGolden is what m computes at rows x (context c) and, for its
// sample, at context sc.
func computeGolden(t *testing.T, m *nox.Model, x, c [][]float64, sc []float64) golden {
	t.Helper()
	g := golden{Machine: machine(), X: x, C: c, SampleSeed: 7, SampleContext: sc}
	xm, cm := dense(x), dense(c)
	lp := make([]float64, len(x))
	if err := m.LogProb(lp, xm, cm); err != nil {
		t.Fatal(err)
	}
	g.LogProb = texts(lp)
	s, err := m.Sample(4, g.SampleSeed, sc)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		g.Sample = append(g.Sample, texts(s.RawRowView(i)))
	}
	x2, c2 := dense(x[:2]), dense(nil)
	if c != nil {
		c2 = dense(c[:2])
	}
	z, logdet, err := m.Forward(x2, c2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		g.Z = append(g.Z, texts(z.RawRowView(i)))
	}
	g.LogDet = texts(logdet)
	return g
}

func dense(rows [][]float64) *mat.Dense {
	if rows == nil {
		return nil
	}
	var data []float64
	for _, r := range rows {
		data = append(data, r...)
	}
	return mat.NewDense(len(rows), len(rows[0]), data)
}

func texts(v []float64) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = strconv.FormatFloat(x, 'g', -1, 64)
	}
	return out
}

// compareGolden reports every number of got that differs from want's:
// in its bits when tol is 0, by more than tol relative (to at least 1)
// otherwise.
func compareGolden(t *testing.T, what string, got, want golden, tol float64) {
	t.Helper()
	cmp := func(name string, g, w []string) {
		if len(g) != len(w) {
			t.Errorf("%s: %s has %d values, want %d", what, name, len(g), len(w))
			return
		}
		for i := range g {
			gv, _ := strconv.ParseFloat(g[i], 64)
			wv, err := strconv.ParseFloat(w[i], 64)
			if err != nil {
				t.Errorf("%s: %s[%d]: golden %q: %v", what, name, i, w[i], err)
				continue
			}
			same := math.Float64bits(gv) == math.Float64bits(wv)
			if tol > 0 {
				same = math.Abs(gv-wv) <= tol*max(1, math.Abs(wv))
			}
			if !same {
				t.Errorf("%s: %s[%d] = %s, want %s", what, name, i, g[i], w[i])
			}
		}
	}
	cmp("logprob", got.LogProb, want.LogProb)
	if len(got.Sample) != len(want.Sample) || len(got.Z) != len(want.Z) {
		t.Fatalf("%s: %d draws and %d latents, want %d and %d", what, len(got.Sample), len(got.Z), len(want.Sample), len(want.Z))
	}
	for i := range got.Sample {
		cmp(fmt.Sprintf("sample[%d]", i), got.Sample[i], want.Sample[i])
	}
	for i := range got.Z {
		cmp(fmt.Sprintf("z[%d]", i), got.Z[i], want.Z[i])
	}
	cmp("logdet", got.LogDet, want.LogDet)
}
