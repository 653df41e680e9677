package train_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/train"
)

// openNPY writes rows (2 columns) as a float64 .npy file and opens it
// as a Source that reads them on demand.
func openNPY(t *testing.T, rows []float64) *dataset.NPYFile {
	t.Helper()
	var b bytes.Buffer
	if err := dataset.WriteNPY(&b, rows, 2, false); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rows.npy")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	n, err := dataset.OpenNPY(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// TestStreamedTrainingMatchesInMemory: rows read from a file on demand
// train to the same bits as the same rows in memory, with the same
// split, for a split drawn by rng.Perm (and gathered in one pass).
func TestStreamedTrainingMatchesInMemory(t *testing.T) {
	rows := moons(t, 3000)
	src := openNPY(t, rows)
	o := options(40)
	o.TestFrac, o.ValFrac, o.Whiten, o.Dequantize = 0.1, 0.1, true, true
	a, err := train.Likelihood(context.Background(), mafModel(t, o, 8), rows, o, o.Steps, train.Hooks{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := train.LikelihoodSource(context.Background(), mafModel(t, o, 8), src, o, o.Steps, train.Hooks{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Params.Data, b.Params.Data) {
		t.Error("the parameters differ")
	}
	if a.Report.TestNLL != b.Report.TestNLL || a.Report.ValNLL != b.Report.ValNLL || a.Report.TrainNLL != b.Report.TrainNLL {
		t.Errorf("reports differ: %+v and %+v", a.Report, b.Report)
	}
	if !slices.Equal(a.Test, b.Test) || !slices.Equal(a.Val, b.Val) || !slices.Equal(a.Train, b.Train) {
		t.Error("the parts differ")
	}
}

// TestStreamedTrainingPool trains on more rows than PoolBytes holds and
// than PermBound splits by rng.Perm: the split has exact part sizes,
// the run is deterministic, and it learns (its test NLL beats the
// Gaussian fit's at step 0).
func TestStreamedTrainingPool(t *testing.T) {
	defer func(p, b int64, pb int) { train.PoolBytes, train.HeldBytes, train.PermBound = p, b, pb }(train.PoolBytes, train.HeldBytes, train.PermBound)
	train.PoolBytes, train.PermBound = 16<<10, 1000 // a pool of 1024 rows
	rows := moons(t, 20000)
	src := openNPY(t, rows)
	o := options(150)
	o.TestFrac, o.ValFrac = 0.05, 0.05
	run := func() *train.Result {
		res, err := train.LikelihoodSource(context.Background(), mafModel(t, o, 16), src, o, o.Steps, train.Hooks{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := run(), run()
	if !slices.Equal(a.Params.Data, b.Params.Data) {
		t.Error("two runs differ")
	}
	nTest, nVal := dataset.SplitSizes(20000, o.TestFrac, o.ValFrac)
	if len(a.Test) != 2*nTest || len(a.Val) != 2*nVal || a.Train != nil || !a.Streamed {
		t.Errorf("parts: %d test, %d validation values, train %v, streamed %v", len(a.Test), len(a.Val), a.Train != nil, a.Streamed)
	}
	if math.IsNaN(a.Report.TestNLL) || a.Report.TestNLL > a.History.Val[0] {
		t.Errorf("test NLL %v, validation NLL at step 0 %v", a.Report.TestNLL, a.History.Val[0])
	}
	train.HeldBytes = 1 << 10
	if _, err := train.LikelihoodSource(context.Background(), mafModel(t, o, 16), src, o, o.Steps, train.Hooks{}, nil); err == nil || !strings.Contains(err.Error(), "hold out") {
		t.Errorf("held-out rows over HeldBytes: err = %v", err)
	}
}

// TestStreamedTrainingMemory trains, in a child process, on a float32
// .npy file of about 150 MB streamed from disk, and checks that the
// child's peak resident size (VmHWM) stays well below the file's size.
func TestStreamedTrainingMemory(t *testing.T) {
	if raceDetector {
		t.Skip("the race detector's shadow memory would count in the child's peak RSS")
	}
	if path := os.Getenv("NOX_TEST_STREAM_CHILD"); path != "" {
		streamChild(t, path)
		return
	}
	if runtime.GOOS != "linux" {
		t.Skip("VmHWM is read from /proc/self/status")
	}
	const rows = 18_750_000 // × 2 float32 = 150 MB
	path := filepath.Join(t.TempDir(), "big.npy")
	writeBig(t, path, rows)
	cmd := exec.Command(os.Args[0], "-test.run=^TestStreamedTrainingMemory$", "-test.v")
	cmd.Env = append(os.Environ(), "NOX_TEST_STREAM_CHILD="+path, "GOMAXPROCS=2")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var hwm int64 = -1
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "VmHWM-kB:"); ok {
			hwm, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	size := int64(rows) * 8
	t.Logf("file %d MB, child's VmHWM %d MB", size>>20, hwm>>10)
	if hwm < 0 || hwm*1024 > size/2 {
		t.Errorf("VmHWM %d kB, want under half the file's %d MB\n%s", hwm, size>>20, out)
	}
}

// writeBig writes rows × 2 float32 values of a wavy band, streaming.
func writeBig(t *testing.T, path string, rows int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	dict := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, 2), }", rows)
	pad := 64 - (10+len(dict)+1)%64
	w.Write(append([]byte("\x93NUMPY\x01\x00"), byte(len(dict)+1+pad), 0))
	w.WriteString(dict + strings.Repeat(" ", pad) + "\n")
	var b [8]byte
	x := uint64(1)
	for i := range rows {
		x = x*6364136223846793005 + 1442695040888963407
		u := float64(x>>11) / (1 << 53)
		v := float64(i%1000)/1000 - 0.5
		binary.LittleEndian.PutUint32(b[:4], math.Float32bits(float32(4*u-2)))
		binary.LittleEndian.PutUint32(b[4:], math.Float32bits(float32(math.Sin(4*u)+0.2*v)))
		w.Write(b[:])
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// streamChild is the child of TestStreamedTrainingMemory: it reads the
// file as the compiler's loader does, trains and prints its VmHWM.
func streamChild(t *testing.T, path string) {
	dataset.StreamBytes = 1 << 20
	tab, err := dataset.ReadFileWithin(path, 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	if !tab.Streamed() {
		t.Fatal("the file is not streamed")
	}
	o := options(100)
	o.TestFrac, o.ValFrac, o.Batch = 0.0005, 0.0005, 256
	res, err := train.LikelihoodSource(context.Background(), mafModel(t, o, 32), tab.Src, o, o.Steps, train.Hooks{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if math.IsNaN(res.Report.TestNLL) {
		t.Fatal("no test NLL")
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fmt.Printf("VmHWM-kB: %s\n", strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
}
