package nox_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/internal/fifo"
	"github.com/noxlang/nox/internal/modelfile"
)

// sealed is f as a file, checksum included, written byte by byte rather
// than by modelfile.Encode, which refuses most of what these tests build.
func sealed(t testing.TB, f *modelfile.File) []byte {
	t.Helper()
	hj, err := json.Marshal(&f.Header)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.WriteString("NOXM")
	binary.Write(&b, binary.LittleEndian, f.Version)
	binary.Write(&b, binary.LittleEndian, uint64(len(hj)))
	b.Write(hj)
	binary.Write(&b, binary.LittleEndian, uint64(len(f.Values)))
	for _, v := range f.Values {
		binary.Write(&b, binary.LittleEndian, math.Float64bits(v))
	}
	sum := sha256.Sum256(b.Bytes())
	b.Write(sum[:])
	return b.Bytes()
}

// fixtureFile decodes testdata/models/NAME.noxm.
func fixtureFile(t testing.TB, name string) *modelfile.File {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name+".noxm"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := modelfile.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// edited is the fixture NAME changed by edit (which may change the
// header and the values), as a file.
func edited(name string, edit func(f *modelfile.File)) func(t *testing.T, dir string) string {
	return func(t *testing.T, dir string) string {
		f := fixtureFile(t, name)
		edit(f)
		path := filepath.Join(dir, "m.noxm")
		if err := os.WriteFile(path, sealed(t, f), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
}

// param returns the values of the file's parameter named name.
func param(f *modelfile.File, name string) []float64 {
	at := 0
	for _, p := range f.Header.Params {
		if p.Name == name {
			return f.Values[at : at+p.Rows*p.Cols]
		}
		at += p.Rows * p.Cols
	}
	panic("no parameter " + name)
}

// stages is n stages of one layer, then a Gaussian prior.
func stages(n int, layer string, args map[string][]float64) []modelfile.Stage {
	var s []modelfile.Stage
	for i := range n {
		s = append(s, modelfile.Stage{Layer: layer, Name: fmt.Sprintf("s%d", i), Args: args})
	}
	return append(s, modelfile.Stage{Layer: "Gaussian", Name: "gaussian1"})
}

// hostileModels are model files, each with a valid checksum, that state
// what no model nox wrote does: a flow far larger than its values, values
// that are not numbers, a standardization at odds with itself; and paths
// that are not model files at all. Each crashed the process, hung or
// loaded a model computing nonsense before nox checked what it loads.
var hostileModels = []struct {
	name string
	file func(t *testing.T, dir string) string
	want string
	lim  *compiler.Limits // load it in a program with these limits
}{
	{"MAF with hidden [65536, 65536]", edited("v3_moons", func(f *modelfile.File) {
		f.Header.Stages[0].Args["hidden"] = []float64{65536, 65536}
	}), "do not fit the flow the header describes (4295491660 values)", nil},
	{"LULinear of dimension 60000", edited("v3_moons", func(f *modelfile.File) {
		f.Header.Dim, f.Header.Standardize, f.Header.Whiten = 60000, false, false
		f.Header.Stages = stages(1, "LULinear", nil)
	}), "do not fit the flow the header describes", nil},
	{"context dimension 2^20", edited("v3_cond", func(f *modelfile.File) {
		f.Header.ContextDim, f.Header.ContextColumns = 1<<20, nil
	}), "do not fit the flow the header describes", nil},
	{"1024 hidden layers of 32768", edited("v3_moons", func(f *modelfile.File) {
		f.Header.Stages[0].Args["hidden"] = slices.Repeat([]float64{32768}, 1024)
	}), "bad header: its stages have 1035 argument values, more than its 13 parameter tensors and 4 stages account for", nil},
	{"100 MAFs of 1024 hidden layers", edited("v3_moons", func(f *modelfile.File) {
		args := map[string][]float64{"hidden": slices.Repeat([]float64{1}, 1024)}
		f.Header.Stages = stages(100, "MAF", args)
	}), "bad header: its stages have 102400 argument values, more than its 13 parameter tensors and 101 stages account for", nil},
	{"100 LULinears on 2^20 columns", edited("v3_moons", func(f *modelfile.File) {
		f.Header.Dim, f.Header.Columns, f.Header.Standardize, f.Header.Whiten = 1<<20, nil, false, false
		f.Header.Stages = stages(100, "LULinear", nil)
	}), "values per row", nil},
	{"300,000 argument names", edited("v3_moons", func(f *modelfile.File) {
		for i := range 300_000 {
			f.Header.Stages[0].Args[fmt.Sprint("a", i)] = []float64{}
		}
	}), "keys and values, more than the 262144 a model's header may have", nil},
	{"100,000 argument names", edited("v3_moons", func(f *modelfile.File) {
		for i := range 100_000 {
			f.Header.Stages[0].Args[fmt.Sprint("a", i)] = []float64{}
		}
	}), "bad header: its stages have 100012 argument values, more than", nil},
	{"a header of 17 MB", edited("v3_moons", func(f *modelfile.File) {
		f.Header.Source = strings.Repeat("#", 17<<20)
	}), "bad header: 17826914 bytes long, more than the 16777216", nil},
	{"an argument this nox does not know", edited("v3_moons", func(f *modelfile.File) {
		f.Header.Stages[0].Args["gated\x1b[2J"] = []float64{1}
	}), `has no argument "gated\x1b[2J" in this nox`, nil},
	{"AffineCoupling on one column", edited("v3_moons", func(f *modelfile.File) {
		h := &f.Header
		h.Dim, h.Columns, h.Standardize, h.Whiten, h.Defensive = 1, nil, false, false, 0
		h.Stages = stages(1, "AffineCoupling", map[string][]float64{"hidden": {4}, "bound": {5}})
		h.Params = []modelfile.Param{{Name: "s0.h0.w", Rows: 0, Cols: 4}, {Name: "s0.h0.b", Rows: 1, Cols: 4},
			{Name: "s0.out.w", Rows: 4, Cols: 2}, {Name: "s0.out.b", Rows: 1, Cols: 2}}
		f.Values = make([]float64, 14)
	}), "AffineCoupling needs at least 2 dimensions, got 1", nil},

	{"a NaN weight", edited("v3_moons", func(f *modelfile.File) {
		param(f, "maf1.h0.w")[3] = math.NaN()
	}), `bad parameter "maf1.h0.w": its value [0,3] is NaN`, nil},
	{"an infinite bias", edited("v2_cond", func(f *modelfile.File) {
		param(f, "maf2.out.b")[1] = math.Inf(-1)
	}), `bad parameter "maf2.out.b": its value [0,1] is -Inf`, nil},
	{"W⁻¹ not W's inverse", edited("v3_moons", func(f *modelfile.File) {
		for i := range param(f, "standardize.winv") {
			param(f, "standardize.winv")[i] *= 2
		}
	}), "the stored inverse of the whitening matrix W is not W⁻¹", nil},
	{"a log-det not W's", edited("v3_moons", func(f *modelfile.File) {
		param(f, "standardize.logdet")[0] += 1000
		param(f, "standardize.defensive_logc")[0] += 1000
	}), "its stored log-determinant", nil},
	{"a defensive constant not the log-det's", edited("v3_moons", func(f *modelfile.File) {
		param(f, "standardize.defensive_logc")[0] += 5
	}), "bad parameter standardize.defensive_logc", nil},
	{"a negative deviation", edited("v3_cond", func(f *modelfile.File) {
		param(f, "standardize.std")[0] *= -1
		param(f, "standardize.inv")[0] *= -1
	}), "column 0's deviation is -", nil},
	{"a context deviation of zero", edited("v3_cond", func(f *modelfile.File) {
		param(f, "standardize_context.inv")[0] = 0
	}), "bad parameter standardize_context.inv: context column 0's inverse deviation is 0", nil},
	{"format 2: W⁻¹ not W's inverse", edited("v2_moons", func(f *modelfile.File) {
		f.Header.Std.WInv[1] += 0.5
	}), "bad header std: the stored inverse of the whitening matrix W is not W⁻¹", nil},
	{"format 2: a log-det not W's", edited("v2_moons", func(f *modelfile.File) {
		f.Header.Std.LogDetW += 1000
	}), "bad header std: its stored log-determinant", nil},

	{"a directory", func(t *testing.T, dir string) string { return dir }, "not a regular file (a directory)", nil},
	{"a FIFO", func(t *testing.T, dir string) string {
		path := filepath.Join(dir, "fifo.noxm")
		fifo.MakeOrSkip(t, path)
		return path
	}, "not a regular file (a named pipe)", nil},
	{"standard input", func(t *testing.T, dir string) string {
		if st, err := os.Stat("/dev/stdin"); err != nil || st.Mode().IsRegular() {
			t.Skip("no /dev/stdin, or a regular file")
		}
		return "/dev/stdin"
	}, "not a regular file", nil},
	{"a file of 4 GB", func(t *testing.T, dir string) string {
		path := filepath.Join(dir, "big.noxm")
		b := sealed(t, fixtureFile(t, "v3_moons"))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, 4<<30); err != nil { // sparse: no disk used
			t.Skip(err)
		}
		return path
	}, "more than a model within the limits can have", nil},

	{"a program's parameter limit", edited("v3_moons", func(f *modelfile.File) {}),
		"the model has 132 parameters, more than the limit of 100", &compiler.Limits{MaxParams: 100}},
	{"a program's memory limit", edited("v3_moons", func(f *modelfile.File) {}),
		"the model needs about 34.2 MB of memory, more than the limit of 4 kB", &compiler.Limits{MaxMemory: 4000}},
}

// TestHostileModelFiles: each hostile model file is refused, with a
// message that says why, within a second and without allocating 500 MB
// (the process runs under a soft memory limit of 1 GiB meanwhile).
func TestHostileModelFiles(t *testing.T) {
	for _, c := range hostileModels {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := c.file(t, dir)
			load := func() error {
				_, err := nox.Load(path)
				return err
			}
			if c.lim != nil {
				src := fmt.Sprintf("flow = load(%q)\n", filepath.Base(path))
				load = func() error {
					_, err := nox.CompileWith(filepath.Join(dir, "p.nox"), []byte(src), nox.CompileOptions{Limits: *c.lim})
					return err
				}
			}
			hostile(t, load, c.want, time.Second)
		})
	}
}
