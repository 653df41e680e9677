package plot

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/noxlang/nox"
)

// Statement draws a plot statement's pictures (nox.RunOptions.Plot): the
// flow's samples (beside the data, if given) to job.Path; for a 2-D flow
// its density to NAME_density.EXT (beside the target density of a fitted
// flow: DensityPair); and, when it was trained in this run,
// its training curve to NAME_loss.EXT, with the columns' names (if known)
// on the axes. It returns the paths written.
func Statement(job nox.PlotJob) ([]string, error) {
	ext := filepath.Ext(job.Path)
	base := strings.TrimSuffix(job.Path, ext)
	var err error
	if job.Data != nil {
		err = Samples(job.Path, job.Data, job.Samples, job.Dim, Title("samples", job.Flow), job.Names...)
	} else {
		err = SamplesOnly(job.Path, job.Samples, job.Dim, Title("samples", job.Flow), job.Names...)
	}
	if err != nil {
		return nil, err
	}
	paths := []string{job.Path}
	if job.Dim == 2 {
		ref := job.Data
		if ref == nil {
			ref = job.Samples
		}
		lo, hi := Box(ref)
		dp := base + "_density" + ext
		if job.Target != nil {
			titles := [2]string{"density " + job.TargetName + " (scaled to the flow's mass)", Title("density", job.Flow)}
			if err := DensityPair(dp, job.Target, job.LogProb, lo, hi, titles, ScaleAuto, job.Names...); err != nil {
				return nil, err
			}
		} else if err := Density(dp, job.LogProb, lo, hi, job.Data, Title("density", job.Flow), ScaleAuto, job.Names...); err != nil {
			return nil, err
		}
		paths = append(paths, dp)
	}
	if h := job.History; h != nil && len(h.Steps) > 1 {
		lp := base + "_loss" + ext
		if err := Loss(lp, h.Steps, h.Loss, h.Val, Title("training", job.Flow), HistoryMarks(h)...); err != nil {
			return nil, err
		}
		paths = append(paths, lp)
	}
	return paths, nil
}

// HistoryMarks are the marks of a training curve: the step whose
// parameters were kept (step 0: the Gaussian fit) and, when the run
// stopped before its last step, where and why.
func HistoryMarks(h *nox.History) []Mark {
	var marks []Mark
	switch {
	case h.BestStep == 0:
		marks = append(marks, Mark{Step: 0, Label: "kept: step 0 (the Gaussian fit)", Kind: Kept})
	case h.BestStep > 0:
		marks = append(marks, Mark{Step: h.BestStep, Label: fmt.Sprintf("kept: step %d", h.BestStep), Kind: Kept})
	}
	if h.Stop != 0 { // not train.Completed (plot does not import train)
		marks = append(marks, Mark{Step: h.LastStep, Label: fmt.Sprintf("%s at step %d", h.Stop, h.LastStep), Kind: Stopped})
	}
	return marks
}

// Title is the title of a picture of a flow: what is drawn, of which
// flow. A flow is usually named flow, and "samples of flow flow"
// stutters, so that name is said once: "samples of flow", but "samples of
// flow g".
func Title(what, flow string) string {
	if flow == "flow" {
		return what + " of flow"
	}
	return what + " of flow " + flow
}

// Box returns the range of 2-D points between their 0.5% and 99.5%
// quantiles, padded by 10% on each side: the window of a density plot.
func Box(xy []float64) (lo, hi [2]float64) {
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
