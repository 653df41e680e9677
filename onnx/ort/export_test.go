package ort_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"
	"google.golang.org/protobuf/proto"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/internal/onnxpb"
)

// The end-to-end tests of ONNX export: models exported by the root
// package's API run in ONNX Runtime (run.js here) and are compared with
// nox. They live beside run.js, in a test binary of their own, so that
// their minutes do not add to the root package's.

// examples is the repository's examples directory.
const examples = "../../examples"

// copyExample copies example name and the data sets to a temporary
// directory and returns the copy's path.
func copyExample(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join(examples, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(dir, "data"), os.DirFS(filepath.Join(examples, "data"))); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

// runFlow compiles src as dir/m.nox, runs it and returns the model of its
// flow named flow.
func runFlow(t *testing.T, dir, src string) *nox.Model {
	t.Helper()
	path := filepath.Join(dir, "m.nox")
	s, err := nox.Compile(path, []byte(src))
	if err != nil {
		t.Fatal(nox.RenderError(err, path, []byte(src)))
	}
	if err := s.Run(context.Background(), nox.RunOptions{}); err != nil {
		t.Fatal(s.Render(err))
	}
	m, err := s.Model("flow")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// ortRunner finds node and onnxruntime-node (onnx/ort/node_modules, made
// by `npm install --ignore-scripts` there, as .ci/run does; or the
// directory NOX_ORT_DIR names). Without them the ONNX Runtime tests are
// skipped, saying so.
func ortRunner(t *testing.T) (node, script string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("ONNX Runtime tests skipped: no node on PATH (install Node.js, then npm install --ignore-scripts in onnx/ort)")
	}
	dir := os.Getenv("NOX_ORT_DIR")
	if dir == "" {
		dir, _ = filepath.Abs(".")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "onnxruntime-node")); err != nil {
		t.Skipf("ONNX Runtime tests skipped: no onnxruntime-node in %s (run npm install --ignore-scripts there)", dir)
	}
	return node, filepath.Join(dir, "run.js")
}

type ortTensor struct {
	Dims []int `json:"dims"`
	Data []any `json:"data"`
}

// ortRequest is one model for ONNX Runtime to run, on named inputs
// (rows of a matrix each).
type ortRequest struct {
	model, dtype string
	inputs       map[string]*mat.Dense
}

// runORT runs model on the named inputs and returns every output's
// values.
func runORT(t *testing.T, model, dtype string, inputs map[string]*mat.Dense) map[string][]float64 {
	t.Helper()
	return runORTAll(t, []ortRequest{{model, dtype, inputs}})[0]
}

// runORTAll runs the requests in one process, which loads ONNX Runtime
// once (half a second each time), and returns each one's outputs.
func runORTAll(t *testing.T, reqs []ortRequest) []map[string][]float64 {
	t.Helper()
	node, script := ortRunner(t)
	var list []map[string]any
	for _, r := range reqs {
		ins := map[string]ortTensor{}
		for name, m := range r.inputs {
			ins[name] = tensorOf(m)
		}
		list = append(list, map[string]any{"model": r.model, "dtype": r.dtype, "inputs": ins})
	}
	path := filepath.Join(t.TempDir(), "req.json")
	b, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(node, script, path)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("onnxruntime: %v: %s", err, stderr.String())
	}
	var res []map[string]ortTensor
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if len(res) != len(reqs) {
		t.Fatalf("onnxruntime: %d results for %d models", len(res), len(reqs))
	}
	outs := make([]map[string][]float64, len(res))
	for i, r := range res {
		outs[i] = map[string][]float64{}
		for name, tensor := range r {
			outs[i][name] = tensor.values()
		}
	}
	return outs
}

// tensorOf is m as run.js reads it; JSON has no NaN or Inf, so these
// travel as the strings run.js reads.
func tensorOf(m *mat.Dense) ortTensor {
	r, c := m.Dims()
	data := make([]any, 0, r*c)
	for i := range r {
		for j := range c {
			v := m.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				data = append(data, strings.Replace(strconv.FormatFloat(v, 'g', -1, 64), "Inf", "Infinity", 1))
				continue
			}
			data = append(data, v)
		}
	}
	return ortTensor{Dims: []int{r, c}, Data: data}
}

// values are the tensor's numbers, the non-finite ones back from their
// strings.
func (o ortTensor) values() []float64 {
	var out []float64
	for _, v := range o.Data {
		switch v := v.(type) {
		case float64:
			out = append(out, v)
		case string:
			f, _ := strconv.ParseFloat(strings.Replace(v, "Infinity", "Inf", 1), 64)
			out = append(out, f)
		}
	}
	return out
}

var noChecker sync.Once

// checkONNX runs Debian's python3-onnx checker on model files, in one
// process, when it is installed (.ci/run installs it).
func checkONNX(t *testing.T, paths ...string) {
	t.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import onnx").Run(); err != nil {
		noChecker.Do(func() {
			fmt.Fprintln(os.Stderr, "onnx.checker skipped: python3-onnx is not installed (apt-get install python3-onnx); the exports are still run in ONNX Runtime")
		})
		return
	}
	const script = `import onnx, sys
bad = 0
for p in sys.argv[1:]:
    try:
        onnx.checker.check_model(onnx.load(p), full_check=True)
    except Exception as e:
        print(p, e)
        bad = 1
sys.exit(bad)`
	out, err := exec.Command(py, append([]string{"-c", script}, paths...)...).CombinedOutput()
	if err != nil {
		t.Errorf("onnx.checker rejects: %v\n%s", err, out)
	}
}

// onnxFlows are the flows the export is checked on: every layer family
// and prior, 2-D and 5-D, with and without context.
var onnxFlows = []struct {
	name, flow string
	dim, ctx   int
}{
	{"maf", "MAF(16) |> Reverse |> MAF(16) |> Gaussian", 2, 0},
	{"maf5", "MAF(16, 16) |> Permute |> MAF(16) |> Gaussian", 5, 0},
	{"iaf", "IAF(16) |> Reverse |> Gaussian", 3, 0},
	{"affine-coupling", "AffineCoupling(16) |> AffineCoupling(16) |> ActNorm |> Gaussian", 5, 0},
	{"additive", "AdditiveCoupling(16) |> AdditiveCoupling(16) |> Gaussian", 2, 0},
	{"spline-coupling", "SplineCoupling(16, bins = 5) |> SplineCoupling(16, bins = 5) |> Gaussian", 2, 0},
	{"spline-ar", "SplineAR(16, bins = 4) |> Gaussian", 3, 0},
	{"glow", "ActNorm |> LULinear |> AffineCoupling(8) |> Gaussian", 5, 0},
	{"batchnorm", "BatchNorm |> MAF(8) |> Gaussian", 2, 0},
	{"elementwise", "Affine |> Tanh |> Sigmoid |> Logit |> LeakyReLU |> Gaussian", 2, 0},
	{"planar-radial", "Planar |> Radial |> Planar |> Gaussian", 2, 0},
	{"priors", "MAF(8) |> DiagGaussian", 2, 0},
	{"mixture", "MAF(8) |> GaussianMixture(3)", 2, 0},
	{"studentt", "MAF(8) |> StudentT(4)", 3, 0},
	{"logistic", "MAF(8) |> Logistic", 2, 0},
	{"conditional", "MAF(16) |> AffineCoupling(8) |> Gaussian", 2, 1},
	{"conditional-spline", "SplineCoupling(8, bins = 4) |> SplineAR(8, bins = 4) |> Gaussian", 3, 2},
	{"circular-no-angles", "CircularSpline(8, bins = 3) |> CircularSplineCoupling(8, bins = 3) |> Gaussian", 2, 1},
	{"bnaf", "BNAF(4) |> Reverse |> BNAF(3, layers = 1) |> Gaussian", 2, 1},
	{"naf", "NAF(8, units = 3) |> Reverse |> NAF(8, units = 2) |> Gaussian", 2, 0},
	{"umnn", "UMNN(8, units = 4, nodes = 8) |> Reverse |> UMNN(8, units = 3, nodes = 6) |> Gaussian", 2, 1},
	{"multiscale", "AffineCoupling(8) |> Split(2) |> AffineCoupling(8) |> Gaussian", 4, 0},
	{"dequantize", "Dequantize |> MAF(8) |> Gaussian", 2, 0},
	{"inverted", "Inverse(AffineCoupling(8)) |> Inverse(SplineCoupling(8)) |> Inverse(Radial) |> Gaussian", 2, 0},
	{"cnf", "CNF(8) |> Gaussian", 5, 0},
	{"cnf-conditional", "CNF(8, activation = \"softplus\") |> Inverse(CNF(4, steps = 4)) |> Gaussian", 2, 1},
}

// TestONNXExport trains each flow briefly, exports its functions in
// float64 and float32, runs them in ONNX Runtime and compares with nox
// on the same inputs: within 1e-10 relative in float64 and 1e-5 in
// float32 (log-densities; samples and latents absolutely, scaled by their
// size).
func TestONNXExport(t *testing.T) {
	ortRunner(t)
	for _, f := range onnxFlows {
		t.Run(f.name, func(t *testing.T) {
			m, x, c := onnxModel(t, f.flow, f.dim, f.ctx)
			var cases []onnxCase
			for _, dt := range []string{"float64", "float32"} {
				tol := map[string]float64{"float64": 1e-10, "float32": 1e-5}[dt]
				for _, fn := range nox.ONNXFunctions {
					cases = append(cases, exportCase(t, m, fn, dt, tol, x, c))
				}
			}
			compareONNX(t, cases)
		})
	}
}

// onnxModel trains flow for a few steps on rows drawn from a fixed
// mixture, and returns the model with 64 rows to score.
func onnxModel(t *testing.T, flow string, dim, ctx int) (*nox.Model, *mat.Dense, *mat.Dense) {
	t.Helper()
	n := 400
	x, c := mat.NewDense(n, dim, nil), (*mat.Dense)(nil)
	if ctx > 0 {
		c = mat.NewDense(n, ctx, nil)
	}
	for i := range n {
		for j := range dim {
			v := math.Sin(float64(i*(j+3))) + 0.3*math.Cos(float64(i*i+j))
			switch {
			case strings.Contains(flow, "Logit"):
				v = 0.5 + 0.4*math.Sin(float64(i*(j+3))) // Logit's domain (0, 1)
			case strings.Contains(flow, "Dequantize"):
				v = math.Floor(4 + 3*math.Sin(float64(i*(j+3)))) // counts
			}
			x.Set(i, j, v)
		}
		for j := range ctx {
			c.Set(i, j, math.Cos(float64(i+j)))
		}
	}
	o := nox.DefaultFitOptions()
	// No validation rows: the flow itself is kept (model selection could
	// keep the Gaussian fit), with its defensive mixture.
	o.Steps, o.Seed, o.ValFrac, o.TestFrac = 30, 3, 0, 0
	if strings.Contains(flow, "Dequantize") { // the stage dequantizes, on the raw counts
		o.Dequantize, o.Standardize = false, false
	}
	m, _, err := nox.Fit(context.Background(), flow, x, c, o)
	if err != nil {
		t.Fatal(err)
	}
	xs := mat.DenseCopyOf(x.Slice(0, 64, 0, dim))
	var cs *mat.Dense
	if c != nil {
		cs = mat.DenseCopyOf(c.Slice(0, 64, 0, ctx))
	}
	return m, xs, cs
}

// onnxCase is one exported function to compare: its file, ONNX
// Runtime's inputs and nox's outputs on them.
type onnxCase struct {
	fn, dtype, path string
	tol             float64
	inputs          map[string]*mat.Dense
	want            map[string][]float64
}

// exportCase exports fn of m in dtype and computes nox's outputs on x
// (and c), to compare within tol.
func exportCase(t *testing.T, m *nox.Model, fn, dtype string, tol float64, x, c *mat.Dense) onnxCase {
	t.Helper()
	path := filepath.Join(t.TempDir(), fn+"."+dtype+".onnx")
	var buf bytes.Buffer
	if err := m.ExportONNX(&buf, nox.ONNXOptions{Function: fn, DType: dtype}); err != nil {
		t.Fatalf("%s %s: %v", fn, dtype, err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	inputs := map[string]*mat.Dense{}
	if c != nil {
		inputs["c"] = c
	}
	n, _ := x.Dims()
	want := map[string][]float64{}
	switch fn {
	case "log_prob":
		inputs["x"] = x
		lp := make([]float64, n)
		if err := m.LogProb(lp, x, c); err != nil {
			t.Fatal(err)
		}
		want["log_prob"] = lp
	case "forward":
		inputs["x"] = x
		z, ld, err := m.Forward(x, c)
		if err != nil {
			t.Fatal(err)
		}
		want["z"], want["logdet"] = z.RawMatrix().Data, ld
	case "inverse", "sample":
		z, _, err := m.Forward(x, c)
		if err != nil {
			t.Fatal(err)
		}
		inputs["z"] = z
		want["x"] = x.RawMatrix().Data
	}
	return onnxCase{fn: fn, dtype: dtype, path: path, tol: tol, inputs: inputs, want: want}
}

// compareONNX checks the files of cases, runs them in ONNX Runtime (one
// process for all) and compares the outputs with nox's.
func compareONNX(t *testing.T, cases []onnxCase) {
	t.Helper()
	paths := make([]string, len(cases))
	reqs := make([]ortRequest, len(cases))
	for i, c := range cases {
		paths[i], reqs[i] = c.path, ortRequest{c.path, c.dtype, c.inputs}
	}
	checkONNX(t, paths...)
	gots := runORTAll(t, reqs)
	for i, c := range cases {
		for name, w := range c.want {
			g := gots[i][name]
			if len(g) != len(w) {
				t.Fatalf("%s %s: output %s has %d values, want %d", c.fn, c.dtype, name, len(g), len(w))
			}
			if worst, at := relErr(g, w); worst > c.tol {
				t.Errorf("%s %s: %s[%d] = %v in ONNX Runtime, %v in nox (relative error %.3g > %g)", c.fn, c.dtype, name, at, g[at], w[at], worst, c.tol)
			}
		}
	}
}

// relErr is the largest |a−b| / max(1, |b|), and where.
func relErr(a, b []float64) (float64, int) {
	worst, at := 0.0, 0
	for i := range a {
		if a[i] == b[i] || math.IsNaN(a[i]) && math.IsNaN(b[i]) {
			continue
		}
		e := math.Abs(a[i]-b[i]) / math.Max(1, math.Abs(b[i]))
		if math.IsNaN(e) {
			e = math.Inf(1)
		}
		if e > worst {
			worst, at = e, i
		}
	}
	return worst, at
}

// TestONNXExamples exports the flow of every example, trained or fitted
// for a few steps, and compares its log-density in ONNX Runtime with
// nox's on rows the flow draws (its own data's units and support).
func TestONNXExamples(t *testing.T) {
	ortRunner(t)
	files, _ := filepath.Glob(filepath.Join(examples, "*.nox"))
	vi, _ := filepath.Glob(filepath.Join(examples, "vi", "*.nox"))
	for _, f := range append(files, vi...) {
		name, _ := filepath.Rel(examples, f)
		t.Run(name, func(t *testing.T) {
			path := copyExample(t, name)
			s, err := nox.CompileFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Run(context.Background(), nox.RunOptions{MaxSteps: 20, NoWrite: true}); err != nil {
				t.Fatal(s.Render(err))
			}
			m, err := s.Model("flow")
			if err != nil {
				t.Fatal(err)
			}
			var c *mat.Dense
			var given []float64
			if m.ContextDim() > 0 {
				given = make([]float64, m.ContextDim())
				for i := range given {
					given[i] = 0.5
				}
				c = mat.NewDense(32, len(given), nil)
				for i := range 32 {
					c.SetRow(i, given)
				}
			}
			x, err := m.Sample(32, 1, given)
			if err != nil {
				t.Fatal(err)
			}
			// nox scores in the model's dtype: a float32 model's
			// log-densities are float32's, whichever the export's.
			var cases []onnxCase
			for _, dt := range []string{"float64", "float32"} {
				tol := 1e-10
				if dt == "float32" || m.DType() == "float32" {
					tol = 1e-5
				}
				cases = append(cases, exportCase(t, m, "log_prob", dt, tol, x, c))
			}
			compareONNX(t, cases)
		})
	}
}

// TestSaveONNXStatement: `save FLOW to "m.onnx"` writes the model's
// log-density as ONNX, which ONNX Runtime evaluates as nox does.
func TestSaveONNXStatement(t *testing.T) {
	ortRunner(t)
	dir := t.TempDir()
	m := runFlow(t, dir, "data = toy(\"moons\", n = 500)\nflow = MAF(16) |> Reverse |> MAF(16) |> Gaussian\ntrain flow on data { steps = 50, val_frac = 0 }\nsave flow to \"m.onnx\"\n")
	x, err := m.Sample(20, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float64, 20)
	if err := m.LogProb(want, x, nil); err != nil {
		t.Fatal(err)
	}
	got := runORT(t, filepath.Join(dir, "m.onnx"), m.DType(), map[string]*mat.Dense{"x": x})["log_prob"]
	if worst, at := relErr(got, want); worst > 1e-10 || len(got) != 20 {
		t.Errorf("log_prob[%d]: %v in ONNX Runtime, %v in nox", at, got[at], want[at])
	}
}

// TestONNXOutsideDomain: a row outside the domain of a leading Logit
// (below 0, above 1, infinite) has log-density −Inf in ONNX
// Runtime, in float64 and in a float32 export of the float64 model,
// whose clamps must not round outward (1 − 2⁻⁵³ to 1, 1e-300 to 0: the
// logarithms of the clamped values would be −Inf and the density NaN);
// rows inside agree with nox.
func TestONNXOutsideDomain(t *testing.T) {
	ortRunner(t)
	x := mat.NewDense(300, 2, nil)
	for i := range 300 {
		for j := range 2 {
			x.Set(i, j, 0.5+0.4*math.Sin(float64(i*(j+3))))
		}
	}
	o := nox.DefaultFitOptions()
	o.Steps, o.Seed, o.ValFrac, o.TestFrac, o.Standardize, o.Dequantize = 20, 3, 0, 0, false, false
	m, _, err := nox.Fit(context.Background(), "Logit |> MAF(8) |> Gaussian", x, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]float64{{-0.5, 0.3}, {1.5, 0.3}, {0.3, 7}, {-1e30, 0.3}, {0.3, 1e30}, {math.Inf(1), 0.3}, {math.Inf(-1), 0.3}, {0.3, 0.6}, {0.2, 0.9}}
	xs := mat.NewDense(len(rows), 2, nil)
	for i, r := range rows {
		xs.SetRow(i, r)
	}
	want := make([]float64, len(rows))
	if err := m.LogProb(want, xs, nil); err != nil {
		t.Fatal(err)
	}
	for _, dt := range []string{"float64", "float32"} {
		var buf bytes.Buffer
		if err := m.ExportONNX(&buf, nox.ONNXOptions{Function: "log_prob", DType: dt}); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "m.onnx")
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		got := runORT(t, path, dt, map[string]*mat.Dense{"x": xs})["log_prob"]
		for i, r := range rows {
			inside := r[0] > 0 && r[0] < 1 && r[1] > 0 && r[1] < 1
			switch {
			case !inside && !math.IsInf(got[i], -1):
				t.Errorf("%s: log_prob(%v) = %v in ONNX Runtime, want -Inf (nox: %v)", dt, r, got[i], want[i])
			case inside && math.Abs(got[i]-want[i]) > 1e-4*math.Max(1, math.Abs(want[i])):
				t.Errorf("%s: log_prob(%v) = %v in ONNX Runtime, %v in nox", dt, r, got[i], want[i])
			}
		}
	}
}

// TestExportONNXNoModel: a Model that is not one (the zero value, nil)
// is an error, not a panic.
func TestExportONNXNoModel(t *testing.T) {
	for _, m := range []*nox.Model{nil, {}} {
		err := m.ExportONNX(&bytes.Buffer{}, nox.ONNXOptions{Function: "log_prob"})
		if err == nil || !strings.Contains(err.Error(), "no model") {
			t.Errorf("ExportONNX of %v: %v, want a 'no model' error", m, err)
		}
	}
}

// TestONNXNoUnusedInitializers: every initializer of an exported model
// is an input of a node; a static value read only at export (the
// triangles of LULinear's inverse, solved by a product with their
// inverse) is not stored.
func TestONNXNoUnusedInitializers(t *testing.T) {
	m, _, _ := onnxModel(t, "LULinear |> AffineCoupling(8) |> Gaussian", 3, 0)
	for _, fn := range nox.ONNXFunctions {
		var buf bytes.Buffer
		if err := m.ExportONNX(&buf, nox.ONNXOptions{Function: fn}); err != nil {
			t.Fatal(err)
		}
		var mp onnxpb.ModelProto
		if err := proto.Unmarshal(buf.Bytes(), &mp); err != nil {
			t.Fatal(err)
		}
		used := map[string]bool{}
		for _, n := range mp.GetGraph().GetNode() {
			for _, in := range n.GetInput() {
				used[in] = true
			}
		}
		for _, init := range mp.GetGraph().GetInitializer() {
			if !used[init.GetName()] {
				t.Errorf("%s: initializer %s %v is used by no node", fn, init.GetName(), init.GetDims())
			}
		}
	}
}

// TestONNXMonotoneLoops: the sampling graphs of NAF and UMNN hold each
// dimension's bisection and Newton steps once, as two ONNX Loops (60 and
// 3 iterations), not unrolled: unrolled, the 2-D NAF flow's graph had
// 13,703 nodes and ONNX Runtime took over a minute to load it.
func TestONNXMonotoneLoops(t *testing.T) {
	for _, name := range []string{"naf", "umnn"} {
		t.Run(name, func(t *testing.T) {
			var flow string
			var dim, ctx int
			for _, f := range onnxFlows {
				if f.name == name {
					flow, dim, ctx = f.flow, f.dim, f.ctx
				}
			}
			m, _, _ := onnxModel(t, flow, dim, ctx)
			var buf bytes.Buffer
			if err := m.ExportONNX(&buf, nox.ONNXOptions{Function: "sample"}); err != nil {
				t.Fatal(err)
			}
			var mp onnxpb.ModelProto
			if err := proto.Unmarshal(buf.Bytes(), &mp); err != nil {
				t.Fatal(err)
			}
			nodes, trips := len(mp.GetGraph().GetNode()), map[int64]int{}
			trip := map[string]int64{}
			for _, init := range mp.GetGraph().GetInitializer() {
				if d := init.GetInt64Data(); len(d) == 1 {
					trip[init.GetName()] = d[0]
				}
			}
			for _, n := range mp.GetGraph().GetNode() {
				if n.GetOpType() == "Loop" {
					trips[trip[n.GetInput()[0]]]++
					nodes += len(n.GetAttribute()[0].GetG().GetNode())
				}
			}
			layers := 2
			if trips[60] != layers*dim || trips[3] != layers*dim || len(trips) != 2 {
				t.Errorf("loops by trip count %v, want %d of 60 and of 3", trips, layers*dim)
			}
			if nodes > 1500 {
				t.Errorf("%d nodes, bodies included: the steps are not one loop", nodes)
			}
		})
	}
}
