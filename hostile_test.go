package nox_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/compiler"
)

// hostileLimits are the limits the hostile programs are checked under:
// the defaults, but for a memory limit that does not depend on the
// machine that runs the test.
var hostileLimits = compiler.Limits{MaxMemory: 1 << 30}

// TestHostilePrograms: programs written to exhaust the machine are
// refused, positioned, within a second (two on a loaded CI machine) and
// without allocating anything of the size they ask for: every one of
// them crashed the process with "fatal error: out of memory", or hung,
// before issue 23. The test runs under a soft memory limit, and each
// case must allocate less than 500 MB in all (so its peak heap is below
// that too).
func TestHostilePrograms(t *testing.T) {
	dir := t.TempDir()
	writeTable(t, filepath.Join(dir, "two.csv"), 500, 2)
	writeTable(t, filepath.Join(dir, "wide.csv"), 3, 60000)
	doubling := "f0 = Reverse\n"
	for i := 1; i <= 24; i++ {
		doubling += fmt.Sprintf("f%d = f%d |> f%d\n", i, i-1, i-1)
	}
	doubling += "g = f24 |> Gaussian\n"
	for _, c := range []struct {
		name, src, want string
	}{
		{"nested repeats", "f = repeat(1000, repeat(1000, repeat(1000, Reverse))) |> Gaussian\n",
			"1:18: this flow would have 1000000 stages after expansion"},
		{"a name doubled on 24 lines", doubling, "18:7: this flow would have 131072 stages"},
		{"repeat of a def", "def g(x) = repeat(1000, x)\nf = g(g(Reverse)) |> Gaussian\n", "1000000 stages"},
		{"huge MADE", `data = csv("two.csv")
f = MAF(65536, 65536) |> Gaussian
train f on data { steps = 1 }
`, "3:7: train: flow f has 4.3e+09 parameters (34.4 GB as float64) on 2 columns; the limit is 1e+08 parameters"},
		{"huge batch of a big flow", `data = toy("moons", n = 2000000)
f = MAF(2048, 2048) |> Gaussian
train f on data { steps = 1, batch = 1048576 }
`, "train: training flow f needs an estimated"},
		{"LULinear on 60000 columns", `data = csv("wide.csv")
f = LULinear |> Gaussian
train f on data { steps = 1 }
`, "train: flow f has 1.44e+10 parameters (115 GB as float64) on 60000 columns"},
		{"a mixture on 60000 columns", `data = csv("wide.csv")
f = GaussianMixture(k = 1024)
train f on data { steps = 1 }
`, "parameters"},
	} {
		t.Run(c.name, func(t *testing.T) {
			hostile(t, func() error {
				_, err := nox.CompileWith(filepath.Join(dir, "p.nox"), []byte(c.src), nox.CompileOptions{Limits: hostileLimits})
				return err
			}, c.want, 2*time.Second)
		})
	}
}

// hostile runs f, which must fail with an error that says want within
// bound (a goroutine, so that a hang fails the test after 10 s rather
// than stalling it) and allocating less than 500 MB in all, so that its
// peak heap is below that too; the process runs under a soft memory
// limit of 1 GiB meanwhile.
func hostile(t *testing.T, f func() error, want string, bound time.Duration) {
	t.Helper()
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 30))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- f() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("not refused after 10 s")
	}
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatalf("accepted")
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q\ndoes not say %q", firstLine(err.Error()), want)
	}
	if took > bound {
		t.Errorf("took %v to refuse, want within %v", took, bound)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	if alloc > 500<<20 {
		t.Errorf("allocated %d MB to refuse", alloc>>20)
	}
	t.Logf("%v, %d kB allocated: %s", took.Round(time.Microsecond), alloc>>10, firstLine(err.Error()))
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// writeTable writes a CSV of rows × cols distinct values with a header.
func writeTable(t *testing.T, path string, rows, cols int) {
	t.Helper()
	var sb strings.Builder
	for j := range cols {
		if j > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, "c%d", j)
	}
	sb.WriteByte('\n')
	for i := range rows {
		for j := range cols {
			if j > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "%g", float64((i*7+j*3)%17)+float64(i)/float64(rows))
		}
		sb.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLargeSampleStreams: a sample statement writes its draws a chunk
// at a time, so 300,000 draws of 64 columns (154 MB of values) allocate
// a fraction of that: before issue 23 every draw was held in memory.
func TestLargeSampleStreams(t *testing.T) {
	dir := t.TempDir()
	writeTable(t, filepath.Join(dir, "d.csv"), 200, 64)
	src := `data = csv("d.csv")
flow = Gaussian
train flow on data { steps = 1 }
sample flow 300000 to "s.npy"
`
	s, err := nox.CompileWith(filepath.Join(dir, "p.nox"), []byte(src), nox.CompileOptions{Limits: hostileLimits})
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if err := s.Run(context.Background(), nox.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	st, err := os.Stat(filepath.Join(dir, "s.npy"))
	if err != nil || st.Size() < 300000*64*8 {
		t.Fatalf("s.npy: %v, %v", st, err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 60<<20 {
		t.Errorf("sampling allocated %d MB in all", alloc>>20)
	}
}

// TestHugeDataFileRefused: a data file whose reading would need more
// memory than the limit is refused before it is read, at the csv call.
func TestHugeDataFileRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "big.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// 64 MB of short cells, sparse on disk after the first line: a
	// table of 32 million cells.
	f.WriteString("a,b\n")
	f.WriteString(strings.Repeat("1,2\n", 16<<10))
	if err := f.Truncate(64 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	hostile(t, func() error {
		_, err := nox.CompileWith(filepath.Join(dir, "p.nox"), []byte("data = csv(\"big.csv\")\n"),
			nox.CompileOptions{Limits: compiler.Limits{MaxMemory: 100 << 20}})
		return err
	}, "p.nox:1:12: csv(\"big.csv\"): "+path+" is 67.1 MB; reading it needs about 1.41 GB of memory, more than the limit of 105 MB", time.Second)
}
