// Command nll trains the flow families of nox's standard library — MAF,
// RealNVP, neural spline, Glow-style, BNAF, NAF, UMNN and CNF — with one training budget on
// each shared data set and prints a table of test NLLs (nats per row, in
// the data's original units; lower is better).
//
//	go run ./bench/nll -data ../shared/data -steps 3000 > bench/nll/results.md
//
// Every run is a .nox program (printed with -v), so a row of the table can
// be reproduced with noxc run.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/noxlang/nox"
	"github.com/noxlang/nox/plot"
)

// family is a flow written in nox; H is replaced by the hidden width.
type family struct {
	name, flow string
	hidden     int
}

var families = []family{
	{"MAF", "repeat(5, MAF(H, H) |> Reverse) |> Gaussian", 64},
	{"RealNVP", "repeat(8, AffineCoupling(H, H)) |> Gaussian", 64},
	{"Spline", "repeat(4, SplineCoupling(H, H, bins = 8)) |> Gaussian", 64},
	{"Glow", "repeat(6, ActNorm |> LULinear |> AffineCoupling(H, H)) |> Gaussian", 64},
	{"BNAF", "repeat(3, BNAF(hidden = H) |> Reverse) |> Gaussian", 16},
	{"NAF", "repeat(5, NAF(H, H) |> Reverse) |> Gaussian", 64},
	{"UMNN", "repeat(5, UMNN(H, H) |> Reverse) |> Gaussian", 64},
	// One CNF block (FFJORD's single-stage form), 8 RK4 steps (the
	// default); TRACE is -cnf-trace, since the exact trace costs D
	// vector-Jacobian products per evaluation and digits has 64 columns.
	{"CNF", "CNF(H, H, trace = \"TRACE\") |> Gaussian", 64},
}

type dataSet struct {
	name, file string
	prefix     string // stages before the flow (dequantization)
}

var sets = []dataSet{
	{"moons", "toy/moons.csv", ""},
	{"8gaussians", "toy/8gaussians.csv", ""},
	{"checkerboard", "toy/checkerboard.csv", ""},
	{"2spirals", "toy/2spirals.csv", ""},
	{"pinwheel", "toy/pinwheel.csv", ""},
	{"rings", "toy/rings.csv", ""},
	{"faithful", "faithful.csv", ""},
	{"iris", "iris.csv", ""},
	{"digits", "digits.csv", ""}, // integer pixels: train dequantizes them (dequantize = true)
}

func main() {
	dir := flag.String("data", "../shared/data", "directory of the shared data sets")
	steps := flag.Int("steps", 3000, "training steps per run")
	only := flag.String("only", "", "comma-separated data set names to run (default all)")
	fams := flag.String("families", "", "comma-separated family names to run (default all)")
	trace := flag.String("cnf-trace", "exact", `CNF's trace in the training objective: "exact" or "hutchinson"`)
	budget := flag.Duration("budget", 0, "stop each training run after this long, keeping its best parameters so far (0: no limit)")
	every := flag.Int("every", 0, "report progress (step, seconds) on stderr every this many steps (0: never)")
	verbose := flag.Bool("v", false, "print each program")
	flag.Parse()
	abs, err := filepath.Abs(*dir)
	if err != nil {
		fail(err)
	}
	tmp, err := os.MkdirTemp("", "nox-nll")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(tmp)

	fmt.Printf("Test NLL (nats/row, original units; lower is better). %d steps, batch 256, lr 1e-3, test_frac 0.2, seed 0.\n\n", *steps)
	fmt.Printf("| data | D |")
	var run []family
	for _, f := range families {
		if *fams == "" || contains(*fams, f.name) {
			run = append(run, f)
			fmt.Printf(" %s |", f.name)
		}
	}
	fmt.Printf("\n|---|---|%s\n", strings.Repeat("---|", len(run)))
	for _, d := range sets {
		if *only != "" && !contains(*only, d.name) {
			continue
		}
		row := fmt.Sprintf("| %s |", d.name)
		dims := 0
		for _, f := range run {
			src := program(filepath.Join(abs, d.file), d.prefix, f, *steps, *trace)
			if *verbose {
				fmt.Fprintf(os.Stderr, "# %s / %s\n%s\n", d.name, f.name, src)
			}
			c, n := runOne(filepath.Join(tmp, "model.nox"), src, d.name+" "+f.name, *budget, *every)
			row += c
			dims = n
		}
		fmt.Printf("| %s | %d |%s\n", d.name, dims, strings.TrimPrefix(row, fmt.Sprintf("| %s |", d.name)))
	}
}

// runOne writes src to path, compiles and runs it, and returns its table
// cell and the data's column count. A compile error ends the program (the
// table's programs are ours, so it is a bug); a run error is the cell.
// With a budget, training is interrupted after it and the cell says at
// which step, so a digits row that cannot finish in a session still gives
// an honest, labelled number.
func runOne(path, src, label string, budget time.Duration, every int) (string, int) {
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		fail(err)
	}
	s, err := nox.CompileFile(path)
	if err != nil {
		fail(fmt.Errorf("%s: %v", label, err))
	}
	dims := s.Prog.Data[0].Table.Cols
	var ev nox.Event
	start := time.Now()
	opts := nox.RunOptions{OnEvent: func(e nox.Event) { ev = e }, Plot: plot.Statement}
	if budget > 0 {
		stop := make(chan struct{}, 1)
		timer := time.AfterFunc(budget, func() { stop <- struct{}{} })
		defer timer.Stop()
		opts.Interrupt = stop
	}
	if every > 0 {
		opts.ReportEvery = every
		opts.OnStep = func(_ string, step, total int, loss float64) {
			fmt.Fprintf(os.Stderr, "%s step %d/%d loss %.3f at %.1fs\n", label, step, total, loss, time.Since(start).Seconds())
		}
	}
	err = s.Run(context.Background(), opts)
	elapsed := time.Since(start)
	fmt.Fprintf(os.Stderr, "%s done in %.1fs\n", label, elapsed.Seconds())
	if err != nil {
		return " failed: " + strings.SplitN(s.Render(err), "\n", 2)[0] + " |", dims
	}
	return cell(ev, elapsed), dims
}

// cell formats a run's result; a run that stopped before its last step
// says so, with the step it kept.
func cell(ev nox.Event, elapsed time.Duration) string {
	if ev.TestNLL == nil {
		return " no test NLL |"
	}
	how := ""
	if ev.Stopped != "" {
		how = fmt.Sprintf(", %s at step %d", ev.Stopped, ev.Steps)
		if ev.BestStep != nil {
			how += fmt.Sprintf(", kept %d", *ev.BestStep)
		}
	}
	return fmt.Sprintf(" %.3f (%dk params, %.0fs%s) |", *ev.TestNLL, (ev.Params+500)/1000, elapsed.Seconds(), how)
}

// program is the nox source of one run: family f on the CSV at path (an
// absolute path, so the program can be compiled from anywhere), with the
// one training budget every row of the table shares.
func program(path, prefix string, f family, steps int, trace string) string {
	flow := strings.ReplaceAll(f.flow, "TRACE", trace)
	flow = prefix + strings.ReplaceAll(flow, "H", fmt.Sprint(f.hidden))
	return fmt.Sprintf("data = csv(%q)\nflow = %s\ntrain flow on data { steps = %d, batch = 256, lr = 1e-3, seed = 0 }\n",
		path, flow, steps)
}

func contains(list, name string) bool {
	for _, x := range strings.Split(list, ",") {
		if x == name {
			return true
		}
	}
	return false
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "nll:", err)
	os.Exit(1)
}
