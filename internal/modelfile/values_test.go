package modelfile

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/noxlang/nox/internal/fifo"
)

// standardized is a format-3 file whose fixed parameters whiten its two
// columns with W (row-major) and winv, log-det logdet.
func standardized(w, winv []float64, logdet float64) *File {
	f := &File{Version: 3, Header: Header{Name: "flow", Dim: 2, Defensive: 0.01, Standardize: true, Whiten: true,
		Stages: []Stage{{Layer: "Gaussian", Name: "gaussian1"}},
		Params: []Param{
			{Name: "standardize.mean", Rows: 1, Cols: 2, State: true, Fixed: true},
			{Name: "standardize.w", Rows: 2, Cols: 2, State: true, Fixed: true},
			{Name: "standardize.winv", Rows: 2, Cols: 2, State: true, Fixed: true},
			{Name: "standardize.logdet", Rows: 1, Cols: 1, State: true, Fixed: true},
			{Name: "standardize.defensive_logc", Rows: 1, Cols: 1, State: true, Fixed: true},
		}}}
	f.Values = append(append(append([]float64{0.5, -1}, w...), winv...), logdet, math.Log(0.01)+logdet)
	return f
}

// TestValueChecks: non-finite values and standardizations at odds with
// themselves are refused by Decode and Encode alike, naming what is wrong;
// consistent ones, triangular or not, pass.
func TestValueChecks(t *testing.T) {
	c, s := math.Cos(0.3), math.Sin(0.3)
	for _, tc := range []struct {
		name string
		f    *File
		want string // "" : accepted
	}{
		{"upper triangular", standardized([]float64{0.5, 0.1, 0, 0.25}, []float64{2, -0.8, 0, 4}, math.Log(0.125)), ""},
		{"a rotation times 2", standardized([]float64{2 * c, -2 * s, 2 * s, 2 * c}, []float64{c / 2, s / 2, -s / 2, c / 2}, math.Log(4)), ""},
		{"a rotation's log-det wrong", standardized([]float64{2 * c, -2 * s, 2 * s, 2 * c}, []float64{c / 2, s / 2, -s / 2, c / 2}, 0), "its stored log-determinant 0 is not the map's, 1.386"},
		{"WInv of another W", standardized([]float64{0.5, 0.1, 0, 0.25}, []float64{2, 0.8, 0, 4}, math.Log(0.125)), "W·W⁻¹ ≠ I"},
		{"singular W", standardized([]float64{1, 2, 2, 4}, []float64{1, 0, 0, 1}, 0), "W·W⁻¹ ≠ I"},
		{"NaN in W", standardized([]float64{0.5, math.NaN(), 0, 0.25}, []float64{2, -0.8, 0, 4}, math.Log(0.125)), `bad parameter "standardize.w": its value [0,1] is NaN`},
		{"defensive constant", func() *File {
			f := standardized([]float64{0.5, 0.1, 0, 0.25}, []float64{2, -0.8, 0, 4}, math.Log(0.125))
			f.Values[len(f.Values)-1] = 0
			return f
		}(), "bad parameter standardize.defensive_logc: 0, but log(defensive weight) + log-det is -6.68"},
		{"a format-2 log-det", func() *File {
			f := sample(2)
			f.Header.Std.LogDetW = 0
			return f
		}(), "bad header std: its stored log-determinant 0 is not the map's, -2.07"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(seal(tc.f.Version, mustJSON(t, &tc.f.Header), uint64(len(tc.f.Values)), valueBytes(tc.f.Values)))
			encErr := Encode(&strings.Builder{}, tc.f)
			switch {
			case tc.want == "" && (err != nil || encErr != nil):
				t.Errorf("refused: %v / %v", err, encErr)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Decode: got %v, want %q", err, tc.want)
			case tc.want != "" && encErr == nil:
				t.Errorf("Encode wrote it")
			}
		})
	}
}

// TestLogAbsDet: Gaussian elimination with pivoting on a matrix that is
// not triangular and needs a row swap, and a singular one.
func TestLogAbsDet(t *testing.T) {
	if got := logAbsDet([]float64{0, 2, 1, 1, 1, 0, 3, 0, 1}, 3); math.Abs(got-math.Log(5)) > 1e-14 {
		t.Errorf("log|det| = %v, want log 5 = %v", got, math.Log(5))
	}
	if got := logAbsDet([]float64{1, 2, 3, 2, 4, 6, 0, 1, 1}, 3); !math.IsInf(got, -1) {
		t.Errorf("singular: %v, want -Inf", got)
	}
}

// TestReadFile: Read refuses what is not a regular file, and a file
// larger than its bound, before reading it.
func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "m.noxm")
	if err := os.WriteFile(good, encode(t, sample(3)), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o644)
	type readCase struct {
		path string
		max  int64
		want string
	}
	cases := []readCase{
		{good, 10, ""},
		{empty, 10, "no NOXM signature"},
		{dir, 10, "not a regular file (a directory)"},
		{filepath.Join(dir, "none"), 10, "no such file"},
	}
	pipe := filepath.Join(dir, "fifo")
	switch err := fifo.Make(pipe); {
	case err == nil:
		cases = append(cases, readCase{pipe, 10, "not a regular file (a named pipe)"})
	case errors.Is(err, errors.ErrUnsupported):
		t.Log("no named pipes here: the case of one is left out")
	default:
		t.Fatal(err)
	}
	for _, c := range cases {
		_, err := Read(c.path, c.max)
		if (c.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.path, err, c.want)
		}
	}
	if _, err := readFile(good, 100); err == nil || !strings.Contains(err.Error(), "more than a model within the limits can have (100)") {
		t.Errorf("a file over the bound: %v", err)
	}
	hj := []byte(`{"name":"f","source":"` + strings.Repeat("x", MaxHeader) + `"}`)
	if _, err := Decode(seal(3, hj, 0, nil)); err == nil || !strings.Contains(err.Error(), "more than the 16777216 a model's header may have") {
		t.Errorf("long header: %v", err)
	}
}

func mustJSON(t *testing.T, h *Header) []byte {
	t.Helper()
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDenseWhiteningBounded: a whitening that is not triangular (nox
// writes triangular ones) is checked by elimination, O(d³), only up to
// maxDenseWhitening columns; a wider one is refused at once (review of
// issue 23: a consistent dense W of 2,000 columns took 2.8 s to load).
func TestDenseWhiteningBounded(t *testing.T) {
	d := maxDenseWhitening + 1
	w := make([]float64, d*d)
	for i := range d {
		w[i*d+i] = 1
	}
	w[(d-1)*d] = 0.5 // one entry below the diagonal and one above
	w[d-1] = 0.25
	s := &Standardization{Mean: make([]float64, d), W: w, WInv: w}
	start := time.Now()
	err := s.consistent("standardization")
	if err == nil || !strings.Contains(err.Error(), "not triangular") {
		t.Errorf("err = %v", err)
	}
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Errorf("took %v", took)
	}
}
