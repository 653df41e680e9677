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

func run() error {
	var cfgs []config
	for _, name := range split(*flagConfigs) {
		i := slices.IndexFunc(configs, func(c config) bool { return c.Name == name })
		if i < 0 {
			return fmt.Errorf("unknown configuration %q", name)
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
			return fmt.Errorf("bad seed %q", s)
		}
		seeds = append(seeds, n)
	}
	out, err := filepath.Abs(*flagOut)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if !*flagNoRef {
		if _, err := os.Stat(*flagRef); err != nil {
			return fmt.Errorf("reference script: %v (or run with -noref)", err)
		}
		if err := exec.Command("/usr/bin/python3", "-c", "import torch, numpy").Run(); err != nil {
			return errors.New("the reference needs Debian's PyTorch: apt-get install -y python3-torch python3-numpy python3-threadpoolctl libopenblas0-pthread (or run with -noref)")
		}
	}
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		return errors.New("peak memory is measured with /usr/bin/time: apt-get install -y time")
	}
	stamp := time.Now().UTC().Format("20060102T150405Z")
	rawPath := filepath.Join(out, "suite-"+stamp+".jsonl")
	raw, err := os.Create(rawPath)
	if err != nil {
		return err
	}
	defer raw.Close()
	emit := func(r record) {
		b, _ := json.Marshal(r)
		raw.Write(append(b, '\n'))
	}

	logf("building noxc and the runtime benchmarks into %s", out)
	noxc, rtest := filepath.Join(out, "noxc"), filepath.Join(out, "runtime.test")
	if err := command("go", "build", "-o", noxc, "./cmd/noxc").Run(); err != nil {
		return fmt.Errorf("go build: %v", err)
	}
	if err := command("go", "test", "-c", "-o", rtest, "./runtime").Run(); err != nil {
		return fmt.Errorf("go test -c: %v", err)
	}

	for _, c := range cfgs {
		data := c.Data
		if data == "" {
			data = filepath.Join(out, c.Name+".csv")
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
				for _, dt := range split(*flagDtypes) {
					for _, core := range split(*flagCores) {
						logf("%s seed %d: reference %s %s", c.Name, seed, dt, core)
						r, err := runRef(c, data, out, seed, dt, core)
						if err != nil {
							return err
						}
						emit(r)
					}
				}
			}
			for _, dt := range split(*flagNoxDtypes) {
				logf("%s seed %d: nox run %s", c.Name, seed, dt)
				r, err := runNox(c, data, out, noxc, seed, dt)
				if err != nil {
					return err
				}
				emit(r)
				suffix := ""
				if dt == "float32" {
					suffix = "32"
				}
				for _, b := range []struct{ kind, time string }{{"TrainStep", c.TrainTime}, {"LogProb", c.LogProbTime}, {"Sample", c.SampleTime}} {
					name := b.kind + c.Bench + suffix
					logf("%s seed %d: go benchmark %s", c.Name, seed, name)
					rs, err := runBench(c, rtest, name, b.time, seed)
					if err != nil {
						return err
					}
					for _, r := range rs {
						r.Dtype = dt
						emit(r)
					}
				}
				if c.Scaling && *flagScaling != "" {
					logf("%s seed %d: go benchmark Scaling %s", c.Name, seed, dt)
					rs, err := runScaling(c, rtest, suffix, seed)
					if err != nil {
						return err
					}
					for _, r := range rs {
						r.Who, r.Dtype = "noxscaling", dt
						emit(r)
					}
				}
			}
		}
	}
	raw.Close()
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

func summarizeConfig(b *strings.Builder, name string, recs []record) {
	c := config{Name: name}
	if i := slices.IndexFunc(configs, func(c config) bool { return c.Name == name }); i >= 0 {
		c = configs[i]
	}
	pick := func(who, dtype, core string) []record {
		var out []record
		for _, r := range recs {
			rd := r.Dtype
			if rd == "" {
				rd = "float64" // records from before nox ran in float32
			}
			if r.Who == who && (dtype == "" || rd == dtype) && (core == "" || r.Core == core) {
				out = append(out, r)
			}
		}
		return out
	}
	runVals := func(rs []record, key string) []float64 {
		var out []float64
		for _, r := range rs {
			if v, ok := num(r.Run[key]); ok {
				out = append(out, v)
			}
		}
		return out
	}
	rss := func(rs []record) []float64 {
		var out []float64
		for _, r := range rs {
			if r.Time != nil {
				out = append(out, r.Time.PeakRSSKB/1024)
			}
		}
		return out
	}
	// Go benchmarks at the highest GOMAXPROCS run.
	procs := 0
	for _, r := range pick("noxbench", "", "") {
		procs = max(procs, r.Procs)
	}
	bench := func(prefix, dtype string, p int) (metric, allocs []float64) {
		for _, r := range pick("noxbench", dtype, "") {
			if strings.HasPrefix(r.Name, prefix) && r.Procs == p {
				metric, allocs = append(metric, r.Metric), append(allocs, r.Allocs)
			}
		}
		return
	}
	nox := pick("nox", "", "")
	var noxDtypes []string
	for _, r := range nox {
		if d := cmp.Or(r.Dtype, "float64"); !slices.Contains(noxDtypes, d) {
			noxDtypes = append(noxDtypes, d)
		}
	}
	slices.Sort(noxDtypes)
	slices.Reverse(noxDtypes) // float64 first
	seeds := map[int]bool{}
	steps := map[float64]bool{}
	for _, r := range nox {
		seeds[r.Seed] = true
		if v, ok := num(r.Run["steps"]); ok {
			steps[v] = true
		}
	}
	var cores []string
	for _, r := range pick("ref", "", "") {
		if !slices.Contains(cores, r.Core) {
			cores = append(cores, r.Core)
		}
	}
	fmt.Fprintf(b, "\n## %s: D=%d, %d layers, hidden %d, batch %d, lr %s; %d seeds; nox steps run %v; Go benchmarks at GOMAXPROCS=%d\n",
		name, c.Dim, layers, c.Hidden, c.Batch, c.LR, len(seeds), slices.Sorted(maps.Keys(steps)), procs)
	if len(cores) > 0 {
		fmt.Fprintf(b, "reference: best of OpenBLAS kernels %v per measure\n", cores)
	}
	// best is the faster kernel's median of a reference measure.
	best := func(dtype, key string, higher bool) (float64, []float64) {
		bm, bv := math.NaN(), []float64(nil)
		for _, core := range cores {
			v := runVals(pick("ref", dtype, core), key)
			m := median(v)
			if math.IsNaN(bm) || (higher && m > bm) || (!higher && m < bm) {
				bm, bv = m, v
			}
		}
		return bm, bv
	}
	dtypes := []string{"float64", "float32"}
	b.WriteString("| measure (median) | nox float64 | ref float64 | ratio | nox float32 | ref float32 | ratio | spread nox / ref (float64) |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	row := func(label string, n func(dtype string) []float64, key string) {
		fmt.Fprintf(b, "| %s |", label)
		var n64, r64 []float64
		for _, dt := range dtypes {
			nv := n(dt)
			m, v := best(dt, key, true)
			if dt == "float64" {
				n64, r64 = nv, v
			}
			fmt.Fprintf(b, " %s | %s | %s |", fmtNum(median(nv)), fmtNum(m), ratio(median(nv)/m))
		}
		fmt.Fprintf(b, " %.0f%% / %.0f%% |\n", spread(n64), spread(r64))
	}
	benchOf := func(kind string) func(string) []float64 {
		return func(dt string) []float64 { v, _ := bench(kind, dt, procs); return v }
	}
	row(fmt.Sprintf("train steps/s (%s-step loop, noxc run)", fmtSteps(steps)), func(dt string) []float64 { return runVals(pick("nox", dt, ""), "steps_per_s") }, "train_steps_per_s")
	row("train steps/s (go bench, steady state)", benchOf("BenchmarkTrainStep"), "train_steps_per_s")
	row(fmt.Sprintf("log-prob rows/s (chunks of %d)", c.Eval), benchOf("BenchmarkLogProb"), "logprob_samples_per_s")
	row(fmt.Sprintf("samples/s (draws of %d)", c.Eval), benchOf("BenchmarkSample"), "sample_samples_per_s")
	fmt.Fprintf(b, "| test NLL (nats) |")
	for _, dt := range dtypes {
		nll := median(runVals(pick("nox", dt, ""), "test_nll"))
		m := median(runVals(pick("ref", dt, ""), "test_nll_nats"))
		fmt.Fprintf(b, " %s | %s | %s |", fmtF(nll, "%.4f"), fmtF(m, "%.4f"), fmtF(nll-m, "%+.4f"))
	}
	b.WriteString(" |\n")
	fmt.Fprintf(b, "| peak RSS (MB) |")
	for _, dt := range dtypes {
		nr := median(rss(pick("nox", dt, "")))
		m := median(rss(pick("ref", dt, "")))
		less := "n/a"
		if r := m / nr; !math.IsNaN(r) {
			less = fmt.Sprintf("%.2fx less", r)
		}
		fmt.Fprintf(b, " %s | %s | %s |", fmtF(nr, "%.1f"), fmtF(m, "%.1f"), less)
	}
	b.WriteString(" |\n")
	for _, dt := range noxDtypes {
		_, trainAllocs := bench("BenchmarkTrainStep", dt, procs)
		_, lpAllocs := bench("BenchmarkLogProb", dt, procs)
		fmt.Fprintf(b, "allocs per train step / log-prob chunk, nox %s: %s / %s\n", dt, fmtMax(trainAllocs), fmtMax(lpAllocs))
	}
	// Scaling with GOMAXPROCS, when the benchmarks ran at several.
	var ps []int
	for _, r := range pick("noxbench", "", "") {
		if !slices.Contains(ps, r.Procs) {
			ps = append(ps, r.Procs)
		}
	}
	if slices.Sort(ps); len(ps) > 1 {
		for _, dt := range noxDtypes {
			for _, kind := range []string{"BenchmarkTrainStep", "BenchmarkLogProb", "BenchmarkSample"} {
				base, _ := bench(kind, dt, ps[0])
				fmt.Fprintf(b, "%s %s GOMAXPROCS scaling:", strings.TrimPrefix(kind, "Benchmark"), dt)
				for _, p := range ps {
					v, _ := bench(kind, dt, p)
					fmt.Fprintf(b, " %d: %s (%.2fx)", p, fmtNum(median(v)), median(v)/median(base))
				}
				b.WriteString("\n")
			}
		}
	}
	// The in-process measure of the same (BenchmarkScaling).
	for _, dt := range noxDtypes {
		var line []string
		for _, kind := range []string{"TrainStep", "LogProb", "Sample"} {
			var med, lo, hi []float64
			for _, r := range pick("noxscaling", dt, "") {
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
	var nl, rl []string
	for _, r := range nox {
		if v, ok := num(r.Run["test_nll"]); ok {
			nl = append(nl, fmt.Sprintf("%s/%d:%.4f", cmp.Or(r.Dtype, "float64"), r.Seed, v))
		}
	}
	for _, r := range pick("ref", "", "") {
		v, ok := num(r.Run["test_nll_nats"])
		s := "nonfinite"
		if ok {
			s = fmt.Sprintf("%.4f", v)
		}
		rl = append(rl, fmt.Sprintf("%s/%s/%d:%s", r.Dtype, r.Core, r.Seed, s))
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
