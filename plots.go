package nox

import (
	"math"
	"strings"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/train"
)

// PlotJob is what a plot statement draws, handed to RunOptions.Plot.
type PlotJob struct {
	// Flow names the flow; Path is the output file (.png or .svg),
	// resolved against the output directory (CompileOptions.OutDir,
	// default the program's directory).
	Flow, Path string
	// Dim is the flow's number of columns, Names their names (nil:
	// unnamed); Samples holds N draws from it and Data, if not nil, the
	// rows of the data set to draw them against, both row-major.
	Dim           int
	Names         []string
	Samples, Data []float64
	// LogProb writes the model's log-density at n points xy (row-major,
	// Dim columns) into out.
	LogProb func(xy []float64, n int, out []float64)
	// History is the training curve, when the flow was trained in this
	// run; nil otherwise.
	History *History
	// Target writes the log-density (unnormalised) of the density a 2-D
	// flow was fitted to in this run, as LogProb does, and TargetName
	// names it; nil for a flow trained on data.
	Target     func(xy []float64, n int, out []float64)
	TargetName string
}

// plot runs a plot statement through opts.Plot.
func (s *Script) plot(a *compiler.Plot, opts RunOptions) error {
	m, err := s.trainedFor(a.Flow, "plot", a.Pos)
	if err != nil {
		return err
	}
	if opts.Plot == nil {
		return lang.Errorf(a.Pos, a.Pos, "plot: this run draws no pictures (nox.RunOptions.Plot is not set; noxc sets it to plot.Statement)")
	}
	job := PlotJob{Flow: a.Flow.Name, Path: resolve(s.dir, a.Path), Dim: m.Dim(), Names: m.cols[0], History: m.History}
	job.Samples = make([]float64, a.N*job.Dim)
	m.sample(job.Samples, a.N, a.Seed, nil)
	if a.Data != nil {
		job.Data = a.Data.Table.Values
	}
	job.LogProb = func(xy []float64, n int, out []float64) {
		copy(out[:n], train.LogProb(m.m, m.params, xy))
	}
	if t := s.targets[a.Flow]; t != nil && job.Dim == 2 {
		job.TargetName = t.Name
		job.Target = func(xy []float64, n int, out []float64) {
			if err := train.TargetLogProb(t, xy[:n*2], out[:n]); err != nil {
				for i := range out[:n] {
					out[i] = math.NaN()
				}
			}
		}
	}
	paths, err := opts.Plot(job)
	if err != nil {
		return lang.Errorf(a.Pos, a.Pos, "plot: %v", err)
	}
	opts.emit(Event{Statement: "plot", Flow: a.Flow.Name, Path: strings.Join(paths, ",")})
	return nil
}
