package plot

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Loss draws training curves against the step and writes them to path
// (.png or .svg): the training loss of every step as a thin line, its
// moving average over it (a centred running median, which the odd huge
// batch loss of an unstable run does not throw off), and the validation
// NLL as dots joined by a line. The y axis is "NLL (nats/row)".
//
// steps must increase; train has one loss per step. val is empty, or has
// one value per step, NaN at the steps without an evaluation. Training
// losses that are not finite (a diverging run) are skipped and counted in
// the legend; it is an error when no finite value is left.
//
// The y axis is fitted to the bulk of the values, so that the first
// steps' large losses do not flatten the rest: curves leave through the
// top of the frame when they are far above it.
//
// Each mark is drawn as a vertical line across the plot at its step,
// named in the legend: the step whose parameters were kept, where the
// run stopped early.
func Loss(path string, steps []int, train, val []float64, title string, marks ...Mark) error {
	f, err := formatOf(path)
	if err != nil {
		return err
	}
	fail := func(err error) error { return fmt.Errorf("plot %s: %w", path, err) }
	switch {
	case len(steps) == 0:
		return fail(fmt.Errorf("no steps"))
	case len(train) != len(steps):
		return fail(fmt.Errorf("%s for %s", plural(len(train), "training loss"), plural(len(steps), "step")))
	case len(val) != 0 && len(val) != len(steps):
		return fail(fmt.Errorf("%s for %s (want one per step, NaN where there was no evaluation)", plural(len(val), "validation value"), plural(len(steps), "step")))
	}
	for i := 1; i < len(steps); i++ {
		if steps[i] <= steps[i-1] {
			return fail(fmt.Errorf("steps must increase: step %d follows %d", steps[i], steps[i-1]))
		}
	}
	var tr, va plotter.XYs
	bad := 0
	for i, s := range steps {
		if finite(train[i]) {
			tr = append(tr, plotter.XY{X: float64(s), Y: train[i]})
		} else {
			bad++
		}
		if len(val) > 0 {
			switch v := val[i]; {
			case finite(v):
				va = append(va, plotter.XY{X: float64(s), Y: v})
			case math.IsInf(v, 0):
				return fail(fmt.Errorf("validation NLL at step %d is %v", s, v))
			}
		}
	}
	if len(tr) == 0 && len(va) == 0 {
		return fail(fmt.Errorf("no finite loss among %s", plural(len(steps), "step")))
	}
	return save(path, f, wideW, wideH+0.5, func(c draw.Canvas) {
		drawLoss(c, tr, va, bad, float64(steps[0]), float64(steps[len(steps)-1]), title, marks)
	})
}

// Mark is a step marked on a loss plot by a vertical line and a legend
// entry.
type Mark struct {
	Step  int
	Label string
	Kind  MarkKind
}

// MarkKind is what a mark shows, which sets its line's style.
type MarkKind int

const (
	// Kept marks the step whose parameters the model keeps: a dashed
	// line in the validation curve's colour.
	Kept MarkKind = iota
	// Stopped marks where a run ended before its last step: a solid grey
	// line.
	Stopped
)

func (k MarkKind) style() draw.LineStyle {
	if k == Kept {
		return draw.LineStyle{Color: valColor, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
	}
	return draw.LineStyle{Color: color.NRGBA{R: 0x44, G: 0x44, B: 0x44, A: 0xff}, Width: vg.Points(1.2)}
}

// vline is a mark's line, from the bottom of the plot to the top.
type vline struct {
	x     float64
	style draw.LineStyle
}

func (v vline) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, _ := p.Transforms(&c)
	x := trX(v.x)
	c.StrokeLine2(v.style, x, c.Min.Y, x, c.Max.Y)
}

// Thumbnail draws the legend's sample of the line: lying down, like the
// curves', so that its dashes show.
func (v vline) Thumbnail(c *draw.Canvas) {
	y := (c.Min.Y + c.Max.Y) / 2
	c.StrokeLine2(v.style, c.Min.X, y, c.Max.X, y)
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// runningMedian returns the centred running median of the losses over a
// window of w points (shorter at the ends), at no more than 1000 evenly
// spaced steps. A median, unlike a mean, is not thrown off by the odd
// huge batch loss of an unstable run.
func runningMedian(xy plotter.XYs, w int) plotter.XYs {
	n := len(xy)
	stride := max(1, n/1000)
	var out plotter.XYs
	win := make([]float64, 0, w+1)
	for i := 0; i < n; i += stride {
		if i+stride >= n {
			i = n - 1 // always end at the last step
		}
		win = win[:0]
		for _, p := range xy[max(0, i-w/2):min(n, i+w/2+1)] {
			win = append(win, p.Y)
		}
		slices.Sort(win)
		out = append(out, plotter.XY{X: xy[i].X, Y: quantile(win, 0.5)})
	}
	return out
}

// lossRange is the y range: from the lowest value to a little above the
// bulk of them (95th percentile plus the 5–95% spread), or the highest
// if that is lower.
func lossRange(sets ...plotter.XYs) span {
	var ys []float64
	for _, s := range sets {
		for _, p := range s {
			ys = append(ys, p.Y)
		}
	}
	slices.Sort(ys)
	lo, hi := ys[0], ys[len(ys)-1]
	q05, q95 := quantile(ys, 0.05), quantile(ys, 0.95)
	hi = min(hi, q95+(q95-q05))
	return span{lo, hi}.padded(0.05)
}

func drawLoss(c draw.Canvas, tr, va plotter.XYs, bad int, first, last float64, title string, marks []Mark) {
	c = titled(inset(c, vg.Points(8)), title)
	p := newPlot("")
	p.Add(lightGrid())
	p.X.Label.Text = "step"
	p.Y.Label.Text = "NLL (nats/row)"
	p.Legend.Top = true
	p.Legend.TextStyle.Font = sans(10)
	p.Legend.ThumbnailWidth = vg.Points(22)
	if len(tr) > 0 {
		name := "training loss (per batch)"
		if bad > 0 {
			name += fmt.Sprintf(", %d non-finite skipped", bad)
		}
		raw, _ := plotter.NewLine(tr)
		raw.Color = dataColor
		raw.Width = vg.Points(1.4)
		p.Add(raw)
		p.Legend.Add(name, raw)
		if w := min(len(tr)/25, 2001); w >= 3 {
			// Noisy: the raw losses fade behind their running median.
			raw.Color = translucent(dataColor, 0.3)
			raw.Width = vg.Points(0.6)
			ma, _ := plotter.NewLine(runningMedian(tr, w))
			ma.Color = dataColor
			ma.Width = vg.Points(1.6)
			p.Add(ma)
			p.Legend.Add(fmt.Sprintf("training loss, running median over %d steps", w), ma)
		}
	}
	if len(va) > 0 {
		line, pts, _ := plotter.NewLinePoints(va)
		line.Color = valColor
		line.Width = vg.Points(1.4)
		pts.Color = valColor
		pts.Shape = draw.CircleGlyph{}
		pts.Radius = vg.Points(2.5)
		if len(va) > 60 {
			pts.Radius = 0 // a dense evaluation reads better as a line
		}
		p.Add(line, pts)
		p.Legend.Add("validation NLL", line, pts)
	}
	for _, m := range marks {
		l := vline{x: float64(m.Step), style: m.Kind.style()}
		p.Add(l)
		p.Legend.Add(m.Label, l)
		first, last = min(first, float64(m.Step)), max(last, float64(m.Step))
	}
	ys := lossRange(tr, va)
	p.X.Min, p.X.Max = first, last
	if first > 0 && first <= 0.02*last {
		p.X.Min = 0 // start at 0, whose tick then shows
	}
	if first == last {
		p.X.Min, p.X.Max = first-1, last+1
	}
	p.Y.Min, p.Y.Max = ys.lo, ys.hi
	p.Draw(c)
}
