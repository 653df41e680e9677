package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/compiler/ir"
	"github.com/noxlang/nox/stdlib"
)

// TestMADENNZ checks madeNNZ against the masks nox itself builds: for each
// of the suite's shapes it lowers one MAF layer with the compiler and
// counts the nonzero entries of every declared mask (OpMask) of the
// log-density program, the [D,H] input mask and the [H,2D] output mask.
func TestMADENNZ(t *testing.T) {
	for _, c := range configs {
		t.Run(c.Name, func(t *testing.T) {
			first, out := madeNNZ(c.Dim, c.Hidden)
			got := lowerMasks(t, c.Dim, c.Hidden)
			want := map[ir.Shape]int{
				{Rows: c.Dim, Cols: c.Hidden}:     first,
				{Rows: c.Hidden, Cols: 2 * c.Dim}: out,
			}
			if len(got) != len(want) {
				t.Fatalf("lowered MAF has masks of shapes %v, want %v", got, want)
			}
			for s, n := range want {
				if got[s] != n {
					t.Errorf("mask %v: %d nonzero entries in the lowered MAF, madeNNZ says %d", s, got[s], n)
				}
			}
		})
	}
}

// lowerMasks lowers MAF(hidden) |> Gaussian over dim columns and returns
// the nonzero entries of its log-density program's masks by shape.
func lowerMasks(t *testing.T, dim, hidden int) map[ir.Shape]int {
	t.Helper()
	var stages []compiler.Stage
	for _, l := range []struct {
		name string
		args stdlib.Args
	}{{"MAF", stdlib.Args{"hidden": {float64(hidden)}}}, {"Gaussian", nil}} {
		spec := stdlib.Lookup(l.name)
		if spec == nil {
			t.Fatalf("no layer %s", l.name)
		}
		stages = append(stages, compiler.Stage{Spec: spec, Args: spec.Bind(l.args), Name: l.name})
	}
	m, err := compiler.Lower("flow", stages, dim, compiler.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := m.LogProb
	nnz := map[ir.Shape]int{}
	for _, in := range p.Instrs {
		if in.Op != ir.OpMask {
			continue
		}
		mask := p.Instrs[in.Args[1]]
		n := 0
		for _, x := range mask.Data {
			if x != 0 {
				n++
			}
		}
		nnz[in.Shape] += n
	}
	return nnz
}

// TestUsefulFLOPs pins the formula on digits by hand: hidden degrees
// k mod 63 + 1 for k < 512 (1–8 nine times, 9–63 eight times), so the
// input mask keeps Σ d_k = 8·2016 + 36 = 16,164 entries and the output
// mask 2·Σ_i #{d_k ≤ i} = 2·(324 + 16,280) = 33,208.
func TestUsefulFLOPs(t *testing.T) {
	c := configs[1]
	if c.Name != "digits" {
		t.Fatalf("configs[1] is %s, want digits", c.Name)
	}
	first, out := madeNNZ(c.Dim, c.Hidden)
	if first != 16164 || out != 33208 {
		t.Fatalf("digits nnz = %d, %d; want 16164, 33208", first, out)
	}
	f := usefulFLOPs(c)
	n := 5.0 * (16164 + 33208)
	if want := 6*256*n - 2*256*16164; f.Train != want {
		t.Errorf("train FLOPs %g, want %g", f.Train, want)
	}
	if f.LogProbRow != 2*n || f.SampleRow != 2*n {
		t.Errorf("per-row FLOPs %g, %g; want %g", f.LogProbRow, f.SampleRow, 2*n)
	}
}

// TestSummaryShares checks the summary's useful-FLOP rows: a digits
// float32 training benchmark of 100 steps/s against a 1024³ sgemm rate of
// 200 GFLOP/s (the faster of two kernels measured before nox's runs; the
// one measured before the reference's does not count for nox) is
// 100·usefulFLOPs(digits).Train GFLOP/s, its share that over 200; with
// runs right before and after the benchmark (180 and 220 on the faster
// kernel), its share is of their median, 200 again, and the runs before
// nox's no longer count; log-prob, with no runs around it, still takes
// those.
func TestSummaryShares(t *testing.T) {
	base := []record{
		{Who: "gemm", Name: "before-nox", Config: "digits", Dtype: "float32", Core: "Haswell", Metric: 120, Unit: "GFLOP/s"},
		{Who: "gemm", Name: "before-nox", Config: "digits", Dtype: "float32", Core: "SkylakeX", Metric: 200, Unit: "GFLOP/s"},
		{Who: "gemm", Name: "before-ref", Config: "digits", Dtype: "float32", Core: "SkylakeX", Metric: 100, Unit: "GFLOP/s"},
		{Who: "noxbench", Config: "digits", Dtype: "float32", Name: "BenchmarkTrainStepDigits32", Procs: 2, Metric: 100, Unit: "steps/s"},
		{Who: "noxbench", Config: "digits", Dtype: "float32", Name: "BenchmarkLogProbDigits32", Procs: 2, Metric: 1e5, Unit: "rows/s"},
	}
	around := []record{
		{Who: "gemm", Name: "before-nox", Config: "digits", Dtype: "float32", Core: "SkylakeX", Metric: 400, Unit: "GFLOP/s"},
		{Who: "gemm", Name: "before-TrainStep", Config: "digits", Dtype: "float32", Core: "SkylakeX", Metric: 180, Unit: "GFLOP/s"},
		{Who: "gemm", Name: "after-TrainStep", Config: "digits", Dtype: "float32", Core: "SkylakeX", Metric: 220, Unit: "GFLOP/s"},
		{Who: "gemm", Name: "before-TrainStep", Config: "digits", Dtype: "float32", Core: "Haswell", Metric: 150, Unit: "GFLOP/s"},
	}
	f := usefulFLOPs(configs[1])
	g := 100 * f.Train / 1e9
	lp := 1e5 * f.LogProbRow / 1e9
	for _, c := range []struct {
		name           string
		recs           []record
		trainGemm, lpG float64
		listed         string
	}{
		{"before nox", base, 200, 200, "before nox float32 SkylakeX 200"},
		// before-nox's median is now 300 (200 and 400): log-prob's share.
		{"around the benchmark", append(append([]record{}, base...), around...), 200, 300,
			"before nox float32 SkylakeX 300, before ref float32 SkylakeX 100, before TrainStep float32 Haswell 150, before TrainStep float32 SkylakeX 180, after TrainStep float32 SkylakeX 220"},
	} {
		out := summarize(c.recs, "test")
		rows := map[string]string{}
		for _, l := range strings.Split(out, "\n") {
			for _, p := range []string{"| train GFLOP/s", "| log-prob GFLOP/s"} {
				if strings.HasPrefix(l, p) {
					rows[p] = l
				}
			}
		}
		if want := fmt.Sprintf("%s (%.0f%%)", fmtNum(g), 100*g/c.trainGemm); !strings.Contains(rows["| train GFLOP/s"], want) {
			t.Errorf("%s: train GFLOP/s row %q does not contain %q\n%s", c.name, rows["| train GFLOP/s"], want, out)
		}
		if want := fmt.Sprintf("%s (%.0f%%)", fmtNum(lp), 100*lp/c.lpG); !strings.Contains(rows["| log-prob GFLOP/s"], want) {
			t.Errorf("%s: log-prob GFLOP/s row %q does not contain %q\n%s", c.name, rows["| log-prob GFLOP/s"], want, out)
		}
		if !strings.Contains(out, c.listed) {
			t.Errorf("%s: summary does not list the GEMM rates:\n%s", c.name, out)
		}
	}
}

// TestSummaryFMA checks the FMA limit's line: a digits float32 training
// benchmark of 100 steps/s beside FMA runs of 300 and 500 GFLOP/s around
// it takes the best, 500 (a run falls below the limit only when the host
// takes a core away), and log-prob, with none around it, the run before
// nox's, 1000; the GEMM's median of 200 is a share of the best run of
// all, 1000. No FMA runs: no line.
func TestSummaryFMA(t *testing.T) {
	recs := []record{
		{Who: "gemm", Name: "before-nox", Config: "digits", Dtype: "float32", Core: "SkylakeX", Metric: 200, Unit: "GFLOP/s"},
		{Who: "noxbench", Config: "digits", Dtype: "float32", Name: "BenchmarkTrainStepDigits32", Procs: 2, Metric: 100, Unit: "steps/s"},
		{Who: "noxbench", Config: "digits", Dtype: "float32", Name: "BenchmarkLogProbDigits32", Procs: 2, Metric: 1e5, Unit: "rows/s"},
	}
	if out := summarize(recs, "test"); strings.Contains(out, "Vector FMA limit") {
		t.Errorf("an FMA line without FMA runs:\n%s", out)
	}
	recs = append(recs,
		record{Who: "fma", Name: "before-nox", Config: "digits", Dtype: "float32", Core: "avx512", Procs: 2, Metric: 1000, Unit: "GFLOP/s"},
		record{Who: "fma", Name: "before-TrainStep", Config: "digits", Dtype: "float32", Core: "avx512", Procs: 2, Metric: 300, Unit: "GFLOP/s"},
		record{Who: "fma", Name: "after-TrainStep", Config: "digits", Dtype: "float32", Core: "avx512", Procs: 2, Metric: 500, Unit: "GFLOP/s"},
	)
	f := usefulFLOPs(configs[1])
	train := 100 * f.Train / 1e9
	lp := 1e5 * f.LogProbRow / 1e9
	out := summarize(recs, "test")
	var line string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "Vector FMA limit") {
			line = l
		}
	}
	for _, want := range []string{
		"avx512",
		"before nox float32 1,000, before TrainStep float32 300, after TrainStep float32 500",
		fmt.Sprintf("float32: OpenBLAS's GEMM %.0f%%, nox's useful training %.0f%%, log-prob %.0f%%", 100*200.0/1000, 100*train/500, 100*lp/1000),
	} {
		if !strings.Contains(line, want) {
			t.Errorf("FMA line %q does not contain %q\n%s", line, want, out)
		}
	}
	if strings.Contains(line, "float64:") {
		t.Errorf("FMA line %q states float64 shares without float64 runs", line)
	}
}
