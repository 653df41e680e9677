package nox

import (
	"math"
	"slices"
	"strings"

	"github.com/noxlang/nox/compiler"
	"github.com/noxlang/nox/lang"
	"github.com/noxlang/nox/plot"
)

// plot draws a trained flow: its samples (beside the data, if given) to
// the statement's path; for a 2-D flow its density to NAME_density.EXT;
// and, when it was trained in this run, its training curve to
// NAME_loss.EXT.
func (s *Script) plot(a *compiler.Plot, opts RunOptions) error {
	m := s.trained[a.Flow]
	if m == nil {
		return lang.Errorf(a.Pos, a.Pos, "plot: flow %s has not been trained", a.Flow.Name)
	}
	path := s.resolve(a.Path)
	ext := path[strings.LastIndexByte(path, '.'):]
	base := strings.TrimSuffix(path, ext)
	d := m.Dim()
	samples := make([]float64, a.N*d)
	m.sample(samples, a.N, a.Seed, nil)
	var data []float64
	if a.Data != nil {
		data = a.Data.Table.Values
	}
	title := "flow " + a.Flow.Name
	var err error
	if data != nil {
		err = plot.Samples(path, data, samples, d, title)
	} else {
		err = plot.SamplesOnly(path, samples, d, title)
	}
	if err != nil {
		return lang.Errorf(a.Pos, a.Pos, "plot: %v", err)
	}
	paths := []string{path}
	if d == 2 {
		ref := data
		if ref == nil {
			ref = samples
		}
		lo, hi := box(ref)
		logp := func(xy []float64, n int, out []float64) {
			lp := logProb(m.m, m.params, xy)
			copy(out[:n], lp)
		}
		dp := base + "_density" + ext
		if err := plot.Density(dp, logp, lo, hi, data, "density of "+title); err != nil {
			return lang.Errorf(a.Pos, a.Pos, "plot: %v", err)
		}
		paths = append(paths, dp)
	}
	if h := m.History; h != nil && len(h.Steps) > 1 {
		lp := base + "_loss" + ext
		if err := plot.Loss(lp, h.Steps, h.Loss, h.Val, "training of "+title); err != nil {
			return lang.Errorf(a.Pos, a.Pos, "plot: %v", err)
		}
		paths = append(paths, lp)
	}
	if opts.OnEvent != nil {
		opts.OnEvent(Event{Statement: "plot", Flow: a.Flow.Name, Path: strings.Join(paths, ",")})
	}
	return nil
}

// box returns the range of 2-D points between their 0.5% and 99.5%
// quantiles, padded by 10% on each side.
func box(xy []float64) (lo, hi [2]float64) {
	n := len(xy) / 2
	for j := range 2 {
		col := make([]float64, 0, n)
		for i := range n {
			if v := xy[2*i+j]; !math.IsNaN(v) && !math.IsInf(v, 0) {
				col = append(col, v)
			}
		}
		if len(col) == 0 {
			lo[j], hi[j] = -1, 1
			continue
		}
		slices.Sort(col)
		a, b := col[len(col)*5/1000], col[min(len(col)-1, len(col)*995/1000)]
		w := max(b-a, 1e-9)
		lo[j], hi[j] = a-0.1*w, b+0.1*w
	}
	return lo, hi
}
