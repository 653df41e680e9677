package modelfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"go/build"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// fixtureDir holds saved models of every format (see TestFixtures in the
// nox package).
const fixtureDir = "../../testdata/models"

// TestImports: the format depends on nothing but the standard library,
// so no change elsewhere in nox can change it.
func TestImports(t *testing.T) {
	pkg, err := build.Default.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if first, _, _ := strings.Cut(imp, "/"); strings.Contains(first, ".") {
			t.Errorf("modelfile imports %s, which is not in the standard library", imp)
		}
	}
}

// sample is a small valid file of the given version: a whitened 2-D flow
// with a context, a defensive weight (from format 2) and, in format 3, its
// standardization among the parameters.
func sample(version uint32) *File {
	f := &File{Version: version, Header: Header{
		Name: "flow", Dim: 2, ContextDim: 1,
		Stages: []Stage{
			{Layer: "MAF", Name: "maf1", Args: map[string][]float64{"hidden": {4}, "dropout": {0}}},
			{Layer: "Reverse", Name: "reverse1"},
			{Layer: "Gaussian", Name: "gaussian1"},
		},
		Params: []Param{
			{Name: "maf1.w", Rows: 2, Cols: 4},
			{Name: "bn.mean", Rows: 1, Cols: 2, State: true},
		},
		Source: "flow = MAF(4) |> Reverse |> Gaussian\n",
		DType:  "float32",
	}}
	f.Values = []float64{1, -2, 0.5, math.Pi, 1e-300, math.Copysign(0, -1), 3, 4, 5, 6}
	if version >= 2 {
		f.Header.Defensive = 0.01
	}
	if version <= 2 {
		f.Header.Std = &Standardization{Mean: []float64{0.5, -1}, Std: []float64{2, 3},
			W: []float64{0.5, 0.1, 0, 0.25}, WInv: []float64{2, -0.8, 0, 4}, LogDetW: math.Log(0.125)}
		f.Header.CtxStd = &Standardization{Mean: []float64{4}, Std: []float64{1.5}}
	} else {
		f.Header.Params = append(f.Header.Params,
			Param{Name: "std.mean", Rows: 1, Cols: 2, Fixed: true},
			Param{Name: "std.w", Rows: 2, Cols: 2, Fixed: true})
		f.Values = append(f.Values, 0.5, -1, 0.5, 0.1, 0, 0.3)
		f.Header.Columns, f.Header.ContextColumns = []string{"x", "größe y"}, []string{"temp"}
	}
	return f
}

func encode(t testing.TB, f *File) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRoundTrip: every version decodes to the File encoded, and encodes
// again to the same bytes.
func TestRoundTrip(t *testing.T) {
	for v := uint32(1); v <= Version; v++ {
		f := sample(v)
		b := encode(t, f)
		g, err := Decode(b)
		if err != nil {
			t.Fatalf("format %d: %v", v, err)
		}
		if !reflect.DeepEqual(f, g) || !math.Signbit(g.Values[5]) {
			t.Errorf("format %d: decoded\n%+v\nwant\n%+v", v, g, f)
		}
		if b2 := encode(t, g); !bytes.Equal(b, b2) {
			t.Errorf("format %d: encodes differently after a round trip", v)
		}
		hj := string(b[16 : 16+binary.LittleEndian.Uint64(b[8:16])])
		if hasStd := strings.Contains(hj, `"std":`); hasStd != (v <= 2) {
			t.Errorf("format %d header: %s", v, hj)
		}
		if v == 3 && !strings.Contains(hj, `"columns":["x","größe y"],"context_columns":["temp"]`) {
			t.Errorf("format 3 header without its column names: %s", hj)
		}
	}
}

// TestFixtures: the files earlier nox versions wrote decode and encode
// back to the same bytes, so the format's types say exactly what those
// files say.
func TestFixtures(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join(fixtureDir, "*.noxm"))
	if len(paths) == 0 {
		t.Fatal("no fixtures in " + fixtureDir)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Decode(b)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if want := filepath.Base(p)[:3]; want != "v"+string(rune('0'+f.Version))+"_" {
			t.Errorf("%s is format %d", p, f.Version)
		}
		if !bytes.Equal(encode(t, f), b) {
			t.Errorf("%s encodes to different bytes after decoding", p)
		}
	}
}

// seal is a file of the given version with header hj and values
// (count n) exactly as given, checksum included: Encode would refuse
// most of what the tests build with it.
func seal(version uint32, hj []byte, n uint64, values []byte) []byte {
	var b bytes.Buffer
	b.WriteString("NOXM")
	binary.Write(&b, binary.LittleEndian, version)
	binary.Write(&b, binary.LittleEndian, uint64(len(hj)))
	b.Write(hj)
	binary.Write(&b, binary.LittleEndian, n)
	b.Write(values)
	sum := sha256.Sum256(b.Bytes())
	b.Write(sum[:])
	return b.Bytes()
}

// resealed is b with its last sha256.Size bytes replaced by the checksum
// of the others.
func resealed(b []byte) []byte {
	r := bytes.Clone(b)
	sum := sha256.Sum256(r[:len(r)-sha256.Size])
	copy(r[len(r)-sha256.Size:], sum[:])
	return r
}

// withHeader is sample(version) with its header changed by edit, sealed
// without Encode's checks.
func withHeader(version uint32, edit func(h *Header)) []byte {
	f := sample(version)
	edit(&f.Header)
	hj, err := json.Marshal(&f.Header)
	if err != nil {
		panic(err)
	}
	return seal(version, hj, uint64(len(f.Values)), valueBytes(f.Values))
}

func valueBytes(v []float64) []byte {
	out := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(out[8*i:], math.Float64bits(x))
	}
	return out
}

// TestDecodeErrors: every damaged or inconsistent file is refused with a
// message that says what is wrong.
func TestDecodeErrors(t *testing.T) {
	good := encode(t, sample(2))
	hl := int(binary.LittleEndian.Uint64(good[8:16]))
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x04
		return b
	}
	withVersion := func(v uint32) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint32(b[4:], v)
		return b
	}
	values := valueBytes(sample(2).Values)
	hj := good[16 : 16+hl]
	std := func(s *Standardization) func(h *Header) { return func(h *Header) { h.Std = s } }
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not a nox model file (no NOXM signature)"},
		{"csv", []byte("x,y\n1,2\n"), "no NOXM signature"},
		{"bad magic", append([]byte("NOXN"), good[4:]...), "no NOXM signature"},
		{"magic only", good[:6], "no NOXM signature"},
		{"version 0", withVersion(0), "invalid model format version 0"},
		{"newer", withVersion(Version + 1), "saved in model format 6 by a newer nox; this nox reads format 5 or older"},
		{"much newer", withVersion(math.MaxUint32), "newer nox"},

		{"truncated in the header length", good[:12], "truncated file (not a complete nox model)"},
		{"truncated short", good[:47], "truncated"},
		{"truncated in the header", good[:16+hl/2], "truncated"},
		{"truncated in the value count", good[:16+hl+5], "truncated"},
		{"truncated in the values", good[:16+hl+8+20], "truncated"},
		{"truncated in the checksum", good[:len(good)-10], "truncated"},
		{"truncated by a byte", good[:len(good)-1], "truncated"},

		{"flipped in the header", flip(16 + hl/2), "checksum mismatch: the file is corrupted"},
		{"flipped in the values", flip(16 + hl + 8 + 3), "checksum mismatch"},
		{"flipped in the checksum", flip(len(good) - 1), "checksum mismatch"},
		{"extra byte", append(bytes.Clone(good), 0), "checksum mismatch"},

		{"header length beyond the body", func() []byte {
			b := bytes.Clone(good)
			binary.LittleEndian.PutUint64(b[8:], uint64(len(b)))
			return resealed(b)
		}(), "truncated"},
		{"bad JSON", seal(2, hj[:len(hj)-1], uint64(len(values)/8), values), "bad header: unexpected end of JSON input"},
		{"JSON of the wrong type", seal(2, []byte(`{"dim":"two"}`), 0, nil), "bad header: json: cannot unmarshal string"},
		{"no value count", resealed(good[:16+hl+sha256.Size]), "parameter block has the wrong length"},
		{"value count too large", seal(2, hj, uint64(len(values)/8+1), values), "parameter block has the wrong length"},
		{"value count too small", seal(2, hj, uint64(len(values)/8-1), values), "parameter block has the wrong length"},
		{"absurd value count", seal(2, hj, math.MaxUint64/4, values), "parameter block has the wrong length"},
		{"values not whole", seal(2, hj, uint64(len(values)/8), values[:len(values)-3]), "parameter block has the wrong length"},

		{"no dimensions", withHeader(2, func(h *Header) { h.Dim, h.Std = 0, nil }), "bad header: no dimensions or no stages"},
		{"no stages", withHeader(2, func(h *Header) { h.Stages = nil }), "bad header: no dimensions or no stages"},
		{"absurd dim", withHeader(2, func(h *Header) { h.Dim, h.Std = 1<<40, nil }), "bad header: dimensions out of range"},
		{"negative dim", withHeader(2, func(h *Header) { h.Dim, h.Std = -1, nil }), "bad header: no dimensions"},
		{"absurd context", withHeader(2, func(h *Header) { h.ContextDim, h.CtxStd = MaxDim+1, nil }), "dimensions out of range"},
		{"negative context", withHeader(2, func(h *Header) { h.ContextDim, h.CtxStd = -1, nil }), "dimensions out of range"},
		{"dim not the std's", withHeader(2, func(h *Header) { h.Dim = 3 }), "bad header: std has 2 means and 2 deviations for 3 columns"},
		{"short mean", withHeader(2, std(&Standardization{Mean: []float64{1}, Std: []float64{1, 1}})), "std has 1 means and 2 deviations for 2 columns"},
		{"zero deviation", withHeader(2, std(&Standardization{Mean: []float64{1, 2}, Std: []float64{1, 0}})), "bad header std: column 1's deviation is 0, not positive"},
		{"short W", withHeader(2, std(&Standardization{Mean: []float64{1, 2}, Std: []float64{1, 1}, W: []float64{1, 0, 0}, WInv: []float64{1, 0, 0, 1}})), "the whitening matrix and its inverse must be 2×2"},
		{"W without WInv", withHeader(2, std(&Standardization{Mean: []float64{1, 2}, Std: []float64{1, 1}, W: []float64{1, 0, 0, 1}})), "the whitening matrix and its inverse must be 2×2"},
		{"bad context std", withHeader(2, func(h *Header) { h.CtxStd.Std[0] = -1 }), "bad header context_std: column 0's deviation is -1, not positive"},
		{"defensive 1", withHeader(2, func(h *Header) { h.Defensive = 1 }), "bad header: defensive weight 1 out of range for format 2"},
		{"defensive negative", withHeader(2, func(h *Header) { h.Defensive = -0.5 }), "defensive weight -0.5 out of range"},
		{"defensive in format 1", withHeader(1, func(h *Header) { h.Defensive = 0.01 }), "bad header: defensive weight 0.01 out of range for format 1"},
		{"std in format 3", withHeader(3, std(&Standardization{Mean: []float64{1, 2}, Std: []float64{1, 1}})), "bad header: a format-3 header holds no standardization"},
		{"fixed in format 2", withHeader(2, func(h *Header) { h.Params[0].Fixed = true }), "bad header: parameter maf1.w is fixed, which format 2 does not have"},
		{"columns in format 2", withHeader(2, func(h *Header) { h.Columns = []string{"a", "b"} }), "bad header: format 2 has no column names"},
		{"too many columns", withHeader(3, func(h *Header) { h.Columns = []string{"a", "b", "c"} }), "bad header: 3 data column names for 2 data columns"},
		{"no columns", func() []byte {
			f := sample(3)
			hj, _ := json.Marshal(&f.Header)
			hj = bytes.Replace(hj, []byte(`"columns":["x","größe y"]`), []byte(`"columns":[]`), 1)
			return seal(3, hj, uint64(len(f.Values)), valueBytes(f.Values))
		}(), "bad header: 0 data column names for 2 data columns"},
		{"context columns", withHeader(3, func(h *Header) { h.ContextColumns = []string{"a", "b"} }), "bad header: 2 context column names for 1 context columns"},
		{"empty name", withHeader(3, func(h *Header) { h.Columns[1] = "" }), "bad header: data empty column name"},
		{"control character", withHeader(3, func(h *Header) { h.ContextColumns[0] = "a\nb" }), `bad header: context column name "a\nb" has a control character`},
		{"long name", withHeader(3, func(h *Header) { h.Columns[0] = strings.Repeat("x", MaxName+1) }), "is longer than 256 bytes"},
		{"angles in format 4", withHeader(4, func(h *Header) { h.Angles = []int{0} }), "bad header: format 4 has no angle columns"},
		{"angle out of range", withHeader(5, func(h *Header) { h.Angles = []int{2} }), "bad header: angle columns [2] are not distinct ascending columns of 2"},
		{"angles repeated", withHeader(5, func(h *Header) { h.Angles = []int{1, 1} }), "not distinct ascending"},
		{"angles negative", withHeader(5, func(h *Header) { h.Angles = []int{-1} }), "not distinct ascending"},
		{"dtype", withHeader(2, func(h *Header) { h.DType = "float16" }), `bad header: unknown dtype "float16" (want float64 or float32)`},
		{"negative shape", withHeader(2, func(h *Header) { h.Params[0].Rows = -2; h.Params[0].Cols = -4 }), "bad header: parameter maf1.w has shape [-2,-4]"},
		{"absurd shape", withHeader(2, func(h *Header) { h.Params[0].Rows = 1 << 40; h.Params[0].Cols = 1 << 40 }), "bad header: the parameter table needs more than the 10 values saved"},
		{"table short", withHeader(2, func(h *Header) { h.Params = h.Params[:1] }), "bad header: the parameter table needs 8 values, the file holds 10"},
		{"table long", withHeader(2, func(h *Header) { h.Params = append(h.Params, Param{Name: "x", Rows: 1, Cols: 1}) }), "needs more than the 10 values"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := Decode(c.data)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v (file %v), want an error containing %q", err, f != nil, c.want)
			}
		})
	}
}

// TestEncodeRefuses: Encode writes nothing that Decode would refuse.
func TestEncodeRefuses(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(f *File)
		want string
	}{
		{"version 0", func(f *File) { f.Version = 0 }, "version 0"},
		{"newer", func(f *File) { f.Version = Version + 1 }, "newer nox"},
		{"defensive in format 1", func(f *File) { f.Version = 1 }, "defensive weight"},
		{"values short", func(f *File) { f.Values = f.Values[1:] }, "parameter table"},
		{"NaN mean", func(f *File) { f.Header.Std.Mean[0] = math.NaN() }, "bad header: std holds NaN"},
		{"column names in format 2", func(f *File) { f.Header.Columns = []string{"a", "b"} }, "no column names"},
	} {
		f := sample(2)
		c.edit(f)
		var buf bytes.Buffer
		err := Encode(&buf, f)
		if err == nil || !strings.Contains(err.Error(), c.want) || buf.Len() > 0 {
			t.Errorf("%s: got %v after %d bytes, want an error containing %q and nothing written", c.name, err, buf.Len(), c.want)
		}
	}
}

// FuzzDecode: no byte string makes Decode panic, and what it decodes
// encodes to the bytes it was decoded from. Each input is tried again
// with its checksum recomputed, so the fuzzer reaches the header and the
// values; a header nox would not write (other spacing or key order, say)
// may then decode, and its encoding must be a fixed point: it decodes and
// encodes to itself.
func FuzzDecode(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(fixtureDir, "*.noxm"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	for v := uint32(1); v <= Version; v++ {
		f.Add(encode(f, sample(v)))
	}
	f.Add([]byte("NOXM\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if fl, err := Decode(b); err == nil {
			if got := encode(t, fl); !bytes.Equal(got, b) {
				t.Fatalf("decoded, then encoded differently:\n%q\n%q", b, got)
			}
		}
		if len(b) < sha256.Size {
			return
		}
		fl, err := Decode(resealed(b))
		if err != nil {
			return
		}
		once := encode(t, fl)
		again, err := Decode(once)
		if err != nil {
			t.Fatalf("re-encoded file refused: %v", err)
		}
		if twice := encode(t, again); !bytes.Equal(once, twice) {
			t.Fatalf("encoding is not a fixed point:\n%q\n%q", once, twice)
		}
	})
}

// TestAnglesRoundTrip: a format-5 file keeps its angle columns through
// Encode and Decode.
func TestAnglesRoundTrip(t *testing.T) {
	f := sample(5)
	f.Header.Angles = []int{0, 1}
	g, err := Decode(encode(t, f))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.Header.Angles, []int{0, 1}) {
		t.Errorf("angles %v after a round trip, want [0 1]", g.Header.Angles)
	}
}
