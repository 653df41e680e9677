// Command suite is the benchmark suite of nox against the PyTorch
// reference MAF (../shared/bench/torch_maf.py): for each configuration it
// runs nox and the reference one after another, for several seeds, and
// prints medians and nox/reference ratios of training steps/s,
// log-likelihood rows/s, samples/s, test NLL and peak memory.
//
// Configurations (5 MAF layers with one hidden layer each, Reverse between
// them, a standard normal prior):
//
//	moons   D=2,   hidden 100,  batch 256, 2000 steps, lr 1e-3 (examples/data/moons.csv)
//	digits  D=64,  hidden 512,  batch 256, 1000 steps, lr 1e-4 (../shared/data/digits.csv, dequantized)
//	d784    D=784, hidden 1024, batch 128,  200 steps, lr 1e-4 (synthetic, generated here)
//
// nox runs in float64 and in float32 (-noxdtypes), the reference in both
// (-dtypes); each nox dtype is compared with the reference's same dtype.
// The settings are those of bench/compare.sh: nox runs `noxc run -json` on
// a generated .nox file (the train event's steps_per_s; peak RSS from
// /usr/bin/time) and the Go benchmarks of runtime/bench_test.go
// (steady-state train step, log-prob and sampling throughput,
// allocations); the reference runs with --threads 1 --blas-threads 2, the
// glibc malloc thresholds raised, once per OpenBLAS kernel and dtype, and
// each measure is compared with the faster kernel. On digits and d784 it
// also runs BenchmarkScaling (-scaling): the GOMAXPROCS 1 → 2 speed-up
// measured within one process, in alternating bursts. Log-probabilities are
// computed in chunks of, and samples drawn in draws of, 1000 rows (64 for
// d784, whose sampling takes the reference 784 network passes per layer:
// about 19 GFLOP per row; nox solves one dimension at a time, about one
// pass in all).
//
// Useful floating-point rate (flops.go): for each configuration and
// direction the suite counts the useful work of the matrix products
// only, of each masked weight matrix only its nonzero mask entries (nnz,
// nox's MADE degrees and mask rule; TestMADENNZ checks them against the
// masks the compiler builds), 2 operations per kept weight per row. With
// N = nnz of one MAF layer's two masks ([D,H] and [H,2D]), K = 5 layers
// and batch B: a training step is 6·B·K·N − 2·B·nnz([D,H]) (forward, data
// gradient, weight gradient; the first layer needs no data gradient); a
// log-prob row is 2·K·N (one forward pass); a sampled row is 2·K·N too,
// what a sampler that solves one dimension at a time must do (nox's; the
// reference's sampler runs D passes, so its figure is useful work, not
// its arithmetic). Elementwise operations are not counted. The summary
// prints these as GFLOP/s of the steady-state Go benchmarks (and of the
// reference's rates) and as a share of OpenBLAS's 1024³ GEMM rate in the
// same dtype on 2 threads (dgemm, sgemm; bench/gemm/openblas.py, the
// faster of the -coretypes kernels), measured in the same run: for nox's
// training and log-prob benchmarks, right before and right after each
// (their median), for the reference, right before and after its runs,
// for nox's sampling, before nox's runs.
//
// Usage (from anywhere in the repository):
//
//	go run ./bench/suite                       # everything, seeds 0-2 (long: about an hour)
//	go run ./bench/suite -configs digits -seeds 0 -steps 50
//	go run ./bench/suite -summarize bench/out/suite-….jsonl
//
// Raw records go to OUT/suite-TIME.jsonl and the summary to
// OUT/suite-TIME.txt (and stdout).
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// config is one benchmark configuration.
type config struct {
	Name       string
	Data       string // CSV path relative to the repository root; "" = generated
	Dim        int
	Hidden     int
	Batch      int
	Steps      int
	LR         string
	Dequantize bool // the reference's --dequantize (nox dequantizes gridded columns by default)
	Eval       int  // log-prob chunk and sample draw, rows
	Sample     bool // the nox run also writes 1000 samples, as compare.sh's does
	Bench      string
	// Scaling: the suite also runs BenchmarkScaling's measures of this
	// configuration (the large ones; the core-scaling target is theirs).
	Scaling bool
	// Benchtimes of the Go benchmarks: train step, log-prob, sampling.
	TrainTime, LogProbTime, SampleTime string
}

const layers = 5

var configs = []config{
	{Name: "moons", Data: "examples/data/moons.csv", Dim: 2, Hidden: 100, Batch: 256, Steps: 2000, LR: "1e-3",
		Eval: 1000, Sample: true, Bench: "Moons", TrainTime: "2s", LogProbTime: "2s", SampleTime: "2s"},
	{Name: "digits", Data: "../shared/data/digits.csv", Dim: 64, Hidden: 512, Batch: 256, Steps: 1000, LR: "1e-4",
		Dequantize: true, Eval: 1000, Sample: true, Bench: "Digits", Scaling: true, TrainTime: "2s", LogProbTime: "2s", SampleTime: "2s"},
	{Name: "d784", Dim: 784, Hidden: 1024, Batch: 128, Steps: 200, LR: "1e-4",
		Eval: 64, Bench: "D784", Scaling: true, TrainTime: "5x", LogProbTime: "2s", SampleTime: "2s"},
}

// record is one line of the raw output.
type record struct {
	Who    string         `json:"who"` // ref, nox, noxbench, noxscaling
	Config string         `json:"config"`
	Dtype  string         `json:"dtype,omitempty"`
	Core   string         `json:"core,omitempty"`
	Seed   int            `json:"seed"`
	Run    map[string]any `json:"run,omitempty"`
	Time   *struct {
		PeakRSSKB float64 `json:"peak_rss_kb"`
	} `json:"time,omitempty"`
	// Go benchmark results.
	Name    string  `json:"name,omitempty"`
	Procs   int     `json:"procs,omitempty"`
	NsPerOp float64 `json:"ns_per_op,omitempty"`
	Metric  float64 `json:"metric,omitempty"`
	Unit    string  `json:"unit,omitempty"`
	Allocs  float64 `json:"allocs"`
	// Metrics holds every metric a benchmark reports besides ns/op, B/op
	// and allocs/op (BenchmarkScaling's speedup, min and max).
	Metrics map[string]float64 `json:"metrics,omitempty"`
	Load    string             `json:"load,omitempty"` // /proc/loadavg before the run
}

var (
	flagConfigs   = flag.String("configs", "moons,digits,d784", "configurations to run, comma-separated")
	flagSeeds     = flag.String("seeds", "0,1,2", "seeds (one repetition each), comma-separated")
	flagSteps     = flag.Int("steps", 0, "training steps of every run (0: each configuration's own)")
	flagOut       = flag.String("out", "bench/out", "directory for binaries, generated files and raw output")
	flagRef       = flag.String("ref", "../shared/bench/torch_maf.py", "the reference script")
	flagCores     = flag.String("coretypes", "Haswell,SkylakeX", "OpenBLAS kernels the reference runs with (OPENBLAS_CORETYPE)")
	flagDtypes    = flag.String("dtypes", "float64,float32", "dtypes the reference runs in")
	flagNoxDtypes = flag.String("noxdtypes", "float64,float32", "dtypes nox runs in")
	flagNoRef     = flag.Bool("noref", false, "run nox only")
	flagCPU       = flag.String("cpu", "", "GOMAXPROCS values for the Go benchmarks, one process each, e.g. 1,2")
	flagBenchReps = flag.Int("benchreps", 1, "run each Go benchmark this many times, cycling through the -cpu values (the tables take medians)")
	flagBenchtime = flag.String("benchtime", "", "override every Go benchmark's -test.benchtime")
	flagScaling   = flag.String("scaling", "3x", "-test.benchtime of BenchmarkScaling on the large configurations (12 rounds reported per x, after a 12-round probe run; \"\" skips it)")
	flagNoGemm    = flag.Bool("nogemm", false, "skip the OpenBLAS 1024³ GEMM runs (the useful-FLOP shares then print n/a)")
	flagSummarize = flag.String("summarize", "", "only summarize this raw .jsonl file")
)

func main() {
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: go run ./bench/suite [flags]\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := chdirRoot(); err != nil {
		fatal(err)
	}
	if *flagSummarize != "" {
		recs, err := readRecords(*flagSummarize)
		if err != nil {
			fatal(err)
		}
		fmt.Print(summarize(recs, *flagSummarize))
		return
	}
	if err := run(); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "suite:", err)
	os.Exit(1)
}

// chdirRoot moves to the repository root, the directory holding go.mod.
func chdirRoot() error {
	dir, err := os.Getwd()
	if err != nil {
		return err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return os.Chdir(dir)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return errors.New("not inside the nox repository (no go.mod found)")
		}
		dir = parent
	}
}

// run is the whole suite: it checks the selection and the tools first, so
// that a bad flag or a missing program fails in seconds rather than an
// hour in, then measures every configuration, writing each record to the
// raw file as soon as it exists (a run cut short keeps what it measured),
// and ends with the summary of that file.
func run() error {
	cfgs, seeds, err := selection()
	if err != nil {
		return err
	}
	out, err := filepath.Abs(*flagOut)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := checkTools(); err != nil {
		return err
	}
	stamp := time.Now().UTC().Format("20060102T150405Z")
	rawPath := filepath.Join(out, "suite-"+stamp+".jsonl")
	raw, err := os.Create(rawPath)
	if err != nil {
		return err
	}
	defer raw.Close()
	rn := runner{out: out, emit: func(r record) {
		b, _ := json.Marshal(r)
		raw.Write(append(b, '\n'))
	}}
	if rn.noxc, rn.rtest, err = buildBinaries(out); err != nil {
		return err
	}
	if rn.fma, err = buildFMA(out); err != nil {
		return err
	}
	for _, c := range cfgs {
		if err := rn.runConfig(c, seeds); err != nil {
			return err
		}
	}
	raw.Close()
	return writeSummary(rawPath)
}

// selection returns the configurations of -configs (with -steps applied)
// and the seeds of -seeds, so that run rejects a misspelt name or seed
// before it builds or measures anything.
func selection() ([]config, []int, error) {
	var cfgs []config
	for _, name := range split(*flagConfigs) {
		i := slices.IndexFunc(configs, func(c config) bool { return c.Name == name })
		if i < 0 {
			return nil, nil, fmt.Errorf("unknown configuration %q", name)
		}
		c := configs[i]
		if *flagSteps > 0 {
			c.Steps = *flagSteps
		}
		cfgs = append(cfgs, c)
	}
	var seeds []int
	for _, s := range split(*flagSeeds) {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, nil, fmt.Errorf("bad seed %q", s)
		}
		seeds = append(seeds, n)
	}
	return cfgs, seeds, nil
}

// checkTools checks for the programs the measurements run under (the
// reference's Python with PyTorch, unless -noref, and /usr/bin/time), so
// that a missing one is reported with its install command up front instead
// of as a failed run midway through the suite.
func checkTools() error {
	if !*flagNoRef {
		if _, err := os.Stat(*flagRef); err != nil {
			return fmt.Errorf("reference script: %v (or run with -noref)", err)
		}
		if err := exec.Command("/usr/bin/python3", "-c", "import torch, numpy").Run(); err != nil {
			return errors.New("the reference needs Debian's PyTorch: apt-get install -y python3-torch python3-numpy python3-threadpoolctl libopenblas0-pthread (or run with -noref)")
		}
	}
	if !*flagNoGemm {
		if err := exec.Command("/usr/bin/python3", "-c", "import torch, threadpoolctl").Run(); err != nil {
			return errors.New("the GEMM rate is measured with Debian's PyTorch: apt-get install -y python3-torch python3-threadpoolctl libopenblas0-pthread (or run with -nogemm)")
		}
	}
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		return errors.New("peak memory is measured with /usr/bin/time: apt-get install -y time")
	}
	return nil
}

// buildBinaries builds noxc and the runtime's test binary into out once,
// so that every measured run starts a prebuilt program and no compilation
// is timed; it returns their paths.
func buildBinaries(out string) (noxc, rtest string, err error) {
	logf("building noxc and the runtime benchmarks into %s", out)
	noxc, rtest = filepath.Join(out, "noxc"), filepath.Join(out, "runtime.test")
	if err := command("go", "build", "-o", noxc, "./cmd/noxc").Run(); err != nil {
		return "", "", fmt.Errorf("go build: %v", err)
	}
	if err := command("go", "test", "-c", "-o", rtest, "./runtime").Run(); err != nil {
		return "", "", fmt.Errorf("go test -c: %v", err)
	}
	return noxc, rtest, nil
}

// buildFMA builds bench/fmapeak into out and returns its path, or ""
// (logged) where it has no loops for this CPU: then the summary states
// no FMA limit.
func buildFMA(out string) (string, error) {
	path := filepath.Join(out, "fmapeak")
	if err := command("go", "build", "-o", path, "./bench/fmapeak").Run(); err != nil {
		return "", fmt.Errorf("go build ./bench/fmapeak: %v", err)
	}
	if err := command(path, "-threads", "1", "-reps", "1").Run(); err != nil {
		logf("bench/fmapeak does not run here (%v): no FMA limit in the summary", err)
		return "", nil
	}
	return path, nil
}

// runner holds what every measurement of one suite run shares: the output
// directory, the binaries built into it and where records go. It keeps the
// per-configuration steps of run short without passing the same four
// values to each.
type runner struct {
	out   string       // output directory (absolute)
	noxc  string       // the noxc binary
	rtest string       // the runtime package's test binary
	fma   string       // bench/fmapeak's binary, or "" where it has no loops
	emit  func(record) // appends a record to the raw file
}

// runConfig measures configuration c for every seed: the reference in
// each -dtypes and -coretypes, then nox in each -noxdtypes. The runs of one
// seed follow one another so that a drift of the machine's speed over the
// hour touches nox and the reference alike.
func (rn runner) runConfig(c config, seeds []int) error {
	data := c.Data
	if data == "" {
		data = filepath.Join(rn.out, c.Name+".csv")
		logf("%s: generating %s", c.Name, data)
		if err := writeSynthetic(data, c.Dim); err != nil {
			return err
		}
	}
	data, err := filepath.Abs(data)
	if err != nil {
		return err
	}
	for _, seed := range seeds {
		if !*flagNoRef {
			if err := rn.runGemms(c, seed, "before-ref", ""); err != nil {
				return err
			}
			for _, dt := range split(*flagDtypes) {
				for _, core := range split(*flagCores) {
					logf("%s seed %d: reference %s %s", c.Name, seed, dt, core)
					r, err := runRef(c, data, rn.out, seed, dt, core)
					if err != nil {
						return err
					}
					rn.emit(r)
				}
			}
			if err := rn.runGemms(c, seed, "after-ref", ""); err != nil {
				return err
			}
		}
		if err := rn.runGemms(c, seed, "before-nox", ""); err != nil {
			return err
		}
		for _, dt := range split(*flagNoxDtypes) {
			if err := rn.runNoxDtype(c, data, seed, dt); err != nil {
				return err
			}
		}
	}
	return nil
}

// runGemms measures OpenBLAS's 1024³ sgemm and dgemm (only dtype's, if
// not empty) on two threads (bench/gemm/openblas.py, Debian's PyTorch),
// once per -coretypes kernel, set as the reference runs are: the rate
// the useful-FLOP shares of the summary are taken of, measured in the
// same run, on the same cores, right before and after the runs it is
// compared with, the records named for when they ran (name:
// "before-ref", "after-ref", "before-nox", "before-TrainStep",
// "after-LogProb", ...). On a shared machine the rate drifts over the
// minutes a configuration takes (5× within one run here, and by 25 %
// between two benchmarks a minute apart: bench/README.md), so a rate
// measured once before all of nox's runs could be taken in a fast
// spell and the benchmark in a slow one, or the reverse. -nogemm skips
// it; the machine's FMA limit is measured first (runFMA), -nogemm or
// not.
func (rn runner) runGemms(c config, seed int, name, dtype string) error {
	if err := rn.runFMA(c, seed, name, dtype); err != nil {
		return err
	}
	if *flagNoGemm {
		return nil
	}
	for _, core := range split(*flagCores) {
		logf("%s seed %d: OpenBLAS 1024³ GEMM, 2 threads, %s, %s", c.Name, seed, core, name)
		env := envWith([]string{"OPENBLAS_L2_SIZE", "OPENBLAS_CORETYPE"}, "OPENBLAS_CORETYPE="+core)
		args := []string{"bench/gemm/openblas.py", "--threads", "2", "--shapes", "square", "--flops", "2e10"}
		want := 2
		if dtype != "" {
			args, want = append(args, "--dtypes", dtype), 1
		}
		cmd := command("/usr/bin/python3", args...)
		cmd.Env = env
		if err := rn.runRates("bench/gemm/openblas.py", cmd, record{Who: "gemm", Config: c.Name, Seed: seed, Core: core, Name: name}, want); err != nil {
			return err
		}
	}
	return nil
}

// runFMA measures the machine's vector FMA limit on two threads
// (bench/fmapeak) in dtype (both, if ""), named as runGemms' runs are,
// beside them: the ceiling the GEMM and nox's useful rates stand under,
// measured in the same minute, which tells a slower machine from slower
// code. It needs no Python, so it runs under -nogemm too.
func (rn runner) runFMA(c config, seed int, name, dtype string) error {
	if rn.fma == "" {
		return nil
	}
	args, want := []string{"-threads", "2", "-reps", "3"}, 2
	if dtype != "" {
		args, want = append(args, "-dtypes", dtype), 1
	}
	return rn.runRates("bench/fmapeak", command(rn.fma, args...), record{Who: "fma", Config: c.Name, Seed: seed, Name: name}, want)
}

// runRates runs cmd, a rate tool (parseRates), and emits its want
// records, each like base with the machine's load average from just
// before it ran.
func (rn runner) runRates(tool string, cmd *exec.Cmd, base record, want int) error {
	base.Load = loadavg()
	stdout, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("%s: %v", tool, err)
	}
	rs, err := parseRates(tool, stdout, base, want)
	if err != nil {
		return err
	}
	for _, r := range rs {
		rn.emit(r)
	}
	return nil
}

// parseRates reads the JSON lines of a rate tool, bench/gemm/openblas.py
// or bench/fmapeak ("dtype" and "gflops", and fmapeak's "isa" and
// "threads"), into records like base (who, configuration, seed, kernel,
// load), one per line, want of them: the rate in Metric, an instruction
// set in Core and a thread count in Procs where the line has them.
func parseRates(tool string, stdout []byte, base record, want int) ([]record, error) {
	var out []record
	for _, line := range bytes.Split(bytes.TrimSpace(stdout), []byte("\n")) {
		var l struct {
			Dtype   string  `json:"dtype"`
			ISA     string  `json:"isa"`
			Threads int     `json:"threads"`
			GFLOPs  float64 `json:"gflops"`
		}
		if err := json.Unmarshal(line, &l); err != nil {
			return nil, fmt.Errorf("%s output %q: %v", tool, line, err)
		}
		r := base
		r.Dtype, r.Core, r.Metric, r.Unit = l.Dtype, cmp.Or(l.ISA, base.Core), l.GFLOPs, "GFLOP/s"
		if l.ISA != "" {
			r.Procs = l.Threads
		}
		out = append(out, r)
	}
	if len(out) != want {
		return nil, fmt.Errorf("%s: %d results, want %d, in %q", tool, len(out), want, stdout)
	}
	return out, nil
}

// runNoxDtype runs every nox measure of c for one seed in one dtype: the
// noxc run, the three Go benchmarks and, on the large configurations,
// BenchmarkScaling. The benchmarks report no dtype of their own (it is in
// their name), so the records get dt here, which the summary groups by.
func (rn runner) runNoxDtype(c config, data string, seed int, dt string) error {
	logf("%s seed %d: nox run %s", c.Name, seed, dt)
	r, err := runNox(c, data, rn.out, rn.noxc, seed, dt)
	if err != nil {
		return err
	}
	rn.emit(r)
	suffix := ""
	if dt == "float32" {
		suffix = "32"
	}
	for _, b := range []struct{ kind, time string }{{"TrainStep", c.TrainTime}, {"LogProb", c.LogProbTime}, {"Sample", c.SampleTime}} {
		name := b.kind + c.Bench + suffix
		// The useful-FLOP shares of training and log-prob are taken of
		// GEMM rates measured right before and after.
		shared := b.kind != "Sample"
		if shared {
			if err := rn.runGemms(c, seed, "before-"+b.kind, dt); err != nil {
				return err
			}
		}
		logf("%s seed %d: go benchmark %s", c.Name, seed, name)
		rs, err := runBench(c, rn.rtest, name, b.time, seed)
		if err != nil {
			return err
		}
		if shared {
			if err := rn.runGemms(c, seed, "after-"+b.kind, dt); err != nil {
				return err
			}
		}
		for _, r := range rs {
			r.Dtype = dt
			rn.emit(r)
		}
	}
	if c.Scaling && *flagScaling != "" {
		logf("%s seed %d: go benchmark Scaling %s", c.Name, seed, dt)
		rs, err := runScaling(c, rn.rtest, suffix, seed)
		if err != nil {
			return err
		}
		for _, r := range rs {
			r.Who, r.Dtype = "noxscaling", dt
			rn.emit(r)
		}
	}
	return nil
}

// writeSummary summarizes the raw file at rawPath, prints the summary and
// writes it beside the raw file as .txt. It reads the records back from the
// file rather than keeping them in memory, so the summary of a run is the
// same text -summarize gives for its file.
func writeSummary(rawPath string) error {
	recs, err := readRecords(rawPath)
	if err != nil {
		return err
	}
	sum := summarize(recs, rawPath)
	fmt.Print(sum)
	return os.WriteFile(strings.TrimSuffix(rawPath, ".jsonl")+".txt", []byte(sum), 0o644)
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s suite: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	return cmd
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// timed runs argv under /usr/bin/time with env, returning stdout and the
// peak RSS in kB.
func timed(env []string, argv ...string) ([]byte, float64, error) {
	tf, err := os.CreateTemp("", "suite-time-*.json")
	if err != nil {
		return nil, 0, err
	}
	tf.Close()
	defer os.Remove(tf.Name())
	cmd := command("/usr/bin/time", append([]string{"-f", `{"peak_rss_kb":%M}`, "-o", tf.Name()}, argv...)...)
	cmd.Env = env
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Run(); err != nil {
		return nil, 0, fmt.Errorf("%s: %v", strings.Join(argv, " "), err)
	}
	b, err := os.ReadFile(tf.Name())
	if err != nil {
		return nil, 0, err
	}
	var t struct {
		PeakRSSKB float64 `json:"peak_rss_kb"`
	}
	// /usr/bin/time may prepend a line about the exit status.
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &t); err != nil {
		return nil, 0, fmt.Errorf("reading /usr/bin/time output %q: %v", b, err)
	}
	return stdout.Bytes(), t.PeakRSSKB, nil
}

// envWith returns the environment without the named variables, plus set.
func envWith(drop []string, set ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(drop, name) {
			env = append(env, kv)
		}
	}
	return append(env, set...)
}

func runRef(c config, data, out string, seed int, dtype, core string) (record, error) {
	argv := []string{"/usr/bin/python3", *flagRef, "--data", data, "--layers", strconv.Itoa(layers),
		"--hidden", strconv.Itoa(c.Hidden), "--steps", strconv.Itoa(c.Steps), "--batch", strconv.Itoa(c.Batch),
		"--lr", c.LR, "--threads", "1", "--blas-threads", "2", "--seed", strconv.Itoa(seed), "--dtype", dtype,
		"--eval-batch", strconv.Itoa(c.Eval)}
	if c.Dequantize {
		argv = append(argv, "--dequantize")
	}
	env := envWith([]string{"OPENBLAS_L2_SIZE", "OPENBLAS_CORETYPE"}, "OPENBLAS_CORETYPE="+core,
		"MALLOC_MMAP_THRESHOLD_=1000000000", "MALLOC_TRIM_THRESHOLD_=1000000000")
	load := loadavg()
	stdout, peak, err := timed(env, argv...)
	if err != nil {
		return record{}, err
	}
	r := record{Who: "ref", Config: c.Name, Dtype: dtype, Core: core, Seed: seed, Load: load}
	if err := json.Unmarshal(lastLine(stdout), &r.Run); err != nil {
		return record{}, fmt.Errorf("reference output %q: %v", stdout, err)
	}
	r.Time = &struct {
		PeakRSSKB float64 `json:"peak_rss_kb"`
	}{peak}
	return r, nil
}

func lastLine(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return lines[len(lines)-1]
}

// noxSource is the .nox file of a configuration: the flow of the
// reference, with compare.sh's options (test_frac 0.2 and nox's defaults
// otherwise: a validation split, gradient clipping at norm 5).
func noxSource(c config, data, out string, seed int, dtype string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Generated by bench/suite: configuration %s, seed %d.\n", c.Name, seed)
	fmt.Fprintf(&b, "data = csv(%q)\n", data)
	b.WriteString("flow = ")
	for i := range layers {
		if i > 0 {
			b.WriteString(" |> Reverse |> ")
		}
		fmt.Fprintf(&b, "MAF(%d)", c.Hidden)
	}
	b.WriteString(" |> Gaussian\n")
	fmt.Fprintf(&b, "train flow on data { steps = %d, batch = %d, lr = %s, test_frac = 0.2, seed = %d, dtype = %s }\n", c.Steps, c.Batch, c.LR, seed, dtype)
	if c.Sample {
		fmt.Fprintf(&b, "sample flow 1000 to %q\n", filepath.Join(out, c.Name+"_samples.csv"))
	}
	return b.String()
}

func runNox(c config, data, out, noxc string, seed int, dtype string) (record, error) {
	src := filepath.Join(out, fmt.Sprintf("%s_seed%d_%s.nox", c.Name, seed, dtype))
	if err := os.WriteFile(src, []byte(noxSource(c, data, out, seed, dtype)), 0o644); err != nil {
		return record{}, err
	}
	load := loadavg()
	stdout, peak, err := timed(os.Environ(), noxc, "run", "-json", src)
	if err != nil {
		return record{}, err
	}
	r := record{Who: "nox", Config: c.Name, Dtype: dtype, Seed: seed, Load: load}
	first, _, _ := bytes.Cut(stdout, []byte("\n"))
	if err := json.Unmarshal(first, &r.Run); err != nil {
		return record{}, fmt.Errorf("noxc output %q: %v", stdout, err)
	}
	r.Time = &struct {
		PeakRSSKB float64 `json:"peak_rss_kb"`
	}{peak}
	return r, nil
}

// runBench runs one Go benchmark of runtime/bench_test.go, once per
// GOMAXPROCS value of -cpu (-benchreps times over, alternating), each in
// its own process started with that GOMAXPROCS. One process with -test.cpu 1,2 would not do: the testing
// package runs a b.Loop benchmark's first -cpu value in its probing call,
// at the process's default GOMAXPROCS (golang/go#49980), so "1" was
// measured on both cores.
func runBench(c config, rtest, name, benchtime string, seed int) ([]record, error) {
	if *flagBenchtime != "" {
		benchtime = *flagBenchtime
	}
	procs := []string{""}
	if *flagCPU != "" {
		procs = strings.Split(*flagCPU, ",")
	}
	var out []record
	var cycle []string
	for range max(1, *flagBenchReps) {
		cycle = append(cycle, procs...)
	}
	for _, p := range cycle {
		args := []string{"-test.run", "^$", "-test.bench", "^Benchmark" + name + "$", "-test.benchmem", "-test.benchtime", benchtime}
		cmd := command(rtest, args...)
		cmd.Dir = "runtime" // the benchmarks read ../examples/data
		cmd.Env = os.Environ()
		if p != "" {
			cmd.Env = append(cmd.Env, "GOMAXPROCS="+p)
		}
		load := loadavg()
		stdout, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("%s: %v\n%s", name, err, stdout)
		}
		rs := parseBench(stdout, c, seed, load)
		if len(rs) == 0 {
			return nil, fmt.Errorf("%s: no benchmark results in %q", name, stdout)
		}
		out = append(out, rs...)
	}
	return out, nil
}

// runScaling runs BenchmarkScaling's three measures of c in one dtype
// (suffix "" or "32"): each alternates ~100 ms bursts at GOMAXPROCS 1 and
// 2 within one process and reports the median speed-up over its rounds,
// which a drift of the machine's speed over seconds moves much less than
// it moves the ratio of separate processes (runBench).
func runScaling(c config, rtest, suffix string, seed int) ([]record, error) {
	pattern := fmt.Sprintf("^BenchmarkScaling$/^(TrainStep|LogProb|Sample)%s%s$", c.Bench, suffix)
	cmd := command(rtest, "-test.run", "^$", "-test.bench", pattern, "-test.benchtime", *flagScaling)
	cmd.Dir = "runtime"
	load := loadavg()
	stdout, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("BenchmarkScaling: %v\n%s", err, stdout)
	}
	rs := parseBench(stdout, c, seed, load)
	if len(rs) != 3 {
		return nil, fmt.Errorf("BenchmarkScaling: %d results, want 3, in %q", len(rs), stdout)
	}
	for i := range rs {
		rs[i].Metric, rs[i].Unit = rs[i].Metrics["speedup"], "speedup"
	}
	return rs, nil
}

// parseBench reads the result lines of a Go benchmark run.
func parseBench(stdout []byte, c config, seed int, load string) []record {
	var out []record
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		r := record{Who: "noxbench", Config: c.Name, Seed: seed, Procs: 1, Load: load}
		r.Name = f[0]
		if i := strings.LastIndexByte(f[0], '-'); i > 0 {
			r.Name = f[0][:i]
			r.Procs, _ = strconv.Atoi(f[0][i+1:])
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch unit := f[i+1]; unit {
			case "ns/op":
				r.NsPerOp = v
			case "allocs/op":
				r.Allocs = v
			case "B/op":
			default:
				r.Metric, r.Unit = v, unit
				if r.Metrics == nil {
					r.Metrics = map[string]float64{}
				}
				r.Metrics[unit] = v
			}
		}
		out = append(out, r)
	}
	return out
}

// writeSynthetic writes 2000 rows of dim columns: a fixed-seed random
// linear map of 32 non-Gaussian latent factors (a Laplace, a uniform and
// a two-component mixture, in turn) plus small Gaussian noise, with 6
// significant digits. The same dim gives the same file on every machine.
func writeSynthetic(path string, dim int) error {
	const rows, factors = 2000, 32
	rng := rand.New(rand.NewPCG(784, 2026))
	a := make([]float64, factors*dim)
	for i := range a {
		a[i] = rng.NormFloat64() / math.Sqrt(factors)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	z := make([]float64, factors)
	buf := make([]byte, 0, 16)
	for range rows {
		for j := range z {
			switch j % 3 {
			case 0:
				z[j] = rng.ExpFloat64() * float64(1-2*rng.IntN(2))
			case 1:
				z[j] = 2*rng.Float64() - 1
			default:
				z[j] = rng.NormFloat64()*0.3 + float64(2*rng.IntN(2)-1)
			}
		}
		for c := range dim {
			x := 0.1 * rng.NormFloat64()
			for j, zj := range z {
				x += zj * a[j*dim+c]
			}
			if c > 0 {
				w.WriteByte(',')
			}
			w.Write(strconv.AppendFloat(buf[:0], x, 'g', 6, 64))
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func readRecords(path string) ([]record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var recs []record
	dec := json.NewDecoder(f)
	for {
		var r record
		if err := dec.Decode(&r); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		recs = append(recs, r)
	}
	return recs, nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// spread is (max − min) / median, in percent.
func spread(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	return (slices.Max(xs) - slices.Min(xs)) / median(xs) * 100
}

func num(v any) (float64, bool) {
	f, ok := v.(float64)
	return f, ok && !math.IsNaN(f) && !math.IsInf(f, 0)
}

// summarize renders, per configuration, the table of medians and ratios.
func summarize(recs []record, raw string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "raw: %s\n", raw)
	var names []string
	for _, r := range recs {
		if !slices.Contains(names, r.Config) {
			names = append(names, r.Config)
		}
	}
	for _, name := range names {
		var cr []record
		for _, r := range recs {
			if r.Config == name {
				cr = append(cr, r)
			}
		}
		summarizeConfig(&b, name, cr)
	}
	return b.String()
}

// summarizeConfig writes the section of one configuration: a heading, the
// table of medians and ratios, then the lines on allocations, scaling with
// GOMAXPROCS and the test NLL of every run. Each part is a method of
// configRecords, which derives once what several parts need.
func summarizeConfig(b *strings.Builder, name string, recs []record) {
	s := newConfigRecords(name, recs)
	s.writeHeading(b)
	s.writeTable(b)
	s.writeGemm(b)
	s.writeFMA(b)
	s.writeAllocs(b)
	s.writeProcsScaling(b)
	s.writeInProcessScaling(b)
	s.writeNLLPerRun(b)
}

// configRecords is the records of one configuration together with what
// the parts of its summary derive from all of them, so that each part is
// a short method instead of one long function of shared closures.
type configRecords struct {
	c         config
	recs      []record
	procs     int      // the highest GOMAXPROCS the Go benchmarks ran at
	nox       []record // the noxc runs
	noxDtypes []string // dtypes nox ran in, float64 first
	seeds     map[int]bool
	steps     map[float64]bool // training steps of the noxc runs
	cores     []string         // the reference's OpenBLAS kernels, in order of appearance
}

// newConfigRecords derives the facts of recs, the records of the
// configuration called name. A name the suite no longer knows keeps its
// name and zero sizes, so old raw files still summarize.
func newConfigRecords(name string, recs []record) *configRecords {
	s := &configRecords{c: config{Name: name}, recs: recs}
	if i := slices.IndexFunc(configs, func(c config) bool { return c.Name == name }); i >= 0 {
		s.c = configs[i]
	}
	// Go benchmarks at the highest GOMAXPROCS run.
	for _, r := range s.pick("noxbench", "", "") {
		s.procs = max(s.procs, r.Procs)
	}
	s.nox = s.pick("nox", "", "")
	for _, r := range s.nox {
		if d := cmp.Or(r.Dtype, "float64"); !slices.Contains(s.noxDtypes, d) {
			s.noxDtypes = append(s.noxDtypes, d)
		}
	}
	slices.Sort(s.noxDtypes)
	slices.Reverse(s.noxDtypes) // float64 first
	s.seeds = map[int]bool{}
	s.steps = map[float64]bool{}
	for _, r := range s.nox {
		s.seeds[r.Seed] = true
		if v, ok := num(r.Run["steps"]); ok {
			s.steps[v] = true
		}
	}
	for _, r := range s.pick("ref", "", "") {
		if !slices.Contains(s.cores, r.Core) {
			s.cores = append(s.cores, r.Core)
		}
	}
	return s
}

// pick returns the records of who in dtype on OpenBLAS kernel core ("" for
// any). A record without a dtype counts as float64: it is from before nox
// ran in float32.
func (s *configRecords) pick(who, dtype, core string) []record {
	var out []record
	for _, r := range s.recs {
		rd := r.Dtype
		if rd == "" {
			rd = "float64"
		}
		if r.Who == who && (dtype == "" || rd == dtype) && (core == "" || r.Core == core) {
			out = append(out, r)
		}
	}
	return out
}

// bench returns the metrics and allocations of the Go benchmarks whose
// names start with prefix, in dtype, run at GOMAXPROCS p. Medians are
// taken over one GOMAXPROCS only, since a mixed set would say nothing.
func (s *configRecords) bench(prefix, dtype string, p int) (metric, allocs []float64) {
	for _, r := range s.pick("noxbench", dtype, "") {
		if strings.HasPrefix(r.Name, prefix) && r.Procs == p {
			metric, allocs = append(metric, r.Metric), append(allocs, r.Allocs)
		}
	}
	return
}

// best is the faster kernel's median of a reference measure (the higher
// one if higher, else the lower), with that kernel's values: nox is
// compared with the reference at its best, whichever kernel that is.
func (s *configRecords) best(dtype, key string, higher bool) (float64, []float64) {
	bm, bv := math.NaN(), []float64(nil)
	for _, core := range s.cores {
		v := runVals(s.pick("ref", dtype, core), key)
		m := median(v)
		if math.IsNaN(bm) || (higher && m > bm) || (!higher && m < bm) {
			bm, bv = m, v
		}
	}
	return bm, bv
}

// runVals returns the finite values of key in the runs' JSON output; a
// run that diverged reports a non-finite value, which would poison a
// median.
func runVals(rs []record, key string) []float64 {
	var out []float64
	for _, r := range rs {
		if v, ok := num(r.Run[key]); ok {
			out = append(out, v)
		}
	}
	return out
}

// peakRSSMB returns the peak RSS of the runs measured under /usr/bin/time,
// in MB; the Go benchmarks have none.
func peakRSSMB(rs []record) []float64 {
	var out []float64
	for _, r := range rs {
		if r.Time != nil {
			out = append(out, r.Time.PeakRSSKB/1024)
		}
	}
	return out
}

// writeHeading writes the configuration's settings and what the numbers
// below were measured over, so that a section read on its own says what
// it compares.
func (s *configRecords) writeHeading(b *strings.Builder) {
	c := s.c
	fmt.Fprintf(b, "\n## %s: D=%d, %d layers, hidden %d, batch %d, lr %s; %d seeds; nox steps run %v; Go benchmarks at GOMAXPROCS=%d\n",
		c.Name, c.Dim, layers, c.Hidden, c.Batch, c.LR, len(s.seeds), slices.Sorted(maps.Keys(s.steps)), s.procs)
	if len(s.cores) > 0 {
		fmt.Fprintf(b, "reference: best of OpenBLAS kernels %v per measure\n", s.cores)
	}
}

// writeTable writes the table of medians: each measure of nox beside the
// reference's in the same dtype, with their ratio (difference for the
// NLL), and the spread over runs in float64, which says how far a ratio
// can be trusted.
func (s *configRecords) writeTable(b *strings.Builder) {
	dtypes := []string{"float64", "float32"}
	b.WriteString("| measure (median) | nox float64 | ref float64 | ratio | nox float32 | ref float32 | ratio | spread nox / ref (float64) |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	row := func(label string, n func(dtype string) []float64, key string) {
		fmt.Fprintf(b, "| %s |", label)
		var n64, r64 []float64
		for _, dt := range dtypes {
			nv := n(dt)
			m, v := s.best(dt, key, true)
			if dt == "float64" {
				n64, r64 = nv, v
			}
			fmt.Fprintf(b, " %s | %s | %s |", fmtNum(median(nv)), fmtNum(m), ratio(median(nv)/m))
		}
		fmt.Fprintf(b, " %.0f%% / %.0f%% |\n", spread(n64), spread(r64))
	}
	benchOf := func(kind string) func(string) []float64 {
		return func(dt string) []float64 { v, _ := s.bench(kind, dt, s.procs); return v }
	}
	row(fmt.Sprintf("train steps/s (%s-step loop, noxc run)", fmtSteps(s.steps)), func(dt string) []float64 { return runVals(s.pick("nox", dt, ""), "steps_per_s") }, "train_steps_per_s")
	row("train steps/s (go bench, steady state)", benchOf("BenchmarkTrainStep"), "train_steps_per_s")
	row(fmt.Sprintf("log-prob rows/s (chunks of %d)", s.c.Eval), benchOf("BenchmarkLogProb"), "logprob_samples_per_s")
	row(fmt.Sprintf("samples/s (draws of %d)", s.c.Eval), benchOf("BenchmarkSample"), "sample_samples_per_s")
	s.writeFLOPRows(b)
	fmt.Fprintf(b, "| test NLL (nats) |")
	for _, dt := range dtypes {
		nll := median(runVals(s.pick("nox", dt, ""), "test_nll"))
		m := median(runVals(s.pick("ref", dt, ""), "test_nll_nats"))
		fmt.Fprintf(b, " %s | %s | %s |", fmtNLL(nll, false), fmtNLL(m, false), fmtNLL(nll-m, true))
	}
	b.WriteString(" |\n")
	fmt.Fprintf(b, "| peak RSS (MB) |")
	for _, dt := range dtypes {
		nr := median(peakRSSMB(s.pick("nox", dt, "")))
		m := median(peakRSSMB(s.pick("ref", dt, "")))
		less := "n/a"
		if r := m / nr; !math.IsNaN(r) {
			less = fmt.Sprintf("%.2fx less", r)
		}
		fmt.Fprintf(b, " %s | %s | %s |", fmtF(nr, "%.1f"), fmtF(m, "%.1f"), less)
	}
	b.WriteString(" |\n")
}

// writeFLOPRows writes the useful floating-point rate of each direction
// (flops.go: nonzero mask entries only, matrix products only) for nox's
// steady-state Go benchmarks and the reference, each with its share of
// OpenBLAS's 1024³ GEMM rate on two threads in the same dtype (dgemm for
// float64, sgemm for float32; the faster kernel), measured in the same
// run. The sampling rate counts one pass of work per row (a sampler that
// solves one dimension at a time, nox's); the reference's sampler does D
// passes, so its figure is useful work per second, not its arithmetic.
func (s *configRecords) writeFLOPRows(b *strings.Builder) {
	if s.c.Dim == 0 {
		return // a configuration the suite no longer knows: no shapes
	}
	f := usefulFLOPs(s.c)
	for _, d := range []struct {
		label, bench, key string
		per               float64
	}{
		{"train GFLOP/s, useful (share of 1024³ GEMM)", "BenchmarkTrainStep", "train_steps_per_s", f.Train},
		{"log-prob GFLOP/s, useful (share)", "BenchmarkLogProb", "logprob_samples_per_s", f.LogProbRow},
		{"sampling GFLOP/s, useful: one pass a row (share)", "BenchmarkSample", "sample_samples_per_s", f.SampleRow},
	} {
		fmt.Fprintf(b, "| %s |", d.label)
		for _, dt := range []string{"float64", "float32"} {
			v, _ := s.bench(d.bench, dt, s.procs)
			nox := median(v) * d.per / 1e9
			ref, _ := s.best(dt, d.key, true)
			ref *= d.per / 1e9
			kind := strings.TrimPrefix(d.bench, "Benchmark")
			fmt.Fprintf(b, " %s | %s | %s |", fmtShare(nox, s.gemmRate(dt, kind, "nox")), fmtShare(ref, s.gemmRate(dt, "ref")), ratio(nox/ref))
		}
		b.WriteString(" |\n")
	}
}

// gemmRate is the faster OpenBLAS kernel's 1024³ GEMM rate in dtype,
// in GFLOP/s, the median of the runs measured around the first of whats
// that has any: "TrainStep" or "LogProb" (runs named before- and after-
// that benchmark), "nox" (before nox's runs) or "ref" (before and after
// the reference's). A raw file from before runs were named has none of
// these, and every GEMM run counts. NaN if none ran.
func (s *configRecords) gemmRate(dtype string, whats ...string) float64 {
	for _, what := range whats {
		around := func(r record) bool { return r.Name == "before-"+what || r.Name == "after-"+what }
		if g := s.gemmMedian(dtype, around); !math.IsNaN(g) {
			return g
		}
	}
	named := slices.ContainsFunc(s.pick("gemm", dtype, ""), func(r record) bool { return r.Name != "" })
	if named {
		return math.NaN()
	}
	return s.gemmMedian(dtype, func(record) bool { return true })
}

// gemmMedian is the faster kernel's median rate in dtype over the GEMM
// runs that keep selects (NaN if none does).
func (s *configRecords) gemmMedian(dtype string, keep func(record) bool) float64 {
	best := math.NaN()
	for _, core := range s.gemmCores() {
		var v []float64
		for _, r := range s.pick("gemm", dtype, core) {
			if keep(r) {
				v = append(v, r.Metric)
			}
		}
		if m := median(v); len(v) > 0 && (math.IsNaN(best) || m > best) {
			best = m
		}
	}
	return best
}

// gemmCores returns the OpenBLAS kernels the GEMM runs used, in order.
func (s *configRecords) gemmCores() []string {
	var cores []string
	for _, r := range s.pick("gemm", "", "") {
		if !slices.Contains(cores, r.Core) {
			cores = append(cores, r.Core)
		}
	}
	return cores
}

// runNames returns the names of who's runs ("before-ref", ...), in the
// order they ran.
func (s *configRecords) runNames(who string) []string {
	var names []string
	for _, r := range s.pick(who, "", "") {
		if !slices.Contains(names, r.Name) {
			names = append(names, r.Name)
		}
	}
	return names
}

// writeGemm writes the GEMM rates the shares are taken of, by when they
// were measured, dtype and kernel, so that the table's percentages can
// be checked.
func (s *configRecords) writeGemm(b *strings.Builder) {
	var parts []string
	for _, name := range s.runNames("gemm") {
		for _, dt := range []string{"float64", "float32"} {
			for _, core := range s.gemmCores() {
				var v []float64
				for _, r := range s.pick("gemm", dt, core) {
					if r.Name == name {
						v = append(v, r.Metric)
					}
				}
				if len(v) > 0 {
					label := strings.Replace(name, "-", " ", 1) + " "
					if name == "" {
						label = "" // a raw file from before the runs were named
					}
					parts = append(parts, fmt.Sprintf("%s%s %s %s", label, dt, core, fmtNum(median(v))))
				}
			}
		}
	}
	if len(parts) > 0 {
		f := usefulFLOPs(s.c)
		fmt.Fprintf(b, "OpenBLAS 1024³ GEMM on 2 threads in this run, GFLOP/s (median by when, dtype and kernel; nox's training and log-prob shares are of the median of the runs right before and after their benchmark, its sampling share of those before its runs, the reference's of those before and after its runs): %s; useful MFLOP per train step %.1f, per log-prob or sampled row %.3f\n",
			strings.Join(parts, ", "), f.Train/1e6, f.LogProbRow/1e6)
	}
}

// fmaRate is the vector FMA limit in dtype (bench/fmapeak, two threads),
// in GFLOP/s: the best of the runs measured around the first of whats
// that has any, as gemmRate picks them; "" picks every run. The best, not
// the median: a limit is what the machine can do, and a run falls below
// it when the host takes some of a core for its ~70 ms (in one digits
// suite one of the seven float64 runs ran at 60.6 GFLOP/s against
// 115–117, one float32 run at 219 against 232–233). NaN if none ran.
func (s *configRecords) fmaRate(dtype string, whats ...string) float64 {
	for _, what := range whats {
		best := math.NaN()
		for _, r := range s.pick("fma", dtype, "") {
			if (what == "" || r.Name == "before-"+what || r.Name == "after-"+what) && !(r.Metric <= best) {
				best = r.Metric
			}
		}
		if !math.IsNaN(best) {
			return best
		}
	}
	return math.NaN()
}

// writeFMA writes the machine's vector FMA limit measured in the run
// (bench/fmapeak, two threads), the best by when and dtype, and what
// share of it OpenBLAS's GEMM and nox's useful training and log-prob
// rates reached: the GEMM's share says how near a product can come on
// this machine, and nox's, how near its whole step came.
func (s *configRecords) writeFMA(b *strings.Builder) {
	fma := s.pick("fma", "", "")
	if len(fma) == 0 {
		return
	}
	var parts []string
	for _, name := range s.runNames("fma") {
		for _, dt := range []string{"float64", "float32"} {
			var v []float64
			for _, r := range s.pick("fma", dt, "") {
				if r.Name == name {
					v = append(v, r.Metric)
				}
			}
			if len(v) > 0 {
				parts = append(parts, fmt.Sprintf("%s %s %s", strings.Replace(name, "-", " ", 1), dt, fmtNum(slices.Max(v))))
			}
		}
	}
	f := usefulFLOPs(s.c)
	pct := func(v, of float64) string {
		if math.IsNaN(v) || math.IsNaN(of) || of == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.0f%%", 100*v/of)
	}
	var shares []string
	for _, dt := range []string{"float64", "float32"} {
		if math.IsNaN(s.fmaRate(dt, "")) {
			continue
		}
		train, _ := s.bench("BenchmarkTrainStep", dt, s.procs)
		lp, _ := s.bench("BenchmarkLogProb", dt, s.procs)
		if s.c.Dim == 0 {
			// A configuration the suite no longer knows: no shapes,
			// so no useful rates.
			train, lp = nil, nil
		}
		shares = append(shares, fmt.Sprintf("%s: OpenBLAS's GEMM %s, nox's useful training %s, log-prob %s", dt,
			pct(s.gemmMedian(dt, func(record) bool { return true }), s.fmaRate(dt, "")),
			pct(median(train)*f.Train/1e9, s.fmaRate(dt, "TrainStep", "nox")),
			pct(median(lp)*f.LogProbRow/1e9, s.fmaRate(dt, "LogProb", "nox"))))
	}
	fmt.Fprintf(b, "Vector FMA limit on 2 threads in this run (bench/fmapeak, %s; multiply-adds on registers alone), GFLOP/s (by when and dtype): %s; as shares of it (nox's against the best run around its benchmark, the GEMM's median against the best of all): %s\n",
		fma[0].Core, strings.Join(parts, ", "), strings.Join(shares, "; "))
}

// fmtShare formats a rate in GFLOP/s with its share of the GEMM rate g.
func fmtShare(v, g float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	if math.IsNaN(g) {
		return fmtNum(v)
	}
	return fmt.Sprintf("%s (%.0f%%)", fmtNum(v), 100*v/g)
}

// writeAllocs writes the most allocations per train step and per log-prob
// chunk over the runs of each nox dtype: the steady state should allocate
// nothing, and the maximum shows any run that did.
func (s *configRecords) writeAllocs(b *strings.Builder) {
	for _, dt := range s.noxDtypes {
		_, trainAllocs := s.bench("BenchmarkTrainStep", dt, s.procs)
		_, lpAllocs := s.bench("BenchmarkLogProb", dt, s.procs)
		fmt.Fprintf(b, "allocs per train step / log-prob chunk, nox %s: %s / %s\n", dt, fmtMax(trainAllocs), fmtMax(lpAllocs))
	}
}

// writeProcsScaling writes, when the Go benchmarks ran at several
// GOMAXPROCS values (-cpu), each benchmark's median at each value and its
// speed-up over the lowest: the scaling measured across processes.
func (s *configRecords) writeProcsScaling(b *strings.Builder) {
	var ps []int
	for _, r := range s.pick("noxbench", "", "") {
		if !slices.Contains(ps, r.Procs) {
			ps = append(ps, r.Procs)
		}
	}
	if slices.Sort(ps); len(ps) > 1 {
		for _, dt := range s.noxDtypes {
			for _, kind := range []string{"BenchmarkTrainStep", "BenchmarkLogProb", "BenchmarkSample"} {
				base, _ := s.bench(kind, dt, ps[0])
				fmt.Fprintf(b, "%s %s GOMAXPROCS scaling:", strings.TrimPrefix(kind, "Benchmark"), dt)
				for _, p := range ps {
					v, _ := s.bench(kind, dt, p)
					fmt.Fprintf(b, " %d: %s (%.2fx)", p, fmtNum(median(v)), median(v)/median(base))
				}
				b.WriteString("\n")
			}
		}
	}
}

// writeInProcessScaling writes the in-process measure of the same
// (BenchmarkScaling): the median GOMAXPROCS 1 → 2 speed-up of each measure
// and the range over its rounds, which a drift of the machine's speed moves
// less than it moves writeProcsScaling's ratios.
func (s *configRecords) writeInProcessScaling(b *strings.Builder) {
	for _, dt := range s.noxDtypes {
		var line []string
		for _, kind := range []string{"TrainStep", "LogProb", "Sample"} {
			var med, lo, hi []float64
			for _, r := range s.pick("noxscaling", dt, "") {
				if strings.HasPrefix(r.Name, "BenchmarkScaling/"+kind) {
					med, lo, hi = append(med, r.Metrics["speedup"]), append(lo, r.Metrics["min"]), append(hi, r.Metrics["max"])
				}
			}
			if len(med) > 0 {
				line = append(line, fmt.Sprintf("%s %.2fx (rounds %.2f–%.2fx)", kind, median(med), slices.Min(lo), slices.Max(hi)))
			}
		}
		if len(line) > 0 {
			fmt.Fprintf(b, "%s GOMAXPROCS 1 → 2 in one process (BenchmarkScaling, alternating bursts, median of rounds): %s\n", dt, strings.Join(line, ", "))
		}
	}
}

// writeNLLPerRun writes the test NLL of every run, nox's by dtype and
// seed, the reference's by dtype, kernel and seed: the table's medians
// hide a run that diverged, this line shows it (as "nonfinite" for the
// reference).
func (s *configRecords) writeNLLPerRun(b *strings.Builder) {
	var nl, rl []string
	for _, r := range s.nox {
		if v, ok := num(r.Run["test_nll"]); ok {
			nl = append(nl, fmt.Sprintf("%s/%d:%s", cmp.Or(r.Dtype, "float64"), r.Seed, fmtNLL(v, false)))
		}
	}
	for _, r := range s.pick("ref", "", "") {
		v, ok := num(r.Run["test_nll_nats"])
		nll := "nonfinite"
		if ok {
			nll = fmtNLL(v, false)
		}
		rl = append(rl, fmt.Sprintf("%s/%s/%d:%s", r.Dtype, r.Core, r.Seed, nll))
	}
	fmt.Fprintf(b, "test NLL per run, nox: %v; ref: %v\n", nl, rl)
}

func fmtSteps(steps map[float64]bool) string {
	if len(steps) == 1 {
		for s := range steps {
			return strconv.Itoa(int(s))
		}
	}
	return "N"
}

func fmtNum(v float64) string {
	switch {
	case math.IsNaN(v):
		return "n/a"
	case v >= 100:
		return commas(int64(math.Round(v)))
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func fmtF(v float64, format string) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf(format, v)
}

// fmtNLL formats a test NLL (with its sign if signed) to four decimals,
// or, past 10⁹ nats (a run that diverged: the reference's float64 digits
// run scores ~1.2·10⁷⁷), to four significant digits, so that the table
// keeps its width.
func fmtNLL(v float64, signed bool) string {
	f := "%.4f"
	if math.Abs(v) >= 1e9 {
		f = "%.4g"
	}
	if signed {
		f = "%+" + f[1:]
	}
	return fmtF(v, f)
}

func ratio(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return "n/a"
	}
	return fmt.Sprintf("%.2fx", r)
}

func fmtMax(xs []float64) string {
	if len(xs) == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f", slices.Max(xs))
}
