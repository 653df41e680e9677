//go:build linux

// Linux only: the probe reads /proc/self/io and drops the page cache
// through /proc/sys/vm/drop_caches.

package train_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/noxlang/nox/dataset"
	"github.com/noxlang/nox/train"
)

// TestProbeStreamed is a measuring tool, run only with NOX_PROBE=1 (go
// test ./train -run ProbeStreamed -v): it trains a moons MAF (two MADEs
// of 100 hidden units, batch 256, 2,000 steps, float64) on a 320 MB
// float32 .npy file streamed through the pool (40 M rows) and on a file
// of 1 M rows loaded into memory, alternately in one process, and
// prints each run's steps a second over its steps alone (from the first
// step's end to the last's: no validation, whose 20,000 held-out rows
// the two files share as bench/bigdata.sh's do), with the process's CPU
// time, system time, context switches and bytes read from storage a
// step (getrusage and /proc/self/io, so other goroutines' work counts):
// the per-step cost of streaming (issue 22, item 5) in one process. NOX_PROBE_SMALL sets
// the in-memory file's rows, NOX_PROBE_POOL the pool's bytes
// (train.PoolBytes; several, separated by commas, are alternated as
// variants of each round), NOX_PROBE_ROUNDS the rounds (3),
// NOX_PROBE_ONLY=st or in runs one kind (to profile it alone),
// NOX_PROBE_BIG sets the streamed file's rows, NOX_PROBE_MADES the flow's
// MADEs (2; bench/bigdata.sh's flow has 5), NOX_PROBE_DROP=1 drops the
// page cache at each streamed run's first step, so that its stages are
// read from storage. Each
// round starts at another variant. Figures quoted in bench/README.md.
func TestProbeStreamed(t *testing.T) {
	if os.Getenv("NOX_PROBE") != "1" {
		t.Skip("a measuring tool: NOX_PROBE=1")
	}
	dir := t.TempDir()
	big, small := filepath.Join(dir, "big.npy"), filepath.Join(dir, "small.npy")
	bigRows, mades := envInt("NOX_PROBE_BIG", 40_000_000), envInt("NOX_PROBE_MADES", 2)
	writeBig(t, big, bigRows)
	writeBig(t, small, smallRows())
	src, err := dataset.OpenNPY(big)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	tab, err := dataset.ReadFileWithin(small, 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	// The pools to stream through: NOX_PROBE_POOL, bytes, several
	// separated by commas (each a variant of every round).
	pools := []int64{train.PoolBytes}
	if v := os.Getenv("NOX_PROBE_POOL"); v != "" {
		pools = pools[:0]
		for _, f := range strings.Split(v, ",") {
			b, err := strconv.ParseInt(f, 10, 64)
			if err != nil || b <= 0 {
				t.Fatalf("NOX_PROBE_POOL: %q", f)
			}
			pools = append(pools, b)
		}
	}
	defer func(p int64) { train.PoolBytes = p }(train.PoolBytes)
	rounds := 3
	if n, err := strconv.Atoi(os.Getenv("NOX_PROBE_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	o := options(2000)
	o.Batch, o.EvalEvery, o.Dequantize = 256, 1<<20, false
	// 20,000 held-out rows in both files (as bench/bigdata.sh does): the
	// loop's last step validates them, the same work in both.
	heldFrac := func(n int) (float64, float64) { return 10000 / float64(n), 10000 / float64(n-10000) }
	type variant struct {
		name string
		src  dataset.Source
		pool int64
	}
	var vs []variant
	for _, b := range pools {
		name := "streamed"
		if len(pools) > 1 {
			name = fmt.Sprintf("streamed %d MiB", b>>20)
		}
		vs = append(vs, variant{name, src, b})
	}
	vs = append(vs, variant{"in memory", tab, train.PoolBytes})
	for round := range rounds {
		// Each round starts at another variant, so that no variant
		// always follows the same one.
		for i := range vs {
			c := vs[(round+i)%len(vs)]
			if only := os.Getenv("NOX_PROBE_ONLY"); only != "" && only != c.name[:2] {
				continue
			}
			train.PoolBytes = c.pool
			streamed := c.src == dataset.Source(src)
			drop := os.Getenv("NOX_PROBE_DROP") == "1" && streamed
			if streamed {
				o.TestFrac, o.ValFrac = heldFrac(bigRows)
			} else {
				o.TestFrac, o.ValFrac = heldFrac(smallRows())
			}
			// The process's CPU time and context switches over the
			// steps alone (from the first step's end to the last's).
			var r0, r1 syscall.Rusage
			var io0, io1 int64
			var t0, t1 time.Time
			h := train.Hooks{Every: 1, Progress: func(step, _ int, _ float64) {
				if step == 1 {
					if drop {
						dropCaches(t)
					}
					syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
					io0, t0 = storageReads(), time.Now()
				} else if step == o.Steps {
					syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
					io1, t1 = storageReads(), time.Now()
				}
			}}
			res, err := train.LikelihoodSource(context.Background(), mafStack(t, o, 100, mades), c.src, o, o.Steps, h, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Streamed != streamed {
				t.Fatalf("%s: streamed = %v", c.name, res.Streamed)
			}
			cpu := func(r *syscall.Rusage) float64 {
				return float64(r.Utime.Nano()+r.Stime.Nano()) / 1e9
			}
			t.Logf("round %d %-16s %6.0f steps/s, CPU %.0f µs a step (system %.0f), %.1f voluntary and %.1f involuntary switches a step, %.2f KiB a step read from storage", round, c.name,
				float64(o.Steps-1)/t1.Sub(t0).Seconds(), (cpu(&r1)-cpu(&r0))/float64(o.Steps-1)*1e6, float64(r1.Stime.Nano()-r0.Stime.Nano())/float64(o.Steps-1)/1e3,
				float64(r1.Nvcsw-r0.Nvcsw)/float64(o.Steps-1), float64(r1.Nivcsw-r0.Nivcsw)/float64(o.Steps-1), float64(io1-io0)/1024/float64(o.Steps-1))
		}
	}
}

// dropCaches writes the page cache back and drops it (as root), so that
// a streamed run reads its file from storage: NOX_PROBE_DROP=1.
func dropCaches(t *testing.T) {
	syscall.Sync()
	if err := os.WriteFile("/proc/sys/vm/drop_caches", []byte("1"), 0); err != nil {
		t.Fatalf("NOX_PROBE_DROP: %v", err)
	}
}

// storageReads is the bytes the process has had read from storage
// (/proc/self/io's read_bytes: page-cache misses, not reads the cache
// served), or -1 where that cannot be read.
func storageReads() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "read_bytes: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err == nil {
				return n
			}
		}
	}
	return -1
}

// smallRows is the in-memory file's row count: 1 M, or NOX_PROBE_SMALL.
func smallRows() int { return envInt("NOX_PROBE_SMALL", 1_000_000) }

// envInt is the positive integer in the environment variable name, or
// def.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
